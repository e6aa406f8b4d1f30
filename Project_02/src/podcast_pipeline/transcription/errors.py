"""The exceptions the transcription subpackage raises (all PodcastPipelineError)."""

from podcast_pipeline.errors import InputError, PodcastPipelineError


class TranscriptionError(PodcastPipelineError):
    """Speech recognition failed at run time on audio that decoded fine (exit 1)."""


class AudioInputError(InputError):
    """An audio file is missing, empty, or not decodable audio (exit 2)."""


class UnsupportedEngineError(InputError):
    """The requested speech engine is not one of ENGINES (exit 2)."""


class ModelDirectoryError(InputError):
    """An engine's model directory is missing or lacks the model's files (exit 2)."""


class EngineUnavailableError(InputError):
    """An optional engine's Python package is not installed (exit 2)."""


class WorkerDiedError(TranscriptionError):
    """The process transcribing a file died (killed for memory, ...): transient."""
