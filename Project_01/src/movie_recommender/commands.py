"""The commands behind the CLI: open the data once, answer, hand back text."""

import logging
from collections.abc import Iterator
from pathlib import Path

from movie_recommender.cache_admin import cache_entries, clear_cache
from movie_recommender.data_files import dataset_files
from movie_recommender.download import download_dataset
from movie_recommender.engine import Engine, is_history_line
from movie_recommender.errors import InputError
from movie_recommender.options import (
    DataOptions,
    DownloadRequest,
    EvaluateOptions,
    RecommendOptions,
    SearchOptions,
    Seeds,
)
from movie_recommender.render import (
    dumps,
    render_answer,
    render_cache,
    render_download,
    render_evaluation,
    render_matches,
)
from movie_recommender.store import history_folder, open_index

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
    index = open_index(data.data_dir, data.index_dir, rebuild=data.rebuild)
    return Engine(index, history_folder(data.data_dir, data.index_dir))


def search(data: DataOptions, query: str, options: SearchOptions, fmt: str) -> str:
    """Rank catalogue titles against ``query``."""
    if not query.strip():
        raise InputError("the query is empty: type (part of) a movie title")
    matches = _engine(data).search(query, options.limit, options.min_similarity)
    return render_matches(query, matches, fmt)


def recommend(
    data: DataOptions, seeds: Seeds, options: RecommendOptions, fmt: str
) -> str:
    """Recommend for one or several films (titles or movieIds) or a user."""
    engine = _engine(data)
    if seeds.user_id is not None:
        answer = engine.recommend_user(seeds.user_id, options)
    elif seeds.movie_ids:
        answer = engine.recommend_movies(seeds.movie_ids, options)
    else:
        answer = engine.recommend_titles(seeds.titles, options)
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
    engine = _engine(data)
    if any(is_history_line(line) for line in queries):
        engine.prepare_history()
    for line in queries:
        try:
            answer = engine.answer_line(line, options)
        except InputError as error:
            yield dumps({"query": line, "error": str(error)})
        else:
            yield dumps(answer.to_dict())


def run_evaluation(data: DataOptions, options: EvaluateOptions, fmt: str) -> str:
    """Every protocol's and task's figures, as tables or JSON.

    The ratings are read again with their timestamps (the index keeps none).
    """
    # pandas and implicit are imported only here (and pandas to build an index)
    from movie_recommender.data import read_movies, read_ratings  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
    from movie_recommender.evaluate import evaluate  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
    from movie_recommender.splits import rating_log  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    movies_path, ratings_path = dataset_files(data.data_dir)
    movies = read_movies(movies_path)
    log = rating_log(movies, read_ratings(ratings_path, with_times=True))
    return render_evaluation(evaluate(log, movies.genres, options), fmt)
