"""Load a table from disk, validate it, and shape it for scikit-learn."""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heart_disease.readers import read_table
from heart_disease.schema import (
    FEATURES,
    NUMERIC_FEATURES,
    TARGET,
)
from heart_disease.validation import (
    SplitPlan,
    ValidationReport,
    raise_for_errors,
    validate_frame,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A validated table and where it came from.

    Attributes:
        path: The file read.
        sha256: Hex digest of the file's bytes.
        frame: The table as read (all columns, all rows).
        report: The validation report.
    """

    path: Path
    sha256: str
    frame: pd.DataFrame
    report: ValidationReport


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_dataset(
    path: Path, *, require_target: bool = True, split: SplitPlan | None = None
) -> Dataset:
    """Read and validate a file without raising for bad data.

    Args:
        path: A CSV, Parquet or Excel file.
        require_target: Whether the target column must be present.
        split: The planned split, to check there are enough rows.

    Returns:
        The dataset with its validation report.

    Raises:
        DataFormatError: The file cannot be read as a table.
    """
    frame = read_table(path)
    report = validate_frame(frame, require_target=require_target, split=split)
    return Dataset(path=path, sha256=file_sha256(path), frame=frame, report=report)


def load_dataset(
    path: Path, *, require_target: bool = True, split: SplitPlan | None = None
) -> Dataset:
    """Read and validate a file, logging warnings and raising on errors.

    Args:
        path: A CSV, Parquet or Excel file.
        require_target: Whether the target column must be present.
        split: The planned split, to check there are enough rows.

    Returns:
        The validated dataset.

    Raises:
        DataFormatError: The file cannot be read as a table.
        DataValidationError: The table is not usable.
    """
    dataset = inspect_dataset(path, require_target=require_target, split=split)
    for warning in dataset.report.warnings:
        logger.warning("%s: %s", path.name, warning)
    raise_for_errors(dataset.report, path.name)
    return dataset


def feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Select the feature columns in schema order with uniform dtypes.

    Numbers become float64 and codes become Python strings (missing as NaN), so
    that CSV, Parquet and Excel inputs reach the pipeline in the same shape.
    """
    features = pd.DataFrame(index=frame.index)
    for column in FEATURES:
        if column in NUMERIC_FEATURES:
            features[column] = pd.to_numeric(frame[column]).astype("float64")
        else:
            values = frame[column]
            features[column] = (
                values.astype(object).where(values.notna(), np.nan).map(_as_code)
            )
    return features


def _as_code(value: object) -> object:
    return value if isinstance(value, float) else str(value)


def target_vector(frame: pd.DataFrame) -> pd.Series:
    """Return the target column as integers 0/1."""
    return pd.to_numeric(frame[TARGET]).astype("int64").rename(TARGET)


def feature_fingerprints(frame: pd.DataFrame) -> list[str]:
    """A short hash of each row's features, the same for any file format.

    The label is left out on purpose: a row that comes back relabelled is still
    the same patient, so a model that was judged on it must never train on it.
    Used to recognise a row again (a model's training rows, the frozen
    evaluation set) without storing the row itself.
    """
    return [
        hashlib.blake2b(repr(row).encode(), digest_size=8).hexdigest()
        for row in feature_frame(frame).itertuples(index=False, name=None)
    ]


def evaluation_digest(frame: pd.DataFrame) -> str:
    """The identity of an evaluation set: sha256 of its rows' features and labels.

    Independent of row order and file format, so the same set read back from
    any store has the same digest, and a changed one (a row added, a label
    edited) a different one.
    """
    labels = target_vector(frame).astype(str).to_numpy()
    keyed = sorted(
        f"{fingerprint}:{label}"
        for fingerprint, label in zip(feature_fingerprints(frame), labels, strict=True)
    )
    return hashlib.sha256("\n".join(keyed).encode()).hexdigest()


def training_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows repeated on the features and target, which would leak train → test.

    Other columns (an ID, a date) are ignored: they do not make a row new.
    """
    deduplicated = frame.drop_duplicates(subset=[*FEATURES, TARGET])
    dropped = len(frame) - len(deduplicated)
    if dropped:
        logger.info("dropped %d duplicate rows", dropped)
    return deduplicated.reset_index(drop=True)
