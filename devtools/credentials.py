"""Generated secrets for the local copy, each kept in a file only its owner can read.

The embedded PostgreSQL and Redis listen on 127.0.0.1, where every local user can reach
them; a password each, generated on the first run, keeps them to us. The Django secret
key is kept the same way, so sessions survive a restart. The files live under
``var/secrets/`` (mode 0700, files 0600) and are never printed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


@dataclass(frozen=True)
class Credentials:
    """The passwords the embedded services require, and the web app's secret key."""

    postgres_password: str
    redis_password: str
    secret_key: str


def make_private(folder: Path) -> Path:
    """Create ``folder`` (and parents) if needed and keep it to its owner (0700)."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_FOLDER)  # mkdir's mode is filtered by the umask, and an old one may be wider.
    return folder


def generate() -> str:
    """43 URL-safe characters: nothing that needs quoting in a URL or a config file."""
    return secrets.token_urlsafe(32)


def kept_secret(path: Path) -> str:
    """The secret in ``path``, created (0600, never wider) on first use."""
    make_private(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        os.chmod(path, PRIVATE_FILE)
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        path.unlink()
        return kept_secret(path)
    value = generate()
    with os.fdopen(descriptor, "w", encoding="ascii") as output:
        output.write(value + "\n")
    return value


def load(state: Path) -> Credentials:
    """The local copy's credentials, kept in ``state/secrets``."""
    folder = state / "secrets"
    return Credentials(
        postgres_password=kept_secret(folder / "postgres-password"),
        redis_password=kept_secret(folder / "redis-password"),
        secret_key=kept_secret(folder / "secret-key"),
    )


def throwaway() -> Credentials:
    """Fresh credentials for the test run's services, kept nowhere."""
    return Credentials(postgres_password=generate(), redis_password=generate(), secret_key=generate())


def write_private(path: Path, text: str, *, owner: tuple[int, int] | None = None) -> None:
    """Write ``text`` to a new file only its owner can read, handed to ``owner`` (uid, gid) if given."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as output:
        if owner is not None:
            os.fchown(output.fileno(), *owner)
        output.write(text)
