"""A project-local PostgreSQL cluster: Airflow's metadata and the episodes store.

The machine's server binaries (``pg_config --bindir``; Debian keeps them off
PATH) run a cluster in ``.stack/pg``, listening on 127.0.0.1 only (no Unix
socket), with password authentication. PostgreSQL refuses to run as root, so
under root the cluster belongs to the ``postgres`` system user (``runuser``).
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from stack.errors import MissingBinaryError, StackError
from stack.layout import StackLayout, StackState

logger = logging.getLogger(__name__)

SERVER_USER = "postgres"
AIRFLOW_DB = "airflow"
STORE_DB = "podcasts"
INSTALL_HINT = "install the Debian package postgresql (PostgreSQL 15 or newer)"


def server_bindir() -> Path:
    """The folder of ``initdb``/``pg_ctl``: ``pg_config --bindir``, else PATH.

    Raises:
        MissingBinaryError: No PostgreSQL server binaries on this machine.
    """
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run(  # noqa: S603  (a fixed argv)
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if bindir and (Path(bindir) / "pg_ctl").exists():
            return Path(bindir)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise MissingBinaryError(f"PostgreSQL server binaries not found: {INSTALL_HINT}")


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser is None:
        raise MissingBinaryError(
            "runuser not found: install the Debian package util-linux"
        )
    return [runuser, "-u", SERVER_USER, "--", *argv]


def _hand_to_server_user(*paths: Path) -> None:
    """Under root, give ``paths`` to the ``postgres`` user (the server runs as it)."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError as error:
        raise MissingBinaryError(
            f"no {SERVER_USER!r} system user to run PostgreSQL as root: {INSTALL_HINT}"
        ) from error
    for path in paths:
        os.chown(path, account.pw_uid, account.pw_gid)


def _run(argv: list[str], what: str) -> None:
    result = subprocess.run(  # noqa: S603  (our own argv, no shell)
        _as_server_user(argv), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StackError(
            f"{what} failed: {detail[-1] if detail else result.returncode}"
        )


def data_dir(layout: StackLayout) -> Path:
    """The cluster's data folder."""
    return layout.pg_dir / "data"


def ensure_cluster(layout: StackLayout, state: StackState) -> None:
    """``initdb`` the cluster on first use (superuser password from ``state``)."""
    if (data_dir(layout) / "PG_VERSION").exists():
        return
    bindir = server_bindir()
    layout.pg_dir.mkdir(parents=True, exist_ok=True)
    layout.pg_dir.chmod(0o700)
    _hand_to_server_user(layout.pg_dir)
    password_file = layout.pg_dir / "initdb-password"
    password_file.write_text(state.secrets.postgres_password, encoding="utf-8")
    _hand_to_server_user(password_file)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(data_dir(layout)),
                "--username",
                SERVER_USER,
                f"--pwfile={password_file}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--no-instructions",
            ],
            "initdb",
        )
    finally:
        password_file.unlink(missing_ok=True)
    logger.info("Created the PostgreSQL cluster in %s", data_dir(layout))


def server_pid(layout: StackLayout) -> int | None:
    """The postmaster's pid from ``postmaster.pid`` when the server runs."""
    try:
        first_line = (data_dir(layout) / "postmaster.pid").read_text(encoding="utf-8")
        pid = int(first_line.split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def start(layout: StackLayout, state: StackState) -> None:
    """Start the server on 127.0.0.1:``state.ports.postgres`` unless it runs."""
    if server_pid(layout) is None:
        log_file = layout.log_file("postgres")
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.touch()
        _hand_to_server_user(log_file)
        options = (
            f"-p {state.ports.postgres} -c listen_addresses=127.0.0.1 "
            "-c unix_socket_directories=''"
        )
        _run(
            [
                str(server_bindir() / "pg_ctl"),
                "--pgdata",
                str(data_dir(layout)),
                "--log",
                str(log_file),
                "--options",
                options,
                "--wait",
                "--timeout=60",
                "start",
            ],
            f"pg_ctl start (see {log_file})",
        )
    pid = server_pid(layout)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    layout.pid_file("postgres").write_text(f"{pid}\n", encoding="utf-8")


def stop(layout: StackLayout) -> bool:
    """Fast shutdown (sessions are disconnected); whether it was running."""
    layout.pid_file("postgres").unlink(missing_ok=True)
    if server_pid(layout) is None:
        return False
    _run(
        [
            str(server_bindir() / "pg_ctl"),
            "--pgdata",
            str(data_dir(layout)),
            "--mode=fast",
            "--wait",
            "stop",
        ],
        "pg_ctl stop",
    )
    return True


def _url(state: StackState, user: str, password: str, database: str) -> str:
    return (
        f"postgresql+psycopg://{user}:{password}@127.0.0.1:{state.ports.postgres}"
        f"/{database}"
    )


def airflow_url(state: StackState) -> str:
    """SQLAlchemy URL of Airflow's metadata database."""
    return _url(state, AIRFLOW_DB, state.secrets.airflow_db_password, AIRFLOW_DB)


def store_url(state: StackState) -> str:
    """SQLAlchemy URL of the episodes store (``PODCAST_DB``)."""
    return _url(state, STORE_DB, state.secrets.store_db_password, STORE_DB)


def ensure_databases(state: StackState) -> None:
    """Create (or re-password) a role and a database each for Airflow and the store."""
    import psycopg  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
    from psycopg import sql  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    with psycopg.connect(
        host="127.0.0.1",
        port=state.ports.postgres,
        user=SERVER_USER,
        password=state.secrets.postgres_password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as connection:
        for name, password in (
            (AIRFLOW_DB, state.secrets.airflow_db_password),
            (STORE_DB, state.secrets.store_db_password),
        ):
            role_exists = connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)
            ).fetchone()
            verb = sql.SQL("ALTER" if role_exists else "CREATE")
            connection.execute(
                sql.SQL("{} ROLE {} LOGIN PASSWORD {}").format(
                    verb, sql.Identifier(name), sql.Literal(password)
                )
            )
            if not connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone():
                connection.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(name)
                    )
                )


def is_healthy(state: StackState) -> bool:
    """Whether the server accepts a connection to the store's database."""
    import psycopg  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=state.ports.postgres,
            user=STORE_DB,
            password=state.secrets.store_db_password,
            dbname=STORE_DB,
            connect_timeout=2,
        ) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
