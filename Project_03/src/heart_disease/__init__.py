"""Heart-disease classifier: validated data in, a safe, documented model out."""

__version__ = "0.1.0"
