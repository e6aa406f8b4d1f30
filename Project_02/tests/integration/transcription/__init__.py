"""Integration tests of podcast_pipeline.transcription on real speech."""
