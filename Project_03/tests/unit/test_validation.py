"""Each validation rule, on small tables built from the synthetic fixture."""

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from heart_disease.dataset import evaluation_digest, feature_fingerprints, training_rows
from heart_disease.errors import DataValidationError
from heart_disease.validation import SplitPlan, raise_for_errors, validate_frame

Mutation = Callable[[pd.DataFrame], pd.DataFrame]


def _set(column: str, row: int, value: object) -> Mutation:
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        values = frame[column].tolist()
        values[row] = value
        frame[column] = values
        return frame

    return mutate


def test_clean_table_has_no_problems(heart_frame: pd.DataFrame) -> None:
    report = validate_frame(heart_frame, split=SplitPlan())
    assert report.usable
    assert not report.problems
    assert report.rows == 120
    assert sum(report.target_counts.values()) == 120


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda f: f.drop(columns=["MaxHR", "ST_Slope"]),
            "missing columns: MaxHR, ST_Slope",
            id="missing-columns",
        ),
        pytest.param(
            lambda f: f.drop(columns=["HeartDisease"]),
            "missing columns: HeartDisease",
            id="missing-target",
        ),
        pytest.param(_set("Age", 3, "old"), "Age must be numeric", id="wrong-type"),
        pytest.param(
            lambda f: f.assign(Oldpeak=np.nan),
            "columns entirely empty: Oldpeak",
            id="entirely-null",
        ),
        pytest.param(
            _set("ChestPainType", 0, "XYZ"),
            "ChestPainType has unknown codes 'XYZ'",
            id="unknown-code",
        ),
        pytest.param(
            _set("Sex", 1, "m"), "Sex has unknown codes 'm'", id="codes-are-exact"
        ),
        pytest.param(
            _set("MaxHR", 2, 400), "MaxHR outside the physiological range", id="maxhr"
        ),
        pytest.param(
            _set("Age", 2, 150), "Age outside the physiological range", id="age"
        ),
        pytest.param(
            _set("RestingBP", 2, 20),
            "RestingBP outside the physiological range",
            id="bp-low-but-not-zero",
        ),
        pytest.param(
            _set("Cholesterol", 2, -5),
            "Cholesterol outside the physiological range",
            id="negative-cholesterol",
        ),
        pytest.param(
            _set("FastingBS", 2, 2),
            "FastingBS outside the physiological range (0 or 1)",
            id="fastingbs-binary",
        ),
        pytest.param(
            _set("HeartDisease", 2, 3), "HeartDisease must be 0 or 1", id="target-code"
        ),
        pytest.param(
            _set("HeartDisease", 2, np.nan),
            "HeartDisease is empty in 1 rows",
            id="target-missing",
        ),
        pytest.param(
            lambda f: f.assign(HeartDisease=1),
            "HeartDisease has a single class",
            id="single-class",
        ),
        pytest.param(lambda f: f.head(0), "the table has no rows", id="empty-table"),
        pytest.param(
            lambda f: pd.concat([f, f[["Age"]]], axis=1),
            "repeated columns: Age",
            id="repeated-column",
        ),
    ],
)
def test_unusable_tables_are_reported(
    heart_frame: pd.DataFrame, mutate: Mutation, expected: str
) -> None:
    report = validate_frame(mutate(heart_frame), split=SplitPlan())
    assert not report.usable
    assert any(expected in message for message in report.errors), report.errors


def test_too_few_rows_to_split_and_cross_validate(heart_frame: pd.DataFrame) -> None:
    small = pd.concat(
        [
            heart_frame[heart_frame.HeartDisease == 0].head(20),
            heart_frame[heart_frame.HeartDisease == 1].head(4),
        ]
    )
    report = validate_frame(small, split=SplitPlan(test_size=0.2, cv_folds=5))
    assert any("too few rows" in m and "has 4 distinct" in m for m in report.errors)
    # The same rows are fine for prediction, where no split happens.
    assert validate_frame(small, split=None).usable


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda f: f.assign(PatientId=range(len(f))),
            "ignoring unexpected columns: PatientId",
            id="unexpected-column",
        ),
        pytest.param(
            lambda f: pd.concat([f, f.head(2)], ignore_index=True),
            "2 duplicate rows on the features, HeartDisease",
            id="duplicates",
        ),
        pytest.param(
            _set("Cholesterol", 0, 0),
            "1 rows with Cholesterol == 0 (not measured)",
            id="zero-cholesterol",
        ),
        pytest.param(
            _set("RestingBP", 0, 0),
            "1 rows with RestingBP == 0 (not measured)",
            id="zero-bp",
        ),
        pytest.param(
            _set("Oldpeak", 0, np.nan),
            "missing cells will be imputed (Oldpeak: 1)",
            id="missing-cell",
        ),
        pytest.param(
            _set("ST_Slope", 0, np.nan),
            "missing cells will be imputed (ST_Slope: 1)",
            id="missing-code",
        ),
    ],
)
def test_survivable_problems_are_warnings(
    heart_frame: pd.DataFrame, mutate: Mutation, expected: str
) -> None:
    report = validate_frame(mutate(heart_frame), split=SplitPlan())
    assert report.usable, report.errors
    assert any(expected in message for message in report.warnings), report.warnings


def test_target_is_optional_for_prediction(heart_frame: pd.DataFrame) -> None:
    report = validate_frame(
        heart_frame.drop(columns="HeartDisease"), require_target=False
    )
    assert report.usable
    assert not report.target_counts


def test_blank_target_is_ignored_for_prediction(heart_frame: pd.DataFrame) -> None:
    blank = heart_frame.assign(HeartDisease=np.nan)
    assert validate_frame(blank, require_target=False).usable
    assert not validate_frame(blank, require_target=True).usable


def test_uci_lowercase_schema_is_refused_naming_the_missing_columns() -> None:
    uci = pd.DataFrame(
        [[63, 1, 1, 145, 233, 1, 2, 150, 0, 2.3, 3, 0, 6, 0]],
        columns=[
            *("age", "sex", "cp", "trestbps", "chol", "fbs", "restecg"),
            *("thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"),
        ],
    )
    report = validate_frame(uci)
    with pytest.raises(DataValidationError, match=r"uci\.csv is not usable") as caught:
        raise_for_errors(report, "uci.csv")
    message = str(caught.value)
    for column in ("Age", "ChestPainType", "RestingBP", "ST_Slope", "HeartDisease"):
        assert column in message
    assert "looks like the UCI schema" in message


def test_all_errors_are_raised_in_one_message(heart_frame: pd.DataFrame) -> None:
    broken = _set("MaxHR", 0, 999)(heart_frame.drop(columns="Sex"))
    with pytest.raises(DataValidationError, match="missing columns: Sex; MaxHR"):
        raise_for_errors(validate_frame(broken), "broken.csv")


def test_duplicates_are_judged_on_features_and_target_not_on_an_id_column(
    heart_frame: pd.DataFrame,
) -> None:
    repeated = pd.concat([heart_frame, heart_frame.head(3)], ignore_index=True)
    with_ids = repeated.assign(PatientId=range(len(repeated)))
    report = validate_frame(with_ids)
    assert any(
        "3 duplicate rows on the features, HeartDisease" in w for w in report.warnings
    ), report.warnings
    assert len(training_rows(with_ids)) == len(heart_frame)


def test_identical_features_with_conflicting_labels_are_reported(
    heart_frame: pd.DataFrame,
) -> None:
    flipped = heart_frame.head(2).assign(HeartDisease=lambda f: 1 - f.HeartDisease)
    report = validate_frame(pd.concat([heart_frame, flipped], ignore_index=True))
    assert (
        "4 rows in 2 groups have identical features but conflicting HeartDisease labels"
        in report.warnings
    )
    # Not duplicates: the labels differ, so both rows of each pair are kept.
    assert not any("duplicate" in w for w in report.warnings)


def test_a_blank_column_is_imputed_for_prediction_even_in_a_one_row_file(
    heart_frame: pd.DataFrame,
) -> None:
    one_row = heart_frame.drop(columns="HeartDisease").head(1)
    one_row["Cholesterol"] = np.nan
    report = validate_frame(one_row, require_target=False)
    assert report.usable, report.errors
    assert "missing cells will be imputed (Cholesterol: 1)" in report.warnings
    assert not validate_frame(heart_frame.assign(Cholesterol=np.nan)).usable


def test_feature_fingerprints_ignore_the_file_format_extra_columns_and_label(
    heart_frame: pd.DataFrame,
) -> None:
    as_floats = heart_frame.astype({"Age": "float64", "MaxHR": "float64"})
    with_ids = heart_frame.assign(PatientId=range(len(heart_frame)))
    flipped = heart_frame.assign(HeartDisease=1 - heart_frame.HeartDisease)
    expected = feature_fingerprints(heart_frame)
    assert feature_fingerprints(as_floats) == expected
    assert feature_fingerprints(with_ids) == expected
    # A relabelled row is the same patient: it must be recognised as such.
    assert feature_fingerprints(flipped) == expected
    assert feature_fingerprints(heart_frame.assign(Age=heart_frame.Age + 1)) != expected


def test_the_evaluation_digest_sees_labels_but_not_row_order(
    heart_frame: pd.DataFrame,
) -> None:
    digest = evaluation_digest(heart_frame)
    assert evaluation_digest(heart_frame.sample(frac=1, random_state=1)) == digest
    labels = heart_frame.HeartDisease.to_numpy().copy()
    labels[0] = 1 - labels[0]
    one_relabelled = heart_frame.assign(HeartDisease=labels)
    assert evaluation_digest(one_relabelled) != digest
    assert evaluation_digest(heart_frame.head(-1)) != digest
