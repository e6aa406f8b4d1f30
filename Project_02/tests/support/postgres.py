"""A real PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl.

Debian's server binaries are not on PATH; ``pg_config --bindir`` finds them.
PostgreSQL refuses to run as root, so under root the cluster belongs to the
``postgres`` system user (``runuser``) in a folder that user owns. Without the
binaries the tests that need the server skip, naming the Debian package; with
``CI=true`` they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PACKAGE_HINT = "install the Debian package `postgresql` (server binaries)"


def _bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    output = subprocess.run(  # noqa: S603  (pg_config from PATH, fixed argument)
        [pg_config, "--bindir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    bindir = Path(output)
    return bindir if (bindir / "initdb").is_file() else None


def skip_or_fail(message: str) -> None:
    """Skip the test, or fail it on CI (CI=true)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a throw-away server on a free loopback port; yield its admin URL."""
    bindir = _bindir()
    if bindir is None:
        skip_or_fail(
            f"PostgreSQL server binaries not found (pg_config): {PACKAGE_HINT}"
        )
        return
    if os.geteuid() == 0 and not _has_user("postgres"):
        skip_or_fail(f"running as root without a `postgres` user: {PACKAGE_HINT}")
        return
    folder = Path(tempfile.mkdtemp(prefix="podcast-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    port = _free_port()
    try:
        subprocess.run(  # noqa: S603  (the server's own binaries)
            _as_owner(
                [
                    *(str(bindir / "initdb"), "-D", str(data), "-U", "postgres"),
                    *("--auth=trust", "-E", "UTF8", "--no-sync"),
                ]
            ),
            capture_output=True,
            check=True,
            timeout=120,
        )
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60"
        )
        subprocess.run(  # noqa: S603
            _as_owner(
                [
                    *(str(bindir / "pg_ctl"), "-D", str(data), "-o", options),
                    *("-l", str(folder / "server.log"), "-w", "-t", "60", "start"),
                ]
            ),
            capture_output=True,
            check=True,
            timeout=90,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(  # noqa: S603
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str) -> str:
    """A new empty database on the server; returns its URL."""
    import psycopg  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    name = f"test_{uuid.uuid4().hex[:12]}"
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # a generated identifier
    return f"{server_url}/{name}"
