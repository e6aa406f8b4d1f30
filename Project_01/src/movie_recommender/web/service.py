"""Answers of the API as JSON bytes, from one engine (thread-safe, no I/O per call)."""

import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from movie_recommender.engine import Answer, Engine, MovieMatch
from movie_recommender.errors import InputError
from movie_recommender.options import ALGORITHMS, RecommendOptions
from movie_recommender.store import history_folder, open_index
from movie_recommender.web.links import ExternalIds, film_links, read_links
from movie_recommender.web.problems import BadRequestError, NotFoundError
from movie_recommender.web.queries import RecommendationQuery, SearchQuery

logger = logging.getLogger(__name__)

LARGEST_ID = (
    2**63 - 1
)  # movieIds are int64: anything beyond is unknown, not an overflow


FAILURE, EMPTY = "failure", "empty"  # why an answer fell back to popularity


@dataclass(frozen=True)
class Rendered:
    """A JSON answer; ``fallback`` is ``failure``, ``empty`` or "" (none)."""

    body: bytes
    fallback: str = ""

    @property
    def cacheable(self) -> bool:
        """A failure may be transient: its fallback answer is not kept."""
        return self.fallback != FAILURE


def to_json(value: dict[str, Any]) -> bytes:
    """Strict JSON (no NaN or Infinity), full precision."""
    return json.dumps(value, allow_nan=False).encode("utf-8")


class Service:
    """Search and recommend for the API, with a popularity fallback."""

    def __init__(self, engine: Engine, links: dict[int, ExternalIds]) -> None:
        """Keep the engine and precompute the popularity fallback list."""
        self.engine = engine
        self._links = links
        counts = engine.index.rating_counts
        # every film, most-rated first (a user may have rated many of the top ones)
        self._popular = np.lexsort((engine.index.movie_ids, -counts))

    @property
    def movies(self) -> int:
        """Number of films in the catalogue."""
        return self.engine.index.n_items

    def warm_up(self) -> None:
        """Read the history model's pages; run each algorithm on a median film.

        The first run of an algorithm builds its views of the ratings; a film of
        median popularity builds them without scoring a blockbuster's fans (up to
        a second of CPU at 24M ratings, which the first request for it pays).
        """
        self.engine.prepare_history()
        index = self.engine.index
        rated = self._popular[index.rating_counts[self._popular] > 0]
        if not rated.size:
            return
        median_film = int(index.movie_ids[rated[rated.size // 2]])
        for algorithm in ALGORITHMS:
            self.engine.recommend(
                None, median_film, RecommendOptions(algorithm, limit=1)
            )

    def _film(self, movie_id: int) -> dict[str, Any]:
        """Year, rating count and links of a film (added to every film object)."""
        index = self.engine.index
        item = index.item_of(movie_id)
        return {
            "year": int(index.years[item]),
            "ratings": int(index.rating_counts[item]),
            "links": film_links(movie_id, self._links.get(movie_id)),
        }

    def _check_known(self, query: RecommendationQuery) -> None:
        """Refuse movieIds and a userId the data set does not have (404)."""
        index = self.engine.index
        lookups: list[tuple[Callable[[int], int], str, int]] = [
            (index.item_of, "movieId", movie) for movie in query.movie_ids
        ]
        if query.user_id is not None:
            lookups.append((index.user_of, "userId", query.user_id))
        for find, name, value in lookups:
            if not 0 <= value <= LARGEST_ID:
                raise NotFoundError(f"unknown {name}: {value}")
            try:
                find(value)
            except InputError as error:
                raise NotFoundError(str(error)) from error

    def search(self, query: SearchQuery) -> Rendered:
        """The matching films, best first (``matches`` is empty when none is close)."""
        found = self.engine.search(query.title, query.limit)
        matches = [
            {
                "movieId": match.movie_id,
                "title": match.title,
                "genres": match.genres,
                "similarity": match.similarity,
                **self._film(match.movie_id),
            }
            for match in found
        ]
        return Rendered(to_json({"query": query.title, "matches": matches}))

    def recommend(self, query: RecommendationQuery) -> Rendered:
        """The same object as ``recommend --format json``, plus ``fallback``.

        When the algorithm fails for this seed (an exception, a non-finite score)
        or finds nothing, the answer is the most-rated films instead, flagged with
        ``"fallback": true`` and a note saying why.

        Raises:
            NotFoundError: for an unknown movieId or userId.
            BadRequestError: for input the engine refuses (an algorithm that
                takes one film, given several).
        """
        self._check_known(query)
        try:
            options = RecommendOptions(algorithm=query.algorithm, limit=query.limit)
            answer = self._answer(query, options).to_dict()
        except InputError as error:
            raise BadRequestError(str(error)) from error
        # one seed's failure must not be a 500
        except Exception as error:  # pylint: disable=broad-exception-caught
            algorithm = options.algorithm_for(query.seed_films)
            logger.warning(
                "%s failed for %s; answering with the most-rated films",
                algorithm,
                query,
                exc_info=True,
            )
            reason = f"the {algorithm} algorithm failed ({type(error).__name__})"
            return self._popular_answer(query, reason, FAILURE)
        seeded = answer["matches"] or answer["user"] is not None
        if seeded and not answer["recommendations"]:
            reason = answer["note"] or "no recommendations"
            return self._popular_answer(query, reason, EMPTY)
        self._decorate(answer)
        return Rendered(to_json({**answer, "fallback": False}))

    def _answer(self, query: RecommendationQuery, options: RecommendOptions) -> Answer:
        if query.user_id is not None:
            return self.engine.recommend_user(query.user_id, options)
        if query.movie_ids:
            return self.engine.recommend_movies(query.movie_ids, options)
        return self.engine.recommend(query.title, None, options)

    def _decorate(self, answer: dict[str, Any]) -> None:
        """Add year, rating count and links to every film of an answer."""
        films = [*answer["matches"], *answer["recommendations"]]
        if answer["match"] is not None:
            films.append(answer["match"])
        for film in films:
            film.update(self._film(film["movieId"]))

    def _seed(self, query: RecommendationQuery) -> tuple[str, list[MovieMatch]]:
        """The query text and seed films of a fallback answer."""
        if query.user_id is not None:
            return f"user:{query.user_id}", []
        if query.movie_ids:
            matches = [self.engine.by_id(movie_id) for movie_id in query.movie_ids]
            return "id:" + ",".join(map(str, query.movie_ids)), matches
        text = query.title or ""
        return text, self.engine.search(text, 1)

    def _excluded(
        self, query: RecommendationQuery, matches: list[MovieMatch]
    ) -> set[int]:
        """Films a fallback must not offer: the seeds, or what the user rated."""
        if query.user_id is None:
            return {match.movie_id for match in matches}
        by_user = self.engine.index.by_user
        row = self.engine.index.user_of(query.user_id)
        rated = by_user.indices[by_user.indptr[row] : by_user.indptr[row + 1]]
        return {int(movie_id) for movie_id in self.engine.index.movie_ids[rated]}

    def _popular_answer(
        self, query: RecommendationQuery, reason: str, kind: str
    ) -> Rendered:
        """The most-rated films but the seeds (or the user's), flagged as a fallback."""
        text, matches = self._seed(query)
        excluded = self._excluded(query, matches)
        index = self.engine.index
        fresh = (
            item for item in self._popular if int(index.movie_ids[item]) not in excluded
        )
        films = [
            {
                "movieId": int(index.movie_ids[item]),
                "title": index.titles[item],
                "genres": index.genres[item],
                "score": float(index.rating_counts[item]),
            }
            for item in itertools.islice(fresh, query.limit)
        ]
        user = None
        if query.user_id is not None:
            user = {"userId": query.user_id, "ratings": len(excluded)}
        seeds = [match.to_dict() for match in matches]
        answer = {
            "query": text,
            "match": seeds[0] if seeds else None,
            "matches": seeds,
            "user": user,
            "algorithm": "popularity",
            "recommendations": films,
            "note": f"{reason}; showing the most-rated films instead",
        }
        self._decorate(answer)
        return Rendered(to_json({**answer, "fallback": True}), fallback=kind)


def prepare_data(data_dir: Path, index_root: Path, *, rebuild: bool = False) -> None:
    """Build (or check) the cached index and history model once, before the workers.

    Workers then only map what is cached: they never build or fit, and they share
    the pages of the same files.

    Raises:
        InputError: when the data files (or ``links.csv``) are missing or invalid.
    """
    index = open_index(data_dir, index_root, rebuild=rebuild)
    read_links(data_dir)
    Engine(index, history_folder(data_dir, index_root)).prepare_history()


def load_service(data_dir: Path, index_root: Path) -> Service:
    """Map the cached index and history model, read the links, warm up once.

    The warm-up builds each algorithm's lazily computed views before the service
    says it is ready, so that no request pays for them.

    Raises:
        InputError: when the data files are missing or invalid.
    """
    engine = Engine(
        open_index(data_dir, index_root), history_folder(data_dir, index_root)
    )
    service = Service(engine, read_links(data_dir))
    service.warm_up()
    return service
