"""The rehearsal's copy of a project: the project's own files and nothing else, never through a link out of it,
never unbounded.

Which files: in a git work tree, what `git ls-files --cached --others --exclude-standard` lists (a stack file not
yet committed is copied, an ignored `.env` is not); elsewhere, the regular files outside `.git`, virtualenvs,
`node_modules` and caches. A symbolic link is copied as the file it points to only when that file is inside the
project; a link out of the project, or to a folder, is left out with a note. A copy of more than `MAX_COPY_FILES`
files or `MAX_COPY_BYTES` bytes is refused before anything is copied.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_COPY_FILES = 20_000
MAX_COPY_BYTES = 100 * 1024 * 1024
# Never part of a project's own files (outside git, where .gitignore says what is not).
SKIPPED_FOLDERS = frozenset(
    {
        ".git", "venv", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
        ".hypothesis", ".pulumi", ".tox", ".nox", ".cache",
    }
)  # fmt: skip


class ProjectCopyError(Exception):
    """The project cannot be copied for a rehearsal; the message (one line) says why and what to do."""


@dataclass
class ProjectFiles:
    """What a copy of the project holds: each file's path in the copy and the file it is read from (inside the
    project), and notes on what was left out."""

    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    total_bytes: int = 0


def _git_listing(project_dir: Path) -> list[str] | None:
    """The project's files by git (relative to `project_dir`), or None when it is not in a git work tree."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--is-inside-work-tree"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        listed = subprocess.run(
            ["git", "-C", str(project_dir), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=False,
        )  # fmt: skip
    except OSError:  # no git on this machine
        return None
    if listed.returncode != 0:
        return None
    return sorted({name for name in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if name})


def _walked(project_dir: Path) -> Iterator[str]:
    """The project's files without git: everything but the skipped folders, not descending into linked folders."""
    for folder, folders, names in os.walk(project_dir, followlinks=False):
        folders[:] = sorted(name for name in folders if name not in SKIPPED_FOLDERS)
        base = Path(folder).relative_to(project_dir)
        for name in sorted([*names, *(f for f in folders if (Path(folder) / f).is_symlink())]):
            yield str(base / name) if str(base) != "." else name


def project_files(project_dir: Path) -> ProjectFiles:
    """What to copy, checked against the limits as it is listed (a runaway tree stops the listing early)."""
    root = project_dir.resolve()
    found = ProjectFiles()
    listing = _git_listing(root)
    for relative in listing if listing is not None else _walked(root):
        source = root / relative
        try:
            linked = source.is_symlink()
            target = source.resolve()  # through every link on the way, the folders' included
            info = target.stat()
        except (OSError, RuntimeError):  # deleted since git listed it, or a loop of links
            continue
        if not target.is_relative_to(root):
            found.notes.append(f"{relative} leads out of the project (to {target}): not copied")
            continue
        if not stat.S_ISREG(info.st_mode):
            if linked:
                found.notes.append(f"{relative} is a link to {target}, which is not a file: not copied")
            continue  # a submodule's folder, a socket, a device
        source = target
        found.files[relative] = source
        found.total_bytes += info.st_size
        if len(found.files) > MAX_COPY_FILES:
            raise ProjectCopyError(
                f"{project_dir} holds more than {MAX_COPY_FILES} files to copy for the rehearsal; a Pulumi project "
                "holds a few hundred: run it from the project's own folder (or ignore data in .gitignore)"
            )
        if found.total_bytes > MAX_COPY_BYTES:
            raise ProjectCopyError(
                f"{project_dir} holds more than {MAX_COPY_BYTES // (1024 * 1024)} MiB to copy for the rehearsal "
                f"(at {relative}); run it from the project's own folder (or ignore data in .gitignore)"
            )
    return found


def copy_project(project_dir: Path, destination: Path) -> ProjectFiles:
    """Copy the project's own files into `destination`, which must not exist yet (nothing there is replaced)."""
    found = project_files(project_dir)
    destination.mkdir(parents=True, exist_ok=False)
    for relative, source in found.files.items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target, follow_symlinks=False)
        shutil.copymode(source, target, follow_symlinks=False)
    return found
