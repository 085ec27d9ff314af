"""Running the embedded PostgreSQL and Redis as an unprivileged user when we are root.

PostgreSQL refuses to run as root, and Redis should not: a server that anyone on the
machine can talk to must not hold root's powers. Both are started as ``nobody`` (or
``PMF_SERVICE_USER``; ``PMF_PG_USER`` is still read) through subprocess's
``user=``/``group=``/``extra_groups=`` arguments, so they stay plain children of the
supervisor: no su/runuser session, no new process group.

That user must be able to reach the binaries and the data folder. ``var/`` is kept at
0700 (it holds logs, mail and secrets), and a clone under /root is out of its reach too;
changing the permissions of folders above the project is not ours to do. So then the
binaries are copied to, and the data kept in, a root-owned folder under /var/tmp that the
user can reach, each data folder itself the user's own with mode 0700.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .console import Fatal, say
from .paths import ROOT

DEFAULT_USER = "nobody"
OUTSIDE_PARENT = Path("/var/tmp")


@dataclass(frozen=True)
class RunAs:
    """The user (and primary group) a process is started as."""

    name: str
    uid: int
    gid: int

    def popen_arguments(self) -> dict:
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def service_user() -> RunAs | None:
    """The user to run PostgreSQL and Redis as: None when we are not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("PMF_SERVICE_USER") or os.environ.get("PMF_PG_USER") or DEFAULT_USER
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise Fatal(
            f"PostgreSQL and Redis are not run as root, and the user {name!r} to run them as does not exist. "
            "Set PMF_SERVICE_USER to an existing unprivileged user."
        ) from None
    if entry.pw_uid == 0:
        raise Fatal(f"PMF_SERVICE_USER={name} is root; PostgreSQL and Redis need an unprivileged user.")
    return RunAs(name=name, uid=entry.pw_uid, gid=entry.pw_gid)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def can_reach(run_as: RunAs, folder: Path, executable: Path | None = None) -> bool:
    """Ask the user itself whether it can enter ``folder`` (and read and run ``executable``).

    Asking is more faithful than reasoning about modes: it covers every folder on the way,
    ACLs and mount options.
    """
    check = 'test -x "$1"' + (' && test -r "$2" && test -x "$2"' if executable else "")
    result = subprocess.run(
        ["/bin/sh", "-c", check, "sh", str(folder), str(executable or "")],
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        **run_as.popen_arguments(),
    )
    return result.returncode == 0


def outside_folder(project: Path) -> Path:
    """The per-project folder under /var/tmp: named by a hash so two clones never share one."""
    digest = hashlib.sha256(str(project.resolve()).encode()).hexdigest()[:12]
    return OUTSIDE_PARENT / f"pmf-{digest}"


def ensure_root_owned_folder(folder: Path) -> None:
    """Create ``folder`` (mode 0755, root's) or check an existing one is really ours.

    /var/tmp is writable by everyone, so a folder someone else made there could be a trap:
    refuse anything that is a symlink, not root's, or writable by others.
    """
    try:
        folder.mkdir(mode=0o755)
        os.chmod(folder, 0o755)  # mkdir's mode is filtered by the umask.
        return
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise Fatal(
            f"{folder} exists but is not a folder owned by root and writable only by root; "
            "remove it (it holds only PostgreSQL's and Redis's copies of their programs and data) and try again."
        )


def make_readable(tree: Path) -> None:
    """Let everyone read our copy of the binaries (pip may have installed them 0600 under a tight umask).

    Only files inside our own copy are touched.
    """
    for folder, _dirs, files in os.walk(tree):
        os.chmod(folder, 0o755)
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            os.chmod(path, mode | 0o444 | (0o111 if mode & 0o100 else 0))


def stage_copy(sources: dict[str, Path], destination: Path, version: str) -> None:
    """Copy the named source folders side by side into ``destination``, once per version.

    The bundled client programs find their libraries through an rpath relative to
    themselves ($ORIGIN/../../../pgserver.libs), so the layout is kept as it is in
    site-packages. A version file says which pgserver the copy came from; a different
    version is copied afresh. The copy is made beside and renamed into place, so an
    interrupted copy is never used.
    """
    version_file = destination / "VERSION"
    if version_file.exists() and version_file.read_text().strip() == version:
        return
    say(f"Copying PostgreSQL's programs (pgserver {version}) to {destination} ...")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    for relative, source in sources.items():
        shutil.copytree(source, partial / relative, symlinks=True)
    make_readable(partial)
    (partial / "VERSION").write_text(version + "\n")
    shutil.rmtree(destination, ignore_errors=True)
    os.rename(partial, destination)


def hand_over(folder: Path, run_as: RunAs) -> None:
    """Make ``folder`` (ours, just created or previously handed over) the user's, mode 0700."""
    info = os.stat(folder)
    if info.st_uid != run_as.uid:
        for parent, dirs, files in os.walk(folder):
            for name in [*dirs, *files]:
                os.lchown(Path(parent) / name, run_as.uid, run_as.gid)
        os.chown(folder, run_as.uid, run_as.gid)
    os.chmod(folder, 0o700)


def data_folder(run_as: RunAs, data_dir: Path, outside_name: str) -> Path:
    """``data_dir`` when ``run_as`` can reach the folder it is in; else ``outside_name`` outside.

    An earlier release kept the data in ``var/`` while ``var/`` was open to everyone; now
    that it is 0700, that data is moved out once, so nothing is lost.
    """
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if can_reach(run_as, data_dir.parent):
        return data_dir
    outside = outside_folder(ROOT)
    ensure_root_owned_folder(outside)
    target = outside / outside_name
    if data_dir.is_dir() and any(data_dir.iterdir()) and not target.exists():
        say(f"Moving {data_dir} to {target}, where {run_as.name} can reach it ...")
        shutil.move(str(data_dir), str(target))
    return target
