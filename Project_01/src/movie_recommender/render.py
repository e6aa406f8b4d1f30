"""Turn results into text: aligned tables for people, JSON for programs."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movie_recommender.answers import Answer, MovieMatch
from movie_recommender.cache_admin import CacheEntry

if TYPE_CHECKING:  # the evaluation's modules load pandas: only `evaluate` needs them
    from movie_recommender.evaluate import Estimate, Evaluation


def dumps(value: Any) -> str:
    """Strict JSON (no NaN or Infinity: a ValueError instead), full-precision floats."""
    return json.dumps(value, allow_nan=False)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned text columns (numbers right-aligned)."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [
        max([len(name)] + [len(row[column]) for row in cells])
        for column, name in enumerate(header)
    ]
    numeric = [
        all(isinstance(row[column], int | float) for row in rows) and bool(rows)
        for column in range(len(header))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join(
        [line(header), line(["-" * width for width in widths])]
        + [line(row) for row in cells]
    )


def render_matches(query: str, matches: list[MovieMatch], fmt: str) -> str:
    """Search results as a table or as JSON."""
    if fmt == "json":
        return dumps({"query": query, "matches": [m.to_dict() for m in matches]})
    if not matches:
        return f"no movie title matches {query!r} well enough"
    rows = [
        [m.movie_id, m.title, f"{m.similarity:.3f}", m.year or "-", m.ratings, m.genres]
        for m in matches
    ]
    return table(["movieId", "title", "similarity", "year", "ratings", "genres"], rows)


def _seed_lines(answer: Answer) -> list[str]:
    if answer.user is not None:
        return [
            f"user {answer.user.user_id} ({answer.user.ratings} ratings, all left out) "
            f"- algorithm {answer.algorithm}"
        ]
    return [
        f"match: {m.title} (movieId {m.movie_id}, similarity {m.similarity:.3f}, "
        f"{m.ratings} ratings)"
        + (f" - algorithm {answer.algorithm}" if number == 0 else "")
        for number, m in enumerate(answer.matches)
    ]


def render_answer(answer: Answer, fmt: str) -> str:
    """One recommend answer as a table or as one JSON object."""
    if fmt == "json":
        return dumps(answer.to_dict())
    if answer.match is None and answer.user is None:
        return answer.note
    lines = _seed_lines(answer)
    if not answer.recommendations:
        lines.append(f"no recommendations: {answer.note}")
        return "\n".join(lines)
    if answer.note:
        lines.append(f"note: {answer.note}")
    rows = [
        [rank, rec.movie_id, rec.title, f"{rec.score:.4f}", rec.genres]
        for rank, rec in enumerate(answer.recommendations, start=1)
    ]
    lines.append(table(["#", "movieId", "title", "score", "genres"], rows))
    return "\n".join(lines)


def _estimate(estimate: "Estimate | None", digits: int = 4) -> str:
    if estimate is None:
        return "-"
    value, low, high = (
        f"{v:.{digits}f}" for v in (estimate.value, estimate.low, estimate.high)
    )
    return f"{value} ({low}-{high})"


def render_evaluation(evaluation: "Evaluation", fmt: str) -> str:
    """One table per protocol and task: every metric with its 95% interval."""
    if fmt == "json":
        return dumps(asdict(evaluation))
    lines = [
        f"{evaluation.group} users; 95% paired bootstrap intervals over users "
        f"({evaluation.bootstrap_samples} resamples) in brackets"
    ]
    for result in evaluation.tasks:
        header = [
            "algorithm", "ndcg@10", f"vs {result.best_peer}", "hit rate@10",
            "recall@20", "coverage", "popularity pct",
        ]  # fmt: skip
        rows = [
            [
                entry.name,
                _estimate(entry.metrics["ndcg@10"]),
                _estimate(entry.ndcg_ratio, 2),
                _estimate(entry.metrics["hit rate@10"], 3),
                _estimate(entry.metrics["recall@20"], 3),
                _estimate(entry.metrics["coverage"], 3),
                _estimate(entry.metrics["popularity percentile"], 1),
            ]
            for entry in result.algorithms
        ]
        lines += [
            "",
            f"{result.protocol}, {result.task} task: {result.users} users",
            table(header, rows),
        ]
    return "\n".join(lines)


def render_download(dataset: str, folder: Path, fmt: str) -> str:
    """Where a downloaded data set lives: its path, or a JSON object."""
    if fmt == "json":
        return dumps({"dataset": dataset, "path": str(folder)})
    return str(folder)


def _mebibytes(size_bytes: int) -> str:
    return f"{size_bytes / 2**20:.1f}"


def render_cache(root: Path, entries: list[CacheEntry], action: str, fmt: str) -> str:
    """The cache's folders (``info``) or those removed (``clear``)."""
    total = sum(entry.size_bytes for entry in entries)
    if fmt == "json":
        listed = [
            {"kind": e.kind, "path": str(e.path), "bytes": e.size_bytes}
            for e in entries
        ]
        key = "removed" if action == "clear" else "entries"
        return dumps({"cache_dir": str(root), key: listed, "bytes": total})
    if action == "clear":
        return f"removed {len(entries)} folders ({_mebibytes(total)} MiB) from {root}"
    if not entries:
        return f"the cache {root} is empty"
    rows = [[e.kind, _mebibytes(e.size_bytes), str(e.path)] for e in entries]
    rows.append(["total", _mebibytes(total), str(root)])
    return table(["kind", "MiB", "folder"], rows)
