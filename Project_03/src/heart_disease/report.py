"""What the CLI prints: plain-text tables and strict JSON, rendered in one place."""

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type hints only: validate and download must not load sklearn
    from heart_disease.dataset import Dataset
    from heart_disease.evaluation import Metrics
    from heart_disease.training import TrainResult


def render_json(payload: Any) -> str:
    """Render a result as one line of strict JSON (no NaN or Infinity).

    Floats keep full precision; the same thing has the same fields everywhere.
    """
    return json.dumps(payload, allow_nan=False, ensure_ascii=False)


def validation_payload(dataset: "Dataset") -> dict[str, Any]:
    """The JSON form of :func:`format_validation`."""
    report = dataset.report
    return {
        "file": str(dataset.path),
        "sha256": dataset.sha256,
        "rows": report.rows,
        "columns": list(report.columns),
        "target_counts": {str(k): v for k, v in report.target_counts.items()},
        "warnings": report.warnings,
        "errors": report.errors,
        "usable": report.usable,
    }


def train_summary_payload(result: "TrainResult") -> dict[str, Any]:
    """The JSON form of :func:`format_train_summary`: metrics.json plus where."""
    return {**result.metrics_payload(), "output_dir": str(result.config.output_dir)}


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align columns with two spaces between them (numbers and text alike)."""
    widths = [
        max(len(str(cell)) for cell in (header, *(row[i] for row in rows)))
        for i, header in enumerate(headers)
    ]
    lines = [headers, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(
            str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    )


def format_validation(dataset: "Dataset") -> str:
    """Describe a validated file: size, target balance, problems, verdict."""
    report = dataset.report
    lines = [
        f"file     {dataset.path} (sha256 {dataset.sha256[:12]}…)",
        f"rows     {report.rows}",
        f"columns  {len(report.columns)}: {', '.join(report.columns)}",
    ]
    total = sum(report.target_counts.values())
    if total:
        balance = ", ".join(
            f"{label}: {count} ({count / total:.1%})"
            for label, count in report.target_counts.items()
        )
        lines.append(f"target   HeartDisease {balance}")
    lines += [f"warning  {message}" for message in report.warnings]
    lines += [f"error    {message}" for message in report.errors]
    verdict = "trainable" if report.usable else "NOT usable (fix the errors above)"
    lines.append(f"verdict  {verdict}")
    return "\n".join(lines)


def format_metrics(metrics: "Metrics") -> str:
    """Two-column table of the metrics and the confusion matrix."""
    roc_auc = "n/a" if metrics.roc_auc is None else f"{metrics.roc_auc:.4f}"
    (tn, fp), (fn, tp) = metrics.confusion_matrix
    rows = [
        ["rows", str(metrics.rows)],
        ["accuracy", f"{metrics.accuracy:.4f}"],
        ["ROC AUC", roc_auc],
        ["F1", f"{metrics.f1:.4f}"],
        ["precision", f"{metrics.precision:.4f}"],
        ["recall", f"{metrics.recall:.4f}"],
        ["Brier score", f"{metrics.brier:.4f}"],
        ["confusion [tn fp; fn tp]", f"[{tn} {fp}; {fn} {tp}]"],
    ]
    return format_table(["metric", "value"], rows)


def format_train_summary(result: "TrainResult") -> str:
    """Candidate comparison, held-out metrics and where the files are."""
    best = result.selection.best
    candidate_rows = [
        [
            f"{s.name}{' *' if s is best else ''}",
            f"{s.roc_auc_mean:.4f} ± {s.roc_auc_std:.4f}",
            f"{s.accuracy_mean:.4f} ± {s.accuracy_std:.4f}",
        ]
        for s in result.selection.scores
    ]
    config = result.config
    return "\n".join(
        [
            f"Model selection: {config.cv_folds}-fold CV on {result.train_rows} "
            f"training rows{' (tuned)' if config.tune else ''}; * = kept",
            format_table(["model", "CV ROC AUC", "CV accuracy"], candidate_rows),
            "",
            f"Held-out test split ({result.test_rows} rows), model {best.name}:",
            format_metrics(result.metrics),
            "",
            f"Written to {config.output_dir}: model.skops, metrics.json, "
            "model_card.md, roc_curve.png, confusion_matrix.png, "
            "feature_importance.png",
        ]
    )
