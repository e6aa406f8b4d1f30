# The local distributed deployment (issue 12): included by ../Makefile.
# PostgreSQL, Redis and Airflow with the CeleryExecutor on 127.0.0.1, under .stack/.

STACK        := $(RUN) python -m stack
LINT_PATHS   += stack

.PHONY: stack-up stack-run stack-status stack-down lint-stack

stack-up: install ## Start PostgreSQL, Redis, Airflow (CeleryExecutor, 2 workers) in .stack/
	$(STACK) up

stack-run: install ## Trigger podcast_summary on the stack: FEEDS="url ..." [MAX_EPISODES=N]
	$(STACK) run $(foreach feed,$(FEEDS),--feed '$(feed)') \
		$(if $(MAX_EPISODES),--max-episodes '$(MAX_EPISODES)')

stack-status: install ## Each stack service's pid and health (exit 1 unless all healthy)
	$(STACK) status

stack-down: install ## Stop everything stack-up started
	$(STACK) down

lint: lint-stack
lint-stack: install
	$(RUN) pylint stack
