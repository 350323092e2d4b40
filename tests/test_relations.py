"""The published period-phi31-[Fe/H] relations live in rrlsk.relations,
apart from the simulator and the baseline, which both take them by name."""

import numpy as np
import pandas as pd
import pytest

from rrlsk.baselines import PeriodPhi31Relation
from rrlsk.datasets import RRabPopulation, RRcPopulation, feh_from_phi31
from rrlsk.relations import RELATIONS, get_relation, unwrap_phi31


def test_relations_by_name_and_the_simulator_defaults():
    assert set(RELATIONS) >= {"rrab_g", "rrc_g"}
    assert RRabPopulation.relation == RELATIONS["rrab_g"].coefficients
    assert RRcPopulation.relation == RELATIONS["rrc_g"].coefficients
    with pytest.raises(ValueError, match="rrab_g"):
        get_relation("rrab_v")


def test_relation_by_hand():
    # -6.93 - 6.04 * 0.55 + 1.65 * (0.5 + 2 pi), phi31 given on another branch
    expected = -6.93 - 6.04 * 0.55 + 1.65 * (0.5 + 2 * np.pi)
    assert RELATIONS["rrab_g"].feh(0.55, 0.5) == pytest.approx(expected)
    assert unwrap_phi31(0.5) == pytest.approx(0.5 + 2 * np.pi)
    assert feh_from_phi31(0.55, 0.5) == pytest.approx(expected)


def test_baseline_takes_a_relation_by_name():
    table = pd.DataFrame({"period": [0.3, 0.35], "phi31": [4.0, 4.5]})
    by_name = PeriodPhi31Relation(coefficients="rrc_g").fit(table, [0.0, 0.0])
    np.testing.assert_array_equal(by_name.coefficients_, RELATIONS["rrc_g"].coefficients)
    np.testing.assert_allclose(by_name.predict(table), RELATIONS["rrc_g"].feh(table["period"], table["phi31"]))
    default = PeriodPhi31Relation().fit(table, [0.0, 0.0])
    np.testing.assert_array_equal(default.coefficients_, RELATIONS["rrab_g"].coefficients)
    with pytest.raises(ValueError, match="unknown relation"):
        PeriodPhi31Relation(coefficients="nope").fit(table, [0.0, 0.0])
