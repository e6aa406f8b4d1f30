"""The promotion gate: may a challenger replace the champion?

Both models are scored on the same held-out rows, in two sets: the rows held
out of the new data, and the champion's own held-out rows (stored with it at
training time and never used to fit a challenger). The challenger is promoted
only if, on every set, it is not worse than the champion beyond a tolerance:

- ROC AUC may drop by at most ``roc_auc`` (default 0.01);
- the Brier score may rise by at most ``brier`` (default 0.01).

The champion's rows are what stop a changed source from passing: labels that
no longer follow the features (shuffled, recoded) teach the challenger nothing
that holds on data labelled the old, known way.
"""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Tolerances:
    """How much worse than the champion a challenger may be and still win."""

    roc_auc: float = 0.01
    brier: float = 0.01

    def __post_init__(self) -> None:
        """Refuse tolerances outside [0, 1)."""
        for name, value in asdict(self).items():
            if not 0 <= value < 1:
                raise ValueError(f"{name} tolerance must be in [0, 1), got {value}")


@dataclass(frozen=True)
class Scores:
    """What the gate looks at: ranking (ROC AUC) and probability quality (Brier)."""

    roc_auc: float
    brier: float


@dataclass(frozen=True)
class Comparison:
    """Champion and challenger scored on the same rows."""

    rows_name: str
    rows: int
    champion: Scores
    challenger: Scores

    def shortfalls(self, tolerances: Tolerances) -> list[str]:
        """Say how the challenger is worse beyond a tolerance (empty if it is not)."""
        found = []
        auc_drop = self.champion.roc_auc - self.challenger.roc_auc
        if auc_drop > tolerances.roc_auc:
            found.append(
                f"ROC AUC {self.challenger.roc_auc:.4f} vs {self.champion.roc_auc:.4f} "
                f"on {self.rows_name} ({self.rows} rows), "
                f"{auc_drop:.4f} worse > tolerance {tolerances.roc_auc:g}"
            )
        brier_rise = self.challenger.brier - self.champion.brier
        if brier_rise > tolerances.brier:
            found.append(
                f"Brier {self.challenger.brier:.4f} vs {self.champion.brier:.4f} "
                f"on {self.rows_name} ({self.rows} rows), "
                f"{brier_rise:.4f} worse > tolerance {tolerances.brier:g}"
            )
        return found

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class GateDecision:
    """Whether to promote, and why, in one sentence."""

    promote: bool
    reason: str


def decide(comparisons: list[Comparison], tolerances: Tolerances) -> GateDecision:
    """Apply the gate to every comparison set.

    Args:
        comparisons: The challenger and champion on each held-out set.
        tolerances: The allowed shortfalls.

    Returns:
        Promote only when no set shows a shortfall beyond its tolerance.
    """
    if not comparisons:
        return GateDecision(False, "no held-out rows to compare the models on")
    shortfalls = [s for c in comparisons for s in c.shortfalls(tolerances)]
    if shortfalls:
        return GateDecision(False, "challenger worse: " + "; ".join(shortfalls))
    summary = "; ".join(
        f"ROC AUC {c.challenger.roc_auc:.4f} vs {c.champion.roc_auc:.4f}, "
        f"Brier {c.challenger.brier:.4f} vs {c.champion.brier:.4f} on {c.rows_name}"
        for c in comparisons
    )
    return GateDecision(True, f"challenger not worse beyond tolerance: {summary}")
