"""Command line: ``movie-recs download | search | recommend | evaluate | cache``."""

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

from movie_recommender import paths
from movie_recommender.download import BASE_URL_ENV, DATASETS, DEFAULT_BASE_URL
from movie_recommender.errors import InputError, MovieRecsError
from movie_recommender.logs import DEFAULT_LOG_LEVEL, LOG_LEVELS, configure_logging
from movie_recommender.options import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    HISTORY_ALGORITHM,
    RANGES,
    USER_GROUPS,
    DataOptions,
    DownloadRequest,
    EvaluateOptions,
    RecommendOptions,
    SearchOptions,
    Seeds,
    Settings,
)
from movie_recommender.web.settings import RANGES as SERVE_RANGES
from movie_recommender.web.settings import ServeSettings

PROG = "movie-recs"
INTERRUPTED = 130

logger = logging.getLogger("movie_recommender.cli")


class Interrupted(Exception):  # noqa: N818  (a signal, not an error of ours)
    """SIGTERM or Ctrl-C: unwinds the stack so that temporary folders are removed."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print ``movie-recs: error: <message>`` and exit 2 (no usage block)."""
        self.exit(2, f"{PROG}: error: {message}\n")


def _logging_options(*, top_level: bool) -> _Parser:
    """The logging options, accepted before and after the subcommand.

    Under a subcommand they default to SUPPRESS, so that a value given before the
    subcommand is not overwritten by the subcommand's default.
    """
    options = _Parser(add_help=False)
    options.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=DEFAULT_LOG_LEVEL if top_level else argparse.SUPPRESS,
        help=f"default: {DEFAULT_LOG_LEVEL}",
    )
    options.add_argument(
        "--log-file",
        type=Path,
        default=None if top_level else argparse.SUPPRESS,
        help="log to this file (its folder must exist) instead of the console",
    )
    return options


def _cache_option() -> _Parser:
    options = _Parser(add_help=False)
    options.add_argument(
        "--cache-dir",
        type=Path,
        help=f"cache root (default: ${paths.CACHE_ENV} or ~/.cache/movie-recs)",
    )
    return options


def _data_options() -> _Parser:
    options = _Parser(add_help=False, parents=[_cache_option()])
    options.add_argument(
        "--data-dir",
        type=Path,
        help=f"MovieLens folder with movies.csv and ratings.csv "
        f"(default: ${paths.DATA_ENV}, else the downloaded {paths.DEFAULT_DATASET})",
    )
    options.add_argument(
        "--rebuild", action="store_true", help="ignore the cached index and rebuild it"
    )
    return options


def _format_option(
    parser: argparse.ArgumentParser, human: str = "table", *, batch: bool = False
) -> None:
    parser.add_argument(
        "--format",
        choices=(human, "json"),
        default=None if batch else human,
        help=f"output format (default: {human}"
        + ("; --batch writes JSON lines)" if batch else ")"),
    )


def _add_download(commands: "argparse._SubParsersAction[_Parser]") -> None:
    download = commands.add_parser(
        "download",
        parents=[_logging_options(top_level=False), _cache_option()],
        help="download a MovieLens data set from GroupLens",
    )
    download.add_argument("--dataset", default=paths.DEFAULT_DATASET, choices=DATASETS)
    download.add_argument(
        "--dest", type=Path, help="where to unpack (default: the cache's datasets/)"
    )
    download.add_argument(
        "--base-url",
        help=f"where the zips live (default: ${BASE_URL_ENV} or {DEFAULT_BASE_URL})",
    )
    download.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="network timeout in seconds, above 0 (default: 30)",
    )
    download.add_argument(
        "--force", action="store_true", help="download again even if present"
    )
    _format_option(download, "text")


def _add_search(commands: "argparse._SubParsersAction[_Parser]") -> None:
    search = commands.add_parser(
        "search",
        parents=[_logging_options(top_level=False), _data_options()],
        help="find movies by title",
    )
    search.add_argument("query")
    defaults = SearchOptions()
    search.add_argument(
        "--limit",
        type=int,
        default=defaults.limit,
        help=f"number of matches, {RANGES['limit'].describe()} (default: %(default)s)",
    )
    search.add_argument(
        "--min-similarity",
        type=float,
        default=defaults.min_similarity,
        help=f"hide weaker matches, {RANGES['min_similarity'].describe()} "
        "(default: %(default)s)",
    )
    _format_option(search)


def _settings_options(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    texts = {
        "min_rating": "fans rated the seed at least this (classic: above it)",
        "min_share": "classic: keep movies liked by more than this share of fans",
        "genre_weight": "fans: boost of movies sharing the seed's genres",
        "popularity_exponent": "fans: multiply by (damping / (ratings + damping)) ** "
        "this; negative values favour popular movies",
        "damping": "fans: see --popularity-exponent",
    }
    for name, text in texts.items():
        default = getattr(defaults, name)
        shown = "4.0" if default is None else "%(default)s"
        parser.add_argument(
            RANGES[name].option,
            type=float,
            default=default,
            help=f"{text}, {RANGES[name].describe()} (default: {shown})",
        )


def _add_recommend(commands: "argparse._SubParsersAction[_Parser]") -> None:
    recommend = commands.add_parser(
        "recommend",
        parents=[_logging_options(top_level=False), _data_options()],
        help="recommend movies for films (titles or movieIds) or a user's history",
    )
    recommend.add_argument(
        "queries",
        nargs="*",
        metavar="QUERY",
        help="movie titles, as people type them (several: a taste)",
    )
    recommend.add_argument(
        "--movie-id",
        type=int,
        action="append",
        help="seed by movieId instead of a title (repeat it for several films)",
    )
    recommend.add_argument(
        "--user-id",
        type=int,
        help="recommend from this MovieLens user's ratings (all of them left out)",
    )
    recommend.add_argument(
        "--batch",
        type=Path,
        help="file with one request per line: a title, id:<movieId>[,<movieId>...] "
        "or user:<userId>; writes JSON lines",
    )
    recommend.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        help=f"default: {DEFAULT_ALGORITHM} for one film, {HISTORY_ALGORITHM} for "
        "several films or a user (the others take one film)",
    )
    defaults = RecommendOptions()
    recommend.add_argument(
        "--limit",
        type=int,
        default=defaults.limit,
        help=f"number of recommendations, {RANGES['limit'].describe()} "
        "(default: %(default)s)",
    )
    recommend.add_argument(
        "--min-similarity",
        type=float,
        default=defaults.min_similarity,
        help="below this title similarity a query has no match, "
        f"{RANGES['min_similarity'].describe()} (default: %(default)s)",
    )
    _settings_options(recommend)
    _format_option(recommend, batch=True)


def _add_evaluate(commands: "argparse._SubParsersAction[_Parser]") -> None:
    evaluate = commands.add_parser(
        "evaluate",
        parents=[_logging_options(top_level=False), _data_options()],
        help="NDCG@10, hit rate, recall, coverage and popularity bias of every "
        "algorithm and of implicit's models, held out by time",
    )
    evaluate.add_argument(
        "--users",
        choices=USER_GROUPS,
        default=EvaluateOptions().group,
        help="the users to measure on: the defaults were chosen on the tuning "
        "users, figures are reported on the others (default: %(default)s)",
    )
    _settings_options(evaluate)
    _format_option(evaluate)


def _add_cache(commands: "argparse._SubParsersAction[_Parser]") -> None:
    cache = commands.add_parser(
        "cache",
        parents=[_logging_options(top_level=False), _cache_option()],
        help="show or clear the cache (built indexes, downloaded data sets)",
    )
    cache.add_argument(
        "action",
        choices=("info", "clear"),
        help="info: what the cache holds; clear: remove the built indexes "
        "(rebuilt on demand)",
    )
    cache.add_argument(
        "--datasets",
        action="store_true",
        help="clear: also remove the downloaded data sets",
    )
    _format_option(cache, "text")


def _add_serve(commands: "argparse._SubParsersAction[_Parser]") -> None:
    serve = commands.add_parser(
        "serve",
        parents=[_logging_options(top_level=False), _data_options()],
        help="serve recommendations over HTTP (API, page, metrics)",
    )
    defaults = ServeSettings(Path(), Path())
    serve.add_argument("--host", default=defaults.host, help="default: %(default)s")
    numbers = {
        "port": (int, "TCP port"),
        "workers": (int, "worker processes sharing the memory-mapped index"),
        "max_in_flight": (int, "API requests per worker at once; beyond: 503"),
        "time_budget": (float, "seconds an API request may take; beyond: 503"),
        "threads": (int, "threads per worker computing answers"),
        "cache_mb": (float, "answer cache per worker, MiB (0: none)"),
    }
    for name, (kind, text) in numbers.items():
        low, high = SERVE_RANGES[name]
        serve.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=getattr(defaults, name),
            help=f"{text}, {low:g}-{high:g} (default: %(default)s)",
        )


def build_parser() -> _Parser:
    """Return the argument parser of ``movie-recs``."""
    parser = _Parser(
        prog=PROG,
        description="Find the movie you mean and what people who loved it "
        "also loved (MovieLens).",
        parents=[_logging_options(top_level=True)],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_download(commands)
    _add_search(commands)
    _add_recommend(commands)
    _add_evaluate(commands)
    _add_cache(commands)
    _add_serve(commands)
    return parser


def _data_dir(args: argparse.Namespace, cache_root: Path) -> Path:
    if args.data_dir:
        return Path(args.data_dir)
    if os.environ.get(paths.DATA_ENV):
        return Path(os.environ[paths.DATA_ENV])
    return cache_root / "datasets" / paths.DEFAULT_DATASET


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(
        args.min_rating,
        args.min_share,
        args.genre_weight,
        args.popularity_exponent,
        args.damping,
    )


def _run(args: argparse.Namespace) -> None:
    # imported here so that `--help` stays fast (no numpy, pandas or sklearn)
    from movie_recommender import commands  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    cache_root = args.cache_dir or paths.default_cache_root()
    if args.command == "cache":
        print(commands.cache(cache_root, args.action, args.datasets, args.format))
        return
    if args.command == "download":
        request = DownloadRequest(
            dataset=args.dataset,
            dest=args.dest or cache_root / "datasets",
            base_url=args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            timeout=args.timeout,
            force=args.force,
            progress=sys.stderr.isatty(),
        )
        print(commands.download(request, args.format))
        return
    if args.command == "serve":
        _serve(args, cache_root)
        return
    data = DataOptions(_data_dir(args, cache_root), cache_root / "index", args.rebuild)
    if args.command == "search":
        options = SearchOptions(args.limit, args.min_similarity)
        print(commands.search(data, args.query, options, args.format))
        return
    if args.command == "evaluate":
        evaluation = EvaluateOptions(args.users, _settings(args))
        print(commands.run_evaluation(data, evaluation, args.format))
        return
    _recommend(args, data)


def _serve(args: argparse.Namespace, cache_root: Path) -> None:
    # imported here: FastAPI and uvicorn load only for `serve`
    from movie_recommender.web.server import serve  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    settings = ServeSettings(
        data_dir=_data_dir(args, cache_root),
        index_root=cache_root / "index",
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_in_flight=args.max_in_flight,
        time_budget=args.time_budget,
        threads=args.threads,
        cache_mb=args.cache_mb,
        log_level=args.log_level,
        log_file=args.log_file,
        rebuild=args.rebuild,
    )
    serve(settings, announce=lambda line: print(line, flush=True))


def _recommend(args: argparse.Namespace, data: DataOptions) -> None:
    from movie_recommender import commands  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    options = RecommendOptions(
        args.algorithm, args.limit, _settings(args), args.min_similarity
    )
    if args.batch is not None:
        if args.queries or args.movie_id or args.user_id is not None:
            raise InputError(
                "give titles, --movie-id or --user-id (or --batch), not several"
            )
        if args.format == "table":
            raise InputError("--batch writes JSON lines: use --format json or leave it")
        for line in commands.recommend_batch(data, args.batch, options):
            print(line, flush=True)
        return
    seeds = Seeds(tuple(args.queries), tuple(args.movie_id or ()), args.user_id)
    print(commands.recommend(data, seeds, options, args.format or "table"))


def _interrupt(signal_number: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signal_number).name)


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into an exception, so that ``finally`` blocks clean up.

    Only the main thread may set signal handlers; elsewhere (``main`` called from
    a thread) SIGTERM keeps its current handling.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``movie-recs``; return the exit code (0 ok, 1 failure, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        configure_logging(args.log_level, args.log_file)
        with _terminate_cleanly():
            _run(args)
    except BrokenPipeError:
        # the reader of our output went away (`| head`): stop quietly, no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (KeyboardInterrupt, Interrupted) as error:
        print(f"{PROG}: error: interrupted ({error or 'SIGINT'})", file=sys.stderr)
        return INTERRUPTED
    except MovieRecsError as error:
        if args.log_level == "DEBUG":
            logger.exception("failed")
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
