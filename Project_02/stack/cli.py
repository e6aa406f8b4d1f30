"""``python -m stack {up,status,run,down}``: the local deployment's command line.

It follows the CLI convention of ../CONTRIBUTING.md: ``--log-level`` and
``--log-file`` before or after the subcommand, every error one line
``stack: error: ...``, exit 0 ok / 1 runtime failure / 2 bad usage or input,
``--format {text,json}`` where a result is printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

from stack import lifecycle, runs
from stack.errors import StackError, StackUsageError
from stack.feed import EpisodeSpec, FeedServer
from stack.layout import StackLayout

PROG = "stack"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = PROJECT_DIR / ".stack"
SHARED_AUDIO = PROJECT_DIR.parents[1] / "shared/data/audio/lj-speech-fireside-chat.mp3"


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print ``stack: error: MESSAGE`` and exit 2 (no usage block)."""
        self.exit(2, f"{PROG}: error: {message}\n")


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"must be a non-negative integer, got {text!r}"
        )
    return int(text)


def _common(*, on_subcommand: bool) -> _Parser:
    """Logging options for the main parser and every subcommand."""
    options = _Parser(add_help=False)
    suppress = argparse.SUPPRESS
    options.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=suppress if on_subcommand else "WARNING",
        help="logging level (default WARNING)",
    )
    options.add_argument(
        "--log-file",
        type=Path,
        default=suppress if on_subcommand else None,
        help="log to this file instead of stderr (its folder must exist)",
    )
    return options


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = _Parser(
        prog=PROG,
        description="A local Airflow deployment (CeleryExecutor, PostgreSQL, Redis) "
        "of the podcast_summary DAG, on 127.0.0.1, under .stack/.",
        parents=[_common(on_subcommand=False)],
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="the stack folder (default Project_02/.stack)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser
    )
    common = [_common(on_subcommand=True)]
    text_or_json = {"choices": ("text", "json"), "default": "text", "help": "output"}

    up = commands.add_parser(
        "up", parents=common, help="start everything, wait until healthy"
    )
    up.add_argument("--timeout", type=_positive_number, default=600.0, help="seconds")
    up.add_argument("--format", **text_or_json)  # type: ignore[arg-type]

    state = commands.add_parser(
        "status", parents=common, help="each service's pid and health"
    )
    state.add_argument("--format", **text_or_json)  # type: ignore[arg-type]

    run = commands.add_parser(
        "run", parents=common, help="trigger podcast_summary, wait"
    )
    run.add_argument(
        "--feed", action="append", default=[], help="feed URL (repeatable)"
    )
    run.add_argument(
        "--max-episodes", type=_non_negative_int, help="downloads this run"
    )
    run.add_argument("--no-transcribe", action="store_true", help="download only")
    run.add_argument("--timeout", type=_positive_number, default=1800.0, help="seconds")
    run.add_argument("--format", **text_or_json)  # type: ignore[arg-type]

    commands.add_parser("down", parents=common, help="stop everything up started")

    feed = commands.add_parser(
        "feed", parents=common, help="serve a local feed of one audio file until Ctrl-C"
    )
    feed.add_argument(
        "--audio",
        type=Path,
        help="the audio file (default $PODCAST_TEST_AUDIO, else the shared LJ Speech "
        "clip in ../../shared/data/audio/ from Project_02)",
    )
    feed.add_argument("--episodes", type=_positive_int, default=3, help="how many")
    feed.add_argument("--port", type=_non_negative_int, default=0, help="0: any free")
    return parser


def _configure_logging(level: str, log_file: Path | None) -> None:
    if log_file is not None and not log_file.parent.is_dir():
        raise StackUsageError(f"--log-file: folder {log_file.parent} does not exist")
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _print_json(value: Any) -> None:
    print(json.dumps(value, allow_nan=False, indent=2))


def _print_services(services: list[lifecycle.ServiceStatus], output: str) -> None:
    if output == "json":
        _print_json([asdict(service) for service in services])
        return
    for service in services:
        pid = str(service.pid) if service.pid else "-"
        health = (
            "healthy" if service.healthy else ("starting" if service.pid else "down")
        )
        print(f"{service.name:<14} {pid:>8}  {health}")


def _print_run(outcome: runs.RunOutcome, output: str) -> None:
    if output == "json":
        _print_json(asdict(outcome) | {"succeeded": outcome.succeeded})
        return
    for ti in outcome.task_instances:
        name = f"{ti.task_id}[{ti.label}]" if ti.map_index >= 0 else ti.task_id
        print(f"{name:<60} {ti.state:<16} try {ti.try_number}  {ti.hostname}")
    print(f"run {outcome.run_id}: {outcome.state} in {outcome.seconds:.0f} s")


def _audio_file(given: Path | None) -> Path:
    """``--audio``, else ``$PODCAST_TEST_AUDIO``, else the shared LJ Speech clip."""
    configured = given or os.environ.get("PODCAST_TEST_AUDIO")
    audio = Path(configured).expanduser().resolve() if configured else SHARED_AUDIO
    if not audio.is_file():
        origin = (
            "--audio" if given else ("PODCAST_TEST_AUDIO" if configured else "default")
        )
        raise StackUsageError(f"no audio file at {audio} ({origin})")
    return audio


def _serve_feed(audio: Path | None, episodes: int, port: int) -> None:
    body = _audio_file(audio).read_bytes()
    specs = [
        EpisodeSpec(guid=f"local-{number}", body=body) for number in range(episodes)
    ]
    try:
        server = FeedServer(specs, port=port)
    except OSError as error:
        raise StackUsageError(f"--port {port}: {error.strerror}") from error
    print(f"serving {server.feed_url} ({episodes} episodes); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _execute(arguments: argparse.Namespace) -> int:
    layout = StackLayout(root=arguments.root.resolve(), project=PROJECT_DIR)
    if arguments.command == "up":
        services = lifecycle.up(layout, os.environ, timeout=arguments.timeout)
        _print_services(services, arguments.format)
        return 0
    if arguments.command == "status":
        services = lifecycle.status(layout)
        _print_services(services, arguments.format)
        return 0 if all(service.healthy for service in services) else 1
    if arguments.command == "run":
        conf = runs.run_conf(
            arguments.feed,
            arguments.max_episodes,
            transcribe=not arguments.no_transcribe,
        )
        outcome = runs.trigger_and_wait(layout, conf, timeout=arguments.timeout)
        _print_run(outcome, arguments.format)
        return 0 if outcome.succeeded else 1
    if arguments.command == "feed":
        _serve_feed(arguments.audio, arguments.episodes, arguments.port)
        return 0
    stopped = lifecycle.down(layout)
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    arguments = build_parser().parse_args(argv)
    try:
        _configure_logging(arguments.log_level, arguments.log_file)
        return _execute(arguments)
    except StackError as error:
        if arguments.log_level == "DEBUG":
            logging.getLogger(__name__).exception("%s failed", arguments.command)
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # the reader (`| head`) closed the pipe: not our failure
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr)
        return 1
