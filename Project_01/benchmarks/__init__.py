"""Benchmarks of movie-recs (run with `make bench`)."""
