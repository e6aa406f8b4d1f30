"""Answers of the API as JSON bytes, from one engine (thread-safe, no I/O per call)."""

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from movie_recommender.engine import Engine
from movie_recommender.errors import InputError
from movie_recommender.options import ALGORITHMS, RecommendOptions
from movie_recommender.store import open_index
from movie_recommender.web.links import ExternalIds, film_links, read_links
from movie_recommender.web.problems import BadRequestError, NotFoundError
from movie_recommender.web.queries import (
    MAX_SEEDS,
    RecommendationQuery,
    SearchQuery,
)
from movie_recommender.web.settings import MAX_LIMIT

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
        order = np.lexsort((engine.index.movie_ids, -counts))
        self._popular = order[: MAX_LIMIT + MAX_SEEDS]

    @property
    def movies(self) -> int:
        """Number of films in the catalogue."""
        return self.engine.index.n_items

    def warm_up(self) -> None:
        """Run every algorithm once, on the most-rated film."""
        if not self._popular.size:
            return
        most_rated = int(self.engine.index.movie_ids[self._popular[0]])
        for algorithm in ALGORITHMS:
            self.engine.recommend(
                None, most_rated, RecommendOptions(algorithm, limit=1)
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

    def _check_known(self, movie_id: int) -> None:
        if not 0 <= movie_id <= LARGEST_ID:
            raise NotFoundError(f"unknown movieId: {movie_id}")
        try:
            self.engine.index.item_of(movie_id)
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

        When the algorithm fails for this film (an exception, a non-finite score)
        or finds nothing, the answer is the most-rated films instead, flagged with
        ``"fallback": true`` and a note saying why.

        Raises:
            NotFoundError: for an unknown movieId.
            BadRequestError: for input the engine refuses.
        """
        for movie_id in query.movie_ids:
            self._check_known(movie_id)
        options = RecommendOptions(algorithm=query.algorithm, limit=query.limit)
        seed = query.movie_ids[0] if query.movie_ids else None
        try:
            answer = self.engine.recommend(query.title, seed, options).to_dict()
            if answer["match"] is not None and not answer["recommendations"]:
                reason = answer["note"] or "no recommendations"
                return self._popular_answer(query, reason, EMPTY)
            self._decorate(answer)
            return Rendered(to_json({**answer, "fallback": False}))
        except InputError as error:
            raise BadRequestError(str(error)) from error
        # one film's failure must not be a 500
        except Exception as error:  # pylint: disable=broad-exception-caught
            logger.warning(
                "%s failed for %s; answering with the most-rated films",
                query.algorithm,
                query,
                exc_info=True,
            )
            reason = f"the {query.algorithm} algorithm failed ({type(error).__name__})"
            return self._popular_answer(query, reason, FAILURE)

    def _decorate(self, answer: dict[str, Any]) -> None:
        if answer["match"] is not None:
            answer["match"].update(self._film(answer["match"]["movieId"]))
        for film in answer["recommendations"]:
            film.update(self._film(film["movieId"]))

    def _popular_answer(
        self, query: RecommendationQuery, reason: str, kind: str
    ) -> Rendered:
        """The most-rated films but the seed, flagged as a fallback."""
        if query.movie_ids:
            match = self.engine.by_id(query.movie_ids[0])
            text = f"id:{query.movie_ids[0]}"
        else:
            text = query.title or ""
            match = self.engine.search(text, 1)[0]
        index = self.engine.index
        films = [
            {
                "movieId": int(index.movie_ids[item]),
                "title": index.titles[item],
                "genres": index.genres[item],
                "score": float(index.rating_counts[item]),
                **self._film(int(index.movie_ids[item])),
            }
            for item in self._popular
            if int(index.movie_ids[item]) != match.movie_id
        ][: query.limit]
        answer = {
            "query": text,
            "match": {
                "movieId": match.movie_id,
                "title": match.title,
                "genres": match.genres,
                "similarity": match.similarity,
                **self._film(match.movie_id),
            },
            "algorithm": "popularity",
            "recommendations": films,
            "note": f"{reason}; showing the most-rated films instead",
            "fallback": True,
        }
        return Rendered(to_json(answer), fallback=kind)


def load_service(data_dir: Path, index_root: Path) -> Service:
    """Map the cached index, read the links, and warm every algorithm up once.

    The warm-up builds each algorithm's lazily computed views before the service
    says it is ready, so that no request pays for them.

    Raises:
        InputError: when the data files are missing or invalid.
    """
    service = Service(Engine(open_index(data_dir, index_root)), read_links(data_dir))
    service.warm_up()
    return service
