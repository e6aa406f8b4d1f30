"""The model directory: the skops model file and its JSON metrics."""

import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import skops.io

from heart_disease.errors import ModelLoadError

logger = logging.getLogger(__name__)

MODEL_FILE = "model.skops"
METRICS_FILE = "metrics.json"
MODEL_CARD_FILE = "model_card.md"
ROC_PLOT_FILE = "roc_curve.png"
CONFUSION_PLOT_FILE = "confusion_matrix.png"
IMPORTANCE_PLOT_FILE = "feature_importance.png"
RELIABILITY_PLOT_FILE = "reliability_curve.png"
PROFILE_FILE = "profile.json"
HOLDOUT_FILE = "holdout.csv"
# The frozen rows every challenger of a lineage is judged on (never trained on).
EVALUATION_FILE = "evaluation_set.csv"
TRAINING_ROWS_FILE = "training_rows.json"
REGISTRATION_FILE = "registration.json"

# Types skops does not trust by default that our own pipelines contain. The tree
# storage is safe only in files we wrote ourselves: load models you trained.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {"numpy.dtype", "sklearn.tree._tree.Tree", "sklearn.utils._bunch.Bunch"}
)


def save_model(pipeline: Any, model_dir: Path) -> Path:
    """Persist a fitted pipeline with skops (no pickle).

    Args:
        pipeline: The fitted scikit-learn pipeline.
        model_dir: The model directory; created if needed.

    Returns:
        The path of the model file.
    """
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    # The schema JSON of 300+ trees is large and repetitive: deflate it (~10x).
    skops.io.dump(pipeline, path, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    return path


def load_model(model_dir: Path) -> Any:
    """Load a pipeline saved by :func:`save_model`, refusing unexpected types.

    Args:
        model_dir: A directory written by ``heart-disease train``.

    Returns:
        The fitted pipeline.

    Raises:
        ModelLoadError: The file is missing, unreadable, or holds types outside
            the allow-list (it was not written by this tool).
    """
    path = model_dir / MODEL_FILE
    if not path.is_file():
        raise ModelLoadError(
            f"{model_dir}: no {MODEL_FILE}; pass a directory written by "
            "`heart-disease train`"
        )
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise ModelLoadError(f"{path}: not a readable skops file: {error}") from error
    unexpected = sorted(untrusted - TRUSTED_TYPES)
    if unexpected:
        raise ModelLoadError(
            f"{path}: refusing to load untrusted types: {', '.join(unexpected)}"
        )
    logger.debug("loading %s", path)
    return skops.io.load(path, trusted=sorted(untrusted))


def write_json(payload: dict[str, Any], path: Path) -> None:
    """Write a dictionary as indented JSON with a trailing newline."""
    text = json.dumps(payload, indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object written by :func:`write_json`."""
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return payload
