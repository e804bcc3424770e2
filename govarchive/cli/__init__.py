"""The ``govarchive`` command line (contract: docs/cli.md)."""
