"""Roles and passwords."""

from __future__ import annotations

import pytest

from lagesbild import auth


def test_hash_and_verify():
    encoded = auth.hash_password("Sölvesborg 2026!")
    assert encoded.startswith("pbkdf2_sha256$")
    assert auth.verify_password("Sölvesborg 2026!", encoded)
    assert not auth.verify_password("sölvesborg 2026!", encoded)
    assert auth.hash_password("x") != auth.hash_password("x")  # salted
    assert not auth.verify_password("x", "garbage")


def test_authenticate_accounts_from_secrets():
    config = {"accounts": {"Anna": {"role": "coordinator", "password_hash": auth.hash_password("a")},
                           "bo": {"role": "staff", "password_hash": auth.hash_password("b")}}}
    accounts = auth.accounts_from(config)
    assert auth.authenticate(accounts, "anna", "a").role == "coordinator"
    assert auth.authenticate(accounts, "bo", "a") is None
    assert auth.authenticate(accounts, "nobody", "a") is None
    with pytest.raises(ValueError, match="unknown role"):
        auth.accounts_from({"accounts": {"x": {"role": "admin", "password_hash": ""}}})


def test_roles_for_oidc_users_and_ranks():
    config = {"roles": {"coordinators": ["Anna@Solvesborg.se"], "staff": ["bo@solvesborg.se"], "default": "viewer"}}
    assert auth.role_for_email(config, "anna@solvesborg.se") == "coordinator"
    assert auth.role_for_email(config, "bo@solvesborg.se") == "staff"
    assert auth.role_for_email(config, "x@example.se") == "viewer"
    assert auth.at_least("coordinator", "staff") and not auth.at_least("viewer", "staff")
