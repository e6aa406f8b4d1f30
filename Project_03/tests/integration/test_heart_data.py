"""End to end on the real Heart Failure data ($HEART_DATA)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from heart_disease.artifacts import load_model
from heart_disease.cli import main
from heart_disease.dataset import feature_frame
from heart_disease.training import TrainConfig, train
from tests.uci_samples import UCI_NAMES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def default_model(heart_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of the default training (the ensemble), shared by the tests."""
    folder = tmp_path_factory.mktemp("default")
    model_dir = folder / "model"
    # Module-scoped: the per-test MLFLOW_TRACKING_URI is not set yet, so say where.
    store = ["--tracking-uri", f"sqlite:///{folder / 'mlflow.db'}"]
    argv = ["train", "--data", str(heart_data), "--output-dir", str(model_dir)]
    assert main([*argv, *store]) == 0
    return model_dir


def test_default_training_writes_a_good_model(default_model: Path) -> None:
    metrics = json.loads((default_model / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["rows"] == {"read": 918, "used": 918, "train": 734, "test": 184}
    assert metrics["model"] == "ensemble"
    # Loose floors: the benchmark measures the real figures; this catches breakage.
    assert metrics["test"]["accuracy"] > 0.8
    assert metrics["test"]["roc_auc"] > 0.88
    assert metrics["cross_validation"]["roc_auc_mean"] > 0.88
    card = (default_model / "model_card.md").read_text(encoding="utf-8")
    assert "948420b084d8a3a0ca42b8419fce9aee175879e43f8aedf712377899a67aa49b" in card


def test_the_report_is_honest_about_subgroups_and_calibration(
    default_model: Path,
) -> None:
    metrics = json.loads((default_model / "metrics.json").read_text(encoding="utf-8"))
    groups = {(g["group"], g["level"]): g for g in metrics["subgroups"]}
    assert set(groups) == {
        ("Sex", "F"),
        ("Sex", "M"),
        ("Age", "<45"),
        ("Age", "45-60"),
        ("Age", ">60"),
    }
    assert groups["Sex", "F"]["rows"] + groups["Sex", "M"]["rows"] == 184
    women = groups["Sex", "F"]["recall"]
    assert women["low"] <= women["value"] <= women["high"]
    assert 0 <= metrics["calibration"]["ece"] < 0.2
    assert sum(b["rows"] for b in metrics["calibration"]["bins"]) == 184
    card = (default_model / "model_card.md").read_text(encoding="utf-8")
    assert "Sex, recall (sick patients found): " in card
    assert "expected calibration error" in card
    assert (default_model / "reliability_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_reloaded_model_gives_the_same_probabilities(
    default_model: Path, heart_data: Path, tmp_path: Path
) -> None:
    output = tmp_path / "predictions.csv"
    argv = ["predict", "--model", str(default_model), "--data", str(heart_data)]
    assert main([*argv, "--output", str(output)]) == 0
    from_cli = pd.read_csv(output)["probability"].to_numpy()
    reloaded = load_model(default_model)
    direct = reloaded.predict_proba(feature_frame(pd.read_csv(heart_data)))[:, 1]
    assert len(from_cli) == 918
    np.testing.assert_allclose(from_cli, direct, atol=1e-6)


def test_evaluate_on_the_whole_file(
    default_model: Path, heart_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    argv = ["evaluate", "--model", str(default_model), "--data", str(heart_data)]
    assert main(argv) == 0
    assert "rows                      918" in capsys.readouterr().out


def test_same_seed_gives_identical_metrics(heart_data: Path, tmp_path: Path) -> None:
    runs = []
    for run in ("first", "second"):
        config = TrainConfig(
            data_path=heart_data,
            output_dir=tmp_path / run,
            model="random-forest",
            cv_folds=3,
            n_jobs=1,
            seed=7,
        )
        train(config)
        runs.append((tmp_path / run / "metrics.json").read_text(encoding="utf-8"))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_other_formats_validate_like_the_csv(
    heart_data: Path, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(heart_data)
    path = tmp_path / "heart.bin"  # the extension is not trusted anyway
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_excel(path, index=False, engine="openpyxl")
    assert main(["validate", "--data", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rows     918" in out
    assert "172 rows with Cholesterol == 0" in out


def test_uci_lowercase_schema_is_refused_naming_missing_columns(
    heart_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "uci.csv"
    pd.read_csv(heart_data).rename(columns=UCI_NAMES).to_csv(path, index=False)
    assert main(["--log-level", "ERROR", "train", "--data", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        "heart-disease: error: uci.csv is not usable: missing columns: Age, Sex"
    )
    assert "HeartDisease" in err
    assert "\n" not in err
