"""Long-running processes with pid files: start detached, find, stop.

Every process the stack starts carries ``PODCAST_STACK_HOME`` in its
environment, so what is left after a stop (a child that escaped its process
group) can be found by id in ``/proc`` and ended too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from stack.errors import StackError

logger = logging.getLogger(__name__)

STACK_MARKER = "PODCAST_STACK_HOME"
PROC = Path("/proc")


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file`` if that process is alive, else None."""
    try:
        pid = int(pid_file.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if is_alive(pid) else None


def is_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user (the PostgreSQL server)
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="utf-8")
    except OSError:
        return True  # no /proc (macOS): kill(0) is all we know
    return stat.rpartition(")")[2].split()[0] != "Z"


def start_detached(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log_file: Path,
    pid_file: Path,
    cwd: Path,
) -> int:
    """Start ``argv`` in a new session (its own process group), logging to a file.

    Returns:
        The pid, also written to ``pid_file``.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        # Not waited for: the process outlives this command (pid file instead).
        process = subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
    logger.info("Started %s (pid %d), log %s", argv[0], process.pid, log_file)
    return process.pid


def _stat_fields(pid: str) -> list[str] | None:
    """State, ppid, pgrp, ... of ``/proc/PID/stat`` (None when it is gone)."""
    try:
        stat = (PROC / pid / "stat").read_text(encoding="utf-8")
    except OSError:
        return None
    return stat.rpartition(")")[2].split()


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of process group ``pgid`` is left."""
    if not PROC.is_dir():  # no /proc (macOS): ask the kernel
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in PROC.glob("[0-9]*"):
        fields = _stat_fields(entry.name)
        if fields and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if this process started it (no zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_group(pid_file: Path, *, grace: float) -> bool:
    """SIGTERM the process group started from ``pid_file``; SIGKILL after ``grace`` s.

    Returns:
        Whether a process was running.
    """
    pid = read_pid(pid_file)
    pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while group_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.2)
    _reap(pid)
    if group_alive(pid):
        logger.warning(
            "Process group %d ignored SIGTERM for %.0f s: SIGKILL", pid, grace
        )
        _signal_group(pid, signal.SIGKILL)
        _wait_until_gone(lambda: group_alive(pid), what=f"process group {pid}")
    return True


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux ``/proc``), children first."""
    children: dict[int, list[int]] = {}
    for entry in PROC.glob("[0-9]*"):
        fields = _stat_fields(entry.name)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    queue = list(children.get(pid, []))
    while queue:
        child = queue.pop(0)
        found.append(child)
        queue.extend(children.get(child, []))
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and all its descendants at once, as when a machine dies.

    Airflow runs each task in a process group of its own, so killing the
    worker's group alone would leave its tasks running.

    Returns:
        The pids signalled.
    """
    victims = [pid, *descendants(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return victims


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def marked_processes(stack_root: Path) -> list[int]:
    """Pids of live processes whose environment names this stack (Linux only)."""
    marker = f"{STACK_MARKER}={stack_root}".encode()
    found = []
    for entry in PROC.glob("[0-9]*"):
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        pid = int(entry.name)
        if pid != os.getpid() and marker in environment.split(b"\0") and is_alive(pid):
            found.append(pid)
    return found


def kill_stragglers(stack_root: Path) -> list[int]:
    """SIGKILL every process still marked with this stack; return their pids."""
    stragglers = marked_processes(stack_root)
    for pid in stragglers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    _wait_until_gone(
        lambda: any(is_alive(pid) for pid in stragglers), what="left-over processes"
    )
    return stragglers


def _wait_until_gone(
    still_there: Callable[[], bool], *, what: str, timeout: float = 10.0
) -> None:
    deadline = time.monotonic() + timeout
    while still_there():
        if time.monotonic() > deadline:
            raise StackError(f"{what} survived SIGKILL for {timeout:.0f} s")
        time.sleep(0.1)
