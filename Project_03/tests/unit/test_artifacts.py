"""skops persistence: round trip, and refusal of anything we did not write."""

from pathlib import Path

import pandas as pd
import pytest
import skops.io
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from heart_disease.artifacts import MODEL_FILE, load_model, save_model
from heart_disease.dataset import feature_frame, target_vector
from heart_disease.errors import ModelLoadError
from heart_disease.models import build_pipeline


def _double(values: object) -> object:
    return values


def test_saved_ensemble_reloads_with_identical_probabilities(
    tmp_path: Path, heart_frame: pd.DataFrame
) -> None:
    features, target = feature_frame(heart_frame), target_vector(heart_frame)
    pipeline = build_pipeline("ensemble", seed=1).fit(features, target)
    save_model(pipeline, tmp_path / "model")
    reloaded = load_model(tmp_path / "model")
    assert (reloaded.predict_proba(features) == pipeline.predict_proba(features)).all()


def test_missing_model_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"no model\.skops"):
        load_model(tmp_path)


def test_corrupt_model_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"not a zip")
    with pytest.raises(ModelLoadError, match="not a readable skops file"):
        load_model(tmp_path)


def test_types_outside_the_allow_list_are_refused(tmp_path: Path) -> None:
    foreign = Pipeline([("custom", FunctionTransformer(_double))])
    skops.io.dump(foreign, tmp_path / MODEL_FILE)
    with pytest.raises(ModelLoadError, match=r"untrusted types: .*_double"):
        load_model(tmp_path)
