"""Are the probabilities honest? Reliability bins, Brier score and ECE."""

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import brier_score_loss

BINS = 10


@dataclass(frozen=True)
class ReliabilityBin:
    """Rows whose predicted probability falls in ``[low, high)``."""

    low: float
    high: float
    rows: int
    mean_probability: float
    observed_rate: float


@dataclass(frozen=True)
class Calibration:
    """Brier score, expected calibration error and the non-empty bins.

    ECE is the row-weighted mean of ``|observed rate - mean probability|``
    over ten equal-width probability bins.
    """

    brier: float
    ece: float
    bins: tuple[ReliabilityBin, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return asdict(self)


def calibration(target: pd.Series, probability: npt.NDArray[np.float64]) -> Calibration:
    """Measure how well predicted probabilities match observed rates.

    Args:
        target: True labels, 0 or 1.
        probability: Predicted probability of class 1 per row.

    Returns:
        The calibration summary.
    """
    labels = target.to_numpy(dtype=np.float64)
    edges = np.linspace(0, 1, BINS + 1)
    # The last bin is closed on the right so that p == 1.0 is counted.
    index = np.clip(np.digitize(probability, edges[1:-1]), 0, BINS - 1)
    bins = []
    ece = 0.0
    for position in range(BINS):
        members = index == position
        rows = int(members.sum())
        if not rows:
            continue
        mean_probability = float(probability[members].mean())
        observed_rate = float(labels[members].mean())
        ece += rows / len(labels) * abs(observed_rate - mean_probability)
        bins.append(
            ReliabilityBin(
                low=float(edges[position]),
                high=float(edges[position + 1]),
                rows=rows,
                mean_probability=mean_probability,
                observed_rate=observed_rate,
            )
        )
    return Calibration(
        brier=float(brier_score_loss(labels, probability)),
        ece=float(ece),
        bins=tuple(bins),
    )
