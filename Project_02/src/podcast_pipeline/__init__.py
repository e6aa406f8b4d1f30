"""Podcast feeds to SQLite to audio files to transcripts (Airflow 3 DAG and CLI)."""
