"""The preprocessing half of the pipeline: imputation, indicators, encoding, scaling."""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from heart_disease.schema import (
    CATEGORICAL_FEATURES,
    CATEGORY_CODES,
    NUMERIC_FEATURES,
    ZERO_MEANS_MISSING,
)


def build_preprocessor() -> ColumnTransformer:
    """Build the unfitted preprocessing step.

    ``RestingBP`` and ``Cholesterol`` of 0 mean "not measured": they are turned
    into missing values, imputed with the training median, and flagged by an
    indicator column (an unmeasured cholesterol is itself informative). Every
    statistic is learnt in ``fit``, so only training rows are ever looked at.

    Returns:
        A ``ColumnTransformer`` taking the raw feature columns.
    """
    zero_as_missing = Pipeline(
        [
            # Blank cells and zeros both mean "not measured": fold blanks into 0.
            ("blank_as_zero", SimpleImputer(strategy="constant", fill_value=0)),
            (
                "impute_and_flag",
                FeatureUnion(
                    [
                        (
                            "value",
                            SimpleImputer(
                                missing_values=0,
                                strategy="median",
                                keep_empty_features=True,
                            ),
                        ),
                        # Always present, even when the training rows have no zero.
                        (
                            "not_measured",
                            MissingIndicator(missing_values=0, features="all"),
                        ),
                    ]
                ),
            ),
            ("scale", StandardScaler()),
        ]
    )
    other_numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    )
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent", missing_values=np.nan)),
            (
                "one_hot",
                OneHotEncoder(
                    categories=[list(CATEGORY_CODES[c]) for c in CATEGORICAL_FEATURES],
                    handle_unknown="ignore",
                    sparse_output=False,
                ),
            ),
        ]
    )
    return ColumnTransformer(
        [
            ("zero_as_missing", zero_as_missing, list(ZERO_MEANS_MISSING)),
            (
                "numeric",
                other_numeric,
                [c for c in NUMERIC_FEATURES if c not in ZERO_MEANS_MISSING],
            ),
            ("categorical", categorical, list(CATEGORICAL_FEATURES)),
        ]
    )
