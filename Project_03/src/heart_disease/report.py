"""What the CLI prints: plain-text tables and strict JSON, rendered in one place."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type hints only: validate and download must not load sklearn
    from heart_disease.dataset import Dataset
    from heart_disease.drift import DriftReport
    from heart_disease.evaluation import Metrics
    from heart_disease.inference import Evaluation
    from heart_disease.retraining import RetrainOutcome
    from heart_disease.tracking import ModelVersion
    from heart_disease.training import TrainOutcome


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


def train_summary_payload(outcome: "TrainOutcome") -> dict[str, Any]:
    """The JSON form of :func:`format_train_summary`: metrics.json plus where."""
    output_dir = outcome.result.config.output_dir
    return {
        **outcome.result.metrics_payload(),
        "output_dir": None if output_dir is None else str(output_dir),
        "registry": {
            "version": outcome.version,
            "champion": outcome.champion,
            "tracking_uri": outcome.tracking_uri,
        },
    }


def evaluation_payload(evaluation: "Evaluation") -> dict[str, Any]:
    """The JSON form of :func:`format_evaluation`."""
    drift = evaluation.drift
    return {
        "metrics": evaluation.metrics.to_dict(),
        "drift": None if drift is None else drift.to_dict(),
    }


def models_payload(versions: "list[ModelVersion]", name: str) -> dict[str, Any]:
    """The JSON form of :func:`format_models`."""
    champion = next((v.version for v in versions if "champion" in v.aliases), None)
    return {
        "name": name,
        "champion": champion,
        "versions": [
            {
                "version": v.version,
                "aliases": list(v.aliases),
                "created": _timestamp(v.created),
                "run_id": v.run_id,
                "model": v.params.get("model"),
                "data_sha256": v.tags.get("data_sha256"),
                "decision": v.tags.get("decision"),
                "reason": v.tags.get("reason"),
                "metrics": {
                    key: v.metrics.get(key)
                    for key in (
                        "test_roc_auc",
                        "test_brier",
                        "test_ece",
                        "test_accuracy",
                    )
                },
            }
            for v in versions
        ],
    }


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


def _timestamp(milliseconds: int) -> str:
    moment = datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    return moment.isoformat(timespec="seconds")


def _number(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_evaluation(evaluation: "Evaluation") -> str:
    """The metrics table and, when the model has a profile, the drift table."""
    text = format_metrics(evaluation.metrics)
    if evaluation.drift is not None:
        text += "\n\n" + format_drift(evaluation.drift)
    return text


def format_drift(report: "DriftReport") -> str:
    """One line per feature: PSI, chi-square p-value, verdict; then the verdict."""
    rows = [
        [f.name, f"{f.psi:.4f}", f"{f.p_value:.3g}", f.level] for f in report.features
    ]
    target = _number(report.target_rate, 3)
    verdict = f"drift in {', '.join(report.drifted)}" if report.drifted else "no drift"
    return "\n".join(
        [
            f"Drift of {report.rows} rows against the {report.reference_rows} "
            "training rows (PSI >= 0.25 with chi-square p < 0.01 is drift):",
            format_table(["feature", "PSI", "p-value", "level"], rows),
            f"target rate {target} (training {report.reference_target_rate:.3f})",
            f"verdict: {verdict}",
        ]
    )


def format_models(versions: "list[ModelVersion]", name: str) -> str:
    """One line per registered version, newest first."""
    if not versions:
        return f"no versions of {name} yet: run `heart-disease train`"
    rows = [
        [
            str(v.version),
            ",".join(v.aliases) or "-",
            _timestamp(v.created),
            v.params.get("model", "-"),
            _number(v.metrics.get("test_roc_auc")),
            _number(v.metrics.get("test_brier")),
            _number(v.metrics.get("test_ece")),
            v.tags.get("decision", "-"),
        ]
        for v in versions
    ]
    headers = ["version", "aliases", "created (UTC)", "model", "ROC AUC", "Brier"]
    return format_table([*headers, "ECE", "decision"], rows)


def format_retrain(outcome: "RetrainOutcome") -> str:
    """Decision, reason, the comparison table and the drift verdict."""
    lines = [
        f"decision    {outcome.decision}",
        f"champion    version {outcome.champion}",
        f"challenger  {'-' if outcome.challenger is None else outcome.challenger}",
        f"reason      {outcome.reason}",
    ]
    if outcome.comparisons:
        rows = [
            [
                c.rows_name,
                str(c.rows),
                f"{c.champion.roc_auc:.4f}",
                f"{c.challenger.roc_auc:.4f}",
                f"{c.champion.brier:.4f}",
                f"{c.challenger.brier:.4f}",
            ]
            for c in outcome.comparisons
        ]
        headers = ["held-out rows", "rows", "AUC champion", "AUC challenger"]
        lines += [
            "",
            format_table([*headers, "Brier champion", "Brier challenger"], rows),
        ]
    if outcome.drift is not None:
        lines += ["", format_drift(outcome.drift)]
    return "\n".join(lines)


def format_train_summary(outcome: "TrainOutcome") -> str:
    """Candidate comparison, held-out metrics, subgroups and where the model went."""
    result = outcome.result
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
            f"Calibration: Brier {result.calibration.brier:.4f}, "
            f"ECE {result.calibration.ece:.4f}",
            "Subgroups (recall [95% bootstrap interval]): "
            + "; ".join(
                f"{g.group} {g.level} {_number(g.recall.value, 2)} "
                f"[{_number(g.recall.low, 2)}, {_number(g.recall.high, 2)}]"
                for g in result.subgroups
            ),
            "",
            *_where(outcome),
        ]
    )


def _where(outcome: "TrainOutcome") -> list[str]:
    lines = []
    if outcome.version is not None:
        lines.append(
            f"Registered heart-disease version {outcome.version} in "
            f"{outcome.tracking_uri}; champion: version {outcome.champion}"
        )
    output_dir = outcome.result.config.output_dir
    if output_dir is not None:
        lines.append(
            f"Written to {output_dir}: model.skops, metrics.json, model_card.md, "
            "plots, profile.json, holdout.csv"
        )
    return lines
