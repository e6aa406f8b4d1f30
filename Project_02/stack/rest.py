"""A small client for Airflow 3's REST API (``/api/v2``) on the local stack.

With ``[core] simple_auth_manager_all_admins`` on, ``GET /auth/token`` hands out
an admin bearer token without credentials; the stack only listens on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import requests

from stack.errors import StackError

PAGE_SIZE = 100


class AirflowApi:
    """Calls to one api-server, authenticated with a token from ``/auth/token``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        """Prepare a session for ``base_url`` (``http://127.0.0.1:PORT``)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._authenticated = False

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def _send(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> requests.Response:
        try:
            return self._session.request(
                method,
                f"{self.base_url}{path}",
                json=payload,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise StackError(
                f"Airflow API at {self.base_url} not reachable "
                f"({type(error).__name__}): is the stack up (make stack-up)?"
            ) from error

    def _authenticate(self) -> None:
        if self._authenticated:
            return
        response = self._send("GET", "/auth/token")
        if response.status_code not in {200, 201}:
            raise StackError(
                f"GET /auth/token answered {response.status_code}: the api-server "
                "needs [core] simple_auth_manager_all_admins = True"
            )
        token = response.json()["access_token"]
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._authenticated = True

    def call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        allow_missing: bool = False,
    ) -> dict[str, Any] | None:
        """One authenticated call under ``/api/v2``; its JSON answer.

        Returns:
            The decoded body, or None on 404 when ``allow_missing``.

        Raises:
            StackError: Any other answer than 2xx.
        """
        self._authenticate()
        response = self._send(method, f"/api/v2{path}", payload)
        if response.status_code == HTTPStatus.NOT_FOUND and allow_missing:
            return None
        if not response.ok:
            raise StackError(
                f"{method} /api/v2{path} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        answer: dict[str, Any] = response.json() if response.content else {}
        return answer

    def health(self) -> dict[str, Any] | None:
        """``/api/v2/monitor/health``, or None while the api-server is not up."""
        try:
            response = self._session.get(
                f"{self.base_url}/api/v2/monitor/health", timeout=self.timeout
            )
        except requests.RequestException:
            return None
        if not response.ok:
            return None
        answer: dict[str, Any] = response.json()
        return answer

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        """The DAG's details, or None until the dag-processor has parsed it."""
        return self.call("GET", f"/dags/{dag_id}", allow_missing=True)

    def import_errors(self) -> list[dict[str, Any]]:
        """DAG files that failed to parse."""
        answer = self.call("GET", "/importErrors") or {}
        return list(answer.get("import_errors", []))

    def set_paused(self, dag_id: str, *, paused: bool) -> None:
        """Pause or unpause a DAG."""
        self.call("PATCH", f"/dags/{dag_id}", {"is_paused": paused})

    def ensure_pool(self, name: str, slots: int, description: str) -> None:
        """Create the pool, or set its slots when it exists."""
        settings = {
            "slots": slots,
            "description": description,
            "include_deferred": False,
        }
        if self.call("GET", f"/pools/{name}", allow_missing=True) is None:
            self.call("POST", "/pools", settings | {"name": name})
        else:
            self.call("PATCH", f"/pools/{name}", settings | {"pool": name})

    def trigger(self, dag_id: str, conf: Mapping[str, Any]) -> str:
        """Start a run of ``dag_id`` with ``conf``; its run id."""
        answer = self.call(
            "POST",
            f"/dags/{dag_id}/dagRuns",
            {"logical_date": None, "conf": dict(conf)},
        )
        return str((answer or {})["dag_run_id"])

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """One DAG run."""
        return self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}") or {}

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of a run (mapped ones included), all pages."""
        found: list[dict[str, Any]] = []
        while True:
            page = (
                self.call(
                    "GET",
                    f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
                    f"?limit={PAGE_SIZE}&offset={len(found)}",
                )
                or {}
            )
            found.extend(page.get("task_instances", []))
            if len(found) >= int(page.get("total_entries", 0)) or not page.get(
                "task_instances"
            ):
                return found
