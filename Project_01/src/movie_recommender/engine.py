"""Answer search and recommend requests against one loaded index (pure, no I/O)."""

import re
from dataclasses import dataclass
from typing import Any

from movie_recommender.algorithms import Recommender, genre_matrix
from movie_recommender.errors import InputError
from movie_recommender.index import MovieIndex
from movie_recommender.matching import TitleMatcher
from movie_recommender.options import (
    ALGORITHMS,
    DEFAULT_MIN_SIMILARITY,
    RecommendOptions,
)

DEFAULT_OPTIONS = RecommendOptions()
_ID_QUERY = re.compile(r"^\s*id\s*:\s*(-?\d+)\s*$", re.IGNORECASE)
_ID_PREFIX = re.compile(r"^\s*id\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class MovieMatch:
    """A catalogue movie found for a query."""

    movie_id: int
    title: str
    genres: str
    year: int
    similarity: float
    ratings: int


@dataclass(frozen=True)
class Recommendation:
    """One recommended movie with its score."""

    movie_id: int
    title: str
    genres: str
    score: float


@dataclass(frozen=True)
class Answer:
    """The answer to one recommend request."""

    query: str
    match: MovieMatch | None
    algorithm: str
    recommendations: list[Recommendation]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: query, match, algorithm, recommendations, note."""
        match = None
        if self.match is not None:
            match = {
                "movieId": self.match.movie_id,
                "title": self.match.title,
                "genres": self.match.genres,
                "similarity": self.match.similarity,
            }
        return {
            "query": self.query,
            "match": match,
            "algorithm": self.algorithm,
            "recommendations": [
                {
                    "movieId": rec.movie_id,
                    "title": rec.title,
                    "genres": rec.genres,
                    "score": rec.score,
                }
                for rec in self.recommendations
            ],
            "note": self.note,
        }


class Engine:
    """Search titles and recommend movies for one data set."""

    def __init__(self, index: MovieIndex) -> None:
        """Prepare the matcher and the recommender (cheap: no refitting)."""
        self.index = index
        self._matcher = TitleMatcher(
            index.title_vectors, index.years, index.rating_counts
        )
        self.recommender = Recommender(
            index.by_user, index.by_item, genre_matrix(index.genres), index.view_counts
        )

    def _match(self, item: int, similarity: float) -> MovieMatch:
        return MovieMatch(
            movie_id=int(self.index.movie_ids[item]),
            title=self.index.titles[item],
            genres=self.index.genres[item],
            year=int(self.index.years[item]),
            similarity=round(similarity, 4),
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
            InputError: on an empty query, unknown movieId or algorithm, limit < 1.
        """
        algorithm, limit = options.algorithm, options.limit
        check_limit(limit)
        if algorithm not in ALGORITHMS:
            raise InputError(
                f"unknown algorithm {algorithm!r}: use one of {ALGORITHMS}"
            )
        if movie_id is not None:
            match = self.by_id(movie_id)
            query = f"id:{movie_id}" if query is None else query
        else:
            query = query or ""
            found = self.search(query, 1, options.min_similarity)
            if not found:
                note = f"no movie title matches {query!r} well enough"
                return Answer(query, None, algorithm, [], note)
            match = found[0]
        seed = self.index.item_of(match.movie_id)
        scores = self.recommender.recommend(seed, algorithm, options.settings, limit)
        recommendations = [
            Recommendation(
                movie_id=int(self.index.movie_ids[item]),
                title=self.index.titles[item],
                genres=self.index.genres[item],
                score=round(float(score), 6),
            )
            for item, score in zip(scores.items, scores.scores, strict=True)
        ]
        return Answer(query, match, algorithm, recommendations, scores.note)

    def answer_line(
        self, line: str, options: RecommendOptions = DEFAULT_OPTIONS
    ) -> Answer:
        """Answer one batch line: a title, or ``id:<movieId>``."""
        by_id = _ID_QUERY.match(line)
        if by_id:
            return self.recommend(line.strip(), int(by_id.group(1)), options)
        if _ID_PREFIX.match(line):
            raise InputError(f"not a movieId: {line.strip()!r} (write id:<movieId>)")
        return self.recommend(line.strip(), None, options)


def check_limit(limit: int) -> None:
    """Refuse a result limit below 1.

    Raises:
        InputError: when ``limit < 1``.
    """
    if limit < 1:
        raise InputError(f"--limit must be at least 1 (got {limit})")
