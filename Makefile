# Shorthands for scripts/dev.sh, which does the real work (and needs no make).
.PHONY: run test bench package smoke lint format clean
run:
	bash scripts/dev.sh run $(ARGS)
test:
	bash scripts/dev.sh test $(ARGS)
bench:
	bash scripts/dev.sh bench
package:
	bash scripts/dev.sh package
smoke:
	bash packaging/linux/smoke-test.sh
lint:
	.venv/bin/python -m ruff check animator tests benchmarks packaging main.py
format:
	.venv/bin/python -m ruff format animator tests benchmarks packaging main.py
	.venv/bin/python -m ruff check --fix animator tests benchmarks packaging main.py
clean:
	rm -rf .venv build dist *.egg-info .pytest_cache .ruff_cache
