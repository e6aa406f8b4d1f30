"""Find the movie a free-text query means: TF-IDF over words and character n-grams."""

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from movie_recommender.options import DEFAULT_MIN_SIMILARITY
from movie_recommender.titles import clean_query

TOKEN_PATTERN = r"(?u)\b\w+\b"  # noqa: S105  (a regex; keeps one-letter words)
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
_TOKEN = re.compile(TOKEN_PATTERN)
_WHITE_SPACES = re.compile(r"\s\s+")
WORD_WEIGHT = 0.4  # the rest goes to character n-grams, which forgive typos
YEAR_BONUS = 0.15  # a query ending in the film's year ("matrix 1999") wins
NEAR_YEAR_BONUS = 0.05
POPULARITY_BONUS = 0.1  # breaks near-ties toward the film people actually rated
MAIN_TITLE_FACTOR = 0.95  # "star wars" equals the head of "Star Wars: Episode IV"


@dataclass(frozen=True)
class TitleVectors:
    """The fitted vocabularies and TF-IDF vectors: full titles, then their heads."""

    word_vocabulary: list[str]
    word_idf: npt.NDArray[np.float64]
    char_vocabulary: list[str]
    char_idf: npt.NDArray[np.float64]
    word_matrix: sp.csr_matrix
    char_matrix: sp.csr_matrix


@dataclass(frozen=True)
class Candidate:
    """One ranked search hit (``item`` indexes the catalogue)."""

    item: int
    similarity: float
    rank_score: float


class QueryVectorizer:
    """TF-IDF transform of one query from a stored vocabulary and idf.

    It reproduces scikit-learn's ``TfidfVectorizer.transform`` for the settings of
    :mod:`movie_recommender.vectorizers` (the tests check equality), so that a
    query never imports scikit-learn: that import alone costs seconds.
    """

    def __init__(
        self, analyzer: str, vocabulary: list[str], idf: npt.NDArray[np.float64]
    ) -> None:
        """Index the vocabulary of a fitted ``word`` or ``char_wb`` vectorizer."""
        self._analyzer = analyzer
        self._columns = {term: column for column, term in enumerate(vocabulary)}
        self._idf = idf

    def terms(self, text: str) -> list[str]:
        """The n-grams scikit-learn's analyzer would produce for ``text``."""
        text = text.lower()
        if self._analyzer == "word":
            tokens = _TOKEN.findall(text)
            low, high = WORD_NGRAMS
            return [
                " ".join(tokens[start : start + size])
                for size in range(low, high + 1)
                for start in range(len(tokens) - size + 1)
            ]
        grams: list[str] = []
        low, high = CHAR_NGRAMS
        for word in _WHITE_SPACES.sub(" ", text).split():
            padded = f" {word} "
            for size in range(low, high + 1):
                if len(padded) <= size:  # a short word counts once, as in sklearn
                    grams.append(padded)
                    break
                grams.extend(
                    padded[start : start + size]
                    for start in range(len(padded) - size + 1)
                )
        return grams

    def transform(self, text: str) -> sp.csr_matrix:
        """Return the l2-normalised, sublinear-tf TF-IDF row vector of ``text``."""
        counts: dict[int, int] = {}
        for term in self.terms(text):
            column = self._columns.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.array(sorted(counts), dtype=np.int64)
        values = np.array([counts[c] for c in columns], dtype=np.float64)
        weights = (1.0 + np.log(values)) * self._idf[columns]
        norm = float(np.sqrt((weights**2).sum()))
        if norm > 0:
            weights = weights / norm
        shape = (1, self._idf.size)
        return sp.csr_matrix(
            (weights.astype(np.float32), (np.zeros(columns.size, np.int64), columns)),
            shape=shape,
        )


class TitleMatcher:
    """Rank catalogue titles against a query (rebuilt from stored vocabularies)."""

    def __init__(
        self,
        vectors: TitleVectors,
        years: npt.NDArray[np.int32],
        rating_counts: npt.NDArray[np.int64],
    ) -> None:
        """Rebuild the vectorizers from their vocabulary and idf (no refit)."""
        self._vectors = vectors
        self._word = QueryVectorizer("word", vectors.word_vocabulary, vectors.word_idf)
        self._char = QueryVectorizer(
            "char_wb", vectors.char_vocabulary, vectors.char_idf
        )
        self._years = years
        popularity = np.log1p(rating_counts.astype(np.float64))
        self._popularity = popularity / max(float(popularity.max(initial=0.0)), 1.0)

    def similarities(self, text: str) -> npt.NDArray[np.float64]:
        """Cosine similarity of a cleaned text to every title (word and char blend)."""
        word_query = self._word.transform(text)
        char_query = self._char.transform(text)
        word_scores = (self._vectors.word_matrix @ word_query.T).toarray().ravel()
        char_scores = (self._vectors.char_matrix @ char_query.T).toarray().ravel()
        blended = WORD_WEIGHT * word_scores + (1.0 - WORD_WEIGHT) * char_scores
        n_items = blended.size // 2
        best = np.maximum(blended[:n_items], MAIN_TITLE_FACTOR * blended[n_items:])
        return np.asarray(best, dtype=np.float64)

    def search(
        self,
        query: str,
        limit: int,
        min_similarity: float = DEFAULT_MIN_SIMILARITY,
    ) -> list[Candidate]:
        """Return up to ``limit`` titles at or above ``min_similarity``, best first."""
        text, year = clean_query(query)
        if not text:
            return []
        similarity = self.similarities(text)
        rank = similarity + POPULARITY_BONUS * self._popularity * (similarity > 0)
        if year:
            gap = np.abs(self._years - year)
            rank = rank + np.where(gap == 0, YEAR_BONUS, 0.0)
            rank = rank + np.where(gap == 1, NEAR_YEAR_BONUS, 0.0)
        eligible = np.flatnonzero(similarity >= min_similarity)
        if eligible.size > limit:
            top = np.argpartition(-rank[eligible], limit - 1)[:limit]
            eligible = eligible[top]
        # best first; equal ranks fall back to the catalogue order (movieId)
        order = np.lexsort((eligible, -rank[eligible]))
        return [
            Candidate(int(item), float(similarity[item]), float(rank[item]))
            for item in eligible[order]
        ]
