"""The optional Vosk engine (``pip install vosk`` plus a model from alphacephei.com)."""

import importlib
import json
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from podcast_pipeline.transcription.audio import TARGET_SAMPLE_RATE
from podcast_pipeline.transcription.errors import (
    EngineUnavailableError,
    ModelDirectoryError,
    TranscriptionError,
)

_FEED_SAMPLES = 8_000  # half a second per AcceptWaveform call, as Vosk's examples do
_MODEL_MARKERS = ("am/final.mdl", "conf/model.conf")


def _import_vosk() -> ModuleType:
    try:
        return importlib.import_module("vosk")
    except ImportError as exc:
        raise EngineUnavailableError(
            "the vosk engine needs the 'vosk' package: pip install vosk"
        ) from exc


def check_vosk(model_dir: Path | None) -> Path:
    """Check that Vosk is installed and model_dir looks like a Vosk model.

    Args:
        model_dir: The unpacked model, e.g. ``vosk-model-small-en-us-0.15``.

    Returns:
        model_dir, known to hold a Vosk model.

    Raises:
        ModelDirectoryError: model_dir is None, missing, or not a Vosk model.
        EngineUnavailableError: The vosk package is not installed.
    """
    if model_dir is None:
        raise ModelDirectoryError(
            "the vosk engine needs --model-dir (an unpacked Vosk model directory)"
        )
    if not model_dir.is_dir():
        raise ModelDirectoryError(f"model directory not found: {model_dir}")
    missing = [name for name in _MODEL_MARKERS if not (model_dir / name).is_file()]
    if missing:
        raise ModelDirectoryError(
            f"not a Vosk model directory: {model_dir} (missing {', '.join(missing)})"
        )
    _import_vosk()
    return model_dir


def _text_of(result_json: str) -> str:
    return str(json.loads(result_json).get("text", "")).strip()


# One public method is the whole SpeechEngine protocol.
class VoskEngine:  # pylint: disable=too-few-public-methods
    """Kaldi-based Vosk recogniser; better accuracy than PocketSphinx, needs a model."""

    name = "vosk"

    def __init__(self, model_dir: Path | None) -> None:
        """Load the model from model_dir (checked first with check_vosk)."""
        # pylint: disable=broad-exception-caught
        checked_dir = check_vosk(model_dir)
        self._vosk = _import_vosk()
        self._vosk.SetLogLevel(-1)
        try:
            self._model = self._vosk.Model(str(checked_dir))
        # vosk raises a bare Exception when a model fails to load
        except Exception as exc:
            raise ModelDirectoryError(
                f"Vosk cannot load the model in {model_dir}: {exc}"
            ) from exc

    def transcribe_chunk(self, pcm: NDArray[np.int16]) -> str:
        """Feed the chunk to a fresh recogniser; join the utterances it finds."""
        # pylint: disable=broad-exception-caught
        recognizer = self._vosk.KaldiRecognizer(self._model, TARGET_SAMPLE_RATE)
        texts: list[str] = []
        try:
            for start in range(0, pcm.size, _FEED_SAMPLES):
                piece = pcm[start : start + _FEED_SAMPLES].tobytes()
                if recognizer.AcceptWaveform(piece):
                    texts.append(_text_of(recognizer.Result()))
            texts.append(_text_of(recognizer.FinalResult()))
        # vosk raises a bare Exception on decoder failures
        except Exception as exc:
            raise TranscriptionError(f"Vosk failed on a chunk: {exc}") from exc
        return " ".join(text for text in texts if text)
