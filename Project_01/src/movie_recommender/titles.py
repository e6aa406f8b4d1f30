"""Normalise movie titles and queries so that they can be compared."""

import re
import unicodedata

_TRAILING_YEAR = re.compile(r"\s*\((\d{4})(?:[-\u2013]\d{0,4})?\)\s*$")
_QUERY_YEAR = re.compile(r"^(.*?)[\s,]*\(?\b(1[89]\d\d|20\d\d)\)?\s*$")
_TRAILING_ARTICLE = re.compile(
    r"^(.*), (the|a|an|les|la|le|l'|il|el|die|der|das)$", re.I
)
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def split_year(title: str) -> tuple[str, int]:
    """Split ``"Toy Story (1995)"`` into ``("Toy Story", 1995)``; 0 when no year."""
    found = _TRAILING_YEAR.search(title)
    if not found:
        return title.strip(), 0
    return title[: found.start()].strip(), int(found.group(1))


def _move_article(title: str) -> str:
    # MovieLens writes "Godfather, The"; people type "the godfather".
    head, _, tail = title.partition(" (")
    moved = _TRAILING_ARTICLE.match(head)
    if moved:
        head = f"{moved.group(2)} {moved.group(1)}"
    return f"{head} ({tail}" if tail else head


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces (no accents, punctuation)."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    )
    return _SPACES.sub(
        " ", _NOT_WORD.sub(" ", ascii_text.lower().replace("'", ""))
    ).strip()


def clean_title(title: str) -> tuple[str, int]:
    """Return the searchable text of a catalogue title and its year (0 if none)."""
    name, year = split_year(title)
    return normalise(_move_article(name)), year


def clean_main_title(title: str) -> str:
    """Return the searchable text of a title's head: before ':', ' - ' or '(a.k.a.'.

    "Star Wars: Episode IV - A New Hope (1977)" gives "star wars".
    """
    name, _ = split_year(title)
    name = _move_article(name).partition(" (")[0]
    for separator in (": ", " - "):
        name = name.partition(separator)[0]
    return normalise(name)


def clean_query(query: str) -> tuple[str, int]:
    """Return the searchable text of a query and the year it ends with (0 if none).

    A query that is only a year ("1984") is kept as text: it may be a title.
    """
    found = _QUERY_YEAR.match(query.strip())
    if found and normalise(found.group(1)):
        return normalise(found.group(1)), int(found.group(2))
    return normalise(query), 0
