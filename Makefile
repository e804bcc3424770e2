# The two commands of the README: `make demo` and `make test`.
.PHONY: demo test setup setup-test lint bench lock clean

demo: setup
	.venv/bin/govarchive demo

test: setup-test
	.venv/bin/ruff check govarchive scheduler alerts spiders crawler archive tests bench
	.venv/bin/mypy  # the packages named in pyproject's [tool.mypy] files
	scripts/check_install.sh  # the bundled pip's resolver, a throwaway venv, every lazy import
	.venv/bin/python -m pytest

setup:
	scripts/setup.sh demo

setup-test:
	scripts/setup.sh test

lint: setup-test
	.venv/bin/ruff check govarchive scheduler alerts spiders crawler archive tests bench
	.venv/bin/mypy

bench: setup-test
	for b in bench/*.py; do .venv/bin/python $$b || exit 1; done

# Refresh constraints.txt (the lock) from the current environment.
lock:
	.venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf .venv govarchive-data .pytest_cache .mypy_cache
