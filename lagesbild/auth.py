"""Roles and local accounts: who may see detail and who may change data.

Three roles: *viewer* (anyone with a link, the default: aggregates only), *staff* (sees detail) and
*coordinator* (changes data). Sign-in is either the municipality's OIDC provider through `st.login` (roles by
e-mail address in secrets) or local accounts whose salted PBKDF2 hashes live in secrets. Passwords are
compared in constant time, and an unknown user name costs as much as a wrong password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

ROLES = ("viewer", "staff", "coordinator")
ROLE_LABELS = {"viewer": "Läsare", "staff": "Personal", "coordinator": "Samordnare"}
ITERATIONS = 310_000
_SCHEME = "pbkdf2_sha256"


def at_least(role: str, needed: str) -> bool:
    """Whether `role` includes what `needed` may do."""
    return ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """A salted PBKDF2-SHA256 hash in the form 'pbkdf2_sha256$iterations$salt$hash' (base64)."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    encode = base64.b64encode
    return f"{_SCHEME}${iterations}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`, compared in constant time."""
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != _SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
        return hmac.compare_digest(digest, base64.b64decode(expected))
    except (ValueError, TypeError):
        return False


_DUMMY = hash_password("not a real password", salt=b"0" * 16)


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    password_hash: str


def accounts_from(config: Mapping) -> dict[str, Account]:
    """Local accounts from the `[accounts.<name>]` tables of secrets; unknown roles are refused."""
    found = {}
    for username, entry in dict(config.get("accounts", {})).items():
        role = entry.get("role", "viewer")
        if role not in ROLES:
            raise ValueError(f"account {username!r} has unknown role {role!r}; use one of {ROLES}")
        found[username.lower()] = Account(username, role, entry.get("password_hash", ""))
    return found


def authenticate(accounts: Mapping[str, Account], username: str, password: str) -> Account | None:
    """The account if the password is right, else None (the same work either way)."""
    account = accounts.get(username.strip().lower())
    ok = verify_password(password, account.password_hash if account else _DUMMY)
    return account if account and ok else None


def role_for_email(config: Mapping, email: str | None) -> str:
    """A role for an OIDC-signed-in user: listed in `[roles]` coordinators/staff, else `[roles] default`."""
    roles = dict(config.get("roles", {}))
    address = (email or "").strip().lower()
    if address and address in {e.lower() for e in roles.get("coordinators", [])}:
        return "coordinator"
    if address and address in {e.lower() for e in roles.get("staff", [])}:
        return "staff"
    default = roles.get("default", "viewer")
    return default if default in ROLES else "viewer"
