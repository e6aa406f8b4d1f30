"""Turn results into text: aligned tables for people, JSON for programs."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from movie_recommender.cache_admin import CacheEntry
from movie_recommender.engine import Answer, MovieMatch
from movie_recommender.evaluate import Evaluation


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
        found = [
            {
                "movieId": m.movie_id,
                "title": m.title,
                "genres": m.genres,
                "year": m.year,
                "similarity": m.similarity,
                "ratings": m.ratings,
            }
            for m in matches
        ]
        return dumps({"query": query, "matches": found})
    if not matches:
        return f"no movie title matches {query!r} well enough"
    rows = [
        [m.movie_id, m.title, f"{m.similarity:.3f}", m.year or "-", m.ratings, m.genres]
        for m in matches
    ]
    return table(["movieId", "title", "similarity", "year", "ratings", "genres"], rows)


def render_answer(answer: Answer, fmt: str) -> str:
    """One recommend answer as a table or as one JSON object."""
    if fmt == "json":
        return dumps(answer.to_dict())
    if answer.match is None:
        return answer.note
    match = answer.match
    lines = [
        f"match: {match.title} (movieId {match.movie_id}, similarity "
        f"{match.similarity:.3f}, {match.ratings} ratings) - "
        f"algorithm {answer.algorithm}"
    ]
    if not answer.recommendations:
        lines.append(f"no recommendations: {answer.note}")
        return "\n".join(lines)
    rows = [
        [rank, rec.movie_id, rec.title, f"{rec.score:.4f}", rec.genres]
        for rank, rec in enumerate(answer.recommendations, start=1)
    ]
    lines.append(table(["#", "movieId", "title", "score", "genres"], rows))
    return "\n".join(lines)


def render_evaluation(evaluation: Evaluation, fmt: str) -> str:
    """Hit rate@k per algorithm and per random seed, with the mean."""
    if fmt == "json":
        return dumps(asdict(evaluation))
    header = [
        "algorithm",
        *[f"seed {seed}" for seed in evaluation.random_seeds],
        "mean",
        "vs popularity",
    ]
    baseline = evaluation.mean("popularity")
    rows = []
    for name, rates in sorted(
        evaluation.hit_rates.items(), key=lambda item: -evaluation.mean(item[0])
    ):
        mean = evaluation.mean(name)
        ratio = f"{mean / baseline:.2f}x" if baseline else "-"
        rows.append([name, *[f"{rate:.4f}" for rate in rates], f"{mean:.4f}", ratio])
    users = ", ".join(str(count) for count in evaluation.users)
    title = f"hit rate@{evaluation.k} (users per seed: {users})"
    return title + "\n" + table(header, rows)


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
