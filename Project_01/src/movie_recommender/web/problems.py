"""The errors an API request can end in, each with its HTTP status."""

import json

from movie_recommender.errors import MovieRecsError

RETRY_AFTER_SECONDS = 1


class ApiError(MovieRecsError):
    """A request the service refuses; the body is ``{"error": message}``."""

    status = 500

    def body(self) -> bytes:
        """The JSON body of the error response."""
        return error_body(str(self), self.status)

    def headers(self) -> dict[str, str]:
        """Extra response headers (none by default)."""
        return {}


class BadRequestError(ApiError):
    """A parameter is missing, malformed or out of its documented range."""

    status = 422


class NotFoundError(ApiError):
    """The movieId (or user) asked for is not in the data set."""

    status = 404


class UnavailableError(ApiError):
    """The service cannot answer now (busy, over the time budget, still loading)."""

    status = 503

    def headers(self) -> dict[str, str]:
        """Tell clients when to come back."""
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def error_body(message: str, status: int) -> bytes:
    """The JSON body shared by every error response."""
    return json.dumps({"error": message, "status": status}).encode("utf-8")
