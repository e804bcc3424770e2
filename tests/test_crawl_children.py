"""One crawl-child launcher (``scheduler.children.launch_crawl``) for the scheduler and the web app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from govarchive.config import load_settings
from govarchive.web import services
from scheduler.children import ChildRegistry, default_crawl_command, launch_crawl

ECHO = "import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'own_group': os.getpgid(0) == os.getpid(), 'env': os.environ.get('CHILD_MARK')}))"


def test_launch_crawl_runs_the_crawl_command_in_its_own_group(tmp_path: Path) -> None:
    script = tmp_path / "echo.py"
    script.write_text(ECHO)
    child = launch_crawl([sys.executable, str(script)], ["a", "b"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env={"CHILD_MARK": "yes"}, extra=["--no-alerts"])
    out, _ = child.communicate(timeout=60)
    seen = json.loads(out)
    assert seen == {"argv": ["crawl", "a", "b", "--json", "--no-alerts"], "own_group": True, "env": "yes"}


def test_the_registry_refuses_new_children_once_closing(tmp_path: Path) -> None:
    registry = ChildRegistry()
    registry.stop_all(grace=1)
    assert registry.spawn(default_crawl_command(), ["x"], env={}, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) is None


def test_the_web_app_starts_its_crawls_through_the_same_launcher(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    started = services.start_crawl(settings, ["nosuch"], known=["nosuch"])
    child = services._crawls[started["pid"]].process
    assert child.wait(timeout=120) == 1  # a real `govarchive crawl nosuch --json` child, refused with one line
    log = Path(started["log"]).with_suffix(".log").read_text(encoding="utf-8")
    assert "unknown source 'nosuch'" in log and "Traceback" not in log
    listed = {c["pid"]: c for c in services.crawl_processes()}
    assert listed[started["pid"]]["exit_code"] == 1 and listed[started["pid"]]["sources"] == ["nosuch"]
