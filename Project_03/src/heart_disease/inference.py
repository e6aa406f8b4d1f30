"""Use a saved model: evaluate it on labelled rows, or predict new rows."""

import logging
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from heart_disease.artifacts import load_model
from heart_disease.dataset import (
    Dataset,
    feature_frame,
    load_dataset,
    target_vector,
)
from heart_disease.evaluation import THRESHOLD, Metrics, compute_metrics

logger = logging.getLogger(__name__)

PROBABILITY_COLUMN = "probability"
PREDICTION_COLUMN = "prediction"


def evaluate_model(model_dir: Path, data_path: Path) -> Metrics:
    """Compute a saved model's metrics on a labelled file.

    Args:
        model_dir: A directory written by ``heart-disease train``.
        data_path: A CSV, Parquet or Excel file with the target column.

    Returns:
        The metrics over every row of the file.

    Raises:
        ModelLoadError: The model cannot be loaded.
        DataFormatError: The file cannot be read.
        DataValidationError: The data is not usable.
    """
    dataset, probability = _score(model_dir, data_path, require_target=True)
    return compute_metrics(target_vector(dataset.frame), probability)


def predict(model_dir: Path, data_path: Path) -> pd.DataFrame:
    """Predict every row of a file; the target column is optional.

    Args:
        model_dir: A directory written by ``heart-disease train``.
        data_path: A CSV, Parquet or Excel file with the feature columns.

    Returns:
        The input rows (in order) with ``probability`` and ``prediction`` added.

    Raises:
        ModelLoadError: The model cannot be loaded.
        DataFormatError: The file cannot be read.
        DataValidationError: The data is not usable.
    """
    dataset, probability = _score(model_dir, data_path, require_target=False)
    predictions = dataset.frame.copy()
    predictions[PROBABILITY_COLUMN] = probability.round(6)
    predictions[PREDICTION_COLUMN] = (probability >= THRESHOLD).astype(int)
    logger.info("predicted %d rows", len(predictions))
    return predictions


def _score(
    model_dir: Path, data_path: Path, *, require_target: bool
) -> tuple[Dataset, npt.NDArray[np.float64]]:
    """Load the model and the validated file; return it with each row's probability."""
    pipeline = load_model(model_dir)
    dataset = load_dataset(data_path, require_target=require_target)
    probability = pipeline.predict_proba(feature_frame(dataset.frame))[:, 1]
    return dataset, np.asarray(probability, dtype=np.float64)
