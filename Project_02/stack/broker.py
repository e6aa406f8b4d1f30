"""Redis, the Celery broker: Debian's ``redis-server`` on 127.0.0.1 with a password."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Mapping
from pathlib import Path

from stack import processes
from stack.errors import MissingBinaryError
from stack.layout import StackLayout, StackState

SERVICE = "redis"
INSTALL_HINT = "install the Debian package redis-server"
MAX_ANSWER_BYTES = 1024


def server_binary() -> Path:
    """``redis-server`` from PATH.

    Raises:
        MissingBinaryError: Redis is not installed.
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise MissingBinaryError(f"redis-server not found: {INSTALL_HINT}")
    return Path(binary)


def broker_url(state: StackState) -> str:
    """The Celery broker URL (database 0)."""
    return f"redis://:{state.secrets.redis_password}@127.0.0.1:{state.ports.redis}/0"


def _write_config(layout: StackLayout, state: StackState) -> Path:
    """Loopback only, password required, no persistence (the queue is disposable)."""
    layout.redis_dir.mkdir(parents=True, exist_ok=True)
    config = layout.redis_dir / "redis.conf"
    config.touch(mode=0o600)
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {state.ports.redis}",
                "protected-mode yes",
                f"requirepass {state.secrets.redis_password}",
                "daemonize no",
                f'dir "{layout.redis_dir}"',
                'save ""',
                "appendonly no",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def start(layout: StackLayout, state: StackState, env: Mapping[str, str]) -> None:
    """Start Redis unless its pid file names a live process."""
    if processes.read_pid(layout.pid_file(SERVICE)) is not None:
        return
    config = _write_config(layout, state)
    processes.start_detached(
        [str(server_binary()), str(config)],
        env=env,
        log_file=layout.log_file(SERVICE),
        pid_file=layout.pid_file(SERVICE),
        cwd=layout.redis_dir,
    )


def is_healthy(state: StackState) -> bool:
    """Whether Redis answers ``PING`` (after ``AUTH``) with ``PONG``."""
    request = f"AUTH {state.secrets.redis_password}\r\nPING\r\n".encode()
    try:
        with socket.create_connection(
            ("127.0.0.1", state.ports.redis), timeout=2
        ) as peer:
            peer.sendall(request)
            answer = b""
            while b"PONG" not in answer and len(answer) < MAX_ANSWER_BYTES:
                chunk = peer.recv(256)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        return False
    return b"PONG" in answer
