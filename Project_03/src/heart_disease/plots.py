"""PNG plots of a trained model: ROC, confusion matrix, importances, reliability."""

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

if TYPE_CHECKING:
    from heart_disease.calibration import Calibration


def _new_figure() -> Figure:
    # Figure objects render without pyplot; Agg keeps headless runs safe.
    matplotlib.use("Agg")
    return Figure(figsize=(5, 4), dpi=100, layout="constrained")


def plot_roc_curve(
    target: pd.Series, probability: np.ndarray, roc_auc: float | None, path: Path
) -> None:
    """Draw the ROC curve of held-out predictions into a PNG file."""
    false_positive, true_positive, _ = roc_curve(target, probability)
    figure = _new_figure()
    axes = figure.add_subplot()
    label = f"model (AUC {roc_auc:.3f})" if roc_auc is not None else "model"
    axes.plot(false_positive, true_positive, label=label, color="tab:red")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set(
        xlabel="False positive rate",
        ylabel="True positive rate",
        title="ROC curve (held-out split)",
    )
    axes.legend(loc="lower right")
    figure.savefig(path)


def plot_confusion_matrix(matrix: list[list[int]], path: Path) -> None:
    """Draw a 2x2 confusion matrix ``[[tn, fp], [fn, tp]]`` into a PNG file."""
    figure = _new_figure()
    axes = figure.add_subplot()
    values = np.array(matrix)
    axes.imshow(values, cmap="Blues")
    labels = ["no disease (0)", "disease (1)"]
    axes.set_xticks([0, 1], labels=labels)
    axes.set_yticks([0, 1], labels=labels)
    axes.set(xlabel="Predicted", ylabel="Actual", title="Confusion matrix")
    threshold = values.max() / 2
    for row in range(2):
        for column in range(2):
            value = int(values[row, column])
            colour = "white" if value > threshold else "black"
            axes.text(column, row, str(value), ha="center", va="center", color=colour)
    figure.savefig(path)


def plot_feature_importances(importances: dict[str, float], path: Path) -> None:
    """Draw permutation importances as horizontal bars into a PNG file."""
    figure = _new_figure()
    axes = figure.add_subplot()
    names = list(importances)[::-1]
    axes.barh(names, [importances[n] for n in names], color="tab:blue")
    axes.set(
        xlabel="Drop in ROC AUC when shuffled",
        title="Permutation feature importance",
    )
    figure.savefig(path)


def plot_reliability_curve(summary: "Calibration", path: Path) -> None:
    """Draw the reliability (calibration) curve with Brier score and ECE."""
    figure = _new_figure()
    axes = figure.add_subplot()
    axes.plot(
        [0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated"
    )
    axes.plot(
        [b.mean_probability for b in summary.bins],
        [b.observed_rate for b in summary.bins],
        marker="o",
        color="tab:red",
        label=f"model (Brier {summary.brier:.3f}, ECE {summary.ece:.3f})",
    )
    axes.set(
        xlabel="Mean predicted probability (10 bins)",
        ylabel="Observed rate of heart disease",
        title="Reliability curve (held-out split)",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axes.legend(loc="upper left")
    figure.savefig(path)
