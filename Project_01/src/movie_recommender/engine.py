"""Answer search and recommend requests against one loaded index."""

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from movie_recommender.algorithms import Recommender, Scores, genre_matrix
from movie_recommender.answers import Answer, MovieMatch, Recommendation, UserHistory
from movie_recommender.errors import CacheError, InputError
from movie_recommender.history import (
    DEFAULT_BINARY,
    DEFAULT_MIN_RATINGS,
    DEFAULT_REGULARIZATION,
    SEED_WEIGHT,
    HistoryModel,
    fit_history,
    load_history,
    save_history,
)
from movie_recommender.index import MovieIndex
from movie_recommender.matching import TitleMatcher
from movie_recommender.options import (
    DEFAULT_MIN_SIMILARITY,
    EASE,
    FANS,
    HYBRID,
    RecommendOptions,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "Answer",
    "Engine",
    "MovieMatch",
    "Recommendation",
    "UserHistory",
    "check_limit",
    "is_history_line",
]

logger = logging.getLogger(__name__)

DEFAULT_OPTIONS = RecommendOptions()
_ID_QUERY = re.compile(r"^\s*id\s*:\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*$", re.IGNORECASE)
_ID_PREFIX = re.compile(r"^\s*id\s*:", re.IGNORECASE)
_USER_QUERY = re.compile(r"^\s*user\s*:\s*(-?\d+)\s*$", re.IGNORECASE)
_USER_PREFIX = re.compile(r"^\s*user\s*:", re.IGNORECASE)
TOO_RARE_FOR_EASE = (
    "too few ratings for the history model: these are fans' recommendations"
)


class Engine:
    """Search titles and recommend movies for one data set."""

    def __init__(self, index: MovieIndex, history_dir: Path | None = None) -> None:
        """Prepare the matcher and the recommender (cheap: no refitting).

        Args:
            index: the loaded index.
            history_dir: where the history model is cached (fitted in memory at
                the first history request when None).
        """
        self.index = index
        self._matcher = TitleMatcher(
            index.title_vectors, index.years, index.rating_counts
        )
        self.recommender = Recommender(
            index.by_user, index.by_item, genre_matrix(index.genres), index.view_counts
        )
        self._history_dir = history_dir
        self._history: HistoryModel | None = None

    @property
    def history(self) -> HistoryModel:
        """The history model: loaded from its cache, else fitted (and cached)."""
        if self._history is None:
            self._history = self._load_or_fit_history()
        return self._history

    def prepare_history(self) -> None:
        """Load or fit the history model now rather than at the first request.

        The memory-mapped weights are also read once, so that the first requests
        do not wait for the disk (a long-running process: ``--batch``, a service).
        """
        weights = self.history.weights
        for start in range(0, weights.shape[0], 1024):
            weights[start : start + 1024].sum()

    def _history_key(self) -> dict[str, Any]:
        return {
            "min_ratings": DEFAULT_MIN_RATINGS,
            "regularization": DEFAULT_REGULARIZATION,
            "binary": DEFAULT_BINARY,
            "n_users": self.index.n_users,
            "n_items": self.index.n_items,
            "n_ratings": int(self.index.by_user.nnz),
        }

    def _load_or_fit_history(self) -> HistoryModel:
        folder, key = self._history_dir, self._history_key()
        if folder is not None:
            try:
                return load_history(folder, key, self.index.n_items)
            except CacheError as error:
                logger.info("fitting the history model (%s)", error)
        model = fit_history(self.index.by_user)
        if folder is not None:
            try:
                save_history(model, folder, key)
            except OSError as error:
                logger.warning("could not cache the history model: %s", error)
        return model

    def _match(self, item: int, similarity: float) -> MovieMatch:
        return MovieMatch(
            movie_id=int(self.index.movie_ids[item]),
            title=self.index.titles[item],
            genres=self.index.genres[item],
            year=int(self.index.years[item]),
            similarity=similarity,
            ratings=int(self.index.rating_counts[item]),
        )

    def search(
        self, query: str, limit: int = 5, min_similarity: float = DEFAULT_MIN_SIMILARITY
    ) -> list[MovieMatch]:
        """Return up to ``limit`` matching movies, best first (empty: no match).

        Raises:
            InputError: on an empty query or a limit below 1.
        """
        if not query.strip():
            raise InputError("the query is empty: type (part of) a movie title")
        check_limit(limit)
        found = self._matcher.search(query, limit, min_similarity)
        return [self._match(hit.item, hit.similarity) for hit in found]

    def by_id(self, movie_id: int) -> MovieMatch:
        """Return the catalogue entry of a movieId (similarity 1).

        Raises:
            InputError: when the movieId is unknown.
        """
        return self._match(self.index.item_of(movie_id), 1.0)

    def recommend(
        self,
        query: str | None = None,
        movie_id: int | None = None,
        options: RecommendOptions = DEFAULT_OPTIONS,
    ) -> Answer:
        """Find the seed movie (by title or id) and recommend for it.

        Raises:
            InputError: on an empty query or an unknown movieId.
        """
        if movie_id is not None:
            query = f"id:{movie_id}" if query is None else query
            return self.recommend_movies([movie_id], options, query)
        return self.recommend_titles([query or ""], options)

    def recommend_titles(
        self, queries: Sequence[str], options: RecommendOptions = DEFAULT_OPTIONS
    ) -> Answer:
        """Recommend for the films several titles mean (one title: one film).

        A title without a match is named in the note and left out.

        Raises:
            InputError: on an empty title.
        """
        matches, unmatched = [], []
        for query in queries:
            found = self.search(query, 1, options.min_similarity)
            if found:
                matches.append(found[0])
            else:
                unmatched.append(query)
        query = " | ".join(queries)
        note = ", ".join(
            f"no movie title matches {text!r} well enough" for text in unmatched
        )
        if not matches:
            return Answer(query, [], options.algorithm_for(len(queries)), [], note)
        answer = self._recommend_films(query, _unique(matches), options)
        return Answer(
            query, answer.matches, answer.algorithm, answer.recommendations,
            "; ".join(text for text in (note, answer.note) if text),
        )  # fmt: skip

    def recommend_movies(
        self,
        movie_ids: Sequence[int],
        options: RecommendOptions = DEFAULT_OPTIONS,
        query: str | None = None,
    ) -> Answer:
        """Recommend for one or several films given by movieId.

        Raises:
            InputError: when the list is empty or a movieId is unknown.
        """
        if not movie_ids:
            raise InputError("give at least one movieId")
        matches = _unique([self.by_id(movie_id) for movie_id in movie_ids])
        text = query or "id:" + ",".join(str(match.movie_id) for match in matches)
        return self._recommend_films(text, matches, options)

    def recommend_user(
        self, user_id: int, options: RecommendOptions = DEFAULT_OPTIONS
    ) -> Answer:
        """Recommend from a MovieLens user's ratings; nothing they rated comes back.

        Raises:
            InputError: for an unknown userId or an algorithm that takes one film.
        """
        algorithm = _history_algorithm(options, "a user's history")
        row = self.index.user_of(user_id)
        by_user = self.index.by_user
        start, end = int(by_user.indptr[row]), int(by_user.indptr[row + 1])
        rated = by_user.indices[start:end].astype(np.int64)
        weights = self.history.weigh(by_user.data[start:end].astype(np.float64))
        scores = self._history_scores(rated, weights, options.limit)
        return Answer(
            f"user:{user_id}",
            [],
            algorithm,
            self._recommendations(scores),
            scores.note,
            UserHistory(user_id, int(rated.size)),
        )

    def _recommend_films(
        self, query: str, matches: list[MovieMatch], options: RecommendOptions
    ) -> Answer:
        items = np.array(
            [self.index.item_of(m.movie_id) for m in matches], dtype=np.int64
        )
        if len(matches) == 1 and options.algorithm_for(1) != EASE:
            algorithm = options.algorithm_for(1)
            scores = self._one_film(int(items[0]), algorithm, options)
        elif len(matches) == 1 and self._fans_instead(int(items[0]), options):
            algorithm = FANS
            scores = self._one_film(int(items[0]), FANS, options)
            note = "; ".join(text for text in (TOO_RARE_FOR_EASE, scores.note) if text)
            scores = Scores(scores.items, scores.scores, note)
        else:
            algorithm = _history_algorithm(options, "several films")
            weights = np.full(items.size, SEED_WEIGHT)
            scores = self._history_scores(items, weights, options.limit)
        return Answer(
            query, matches, algorithm, self._recommendations(scores), scores.note
        )

    def _fans_instead(self, item: int, options: RecommendOptions) -> bool:
        """Whether the default one-film answer is ``fans``': a film EASE leaves out."""
        return options.algorithm is None and self.history.column_of[item] < 0

    def _one_film(self, item: int, algorithm: str, options: RecommendOptions) -> Scores:
        co_occurrence = (
            self.history.co_occurrence(item) if algorithm == HYBRID else None
        )
        return self.recommender.recommend(
            item, algorithm, options.settings, options.limit, co_occurrence
        )

    def _history_scores(
        self,
        history: npt.NDArray[np.int64],
        weights: npt.NDArray[np.float64],
        limit: int,
    ) -> Scores:
        items, scores = self.history.scores(history, weights)
        fresh = ~np.isin(items, history)
        items, scores = items[fresh], scores[fresh]
        if not np.any(scores):
            return Scores(
                np.zeros(0, dtype=np.int64),
                np.zeros(0),
                "none of these films has enough ratings for the history model",
            )
        return self.recommender.top(items, scores, limit)

    def _recommendations(self, scores: Scores) -> list[Recommendation]:
        return [
            Recommendation(
                movie_id=int(self.index.movie_ids[item]),
                title=self.index.titles[item],
                genres=self.index.genres[item],
                score=float(score),
            )
            for item, score in zip(scores.items, scores.scores, strict=True)
        ]

    def answer_line(
        self, line: str, options: RecommendOptions = DEFAULT_OPTIONS
    ) -> Answer:
        """Answer one batch line: a title, ``id:<movieId>[,<movieId>...]``, ``user:U``.

        Raises:
            InputError: for a malformed ``id:`` or ``user:`` line, or what the
                request itself refuses (unknown ids...).
        """
        text = line.strip()
        by_id = _ID_QUERY.match(text)
        if by_id:
            ids = [int(part) for part in by_id.group(1).split(",")]
            return self.recommend_movies(ids, options, text)
        if _ID_PREFIX.match(text):
            raise InputError(
                f"not a movieId list: {text!r} (write id:<movieId>[,<movieId>...])"
            )
        by_user = _USER_QUERY.match(text)
        if by_user:
            answer = self.recommend_user(int(by_user.group(1)), options)
            return Answer(
                text, answer.matches, answer.algorithm, answer.recommendations,
                answer.note, answer.user,
            )  # fmt: skip
        if _USER_PREFIX.match(text):
            raise InputError(f"not a userId: {text!r} (write user:<userId>)")
        return self.recommend_titles([text], options)


def is_history_line(line: str) -> bool:
    """Tell whether a batch line asks the history model (several ids, or a user)."""
    by_id = _ID_QUERY.match(line)
    return bool(_USER_QUERY.match(line) or (by_id and "," in by_id.group(1)))


def _unique(matches: list[MovieMatch]) -> list[MovieMatch]:
    """The matches without repeats, in their first order."""
    seen: set[int] = set()
    unique = []
    for match in matches:
        if match.movie_id not in seen:
            seen.add(match.movie_id)
            unique.append(match)
    return unique


def _history_algorithm(options: RecommendOptions, what: str) -> str:
    algorithm = options.algorithm_for(0)
    if algorithm != EASE:
        raise InputError(
            f"{algorithm} recommends for one film; {what} need --algorithm {EASE} "
            "(the default)"
        )
    return algorithm


def check_limit(limit: int) -> None:
    """Refuse a result limit below 1.

    Raises:
        InputError: when ``limit < 1``.
    """
    if limit < 1:
        raise InputError(f"--limit must be at least 1 (got {limit})")
