"""Ctrl-C while the Pulumi CLI works: the first passes the interrupt to the CLI, which cancels gracefully (the Azure
operations in flight finish and are recorded; nothing new starts), the second stops it at once. Either way the
command ends with exit 130 and no process of ours or the engine's left behind.

The CLI runs in a session of its own, so a Ctrl-C in the terminal reaches only this process, which passes it on
exactly once per press (a CLI in the terminal's process group would get every press twice: from the terminal and
from us). The Automation API's own runner does not forward it: on KeyboardInterrupt it closes the CLI's pipes and
the CLI dies of SIGPIPE mid-update, leaving a lock and pending operations behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error

# How long a CLI told to terminate (the second Ctrl-C) may take before it is killed.
TERMINATE_GRACE_SECONDS = 10.0


class CommandInterruptedError(Exception):
    """The user pressed Ctrl-C during a CLI command: once (the CLI cancelled gracefully and finished what was in
    flight) or twice (the CLI stopped at once: operations may be pending, `vnet2vnet recover` repairs that)."""

    def __init__(self, presses: int) -> None:
        super().__init__("interrupted" if presses < 2 else "stopped at once")
        self.presses = presses

    @property
    def graceful(self) -> bool:
        return self.presses < 2


class InterruptibleCommand(PulumiCommand):
    """The Automation API's PulumiCommand, run so that Ctrl-C is passed to the CLI (see the module)."""

    def __init__(self, root: str, on_interrupt: Callable[[int], None] = lambda presses: None) -> None:
        super().__init__(root=root)
        self.on_interrupt = on_interrupt

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> CommandResult:
        separator = args.index("--") if "--" in args else len(args)
        if "--non-interactive" not in args[:separator]:
            args.insert(0, "--non-interactive")
        env = {**os.environ, **additional_env, "PULUMI_AUTOMATION_API": "true"}
        if os.path.isabs(self.command):  # the plugins bundled beside the CLI come first, as the SDK's runner does
            env["PATH"] = os.pathsep.join([os.path.dirname(self.command), env.get("PATH", "")])
        out: list[str] = []
        err: list[str] = []
        # A Ctrl-C before the wait below (while the CLI starts, or its output readers do) is held, not raised: the
        # CLI, in its own session, must hear it, and its output must keep being read (a full pipe would stop it).
        with _held_interrupts() as held:
            process = subprocess.Popen(
                [self.command, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
            readers = [
                threading.Thread(target=_drain, args=(process.stdout, on_output, out), daemon=True),
                threading.Thread(target=_drain, args=(process.stderr, on_error, err), daemon=True),
            ]
            for reader in readers:
                reader.start()
        presses = 0
        for _ in range(held.presses):
            presses = _pass_on(process, presses + 1, self.on_interrupt)
        presses = wait_passing_interrupts(process, self.on_interrupt, presses=presses)
        for reader in readers:
            reader.join()
        result = CommandResult(stdout="\n".join(out), stderr="\n".join(err), code=process.returncode)
        if presses:
            raise CommandInterruptedError(presses)
        if result.code != 0:
            raise create_command_error(result)
        return result


@dataclass
class _Held:
    """The Ctrl-C presses held while the CLI starts."""

    presses: int = 0


@contextlib.contextmanager
def _held_interrupts() -> Iterator[_Held]:
    """Count Ctrl-C presses instead of raising KeyboardInterrupt, for the block's duration, when Python's default
    handler is in place in this (main) thread; otherwise (SIGINT ignored, another handler, another thread) leave it
    as it is. The children started in the block get SIGINT at its default: a caught signal is reset on exec."""
    held = _Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield held
        return

    def hold(signum: int, frame: Any) -> None:
        held.presses += 1

    signal.signal(signal.SIGINT, hold)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)


def _drain(stream: Any, callback: Callable[[str], Any] | None, lines: list[str]) -> None:
    for line in iter(stream.readline, ""):
        stripped = line.rstrip()
        if callback is not None:
            callback(stripped)
        lines.append(stripped)
    stream.close()


def wait_passing_interrupts(
    process: subprocess.Popen[Any], on_interrupt: Callable[[int], None], *, presses: int = 0
) -> int:
    """Wait for `process` (the leader of its own process group), passing each Ctrl-C (KeyboardInterrupt here) on to
    its group as SIGINT: the first asks for a graceful stop, the second for an immediate one, after which the group
    is killed if it has not ended within TERMINATE_GRACE_SECONDS. `presses`: those already passed on. Returns how
    many times Ctrl-C was pressed."""
    deadline: float | None = None
    while True:
        try:
            if presses >= 2 and deadline is None:
                deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            process.wait(timeout=timeout)
            return presses
        except subprocess.TimeoutExpired:  # told to terminate, and it did not
            _signal_group(process, signal.SIGKILL)
        except KeyboardInterrupt:
            presses = _pass_on(process, presses + 1, on_interrupt)


def _pass_on(process: subprocess.Popen[Any], presses: int, on_interrupt: Callable[[int], None]) -> int:
    """Pass one Ctrl-C on to the process's group and say so; returns the presses so far."""
    _signal_group(process, signal.SIGINT)
    on_interrupt(presses)
    return presses


def _signal_group(process: subprocess.Popen[Any], which: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # it has just ended
        os.killpg(process.pid, which)
