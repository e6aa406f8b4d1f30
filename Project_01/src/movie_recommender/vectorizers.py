"""Fit the title vectorizers with scikit-learn (index build time only)."""

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from movie_recommender.matching import (
    CHAR_NGRAMS,
    TOKEN_PATTERN,
    WORD_NGRAMS,
    TitleVectors,
)


def word_vectorizer(vocabulary: list[str] | None = None) -> TfidfVectorizer:
    """The word uni- and bi-gram TF-IDF vectorizer of cleaned titles."""
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=TOKEN_PATTERN,
        ngram_range=WORD_NGRAMS,
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def char_vectorizer(vocabulary: list[str] | None = None) -> TfidfVectorizer:
    """The character 2-4-gram (within words) TF-IDF vectorizer of cleaned titles."""
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
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
    word = word_vectorizer()
    char = char_vectorizer()
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
