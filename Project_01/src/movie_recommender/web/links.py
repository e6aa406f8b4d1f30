"""Links to each film's pages (MovieLens, and IMDb/TMDb from ``links.csv``)."""

import csv
from dataclasses import dataclass
from pathlib import Path

from movie_recommender.errors import InputError

LINKS_FILE = "links.csv"
LINK_COLUMNS = ("movieId", "imdbId", "tmdbId")


@dataclass(frozen=True)
class ExternalIds:
    """A film's ids on IMDb and TMDb as ``links.csv`` writes them (may be empty)."""

    imdb: str
    tmdb: str


def read_links(data_dir: Path) -> dict[int, ExternalIds]:
    """Read ``links.csv`` of a MovieLens folder; an absent file gives no links.

    Raises:
        InputError: when the file lacks a column or a row has a malformed id.
    """
    path = data_dir / LINKS_FILE
    if not path.is_file():
        return {}
    links: dict[int, ExternalIds] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in LINK_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path} is missing columns: {', '.join(missing)}")
            for row in reader:
                imdb, tmdb = row["imdbId"].strip(), row["tmdbId"].strip()
                if not row["movieId"].strip().isdigit() or not (
                    imdb.isdigit() or not imdb
                ):
                    raise InputError(
                        f"{path} line {reader.line_num}: malformed ids "
                        f"(movieId {row['movieId']!r}, imdbId {imdb!r})"
                    )
                if tmdb and not tmdb.isdigit():
                    raise InputError(
                        f"{path} line {reader.line_num}: malformed tmdbId {tmdb!r}"
                    )
                links[int(row["movieId"])] = ExternalIds(imdb, tmdb)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read {path}: {error}") from error
    return links


def film_links(movie_id: int, ids: ExternalIds | None) -> dict[str, str]:
    """The film's MovieLens page, plus IMDb and TMDb when ``links.csv`` has them."""
    links = {"movielens": f"https://movielens.org/movies/{movie_id}"}
    if ids is not None and ids.imdb:
        links["imdb"] = f"https://www.imdb.com/title/tt{ids.imdb}/"
    if ids is not None and ids.tmdb:
        links["tmdb"] = f"https://www.themoviedb.org/movie/{ids.tmdb}"
    return links
