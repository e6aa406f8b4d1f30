"""Candidate classifiers, each wrapped with the preprocessing in one Pipeline."""

from typing import Any

from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from heart_disease.errors import InputError
from heart_disease.features import build_preprocessor

CANDIDATES: tuple[str, ...] = (
    "logistic",
    "knn",
    "random-forest",
    "gradient-boosting",
    "ensemble",
)
AUTO = "auto"

# Small grids: the whole --model auto --tune run stays well under two minutes.
PARAM_GRIDS: dict[str, dict[str, list[Any]]] = {
    "logistic": {"model__C": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]},
    "knn": {
        "model__n_neighbors": [9, 15, 25, 35],
        "model__weights": ["uniform", "distance"],
    },
    "random-forest": {
        "model__min_samples_leaf": [1, 2, 4],
        "model__max_features": ["sqrt", 0.5],
    },
    "gradient-boosting": {
        "model__learning_rate": [0.03, 0.1],
        "model__max_depth": [2, 3],
        "model__n_estimators": [100, 200],
    },
    "ensemble": {
        "model__logistic__C": [0.03, 0.1, 0.3],
        "model__random_forest__min_samples_leaf": [2, 4],
    },
}


def _logistic() -> LogisticRegression:
    # Strong L2 regularisation: 918 rows, 20 one-hot/scaled columns.
    return LogisticRegression(C=0.1, max_iter=5000)


def _knn() -> KNeighborsClassifier:
    return KNeighborsClassifier(n_neighbors=25, weights="distance")


def _random_forest(seed: int) -> RandomForestClassifier:
    return RandomForestClassifier(
        n_estimators=300, min_samples_leaf=2, max_features="sqrt", random_state=seed
    )


def _gradient_boosting(seed: int) -> GradientBoostingClassifier:
    return GradientBoostingClassifier(
        n_estimators=150,
        learning_rate=0.05,
        max_depth=2,
        subsample=0.8,
        random_state=seed,
    )


def build_classifier(name: str, seed: int) -> Any:
    """Build one unfitted candidate classifier with its default hyperparameters.

    Args:
        name: One of :data:`CANDIDATES`.
        seed: Random state for the randomised models.

    Returns:
        A scikit-learn classifier with ``predict_proba``.

    Raises:
        InputError: ``name`` is not a candidate.
    """
    if name == "logistic":
        return _logistic()
    if name == "knn":
        return _knn()
    if name == "random-forest":
        return _random_forest(seed)
    if name == "gradient-boosting":
        return _gradient_boosting(seed)
    if name == "ensemble":
        # Soft voting averages probabilities of models that err differently.
        return VotingClassifier(
            [
                ("logistic", _logistic()),
                ("random_forest", _random_forest(seed)),
                ("gradient_boosting", _gradient_boosting(seed)),
                ("knn", _knn()),
            ],
            voting="soft",
        )
    raise InputError(f"unknown model {name!r}; choose from {', '.join(CANDIDATES)}")


def build_pipeline(name: str, seed: int) -> Pipeline:
    """Build the unfitted preprocessing + classifier pipeline for a candidate.

    Args:
        name: One of :data:`CANDIDATES`.
        seed: Random state for the randomised models.

    Returns:
        A ``Pipeline`` with steps ``preprocess`` and ``model``.
    """
    return Pipeline(
        [("preprocess", build_preprocessor()), ("model", build_classifier(name, seed))]
    )
