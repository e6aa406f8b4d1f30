"""The command line: argument errors, exit codes, and each command end to end."""

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from heart_disease.cli import main
from heart_disease.datasource import CACHED_TABLE
from tests.uci_samples import write_uci_folder

FAST = ["--model", "logistic", "--cv-folds", "3", "--jobs", "1"]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No $HEART_DATA and an empty cache, whatever the developer's shell has."""
    monkeypatch.delenv("HEART_DATA", raising=False)
    monkeypatch.delenv("HEART_DISEASE_UCI_URL", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("HEART_DISEASE_CACHE", str(cache))
    return cache


@pytest.fixture
def trained_model(tmp_path: Path, heart_csv: Path) -> Path:
    model_dir = tmp_path / "model"
    code = main(
        ["train", "--data", str(heart_csv), "--output-dir", str(model_dir), *FAST]
    )
    assert code == 0
    return model_dir


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--test-size", "1.5"], "--test-size: must be between 0 and 1"),
        (["train", "--test-size", "0"], "--test-size: must be between 0 and 1"),
        (["train", "--test-size", "abc"], "--test-size: not a number"),
        (["train", "--cv-folds", "1"], "--cv-folds: must be at least 2"),
        (["train", "--cv-folds", "x"], "--cv-folds: not an integer"),
        (["train", "--jobs", "0"], "--jobs: must be at least 1"),
        (["train", "--model", "svm"], "--model: invalid choice: 'svm'"),
        (["retrain", "--auc-tolerance", "1"], "--auc-tolerance: must be in [0, 1)"),
        (["models", "--format", "csv"], "--format: invalid choice: 'csv'"),
        (["predict", "--model", "m"], "the following arguments are required: --data"),
        ([], "the following arguments are required: COMMAND"),
        (["--log-level", "LOUD", "validate"], "--log-level: invalid choice"),
    ],
)
def test_argument_errors_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("heart-disease: error: ")
    assert message in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "train", "evaluate", "predict", "download"):
        assert command in out


def test_validate_reports_a_trainable_file(
    heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--data", str(heart_csv)]) == 0
    out = capsys.readouterr().out
    assert "rows     120" in out
    assert "verdict  trainable" in out


def test_validate_exits_2_on_an_unusable_file(
    tmp_path: Path, heart_frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    heart_frame.assign(MaxHR=999).to_csv(path, index=False)
    assert main(["validate", "--data", str(path)]) == 2
    captured = capsys.readouterr()
    assert "error    MaxHR outside the physiological range" in captured.out
    assert captured.err.strip() == f"heart-disease: error: {path} is not trainable"


def test_bad_input_is_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert main(["--log-level", "WARNING", "train", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not a CSV, Parquet or Excel" in err
    assert "Traceback" not in err


def test_debug_level_shows_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["--log-level", "DEBUG", "validate", "--data", str(tmp_path / "x")]) == 2
    )
    assert "Traceback" in capsys.readouterr().err


def test_train_without_data_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["train"]) == 2
    err = capsys.readouterr().err
    assert "no training data" in err
    assert "heart-disease download" in err


def test_train_uses_heart_data_from_the_environment(
    tmp_path: Path,
    heart_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HEART_DATA", str(heart_csv))
    assert main(["train", "--output-dir", str(tmp_path / "m"), *FAST]) == 0
    assert "heart.csv" in (tmp_path / "m" / "model_card.md").read_text(encoding="utf-8")
    assert "Held-out test split (24 rows)" in capsys.readouterr().out


def test_train_falls_back_to_the_download_cache(
    tmp_path: Path, heart_frame: pd.DataFrame, isolated_environment: Path
) -> None:
    isolated_environment.mkdir()
    heart_frame.to_csv(isolated_environment / CACHED_TABLE, index=False)
    assert main(["train", "--output-dir", str(tmp_path / "m"), *FAST]) == 0
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["rows"]["read"] == 120


def test_train_writes_every_artifact(trained_model: Path) -> None:
    names = {p.name for p in trained_model.iterdir()}
    plots = {
        "roc_curve.png",
        "confusion_matrix.png",
        "feature_importance.png",
        "reliability_curve.png",
    }
    reports = {"metrics.json", "model_card.md", "profile.json", "holdout.csv"}
    reports |= {"training_rows.json", "evaluation_set.csv"}
    assert names == {"model.skops", "registration.json", *reports, *plots}
    for plot in plots:
        assert (trained_model / plot).read_bytes().startswith(b"\x89PNG")
    metrics = json.loads((trained_model / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["test"]) >= {
        "accuracy",
        "roc_auc",
        "f1",
        "precision",
        "recall",
        "brier",
        "confusion_matrix",
    }
    assert metrics["cross_validation"]["folds"] == 3
    assert metrics["hyperparameters"]["C"] == 0.1
    assert metrics["model"] == "logistic"
    card = (trained_model / "model_card.md").read_text(encoding="utf-8")
    for fact in ("sha256", "seed 42", "scikit-learn", "--cv-folds 3", "120 read"):
        assert fact in card


def test_auto_compares_every_candidate(
    tmp_path: Path, heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", "--data", str(heart_csv), "--output-dir", str(tmp_path / "m")]
    assert main([*argv, "--model", "auto", "--cv-folds", "3", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("logistic", "knn", "random-forest", "gradient-boosting", "ensemble"):
        assert name in out
    assert len(re.findall(r"^\S+ \*", out, flags=re.MULTILINE)) == 1


def test_evaluate_prints_metrics(
    trained_model: Path, heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["evaluate", "--model", str(trained_model), "--data", str(heart_csv)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ROC AUC" in out
    assert "rows                      120" in out


def test_predict_without_target_writes_one_row_per_input(
    tmp_path: Path,
    trained_model: Path,
    heart_frame: pd.DataFrame,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = heart_frame.drop(columns="HeartDisease").head(5)
    source = tmp_path / "new.xlsx"
    rows.to_excel(source, index=False)
    output = tmp_path / "predictions.parquet"
    argv = ["predict", "--model", str(trained_model), "--data", str(source)]
    assert main([*argv, "--output", str(output)]) == 0
    predictions = pd.read_parquet(output)
    assert len(predictions) == 5
    assert predictions["prediction"].isin([0, 1]).all()
    assert predictions["probability"].between(0, 1).all()
    capsys.readouterr()
    assert main(argv) == 0
    stdout_rows = capsys.readouterr().out.strip().splitlines()
    assert stdout_rows[0].endswith("probability,prediction,model_version")
    assert len(stdout_rows) == 6


def test_predict_refuses_rows_with_unknown_codes(
    tmp_path: Path, trained_model: Path, heart_frame: pd.DataFrame
) -> None:
    source = tmp_path / "bad.csv"
    heart_frame.head(3).assign(Sex="X").to_csv(source, index=False)
    argv = ["predict", "--model", str(trained_model), "--data", str(source)]
    assert main(argv) == 2


def test_log_file_receives_the_log(
    tmp_path: Path, heart_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.log"
    argv = ["--log-file", str(log), "validate", "--data", str(heart_csv)]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    assert log.exists()


def test_download_offline_is_one_line_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    argv = ["--log-level", "WARNING", "download", "--dest", str(tmp_path / "d")]
    assert main([*argv, "--base-url", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("heart-disease: error: cannot download")


def test_download_then_reuse(
    tmp_path: Path,
    serve_directory: Callable[[Path], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(
        "HEART_DISEASE_UCI_URL", serve_directory(write_uci_folder(tmp_path / "www"))
    )
    assert main(["download"]) == 0
    assert capsys.readouterr().out.startswith("downloaded ")
    assert main(["download"]) == 0
    assert capsys.readouterr().out.startswith("reused cached ")
