"""The model's lifecycle on the real data, through the CLI.

train → the first champion; retrain on a bootstrap → promoted or kept; retrain
on changed sources → refused, champion unchanged; shuffled labels → never
promoted; predict → the champion. Run once on the embedded store and once
against a real ``mlflow server`` with a PostgreSQL backend store.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from heart_disease.cli import main
from tests.uci_samples import UCI_NAMES

pytestmark = pytest.mark.integration

# A logistic regression keeps each training to a few seconds; the gate is the same.
FAST = ["--model", "logistic", "--cv-folds", "3", "--jobs", "1"]
CHANGED_SOURCES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "cholesterol-in-mmol-per-litre": lambda f: f.assign(
        Cholesterol=(f.Cholesterol / 38.67).round(2)
    ),
    "lowercase-uci-names": lambda f: f.rename(columns=UCI_NAMES),
    "sex-coded-0-1": lambda f: f.assign(Sex=f.Sex.map({"M": 1, "F": 0})),
    "header-only": lambda f: f.head(0),
    "only-patients-over-60": lambda f: f[f.Age > 60],
}


@pytest.fixture(scope="module", params=["embedded", "mlflow-server-postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> list[str]:
    """The ``--tracking-uri`` option of one store, holding a trained champion."""
    if request.param == "embedded":
        folder = tmp_path_factory.mktemp("embedded")
        uri = f"sqlite:///{folder / 'mlflow.db'}"
    else:
        uri = request.getfixturevalue("mlflow_server")
    heart_data: Path = request.getfixturevalue("heart_data")
    option = ["--tracking-uri", uri]
    assert main(["train", "--data", str(heart_data), *FAST, *option]) == 0
    return option


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main([*argv, "--format", "json"])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(lines[-1]) if lines else None


def champion(store: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    code, listing = run_json(["models", *store], capsys)
    assert code == 0
    assert listing["name"] == "heart-disease"
    version: int = listing["champion"]
    return version


def write(frame: pd.DataFrame, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def retrain(
    data: Path, store: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, Any]:
    """Run ``retrain --format json`` on one file; return its exit code and summary."""
    return run_json(["retrain", "--data", str(data), *store, "--jobs", "1"], capsys)


def test_the_first_train_is_the_champion(
    store: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, listing = run_json(["models", *store], capsys)
    assert code == 0
    first = listing["versions"][-1]
    assert first["version"] == 1
    assert first["decision"] == "promoted"
    assert first["data_sha256"] == (
        "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b"
    )
    assert first["metrics"]["test_roc_auc"] > 0.85


@pytest.mark.parametrize("change", list(CHANGED_SOURCES))
def test_a_changed_source_is_refused_and_the_champion_kept(
    change: str,
    store: list[str],
    heart_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = champion(store, capsys)
    changed = CHANGED_SOURCES[change](pd.read_csv(heart_data))
    data = write(changed, tmp_path, change)
    code, summary = retrain(data, store, capsys)
    assert code == 2
    assert summary["decision"] == "refused"
    assert summary["challenger"] is None
    assert summary["champion"] == before
    assert champion(store, capsys) == before


def test_shuffled_labels_are_never_promoted(
    store: list[str],
    heart_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = champion(store, capsys)
    frame = pd.read_csv(heart_data)
    shuffled = frame.assign(
        HeartDisease=frame.HeartDisease.sample(frac=1, random_state=7).to_numpy()
    )
    data = write(shuffled, tmp_path, "shuffled")
    code, summary = retrain(data, store, capsys)
    assert code == 0
    assert summary["decision"] == "kept"
    assert "champion's held-out rows" in summary["reason"]
    assert summary["challenger"] > before
    assert champion(store, capsys) == before


def test_a_bootstrap_of_the_data_is_promoted_or_kept_and_predict_follows(
    store: list[str],
    heart_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = champion(store, capsys)
    frame = pd.read_csv(heart_data)
    data = write(
        frame.sample(len(frame), replace=True, random_state=0), tmp_path, "boot"
    )
    code, summary = retrain(data, store, capsys)
    assert code == 0
    assert summary["decision"] in {"promoted", "kept"}
    expected = summary["challenger"] if summary["decision"] == "promoted" else before
    assert summary["champion"] == expected
    assert champion(store, capsys) == expected
    rows = write(frame.drop(columns="HeartDisease").head(5), tmp_path, "new")
    code, predictions = run_json(["predict", "--data", str(rows), *store], capsys)
    assert code == 0
    assert [p["model_version"] for p in predictions] == [expected] * 5


def test_drift_names_the_moved_features_and_accept_drift_overrides(
    store: list[str],
    heart_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = pd.read_csv(heart_data)
    older = write(frame[frame.Age > 60], tmp_path, "older")
    code, report = run_json(["drift", "--data", str(older), *store], capsys)
    assert code == 0
    assert "Age" in report["drifted"]
    code, same = run_json(["drift", "--data", str(heart_data), *store], capsys)
    assert same["drifted"] == []
    argv = ["retrain", "--data", str(older), *store, "--jobs", "1", "--accept-drift"]
    code, summary = run_json(argv, capsys)
    assert code == 0
    assert summary["decision"] in {"promoted", "kept"}
