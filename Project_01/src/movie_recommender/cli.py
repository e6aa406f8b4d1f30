"""Command line: ``movie-recs download | search | recommend | evaluate``."""

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from movie_recommender import paths
from movie_recommender.download import BASE_URL_ENV, DATASETS, DEFAULT_BASE_URL
from movie_recommender.errors import InputError, MovieRecsError
from movie_recommender.options import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    DataOptions,
    DownloadRequest,
    RecommendOptions,
    Settings,
)

logger = logging.getLogger("movie_recommender.cli")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        help="MovieLens folder with movies.csv and ratings.csv "
        "(default: $MOVIELENS_DIR, else the downloaded ml-latest-small)",
    )
    common.add_argument(
        "--cache-dir",
        type=Path,
        help="cache root (default: $MOVIE_RECS_CACHE_DIR or ~/.cache/movie-recs)",
    )
    common.add_argument(
        "--rebuild", action="store_true", help="ignore the cached index and rebuild it"
    )
    common.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )
    common.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="default: WARNING",
    )
    common.add_argument(
        "--log-file", type=Path, help="log to this file instead of the console"
    )
    return common


def _algorithm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--algorithm",
        default=DEFAULT_ALGORITHM,
        choices=ALGORITHMS,
        help=f"default: {DEFAULT_ALGORITHM}",
    )
    parser.add_argument(
        "--limit", type=int, default=10, help="number of recommendations (default: 10)"
    )
    parser.add_argument(
        "--min-rating",
        type=float,
        help="fans rated the seed at least this (classic: above it); default 4.0",
    )
    parser.add_argument(
        "--min-share",
        type=float,
        default=0.10,
        help="classic: keep movies liked by more than this share of fans "
        "(default: 0.10)",
    )
    parser.add_argument(
        "--genre-weight",
        type=float,
        default=1.0,
        help="fans: boost for movies sharing the seed's genres (default: 1.0)",
    )
    parser.add_argument(
        "--popularity-exponent",
        type=float,
        default=0.0,
        help="fans: discount of popular movies (default: 0, none)",
    )
    parser.add_argument(
        "--damping",
        type=float,
        default=50.0,
        help="fans: damping of the popularity discount (default: 50)",
    )
    parser.add_argument(
        "--min-similarity",
        type=float,
        default=0.35,
        help="below this title similarity a query has no match (default: 0.35)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``movie-recs``."""
    parser = argparse.ArgumentParser(
        prog="movie-recs",
        description="Find the movie you mean and what people who loved it "
        "also loved (MovieLens).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    common = _common()

    download = commands.add_parser(
        "download",
        parents=[common],
        help="download a MovieLens data set from GroupLens",
    )
    download.add_argument(
        "--dataset",
        default="ml-latest-small",
        choices=DATASETS,
    )
    download.add_argument(
        "--dest", type=Path, help="where to unpack (default: the download cache)"
    )
    download.add_argument(
        "--base-url",
        help="where the zips live "
        "(default: $MOVIELENS_BASE_URL or files.grouplens.org)",
    )
    download.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="network timeout in seconds (default: 30)",
    )
    download.add_argument(
        "--force", action="store_true", help="download again even if present"
    )

    search = commands.add_parser(
        "search", parents=[common], help="find movies by title"
    )
    search.add_argument("query")
    search.add_argument(
        "--limit", type=int, default=5, help="number of matches (default: 5)"
    )
    search.add_argument(
        "--min-similarity",
        type=float,
        default=0.35,
        help="hide weaker matches (default: 0.35)",
    )

    recommend = commands.add_parser(
        "recommend", parents=[common], help="recommend movies for a title or movieId"
    )
    recommend.add_argument("query", nargs="?", help="a movie title, as people type it")
    recommend.add_argument(
        "--movie-id", type=int, help="seed by movieId instead of a title"
    )
    recommend.add_argument(
        "--batch",
        type=Path,
        help="file with one query per line (a title or id:<movieId>); "
        "writes JSON lines",
    )
    _algorithm_options(recommend)

    evaluate = commands.add_parser(
        "evaluate", parents=[common], help="hit rate@k of every algorithm vs popularity"
    )
    evaluate.add_argument("--k", type=int, default=10, help="default: 10")
    evaluate.add_argument(
        "--seed", type=int, default=0, help="first random seed (default: 0)"
    )
    evaluate.add_argument(
        "--repeats",
        type=_positive_int,
        default=1,
        help="number of random splits, seeds seed..seed+repeats-1 (default: 1)",
    )
    _algorithm_options(evaluate)
    return parser


def _configure_logging(level: str, log_file: Path | None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _data_dir(args: argparse.Namespace, cache_root: Path) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    if os.environ.get(paths.DATA_ENV):
        return Path(os.environ[paths.DATA_ENV])
    return cache_root / "datasets" / paths.DEFAULT_DATASET


def _run(args: argparse.Namespace) -> None:
    # imported here so that `--help` stays fast (no numpy, pandas or sklearn)
    from movie_recommender import commands  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    cache_root = args.cache_dir or paths.default_cache_root()
    if args.command == "download":
        request = DownloadRequest(
            dataset=args.dataset,
            dest=args.dest or cache_root / "datasets",
            base_url=args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            timeout=args.timeout,
            force=args.force,
            progress=sys.stderr.isatty(),
        )
        print(commands.download(request))
        return
    data = DataOptions(_data_dir(args, cache_root), cache_root / "index", args.rebuild)
    if args.command == "search":
        print(
            commands.search(
                data, args.query, args.limit, args.min_similarity, args.format
            )
        )
        return
    settings = Settings(
        args.min_rating,
        args.min_share,
        args.genre_weight,
        args.popularity_exponent,
        args.damping,
    )
    if args.command == "evaluate":
        seeds = tuple(range(args.seed, args.seed + args.repeats))
        print(commands.run_evaluation(data, args.k, seeds, settings, args.format))
        return
    given = [args.query is not None, args.movie_id is not None, args.batch is not None]
    if sum(given) > 1:
        raise InputError("give one of QUERY, --movie-id or --batch, not several")
    options = RecommendOptions(
        args.algorithm, args.limit, settings, args.min_similarity
    )
    if args.batch is not None:
        for line in commands.recommend_batch(data, args.batch, options):
            print(line, flush=True)
    else:
        print(commands.recommend(data, args.query, args.movie_id, options, args.format))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``movie-recs``; return the exit code (0 ok, 1 failure, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.log_level, args.log_file)
    try:
        _run(args)
    except BrokenPipeError:
        # the reader of our output went away (`| head`): stop quietly, no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except MovieRecsError as error:
        if args.log_level == "DEBUG":
            logger.exception("failed")
        print(f"movie-recs: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
