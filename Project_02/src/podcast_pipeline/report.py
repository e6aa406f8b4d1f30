"""Render results as text or strict JSON (pure functions, the CLI's only output)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from podcast_pipeline.runner import RunSummary

if TYPE_CHECKING:
    from podcast_pipeline.steps.transcripts import TranscribeReport
    from podcast_pipeline.transcription import Transcript


def to_json(value: object) -> str:
    """Strict JSON (no NaN/Infinity), full precision, dataclasses as objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)


_TABLE_COLUMNS = (
    ("id", 4),
    ("published", 10),
    ("status", 11),
    ("MB", 6),
    ("transcript", 10),
    ("title", 40),
)


def episode_status(row: dict[str, Any]) -> str:
    """The status shown for an episode: its download status, or the transcript's."""
    if row.get("transcript") is not None:
        return "transcribed"
    return str(row["download_status"])


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def episodes_table(rows: Sequence[dict[str, Any]]) -> str:
    """A fixed-width table of episodes, newest first, with a count line."""
    header = "  ".join(name.ljust(width) for name, width in _TABLE_COLUMNS).rstrip()
    lines = [header, "  ".join("-" * width for _, width in _TABLE_COLUMNS)]
    for row in rows:
        size = row.get("file_bytes")
        if row.get("transcript") is not None:
            transcript = f"{len(row['transcript'].split())} words"
        else:
            transcript = "error" if row.get("transcript_error") else "-"
        cells = (
            str(row["id"]),
            (row.get("published_at") or "")[:10],
            episode_status(row),
            f"{size / 1e6:.1f}" if size else "-",
            transcript,
            row["title"],
        )
        lines.append(
            "  ".join(
                _shorten(cell, width).ljust(width)
                for cell, (_, width) in zip(cells, _TABLE_COLUMNS, strict=True)
            ).rstrip()
        )
        if row.get("download_error") and row["download_status"] != "downloaded":
            lines.append(f"      error: {_shorten(row['download_error'], 100)}")
    lines.append(f"{len(rows)} episodes")
    return "\n".join(lines)


def episodes_json(rows: Sequence[dict[str, Any]]) -> str:
    """The episodes as a JSON array (every stored column plus ``status``)."""
    return to_json([{**row, "status": episode_status(row)} for row in rows])


def render_episodes(rows: Sequence[dict[str, Any]], output_format: str) -> str:
    """``episodes`` output: ``table`` or ``json``."""
    return episodes_json(rows) if output_format == "json" else episodes_table(rows)


def run_summary_text(summary: RunSummary) -> str:
    """The lines printed at the end of ``podcast-pipeline run``."""
    fetched, downloads = summary.fetched, summary.downloads
    lines = [
        f"feeds: {len(fetched.done)} fetched ({fetched.unchanged} unchanged, "
        f"{fetched.bytes_received} bytes), {len(summary.feed_failures)} failed; "
        f"{summary.stored.new_episodes} new episodes stored",
        f"downloads: {downloads.downloaded} of {downloads.attempted} downloaded, "
        f"{downloads.failed} failed, {downloads.refused} refused; "
        f"{downloads.bytes_transferred / 1e6:.1f} MB in {downloads.seconds:.1f} s",
    ]
    if summary.transcripts is not None:
        transcripts = summary.transcripts
        lines.append(
            f"transcripts: {transcripts.transcribed} of {transcripts.attempted} "
            f"transcribed{_from_publisher(transcripts)}, {transcripts.failed} failed, "
            f"{transcripts.refused} refused"
        )
    lines.extend(
        f"failed feed {url}: {message}" for url, message in summary.feed_failures
    )
    lines.extend(
        f"failed download {title!r}: {message}" for title, message in downloads.failures
    )
    if summary.transcripts is not None:
        lines.extend(
            f"failed transcript {title!r}: {message}"
            for title, message in summary.transcripts.failures
        )
    return "\n".join(lines)


def _from_publisher(report: TranscribeReport) -> str:
    if not report.from_publisher:
        return ""
    return f" ({report.from_publisher} from the publisher)"


def render_run_summary(summary: RunSummary, output_format: str) -> str:
    """``run`` output: ``text`` or ``json``."""
    if output_format != "json":
        return run_summary_text(summary)
    return to_json(summary)


def render_transcribe_report(report: TranscribeReport, output_format: str) -> str:
    """``transcribe`` output: ``text`` or ``json``."""
    if output_format == "json":
        return to_json(report)
    return (
        f"transcripts: {report.transcribed} of {report.attempted} transcribed"
        f"{_from_publisher(report)}, {report.failed} failed, {report.refused} refused; "
        f"{report.audio_seconds:.1f} s of audio in "
        f"{report.processing_seconds:.1f} s"
    )


def render_transcript(transcript: Transcript, output_format: str) -> str:
    """``transcribe-file`` output: the text, or every field as ``json``."""
    if output_format == "json":
        return to_json(transcript)
    return transcript.text
