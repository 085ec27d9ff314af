"""Helpers for the supervisor's end-to-end tests: start ``run.py serve`` and find its processes."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from devtools.ports import free_port
from devtools.processes import pid_alive

ROOT = Path(__file__).resolve().parents[2]


def http_status(port: int, path: str) -> int | None:
    """The status of GET path on 127.0.0.1:port, or None when nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def tagged_processes(tag: str) -> list[int]:
    """Live processes whose environment carries ``PMF_TEST_TAG=tag``: every descendant of a
    supervisor started with it, even one orphaned and re-parented elsewhere."""
    needle = f"PMF_TEST_TAG={tag}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environment = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if needle in environment.split(b"\0") and pid_alive(int(entry)):
            found.append(int(entry))
    return found


class Served:
    """A ``run.py serve`` started by a test, with its port, state folder and output."""

    def __init__(self, tmp_path: Path, env_overrides: dict[str, str]) -> None:
        self.port = free_port()
        self.state = tmp_path / "state"
        self.tag = uuid.uuid4().hex
        self.output = tmp_path / "run-output.txt"
        env = dict(os.environ)
        env.update(
            PMF_PORT=str(self.port),
            PMF_STATE_DIR=str(self.state),
            PMF_TEST_TAG=self.tag,
            DEBUG="0",
            PMF_HTTPS="0",
            PMF_PLAIN_STATIC="1",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECRET_KEY=env.get("SECRET_KEY") or uuid.uuid4().hex * 2,
        )
        env.update(env_overrides)
        with open(self.output, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "run.py"), "serve"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_log(self, name: str, needle: str, timeout: float) -> None:
        log = self.state / "log" / name
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"run.py serve exited early:\n{self.text()}"
            if log.exists() and needle in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        pytest.fail(f"{needle!r} did not appear in {log} within {timeout} s:\n{self.text()}")

    def stop(self) -> None:
        """Last resort for a failed test: stop the supervisor and anything it left."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pid in tagged_processes(self.tag):
            os.kill(pid, 9)
