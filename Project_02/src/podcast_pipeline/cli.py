"""The ``podcast-pipeline`` command: parse, configure logging, call, print, exit."""

# Commands import their library modules when they run, so --help stays fast.
# ruff: noqa: PLC0415
# pylint: disable=import-outside-toplevel

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from podcast_pipeline.errors import PodcastPipelineError

logger = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ENGINE_CHOICES = ("pocketsphinx", "vosk")


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine", choices=ENGINE_CHOICES, default="pocketsphinx", help="speech engine"
    )
    parser.add_argument(
        "--model-dir", type=Path, help="model directory (engines that need one: vosk)"
    )


def _add_db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="data directory (default: $PODCAST_DATA_DIR)"
    )
    parser.add_argument(
        "--db", type=Path, help="SQLite database (default: DATA_DIR/podcasts.db)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    parser = argparse.ArgumentParser(
        prog="podcast-pipeline",
        description="Podcast feeds to SQLite to audio files to transcripts.",
    )
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="logging level (default WARNING)",
    )
    parser.add_argument("--log-file", type=Path, help="log to this file, not stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="fetch feeds, store, download, transcribe")
    run.add_argument(
        "--feed",
        action="extend",
        nargs="+",
        dest="feeds",
        metavar="URL",
        help="feed URL, repeatable (default: $PODCAST_FEEDS or Marketplace)",
    )
    _add_db_options(run)
    run.add_argument(
        "--max-episodes",
        type=int,
        help="most downloads, newest first (default: $PODCAST_MAX_EPISODES or 5)",
    )
    run.add_argument("--workers", type=int, default=4, help="concurrent downloads")
    run.add_argument(
        "--no-transcribe", action="store_true", help="skip the transcription step"
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_engine_options(run)

    episodes = commands.add_parser("episodes", help="list stored episodes")
    _add_db_options(episodes)
    episodes.add_argument("--format", choices=("table", "json"), default="table")

    transcribe = commands.add_parser(
        "transcribe", help="transcribe downloaded, untranscribed episodes"
    )
    _add_db_options(transcribe)
    _add_engine_options(transcribe)
    transcribe.add_argument("--workers", type=int, help="processes (default: CPUs)")

    transcribe_file = commands.add_parser(
        "transcribe-file", help="print the transcript of one audio file"
    )
    transcribe_file.add_argument("audio", type=Path, metavar="AUDIO")
    _add_engine_options(transcribe_file)
    return parser


def _configure_logging(level: str, log_file: Path | None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _settings(args: argparse.Namespace) -> object:
    from podcast_pipeline.config import build_settings

    return build_settings(
        os.environ,
        feeds=tuple(args.feeds) if getattr(args, "feeds", None) else None,
        data_dir=args.data_dir,
        db_path=args.db,
        max_episodes=getattr(args, "max_episodes", None),
        workers=getattr(args, "workers", None) or 4,
    )


def _command_run(args: argparse.Namespace) -> int:
    from podcast_pipeline.config import Settings
    from podcast_pipeline.progress import TqdmProgress
    from podcast_pipeline.report import run_summary_text
    from podcast_pipeline.runner import TranscribeOptions, run_pipeline

    settings = _settings(args)
    assert isinstance(settings, Settings)  # noqa: S101  (narrowing for mypy)
    summary = run_pipeline(
        settings,
        transcribe=TranscribeOptions(
            enabled=not args.no_transcribe,
            engine=args.engine,
            model_dir=args.model_dir,
        ),
        progress=TqdmProgress(enabled=False if args.no_progress else None),
    )
    print(run_summary_text(summary))
    if summary.feed_failures:
        print(
            f"podcast-pipeline: error: {len(summary.feed_failures)} feed(s) failed",
            file=sys.stderr,
        )
        return 1
    return 0


def _command_episodes(args: argparse.Namespace) -> int:
    from podcast_pipeline.config import Settings
    from podcast_pipeline.errors import InputError
    from podcast_pipeline.report import episodes_json, episodes_table
    from podcast_pipeline.storage import database, list_episodes

    settings = _settings(args)
    assert isinstance(settings, Settings)  # noqa: S101  (narrowing for mypy)
    if not settings.db_path.exists():
        raise InputError(
            f"no database at {settings.db_path} (run `podcast-pipeline run`)"
        )
    with database(settings.db_path) as connection:
        rows = list_episodes(connection)
    print(episodes_json(rows) if args.format == "json" else episodes_table(rows))
    return 0


def _command_transcribe(args: argparse.Namespace) -> int:
    from podcast_pipeline.config import Settings
    from podcast_pipeline.progress import TqdmProgress
    from podcast_pipeline.transcribe_step import transcribe_episodes

    settings = _settings(args)
    assert isinstance(settings, Settings)  # noqa: S101  (narrowing for mypy)
    report = transcribe_episodes(
        settings.db_path,
        engine=args.engine,
        model_dir=args.model_dir,
        workers=args.workers,
        progress=TqdmProgress(),
    )
    print(
        f"transcripts: {report.transcribed} of {report.attempted} transcribed, "
        f"{report.failed} failed; {report.audio_seconds:.1f} s of audio in "
        f"{report.processing_seconds:.1f} s"
    )
    return 1 if report.failed else 0


def _command_transcribe_file(args: argparse.Namespace) -> int:
    from podcast_pipeline.transcription import transcribe_file

    transcript = transcribe_file(
        args.audio, engine=args.engine, model_dir=args.model_dir
    )
    print(transcript.text)
    return 0


COMMANDS = {
    "run": _command_run,
    "episodes": _command_episodes,
    "transcribe": _command_transcribe,
    "transcribe-file": _command_transcribe_file,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_level, args.log_file)
    try:
        return COMMANDS[args.command](args)
    except PodcastPipelineError as error:
        if args.log_level == "DEBUG":
            logger.exception("%s failed", args.command)
        print(f"podcast-pipeline: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("podcast-pipeline: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): silence the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
