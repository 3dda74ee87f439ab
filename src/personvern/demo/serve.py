"""Serving the demo: the listening socket, the app with the shop's page, and a clean stop.

The socket is bound before anything is built, so a port in use or an unknown host is
refused at once and writes nothing; uvicorn then serves on that very socket (no race for
the port, and ``--port 0`` takes any free one).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from types import FrameType

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from personvern.demo import MANIFEST, shop_page
from personvern.demo.workspace import Workspace
from personvern.jobs.registry import JobEnvironment
from personvern.jobs.runner import InProcessRunner
from personvern.store.database import make_engine
from personvern.web.app import create_app
from personvern.web.settings import Settings

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
WORKER_POLL_SECONDS = 1.0  # an approved request starts within a second of "run"
log = logging.getLogger(__name__)


class ListenError(RuntimeError):
    """The demo cannot listen where it was asked to."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (0: any free port)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                    flags=socket.AI_PASSIVE)[0][0]
    except (socket.gaierror, UnicodeError) as error:
        raise ListenError(f"cannot listen on {host!r}: unknown host "
                          f"({getattr(error, 'strerror', None) or type(error).__name__})"
                          ) from None
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ListenError(f"cannot listen on {host}:{port}: {reason}"
                          + (" (choose another with --port)"
                             if error.errno in (98, 48, 10048) else "")) from None


def base_url(listener: socket.socket) -> str:
    """Where a browser on this machine reaches ``listener``."""
    host, port = listener.getsockname()[:2]
    if host in ("0.0.0.0", ""):  # noqa: S104 - reading the bound address, not binding
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def demo_app(workspace: Workspace, public_url: str) -> FastAPI:
    """personvern's app on the demo's store and manifest, with the shop's page at ``/``."""
    app = create_app(Settings(database_url=workspace.store_url, manifest_path=MANIFEST,
                              public_url=public_url, outbox=workspace.outbox))
    shop_page.mount(app)
    return app


class DemoWorker:
    """The background worker beside the server (what ``personvern worker`` is in
    production): it carries out approved requests from the engine store's job table."""

    def __init__(self, store_url: str) -> None:
        self.engine = make_engine(store_url)
        self.runner = InProcessRunner(JobEnvironment(engine=self.engine,
                                                     manifest_path=MANIFEST))
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._work, name="demo-worker", daemon=True)

    def _work(self) -> None:
        while not self.stopping.wait(WORKER_POLL_SECONDS):
            try:
                self.runner.queue_periodic()
                self.runner.run_pending("demo-worker")
            except sa.exc.OperationalError as error:
                # SQLite busy beyond its timeout: try again on the next round.
                log.warning("demo worker: the store was busy (%s)", type(error).__name__)

    def __enter__(self) -> DemoWorker:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=60)
        self.engine.dispose()


def serve(app: FastAPI, listener: socket.socket) -> str:
    """Serve ``app`` on ``listener`` until SIGINT (Ctrl+C) or SIGTERM; returns the
    signal's name once uvicorn has shut down gracefully."""
    received: list[str] = []

    def _note(number: int, _frame: FrameType | None) -> None:
        # uvicorn takes these signals while it runs and raises them again once it has
        # stopped; this handler takes that repeat, so the command ends normally.
        received.append(signal.Signals(number).name)

    previous = {sig: signal.signal(sig, _note) for sig in _STOP_SIGNALS}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           server_header=False, proxy_headers=False))
    try:
        server.run(sockets=[listener])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()
    return received[0] if received else "stop"
