"""The risk-factor bit of `incidents.risk_mask`: one definition, the same in SQL and in Python."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from lagesbild.vocabulary import RISK_BIT_SQL, has_risk, risk_bit


@pytest.mark.parametrize("factor", [1, 2, 17, 63])
def test_sql_and_python_agree_on_the_bit(factor):
    in_sql = duckdb.sql("SELECT " + RISK_BIT_SQL + " FROM (SELECT ? AS id)", params=[factor]).fetchall()[0][0]
    assert in_sql == int(risk_bit(factor)) == 2 ** (factor - 1)


@pytest.mark.parametrize("factor", [0, 64, -1])
def test_only_ids_1_to_63_have_a_bit(factor):
    with pytest.raises(ValueError, match="1..63"):
        risk_bit(factor)


def test_has_risk_reads_one_bit_of_each_mask():
    masks = np.array([0, 1, 2, 3, 2 ** 62], np.uint64)
    assert has_risk(masks, 1).tolist() == [False, True, False, True, False]
    assert has_risk(masks, 2).tolist() == [False, False, True, True, False]
    assert has_risk(masks, 63).tolist() == [False, False, False, False, True]
