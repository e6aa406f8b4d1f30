"""Find the movie a free-text query means: TF-IDF over words and character n-grams."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from movie_recommender.options import DEFAULT_MIN_SIMILARITY
from movie_recommender.titles import clean_query

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


def _word_vectorizer(vocabulary: list[str] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106  (a regex, not a password)
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def _char_vectorizer(vocabulary: list[str] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def fit_title_vectors(clean_titles: list[str], main_titles: list[str]) -> TitleVectors:
    """Fit both vectorizers on the cleaned titles; vectorize titles and heads.

    The matrices hold one row per full title, then one per title head.
    """
    documents = [title or "untitled" for title in clean_titles]
    heads = [head or "untitled" for head in main_titles]
    word = _word_vectorizer()
    char = _char_vectorizer()
    word.fit(documents)
    char.fit(documents)
    word_matrix = sp.csr_matrix(
        sp.vstack([word.transform(documents), word.transform(heads)])
    )
    char_matrix = sp.csr_matrix(
        sp.vstack([char.transform(documents), char.transform(heads)])
    )
    return TitleVectors(
        word_vocabulary=word.get_feature_names_out().tolist(),
        word_idf=np.asarray(word.idf_, dtype=np.float64),
        char_vocabulary=char.get_feature_names_out().tolist(),
        char_idf=np.asarray(char.idf_, dtype=np.float64),
        word_matrix=word_matrix,
        char_matrix=char_matrix,
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
        self._word = _word_vectorizer(vectors.word_vocabulary)
        self._word.idf_ = vectors.word_idf
        self._char = _char_vectorizer(vectors.char_vocabulary)
        self._char.idf_ = vectors.char_idf
        self._years = years
        popularity = np.log1p(rating_counts.astype(np.float64))
        self._popularity = popularity / max(float(popularity.max(initial=0.0)), 1.0)

    def similarities(self, text: str) -> npt.NDArray[np.float64]:
        """Cosine similarity of a cleaned text to every title (word and char blend)."""
        word_query = self._word.transform([text])
        char_query = self._char.transform([text])
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
