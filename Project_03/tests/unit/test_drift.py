"""The training profile and the drift statistics (PSI and chi-square)."""

import numpy as np
import pandas as pd
import pytest

from heart_disease.drift import (
    MISSING,
    PSI_MAJOR,
    PSI_MODERATE,
    DataProfile,
    build_profile,
    drift_report,
    population_stability_index,
)
from tests.conftest import make_heart_frame


def test_psi_is_zero_for_identical_shares_and_grows_with_the_shift() -> None:
    expected = np.array([0.25, 0.25, 0.25, 0.25])
    assert population_stability_index(expected, expected) == 0
    small = population_stability_index(expected, np.array([0.3, 0.2, 0.25, 0.25]))
    large = population_stability_index(expected, np.array([0.7, 0.1, 0.1, 0.1]))
    assert 0 < small < PSI_MODERATE
    assert large > PSI_MAJOR


def test_psi_hand_computed() -> None:
    value = population_stability_index(np.array([0.5, 0.5]), np.array([0.8, 0.2]))
    assert value == pytest.approx(0.3 * np.log(1.6) + (-0.3) * np.log(0.4))


def test_an_empty_bin_does_not_make_psi_infinite() -> None:
    assert np.isfinite(
        population_stability_index(np.array([0.0, 1.0]), np.array([0.5, 0.5]))
    )


def test_profile_bins_numbers_by_quantile_and_counts_zeros_as_missing(
    heart_frame: pd.DataFrame,
) -> None:
    frame = heart_frame.copy()
    frame.loc[:9, "Cholesterol"] = 0
    profile = build_profile(frame)
    cholesterol = next(f for f in profile.features if f.name == "Cholesterol")
    assert cholesterol.bins[0] == MISSING
    assert cholesterol.shares[0] == pytest.approx(10 / len(frame))
    assert len(cholesterol.edges) == 9
    assert sum(cholesterol.shares) == pytest.approx(1)
    sex = next(f for f in profile.features if f.name == "Sex")
    assert sex.bins == (MISSING, "M", "F")
    assert profile.rows == len(frame)


def test_profile_survives_a_json_round_trip(heart_frame: pd.DataFrame) -> None:
    profile = build_profile(heart_frame)
    assert DataProfile.from_dict(profile.to_dict()) == profile


def test_a_sample_of_the_same_population_is_stable() -> None:
    profile = build_profile(make_heart_frame(2000, seed=1))
    report = drift_report(profile, make_heart_frame(500, seed=2))
    assert report.drifted == []
    assert all(f.psi < 0.1 for f in report.features), report.features


def test_a_shifted_feature_is_drift_and_named() -> None:
    profile = build_profile(make_heart_frame(2000, seed=1))
    shifted = make_heart_frame(500, seed=2)
    shifted["Age"] += 15
    shifted["Sex"] = "F"
    report = drift_report(profile, shifted)
    assert report.drifted == ["Age", "Sex"]
    age = next(f for f in report.features if f.name == "Age")
    assert age.psi >= 0.25
    assert age.p_value < 0.01


def test_a_tiny_batch_is_not_called_drifted_on_psi_alone() -> None:
    profile = build_profile(make_heart_frame(2000, seed=1))
    report = drift_report(profile, make_heart_frame(2000, seed=3).head(8))
    assert report.drifted == [], report.features


def test_report_carries_target_rates_and_thresholds(heart_frame: pd.DataFrame) -> None:
    report = drift_report(
        build_profile(heart_frame), heart_frame.drop(columns="HeartDisease")
    )
    payload = report.to_dict()
    assert payload["target_rate"] is None
    assert payload["thresholds"] == {
        "psi_moderate": 0.1,
        "psi_major": 0.25,
        "p_value": 0.01,
        "min_rows": 50,
    }
