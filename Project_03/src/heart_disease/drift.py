"""Has the data moved? The training profile of a model and drift of new data against it.

A profile stores, per feature, the share of training rows in each bin: ten
quantile bins for numbers (plus "missing", which includes the zeros that mean
"not measured"), one bin per code for categories (plus "missing"). New data is
binned the same way and compared with the population stability index (PSI):

- PSI < 0.10: stable; 0.10-0.25: moderate shift (reported);
- PSI >= 0.25 **and** a chi-square test against the training shares with
  p < 0.01 **and** at least 50 rows: drift. The test and the row minimum keep a
  small batch, whose PSI is noisy (and whose chi-square approximation is not
  valid), from being called drifted by chance; it is reported as moderate.
"""

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chisquare

from heart_disease.schema import (
    CATEGORY_CODES,
    FEATURES,
    NUMERIC_FEATURES,
    TARGET,
    ZERO_MEANS_MISSING,
)

NUMERIC_BINS = 10
PSI_MODERATE = 0.10
PSI_MAJOR = 0.25
P_VALUE = 0.01
MIN_ROWS = 50
MISSING = "missing"
# Shares below this are floored so that an empty bin does not make PSI infinite.
_FLOOR = 1e-4

Level = Literal["stable", "moderate", "drift"]


@dataclass(frozen=True)
class FeatureProfile:
    """The training distribution of one feature over fixed bins.

    Attributes:
        name: The column.
        bins: Bin labels, ``missing`` first.
        edges: Inner edges of the numeric bins (empty for categories).
        shares: Share of training rows in each bin (sums to 1).
    """

    name: str
    bins: tuple[str, ...]
    edges: tuple[float, ...]
    shares: tuple[float, ...]


@dataclass(frozen=True)
class DataProfile:
    """What the model was trained on, per feature, plus the target rate."""

    rows: int
    target_rate: float
    features: tuple[FeatureProfile, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (``profile.json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> "DataProfile":
        """Rebuild a profile from :meth:`to_dict`'s output."""
        features = tuple(
            FeatureProfile(
                name=f["name"],
                bins=tuple(f["bins"]),
                edges=tuple(f["edges"]),
                shares=tuple(f["shares"]),
            )
            for f in payload["features"]
        )
        return cls(payload["rows"], payload["target_rate"], features)


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature moved: PSI, chi-square p-value and the verdict."""

    name: str
    psi: float
    p_value: float
    level: Level


@dataclass(frozen=True)
class DriftReport:
    """Drift of new rows against a training profile."""

    reference_rows: int
    rows: int
    reference_target_rate: float
    target_rate: float | None
    features: tuple[FeatureDrift, ...]

    @property
    def drifted(self) -> list[str]:
        """Names of the features beyond the drift thresholds."""
        return [f.name for f in self.features if f.level == "drift"]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, with the thresholds used."""
        return {
            **asdict(self),
            "drifted": self.drifted,
            "thresholds": {
                "psi_moderate": PSI_MODERATE,
                "psi_major": PSI_MAJOR,
                "p_value": P_VALUE,
                "min_rows": MIN_ROWS,
            },
        }


def _missing_mask(name: str, values: pd.Series) -> pd.Series:
    missing = values.isna()
    if name in ZERO_MEANS_MISSING:
        missing |= values == 0
    return missing


def _numeric_profile(name: str, values: pd.Series) -> FeatureProfile:
    present = values[~_missing_mask(name, values)].astype("float64")
    quantiles = np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]
    edges = (
        tuple(float(e) for e in np.unique(np.quantile(present, quantiles)))
        if len(present)
        else ()
    )
    labels = [f"<= {edges[0]:g}"] if edges else ["all"]
    labels += [f"{low:g} - {high:g}" for low, high in itertools.pairwise(edges)]
    labels += [f"> {edges[-1]:g}"] if edges else []
    profile = FeatureProfile(name, (MISSING, *labels), edges, ())
    return _with_shares(profile, bin_counts(profile, values))


def _categorical_profile(name: str, values: pd.Series) -> FeatureProfile:
    profile = FeatureProfile(name, (MISSING, *CATEGORY_CODES[name]), (), ())
    return _with_shares(profile, bin_counts(profile, values))


def _with_shares(profile: FeatureProfile, counts: np.ndarray) -> FeatureProfile:
    total = counts.sum()
    shares = tuple(float(c / total) for c in counts) if total else ()
    return FeatureProfile(profile.name, profile.bins, profile.edges, shares)


def bin_counts(profile: FeatureProfile, values: pd.Series) -> np.ndarray:
    """Count rows of ``values`` in each of the profile's bins.

    Args:
        profile: A feature profile (its bins and edges).
        values: The feature column of the rows to count.

    Returns:
        One count per bin, in the profile's order.
    """
    missing = _missing_mask(profile.name, values)
    counts = np.zeros(len(profile.bins), dtype=np.int64)
    counts[0] = int(missing.sum())
    present = values[~missing]
    if profile.name in NUMERIC_FEATURES:
        index = np.searchsorted(profile.edges, present.astype("float64"), side="left")
        counts[1:] += np.bincount(index, minlength=len(profile.bins) - 1)
    else:
        codes = present.astype(str).value_counts()
        for position, code in enumerate(profile.bins[1:], start=1):
            counts[position] = int(codes.get(code, 0))
    return counts


def build_profile(frame: pd.DataFrame) -> DataProfile:
    """Profile the training rows (features and target) of a model.

    Args:
        frame: Validated training rows with the target.

    Returns:
        The profile to store with the model.
    """
    features = tuple(
        _numeric_profile(name, frame[name])
        if name in NUMERIC_FEATURES
        else _categorical_profile(name, frame[name])
        for name in FEATURES
    )
    target_rate = float(pd.to_numeric(frame[TARGET]).mean())
    return DataProfile(len(frame), target_rate, features)


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = sum((actual - expected) * ln(actual / expected)) over the bins.

    Args:
        expected: Reference shares per bin.
        actual: New shares per bin.

    Returns:
        The index (0 when the shares are equal).
    """
    expected = np.maximum(expected, _FLOOR)
    actual = np.maximum(actual, _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_drift(profile: FeatureProfile, values: pd.Series) -> FeatureDrift:
    """Compare one feature of new rows with its training profile.

    Args:
        profile: The feature's training profile.
        values: The feature column of the new rows.

    Returns:
        PSI, chi-square p-value and the verdict (see the module docstring).
    """
    counts = bin_counts(profile, values)
    total = int(counts.sum())
    expected = np.asarray(profile.shares, dtype=np.float64)
    psi = population_stability_index(expected, counts / total)
    floored = np.maximum(expected, _FLOOR)
    p_value = float(chisquare(counts, floored / floored.sum() * total).pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    level: Level = "stable"
    if psi >= PSI_MAJOR and p_value < P_VALUE and total >= MIN_ROWS:
        level = "drift"
    elif psi >= PSI_MODERATE:
        level = "moderate"
    return FeatureDrift(profile.name, psi, p_value, level)


def drift_report(profile: DataProfile, frame: pd.DataFrame) -> DriftReport:
    """Compare every feature of new rows with the training profile.

    Args:
        profile: The model's training profile.
        frame: Validated new rows (the target is optional).

    Returns:
        The report; :attr:`DriftReport.drifted` names the drifted features.
    """
    target_rate = None
    if TARGET in frame.columns and frame[TARGET].notna().any():
        target_rate = float(pd.to_numeric(frame[TARGET]).mean())
    return DriftReport(
        reference_rows=profile.rows,
        rows=len(frame),
        reference_target_rate=profile.target_rate,
        target_rate=target_rate,
        features=tuple(feature_drift(f, frame[f.name]) for f in profile.features),
    )
