"""Render the model card (``model_card.md``) of a training run."""

from typing import TYPE_CHECKING

from heart_disease.schema import FEATURES, TARGET
from heart_disease.subgroups import CONFIDENCE, RESAMPLES, Estimate, largest_gaps

if TYPE_CHECKING:
    from heart_disease.training import TrainResult


def _how_chosen(result: "TrainResult") -> str:
    config, name = result.config, result.selection.best.name
    tuned = " after a grid search" if config.tune else ""
    if len(result.selection.scores) > 1:
        return (
            f"`{name}` kept by {config.cv_folds}-fold cross-validation on the "
            f"training split (ROC AUC, then accuracy){tuned}."
        )
    return (
        f"`{name}` as requested{tuned}; {config.cv_folds}-fold cross-validation on "
        "the training split:"
    )


def _cell(estimate: Estimate) -> str:
    if estimate.value is None:
        return "n/a"
    return f"{estimate.value:.2f} [{estimate.low:.2f}, {estimate.high:.2f}]"


def _subgroup_section(result: "TrainResult") -> str:
    rows = "\n".join(
        f"| {g.group} {g.level} | {g.rows} | {g.positives} | {_cell(g.recall)} "
        f"| {_cell(g.specificity)} | {_cell(g.precision)} | {_cell(g.roc_auc)} |"
        for g in result.subgroups
    )
    gaps = "\n".join(
        f"- {sentence}" for sentence in largest_gaps(list(result.subgroups))
    )
    return f"""## Subgroups (held-out split, threshold 0.5)
{CONFIDENCE:.0%} percentile bootstrap intervals ({RESAMPLES} resamples within each
group). Small groups have wide intervals: read a gap against them.

| group | rows | with disease | recall | specificity | precision | ROC AUC |
|---|---|---|---|---|---|---|
{rows}

The largest gaps:
{gaps or "- (too few groups to compare)"}
"""


def _calibration_section(result: "TrainResult") -> str:
    summary = result.calibration
    rows = "\n".join(
        f"| {b.low:.1f}-{b.high:.1f} | {b.rows} | {b.mean_probability:.3f} "
        f"| {b.observed_rate:.3f} |"
        for b in summary.bins
    )
    return f"""## Calibration (held-out split)
Brier score {summary.brier:.4f}; expected calibration error (ECE, 10 equal-width
bins, row-weighted) {summary.ece:.4f}. See `reliability_curve.png`.

| predicted | rows | mean predicted | observed rate |
|---|---|---|---|
{rows}
"""


def render_model_card(result: "TrainResult") -> str:
    """Write the model card in Markdown.

    Args:
        result: The finished training run.

    Returns:
        The card's text.
    """
    config, metrics, best = result.config, result.metrics, result.selection.best
    roc_auc = "n/a" if metrics.roc_auc is None else f"{metrics.roc_auc:.4f}"
    (tn, fp), (fn, tp) = metrics.confusion_matrix
    candidates = "\n".join(
        f"| {s.name} | {s.roc_auc_mean:.4f} ± {s.roc_auc_std:.4f} "
        f"| {s.accuracy_mean:.4f} ± {s.accuracy_std:.4f} |"
        for s in result.selection.scores
    )
    hyperparameters = "\n".join(
        f"- `{k}` = `{v}`" for k, v in result.hyperparameters.items()
    )
    versions = ", ".join(f"{k} {v}" for k, v in result.versions.items())
    return f"""# Model card: heart-disease classifier ({best.name})

Created {result.created} with `{config.command_line}`.

## Intended use
Estimates the probability of heart disease from eleven routine clinical measurements,
for research and teaching. It is **not** a medical device and must not be used to
diagnose or treat anyone. Trained on {result.rows_used} rows of one public data set;
performance on other populations is unknown.

## Data
- File: `{config.data_path.name}` (sha256 `{result.data_sha256}`)
- Rows: {result.rows_read} read, {result.rows_used} after dropping duplicates;
  {result.train_rows} train / {result.test_rows} test (stratified, seed {config.seed},
  test size {config.test_size:g})
- Features: {", ".join(FEATURES)}
- Target: `{TARGET}` (1 = heart disease)
- `RestingBP == 0` and `Cholesterol == 0` mean "not measured": imputed with the
  training median, with an indicator column.

## Model
{_how_chosen(result)}

| candidate | CV ROC AUC | CV accuracy |
|---|---|---|
{candidates}

Hyperparameters:
{hyperparameters}

## Held-out metrics ({metrics.rows} rows, threshold 0.5)
| metric | value |
|---|---|
| accuracy | {metrics.accuracy:.4f} |
| ROC AUC | {roc_auc} |
| F1 | {metrics.f1:.4f} |
| precision | {metrics.precision:.4f} |
| recall | {metrics.recall:.4f} |
| Brier score | {metrics.brier:.4f} |

Confusion matrix: {tn} true negatives, {fp} false positives, {fn} false negatives,
{tp} true positives.

{_calibration_section(result)}
{_subgroup_section(result)}
## Reproducibility
Seed {config.seed}; {versions}.
"""
