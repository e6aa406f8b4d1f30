"""The web service of ``movie-recs serve``: HTTP API, page, load shedding, metrics.

Nothing heavy is imported here: the CLI imports this package only for ``serve``.
"""
