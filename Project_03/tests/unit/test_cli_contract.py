"""The CLI convention shared by the three projects (CONTRIBUTING.md), rule by rule."""

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from heart_disease.cli import main

FAST = ["--model", "logistic", "--cv-folds", "3", "--jobs", "1"]
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: "
)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HEART_DATA", raising=False)
    monkeypatch.setenv("HEART_DISEASE_CACHE", str(tmp_path / "cache"))


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"non-strict JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


# Rule 1: --log-level/--log-file before or after the subcommand, default WARNING.


@pytest.mark.parametrize(
    "argv",
    [
        ["--log-level", "INFO", "validate"],
        ["validate", "--log-level", "INFO"],
        ["--log-level", "INFO", "validate", "--log-level", "INFO"],
    ],
    ids=["before", "after", "both"],
)
def test_log_level_is_accepted_before_and_after_the_subcommand(
    argv: list[str],
    heart_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HEART_DATA", str(heart_csv))
    assert main(argv) == 0
    err_lines = capsys.readouterr().err.splitlines()
    assert any(
        "INFO heart_disease.datasource: using HEART_DATA=" in e for e in err_lines
    )
    assert all(LOG_LINE.match(line) for line in err_lines)


def test_a_level_before_the_subcommand_is_not_reset_by_its_default(
    heart_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEART_DATA", str(heart_csv))
    assert main(["--log-level", "INFO", "validate", "--format", "json"]) == 0
    assert "using HEART_DATA" in capsys.readouterr().err


def test_default_level_is_warning(
    heart_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEART_DATA", str(heart_csv))
    assert main(["validate"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("position", ["before", "after"])
def test_log_file_before_or_after_receives_the_log(
    position: str,
    tmp_path: Path,
    heart_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HEART_DATA", str(heart_csv))
    log = tmp_path / "run.log"
    options = ["--log-file", str(log), "--log-level", "INFO"]
    argv = [*options, "validate"] if position == "before" else ["validate", *options]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""
    assert LOG_LINE.match(log.read_text(encoding="utf-8"))


def test_log_file_in_a_missing_folder_is_refused_and_nothing_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "missing" / "run.log"
    assert main(["validate", "--log-file", str(log)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"heart-disease: error: --log-file: folder {log.parent} does not exist\n"
    )
    assert not log.parent.exists()


# Rule 2: one error line `heart-disease: error: ...`, tracebacks only under DEBUG.


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["train", "--test-size", "2"],
        ["--log-level", "LOUD", "validate"],
        ["predict", "--data", "x.csv"],
        ["no-such-command"],
    ],
)
def test_usage_errors_are_one_line_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("heart-disease: error: ")
    assert captured.err.count("\n") == 1
    assert "usage:" not in captured.err


def test_help_still_prints_the_full_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["train", "--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: heart-disease train")
    assert "--log-level" in out
    assert "--format" in out


def test_runtime_errors_are_one_line_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--data", str(tmp_path / "absent.csv")]) == 2
    err = capsys.readouterr().err
    assert err == f"heart-disease: error: {tmp_path / 'absent.csv'}: no such file\n"


def test_debug_adds_the_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", "--data", str(tmp_path / "absent.csv"), "--log-level", "DEBUG"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert err.splitlines()[-1].startswith("heart-disease: error: ")


# Rule 3: exit 1 for runtime failures (network included), 2 for bad input.


def test_network_failure_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["download", "--dest", str(tmp_path / "d"), "--base-url", closed_port_url()]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("heart-disease: error: cannot download http://127.0.0.1:")
    assert err.count("\n") == 1


def test_invalid_data_exits_2(
    tmp_path: Path, heart_frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    heart_frame.assign(Sex="X").to_csv(path, index=False)
    assert main(["validate", "--data", str(path)]) == 2
    assert capsys.readouterr().err == f"heart-disease: error: {path} is not trainable\n"


def test_a_refused_url_scheme_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["download", "--dest", str(tmp_path / "d"), "--base-url", "file:///etc/"]
    assert main(argv) == 2
    assert "only http and https" in capsys.readouterr().err


# Rule 4: --format json wherever a result is printed; strict, full precision.


@pytest.fixture
def model_dir(tmp_path: Path, heart_csv: Path) -> Path:
    model = tmp_path / "model"
    argv = ["train", "--data", str(heart_csv), "--output-dir", str(model), *FAST]
    assert main(argv) == 0
    return model


def test_every_result_has_a_strict_json_form(
    tmp_path: Path,
    heart_csv: Path,
    model_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    data = ["--data", str(heart_csv)]
    assert main(["validate", *data, "--format", "json"]) == 0
    assert strict_json(capsys.readouterr().out)["usable"] is True
    argv = ["train", *data, "--output-dir", str(tmp_path / "m2"), *FAST]
    assert main([*argv, "--format", "json"]) == 0
    trained = strict_json(capsys.readouterr().out)
    assert trained["model"] == "logistic"
    assert isinstance(trained["test"]["roc_auc"], float)
    model = ["--model", str(model_dir)]
    assert main(["evaluate", *model, *data, "--format", "json"]) == 0
    evaluation = strict_json(capsys.readouterr().out)
    assert evaluation["metrics"]["rows"] == 120
    assert evaluation["drift"]["drifted"] == []
    assert main(["predict", *model, *data, "--format", "json"]) == 0
    rows = strict_json(capsys.readouterr().out)
    assert len(rows) == 120
    assert 0 <= rows[0]["probability"] <= 1


def test_download_has_a_json_form(
    tmp_path: Path, heart_frame: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    heart_frame.to_csv(cache / "heart_uci.csv", index=False)
    assert main(["download", "--dest", str(cache), "--format", "json"]) == 0
    payload = strict_json(capsys.readouterr().out)
    assert payload == {
        "path": str(cache / "heart_uci.csv"),
        "rows": 120,
        "positives": int(heart_frame["HeartDisease"].sum()),
        "reused": True,
    }


# Rule 5: an output suffix that cannot be written is refused before any work.


def test_predict_writes_json_when_asked(
    tmp_path: Path, heart_csv: Path, model_dir: Path
) -> None:
    output = tmp_path / "predictions.json"
    argv = ["predict", "--model", str(model_dir), "--data", str(heart_csv)]
    assert main([*argv, "--output", str(output)]) == 0
    rows = strict_json(output.read_text(encoding="utf-8"))
    assert len(rows) == 120
    assert set(rows[0]) >= {"Age", "probability", "prediction"}


def test_an_unwritable_suffix_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "predictions.txt"
    argv = ["predict", "--model", str(tmp_path / "no-model"), "--data", "absent.csv"]
    assert main([*argv, "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"heart-disease: error: {output}: cannot write a .txt file")
    assert not output.parent.exists()


# Rule 6: --help answers without the heavy libraries.


def test_help_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from heart_disease.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'pandas', 'sklearn', 'mlflow', 'matplotlib', 'skops'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
