"""Find the movie a user means from free text and recommend what its fans also loved."""

__version__ = "0.1.0"
