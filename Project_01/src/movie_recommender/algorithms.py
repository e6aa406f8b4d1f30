"""Item-to-item recommenders on the user x item rating matrices (pure, no I/O)."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.options import FANS, HYBRID, Settings
from movie_recommender.preferences import Adjacency, Counts, UserSets, threshold

CLASSIC_LIKED_ABOVE = 4.0  # the original: rating > 4, i.e. 4.5 and 5.0
COUNT_BY_ITEMS: bool | None = None  # None: the cheaper way (tests force both)
TARGET_MARGIN = 0.5  # fans' other movies count from half a star below --min-rating
# a fan's vote weighs (number of movies they vote for) ** -ACTIVITY_EXPONENT; this
# and hybrid's blend (z(fans) + HYBRID_WEIGHT * z(co-occurrence), rank 50) were
# tuned with the former random hold-out and hit rate@10 (0.5/0.75/1.0 tried: 0.75;
# weights 0/0.3/0.5/0.8: 0.8), which rewarded popular films; not re-tuned since
# ``ease`` became the one-film default (see movie_recommender.evaluate)
ACTIVITY_EXPONENT = 0.75
HYBRID_WEIGHT = 0.8
HYBRID_WITHOUT_MODEL = (
    "too few ratings for the co-occurrence model: these are fans' recommendations"
)


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class Scores:
    """Recommended items best first (the seed excluded), with their scores."""

    items: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]
    note: str = ""

    def head(self, limit: int | None) -> "Scores":
        """Return the best ``limit`` entries (all when ``limit`` is None)."""
        if limit is None:
            return self
        return Scores(self.items[:limit], self.scores[:limit], self.note)


def genre_matrix(genres: list[str]) -> sp.csr_matrix:
    """Binary items x genres matrix from pipe-separated genre strings."""
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for item, text in enumerate(genres):
        for genre in text.split("|"):
            if genre and genre != "(no genres listed)":
                rows.append(item)
                columns.append(vocabulary.setdefault(genre, len(vocabulary)))
    values = np.ones(len(rows), dtype=np.float64)
    shape = (len(genres), max(len(vocabulary), 1))
    return sp.csr_matrix((values, (rows, columns)), shape=shape)


def _empty(note: str) -> Scores:
    return Scores(np.zeros(0, dtype=np.int64), np.zeros(0), note)


class Recommender:
    """Scores movies for a seed movie; thresholded views are built once and reused."""

    def __init__(
        self,
        by_user: sp.csr_matrix,
        by_item: sp.csc_matrix,
        genres: sp.csr_matrix | None = None,
        view_counts: dict[tuple[float, bool], tuple[Counts, Counts]] | None = None,
    ) -> None:
        """Keep the rating matrices and the items x genres matrix.

        Args:
            by_user: users x items ratings, rows sorted by rating (highest first).
            by_item: the same as CSC, columns sorted by rating (highest first).
            genres: items x genres indicator (no genre boost when None).
            view_counts: precomputed threshold views, see :func:`threshold`.
        """
        self._by_user = by_user
        self._by_item = by_item
        n_items = by_item.shape[1]
        self._genres = sp.csr_matrix((n_items, 1)) if genres is None else genres
        self._genre_counts = np.asarray(self._genres.sum(axis=1)).ravel()
        self._views = {
            key: threshold(by_user, by_item, key[0], strict=key[1], counts=counts)
            for key, counts in (view_counts or {}).items()
        }
        self._popularity = np.diff(by_item.indptr).astype(np.int64)
        self._sets: dict[float, UserSets] = {}

    @property
    def n_items(self) -> int:
        """Number of items (movies)."""
        return int(self._by_item.shape[1])

    def view(self, min_rating: float, *, strict: bool = False) -> Adjacency:
        """Ratings ``>= min_rating`` (``>`` when strict), built once per threshold."""
        key = (float(min_rating), strict)
        if key not in self._views:
            self._views[key] = threshold(
                self._by_user, self._by_item, min_rating, strict=strict
            )
        return self._views[key]

    def _user_sets(self, above: float, liked: Adjacency) -> UserSets:
        if above not in self._sets:
            self._sets[above] = UserSets(liked)
        return self._sets[above]

    def _rank(
        self,
        items: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        seed: int,
        note: str,
    ) -> Scores:
        keep = items != seed
        if not keep.any():
            return _empty(note)
        return self.top(items[keep], scores[keep], None)

    def top(
        self,
        items: npt.NDArray[np.int64],
        scores: npt.NDArray[np.float64],
        limit: int | None,
    ) -> Scores:
        """The best ``limit`` items (all when None) by score, best first.

        Ties go to the more rated movie, then to the lower movieId.
        """
        order = np.lexsort((items, -self._popularity[items], -scores))[:limit]
        return Scores(items[order], scores[order], "")

    def classic(self, seed: int, settings: Settings = DEFAULT_SETTINGS) -> Scores:
        """The original course algorithm, exactly (the seed itself is left out).

        liked = rating above 4; similar = share of the seed's likers who liked a
        movie; keep similar > min_share; all = likers of the movie / distinct users
        who liked any kept movie; score = similar / all.
        """
        above = (
            CLASSIC_LIKED_ABOVE if settings.min_rating is None else settings.min_rating
        )
        liked = self.view(above, strict=True)
        similar_users = liked.users_of(seed)
        if similar_users.size == 0:
            return _empty(
                f"nobody rated this movie above {above:g}, "
                "so classic has no similar users"
            )
        # a movie liked by fewer than min_share of the fans in all cannot be kept
        candidates = np.flatnonzero(
            liked.item_count >= np.floor(settings.min_share * similar_users.size)
        )
        sets = self._user_sets(above, liked)
        counts = sets.overlaps(similar_users, candidates, by_items=COUNT_BY_ITEMS)
        similar = counts / similar_users.size
        kept = candidates[similar > settings.min_share]
        similar = similar[similar > settings.min_share]
        everyone = liked.item_count[kept] / sets.union_size(kept)
        note = (
            f"no other movie was liked by more than {settings.min_share:.0%} of the "
            f"{similar_users.size} users who liked this one"
        )
        return self._rank(kept, similar / everyone, seed, note)

    def fans(
        self, seed: int, settings: Settings = DEFAULT_SETTINGS, *, weighted: bool = True
    ) -> Scores:
        """What the seed's fans also liked.

        Fans rated the seed at least ``min_rating`` (all its raters when nobody did).
        Each fan votes for the movies they rated at least ``min_rating - 0.5`` with
        weight (number of such movies) ** -0.75, so that prolific raters do not
        drown the signal; the vote share is multiplied by a popularity factor
        (by default it favours popular movies a little: measured better) and
        movies sharing the seed's genres get a boost (1 + weight * jaccard**2).
        ``weighted=False`` gives plain co-occurrence counts among the fans.
        """
        min_rating = 4.0 if settings.min_rating is None else settings.min_rating
        fans = self.view(min_rating).users_of(seed)
        if fans.size == 0:
            fans = self._by_item.indices[
                self._by_item.indptr[seed] : self._by_item.indptr[seed + 1]
            ]
        if fans.size == 0:
            return _empty(
                "nobody has rated this movie yet, so there is nothing to go on"
            )
        vote_rating = min_rating - TARGET_MARGIN if weighted else min_rating
        targets = self.view(vote_rating)
        if not weighted:
            counts = self._votes(fans, np.ones(fans.size), vote_rating)
            candidates = np.flatnonzero(counts)
            return self._rank(
                candidates,
                counts[candidates],
                seed,
                "the fans of this movie liked no other movie",
            )
        # prolific fans who like everything weigh less
        weight = np.maximum(targets.user_count[fans], 1) ** -ACTIVITY_EXPONENT
        votes = self._votes(fans, weight, vote_rating)
        candidates = np.flatnonzero(votes)
        share = votes[candidates] / weight.sum()
        boost = 1.0 + settings.genre_weight * self._genre_overlap(seed, candidates) ** 2
        return self._rank(
            candidates,
            share * self._popularity_factor(candidates, settings) * boost,
            seed,
            "the fans of this movie liked no other movie",
        )

    def hybrid(
        self,
        seed: int,
        co_occurrence: npt.NDArray[np.float64] | None,
        settings: Settings = DEFAULT_SETTINGS,
        weight: float = HYBRID_WEIGHT,
    ) -> Scores:
        """``fans`` blended with the seed's smoothed co-occurrence (one seed film).

        The fans' candidates are re-scored as z(fans) + weight * z(co-occurrence),
        both standardised over the candidates: the two signals measure different
        things (a vote share, a low-rank Gram row) on different scales. A weight
        of 0 ranks as ``fans`` does.

        Args:
            seed: the seed movie.
            co_occurrence: the seed's row over the catalogue (see
                ``HistoryModel.co_occurrence``); None when the seed has too few
                ratings to be modelled, and then the answer is ``fans``' (with
                a note saying so).
            settings: the ``fans`` settings.
            weight: how much the co-occurrence counts (default: tuned).
        """
        fans = self.fans(seed, settings)
        if fans.items.size == 0:
            return fans
        if co_occurrence is None:
            return Scores(fans.items, fans.scores, HYBRID_WITHOUT_MODEL)
        blended = _standardised(fans.scores) + weight * _standardised(
            co_occurrence[fans.items]
        )
        return self.top(fans.items, blended, None)

    def _popularity_factor(
        self, items: npt.NDArray[np.int64], settings: Settings
    ) -> npt.NDArray[np.float64]:
        """(damping / (ratings + damping)) ** exponent, scaled to at most 1.

        A positive exponent discounts popular movies (1 for unrated ones); a
        negative one favours them (1 for the most rated movie), so that scores
        stay bounded either way.
        """
        exponent, damping = settings.popularity_exponent, settings.damping
        reference = 0 if exponent >= 0 else int(self._popularity.max(initial=0))
        counts = self._popularity[items].astype(np.float64)
        factor: npt.NDArray[np.float64] = np.power(
            (reference + damping) / (counts + damping), exponent
        )
        return factor

    def _votes(
        self,
        users: npt.NDArray[np.int32],
        weights: npt.NDArray[np.float64],
        min_rating: float,
    ) -> npt.NDArray[np.float64]:
        """Per movie, the summed ``weights`` of the users who rated it >= min_rating.

        The users' whole rows are copied as contiguous slices and the ratings below
        the threshold weigh 0: faster than gathering the rows' prefixes element by
        element, and the sums are accumulated in the same order (same floats).
        """
        rows = self._by_user[users]
        rows.data = (rows.data >= min_rating).astype(np.float64)
        votes: npt.NDArray[np.float64] = rows.T @ weights
        return votes

    def _genre_overlap(
        self, seed: int, items: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Jaccard similarity of the seed's genres with each item's."""
        shared = np.asarray(
            self._genres[items] @ self._genres[seed].T.toarray()
        ).ravel()
        union = self._genre_counts[items] + self._genre_counts[seed] - shared
        overlap: npt.NDArray[np.float64] = np.divide(
            shared, union, out=np.zeros_like(shared), where=union > 0
        )
        return overlap

    def recommend(  # pylint: disable=too-many-arguments,too-many-positional-arguments
        self,
        seed: int,
        algorithm: str = FANS,
        settings: Settings = DEFAULT_SETTINGS,
        limit: int | None = None,
        co_occurrence: npt.NDArray[np.float64] | None = None,
    ) -> Scores:
        """Run one algorithm by name and keep the best ``limit`` results.

        ``co_occurrence`` is the seed's row for ``hybrid`` (see :meth:`hybrid`).
        """
        if algorithm == HYBRID:
            return self.hybrid(seed, co_occurrence, settings).head(limit)
        if algorithm == "classic":
            return self.classic(seed, settings).head(limit)
        if algorithm == "cooccurrence":
            return self.fans(seed, settings, weighted=False).head(limit)
        if algorithm == FANS:
            return self.fans(seed, settings).head(limit)
        raise ValueError(f"unknown algorithm: {algorithm}")


def _standardised(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(values - mean) / standard deviation; all zero when they are all equal."""
    spread = float(values.std())
    if spread == 0.0:
        return np.zeros_like(values)
    standardised: npt.NDArray[np.float64] = (values - values.mean()) / spread
    return standardised
