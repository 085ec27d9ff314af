"""One foreground process that owns every other process as its direct child.

No daemonising, no new sessions or process groups: Ctrl-C in the terminal reaches the whole
group, and the supervisor then stops everything in order (the app, then Redis, then
PostgreSQL) so nothing is left behind. Each child is also asked by the kernel to stop if
the supervisor itself is killed outright (PR_SET_PDEATHSIG), so even ``kill -9`` leaves no
orphan holding a port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .console import Fatal, Interrupted, display_path, say, tail
from .processes import descendants, pid_alive

# Stop order: lower tiers stop first, and are given until their budget (seconds after the
# stop began) before the next tier is asked. Everything left at KILL_AFTER is killed.
TIER_APP = 0
TIER_CACHE = 1
TIER_DATABASE = 2
TIER_BUDGET = {TIER_APP: 5.0, TIER_CACHE: 6.5, TIER_DATABASE: 8.0}
KILL_AFTER = 8.0
POLL = 0.1
PR_SET_PDEATHSIG = 1


class ChildDied(Fatal):
    """A supervised process exited while it was meant to be running."""

    def __init__(self, child: Child, code: int) -> None:
        how = f"exit code {code}" if code >= 0 else f"killed by {signal.Signals(-code).name}"
        message = f"The {child.name} process stopped unexpectedly ({how})."
        if child.log is not None:
            message += f"\nLast lines of {display_path(child.log)}:\n{tail(child.log)}"
        super().__init__(message)
        self.child = child


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path | None
    stop_signal: int
    tier: int
    family: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None


def _die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec hook asking the kernel to send ``sig`` to the child when we die.

    subprocess runs it after switching user, so the setting survives (a change of
    credentials would otherwise clear it).
    """

    def hook() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)

    return hook


class Supervisor:
    """Starts children, notices when one dies or a stop is asked for, and stops them all."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.stop_requested: str | None = None

    # Signals -------------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """Only record the signal: the main loop acts on it, so no work happens in a handler."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.stop_requested is None:
            self.stop_requested = signal.Signals(signum).name

    # Starting and watching -----------------------------------------------------------------

    def start(
        self,
        name: str,
        argv: list[str],
        *,
        log: Path,
        tier: int,
        stop_signal: int = signal.SIGTERM,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        **popen_arguments: object,
    ) -> Child:
        """Start ``argv`` as a direct child, its output appended to ``log``."""
        self.check()
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as output:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                preexec_fn=_die_with_parent(stop_signal),
                **popen_arguments,
            )
        child = Child(name=name, process=process, log=log, stop_signal=stop_signal, tier=tier)
        self.children.append(child)
        return child

    def check(self) -> None:
        """Raise Interrupted when a stop was asked for, ChildDied when a child has exited."""
        if self.stop_requested:
            raise Interrupted(self.stop_requested)
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                raise ChildDied(child, code)

    def wait_for(self, ready: Callable[[], bool], *, what: str, timeout: float, log: Path) -> None:
        """Poll ``ready`` until it is true, while watching the children and the signals."""
        deadline = time.monotonic() + timeout
        while True:
            self.check()
            if ready():
                return
            if time.monotonic() > deadline:
                raise Fatal(
                    f"{what} did not become ready within {timeout:.0f} seconds.\n"
                    f"Last lines of {display_path(log)}:\n{tail(log)}"
                )
            time.sleep(POLL)

    def supervise(self) -> str:
        """Block until a stop is asked for (returns the signal's name) or a child dies (raises)."""
        while True:
            try:
                self.check()
            except Interrupted as stop:
                return stop.signal_name
            time.sleep(POLL * 2)

    # Foreground steps ----------------------------------------------------------------------

    def run_step(
        self,
        argv: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        log: Path | None = None,
        keep_stdin: bool = False,
    ) -> int:
        """Run a command to completion in the foreground and return its exit code.

        While it runs the services are still watched, and a stop request ends the step:
        SIGINT from the terminal has reached it already, so it gets two seconds to finish
        on its own before SIGTERM; SIGKILL follows five seconds later.
        """
        with open(log, "ab") if log else contextlib.nullcontext() as output:
            step = subprocess.Popen(
                argv,
                stdin=None if keep_stdin else subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                env=env,
                cwd=cwd,
            )
        try:
            while step.poll() is None:
                self.check()
                time.sleep(POLL)
        except (Interrupted, ChildDied) as reason:
            grace = 2.0 if isinstance(reason, Interrupted) and reason.signal_name == "SIGINT" else 0.0
            _end_step(step, grace)
            raise
        return step.returncode

    # Stopping ------------------------------------------------------------------------------

    def stop_all(self) -> None:
        """Stop every child in tier order; whatever is left after KILL_AFTER seconds is killed.

        Each child's own children (gunicorn and Celery workers) are noted first, so they are
        killed too if their parent had to be.
        """
        began = time.monotonic()
        for child in self.children:
            child.family = descendants(child.pid) if child.running() else []
        for tier in sorted({child.tier for child in self.children}):
            members = [child for child in self.children if child.tier == tier]
            for child in members:
                _send(child, child.stop_signal)
            _wait_until(lambda m=members: not any(c.running() for c in m), began + TIER_BUDGET[tier])
        _wait_until(lambda: not any(c.running() for c in self.children), began + KILL_AFTER)
        for child in self.children:
            self._kill_leftovers(child)
        _wait_until(self._all_gone, time.monotonic() + 1.5)

    def _all_gone(self) -> bool:
        return not any(child.running() or any(map(pid_alive, child.family)) for child in self.children)

    def _kill_leftovers(self, child: Child) -> None:
        if child.running():
            say(f"The {child.name} process did not stop in time; killing it.")
            _send(child, signal.SIGKILL)
        for pid in child.family:
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _send(child: Child, sig: int) -> None:
    if child.running():
        with contextlib.suppress(ProcessLookupError):
            child.process.send_signal(sig)


def _wait_until(done: Callable[[], bool], deadline: float) -> None:
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def _end_step(step: subprocess.Popen, grace: float) -> None:
    """Give a foreground step ``grace`` seconds, then SIGTERM, then SIGKILL."""
    for sig, wait in ((None, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        if step.poll() is not None:
            return
        if sig is not None:
            step.send_signal(sig)
        try:
            step.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
