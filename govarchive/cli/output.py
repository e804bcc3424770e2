"""How every command speaks: plain short results, ``--json`` for scripts, one-line errors.

Contract (docs/cli.md): exit 0 on success, 1 on a failure explained in one line on stderr,
2 on bad usage; with ``--json`` stdout holds exactly one JSON document.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table


def can_encode_chinese(stream: Any) -> bool:
    """Whether ``stream``'s encoding can carry Chinese (not so under PYTHONIOENCODING=ascii, latin-1 …)."""
    try:
        "中文".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _question_marks(error: UnicodeError) -> tuple[str, int]:
    """A ``?`` per terminal cell (two for a Chinese character), so tables stay aligned."""
    assert isinstance(error, UnicodeEncodeError)
    text = error.object[error.start : error.end]
    return "?" * cell_len(text), error.end


codecs.register_error("govarchive-cells", _question_marks)


def prepare_streams() -> None:
    """On a terminal that cannot show Chinese, print ``?`` for what it cannot show instead of
    dying with UnicodeEncodeError; ``--json`` then escapes (``\\u4e2d``) so no data is lost."""
    for stream in (sys.stdout, sys.stderr):
        if not can_encode_chinese(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="govarchive-cells")


# Piped output (grep, less, a log) gets a wide page instead of rich's default 80 columns.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_FAILURE = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A failure the user can act on; printed as one line, exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Stop the command with one clear line on stderr."""
    raise CommandError(message, code)


def usage_error(message: str) -> NoReturn:
    """Stop the command as bad usage (exit 2)."""
    raise CommandError(message, EXIT_USAGE)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(document: Any) -> str:
    """Serialise for ``--json``: Chinese kept readable (escaped when stdout cannot carry it), dates ISO 8601."""
    return json.dumps(document, ensure_ascii=not can_encode_chinese(sys.stdout), indent=2, default=_default)


def emit_json(document: Any) -> None:
    """Print exactly one JSON document on stdout."""
    sys.stdout.write(dumps(document) + "\n")
    sys.stdout.flush()


def print_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    """A short plain table for humans."""
    table = Table(title=title, show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 error``, ``2 errors``: English plurals for the command line's summaries."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


JsonOption = typer.Option(False, "--json", help="Print one JSON document on stdout.")
