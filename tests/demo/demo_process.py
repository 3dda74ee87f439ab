"""``personvern demo`` as a real process: started, read until it is served, stopped."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

PERSONVERN = Path(sys.executable).with_name("personvern")
SERVED_LINE = "Stop with Ctrl+C"
_SHOP_URL = re.compile(r"The shop, with the consent banner\s+(http://\S+)/")


def demo_environment() -> dict[str, str]:
    """The test's environment without any personvern setting, so the demo uses its folder."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PERSONVERN_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["COLUMNS"] = "120"
    return env


def run_demo(*arguments: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PERSONVERN), "demo", *arguments], cwd=cwd, text=True,
                          capture_output=True, env=demo_environment(), timeout=timeout,
                          check=False)


class DemoProcess:
    """``personvern demo`` running in the background until :meth:`stop`."""

    def __init__(self, *arguments: str, cwd: Path, command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*(command or [str(PERSONVERN), "demo"]), *arguments], cwd=cwd, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=demo_environment())
        self.output: list[str] = []

    def wait_until_served(self, timeout: float = 180) -> str:
        """Read the output until the demo says it is served; the shop's base URL."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break  # the process ended before it served
            self.output.append(line)
            if SERVED_LINE in line:
                text = "".join(self.output)
                match = _SHOP_URL.search(text)
                assert match, text
                return match.group(1)
        self.stop()
        raise AssertionError("the demo was not served:\n" + "".join(self.output))

    def stop(self, signal_number: int | None = None, timeout: float = 30) -> str:
        """Send the signal (default SIGINT) and return the rest of the output."""
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal_number or signal.SIGINT)
        try:
            rest, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rest, _ = self.process.communicate()
            raise AssertionError("the demo did not stop within "
                                 f"{timeout} s:\n{''.join(self.output)}{rest}") from None
        self.output.append(rest or "")
        return "".join(self.output)
