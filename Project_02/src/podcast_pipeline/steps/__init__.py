"""The pipeline's steps, each written once; the CLI and the DAG both call them.

- :mod:`~podcast_pipeline.steps.feeds`: fetch feeds, store their episodes.
- :mod:`~podcast_pipeline.steps.downloads`: claim, download, record (per episode
  or many at once).
- :mod:`~podcast_pipeline.steps.transcripts`: claim, transcribe, record.
"""
