"""The commands behind the CLI: open the data once, answer, hand back text."""

import logging
from collections.abc import Iterator
from pathlib import Path

from movie_recommender.cache_admin import cache_entries, clear_cache
from movie_recommender.download import download_dataset
from movie_recommender.engine import Engine, check_limit
from movie_recommender.errors import InputError
from movie_recommender.evaluate import evaluate
from movie_recommender.options import (
    DataOptions,
    DownloadRequest,
    RecommendOptions,
    Settings,
)
from movie_recommender.render import (
    dumps,
    render_answer,
    render_cache,
    render_download,
    render_evaluation,
    render_matches,
)
from movie_recommender.store import open_index

logger = logging.getLogger(__name__)


def download(request: DownloadRequest, fmt: str = "text") -> str:
    """Download a data set (or reuse it); return its folder as text or JSON."""
    return render_download(request.dataset, download_dataset(request), fmt)


def cache(root: Path, action: str, datasets: bool, fmt: str) -> str:
    """Show what the cache holds, or clear it (``datasets``: downloads too)."""
    if action == "clear":
        return render_cache(root, clear_cache(root, datasets=datasets), action, fmt)
    if datasets:
        raise InputError("--datasets goes with `cache clear`")
    return render_cache(root, cache_entries(root), action, fmt)


def _engine(data: DataOptions) -> Engine:
    return Engine(open_index(data.data_dir, data.index_dir, rebuild=data.rebuild))


def search(
    data: DataOptions, query: str, limit: int, min_similarity: float, fmt: str
) -> str:
    """Rank catalogue titles against ``query``."""
    if not query.strip():
        raise InputError("the query is empty: type (part of) a movie title")
    check_limit(limit)
    matches = _engine(data).search(query, limit, min_similarity)
    return render_matches(query, matches, fmt)


def recommend(
    data: DataOptions,
    query: str | None,
    movie_id: int | None,
    options: RecommendOptions,
    fmt: str,
) -> str:
    """Recommend for one movie given by title or movieId."""
    if movie_id is None and not (query or "").strip():
        raise InputError("the query is empty: type a title or pass --movie-id")
    check_limit(options.limit)
    answer = _engine(data).recommend(query, movie_id, options)
    return render_answer(answer, fmt)


def _queries(batch_file: Path) -> list[str]:
    try:
        lines = batch_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the batch file {batch_file}: {error}") from error
    return [line.strip() for line in lines if line.strip()]


def recommend_batch(
    data: DataOptions, batch_file: Path, options: RecommendOptions
) -> Iterator[str]:
    """Yield one JSON line per query of ``batch_file`` (data loaded once).

    A line that cannot be answered (unknown movieId...) yields an object with an
    ``error`` field instead of stopping the batch.
    """
    queries = _queries(batch_file)
    check_limit(options.limit)
    engine = _engine(data)
    for line in queries:
        try:
            answer = engine.answer_line(line, options)
        except InputError as error:
            yield dumps({"query": line, "error": str(error)})
        else:
            yield dumps(answer.to_dict())


def run_evaluation(
    data: DataOptions, k: int, seeds: tuple[int, ...], settings: Settings, fmt: str
) -> str:
    """Hit rate@k of every algorithm and the popularity baseline, as a table."""
    if k < 1:
        raise InputError(f"--k must be at least 1 (got {k})")
    if not seeds:
        raise InputError("--repeats must be at least 1")
    index = open_index(data.data_dir, data.index_dir, rebuild=data.rebuild)
    evaluation = evaluate(index.by_user, index.genres, k, seeds, settings)
    return render_evaluation(evaluation, fmt)
