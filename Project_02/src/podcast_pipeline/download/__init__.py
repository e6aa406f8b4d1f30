"""Audio downloads: one file (``transfer``) and many at once (``pool``)."""
