"""Trigger ``podcast_summary`` through the REST API and wait for its outcome."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from stack import components
from stack.errors import StackError, StackUsageError
from stack.layout import StackLayout, load_state
from stack.rest import AirflowApi

FINAL_STATES = frozenset({"success", "failed"})


@dataclass(frozen=True)
class TaskInstanceOutcome:
    """One task instance of a finished run, as the API reports it."""

    task_id: str
    map_index: int
    label: str
    state: str
    try_number: int
    hostname: str

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> TaskInstanceOutcome:
        """From one entry of ``.../taskInstances``."""
        map_index = int(item.get("map_index", -1))
        rendered = item.get("rendered_map_index")
        return cls(
            task_id=str(item["task_id"]),
            map_index=map_index,
            label=str(rendered)
            if rendered
            else ("" if map_index < 0 else str(map_index)),
            state=str(item.get("state") or "none"),
            try_number=int(item.get("try_number") or 0),
            hostname=str(item.get("hostname") or ""),
        )


@dataclass(frozen=True)
class RunOutcome:
    """A finished DAG run: its id, final state and task instances."""

    run_id: str
    state: str
    seconds: float
    task_instances: tuple[TaskInstanceOutcome, ...]

    @property
    def succeeded(self) -> bool:
        """Whether the run ended in ``success``."""
        return self.state == "success"


def run_conf(
    feeds: list[str], max_episodes: int | None, *, transcribe: bool
) -> dict[str, Any]:
    """The run's ``conf``; feed URLs are checked here, before anything is sent.

    Raises:
        StackUsageError: No feed, or a feed that is not an http(s) URL.
    """
    if not feeds:
        raise StackUsageError('no feed given: FEEDS="http://..." (or --feed URL)')
    for feed in feeds:
        try:
            parts = urlsplit(feed)
        except ValueError as error:
            raise StackUsageError(f"feed {feed!r} is not a URL: {error}") from error
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise StackUsageError(f"feed {feed!r} is not an http(s) URL")
    conf: dict[str, Any] = {"feeds": feeds, "transcribe": transcribe}
    if max_episodes is not None:
        conf["max_episodes"] = max_episodes
    return conf


def trigger_and_wait(
    layout: StackLayout,
    conf: Mapping[str, Any],
    *,
    timeout: float,
    poll: float = 2.0,
    on_trigger: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Trigger ``podcast_summary`` with ``conf`` and wait until it finishes.

    Args:
        layout: The stack (its ``state.json`` gives the API's address).
        conf: The run's configuration.
        timeout: Most seconds to wait.
        poll: Seconds between two looks at the run.
        on_trigger: Called with the run id once the run exists.

    Raises:
        StackError: The stack is not up, or the run did not finish in time.
    """
    state = load_state(layout)
    if state is None:
        raise StackError(f"no stack in {layout.root}: run `make stack-up` first")
    api = AirflowApi(components.api_url(state))
    try:
        started = time.monotonic()
        run_id = api.trigger(components.DAG_ID, conf)
        if on_trigger is not None:
            on_trigger(run_id)
        while (
            run_state := str(api.dag_run(components.DAG_ID, run_id)["state"])
        ) not in (FINAL_STATES):
            if time.monotonic() - started > timeout:
                raise StackError(
                    f"run {run_id} still {run_state} after {timeout:.0f} s "
                    f"(it goes on; see {components.api_url(state)})"
                )
            time.sleep(poll)
        instances = api.task_instances(components.DAG_ID, run_id)
    finally:
        api.close()
    return RunOutcome(
        run_id=run_id,
        state=run_state,
        seconds=time.monotonic() - started,
        task_instances=tuple(
            sorted(
                (TaskInstanceOutcome.from_api(item) for item in instances),
                key=lambda ti: (ti.task_id, ti.map_index),
            )
        ),
    )
