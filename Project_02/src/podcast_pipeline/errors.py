"""The exceptions podcast_pipeline raises; the CLI maps them to exit codes."""


class PodcastPipelineError(Exception):
    """A failure the user can act on; the CLI prints it as one line (exit 1)."""

    exit_code = 1


class InputError(PodcastPipelineError):
    """Bad usage or bad input: a wrong option, an unreadable file (exit 2)."""

    exit_code = 2
