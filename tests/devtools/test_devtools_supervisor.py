"""The supervisor: ordered stop, a dying child reported, and ``run.py serve`` end to end.

The end-to-end tests take the production path (DATABASE_URL and REDIS_URL set, here to the
test run's own services), so ``run.py serve`` starts gunicorn and Celery but no database,
and then check that SIGTERM or SIGINT leaves no process behind within 10 seconds.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.console import Interrupted
from devtools.processes import pid_alive
from devtools.supervisor import TIER_APP, TIER_DATABASE, ChildDied, Supervisor

from .serving import ROOT, http_status, tagged_processes

SIGN_IN = "/accounts/sign-in/"
STOP_LIMIT = 10.0

pytestmark = pytest.mark.processes


def sleeper(supervisor: Supervisor, name: str, log: Path, tier: int, script: str = "sleep 60") -> None:
    supervisor.start(name, ["sh", "-c", script], log=log, tier=tier)


@pytest.mark.timeout(30)
def test_stop_all_stops_the_app_before_the_database(tmp_path):
    """The database tier is signalled only after the app tier has gone."""
    supervisor = Supervisor()
    order = tmp_path / "order"
    app_script = f"trap 'echo app >> {order}; exit 0' TERM; sleep 60 & wait"
    db_script = f"trap 'echo database >> {order}; exit 0' TERM; sleep 60 & wait"
    sleeper(supervisor, "app", tmp_path / "app.log", TIER_APP, app_script)
    sleeper(supervisor, "database", tmp_path / "db.log", TIER_DATABASE, db_script)
    time.sleep(0.3)  # let the shells install their traps
    started = time.monotonic()
    supervisor.stop_all()
    assert time.monotonic() - started < STOP_LIMIT
    assert order.read_text().split() == ["app", "database"]
    assert not any(child.running() for child in supervisor.children)


@pytest.mark.timeout(30)
def test_a_child_that_ignores_sigterm_is_killed_with_its_children(tmp_path):
    supervisor = Supervisor()
    sleeper(supervisor, "stubborn", tmp_path / "stubborn.log", TIER_APP, "trap '' TERM; sleep 60 & wait")
    time.sleep(0.3)
    child = supervisor.children[0]
    started = time.monotonic()
    supervisor.stop_all()
    assert time.monotonic() - started < STOP_LIMIT
    assert not child.running()
    assert child.family, "the shell's sleep should have been noted"
    assert not any(pid_alive(pid) for pid in child.family)


@pytest.mark.timeout(30)
def test_a_child_that_dies_is_named_with_its_log(tmp_path):
    supervisor = Supervisor()
    try:
        sleeper(supervisor, "worker", tmp_path / "worker.log", TIER_APP, "echo broker unreachable; exit 3")
        with pytest.raises(ChildDied) as died:
            supervisor.supervise()
    finally:
        supervisor.stop_all()
    assert "The worker process stopped unexpectedly (exit code 3)." in str(died.value)
    assert "broker unreachable" in str(died.value)


@pytest.mark.timeout(30)
def test_a_stop_request_interrupts_a_foreground_step(tmp_path):
    supervisor = Supervisor()
    step = subprocess.Popen(["sleep", "0"])  # warm up fork, so timing below is only the step
    step.wait()
    supervisor.stop_requested = "SIGTERM"
    started = time.monotonic()
    with pytest.raises(Interrupted):
        supervisor.run_step(["sleep", "60"], env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert time.monotonic() - started < 3


# run.py serve, end to end ----------------------------------------------------------------


def wait_until_serving(served, timeout: float = 60) -> None:
    """Until the sign-in page answers 200, and Celery's worker and beat have started."""
    deadline = time.monotonic() + timeout
    while http_status(served.port, SIGN_IN) != 200:
        assert served.process.poll() is None, f"run.py serve exited early:\n{served.text()}"
        assert time.monotonic() < deadline, f"{SIGN_IN} never answered 200:\n{served.text()}"
        time.sleep(0.2)
    served.wait_for_log("worker.log", "ready.", timeout=max(1.0, deadline - time.monotonic()))
    served.wait_for_log("beat.log", "beat: Starting", timeout=max(1.0, deadline - time.monotonic()))


def assert_everything_stops(served, sig: int) -> None:
    family = tagged_processes(served.tag)
    assert served.process.pid in family
    assert len(family) >= 6, "supervisor, gunicorn and its two workers, the Celery worker and its child, beat"
    started = time.monotonic()
    served.process.send_signal(sig)
    code = served.process.wait(timeout=STOP_LIMIT + 2)
    while tagged_processes(served.tag) and time.monotonic() - started < STOP_LIMIT:
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    assert not tagged_processes(served.tag), f"left running: {tagged_processes(served.tag)}"
    assert elapsed < STOP_LIMIT, f"took {elapsed:.1f} s"
    assert code == 0, served.text()
    assert not (served.state / "run.pid").exists()
    assert "Stopped." in served.text()


@pytest.mark.timeout(90)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_every_process_on_a_signal(serve, service_urls, sig):
    served = serve(**service_urls)
    wait_until_serving(served)
    assert "is running at http://127.0.0.1:" in served.text()
    assert_everything_stops(served, sig)


@pytest.mark.timeout(90)
def test_killing_the_supervisor_outright_leaves_no_orphans(serve, service_urls):
    """SIGKILL cannot be caught; the kernel's parent-death signal stops the children instead."""
    served = serve(**service_urls)
    wait_until_serving(served)
    started = time.monotonic()
    served.process.kill()
    served.process.wait()
    while tagged_processes(served.tag) and time.monotonic() - started < STOP_LIMIT:
        time.sleep(0.1)
    assert not tagged_processes(served.tag), f"orphans: {tagged_processes(served.tag)}"


@pytest.mark.timeout(30)
def test_busy_web_port_is_one_clear_line_and_exit_2(serve, service_urls):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        served = serve(PMF_PORT=str(port), **service_urls)
        code = served.process.wait(timeout=20)
    assert code == 2
    output = served.text()
    assert f"Port {port} (the web server) is already in use" in output
    assert "PMF_PORT" in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


@pytest.mark.timeout(30)
def test_run_py_rejects_an_unknown_command():
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "sevre"], capture_output=True, text=True, timeout=20, check=False
    )
    assert result.returncode == 2
    assert "Unknown command: sevre" in result.stderr
    assert "Traceback" not in result.stderr
