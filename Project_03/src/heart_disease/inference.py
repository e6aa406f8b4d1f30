"""Use a model: evaluate it on labelled rows, or predict new rows."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from heart_disease.artifacts import (
    PROFILE_FILE,
    REGISTRATION_FILE,
    load_model,
    read_json,
)
from heart_disease.dataset import (
    Dataset,
    feature_frame,
    load_dataset,
    target_vector,
)
from heart_disease.drift import DataProfile, DriftReport, drift_report
from heart_disease.evaluation import THRESHOLD, Metrics, compute_metrics

logger = logging.getLogger(__name__)

PROBABILITY_COLUMN = "probability"
PREDICTION_COLUMN = "prediction"
VERSION_COLUMN = "model_version"


@dataclass(frozen=True)
class ScoringModel:
    """A loaded pipeline and what is known about it.

    Attributes:
        pipeline: The fitted scikit-learn pipeline.
        version: Its registry version (``None`` for an unregistered folder).
        source: Where it came from, for messages.
        profile: Its training profile, when stored with it (for drift).
    """

    pipeline: Any
    version: int | None
    source: str
    profile: DataProfile | None = None

    def probabilities(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        """P(heart disease) of each validated row, through our own preparation."""
        probability = self.pipeline.predict_proba(feature_frame(frame))[:, 1]
        return np.asarray(probability, dtype=np.float64)


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on labelled rows and, if it has a profile, their drift."""

    metrics: Metrics
    drift: DriftReport | None


def load_local(model_dir: Path) -> ScoringModel:
    """Load a model folder written by ``heart-disease train --output-dir``.

    Raises:
        ModelLoadError: The folder holds no loadable, trusted model.
    """
    pipeline = load_model(model_dir)
    profile_path = model_dir / PROFILE_FILE
    profile = (
        DataProfile.from_dict(read_json(profile_path))
        if profile_path.is_file()
        else None
    )
    registration = model_dir / REGISTRATION_FILE
    version = read_json(registration).get("version") if registration.is_file() else None
    return ScoringModel(pipeline, version, str(model_dir), profile)


def evaluate_model(model: ScoringModel, data_path: Path) -> Evaluation:
    """Compute a model's metrics, and the data's drift, on a labelled file.

    Raises:
        DataFormatError: The file cannot be read.
        DataValidationError: The data is not usable.
    """
    dataset, probability = _score(model, data_path, require_target=True)
    drift = (
        None if model.profile is None else drift_report(model.profile, dataset.frame)
    )
    return Evaluation(compute_metrics(target_vector(dataset.frame), probability), drift)


def predict(model: ScoringModel, data_path: Path) -> pd.DataFrame:
    """Predict every row of a file; the target column is optional.

    Returns:
        The input rows (in order) with ``probability``, ``prediction`` and
        ``model_version`` added.

    Raises:
        DataFormatError: The file cannot be read.
        DataValidationError: The data is not usable.
    """
    dataset, probability = _score(model, data_path, require_target=False)
    predictions = dataset.frame.copy()
    predictions[PROBABILITY_COLUMN] = probability.round(6)
    predictions[PREDICTION_COLUMN] = (probability >= THRESHOLD).astype(int)
    predictions[VERSION_COLUMN] = pd.array(
        [model.version] * len(predictions), dtype="Int64"
    )
    logger.info("predicted %d rows with %s", len(predictions), model.source)
    return predictions


def _score(
    model: ScoringModel, data_path: Path, *, require_target: bool
) -> tuple[Dataset, npt.NDArray[np.float64]]:
    dataset = load_dataset(data_path, require_target=require_target)
    return dataset, model.probabilities(dataset.frame)
