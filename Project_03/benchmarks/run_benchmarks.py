"""Repeated cross-validation of every candidate, and the --tune wall time.

Writes a markdown table to benchmarks/results/ (git-ignored). Usage:

    HEART_DATA=../shared/data/heart/heart.csv python benchmarks/run_benchmarks.py
"""

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from heart_disease.dataset import feature_frame, load_dataset, target_vector
from heart_disease.evaluation import THRESHOLD
from heart_disease.models import CANDIDATES, build_classifier, build_pipeline
from heart_disease.schema import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from heart_disease.selection import CvSettings, select_model
from heart_disease.training import TrainConfig, train

DEFAULT_MODEL = TrainConfig(Path(), Path()).model
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """Scores of one approach over all outer folds."""

    name: str
    accuracy: list[float]
    roc_auc: list[float]
    f1: list[float]
    brier: list[float]
    seconds: float

    def cells(self) -> list[str]:
        """Format as markdown table cells."""

        def pm(values: list[float]) -> str:
            return f"{np.mean(values):.4f} ± {np.std(values):.4f}"

        return [
            self.name,
            pm(self.accuracy),
            pm(self.roc_auc),
            f"{np.mean(self.f1):.4f}",
            f"{np.mean(self.brier):.4f}",
            f"{self.seconds:.1f}",
        ]


def zeros_kept_pipeline(name: str, seed: int) -> Pipeline:
    """Ablation: a candidate without treating 0 as "not measured"."""
    preprocess = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler()),
                    ]
                ),
                list(NUMERIC_FEATURES),
            ),
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("one_hot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                list(CATEGORICAL_FEATURES),
            ),
        ]
    )
    return Pipeline(
        [("preprocess", preprocess), ("model", build_classifier(name, seed))]
    )


def evaluate(
    name: str,
    fit_predict: Any,
    features: pd.DataFrame,
    target: pd.Series,
    splitter: RepeatedStratifiedKFold,
) -> Row:
    """Score ``fit_predict(train_x, train_y, test_x) -> P(1)`` on every outer fold."""
    scores: dict[str, list[float]] = {
        "accuracy": [],
        "roc_auc": [],
        "f1": [],
        "brier": [],
    }
    started = time.perf_counter()
    for train_index, test_index in splitter.split(features, target):
        test_y = target.iloc[test_index]
        probability = fit_predict(
            features.iloc[train_index],
            target.iloc[train_index],
            features.iloc[test_index],
        )
        predicted = (probability >= THRESHOLD).astype(int)
        scores["accuracy"].append(float(accuracy_score(test_y, predicted)))
        scores["roc_auc"].append(float(roc_auc_score(test_y, probability)))
        scores["f1"].append(float(f1_score(test_y, predicted)))
        scores["brier"].append(float(brier_score_loss(test_y, probability)))
    print(f"  {name}: done in {time.perf_counter() - started:.1f} s", flush=True)
    return Row(name=name, seconds=time.perf_counter() - started, **scores)


def fixed_model(name: str, seed: int) -> Any:
    """A fit-predict function for one candidate with its default hyperparameters."""

    def fit_predict(
        train_x: pd.DataFrame, train_y: pd.Series, test_x: pd.DataFrame
    ) -> Any:
        pipeline = build_pipeline(name, seed).fit(train_x, train_y)
        return pipeline.predict_proba(test_x)[:, 1]

    return fit_predict


def auto_training(seed: int, n_jobs: int) -> Any:
    """`train --model auto`: an inner 5-fold CV picks the model in every outer fold."""

    def fit_predict(
        train_x: pd.DataFrame, train_y: pd.Series, test_x: pd.DataFrame
    ) -> Any:
        selection = select_model(
            CANDIDATES, train_x, train_y, CvSettings(5, seed, n_jobs)
        )
        pipeline = build_pipeline(selection.best.name, seed).fit(train_x, train_y)
        return pipeline.predict_proba(test_x)[:, 1]

    return fit_predict


def ablation(name: str, seed: int) -> Any:
    """Fit-predict with the zeros-kept ablation pipeline of a candidate."""

    def fit_predict(
        train_x: pd.DataFrame, train_y: pd.Series, test_x: pd.DataFrame
    ) -> Any:
        pipeline = zeros_kept_pipeline(name, seed).fit(train_x, train_y)
        return pipeline.predict_proba(test_x)[:, 1]

    return fit_predict


def time_tuning(data: Path, model: str, n_jobs: int) -> str:
    """Wall time of `heart-disease train --model MODEL --tune`, as a report line."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        config = TrainConfig(
            data_path=data, output_dir=Path(out), model=model, tune=True, n_jobs=n_jobs
        )
        result = train(config).result
        seconds = time.perf_counter() - started
    best = result.selection.best
    return (
        f"- `heart-disease train --model {model} --tune --jobs {n_jobs}`: "
        f"{seconds:.1f} s wall; kept {best.name} {best.params} "
        f"(held-out accuracy {result.metrics.accuracy:.4f}, "
        f"ROC AUC {result.metrics.roc_auc:.4f})"
    )


def compare(args: argparse.Namespace) -> list[Row]:
    """Score every candidate, the zero-handling ablations and `--model auto`."""
    dataset = load_dataset(args.data)
    features, target = feature_frame(dataset.frame), target_vector(dataset.frame)
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=args.seed)
    print(f"repeated 5-fold x3 CV over {args.data} ({len(features)} rows)", flush=True)
    rows = [
        evaluate(
            f"**{name} (default)**" if name == DEFAULT_MODEL else name,
            fixed_model(name, args.seed),
            features,
            target,
            splitter,
        )
        for name in CANDIDATES
    ]
    rows += [
        evaluate(
            f"{name}, zeros kept as numbers (ablation)",
            ablation(name, args.seed),
            features,
            target,
            splitter,
        )
        for name in ("logistic", "knn", DEFAULT_MODEL)
    ]
    if not args.skip_auto:
        rows.append(
            evaluate(
                "`--model auto` (inner 5-fold CV picks per outer fold)",
                auto_training(args.seed, args.jobs),
                features,
                target,
                splitter,
            )
        )
    return rows


def main() -> None:
    """Run the benchmark and write the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=os.environ.get("HEART_DATA"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS / "repeated_cv.md")
    parser.add_argument("--skip-tune", action="store_true")
    parser.add_argument("--skip-auto", action="store_true")
    args = parser.parse_args()
    if args.data is None:
        parser.error("set HEART_DATA or pass --data (../shared/data/heart/heart.csv)")
    rows = compare(args)
    headers = ["approach", "accuracy", "ROC AUC", "F1", "Brier", "seconds (15 folds)"]
    lines = [
        f"Repeated stratified 5-fold CV x3 (seed {args.seed}) over "
        f"`{args.data.name}`; mean ± std over 15 folds. "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(row.cells()) + " |" for row in rows),
    ]
    if not args.skip_tune:
        lines += [
            "",
            "Tuning wall time (grid search by 5-fold CV, then fit and plots):",
        ]
        lines += [time_tuning(args.data, m, args.jobs) for m in (DEFAULT_MODEL, "auto")]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    summary = {
        row.name: {"accuracy": np.mean(row.accuracy), "roc_auc": np.mean(row.roc_auc)}
        for row in rows
    }
    args.output.with_suffix(".json").write_text(
        json.dumps(summary, indent=2, default=float) + "\n", encoding="utf-8"
    )
    print(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
