"""Check a table against the schema before anything is trained or predicted."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from heart_disease.errors import DataValidationError
from heart_disease.schema import (
    CATEGORICAL_FEATURES,
    CATEGORY_CODES,
    FEATURES,
    NUMERIC_FEATURES,
    TARGET,
    VALUE_RANGES,
    ZERO_MEANS_MISSING,
)

Severity = Literal["error", "warning"]
_EXAMPLES = 3


@dataclass(frozen=True)
class Problem:
    """One finding: an ``error`` stops the run, a ``warning`` is survivable."""

    severity: Severity
    message: str


@dataclass(frozen=True)
class SplitPlan:
    """How the rows will be used, to check that there are enough of them."""

    test_size: float = 0.2
    cv_folds: int = 5

    def rows_needed_per_class(self) -> int:
        """Smallest class size that leaves ``cv_folds`` training rows and a test row."""
        return max(math.ceil(self.cv_folds / (1 - self.test_size)), 2) + 1


@dataclass(frozen=True)
class ValidationReport:
    """What :func:`validate_frame` found."""

    rows: int
    columns: tuple[str, ...]
    target_counts: dict[int, int] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> list[str]:
        """Messages of the problems that make the table unusable."""
        return [p.message for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        """Messages of the survivable problems."""
        return [p.message for p in self.problems if p.severity == "warning"]

    @property
    def usable(self) -> bool:
        """Whether the table has no errors."""
        return not self.errors


def validate_frame(
    frame: pd.DataFrame,
    *,
    require_target: bool = True,
    split: SplitPlan | None = None,
) -> ValidationReport:
    """Check columns, types, codes, ranges, duplicates, target and size.

    Args:
        frame: The table as read from the file.
        require_target: Whether the ``HeartDisease`` column must be present
            (training and evaluation) or is optional (prediction).
        split: When given, also check there are enough rows per class for this
            train/test split and cross-validation.

    Returns:
        The report; it never raises for bad data.
    """
    problems = _check_columns(frame, require_target=require_target)
    if frame.columns.duplicated().any():
        # Every later check selects columns by name, which a repeat makes ambiguous.
        return ValidationReport(
            len(frame), tuple(map(str, frame.columns)), {}, tuple(problems)
        )
    if frame.empty:
        # Nothing else can be judged on a header-only file: say just that.
        problems.append(Problem("error", "the table has no rows"))
        return ValidationReport(0, tuple(map(str, frame.columns)), {}, tuple(problems))
    # Prediction ignores the target, so a blank or partial one is no problem there.
    wanted = (*FEATURES, TARGET) if require_target else FEATURES
    present = [c for c in wanted if c in frame.columns]
    # Training cannot learn from an empty column; prediction imputes a blank cell
    # the same way whether the file has one row or a thousand.
    null_columns = [
        c for c in present if require_target and len(frame) and frame[c].isna().all()
    ]
    if null_columns:
        problems.append(
            Problem("error", f"columns entirely empty: {', '.join(null_columns)}")
        )
    checked = [c for c in present if c not in null_columns]
    problems += _check_numeric(frame, [c for c in checked if c in NUMERIC_FEATURES])
    problems += _check_categories(
        frame, [c for c in checked if c in CATEGORICAL_FEATURES]
    )
    problems += _check_missing_and_zeros(frame, [c for c in checked if c != TARGET])
    target_counts: dict[int, int] = {}
    if TARGET in checked:
        target_problems, target_counts = _check_target(frame[TARGET])
        problems += target_problems
    problems += _check_duplicates(frame, present)
    if TARGET in checked and set(FEATURES) <= set(checked):
        problems += _check_conflicting_labels(frame)
    if split is not None and len(target_counts) == 2:  # noqa: PLR2004  (binary)
        problems += _check_size(frame, split)
    return ValidationReport(
        rows=len(frame),
        columns=tuple(str(c) for c in frame.columns),
        target_counts=target_counts,
        problems=tuple(problems),
    )


def raise_for_errors(report: ValidationReport, source: str) -> None:
    """Raise one error that lists every problem that makes the table unusable.

    Args:
        report: A report from :func:`validate_frame`.
        source: The file name to put in the message.

    Raises:
        DataValidationError: The report has errors.
    """
    if report.errors:
        raise DataValidationError(f"{source} is not usable: {'; '.join(report.errors)}")


def _check_columns(frame: pd.DataFrame, *, require_target: bool) -> list[Problem]:
    expected = (*FEATURES, TARGET) if require_target else FEATURES
    missing = [c for c in expected if c not in frame.columns]
    known = {*FEATURES, TARGET}
    unexpected = [str(c) for c in frame.columns if c not in known]
    problems = []
    if missing:
        hint = ""
        if {"cp", "trestbps", "chol"} <= {str(c) for c in frame.columns}:
            hint = (
                " (this looks like the UCI schema; `heart-disease download` "
                "converts it)"
            )
        problems.append(
            Problem("error", f"missing columns: {', '.join(missing)}{hint}")
        )
    if unexpected:
        problems.append(
            Problem("warning", f"ignoring unexpected columns: {', '.join(unexpected)}")
        )
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        problems.append(Problem("error", f"repeated columns: {', '.join(duplicated)}"))
    return problems


def _examples(values: Iterable[object]) -> str:
    unique = list(dict.fromkeys(values))
    shown = ", ".join(repr(v) for v in unique[:_EXAMPLES])
    return shown + (", ..." if len(unique) > _EXAMPLES else "")


def _check_numeric(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    problems = []
    for column in columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(
            values
        ):
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()]
            problems.append(
                Problem(
                    "error",
                    f"wrong type: {column} must be numeric, found {_examples(bad)}",
                )
            )
            continue
        value_range = VALUE_RANGES[column]
        present = values.dropna()
        outside = present[~present.map(value_range.contains).astype(bool)]
        if column == "FastingBS":
            outside = present[~present.isin([0, 1])]
        if not outside.empty:
            allowed = (
                "0 or 1"
                if column == "FastingBS"
                else f"{value_range.low:g} to {value_range.high:g}"
            )
            problems.append(
                Problem(
                    "error",
                    f"{column} outside the physiological range ({allowed}) "
                    f"in {len(outside)} rows: {_examples(outside.tolist())}",
                )
            )
    return problems


def _check_categories(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    problems = []
    for column in columns:
        present = frame[column].dropna()
        unknown = present[~present.astype(str).isin(CATEGORY_CODES[column])]
        if not unknown.empty:
            problems.append(
                Problem(
                    "error",
                    f"{column} has unknown codes {_examples(unknown.tolist())} "
                    f"(known: {', '.join(CATEGORY_CODES[column])})",
                )
            )
    return problems


def _check_missing_and_zeros(frame: pd.DataFrame, columns: list[str]) -> list[Problem]:
    problems = []
    missing = {c: int(frame[c].isna().sum()) for c in columns}
    missing = {c: n for c, n in missing.items() if n}
    if missing:
        counts = ", ".join(f"{c}: {n}" for c, n in missing.items())
        problems.append(Problem("warning", f"missing cells will be imputed ({counts})"))
    for column in ZERO_MEANS_MISSING:
        if column in columns and pd.api.types.is_numeric_dtype(frame[column]):
            zeros = int((frame[column] == 0).sum())
            if zeros:
                problems.append(
                    Problem(
                        "warning",
                        f"{zeros} rows with {column} == 0 (not measured) "
                        "will be imputed",
                    )
                )
    return problems


def _check_target(target: pd.Series) -> tuple[list[Problem], dict[int, int]]:
    problems = []
    if target.isna().any():
        problems.append(
            Problem("error", f"{TARGET} is empty in {int(target.isna().sum())} rows")
        )
    present = target.dropna()
    numeric = pd.to_numeric(present, errors="coerce")
    bad = present[~numeric.isin([0, 1])]
    if not bad.empty:
        problems.append(
            Problem(
                "error", f"{TARGET} must be 0 or 1, found {_examples(bad.tolist())}"
            )
        )
        return problems, {}
    counts = {
        int(label): int((numeric == label).sum())
        for label in (0, 1)
        if (numeric == label).any()
    }
    if len(counts) < 2:  # noqa: PLR2004  (binary target)
        problems.append(
            Problem(
                "error",
                f"{TARGET} has a single class ({_examples(counts)}); "
                "a classifier needs both 0 and 1",
            )
        )
    return problems, counts


def _check_duplicates(frame: pd.DataFrame, present: list[str]) -> list[Problem]:
    # Judged on the model's columns only: an ID column must not hide a repeat.
    duplicates = int(frame.duplicated(subset=present).sum()) if present else 0
    if not duplicates:
        return []
    # Training drops them; prediction keeps every row (one output row per input).
    dropped = " (dropped before training)" if TARGET in present else ""
    names = ", ".join(_key_name(present))
    return [Problem("warning", f"{duplicates} duplicate rows on {names}{dropped}")]


def _key_name(present: list[str]) -> list[str]:
    if set(FEATURES) <= set(present):
        return ["the features", TARGET] if TARGET in present else ["the features"]
    return present


def _check_conflicting_labels(frame: pd.DataFrame) -> list[Problem]:
    labels = frame.groupby(list(FEATURES), dropna=False)[TARGET].transform("nunique")
    conflicting = frame[labels > 1]
    if conflicting.empty:
        return []
    groups = len(conflicting.drop_duplicates(subset=list(FEATURES)))
    return [
        Problem(
            "warning",
            f"{len(conflicting)} rows in {groups} groups have identical features "
            f"but conflicting {TARGET} labels",
        )
    ]


def _check_size(frame: pd.DataFrame, split: SplitPlan) -> list[Problem]:
    key = [c for c in (*FEATURES, TARGET) if c in frame.columns]
    deduplicated = frame.drop_duplicates(subset=key)
    smallest = int(pd.to_numeric(deduplicated[TARGET]).value_counts().min())
    needed = split.rows_needed_per_class()
    if smallest < needed:
        return [
            Problem(
                "error",
                f"too few rows to split and cross-validate: the smaller class has "
                f"{smallest} distinct rows, test size {split.test_size:g} with "
                f"{split.cv_folds} folds needs at least {needed}",
            )
        ]
    return []
