"""The ``podcast-pipeline`` command: parse, configure logging, call, print, exit.

The CLI convention of ../CONTRIBUTING.md: ``--log-level``/``--log-file`` before or
after the subcommand, every error one line ``podcast-pipeline: error: ...``,
exit 0 ok / 1 runtime failure / 2 bad usage or input, ``--format`` on every
command that prints a result.
"""

# Commands import their library modules when they run, so --help stays fast.
# ruff: noqa: PLC0415
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from podcast_pipeline.errors import InputError, PodcastPipelineError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from podcast_pipeline.config import Settings

logger = logging.getLogger(__name__)

PROG = "podcast-pipeline"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LOG_LEVEL = "WARNING"
ENGINE_CHOICES = ("pocketsphinx", "vosk")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print ``podcast-pipeline: error: MESSAGE`` and exit 2 (no usage block)."""
        self.exit(2, f"{PROG}: error: {message}\n")


def _int_at_least(minimum: int, what: str) -> Callable[[str], int]:
    """An argparse ``type`` accepting whole numbers from ``minimum`` up."""

    def parse(text: str) -> int:
        digits = text.strip().removeprefix("+")
        if not digits.isdigit() or int(digits) < minimum:
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return int(digits)

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_non_negative_int = _int_at_least(0, "a non-negative integer")


def _logging_options(*, on_subcommand: bool) -> _Parser:
    """The logging options, shared by the main parser and every subcommand.

    On subcommands their defaults are SUPPRESS, so a value given before the
    subcommand is not overwritten by the subcommand's default.
    """
    options = _Parser(add_help=False)
    options.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=argparse.SUPPRESS if on_subcommand else DEFAULT_LOG_LEVEL,
        help=f"logging level (default {DEFAULT_LOG_LEVEL})",
    )
    options.add_argument(
        "--log-file",
        type=Path,
        default=argparse.SUPPRESS if on_subcommand else None,
        help="append the log to this file instead of stderr (its folder must exist)",
    )
    return options


def _add_format(parser: argparse.ArgumentParser, human: str) -> None:
    parser.add_argument(
        "--format",
        choices=(human, "json"),
        default=human,
        help=f"output format (default {human})",
    )


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", choices=ENGINE_CHOICES, default="pocketsphinx", help="speech engine"
    )
    parser.add_argument(
        "--model-dir", type=Path, help="model directory (engines that need one: vosk)"
    )


def _add_own_transcripts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--own-transcripts",
        action="store_true",
        help="run speech-to-text even where the feed offers the publisher's "
        "transcript (<podcast:transcript>, stored by default)",
    )


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="data directory (default: $PODCAST_DATA_DIR)"
    )
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="episode store: a SQLite file or a SQLAlchemy URL such as "
        "postgresql+psycopg://user:password@host/db (default: $PODCAST_DB, "
        "else DATA_DIR/podcasts.db)",
    )


def _add_workers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=_positive_int,
        help="episodes worked on at once in each step: download threads and "
        "transcription processes (default: 4 downloads, one transcription per CPU)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    parser = _Parser(
        prog=PROG,
        description="Podcast feeds to a database to audio files to transcripts.",
        parents=[_logging_options(on_subcommand=False)],
    )
    shared = [_logging_options(on_subcommand=True)]
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", parents=shared, help="fetch feeds, store, download, transcribe"
    )
    run.add_argument(
        "--feed",
        action="extend",
        nargs="+",
        dest="feeds",
        metavar="URL",
        help="feed URL, repeatable (default: $PODCAST_FEEDS or Marketplace)",
    )
    _add_store_options(run)
    run.add_argument(
        "--max-episodes",
        type=_non_negative_int,
        help="most downloads per run (default: $PODCAST_MAX_EPISODES or 5)",
    )
    _add_workers(run)
    run.add_argument(
        "--file-time-limit",
        type=_positive_int,
        metavar="SECONDS",
        help="wall-time limit per audio file, retries included (default 1800)",
    )
    run.add_argument(
        "--no-transcribe", action="store_true", help="skip the transcription step"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_engine_options(run)
    _add_own_transcripts(run)
    _add_format(run, "text")

    episodes = commands.add_parser(
        "episodes", parents=shared, help="list stored episodes"
    )
    _add_store_options(episodes)
    _add_format(episodes, "table")

    transcribe = commands.add_parser(
        "transcribe",
        parents=shared,
        help="transcribe downloaded, untranscribed episodes",
    )
    _add_store_options(transcribe)
    _add_engine_options(transcribe)
    _add_own_transcripts(transcribe)
    _add_workers(transcribe)
    transcribe.add_argument(
        "--no-progress", action="store_true", help="no progress bar"
    )
    _add_format(transcribe, "text")

    requeue = commands.add_parser(
        "requeue",
        parents=shared,
        help="put given-up or refused episodes back in the queue",
    )
    _add_store_options(requeue)
    requeue.add_argument(
        "--feed", action="extend", nargs="+", dest="feeds", metavar="URL",
        help="only episodes of these feeds",
    )  # fmt: skip
    requeue.add_argument(
        "--status", action="extend", nargs="+", dest="statuses",
        choices=("gave-up", "refused", "failed"),
        help="only episodes in these states (default: gave-up refused)",
    )  # fmt: skip
    requeue.add_argument(
        "--episode", action="extend", nargs="+", dest="episode_ids",
        type=_positive_int, metavar="ID", help="only these episode ids",
    )  # fmt: skip
    _add_format(requeue, "text")

    transcribe_file = commands.add_parser(
        "transcribe-file", parents=shared, help="print the transcript of one audio file"
    )
    transcribe_file.add_argument("audio", type=Path, metavar="AUDIO")
    _add_engine_options(transcribe_file)
    _add_format(transcribe_file, "text")
    return parser


def _configure_logging(level: str, log_file: Path | None) -> None:
    """Log to stderr, or to ``log_file`` (whose folder must exist).

    Raises:
        InputError: The log file's folder does not exist, or it is a folder.
    """
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        if not log_file.parent.is_dir():
            raise InputError(f"--log-file: folder {log_file.parent} does not exist")
        if log_file.is_dir():
            raise InputError(f"--log-file: {log_file} is a folder")
        handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _settings(args: argparse.Namespace) -> Settings:
    from podcast_pipeline.config import build_settings

    return build_settings(
        os.environ,
        feeds=tuple(args.feeds) if getattr(args, "feeds", None) else None,
        data_dir=args.data_dir,
        store=args.db,
        max_episodes=getattr(args, "max_episodes", None),
        workers=getattr(args, "workers", None),
        file_time_limit=getattr(args, "file_time_limit", None),
    )


@contextmanager
def _opened_store(settings: Settings) -> Iterator[Engine]:
    """The existing store of ``settings``, disposed of afterwards."""
    from podcast_pipeline.store import open_store

    engine = open_store(settings.store, create=False)
    try:
        yield engine
    finally:
        engine.dispose()


def _print_result(text: str) -> None:
    print(text)


def _command_run(args: argparse.Namespace) -> int:
    from podcast_pipeline.progress import TqdmProgress
    from podcast_pipeline.report import render_run_summary
    from podcast_pipeline.runner import TranscribeChoice, run_pipeline

    summary = run_pipeline(
        _settings(args),
        transcribe=TranscribeChoice(
            enabled=not args.no_transcribe,
            engine=args.engine,
            model_dir=args.model_dir,
            own_transcripts=args.own_transcripts,
        ),
        progress=TqdmProgress(enabled=False if args.no_progress else None),
    )
    _print_result(render_run_summary(summary, args.format))
    problems = summary.problems
    if problems:
        print(f"{PROG}: error: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


def _command_episodes(args: argparse.Namespace) -> int:
    from podcast_pipeline.report import render_episodes
    from podcast_pipeline.store import list_episodes

    with _opened_store(_settings(args)) as engine:
        rows = list_episodes(engine)
    _print_result(render_episodes(rows, args.format))
    return 0


def _command_transcribe(args: argparse.Namespace) -> int:
    from podcast_pipeline.progress import TqdmProgress
    from podcast_pipeline.report import render_transcribe_report
    from podcast_pipeline.steps.transcripts import TranscribeOptions, transcribe_due

    settings = _settings(args)
    with _opened_store(settings) as engine:
        report = transcribe_due(
            engine,
            TranscribeOptions(
                engine=args.engine,
                model_dir=args.model_dir,
                workers=settings.workers,
                own_transcripts=args.own_transcripts,
            ),
            TqdmProgress(enabled=False if args.no_progress else None),
        )
    _print_result(render_transcribe_report(report, args.format))
    if report.failed or report.refused:
        failed = report.failed + report.refused
        print(f"{PROG}: error: {failed} transcript(s) failed", file=sys.stderr)
        return 1
    return 0


def _command_requeue(args: argparse.Namespace) -> int:
    from podcast_pipeline.report import to_json
    from podcast_pipeline.store import requeue

    with _opened_store(_settings(args)) as engine:
        result = requeue(
            engine,
            feeds=args.feeds or (),
            statuses=args.statuses or ("gave-up", "refused"),
            episode_ids=args.episode_ids or (),
        )
    _print_result(to_json(result) if args.format == "json" else result.summary())
    return 0


def _command_transcribe_file(args: argparse.Namespace) -> int:
    from podcast_pipeline.report import render_transcript
    from podcast_pipeline.transcription import transcribe_file

    transcript = transcribe_file(
        args.audio, engine=args.engine, model_dir=args.model_dir
    )
    _print_result(render_transcript(transcript, args.format))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _command_run,
    "episodes": _command_episodes,
    "transcribe": _command_transcribe,
    "transcribe-file": _command_transcribe_file,
    "requeue": _command_requeue,
}


def _parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (help: 0, error: 2)."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parse(argv)
    if isinstance(args, int):
        return args
    try:
        _configure_logging(args.log_level, args.log_file)
        return COMMANDS[args.command](args)
    except PodcastPipelineError as error:
        if args.log_level == "DEBUG":
            logger.exception("%s failed", args.command)
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
