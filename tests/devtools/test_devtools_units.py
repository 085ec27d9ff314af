"""Unit tests for the pure parts of the two-command set-up: no services, no network."""

from __future__ import annotations

import ast
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools import app, bootstrap, chromium, cli, postgres, stamps
from devtools.console import Fatal
from devtools.credentials import Credentials
from devtools.ports import PORT_IN_USE_EXIT, free_port, port_busy_message, port_is_free, require_free
from devtools.processes import clear_if_stale, descendants, pid_alive, pid_file_is_stale

ROOT = Path(__file__).resolve().parents[2]
RUN_PY = ROOT / "run.py"

pytestmark = pytest.mark.timeout(30)


# run.py's version check ------------------------------------------------------------------------


def load_run_py() -> dict:
    return runpy.run_path(str(RUN_PY), run_name="run_py_under_test")


def test_version_problem_names_the_needed_and_the_found_version():
    version_problem = load_run_py()["version_problem"]
    assert version_problem((3, 9, 2, "final", 0)) == "Python 3.11 or newer is needed; this is 3.9.2."
    assert version_problem((2, 7, 18, "final", 0)) == "Python 3.11 or newer is needed; this is 2.7.18."
    assert version_problem((3, 11, 0, "final", 0)) is None
    assert version_problem((3, 13, 1, "final", 0)) is None


def test_run_py_exits_1_with_the_message_on_an_old_python():
    pretend = (
        "import runpy, sys; sys.version_info = (3, 8, 10, 'final', 0); runpy.run_path(sys.argv[1], run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", pretend, str(RUN_PY)], capture_output=True, text=True, timeout=20, check=False
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "Python 3.11 or newer is needed; this is 3.8.10."
    assert "Traceback" not in result.stderr


def test_run_py_uses_no_syntax_that_old_pythons_cannot_parse():
    """f-strings, the walrus and annotations would turn the version message into a SyntaxError."""
    ast.parse(RUN_PY.read_text(), feature_version=(3, 4))


# Ports ---------------------------------------------------------------------------------------


def test_port_busy_message_names_the_port_and_the_remedy():
    message = port_busy_message(55432, "the embedded PostgreSQL", "Stop the other copy.")
    assert "Port 55432 (the embedded PostgreSQL) is already in use" in message
    assert "Stop the other copy." in message
    assert "\n" not in message


def test_a_listening_port_is_busy_and_exits_2():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free(port)
        with pytest.raises(Fatal) as caught:
            require_free([(port, "the web server", "Set PMF_PORT.")])
    assert caught.value.code == PORT_IN_USE_EXIT == 2
    assert f"Port {port} (the web server)" in str(caught.value)


def test_a_free_port_is_free():
    assert port_is_free(free_port())


# Pid files -----------------------------------------------------------------------------------


def dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def test_pid_file_of_a_dead_process_is_stale_and_cleared(tmp_path):
    pid_file = tmp_path / "run.pid"
    pid_file.write_text(f"{dead_pid()}\n")
    assert pid_file_is_stale(pid_file, "run.py")
    assert clear_if_stale(pid_file, "run.py")
    assert not pid_file.exists()


def test_pid_file_of_a_live_matching_process_is_kept(tmp_path):
    pid_file = tmp_path / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n{tmp_path}\n")
    assert not pid_file_is_stale(pid_file, "python")
    assert not clear_if_stale(pid_file, "python")
    assert pid_file.exists()


def test_pid_reused_by_another_program_is_stale(tmp_path):
    pid_file = tmp_path / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n")
    assert pid_file_is_stale(pid_file, "no-such-program-name")


def test_garbled_pid_file_is_stale_and_missing_one_is_not(tmp_path):
    garbled = tmp_path / "garbled.pid"
    garbled.write_text("not a pid\n")
    assert pid_file_is_stale(garbled, "run.py")
    assert not pid_file_is_stale(tmp_path / "missing.pid", "run.py")


def test_zombie_is_not_alive():
    child = subprocess.Popen(["true"])
    deadline = time.monotonic() + 5
    while pid_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not pid_alive(child.pid)  # exited but not yet reaped: a zombie
    child.wait()


def test_descendants_include_grandchildren():
    parent = subprocess.Popen(["sh", "-c", "sleep 30 & wait"])
    try:
        deadline = time.monotonic() + 5
        while not descendants(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert descendants(parent.pid)
    finally:
        for pid in descendants(parent.pid):
            os.kill(pid, signal.SIGKILL)
        parent.kill()
        parent.wait()


def test_already_running_refuses_with_exit_2_and_a_crashed_runs_pid_file_is_cleared(tmp_path):
    pid_file = tmp_path / "run.pid"
    pid_file.write_text(f"{dead_pid()}\n")
    app.check_not_running(pid_file)
    assert not pid_file.exists()
    keeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "run.py"])
    try:
        pid_file.write_text(f"{keeper.pid}\n")
        with pytest.raises(Fatal) as caught:
            app.check_not_running(pid_file)
        assert caught.value.code == 2
        assert f"already running from this folder (pid {keeper.pid})" in str(caught.value)
    finally:
        keeper.kill()
        keeper.wait()


# Lock stamps ---------------------------------------------------------------------------------


def test_stamp_matches_only_the_same_lock_and_the_same_venv(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("django==5.2.8\n")
    stamp = tmp_path / "stamps" / "requirements.lock.sha256"
    assert not stamps.stamp_is_current(stamp, stamps.expected_stamp(lock, "venv-a"))
    stamps.write_stamp(stamp, stamps.expected_stamp(lock, "venv-a"))
    assert stamps.stamp_is_current(stamp, stamps.expected_stamp(lock, "venv-a"))
    assert not stamps.stamp_is_current(stamp, stamps.expected_stamp(lock, "venv-b"))
    lock.write_text("django==5.2.9\n")
    assert not stamps.stamp_is_current(stamp, stamps.expected_stamp(lock, "venv-a"))
    assert not list(stamp.parent.glob("*.partial"))


def test_recreated_folder_has_a_new_identity(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    assert stamps.folder_identity(venv, "pyvenv.cfg") == "missing"
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    first = stamps.folder_identity(venv, "pyvenv.cfg")
    (venv / "pyvenv.cfg").unlink()
    (tmp_path / "placeholder").write_text("takes the old inode, if any")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    os.utime(venv / "pyvenv.cfg", ns=(1, 1))
    assert stamps.folder_identity(venv, "pyvenv.cfg") != first


def test_output_older_than_a_source_needs_a_rebuild(tmp_path):
    css, scss = tmp_path / "app.css", tmp_path / "scss"
    scss.mkdir()
    (scss / "app.scss").write_text("body {}")
    assert stamps.is_older_than_sources(css, [scss])
    css.write_text("body{}")
    os.utime(scss / "app.scss", (1000, 1000))
    assert not stamps.is_older_than_sources(css, [scss])
    os.utime(scss / "app.scss", (css.stat().st_mtime + 10,) * 2)
    assert stamps.is_older_than_sources(css, [scss])


# Installers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uv", "venv_pip", "system_pip", "expected"),
    [
        ("/usr/bin/uv", True, (23, 0), "uv"),
        (None, True, (23, 0), "venv-pip"),
        (None, False, (23, 0), "system-pip"),
        (None, False, (22, 3), "system-pip"),
        (None, False, (22, 2), "downloaded-pip"),
        (None, False, None, "downloaded-pip"),
    ],
)
def test_installer_choice(uv, venv_pip, system_pip, expected):
    assert bootstrap.choose_installer(uv, venv_pip, system_pip) == expected


def test_pip_version_parsing():
    assert bootstrap.parse_pip_version("pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)") == (23, 0)
    assert bootstrap.parse_pip_version("No module named pip") is None


def test_pip_wheel_is_picked_from_pypi_json():
    release = {
        "urls": [
            {"packagetype": "sdist", "filename": "pip-25.3.tar.gz", "url": "u1", "digests": {"sha256": "a"}},
            {
                "packagetype": "bdist_wheel",
                "filename": "pip-25.3-py3-none-any.whl",
                "url": "u2",
                "digests": {"sha256": "b"},
            },
        ]
    }
    assert bootstrap.pick_pip_wheel(release) == ("pip-25.3-py3-none-any.whl", "u2", "b")


# Plans and arguments -------------------------------------------------------------------------


SECRETS = Credentials(postgres_password="pg-Pass_1", redis_password="redis-Pass_2", secret_key="k" * 50)


def test_without_both_urls_the_embedded_services_are_used_with_their_passwords():
    plan = app.make_plan({"DATABASE_URL": "postgres://elsewhere/db"}, SECRETS)
    assert plan.embedded
    assert plan.env["DATABASE_URL"] == "postgres://pmf:pg-Pass_1@127.0.0.1:55432/pmf"
    assert plan.env["REDIS_URL"] == "redis://:redis-Pass_2@127.0.0.1:56379/0"
    assert [port for port, _, _ in app.ports_needed(plan)] == [55432, 56379, 8000]


def test_the_demo_runs_without_debug_over_plain_http_on_loopback():
    """DEBUG shows every setting on a 500 and every URL on a 404: not for a demo."""
    plan = app.make_plan({"PMF_PORT": "8123"}, SECRETS)
    assert not plan.debug
    assert plan.env["DEBUG"] == "0"
    assert plan.env["SECRET_KEY"] == SECRETS.secret_key
    assert plan.env["ALLOWED_HOSTS"] == "localhost,127.0.0.1"
    assert plan.env["PMF_HTTPS"] == "0"
    assert plan.plain_static
    assert plan.env["PMF_BASE_URL"] == "http://127.0.0.1:8123"
    assert "gunicorn" in app.web_command(plan)


def test_with_both_urls_no_services_start_and_debug_is_left_alone():
    environ = {"DATABASE_URL": "postgres://db/pmf", "REDIS_URL": "redis://cache/0", "PMF_PORT": "8123"}
    plan = app.make_plan(environ, SECRETS)
    assert not plan.embedded
    assert not plan.debug
    assert plan.env["DATABASE_URL"] == "postgres://db/pmf"
    assert "SECRET_KEY" not in plan.env
    assert [port for port, _, _ in app.ports_needed(plan)] == [8123]
    assert "gunicorn" in app.web_command(plan)


def test_with_an_owner_url_only_the_migration_and_the_grants_connect_as_the_owner():
    owner, app_url = "postgres://pmf:secret@db/pmf", "postgres://pmf_app:other@db/pmf"
    environ = {"DATABASE_URL": app_url, "REDIS_URL": "redis://cache/0", "DATABASE_OWNER_URL": owner}
    plan = app.make_plan(environ, SECRETS)
    assert "DATABASE_OWNER_URL" not in plan.env  # the web, worker and beat never see it
    steps = [(argv[2:], env["DATABASE_URL"]) for _, argv, env in app.database_steps(plan)]
    assert steps == [
        (["migrate", "--noinput"], owner),
        (["grant_app_role", "pmf_app"], owner),
        (["collectstatic", "--noinput"], app_url),
    ]
    without = app.make_plan({"DATABASE_URL": owner, "REDIS_URL": "redis://cache/0"}, SECRETS)
    assert [argv[2] for _, argv, _ in app.database_steps(without)] == ["migrate", "collectstatic"]


def test_new_council_has_its_own_database_and_starts_the_council_instead_of_the_demo():
    demo = app.make_plan({}, SECRETS)
    assert [argv[2] for _, argv, _ in app.database_steps(demo)] == ["migrate", "demo_council"]
    plan = app.make_plan({}, SECRETS, new_council=True)
    assert plan.env["DATABASE_URL"] == "postgres://pmf:pg-Pass_1@127.0.0.1:55432/pmf_council"
    steps = app.database_steps(plan)
    assert [argv[2:] for _, argv, _ in steps] == [["migrate", "--noinput"], ["new_council", "--existing-ok"]]
    assert steps[1][0] == app.NEW_COUNCIL_STEP  # the step prepare_database runs at the terminal
    environ = {"DATABASE_URL": "postgres://db/x", "REDIS_URL": "redis://c/0"}
    production = app.make_plan(environ, SECRETS, new_council=True)
    assert [argv[2] for _, argv, _ in app.database_steps(production)] == ["migrate", "new_council", "collectstatic"]


def test_a_developer_asks_for_debug_explicitly():
    assert app.make_plan({"DEBUG": "1"}, SECRETS).debug
    assert app.make_plan({"PMF_DEBUG": "1"}, SECRETS).debug
    assert "runserver" in app.web_command(app.make_plan({"PMF_DEBUG": "1"}, SECRETS))
    assert not app.make_plan({"DEBUG": "0", "PMF_DEBUG": "1"}, SECRETS).debug


def test_bad_port_is_a_clear_error():
    with pytest.raises(Fatal, match="PMF_PORT must be a port number"):
        app.make_plan({"PMF_PORT": "eighty"}, SECRETS)


def test_command_line_parsing():
    assert cli.parse([]) == ("run", [])
    assert cli.parse(["test", "-k", "foo", "-x"]) == ("test", ["-k", "foo", "-x"])
    assert cli.parse(["serve"]) == ("serve", [])
    assert cli.parse(["new-council"]) == ("new-council", [])
    assert cli.parse(["manage", "demo_cycle"]) == ("manage", ["demo_cycle"])
    with pytest.raises(Fatal) as caught:
        cli.parse(["sevre"])
    assert caught.value.code == 2


def test_throwaway_cluster_turns_durability_off_and_keeps_to_loopback(tmp_path):
    layout = postgres.Layout(bin_dir=tmp_path / "bin", data_dir=tmp_path / "data", run_as=None)
    argv = postgres.server_arguments(layout, 55433, throwaway=True)
    for setting in (
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "listen_addresses=127.0.0.1",
    ):
        assert setting in argv
    assert "fsync=off" not in postgres.server_arguments(layout, 55432, throwaway=False)


def test_socket_directory_falls_back_to_none_when_the_path_is_too_long():
    assert postgres.socket_directory(Path("/srv/pmf/var/postgres")) == "/srv/pmf/var/postgres"
    assert postgres.socket_directory(Path("/" + "x" * 120)) == ""


# Chromium ------------------------------------------------------------------------------------


def test_chromium_path_override_must_be_an_executable(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-such-browser"))
    with pytest.raises(Fatal, match="CHROMIUM_PATH is .* not an executable file"):
        chromium.ensure_chromium()
    browser = tmp_path / "browser"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_PATH", str(browser))
    assert chromium.ensure_chromium() == str(browser)


def test_missing_chromium_without_root_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setattr(chromium, "DEBIAN_CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 1000)
    with pytest.raises(Fatal, match=r"apt-get install chromium"):
        chromium.ensure_chromium()


def test_missing_pdf_libraries_are_named_when_they_cannot_be_installed(monkeypatch):
    import ctypes.util

    from devtools import chromium
    from devtools.console import Fatal

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "pangoft2-1.0" else name)
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 1000)
    with pytest.raises(Fatal, match="sudo apt-get install libpango"):
        chromium.ensure_pdf_libraries()


def test_installing_fonts_makes_matplotlib_look_for_fonts_again(tmp_path, monkeypatch):
    cache = tmp_path / "matplotlib"
    cache.mkdir()
    (cache / "fontlist-v390.json").write_text("{}")
    (cache / "tex.cache").mkdir()
    monkeypatch.setenv("MPLCONFIGDIR", str(cache))
    installed = []
    monkeypatch.setattr(chromium, "PDF_FONTS", tmp_path / "no-fonts-yet")
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 0)
    monkeypatch.setattr(chromium.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(chromium, "install_with_apt", lambda packages, what: installed.extend(packages))
    chromium.ensure_pdf_libraries()
    assert "fonts-liberation" in installed
    assert not (cache / "fontlist-v390.json").exists()
    assert (cache / "tex.cache").exists()


# The test command's workers ---------------------------------------------------------------


def test_the_test_command_runs_one_worker_per_core_up_to_four():
    from devtools.testrun import parallel_args

    assert parallel_args([], 2) == ["-n", "2", "--dist", "loadgroup"]
    assert parallel_args(["-k", "audit"], 2) == ["-n", "2", "--dist", "loadgroup"]
    assert parallel_args([], 32) == ["-n", "4", "--dist", "loadgroup"]
    assert parallel_args([], 1) == []


@pytest.mark.parametrize("chosen", [["-n", "0"], ["-n4"], ["--numprocesses=3"], ["-p", "no:xdist"], ["--pdb"]])
def test_the_test_command_leaves_workers_to_a_caller_who_chose(chosen):
    from devtools.testrun import parallel_args, steps

    assert parallel_args(chosen, 2) == []
    pytest_argv = dict(steps(chosen))["pytest"]
    assert pytest_argv[-len(chosen) :] == chosen
    assert "--dist" not in pytest_argv


def test_each_test_worker_gets_the_next_redis_database():
    from tests.xdist_services import redis_url_for_worker

    assert redis_url_for_worker("redis://127.0.0.1:56380/0", "gw0") == "redis://127.0.0.1:56380/0"
    assert redis_url_for_worker("redis://127.0.0.1:56380/0", "gw1") == "redis://127.0.0.1:56380/1"
    assert redis_url_for_worker("redis://127.0.0.1:56600/6", "gw2") == "redis://127.0.0.1:56600/8"
    assert redis_url_for_worker("redis://cache:6379", "gw1") == "redis://cache:6379/1"
