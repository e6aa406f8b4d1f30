"""The project's exceptions: the CLI catches :class:`MovieRecsError` once."""


class MovieRecsError(Exception):
    """Base class of every error this package raises on purpose (exit code 1)."""

    exit_code = 1


class InputError(MovieRecsError):
    """Bad usage or bad input data: a user can fix it (exit code 2)."""

    exit_code = 2


class DownloadError(MovieRecsError):
    """The data set could not be fetched or verified (offline, bad checksum...).

    A runtime failure (exit code 1): the same command may work when the network does.
    """


class CacheError(MovieRecsError):
    """A cached index is missing, stale or corrupt (it is rebuilt, never trusted)."""
