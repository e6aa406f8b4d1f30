"""A local distributed deployment of the ``podcast_summary`` DAG.

PostgreSQL (a project-local cluster), Redis and Airflow with the CeleryExecutor
(api-server, scheduler, dag-processor, triggerer, two Celery workers), all on
127.0.0.1, everything under ``.stack/``. ``python -m stack --help`` (or the
``make stack-*`` targets) brings it up, reports its state, triggers runs
through the REST API and takes it down.
"""
