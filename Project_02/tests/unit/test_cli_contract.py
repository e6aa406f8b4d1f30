"""The CLI convention of ../CONTRIBUTING.md, one test (or table) per rule.

1. --log-level / --log-file before or after the subcommand, default WARNING, one
   format; a --log-file in a missing folder is exit 2 and creates nothing.
2. Every error is one line ``podcast-pipeline: error: ...``, argparse's included;
   --help prints the full help; no traceback unless --log-level DEBUG.
3. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input.
4. --format json wherever a result is printed; strict JSON.
5. Output suffixes: no podcast-pipeline command takes an output path (results go
   to stdout, data to the store and the data folder), so there is nothing to refuse.
6. --help answers without loading the heavy libraries.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from podcast_pipeline.cli import main
from podcast_pipeline.report import to_json
from tests.support.media import Item, rss
from tests.support.server import FaultServer, Route

ERROR_LINE = re.compile(r"^podcast-pipeline: error: \S.*\n$")
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: "
)


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def feed_url(server: FaultServer, mp3_bytes: bytes) -> str:
    audio_url = server.add("/1.mp3", Route(mp3_bytes))
    return server.add("/feed.xml", Route(rss([Item("One", "g1", audio_url)])))


@pytest.fixture
def missing_audio(tmp_path: Path) -> str:
    return str(tmp_path / "missing.mp3")


# Rule 1 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["transcribe-file", "{audio}"], logging.WARNING),
        (["--log-level", "INFO", "transcribe-file", "{audio}"], logging.INFO),
        (["transcribe-file", "{audio}", "--log-level", "ERROR"], logging.ERROR),
        (["--log-level", "ERROR", "transcribe-file", "{audio}"], logging.ERROR),
    ],
)
def test_log_level_is_accepted_before_and_after_the_subcommand(
    argv: list[str], level: int, missing_audio: str
) -> None:
    assert main([arg.format(audio=missing_audio) for arg in argv]) == 2
    assert logging.getLogger().level == level


@pytest.mark.parametrize("after", [False, True])
def test_log_file_gets_the_log_in_the_documented_format(
    after: bool, missing_audio: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "cli.log"
    options = ["--log-level", "DEBUG", "--log-file", str(log)]
    command = ["transcribe-file", missing_audio]
    assert main(command + options if after else options + command) == 2
    lines = log.read_text(encoding="utf-8").splitlines()
    assert LOG_LINE.match(lines[0])
    failure = next(i for i, line in enumerate(lines) if "ERROR" in line)
    assert LOG_LINE.match(lines[failure])
    assert "ERROR podcast_pipeline.cli: transcribe-file failed" in lines[failure]
    assert "Traceback" in lines[failure + 1]  # DEBUG keeps the traceback
    assert ERROR_LINE.match(capsys.readouterr().err)


def test_log_file_in_a_missing_folder_is_exit_2_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "nowhere" / "cli.log"
    code = main(["episodes", "--db", str(tmp_path / "x.db"), "--log-file", str(log)])
    err = capsys.readouterr().err
    assert code == 2
    assert ERROR_LINE.match(err)
    assert "nowhere does not exist" in err
    assert not list(tmp_path.iterdir())


# Rules 2 and 3 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["fly"], "invalid choice: 'fly'"),
        (["run", "--bogus"], "unrecognized arguments: --bogus"),
        (["--log-level", "LOUD", "episodes"], "invalid choice: 'LOUD'"),
        (["run", "--workers", "0"], "--workers: must be a positive integer"),
        (["run", "--workers", "x"], "--workers: must be a positive integer"),
        (["transcribe", "--workers", "0"], "--workers: must be a positive integer"),
        (["run", "--max-episodes", "-1"], "must be a non-negative integer"),
        (["run", "--feed", "http://[x"], "feed URL cannot be parsed"),
        (["run", "--feed", "file:///etc/passwd"], "feed URL must be http(s)"),
        (["episodes", "--db", "{tmp}/missing.db"], "no database at"),
        (["transcribe", "--db", "{tmp}/missing.db"], "no database at"),
        (["transcribe-file", "{tmp}/missing.mp3"], "audio file not found"),
        (["episodes", "--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_bad_usage_or_input_is_one_line_exit_2_and_creates_nothing(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert ERROR_LINE.match(err), err
    assert message in err
    assert not list(tmp_path.iterdir())


def test_help_prints_the_full_help_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: podcast-pipeline run")
    for option in ("--log-level", "--log-file", "--workers", "--format"):
        assert option in out


def test_runtime_failure_is_one_line_exit_1_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultServer() as closed:
        url = closed.url("/feed.xml")
    argv = ["run", "--feed", url, "--data-dir", str(tmp_path), "--no-progress"]
    assert main([*argv, "--log-level", "ERROR"]) == 1
    err = capsys.readouterr().err
    assert ERROR_LINE.match(err)
    assert "Traceback" not in err


# Rule 4 ----------------------------------------------------------------------


def test_every_command_that_prints_a_result_speaks_json(
    feed_url: str,
    mp3_bytes: bytes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = ["--data-dir", str(tmp_path)]
    run = ["run", "--feed", feed_url, *store, "--no-progress", "--no-transcribe"]
    assert main([*run, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["downloads"]["downloaded"] == 1
    assert summary["problems"] == []

    assert main(["episodes", *store, "--format", "json"]) == 0
    [episode] = json.loads(capsys.readouterr().out)
    assert episode["status"] == "downloaded"

    transcribe = ["transcribe", *store, "--workers", "1", "--no-progress"]
    assert main([*transcribe, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["transcribed"] == 1

    audio = tmp_path / "tone.mp3"
    audio.write_bytes(mp3_bytes)
    assert main(["transcribe-file", str(audio), "--format", "json"]) == 0
    transcript = json.loads(capsys.readouterr().out)
    assert transcript["engine"] == "pocketsphinx"
    assert transcript["audio_seconds"] == pytest.approx(2.0, abs=0.1)


def test_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        to_json({"x": float("nan")})


# Rule 6 ----------------------------------------------------------------------

HELP_PROBE = """
import contextlib, io, json, sys
from podcast_pipeline.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["run", "--help"])
print(json.dumps([code, sorted(sys.modules)]))
"""


def test_help_loads_no_heavy_library() -> None:
    result = subprocess.run(  # noqa: S603  (our interpreter, our probe)
        [sys.executable, "-c", HELP_PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    code, modules = json.loads(result.stdout)
    assert code == 0
    heavy = {"requests", "numpy", "soundfile", "sqlalchemy", "airflow", "feedparser"}
    assert not heavy & set(modules)
