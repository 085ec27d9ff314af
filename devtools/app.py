"""``python3 run.py``: services, database set-up, the web server and Celery, all supervised.

Two paths:

* Local (DATABASE_URL and REDIS_URL not both set): start the embedded PostgreSQL and Redis
  (each asks for a generated password), migrate, load the demo council, and serve with
  gunicorn over plain HTTP on 127.0.0.1, with DEBUG off: the normal error pages, static
  files from WhiteNoise, a secret key kept in ``var/secrets/``. ``DEBUG=1`` (or
  ``PMF_DEBUG=1``) asks for Django's debug pages and runserver instead.
* Production (both set): start no services; migrate, collect static files unless
  DEBUG or PMF_PLAIN_STATIC is on, and serve with gunicorn unless DEBUG is on. No demo data.
  With DATABASE_OWNER_URL set too, only the migration connects as the owner it names, then
  grants the role in DATABASE_URL what the app needs (ADR 0014); the app never sees it.

``run.py new-council`` is the local path with a council of your own instead of the demo: its
own embedded database (``pmf_council``, beside the demo's), and after migrating it asks for
the council's name and its first performance admin (``manage.py new_council``; the answers
can come from the environment, see docs/how-to/new-council.md). Later runs of
``run.py new-council`` serve that council again; plain ``run.py`` still serves the demo.

``run.py serve`` (internal, used by the supervisor's own tests) skips set-up, migration and
demo data, and only starts and supervises the processes.

``var/`` (and the state folder) are kept at 0700 and everything written is private to us
(umask 077): logs, mail, uploaded files and secrets are nobody else's to read.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import credentials, paths, postgres, redis
from .chromium import ensure_pdf_libraries
from .console import Fatal, Interrupted, complain, display_path, failure_with_log, say
from .credentials import Credentials
from .ports import PORT_IN_USE_EXIT, parse_port, require_free
from .processes import pid_file_is_stale, read_pid_file
from .supervisor import TIER_APP, Supervisor

POSTGRES_PORT = 55432
REDIS_PORT = 56379
DEFAULT_WEB_PORT = 8000
PRIVATE_UMASK = 0o077
WEB_READY_TIMEOUT = 90.0
YES = {"1", "true", "yes", "on"}
NEW_COUNCIL_STEP = "Starting the new council"
EARLIER_RUN = "If an earlier `python3 run.py` is still running, stop it with Ctrl-C in its terminal."


@dataclass(frozen=True)
class Plan:
    """What this run will do, decided from the environment alone (so it can be tested)."""

    embedded: bool
    debug: bool
    plain_static: bool
    web_port: int
    env: dict[str, str]
    owner_database_url: str = ""
    #: ``run.py new-council``: a council of your own instead of the demo.
    new_council: bool = False


def make_plan(environ: dict[str, str], secrets: Credentials, *, new_council: bool = False) -> Plan:
    """What to run with. On the local path the demo is served like production over plain
    HTTP on loopback; each setting below is a default that the environment overrides."""
    env = dict(environ, PYTHONUNBUFFERED="1")
    owner_database_url = env.pop("DATABASE_OWNER_URL", "")
    embedded = not (environ.get("DATABASE_URL") and environ.get("REDIS_URL"))
    web_port = parse_port(environ.get("PMF_PORT") or str(DEFAULT_WEB_PORT), "PMF_PORT")
    if embedded:
        env.update(
            DATABASE_URL=postgres.database_url(
                POSTGRES_PORT, secrets.postgres_password, embedded_database(new_council)
            ),
            REDIS_URL=redis.redis_url(REDIS_PORT, secrets.redis_password),
        )
        local = {
            "DEBUG": "1" if environ.get("PMF_DEBUG", "").strip().lower() in YES else "0",
            "SECRET_KEY": secrets.secret_key,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "PMF_HTTPS": "0",
            "PMF_PLAIN_STATIC": "1",
            "PMF_BASE_URL": f"http://127.0.0.1:{web_port}",
        }
        for name, value in local.items():
            env[name] = environ.get(name) or value
        owner_database_url = ""
    return Plan(
        embedded=embedded,
        debug=env.get("DEBUG", "").strip().lower() in YES,
        plain_static=env.get("PMF_PLAIN_STATIC", "").strip().lower() in YES,
        web_port=web_port,
        env=env,
        owner_database_url=owner_database_url,
        new_council=new_council,
    )


def embedded_database(new_council: bool) -> str:
    """The demo and a new council each have their own database in the embedded PostgreSQL."""
    return postgres.NEW_COUNCIL_DATABASE if new_council else postgres.DATABASE


def current_plan() -> Plan:
    """The plan for this process's environment, with the local copy's kept credentials."""
    return make_plan(dict(os.environ), credentials.load(paths.state_dir()))


def keep_private(*folders: Path) -> None:
    """``var/`` and the state folder at 0700; files we and our children write, 0600."""
    os.umask(PRIVATE_UMASK)
    for folder in folders:
        credentials.make_private(folder)


def manage(args: list[str]) -> int:
    """Run ``manage.py`` with the environment the local service runs with."""
    keep_private(paths.VAR, paths.state_dir())
    plan = current_plan()
    return subprocess.run([sys.executable, str(paths.ROOT / "manage.py"), *args], env=plan.env, check=False).returncode


def ports_needed(plan: Plan) -> list[tuple[int, str, str]]:
    web = (plan.web_port, "the web server", f"{EARLIER_RUN} Otherwise set PMF_PORT to a free port.")
    if not plan.embedded:
        return [web]
    return [
        (POSTGRES_PORT, "the embedded PostgreSQL", f"{EARLIER_RUN} Otherwise stop the program using it."),
        (REDIS_PORT, "the embedded Redis", f"{EARLIER_RUN} Otherwise stop the program using it."),
        web,
    ]


def check_not_running(pid_file: Path) -> None:
    """Refuse to start twice from the same folder; clear a pid file left by a crashed run."""
    if pid_file.exists() and not pid_file_is_stale(pid_file, "run.py"):
        pid = read_pid_file(pid_file)
        raise Fatal(
            f"Performance is already running from this folder (pid {pid}). "
            f"Stop it with Ctrl-C in its terminal, or `kill {pid}`.",
            code=PORT_IN_USE_EXIT,
        )
    pid_file.unlink(missing_ok=True)


def run(*, serve_only: bool, new_council: bool = False) -> int:
    state, logs = paths.state_dir(), paths.log_dir()
    keep_private(paths.VAR, state, logs)
    secrets = credentials.load(state)
    plan = make_plan(dict(os.environ), secrets, new_council=new_council)
    if plan.embedded and (os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")):
        say("Only one of DATABASE_URL and REDIS_URL is set: using the embedded PostgreSQL and Redis.")
    pid_file = state / "run.pid"
    check_not_running(pid_file)
    ensure_pdf_libraries()
    require_free(ports_needed(plan))
    supervisor = Supervisor()
    supervisor.install_signal_handlers()
    pid_file.write_text(f"{os.getpid()}\n")
    try:
        if plan.embedded:
            start_services(supervisor, state, logs, secrets, embedded_database(new_council))
        if not serve_only:
            prepare_database(supervisor, plan, logs)
        start_app(supervisor, plan, state, logs)
        announce(plan, logs)
        supervisor.supervise()
        say("\nStopping ...")
        return 0
    except Interrupted:
        say("\nStopping ...")
        return 0
    except Fatal as problem:
        complain(str(problem))
        say("Stopping the other processes ...")
        return problem.code
    finally:
        supervisor.stop_all()
        if read_pid_file(pid_file) == os.getpid():
            pid_file.unlink(missing_ok=True)
        say("Stopped.")


def start_services(
    supervisor: Supervisor, state: Path, logs: Path, secrets: Credentials, database: str = postgres.DATABASE
) -> None:
    say("Starting PostgreSQL and Redis ...")
    log = logs / "postgres.log"
    layout = postgres.choose_layout(state / "postgres", outside_name="postgres")
    postgres.initialise(layout, log=log, throwaway=False, password=secrets.postgres_password)
    postgres.start(
        supervisor,
        layout,
        port=POSTGRES_PORT,
        log=log,
        throwaway=False,
        password=secrets.postgres_password,
        database=database,
    )
    cache = redis.choose_layout(state / "redis", outside_name="redis")
    redis.start(
        supervisor, cache, port=REDIS_PORT, log=logs / "redis.log", persistent=True, password=secrets.redis_password
    )


def database_steps(plan: Plan) -> list[tuple[str, list[str], dict[str, str]]]:
    """Migrate; demo data only into the embedded database, or for ``new-council`` the new
    council's first step instead (wherever the database is); static files for production.
    With an owner URL, the migration and the grants run as the owner, and nothing else does."""
    manage = [sys.executable, str(paths.MANAGE_PY)]
    steps = [("Updating the database (migrate)", [*manage, "migrate", "--noinput"], plan.env)]
    if plan.owner_database_url:
        owner = {**plan.env, "DATABASE_URL": plan.owner_database_url}
        app_role = unquote(urlsplit(plan.env["DATABASE_URL"]).username or "")
        steps = [
            ("Updating the database (migrate, as its owner)", steps[0][1], owner),
            (f"Granting {app_role} what the app needs", [*manage, "grant_app_role", app_role], owner),
        ]
    if plan.new_council:
        steps.append((NEW_COUNCIL_STEP, [*manage, "new_council", "--existing-ok"], plan.env))
    elif plan.embedded:
        steps.append(("Loading the demo council", [*manage, "demo_council"], plan.env))
    if not plan.debug and not plan.plain_static:
        steps.append(("Collecting static files", [*manage, "collectstatic", "--noinput"], plan.env))
    return steps


def prepare_database(supervisor: Supervisor, plan: Plan, logs: Path) -> None:
    """Each step's output goes to the log, except the new council's: it asks its questions
    and shows the admin's sign-in at the terminal."""
    log = logs / "manage.log"
    for title, argv, env in database_steps(plan):
        say(f"{title} ...")
        asks = title == NEW_COUNCIL_STEP
        code = supervisor.run_step(argv, env=env, cwd=paths.ROOT, log=None if asks else log, keep_stdin=asks)
        if code != 0:
            raise failure_with_log(f"{title} failed (exit code {code}).", log)


def web_command(plan: Plan) -> list[str]:
    """runserver when debugging; gunicorn otherwise. Both bound to loopback only."""
    address = f"127.0.0.1:{plan.web_port}"
    if plan.debug:
        return [sys.executable, str(paths.MANAGE_PY), "runserver", address, "--noreload"]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "pmf.wsgi",
        "--bind",
        address,
        "--workers",
        "2",
        "--graceful-timeout",
        "5",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
    ]


def celery_commands(state: Path) -> dict[str, list[str]]:
    celery = [sys.executable, "-m", "celery", "-A", "pmf"]
    return {
        "Celery worker": [*celery, "worker", "--concurrency", "1", "--loglevel", "INFO"],
        "Celery beat": [
            *celery,
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(state / "celerybeat-schedule"),
            "--pidfile=",
        ],
    }


def start_app(supervisor: Supervisor, plan: Plan, state: Path, logs: Path) -> None:
    """The web server first, then Celery once it answers.

    Each is a Python process that spends about two seconds importing Django; on two
    cores, starting all three at once would delay the web server, which is what the
    person is waiting for.
    """
    say("Starting the web server and Celery ...")
    web_log = logs / "web.log"
    supervisor.start("web server", web_command(plan), log=web_log, tier=TIER_APP, env=plan.env, cwd=paths.ROOT)
    supervisor.wait_for(
        lambda: web_answers(plan.web_port), what="The web server", timeout=WEB_READY_TIMEOUT, log=web_log
    )
    for name, argv in celery_commands(state).items():
        log = logs / ("worker.log" if "worker" in name else "beat.log")
        supervisor.start(name, argv, log=log, tier=TIER_APP, env=plan.env, cwd=paths.ROOT)


def web_answers(port: int) -> bool:
    """Whether anything HTTP answers on the port (any status; redirects are not followed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def announce(plan: Plan, logs: Path) -> None:
    if plan.embedded and not plan.new_council and paths.DEMO_SIGN_INS.exists():
        say()
        say(paths.DEMO_SIGN_INS.read_text(encoding="utf-8").rstrip())
    say()
    say(f"Logs are in {display_path(logs)}/.")
    say(f"Performance is running at http://127.0.0.1:{plan.web_port}/ — press Ctrl-C to stop.")
