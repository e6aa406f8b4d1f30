"""Fixtures for the local distributed stack: a stack of its own, up for the module."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from stack.errors import MissingBinaryError
from stack.layout import StackLayout

from stack import broker, postgres, processes
from tests.support.postgres import skip_or_fail

PROJECT = Path(__file__).resolve().parents[2]
STACK_UP_SECONDS = 600


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``stack`` marker (strict markers are on)."""
    config.addinivalue_line(
        "markers",
        "stack: brings up the local stack (PostgreSQL, Redis, Airflow CeleryExecutor)",
    )


def stack_command(
    root: Path, *arguments: str, timeout: float = STACK_UP_SECONDS
) -> subprocess.CompletedProcess[str]:
    """``python -m stack --root ROOT ARGUMENTS`` from the project folder."""
    return subprocess.run(  # noqa: S603  (our own module and interpreter)
        [sys.executable, "-m", "stack", "--root", str(root), *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def stack_layout() -> Iterator[StackLayout]:
    """A stack under ``.stack/test-<id>`` (the PostgreSQL user must reach it), up.

    Skips (fails with CI=true) without PostgreSQL or Redis. Afterwards the stack
    is taken down, no process of it may be left, and its folder is removed.
    """
    try:
        postgres.server_bindir()
        broker.server_binary()
    except MissingBinaryError as error:
        skip_or_fail(f"the stack test needs PostgreSQL and Redis: {error}")
    root = PROJECT / ".stack" / f"test-{uuid.uuid4().hex[:8]}"
    layout = StackLayout(root=root, project=PROJECT)
    try:
        started = stack_command(root, "up")
        assert started.returncode == 0, started.stderr[-2000:]
        yield layout
    finally:
        stopped = stack_command(root, "down", timeout=180)
        left = processes.marked_processes(root)
        shutil.rmtree(root, ignore_errors=True)
        assert stopped.returncode == 0, stopped.stderr[-2000:]
        assert not left, f"processes left after stack down: {left}"
