"""``python -m stack`` follows the CLI convention (no servers needed here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stack.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The exit code (argparse's SystemExit included), stdout and stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = int(str(exited.code))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status", "--bogus"], "unrecognized arguments: --bogus"),
        ([], "the following arguments are required: command"),
        (["run"], "no feed given"),
        (["run", "--feed", "http://[oops/feed.xml"], "is not a URL"),
        (["run", "--feed", "ftp://example.org/feed.xml"], "is not an http(s) URL"),
        (
            ["run", "--feed", "http://127.0.0.1/f", "--max-episodes", "-1"],
            "non-negative",
        ),
        (["up", "--timeout", "0"], "must be a positive number"),
        (["feed", "--audio", "missing.mp3"], "no audio file at"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "--root", str(tmp_path / "stack"), *argv)
    assert code == 2
    assert err.startswith("stack: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "stack").exists()


def test_log_file_in_a_missing_folder_is_refused_and_nothing_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log_file = tmp_path / "missing" / "stack.log"
    code, _, err = run_cli(
        capsys, "--root", str(tmp_path), "status", "--log-file", str(log_file)
    )
    assert code == 2
    assert err == f"stack: error: --log-file: folder {log_file.parent} does not exist\n"
    assert not log_file.parent.exists()


def test_status_of_a_stack_never_started_is_all_down_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_cli(
        capsys,
        "--root",
        str(tmp_path),
        "status",
        "--format",
        "json",
        "--log-level",
        "INFO",
    )
    services = json.loads(out)
    assert code == 1
    assert [service["name"] for service in services] == [
        "postgres",
        "redis",
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
        "worker1",
        "worker2",
    ]
    assert all(s["pid"] is None and not s["healthy"] for s in services)


def test_run_without_a_stack_says_to_start_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(
        capsys, "--root", str(tmp_path), "run", "--feed", "http://127.0.0.1:9/feed.xml"
    )
    assert code == 1
    assert err == f"stack: error: no stack in {tmp_path}: run `make stack-up` first\n"


def test_down_with_nothing_running_succeeds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run_cli(capsys, "--root", str(tmp_path), "down")
    assert (code, out) == (0, "stopped: nothing was running\n")
