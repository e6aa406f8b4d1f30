"""The Vosk engine: checks without vosk installed, and recognition through a stand-in.

vosk is an optional dependency; a stand-in module with the same API (Model,
KaldiRecognizer, SetLogLevel) tests how its results are collected and joined.
"""

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from podcast_pipeline.transcription import (
    EngineUnavailableError,
    ModelDirectoryError,
    TranscriptionError,
    transcribe_file,
)
from podcast_pipeline.transcription.vosk_engine import VoskEngine


@pytest.fixture
def vosk_model_dir(tmp_path: Path) -> Path:
    model = tmp_path / "vosk-model-small-en-us"
    (model / "am").mkdir(parents=True)
    (model / "conf").mkdir()
    (model / "am" / "final.mdl").write_bytes(b"\0")
    (model / "conf" / "model.conf").write_text("--sample-frequency=16000\n")
    return model


class StandInRecognizer:
    """Ends an utterance every 16,000 samples, as Vosk does at pauses."""

    # pylint: disable=invalid-name  # the method names are Vosk's API

    def __init__(self, _model: object, rate: float) -> None:
        assert rate == 16_000
        self.samples = 0
        self.utterances = 0

    def AcceptWaveform(self, data: bytes) -> bool:  # noqa: N802  (Vosk's API)
        if data == b"\1\0":
            raise RuntimeError("decoder exploded")
        self.samples += len(data) // 2
        if self.samples >= 16_000:
            self.samples -= 16_000
            return True
        return False

    def Result(self) -> str:  # noqa: N802  (Vosk's API)
        self.utterances += 1
        return json.dumps({"text": f"utterance {self.utterances}"})

    def FinalResult(self) -> str:  # noqa: N802  (Vosk's API)
        return json.dumps({"text": "final" if self.samples else ""})


def stand_in_vosk(model_fails: bool = False) -> types.ModuleType:
    module = types.ModuleType("vosk")

    def model(_path: str) -> object:
        if model_fails:
            # pylint: disable-next=broad-exception-raised  # as vosk does
            raise Exception("Failed to create a model")  # noqa: TRY002
        return object()

    module.Model = model  # type: ignore[attr-defined]
    module.KaldiRecognizer = StandInRecognizer  # type: ignore[attr-defined]
    module.SetLogLevel = lambda _level: None  # type: ignore[attr-defined]
    return module


def test_vosk_results_are_joined_in_order(
    monkeypatch: pytest.MonkeyPatch, vosk_model_dir: Path
) -> None:
    monkeypatch.setitem(sys.modules, "vosk", stand_in_vosk())
    engine = VoskEngine(vosk_model_dir)

    text = engine.transcribe_chunk(np.ones(40_000, dtype=np.int16))

    assert text == "utterance 1 utterance 2 final"


def test_transcribe_file_runs_vosk_through_the_common_pipeline(
    monkeypatch: pytest.MonkeyPatch, vosk_model_dir: Path, tone_wav: Path
) -> None:
    monkeypatch.setitem(sys.modules, "vosk", stand_in_vosk())

    transcript = transcribe_file(tone_wav, engine="vosk", model_dir=vosk_model_dir)

    assert transcript.engine == "vosk"
    assert transcript.text == "utterance 1 utterance 2 utterance 3"


def test_missing_vosk_package_is_one_clear_input_error(
    monkeypatch: pytest.MonkeyPatch, vosk_model_dir: Path, tone_wav: Path
) -> None:
    monkeypatch.setitem(sys.modules, "vosk", None)  # makes `import vosk` fail

    with pytest.raises(EngineUnavailableError, match="pip install vosk"):
        transcribe_file(tone_wav, engine="vosk", model_dir=vosk_model_dir)


def test_a_directory_without_a_vosk_model_is_refused(
    tmp_path: Path, tone_wav: Path
) -> None:
    with pytest.raises(ModelDirectoryError, match=r"missing am/final\.mdl"):
        transcribe_file(tone_wav, engine="vosk", model_dir=tmp_path)


def test_a_model_vosk_cannot_load_is_a_model_directory_error(
    monkeypatch: pytest.MonkeyPatch, vosk_model_dir: Path
) -> None:
    monkeypatch.setitem(sys.modules, "vosk", stand_in_vosk(model_fails=True))

    with pytest.raises(ModelDirectoryError, match="cannot load"):
        VoskEngine(vosk_model_dir)


def test_a_vosk_failure_mid_chunk_is_a_transcription_error(
    monkeypatch: pytest.MonkeyPatch,
    vosk_model_dir: Path,
) -> None:
    monkeypatch.setitem(sys.modules, "vosk", stand_in_vosk())
    engine = VoskEngine(vosk_model_dir)

    with pytest.raises(TranscriptionError, match="decoder exploded"):
        engine.transcribe_chunk(np.ones(1, dtype=np.int16))
