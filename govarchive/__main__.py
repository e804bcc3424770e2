"""``python -m govarchive`` is the ``govarchive`` command."""

from govarchive.cli.main import main

main()
