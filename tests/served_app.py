"""An app served for real: uvicorn in a thread on a free loopback port, for browser tests;
and the accessibility checks every page test runs in Chromium."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


class ServedApp:
    """``with ServedApp(app) as served: served.url`` — started, and stopped at the end."""

    def __init__(self, app: Any, port: int | None = None, *, start_timeout: float = 20,
                 **config: Any) -> None:
        self.port = port or free_port()
        self.start_timeout = start_timeout
        options = {"log_level": "warning", "lifespan": "off", **config}
        self.server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=self.port, **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + self.start_timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=self.start_timeout)


# Labels on every field, exactly one h1, headings in order, a lang attribute, a title on
# every SVG picture, and no horizontal scroll: run with ``page.evaluate(A11Y_SCRIPT)``.
A11Y_SCRIPT = """() => {
  const problems = [];
  const fields = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden');
  for (const el of fields) {
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
      || el.closest('label') || el.getAttribute('aria-label');
    if (!labelled) problems.push(`no label: ${el.name || el.id}`);
  }
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 elements`);
  let level = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const next = Number(h.tagName[1]);
    if (next > level + 1) problems.push(`heading h${next} after h${level}`);
    level = next;
  }
  if (!document.documentElement.lang) problems.push('no lang attribute');
  for (const svg of document.querySelectorAll('main svg[role="img"]')) {
    if (!svg.querySelector('title')) problems.push('an svg picture without a title');
  }
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`horizontal scroll: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  return problems;
}"""
