"""Which `pulumi` CLI to run, and building ours from the Go module proxy when there is none.

Order: $VNET2VNET_PULUMI, then our cached build of the pinned version, then a `pulumi` on PATH (the user's own),
then a build with Go (tools/pulumi/build.sh, in a checkout of this repository). The cache lives outside any clone
(~/.cache/vnet2vnet/pulumi/<version>/bin/pulumi, or under $VNET2VNET_CACHE), so every clone on a machine shares it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# The version tools/pulumi/go.mod pins (a test keeps the two equal).
PINNED_VERSION = "v3.274.1"
OVERRIDE_VARIABLE = "VNET2VNET_PULUMI"
CACHE_VARIABLE = "VNET2VNET_CACHE"
BUILD_SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "pulumi" / "build.sh"
INSTALL_HELP = (
    "no Pulumi CLI found: set VNET2VNET_PULUMI to a `pulumi` binary, put `pulumi` on PATH "
    "(https://www.pulumi.com/docs/install/), or install Go >= 1.26 and run `make engine` in a clone of vnet2vnet "
    "(it builds the pinned CLI from the Go module proxy)"
)


class PulumiCliMissingError(RuntimeError):
    pass


@dataclass(frozen=True)
class PulumiCli:
    path: str
    source: str  # "VNET2VNET_PULUMI", "cache", "PATH" or "built"

    @property
    def root(self) -> str:
        """The directory the Automation API's PulumiCommand expects: <root>/bin/pulumi. A binary elsewhere gets a
        symlink in that layout, in the cache."""
        binary = Path(self.path).resolve()
        if binary.name == "pulumi" and binary.parent.name == "bin":
            return str(binary.parent.parent)
        link_root = cache_dir() / "links" / hashlib.sha256(str(binary).encode()).hexdigest()[:16]
        (link_root / "bin").mkdir(parents=True, exist_ok=True)
        link = link_root / "bin" / "pulumi"
        if not link.is_symlink() or link.resolve() != binary:
            link.unlink(missing_ok=True)
            link.symlink_to(binary)
        return str(link_root)

    def language_host(self, runtime: str = "python") -> str | None:
        """pulumi-language-<runtime> beside the CLI or on PATH: without the Python one, `pulumi up` of a Python
        project cannot run its program, and the Automation API must run it inline."""
        name = f"pulumi-language-{runtime}"
        beside = Path(self.path).resolve().parent / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
        return shutil.which(name)


class CliCommandError(RuntimeError):
    """A CLI command we ran directly failed; `lines` are the CLI's own words (its stderr, else its stdout)."""

    def __init__(self, command: str, lines: list[str]) -> None:
        super().__init__(f"`pulumi {command}` failed: " + "; ".join(lines))
        self.lines = lines


def set_secret_config(
    cli: PulumiCli,
    *,
    work_dir: Path,
    stack: str,
    key: str,
    value: str,
    path: bool,
    env: Mapping[str, str],
) -> None:
    """`pulumi config set --secret KEY` with the value on standard input: a value in a process argument is visible
    to every local user (`ps`, /proc/<pid>/cmdline), and the Automation API's `set_config` passes it as one. The CLI
    reads a value from standard input when none is given and the input is not a terminal (config set)."""
    arguments = ["config", "set", "--secret", "--non-interactive", "--stack", stack, *(["--path"] if path else []), key]
    completed = subprocess.run(
        [cli.path, *arguments],
        input=value,
        cwd=work_dir,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        said = completed.stderr.strip() or completed.stdout.strip() or f"exit {completed.returncode}"
        raise CliCommandError(f"config set --secret {key}", [line for line in said.splitlines() if line.strip()])


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "vnet2vnet")


def cached_cli(version: str = PINNED_VERSION) -> Path:
    return cache_dir() / "pulumi" / version / "bin" / "pulumi"


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_cli(build: bool = False, say: Callable[[str], None] = lambda line: print(line, file=sys.stderr)) -> PulumiCli:
    override = os.environ.get(OVERRIDE_VARIABLE)
    if override:
        if not _executable(Path(override)):
            raise PulumiCliMissingError(f"{OVERRIDE_VARIABLE}={override} is not an executable file")
        return PulumiCli(override, OVERRIDE_VARIABLE)
    cached = cached_cli()
    if _executable(cached):
        return PulumiCli(str(cached), "cache")
    on_path = shutil.which("pulumi")
    if on_path:
        return PulumiCli(on_path, "PATH")
    if build and shutil.which("go") and BUILD_SCRIPT.is_file():
        return PulumiCli(build_cli(say), "built")
    raise PulumiCliMissingError(INSTALL_HELP)


def build_cli(say: Callable[[str], None]) -> str:
    """Run tools/pulumi/build.sh (progress to stderr) and return the path it prints last."""
    say(f"building the Pulumi CLI {PINNED_VERSION} from the Go module proxy (cold: about 5 minutes on 2 cores)")
    try:
        completed = subprocess.run(
            [shutil.which("bash") or "/bin/bash", str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False
        )
    except OSError as error:
        raise PulumiCliMissingError(f"cannot run {BUILD_SCRIPT}: {error}; {INSTALL_HELP}") from None
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines or not _executable(Path(lines[-1])):
        raise PulumiCliMissingError(f"building the Pulumi CLI failed (exit {completed.returncode}); {INSTALL_HELP}")
    return lines[-1]


def main() -> int:
    """`make engine`: find or build the CLI; its absolute path is the last line on stdout."""
    try:
        cli = find_cli(build=True)
    except PulumiCliMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    print(f"pulumi CLI ({cli.source}): {cli.path}", file=sys.stderr)
    print(str(Path(cli.path).resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
