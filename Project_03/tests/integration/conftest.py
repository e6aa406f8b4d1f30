"""Real services for the integration tests: PostgreSQL and an ``mlflow server``.

A temporary PostgreSQL cluster is created with the machine's server binaries
(``$(pg_config --bindir)``, Debian package ``postgresql``), on a free port of
127.0.0.1; PostgreSQL refuses to run as root, so under root it runs as the
``postgres`` user in a folder that user owns. ``mlflow server`` uses it as its
backend store. Without the binaries the tests are skipped, and fail under CI.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest

from tests.conftest import missing_requirement

STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def postgres_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    found = subprocess.run(  # noqa: S603  (the machine's own pg_config)
        [pg_config, "--bindir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    bindir = Path(found)
    return bindir if (bindir / "initdb").is_file() else None


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: drop to the `postgres` user there.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str]) -> None:
    result = subprocess.run(  # noqa: S603  (fixed PostgreSQL commands)
        _as_postgres(command), capture_output=True, text=True, check=False
    )
    if result.returncode:
        pytest.fail(f"{' '.join(command)} failed: {result.stderr.strip()[-2000:]}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster; yields a SQLAlchemy URL of an empty database."""
    bindir = postgres_bindir()
    if bindir is None:
        missing_requirement(
            "PostgreSQL server binaries not found (pg_config --bindir has no initdb): "
            "install the Debian package postgresql"
        )
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="heart-disease-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = free_port()
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run(
        [
            *(str(bindir / "pg_ctl"), "-D", str(data), "-o", options),
            *("-l", str(root / "server.log"), "-w", "start"),
        ]
    )
    try:
        _run(
            [
                *(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port)),
                *("-U", "postgres", "mlflow"),
            ]
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/mlflow"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
            pytest.fail(f"mlflow server exited with {server.returncode}:\n{tail}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            urllib.request.urlopen(f"{url}/health", timeout=2) as response,  # noqa: S310
        ):
            if response.status == HTTPStatus.OK:
                return
        time.sleep(0.5)
    pytest.fail(f"mlflow server not healthy at {url} after {STARTUP_SECONDS} s")


@pytest.fixture(scope="session")
def mlflow_server(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real ``mlflow server`` on 127.0.0.1 with the PostgreSQL backend store."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "server.log"
    command = [
        str(Path(sys.executable).parent / "mlflow"),
        "server",
        *("--backend-store-uri", postgres_url),
        *("--artifacts-destination", str(root / "artifacts")),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
    ]
    with log.open("wb") as output:
        # The server outlives this block: it is stopped in the finally below.
        server = subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with
            command, stdout=output, stderr=subprocess.STDOUT, cwd=root
        )
    try:
        _wait_until_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
