"""A check a person would make: do well-known films get their obvious companions?

Twelve famous films of MovieLens, each with the film just before or after it in its
series (any of them counts). For an algorithm's one-film answer (ten films) it
counts how often a companion is among them, and how many of the ten are among the
20 most rated films of the data set (a list that merely repeats the most rated
films scores high there).
"""

from dataclasses import dataclass

import numpy as np

from movie_recommender.engine import Engine
from movie_recommender.options import RecommendOptions

# movieId -> the movieIds of its companions (ml-latest-small and ml-25m ids)
FAMOUS: dict[int, tuple[int, ...]] = {
    1: (3114,),  # Toy Story -> Toy Story 2
    2571: (6365,),  # The Matrix -> The Matrix Reloaded
    4306: (8360,),  # Shrek -> Shrek 2
    1270: (2011,),  # Back to the Future -> Part II
    5349: (8636,),  # Spider-Man -> Spider-Man 2
    59315: (77561,),  # Iron Man -> Iron Man 2
    58559: (33794, 91529),  # The Dark Knight -> Batman Begins, The Dark Knight Rises
    260: (1196,),  # Star Wars -> The Empire Strikes Back
    4993: (5952,),  # The Fellowship of the Ring -> The Two Towers
    4896: (5816,),  # Harry Potter's Stone -> the Chamber of Secrets
    6539: (45722,),  # Pirates of the Caribbean -> Dead Man's Chest
    858: (1221,),  # The Godfather -> Part II
}
MOST_RATED = 20
LIST_LENGTH = 10


@dataclass(frozen=True)
class CompanionCheck:
    """One algorithm over the famous films present in the data."""

    algorithm: str
    films: int
    companions_found: int
    mean_overlap: float
    missing: list[str]


def check_companions(engine: Engine, algorithm: str | None = None) -> CompanionCheck:
    """Ask ``algorithm`` (None: the default) for each famous film's ten films."""
    index = engine.index
    most_rated = set(
        index.movie_ids[np.argsort(-index.rating_counts, kind="stable")[:MOST_RATED]]
    )
    options = RecommendOptions(algorithm=algorithm, limit=LIST_LENGTH)
    found, overlaps, missing, name = 0, [], [], algorithm or ""
    present = {
        movie_id: companions
        for movie_id, companions in FAMOUS.items()
        if np.isin(movie_id, index.movie_ids)
    }
    for movie_id, companions in present.items():
        answer = engine.recommend_movies([movie_id], options)
        name = answer.algorithm
        ids = {rec.movie_id for rec in answer.recommendations}
        overlaps.append(len(ids & most_rated))
        if ids & set(companions):
            found += 1
        else:
            missing.append(index.titles[index.item_of(movie_id)])
    mean_overlap = float(np.mean(overlaps)) if overlaps else 0.0
    return CompanionCheck(name, len(present), found, mean_overlap, missing)
