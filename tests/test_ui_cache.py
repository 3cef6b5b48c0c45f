"""The one versioned cache every UI loader goes through (`lagesbild.ui.state.versioned`)."""

from __future__ import annotations

from datetime import date

import pytest
import streamlit as st

from lagesbild.protect import Disclosure
from lagesbild.ui import state

calls: list[tuple] = []


@state.versioned(max_entries=8)
def count_a(n: int) -> tuple[str, int]:
    calls.append(("a", n))
    return "a", n


@state.versioned(max_entries=8)
def count_b(n: int) -> tuple[str, int]:
    calls.append(("b", n))
    return "b", n


@state.versioned(max_entries=8)
def shown_to(n: int, step: int = 1, *, shown: Disclosure, today: date) -> tuple[int, bool, date]:
    calls.append(("shown", n, step, shown.viewer, today))
    return n + step, shown.viewer, today


@state.versioned(max_entries=8)
def with_payload(name: str, _payload: bytes) -> int:
    calls.append(("payload", name, _payload))
    return len(_payload)


@pytest.fixture
def version(monkeypatch):
    """The data version the loaders see (a list so a test can move it) and a person who is a viewer."""
    st.cache_data.clear()
    calls.clear()
    current = [1]
    viewer = [True]
    monkeypatch.setattr(state, "data_version", lambda: current[0])
    monkeypatch.setitem(state._FILLED_IN, "shown", lambda: Disclosure(viewer=viewer[0]))
    yield current, viewer
    st.cache_data.clear()


def test_a_loader_runs_once_per_arguments_and_data_version(version):
    current, _ = version
    assert count_a(3) == ("a", 3)
    assert count_a(3) == ("a", 3)
    assert count_a(n=3) == ("a", 3)   # the same call, spelt differently, is the same entry
    assert calls == [("a", 3)]
    current[0] = 2                    # a write moved the data version
    assert count_a(3) == ("a", 3)
    assert calls == [("a", 3), ("a", 3)]


def test_two_loaders_with_the_same_arguments_do_not_share_a_cache(version):
    assert count_a(1) == ("a", 1)
    assert count_b(1) == ("b", 1)
    assert calls == [("a", 1), ("b", 1)]


def test_the_disclosure_and_the_day_are_filled_in_and_part_of_the_key(version):
    _, viewer = version
    assert shown_to(1) == (2, True, date.today())
    assert shown_to(1, 1) == (2, True, date.today())   # the default step is the same call
    viewer[0] = False
    assert shown_to(1) == (2, False, date.today())
    assert [c[3] for c in calls] == [True, False]
    with pytest.raises(TypeError):
        shown_to(1, shown=Disclosure())          # a caller cannot choose what it may see


def test_an_underscore_argument_is_passed_but_not_hashed(version):
    assert with_payload("fil.csv", b"abc") == 3
    assert with_payload("fil.csv", b"abcdef") == 3   # same key: the payload is not part of it
    assert with_payload("annan.csv", b"abcdef") == 6
    assert len(calls) == 2
