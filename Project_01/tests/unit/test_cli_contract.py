"""The CLI convention of CONTRIBUTING.md ("CLI convention"), one test per rule."""

import json
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from movie_recommender.cli import build_parser, main

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: .+$"
)
SUBCOMMANDS = ("download", "search", "recommend", "evaluate", "cache")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse: usage errors and --help
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def data_args(tiny_dir: Path, cache_env: Path) -> list[str]:
    return ["--data-dir", str(tiny_dir), "--cache-dir", str(cache_env)]


# 1. --log-level and --log-file before and after the subcommand, default WARNING


@pytest.mark.parametrize(
    ("args", "level"),
    [
        (["search", "toy"], "WARNING"),
        (["--log-level", "INFO", "search", "toy"], "INFO"),
        (["search", "toy", "--log-level", "INFO"], "INFO"),
        (["--log-level", "DEBUG", "search", "toy", "--log-level", "ERROR"], "ERROR"),
        (["--log-level", "DEBUG", "cache", "info"], "DEBUG"),
    ],
)
def test_log_level_is_accepted_before_and_after_the_subcommand(
    args: list[str], level: str
) -> None:
    assert build_parser().parse_args(args).log_level == level


@pytest.mark.parametrize("before", [True, False])
def test_log_file_before_or_after_gets_the_log_in_the_house_format(
    capsys: pytest.CaptureFixture[str],
    data_args: list[str],
    tmp_path: Path,
    before: bool,
) -> None:
    log = tmp_path / "run.log"
    logging_args = ["--log-level", "INFO", "--log-file", str(log)]
    command = ["search", "toy", *data_args]
    args = logging_args + command if before else command + logging_args
    code, _, err = run(capsys, *args)
    assert code == 0
    assert err == ""
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines
    assert all(LOG_LINE.match(line) for line in lines), lines


def test_default_level_logs_no_info_on_the_console(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, _, err = run(capsys, "search", "toy", *data_args)
    assert code == 0
    assert "INFO" not in err


def test_info_goes_to_stderr_in_the_house_format(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    code, _, err = run(capsys, "--log-level", "INFO", "search", "toy", *data_args)
    assert code == 0
    assert err
    assert all(LOG_LINE.match(line) for line in err.splitlines())


@pytest.mark.parametrize("before", [True, False])
def test_log_file_in_a_missing_folder_exits_2_and_creates_nothing(
    capsys: pytest.CaptureFixture[str],
    data_args: list[str],
    tmp_path: Path,
    before: bool,
) -> None:
    log = tmp_path / "absent" / "run.log"
    command = ["search", "toy", *data_args]
    args = (
        ["--log-file", str(log), *command]
        if before
        else [*command, "--log-file", str(log)]
    )
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err == f"movie-recs: error: --log-file: folder not found: {log.parent}\n"
    assert not log.parent.exists()


# 2. one error line `movie-recs: error: <message>`, usage errors included


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: command"),
        (["search"], "the following arguments are required: query"),
        (["search", "toy", "--bogus"], "unrecognized arguments: --bogus"),
        (["search", "toy", "--limit", "many"], "argument --limit: invalid int value"),
        (
            ["--log-level", "LOUD", "search", "x"],
            "argument --log-level: invalid choice",
        ),
        (["recommend", "x", "--algorithm", "magic"], "argument --algorithm: invalid"),
        (["cache", "wipe"], "argument action: invalid choice"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("movie-recs: error: ")
    assert message in err


@pytest.mark.parametrize(
    "args", [["--help"], *([name, "--help"] for name in SUBCOMMANDS)]
)
def test_help_still_prints_the_full_help(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out, _ = run(capsys, *args)
    assert code == 0
    assert out.startswith("usage: movie-recs")
    assert "--log-level" in out


def test_errors_have_no_traceback_unless_debug(
    capsys: pytest.CaptureFixture[str], data_args: list[str]
) -> None:
    args = ["recommend", "--movie-id", "999", *data_args]
    code, _, err = run(capsys, *args)
    assert (code, err) == (2, "movie-recs: error: unknown movieId: 999\n")
    code, _, err = run(capsys, *args, "--log-level", "DEBUG")
    assert code == 2
    assert "Traceback" in err
    assert err.endswith("movie-recs: error: unknown movieId: 999\n")


# 3. exit codes: 0 success, 1 runtime failure (network), 2 bad usage or input


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_exit_codes(
    capsys: pytest.CaptureFixture[str], data_args: list[str], tmp_path: Path
) -> None:
    assert run(capsys, "search", "toy", *data_args)[0] == 0
    offline = f"http://127.0.0.1:{_closed_port()}"
    download = ["download", "--base-url", offline, "--dest", str(tmp_path / "dl")]
    code, _, err = run(capsys, *download, "--timeout", "2")
    assert code == 1
    assert err.startswith("movie-recs: error: cannot reach http://127.0.0.1:")
    assert run(capsys, "search", "toy", "--limit", "0", *data_args)[0] == 2
    bad_data = ["--data-dir", str(tmp_path / "none"), "--cache-dir", str(tmp_path)]
    assert run(capsys, "search", "toy", *bad_data)[0] == 2


# 4. --format json wherever a result is printed: strict JSON


@pytest.mark.parametrize(
    "args",
    [
        ["search", "toy"],
        ["search", "qwxzvplm"],
        ["recommend", "toy story"],
        ["recommend", "--movie-id", "8"],
        ["cache", "info"],
        ["cache", "clear"],
    ],
)
def test_every_result_has_a_strict_json_form(
    capsys: pytest.CaptureFixture[str], data_args: list[str], args: list[str]
) -> None:
    options = data_args[2:] if args[0] == "cache" else data_args  # cache: --cache-dir
    code, out, _ = run(capsys, *args, "--format", "json", *options)
    assert code == 0
    assert isinstance(strict_json(out), dict)


def test_every_subcommand_offers_the_json_format() -> None:
    for name in SUBCOMMANDS:
        args = build_parser().parse_args([name, *_required(name), "--format", "json"])
        assert args.format == "json"


def _required(name: str) -> list[str]:
    return {"search": ["x"], "cache": ["info"]}.get(name, [])


# 5. output paths: movie-recs writes results only to stdout, so no output option exists


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_no_subcommand_takes_an_output_path(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, out, _ = run(capsys, name, "--help")
    assert code == 0
    assert "--output" not in out


# 6. --help is fast: importing the CLI loads no numpy, pandas, scipy or sklearn


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from movie_recommender.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'numpy', 'pandas', 'scipy', 'sklearn', 'fastapi', 'uvicorn'}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(  # noqa: S603  (our own interpreter, fixed code)
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    assert done.stderr.strip() == "[]"
    assert "usage: movie-recs" in done.stdout
