"""Zeros that mean "not measured" are imputed from the training rows only."""

import numpy as np
import pandas as pd
import pytest

from heart_disease.dataset import feature_frame
from heart_disease.features import build_preprocessor

VALUE = "zero_as_missing__value__{}"
# The indicator is standardised with the values: positive means "not measured".
FLAG = "zero_as_missing__not_measured__missingindicator_{}"


def _transform(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    preprocessor = build_preprocessor().set_output(transform="pandas")
    out: pd.DataFrame = preprocessor.fit(feature_frame(train)).transform(
        feature_frame(test)
    )
    return out


@pytest.fixture
def train_with_zeros(heart_frame: pd.DataFrame) -> pd.DataFrame:
    train = heart_frame.copy()
    train.loc[:9, "Cholesterol"] = 0
    return train


def test_zero_cholesterol_becomes_the_training_median(
    train_with_zeros: pd.DataFrame,
) -> None:
    median = train_with_zeros.loc[
        train_with_zeros.Cholesterol > 0, "Cholesterol"
    ].median()
    test = train_with_zeros.head(2).assign(Cholesterol=[0, median])
    out = _transform(train_with_zeros, test)
    column = VALUE.format("Cholesterol")
    assert out[column].iloc[0] == pytest.approx(out[column].iloc[1])
    assert (out[FLAG.format("Cholesterol")] > 0).tolist() == [True, False]


def test_test_rows_never_shift_the_imputed_value(
    train_with_zeros: pd.DataFrame,
) -> None:
    low = train_with_zeros.head(4).assign(Cholesterol=[0, 100, 100, 100])
    high = train_with_zeros.head(4).assign(Cholesterol=[0, 500, 500, 500])
    column = VALUE.format("Cholesterol")
    assert (
        _transform(train_with_zeros, low)[column].iloc[0]
        == _transform(train_with_zeros, high)[column].iloc[0]
    )


def test_indicator_exists_even_without_zeros_in_training(
    heart_frame: pd.DataFrame,
) -> None:
    test = heart_frame.head(2).assign(RestingBP=[0, 120])
    out = _transform(heart_frame, test)
    assert (out[FLAG.format("RestingBP")] > 0).tolist() == [True, False]


def test_blank_cells_are_treated_like_zeros(heart_frame: pd.DataFrame) -> None:
    test = heart_frame.head(2).assign(RestingBP=[0.0, np.nan])
    out = _transform(heart_frame, test)
    assert out[VALUE.format("RestingBP")].nunique() == 1
    assert (out[FLAG.format("RestingBP")] > 0).tolist() == [True, True]


def test_missing_codes_and_numbers_are_imputed(heart_frame: pd.DataFrame) -> None:
    test = heart_frame.head(2).copy()
    test["Oldpeak"] = [np.nan, 1.0]
    test["ST_Slope"] = pd.Series([np.nan, "Up"], index=test.index, dtype=object)
    out = _transform(heart_frame, test)
    assert not out.isna().any().any()
    slope_columns = [c for c in out.columns if "ST_Slope" in c]
    assert out.loc[out.index[0], slope_columns].sum() == 1


def test_one_hot_columns_are_fixed_by_the_schema(heart_frame: pd.DataFrame) -> None:
    only_up = heart_frame.assign(ST_Slope="Up")
    out = _transform(only_up, only_up.head(1))
    assert {
        "categorical__ST_Slope_Up",
        "categorical__ST_Slope_Flat",
        "categorical__ST_Slope_Down",
    } <= set(out.columns)
