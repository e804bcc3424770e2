"""``govarchive serve``: the web UI and HTTP API over the home's catalog and object store."""

from __future__ import annotations

import socket

import typer

from .context import get_settings
from .output import console, fail


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default: web.host, 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", min=0, max=65535, help="Port (default: web.port, 8000)."),
) -> None:
    """Serve the web UI and HTTP API until interrupted."""
    import uvicorn

    from archive.errors import ArchiveError
    from govarchive.config import ConfigError, ensure_home_writable
    from govarchive.web import create_app

    settings = get_settings(ctx)
    try:
        ensure_home_writable(settings)
        app = create_app(settings)
    except (ConfigError, ArchiveError) as exc:
        fail(str(exc))
    bind_host = host or settings.web.host
    bind_port = settings.web.port if port is None else port
    listener = _listen(bind_host, bind_port)  # before saying "serving": a busy port is one line, exit 1
    bind_port = listener.getsockname()[1]
    console.print(f"govarchive serving {settings.home.resolve()} on http://{bind_host}:{bind_port}/", markup=False)
    setup_token = app.state.web.setup_token
    if setup_token:
        console.print(
            "no web users yet: create the first administrator at "
            f"http://{bind_host}:{bind_port}/setup?token={setup_token} (one time), "
            "or with `govarchive users add NAME --admin`",
            markup=False,
        )
    config = uvicorn.Config(app, host=bind_host, port=bind_port, log_level="warning", access_log=False,
                            proxy_headers=False)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or one clear line and exit 1."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    listener.set_inheritable(True)
    return listener
