"""The speech-engine interface, the PocketSphinx engine and the engine factory."""

import importlib
import logging
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from podcast_pipeline.transcription.audio import TARGET_SAMPLE_RATE
from podcast_pipeline.transcription.errors import (
    ModelDirectoryError,
    TranscriptionError,
    UnsupportedEngineError,
)
from podcast_pipeline.transcription.result import ENGINES
from podcast_pipeline.transcription.vosk_engine import VoskEngine, check_vosk

logger = logging.getLogger(__name__)

_ACOUSTIC_FILES = ("mdef", "means", "variances", "transition_matrices", "feat.params")
_MDEF_MAGIC = (b"BMDF", b"0.3")  # binary and text model definitions


class SpeechEngine(Protocol):
    """Recognises the words in one chunk of 16 kHz mono int16 PCM."""

    @property
    def name(self) -> str:
        """The engine's name, one of ENGINES."""

    def transcribe_chunk(self, pcm: NDArray[np.int16]) -> str:
        """Return the words spoken in the chunk, lower case, space separated."""


def _single(model_dir: Path, pattern: str, what: str) -> Path:
    # A "-phone" language model is for phoneme recognition, not words.
    matches = [
        match
        for match in sorted(model_dir.glob(pattern))
        if not match.name.endswith("-phone.lm.bin")
    ]
    if len(matches) != 1:
        raise ModelDirectoryError(
            f"PocketSphinx model directory {model_dir} needs exactly one {what} "
            f"({pattern}), found {len(matches)}"
        )
    return matches[0]


def pocketsphinx_model_files(model_dir: Path) -> dict[str, str]:
    """Locate a PocketSphinx model laid out like the one bundled in its wheel.

    Args:
        model_dir: A directory holding one acoustic-model folder (with an
            ``mdef`` file), one ``*.lm.bin`` language model (besides any
            ``*-phone.lm.bin``) and one ``*.dict``.

    Returns:
        The decoder options ``hmm``, ``lm`` and ``dict``.

    Raises:
        ModelDirectoryError: A piece is missing, empty or ambiguous, or the
            model definition is not one PocketSphinx reads.
    """
    acoustic = _single(model_dir, "*/mdef", "acoustic model folder").parent
    language = _single(model_dir, "*.lm.bin", "language model")
    dictionary = _single(model_dir, "*.dict", "pronunciation dictionary")
    # PocketSphinx exits the whole process on a broken model file, so the
    # obvious faults are caught here, where they can still be reported.
    for needed in (
        *(acoustic / name for name in _ACOUSTIC_FILES),
        language,
        dictionary,
    ):
        if not needed.is_file() or needed.stat().st_size == 0:
            raise ModelDirectoryError(
                f"PocketSphinx model file missing or empty: {needed}"
            )
    with (acoustic / "mdef").open("rb") as mdef:
        if not mdef.read(4).startswith(_MDEF_MAGIC):
            raise ModelDirectoryError(
                f"not a PocketSphinx model definition: {acoustic / 'mdef'}"
            )
    return {"hmm": str(acoustic), "lm": str(language), "dict": str(dictionary)}


# One public method is the whole SpeechEngine protocol.
class PocketSphinxEngine:  # pylint: disable=too-few-public-methods
    """CMU PocketSphinx 5 with the US English model bundled in its wheel."""

    name = "pocketsphinx"

    def __init__(self, model_dir: Path | None = None) -> None:
        """Load the decoder (about 0.2 s): the bundled model or one in model_dir."""
        options: dict[str, Any] = {"samprate": TARGET_SAMPLE_RATE, "loglevel": "FATAL"}
        if model_dir is not None:
            options.update(pocketsphinx_model_files(model_dir))
        pocketsphinx = importlib.import_module("pocketsphinx")
        try:
            self._decoder = pocketsphinx.Decoder(**options)
        except (RuntimeError, ValueError) as exc:
            raise ModelDirectoryError(
                f"PocketSphinx cannot load its model from {model_dir}: {exc}"
            ) from exc

    def transcribe_chunk(self, pcm: NDArray[np.int16]) -> str:
        """Decode the chunk as one utterance and return the best hypothesis."""
        try:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm.tobytes(), False, True)
            self._decoder.end_utt()
        except RuntimeError as exc:
            raise TranscriptionError(f"PocketSphinx failed on a chunk: {exc}") from exc
        hypothesis = self._decoder.hyp()
        return str(hypothesis.hypstr) if hypothesis is not None else ""


def check_engine(name: str, model_dir: Path | None = None) -> None:
    """Validate an engine choice cheaply, without loading any model.

    Args:
        name: The engine's name.
        model_dir: Its model directory, if any.

    Raises:
        UnsupportedEngineError: name is not in ENGINES.
        ModelDirectoryError: The engine needs a model directory and has none,
            or model_dir is not a directory holding that engine's model.
        EngineUnavailableError: The engine's package is not installed.
    """
    if name not in ENGINES:
        raise UnsupportedEngineError(
            f"unsupported speech engine {name!r}; choose one of: {', '.join(ENGINES)}"
        )
    if model_dir is not None and not model_dir.is_dir():
        raise ModelDirectoryError(f"model directory not found: {model_dir}")
    if name == "vosk":
        check_vosk(model_dir)
    elif model_dir is not None:
        pocketsphinx_model_files(model_dir)


def create_engine(name: str, model_dir: Path | None = None) -> SpeechEngine:
    """Build a speech engine by name.

    Args:
        name: One of ENGINES.
        model_dir: The engine's model directory; PocketSphinx defaults to the
            model in its wheel, Vosk needs one.

    Returns:
        A ready engine.

    Raises:
        UnsupportedEngineError: name is not in ENGINES.
        ModelDirectoryError: The model directory is missing or incomplete.
        EngineUnavailableError: The engine's package is not installed.
    """
    check_engine(name, model_dir)
    if name == "vosk":
        return VoskEngine(model_dir)
    logger.debug("loading PocketSphinx (model: %s)", model_dir or "bundled en-us")
    return PocketSphinxEngine(model_dir)
