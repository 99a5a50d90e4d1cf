"""Writing what the tools produce without ever losing a file: every output goes to a temporary file beside its
target and is renamed into place only when the command succeeds, never through a symlink, and never onto a stack
file, `Pulumi.yaml` or a file the same command reads.

`check_output` and `check_report_directory` run before any work (a refused path is a usage error: exit 2, one line
naming it, nothing written); `write_atomically` does the writing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


class OutputRefusedError(Exception):
    """An output path the tools will not write; the message is one line naming the path and what to do."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _protected(project_dir: Path, inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """What no output may replace: the project's Pulumi.yaml and stack files, and the command's own inputs."""
    found = [(project_dir / "Pulumi.yaml", "the project file")]
    found += [(path, "a stack file") for path in sorted(project_dir.glob("Pulumi.*.yaml"))]
    found += [(path, "an input of this command") for path in inputs]
    return found


def check_output(path: Path, option: str, *, project_dir: Path, inputs: Iterable[Path] = ()) -> Path:
    """The absolute path to write `option`'s file to, or OutputRefusedError: a symlink (it would write through it), a
    directory, a device, pipe or socket, a stack file, `Pulumi.yaml`, an input of the same command, or a folder that
    does not exist."""
    target = Path(os.path.abspath(path))
    if target.is_symlink():
        raise OutputRefusedError(
            f"{option} {path}: is a symbolic link; name a regular file (nothing is written through a link)"
        )
    if target.is_dir():
        raise OutputRefusedError(f"{option} {path}: is a directory; name the file to write")
    if target.exists() and not target.is_file():  # the rename would replace the device itself (/dev/null)
        raise OutputRefusedError(f"{option} {path}: is not a regular file (a device, pipe or socket); name a file")
    if target.name.startswith("Pulumi.") and target.suffix in (".yaml", ".yml"):
        raise OutputRefusedError(f"{option} {path}: is named like a Pulumi project or stack file; name another file")
    for protected, what in _protected(project_dir, inputs):
        if _same_file(target, protected) or target == Path(os.path.abspath(protected)):
            raise OutputRefusedError(f"{option} {path}: is {what} ({protected}); name another file")
    if not target.parent.is_dir():
        raise OutputRefusedError(
            f"{option} {path}: the folder {target.parent} does not exist; create it or name another file"
        )
    if not os.access(target.parent, os.W_OK):
        raise OutputRefusedError(f"{option} {path}: the folder {target.parent} cannot be written")
    return target


def check_report_directory(directory: Path, option: str, names: Iterable[str]) -> Path:
    """A directory to write `names` into (created if missing), or OutputRefusedError: a symlinked directory or report
    file, a report name taken by a directory, or a directory that cannot be written. Probed with a temporary file
    created exclusively (never an existing name, which could be a planted link) and removed."""
    target = Path(os.path.abspath(directory))
    if target.is_symlink():
        raise OutputRefusedError(f"{option} {directory}: is a symbolic link; name a real folder")
    if target.exists() and not target.is_dir():
        raise OutputRefusedError(f"{option} {directory}: is a file, not a folder; name a folder for the report")
    for name in names:
        report = target / name
        if report.is_symlink():
            raise OutputRefusedError(
                f"{option} {directory}: {report} is a symbolic link; remove it or name another folder"
            )
        if report.is_dir():
            raise OutputRefusedError(f"{option} {directory}: {report} is a directory; name another folder")
    try:
        target.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(dir=target, prefix=".vnet2vnet-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        problem = error.strerror or str(error)
        raise OutputRefusedError(f"{option} {directory}: cannot write the report there: {problem}") from None
    return target


def write_atomically(path: Path, content: str) -> None:
    """Write `content` to a temporary file beside `path`, then rename it over `path`: a reader sees the old file or
    the new one, never half of one, and a link planted at `path` after the check is replaced, not followed."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
