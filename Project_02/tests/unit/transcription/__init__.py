"""Unit tests of podcast_pipeline.transcription."""
