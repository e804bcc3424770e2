"""Run the real ``govarchive`` entry point in-process and capture what it printed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from govarchive.cli.main import main


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """``govarchive ARGS…`` through ``main()``, so the exit-code contract is what is tested."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return CliResult(code if isinstance(code, int) else (0 if code is None else 1), captured.out, captured.err)
