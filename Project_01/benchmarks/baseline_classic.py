"""The original course algorithm in plain pandas: the baseline the benchmark beats.

This follows the well-known notebook step by step (boolean masks over the whole
ratings frame for every query); only the seed is dropped from the result, as in
``movie-recs``.
"""

import pandas as pd

LIKED_ABOVE = 4  # the original: rating > 4
MIN_SHARE = 0.10


def find_similar_movies(ratings: pd.DataFrame, movie_id: int) -> pd.Series:
    """Classic scores of every kept movie for ``movie_id``, best first."""
    similar_users = ratings[
        (ratings["movieId"] == movie_id) & (ratings["rating"] > LIKED_ABOVE)
    ]["userId"].unique()
    similar_user_recs = ratings[
        (ratings["userId"].isin(similar_users)) & (ratings["rating"] > LIKED_ABOVE)
    ]["movieId"]
    similar_user_recs = similar_user_recs.value_counts() / len(similar_users)
    similar_user_recs = similar_user_recs[similar_user_recs > MIN_SHARE]
    all_users = ratings[
        (ratings["movieId"].isin(similar_user_recs.index))
        & (ratings["rating"] > LIKED_ABOVE)
    ]
    all_user_recs = all_users["movieId"].value_counts() / len(
        all_users["userId"].unique()
    )
    rec_percentages = pd.concat([similar_user_recs, all_user_recs], axis=1)
    rec_percentages.columns = ["similar", "all"]
    rec_percentages["score"] = rec_percentages["similar"] / rec_percentages["all"]
    rec_percentages = rec_percentages.sort_values("score", ascending=False)
    scores: pd.Series = rec_percentages["score"]
    return scores.drop(index=movie_id, errors="ignore")
