"""A small load generator for loopback runs: a real gunicorn server on the benchmark's
database, signed-in browser-like sessions that post the real forms with CSRF tokens, and the
CPU each side spent (read from /proc), so a rate per core can be stated honestly on a machine
whose cores the load generator shares."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from common import ROOT

TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_cpu(pid: int, *, reaped_children: bool = False) -> float:
    """CPU seconds (user + system) a process has used; with ``reaped_children``, also what its
    children that have exited used (PostgreSQL's postmaster reaps one backend a connection)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the ")" of the command: state is fields[0], so utime/stime/cutime/cstime are 11..14.
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def own_cpu() -> float:
    """This process's CPU seconds: the load generator's own cost."""
    times = os.times()
    return times.user + times.system


@dataclass
class Server:
    """gunicorn on a loopback port, for the length of a ``with`` block."""

    database_url: str
    workers: int
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = dict(os.environ, DATABASE_URL=self.database_url)
        command = [sys.executable, "-m", "gunicorn", "pmf.wsgi", "--bind", self.base, "--workers", str(self.workers)]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(150):
            try:
                status, _, _ = request(self.base, "GET", "/health/")
                if status == 200 and len(children(self.process.pid)) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer on its loopback port")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def cpu(self) -> float:
        """CPU seconds used so far by the master and its workers."""
        pid = self.process.pid
        return process_cpu(pid) + sum(process_cpu(child) for child in children(pid))


def request(base: str, method: str, path: str, *, fields: dict | None = None, cookies: dict | None = None):
    """One request on its own connection (gunicorn's sync workers close it after each):
    (status, headers, body)."""
    connection = http.client.HTTPConnection(base, timeout=120)
    headers = {"Host": base.split(":")[0]}
    body = None
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        connection.close()


def set_cookies(headers) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {name: morsel.value for name, morsel in jar.items() if morsel.value}


def location(headers) -> str:
    for name, value in headers:
        if name.lower() == "location":
            return urllib.parse.urlsplit(value).path
    return ""


@dataclass
class Session:
    """One person signed in through the real sign-in form (Argon2 and all): their session
    and CSRF cookies, and a token from a form page."""

    base: str
    cookies: dict = field(default_factory=dict)
    token: str = ""

    def sign_in(self, username: str, password: str, form_path: str) -> Session:
        status, headers, page = request(self.base, "GET", "/accounts/sign-in/")
        self.cookies |= set_cookies(headers)
        fields = {"csrfmiddlewaretoken": TOKEN.search(page).group(1), "username": username, "password": password}
        status, headers, _ = request(self.base, "POST", "/accounts/sign-in/", fields=fields, cookies=self.cookies)
        self.cookies |= set_cookies(headers)
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"{username} could not sign in ({status})")
        status, headers, page = request(self.base, "GET", form_path, cookies=self.cookies)
        self.cookies |= {k: v for k, v in set_cookies(headers).items() if k in {"sessionid", "csrftoken"}}
        self.token = TOKEN.search(page).group(1)
        return self

    def act(self, path: str, fields: dict, expect: str, confirms: str) -> tuple[float, float]:
        """Post the form and follow its redirect, as a browser does: (ms to the redirect, ms to
        the page after it). Raises unless the service accepted it: a redirect to ``expect``,
        and the page after it shows ``confirms``."""
        begin = time.perf_counter()
        status, headers, body = request(
            self.base, "POST", path, fields={"csrfmiddlewaretoken": self.token, **fields}, cookies=self.cookies
        )
        posted = time.perf_counter()
        if status != 302 or location(headers) != expect:
            problem = re.search(r'govuk-error-summary__list">(.*?)</ul', body, re.S)
            raise RuntimeError(f"{status} {location(headers)!r} {problem.group(1).strip()[:200] if problem else ''}")
        messages = {k: v for k, v in set_cookies(headers).items() if k == "messages"}
        status, _, page = request(self.base, "GET", expect, cookies=self.cookies | messages)
        if status != 200 or confirms not in page:
            raise RuntimeError(f"the page after the redirect did not confirm it ({status})")
        done = time.perf_counter()
        return (posted - begin) * 1000, (done - begin) * 1000


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def postmaster_pid(connection) -> int | None:
    """The PostgreSQL server process, when it runs on this machine (its backends are its
    children), to count the database's CPU as well."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return None


__all__ = ["Server", "Session", "own_cpu", "percentile", "postmaster_pid", "process_cpu"]
