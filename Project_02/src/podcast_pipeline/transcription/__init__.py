"""Offline speech-to-text for downloaded episodes (PocketSphinx, optionally Vosk).

Importing this package is cheap: numpy, soundfile and the engines load on the
first use of transcribe_file or transcribe_many.

Example:
    >>> from podcast_pipeline.transcription import transcribe_file
    >>> transcribe_file(Path("episode.mp3")).text  # doctest: +SKIP
"""

import importlib
from typing import TYPE_CHECKING, Any

from podcast_pipeline.transcription.errors import (
    AudioInputError,
    EngineUnavailableError,
    ModelDirectoryError,
    TranscriptionError,
    UnsupportedEngineError,
    WorkerDiedError,
)
from podcast_pipeline.transcription.result import (
    ENGINES,
    Transcript,
    TranscriptionProgress,
)

if TYPE_CHECKING:
    from podcast_pipeline.transcription.batch import transcribe_many
    from podcast_pipeline.transcription.transcriber import transcribe_file

__all__ = [
    "ENGINES",
    "AudioInputError",
    "EngineUnavailableError",
    "ModelDirectoryError",
    "Transcript",
    "TranscriptionError",
    "TranscriptionProgress",
    "UnsupportedEngineError",
    "WorkerDiedError",
    "transcribe_file",
    "transcribe_many",
]

_LAZY = {
    "transcribe_file": "podcast_pipeline.transcription.transcriber",
    "transcribe_many": "podcast_pipeline.transcription.batch",
}


def __getattr__(name: str) -> Any:
    """Import the heavy entry points on first access (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
