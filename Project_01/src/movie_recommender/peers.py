"""Peers from a maintained library, for the evaluation: `implicit`'s models.

ALS (Hu, Koren and Volinsky 2008, conjugate-gradient solver) and item-kNN with
BM25 or cosine weights, each fitted on the same binary user x film matrix as
every rating (a rating is an interaction; its value is not used). Their settings
were chosen on the evaluation's tuning users with ``python -m benchmarks.tune``.
"""

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

ALS = "implicit-als"
BM25 = "implicit-bm25"
COSINE = "implicit-cosine"
PEERS = (ALS, BM25, COSINE)
RANDOM_STATE = 20081215
_UNSCORED = -1e38

# chosen on the tuning users (leave-last-out, the best history NDCG@10 of each grid
# of `python -m benchmarks.tune`: ALS 0.0605, BM25 0.0473, cosine 0.0598)
DEFAULTS: dict[str, dict[str, float]] = {
    ALS: {"factors": 32, "regularization": 1.0, "alpha": 5.0, "iterations": 15},
    BM25: {"K": 50, "K1": 1.2, "B": 0.25},
    COSINE: {"K": 20},
}


@dataclass
class Peer:
    """One fitted `implicit` model, asked the way its library answers."""

    name: str
    model: Any
    n_items: int
    params: dict[str, float] = field(default_factory=dict)

    def for_history(self, user: int, row: sp.csr_matrix) -> npt.NDArray[np.float64]:
        """Score every film for a user from their training row (``recommend``)."""
        ids, scores = self.model.recommend(
            user, row, N=self.n_items, filter_already_liked_items=False
        )
        return _fill(self.n_items, ids, scores)

    def for_film(self, item: int) -> npt.NDArray[np.float64]:
        """Score every film by similarity to one film (``similar_items``)."""
        ids, scores = self.model.similar_items(item, N=self.n_items)
        full = _fill(self.n_items, ids, scores)
        full[item] = -np.inf
        return full


def fit_peer(name: str, train: sp.csr_matrix, **params: float) -> Peer:
    """Fit one peer on the training ratings (users x films), as a binary matrix.

    ``params`` override :data:`DEFAULTS` (for tuning).
    """
    # imported here: only the evaluation needs implicit (and its OpenMP runtime)
    from implicit.als import AlternatingLeastSquares  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
    from implicit.nearest_neighbours import (  # noqa: PLC0415  # pylint: disable=import-outside-toplevel
        BM25Recommender,
        CosineRecommender,
    )
    from implicit.utils import ParameterWarning  # noqa: PLC0415  # pylint: disable=import-outside-toplevel

    chosen = DEFAULTS[name] | params
    binary = sp.csr_matrix(train, dtype=np.float32, copy=True)
    binary.data[:] = 1.0
    model: Any
    # implicit asks for a single-threaded BLAS (its own threads run the fit); its
    # item-kNN models convert their own transposed matrix and say so: not ours
    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ParameterWarning)
        if name == ALS:
            model = AlternatingLeastSquares(
                factors=int(chosen["factors"]),
                regularization=chosen["regularization"],
                alpha=chosen["alpha"],
                iterations=int(chosen["iterations"]),
                random_state=RANDOM_STATE,
            )
        elif name == BM25:
            model = BM25Recommender(K=int(chosen["K"]), K1=chosen["K1"], B=chosen["B"])
        else:
            model = CosineRecommender(K=int(chosen["K"]))
        model.fit(binary, show_progress=False)
    return Peer(name, model, int(train.shape[1]), chosen)


def _fill(
    n_items: int, ids: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    full = np.full(n_items, -np.inf)
    # implicit marks the films it could not score with -FLT_MAX (about -3.4e38)
    scored = np.asarray(scores) > _UNSCORED
    full[np.asarray(ids)[scored]] = np.asarray(scores, dtype=np.float64)[scored]
    return full
