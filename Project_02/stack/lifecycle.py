"""Bring the stack up (idempotent, returns when healthy), report it, take it down."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stack import broker, components, postgres, processes
from stack.errors import StackError
from stack.layout import (
    WORKER_NAMES,
    StackLayout,
    StackState,
    load_state,
    new_state,
    save_state,
    with_free_ports,
)
from stack.rest import AirflowApi

logger = logging.getLogger(__name__)

SERVICES = ("postgres", "redis", *components.COMPONENTS)
HTTP_POOL = "podcast_http"
TRANSCRIPTION_POOL = "podcast_transcription"
HTTP_POOL_SLOTS = 4
#: Health fields of ``/api/v2/monitor/health`` for the components that have one.
HEALTH_FIELDS = {
    "scheduler": "scheduler",
    "dag-processor": "dag_processor",
    "triggerer": "triggerer",
}


@dataclass(frozen=True)
class ServiceStatus:
    """One service of the stack: its pid (None when down) and whether it is healthy."""

    name: str
    pid: int | None
    healthy: bool


def _pids(layout: StackLayout) -> dict[str, int | None]:
    pids: dict[str, int | None] = {"postgres": postgres.server_pid(layout)}
    pids |= {name: processes.read_pid(layout.pid_file(name)) for name in SERVICES[1:]}
    return pids


def _component_health(health: Mapping[str, Any] | None, name: str) -> bool:
    if health is None:
        return False
    if name == "api-server":
        return True
    entry = health.get(HEALTH_FIELDS[name]) or {}
    return bool(entry.get("status") == "healthy")


def status(layout: StackLayout) -> list[ServiceStatus]:
    """Every service with its pid and health (nothing is started)."""
    state = load_state(layout)
    pids = _pids(layout)
    if state is None:
        return [ServiceStatus(name, pids[name], healthy=False) for name in SERVICES]
    api = AirflowApi(components.api_url(state), timeout=3)
    try:
        health = api.health() if pids["api-server"] else None
    finally:
        api.close()
    workers = components.responding_workers(state) if pids["redis"] else set()
    checks = {
        "postgres": lambda: postgres.is_healthy(state),
        "redis": lambda: broker.is_healthy(state),
    }
    report = []
    for name in SERVICES:
        if pids[name] is None:
            healthy = False
        elif name in checks:
            healthy = checks[name]()
        elif name in WORKER_NAMES:
            healthy = name in workers
        else:
            healthy = _component_health(health, name)
        report.append(ServiceStatus(name, pids[name], healthy))
    return report


def _prepare_state(layout: StackLayout) -> StackState:
    state = load_state(layout)
    if state is None:
        state = new_state()
    elif not any(_pids(layout).values()):
        state = with_free_ports(state)
    save_state(layout, state)
    return state


def up(
    layout: StackLayout, base_env: Mapping[str, str], *, timeout: float
) -> list[ServiceStatus]:
    """Start whatever is not running and wait until every service is healthy.

    Raises:
        MissingBinaryError: PostgreSQL or Redis is not installed.
        StackError: A service did not start or become healthy within ``timeout`` s.
    """
    postgres.server_bindir()
    broker.server_binary()
    deadline = time.monotonic() + timeout
    state = _prepare_state(layout)
    for folder in (
        layout.run_dir,
        layout.logs_dir,
        layout.airflow_home,
        layout.data_dir,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    env = components.airflow_environment(layout, state, base_env)
    components.write_env_file(layout, state)

    postgres.ensure_cluster(layout, state)
    postgres.start(layout, state)
    postgres.ensure_databases(state)
    broker.start(layout, state, env)
    _wait(lambda: broker.is_healthy(state), "redis", layout, deadline)

    if len(components.running_components(layout)) < len(components.COMPONENTS):
        components.migrate(layout, env)
    for name in components.COMPONENTS:
        components.start_component(layout, state, name, env)
    _wait(lambda: _all_healthy(layout), "airflow", layout, deadline)
    _prepare_dag(state, layout, deadline)
    return status(layout)


def _all_healthy(layout: StackLayout) -> bool:
    running = components.running_components(layout)
    missing = [name for name in components.COMPONENTS if name not in running]
    if missing:
        name = missing[0]
        raise StackError(f"{name} exited: {components.log_tail(layout, name)}")
    return all(service.healthy for service in status(layout))


def _wait(
    ready: Callable[[], bool], what: str, layout: StackLayout, deadline: float
) -> None:
    while not ready():
        if time.monotonic() > deadline:
            unhealthy = ", ".join(s.name for s in status(layout) if not s.healthy)
            raise StackError(
                f"{what} not healthy in time (still down: {unhealthy or what}; "
                f"logs in {layout.logs_dir})"
            )
        time.sleep(1.0)


def _prepare_dag(state: StackState, layout: StackLayout, deadline: float) -> None:
    """Create the pools, wait until the DAG is parsed, unpause it."""
    api = AirflowApi(components.api_url(state))
    try:
        api.ensure_pool(
            HTTP_POOL, HTTP_POOL_SLOTS, "Concurrent downloads from publishers"
        )
        api.ensure_pool(
            TRANSCRIPTION_POOL,
            os.cpu_count() or 1,
            "One slot per CPU for transcription",
        )
        while api.dag(components.DAG_ID) is None:
            errors = api.import_errors()
            if errors:
                first = errors[0]
                raise StackError(
                    f"{first.get('filename')} does not parse: "
                    f"{str(first.get('stack_trace', '')).strip().splitlines()[-1:]}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"DAG {components.DAG_ID} not parsed in time (see "
                    f"{layout.log_file('dag-processor')})"
                )
            time.sleep(1.0)
        api.set_paused(components.DAG_ID, paused=False)
    finally:
        api.close()


def down(layout: StackLayout) -> list[str]:
    """Stop every service (workers first, PostgreSQL last); the ones that ran.

    Whatever still carries the stack's marker afterwards is killed by pid.
    """
    stopped = []
    for name in reversed(components.COMPONENTS):
        grace = 30.0 if name in WORKER_NAMES else 15.0
        if processes.stop_group(layout.pid_file(name), grace=grace):
            stopped.append(name)
    if processes.stop_group(layout.pid_file(broker.SERVICE), grace=10.0):
        stopped.append(broker.SERVICE)
    if (postgres.data_dir(layout) / "PG_VERSION").exists() and postgres.stop(layout):
        stopped.append("postgres")
    stragglers = processes.kill_stragglers(layout.root)
    if stragglers:
        logger.warning("Killed left-over processes: %s", stragglers)
    return stopped
