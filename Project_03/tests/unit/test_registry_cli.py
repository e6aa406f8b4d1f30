"""train, models, predict, evaluate, drift and retrain on an embedded MLflow store."""

import json
import os
import socket
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from heart_disease.cli import main
from heart_disease.dataset import feature_fingerprints
from heart_disease.tracking import Registry
from tests.conftest import make_heart_frame

FAST = ["--model", "logistic", "--cv-folds", "3", "--jobs", "1"]


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else None


@pytest.fixture
def champion(heart_csv: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code, trained = run_json(["train", "--data", str(heart_csv), *FAST], capsys)
    assert code == 0
    version: int = trained["registry"]["version"]
    return version


def test_an_empty_registry_lists_no_versions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_json(["models"], capsys) == (
        0,
        {"name": "heart-disease", "champion": None, "versions": []},
    )
    assert main(["models"]) == 0
    assert "no versions of heart-disease yet" in capsys.readouterr().out


def test_the_first_train_becomes_champion_and_the_second_does_not(
    champion: int, heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert champion == 1
    code, second = run_json(["train", "--data", str(heart_csv), *FAST], capsys)
    assert code == 0
    assert second["registry"]["version"] == 2
    assert second["registry"]["champion"] == 1
    _, listing = run_json(["models"], capsys)
    assert listing["champion"] == 1
    assert [v["version"] for v in listing["versions"]] == [2, 1]
    assert listing["versions"][0]["decision"] == "registered"
    assert listing["versions"][1]["aliases"] == ["champion"]
    assert set(listing["versions"][1]["metrics"]) == {
        "test_roc_auc",
        "test_brier",
        "test_ece",
        "test_accuracy",
    }
    assert main(["models"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split()[:2] == ["version", "aliases"]


def test_predict_and_evaluate_use_the_champion(
    champion: int, heart_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_row = tmp_path / "one.csv"
    pd.read_csv(heart_csv).drop(columns="HeartDisease").head(1).to_csv(
        one_row, index=False
    )
    code, rows = run_json(["predict", "--data", str(one_row)], capsys)
    assert code == 0
    assert rows[0]["model_version"] == champion
    code, evaluation = run_json(["evaluate", "--data", str(heart_csv)], capsys)
    assert code == 0
    assert evaluation["metrics"]["rows"] == 120
    assert evaluation["drift"]["rows"] == 120


@pytest.mark.usefixtures("champion")
def test_a_blank_cell_in_a_one_row_file_is_imputed_as_in_a_larger_file(
    heart_frame: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = heart_frame.drop(columns="HeartDisease").head(4).copy()
    rows["Cholesterol"] = rows["Cholesterol"].astype("float64")
    rows.loc[rows.index[0], "Cholesterol"] = float("nan")
    rows.loc[rows.index[0], "RestingECG"] = None
    many, one = tmp_path / "many.csv", tmp_path / "one.csv"
    rows.to_csv(many, index=False)
    rows.head(1).to_csv(one, index=False)
    _, from_many = run_json(["predict", "--data", str(many)], capsys)
    code, from_one = run_json(["predict", "--data", str(one)], capsys)
    assert code == 0
    assert from_one[0]["probability"] == from_many[0]["probability"]


def test_without_a_champion_predict_says_how_to_get_one(
    heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["predict", "--data", str(heart_csv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("heart-disease: error: no champion in sqlite:///")
    assert "run `heart-disease train` first" in err


@pytest.mark.usefixtures("champion")
def test_drift_of_the_training_file_is_none_and_of_shifted_rows_named(
    heart_frame: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shifted = tmp_path / "shifted.csv"
    heart_frame.assign(Age=heart_frame.Age.clip(upper=40) + 40, Sex="F").to_csv(
        shifted, index=False
    )
    code, report = run_json(["drift", "--data", str(shifted)], capsys)
    assert code == 0
    assert report["drifted"] == ["Age", "Sex"]
    assert main(["drift", "--data", str(shifted)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("verdict: drift in Age, Sex")


def test_retrain_refuses_invalid_data_and_keeps_the_champion(
    champion: int,
    heart_frame: pd.DataFrame,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.csv"
    heart_frame.assign(Sex=heart_frame.Sex.map({"M": 1, "F": 0})).to_csv(
        bad, index=False
    )
    code, summary = run_json(["retrain", "--data", str(bad)], capsys)
    assert code == 2
    assert summary["decision"] == "refused"
    assert summary["champion"] == champion
    assert "Sex has unknown codes" in summary["reason"]
    assert main(["retrain", "--data", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("decision    refused")
    assert captured.err.startswith(
        "heart-disease: error: refused: bad.csv is not usable"
    )
    _, listing = run_json(["models"], capsys)
    assert listing["champion"] == champion
    assert len(listing["versions"]) == 1


def test_retrain_on_fresh_rows_of_the_same_population_decides_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Profiles of a few dozen rows are too noisy to judge drift: use 600 rows.
    first, fresh = tmp_path / "first.csv", tmp_path / "fresh.csv"
    make_heart_frame(600, seed=0).to_csv(first, index=False)
    make_heart_frame(600, seed=5).to_csv(fresh, index=False)
    assert main(["train", "--data", str(first), *FAST]) == 0
    code, summary = run_json(["retrain", "--data", str(fresh), "--jobs", "1"], capsys)
    assert code == 0, summary
    assert summary["decision"] in {"promoted", "kept"}
    assert summary["challenger"] == 2
    assert "the champion's held-out rows" in summary["reason"]
    _, listing = run_json(["models"], capsys)
    assert listing["champion"] == summary["champion"]
    assert listing["versions"][0]["decision"] == summary["decision"]


def test_retrain_without_a_champion_is_bad_usage(
    heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["retrain", "--data", str(heart_csv)]) == 2
    assert "run `heart-disease train` first" in capsys.readouterr().err


def test_an_unreachable_tracking_server_is_a_runtime_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    assert main(["models", "--tracking-uri", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"heart-disease: error: MLflow at {url}: cannot ")
    assert err.count("\n") == 1


def test_retrain_on_the_champions_own_data_does_not_judge_on_rows_it_learnt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "same.csv"
    make_heart_frame(600, seed=0).to_csv(same, index=False)
    assert main(["train", "--data", str(same), *FAST]) == 0
    code, summary = run_json(["retrain", "--data", str(same), "--jobs", "1"], capsys)
    assert code == 0, summary
    # Every held-out row of the challenger was in the champion's training split.
    assert (
        "the new data's held-out rows were not compared: only 0 of"
        in (summary["reason"])
    )
    assert "on the champion's held-out rows" in summary["reason"]


def report_of(registry: Registry, version: int, folder: Path) -> Path:
    return registry.download_report(registry.version(version).run_id, folder)


def test_a_challenger_never_trains_on_an_evaluation_row_even_relabelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_heart_frame(600, seed=0)
    first = tmp_path / "first.csv"
    source.to_csv(first, index=False)
    assert main(["train", "--data", str(first), *FAST]) == 0
    registry = Registry(os.environ["MLFLOW_TRACKING_URI"])
    frozen = pd.read_csv(report_of(registry, 1, tmp_path / "v1") / "evaluation_set.csv")
    # The same patients come back with every label flipped, beside fresh rows.
    flipped = source.assign(HeartDisease=1 - source.HeartDisease)
    relabelled = pd.concat([flipped, make_heart_frame(600, seed=9)])
    data = tmp_path / "relabelled.csv"
    relabelled.to_csv(data, index=False)
    argv = ["retrain", "--data", str(data), "--jobs", "1", "--accept-drift"]
    code, summary = run_json(argv, capsys)
    assert code == 0, summary
    challenger = report_of(registry, summary["challenger"], tmp_path / "v2")
    trained_on = set(
        json.loads((challenger / "training_rows.json").read_text())["rows"]
    )
    assert trained_on
    assert trained_on.isdisjoint(feature_fingerprints(frozen))
    # The evaluation set is inherited unchanged, with the version that froze it.
    assert pd.read_csv(challenger / "evaluation_set.csv").equals(frozen)
    tags = registry.version(summary["challenger"]).tags
    assert (
        tags["evaluation_set.sha256"]
        == registry.version(1).tags["evaluation_set.sha256"]
    )
    assert tags["evaluation_set.frozen_by_version"] == "1"
    assert tags["evaluation_set.rows"] == str(len(frozen))


def test_a_changed_evaluation_set_is_refused_by_retrain(
    champion: int, heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = Registry(os.environ["MLFLOW_TRACKING_URI"])
    registry.client.set_model_version_tag(
        "heart-disease", str(champion), "evaluation_set.sha256", "0" * 64
    )
    capsys.readouterr()
    assert main(["retrain", "--data", str(heart_csv), "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert "does not match its evaluation_set.sha256 tag" in err


def test_subgroup_metrics_are_logged_under_readable_names(
    champion: int, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    registry = Registry(os.environ["MLFLOW_TRACKING_URI"])
    metrics = registry.version(champion).metrics
    assert {
        "test.Sex.F.recall",
        "test.Age.under_45.recall",
        "test.Age.over_60.roc_auc",
    } <= set(metrics)
    assert "test.Age.45-60.specificity" in metrics
