"""A recommend answer: the films matched, the user, the recommendations."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MovieMatch:
    """A catalogue movie found for a query (or given by its movieId)."""

    movie_id: int
    title: str
    genres: str
    year: int
    similarity: float
    ratings: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of a match, the same in search and recommend."""
        return {
            "movieId": self.movie_id,
            "title": self.title,
            "genres": self.genres,
            "year": self.year,
            "similarity": self.similarity,
            "ratings": self.ratings,
        }


@dataclass(frozen=True)
class Recommendation:
    """One recommended movie with its score."""

    movie_id: int
    title: str
    genres: str
    score: float


@dataclass(frozen=True)
class UserHistory:
    """The MovieLens user whose ratings were the history."""

    user_id: int
    ratings: int


@dataclass(frozen=True)
class Answer:
    """The answer to one recommend request."""

    query: str
    matches: list[MovieMatch]
    algorithm: str
    recommendations: list[Recommendation]
    note: str
    user: UserHistory | None = field(default=None)

    @property
    def match(self) -> MovieMatch | None:
        """The first seed film (the only one of a one-film request)."""
        return self.matches[0] if self.matches else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (query, match, matches, user, algorithm, recommendations...).

        ``match`` is the first of ``matches`` (the one-film shape of earlier
        versions); ``user`` is null unless a user's history was the seed.
        """
        user = None
        if self.user is not None:
            user = {"userId": self.user.user_id, "ratings": self.user.ratings}
        return {
            "query": self.query,
            "match": None if self.match is None else self.match.to_dict(),
            "matches": [match.to_dict() for match in self.matches],
            "user": user,
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
