"""The exceptions podcast_pipeline raises; the CLI maps them to exit codes."""


class PodcastPipelineError(Exception):
    """A failure the user can act on; the CLI prints it as one line (exit 1)."""

    exit_code = 1


class InputError(PodcastPipelineError):
    """Bad usage or bad input: a wrong option, an unreadable file (exit 2)."""

    exit_code = 2


class FeedFetchError(PodcastPipelineError):
    """A feed could not be fetched: network down, timeout, HTTP error."""


class FeedParseError(PodcastPipelineError):
    """A feed's body is not acceptable RSS: malformed XML, entity expansion."""


class TranscriptFetchError(PodcastPipelineError):
    """A publisher's transcript could not be read: our speech-to-text runs instead."""


class DatabaseError(PodcastPipelineError):
    """The SQLite database cannot be opened, migrated or written."""


class DownloadError(PodcastPipelineError):
    """An episode's audio could not be downloaded; worth retrying next run."""


class DownloadRefusedError(DownloadError):
    """An episode's audio is refused for good: bad scheme, too large, not audio."""


class DiskSpaceError(DownloadError):
    """Not enough free disk space in the data directory for a download."""
