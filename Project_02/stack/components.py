"""Airflow with the CeleryExecutor: its settings, its processes and their health.

Every component gets the same environment (``airflow_environment``), which is
also written to ``.stack/env`` so that ``airflow`` commands and scripts can talk
to the stack. The local stack detects a lost worker within
``HEARTBEAT_TIMEOUT`` seconds and retries after ``RETRY_DELAY`` seconds
(Airflow's defaults are five minutes each).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from stack import broker, postgres, processes
from stack.errors import StackError
from stack.layout import WORKER_NAMES, StackLayout, StackState

logger = logging.getLogger(__name__)

DAG_ID = "podcast_summary"
HEARTBEAT_TIMEOUT = 20
RETRY_DELAY = 20
WORKER_CONCURRENCY = 4
QUEUED_TIMEOUT = 90
SERVERS = ("api-server", "scheduler", "dag-processor", "triggerer")
COMPONENTS = (*SERVERS, *WORKER_NAMES)
CONNECTION_ID = "podcasts"


def api_url(state: StackState) -> str:
    """The api-server's base URL (REST API under ``/api/v2``)."""
    return f"http://127.0.0.1:{state.ports.api}"


def store_connection(state: StackState) -> str:
    """The ``podcasts`` connection (JSON form): the episodes store on PostgreSQL."""
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": "127.0.0.1",
            "port": state.ports.postgres,
            "login": postgres.STORE_DB,
            "password": state.secrets.store_db_password,
            "schema": postgres.STORE_DB,
        }
    )


def airflow_settings(layout: StackLayout, state: StackState) -> dict[str, str]:
    """Every setting the stack gives Airflow, as environment variables."""
    api = api_url(state)
    return {
        "AIRFLOW_HOME": str(layout.airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(layout.dags_dir),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__FERNET_KEY": state.secrets.fernet_key,
        # Anyone who reaches the API is admin: tolerable on 127.0.0.1 only.
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": str(RETRY_DELAY),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.airflow_url(state),
        # Airflow would derive an asyncpg URL; psycopg 3 serves async sessions too.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": postgres.airflow_url(
            state
        ).replace("+psycopg:", "+psycopg_async:"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(state.ports.api),
        "AIRFLOW__API__BASE_URL": api,
        "AIRFLOW__API__SECRET_KEY": state.secrets.api_secret_key,
        "AIRFLOW__API_AUTH__JWT_SECRET": state.secrets.jwt_secret,
        "AIRFLOW__CELERY__BROKER_URL": broker.broker_url(state),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "3600",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        # A task a dead worker had received but not started stays "queued" until
        # this timeout (default 600 s); no more queued than the workers can run.
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": str(QUEUED_TIMEOUT),
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
        "AIRFLOW__CORE__PARALLELISM": str(WORKER_CONCURRENCY * len(WORKER_NAMES)),
        # Only the runs you trigger: unpausing must not start a scheduled run.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW_CONN_PODCASTS": store_connection(state),
        "PODCAST_DATA_DIR": str(layout.data_dir),
    }


def airflow_environment(
    layout: StackLayout, state: StackState, base: Mapping[str, str]
) -> dict[str, str]:
    """``base`` without foreign Airflow/pipeline settings, plus the stack's own."""
    inherited = {
        name: value
        for name, value in base.items()
        if not name.startswith(("AIRFLOW", "PODCAST_"))
    }
    return (
        inherited
        | airflow_settings(layout, state)
        | {processes.STACK_MARKER: str(layout.root)}
    )


def write_env_file(layout: StackLayout, state: StackState) -> None:
    """Write ``.stack/env`` (0600): the API URL, ``PODCAST_DB``, Airflow's settings."""
    values = {
        "AIRFLOW_API_URL": api_url(state),
        "PODCAST_DB": postgres.store_url(state),
    } | airflow_settings(layout, state)
    lines = [f"{name}={shlex.quote(value)}" for name, value in values.items()]
    layout.root.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(layout.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as env_file:
        env_file.write("\n".join(lines) + "\n")


def _airflow(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *arguments]


def migrate(layout: StackLayout, env: Mapping[str, str]) -> None:
    """``airflow db migrate`` against the stack's metadata database."""
    log_file = layout.log_file("db-migrate")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        result = subprocess.run(  # noqa: S603  (our own argv)
            _airflow("db", "migrate"),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=600,
        )
    if result.returncode != 0:
        raise StackError(f"airflow db migrate failed (see {log_file})")


def component_command(name: str, state: StackState) -> list[str]:
    """The command line of one component.

    Workers and the triggerer serve no logs over HTTP: their log servers bind
    every interface, and on one machine the api-server reads the log files.
    """
    if name == "api-server":
        return _airflow(
            "api-server",
            "--host",
            "127.0.0.1",
            "--port",
            str(state.ports.api),
            "-w",
            "1",
        )
    if name in WORKER_NAMES:
        return _airflow(
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            str(WORKER_CONCURRENCY),
            "--without-mingle",
            "--without-gossip",
            "--skip-serve-logs",
        )
    if name == "triggerer":
        return _airflow(name, "--skip-serve-logs")
    return _airflow(name)


def start_component(
    layout: StackLayout, state: StackState, name: str, env: Mapping[str, str]
) -> None:
    """Start ``name`` unless it runs."""
    if processes.read_pid(layout.pid_file(name)) is not None:
        return
    processes.start_detached(
        component_command(name, state),
        env=env,
        log_file=layout.log_file(name),
        pid_file=layout.pid_file(name),
        cwd=layout.airflow_home,
    )


def running_components(layout: StackLayout) -> dict[str, int]:
    """Components whose pid file names a live process, with their pids."""
    found = {name: processes.read_pid(layout.pid_file(name)) for name in COMPONENTS}
    return {name: pid for name, pid in found.items() if pid is not None}


def responding_workers(state: StackState) -> set[str]:
    """Names of the Celery workers that answer a broadcast ping within 2 s."""
    # Imported here: Celery is only needed once the broker is up.
    # pylint: disable-next=import-outside-toplevel
    from celery import Celery  # type: ignore[import-untyped]  # noqa: PLC0415

    app = Celery(broker=broker.broker_url(state))
    try:
        replies = app.control.ping(timeout=2.0) or []
    except OSError:
        return set()
    finally:
        app.close()
    hostnames = {hostname for reply in replies for hostname in reply}
    return {
        name
        for name in WORKER_NAMES
        if any(h.startswith(f"{name}@") for h in hostnames)
    }


def log_tail(layout: StackLayout, name: str, lines: int = 3) -> str:
    """The last ``lines`` non-empty lines of a component's log, on one line."""
    try:
        text = Path(layout.log_file(name)).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail)[-400:]
