"""Ctrl-C while a command drives the Pulumi CLI, offline: a real child process in a session of its own stands in
for the CLI, and a SIGINT to this process stands in for the press in the terminal (the real engine's Ctrl-C tests
are in tests/engine/test_interrupted.py)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vnet2vnet import cli, interrupts
from vnet2vnet.interrupts import CommandInterruptedError, wait_passing_interrupts

# A stand-in CLI: says it is ready, then on SIGINT either cancels gracefully (exit 0) or ignores it.
CHILD = """
import signal, sys, time
if sys.argv[1] == "graceful":
    def cancel(*_):
        print("cancelled", flush=True)
        sys.exit(0)
    signal.signal(signal.SIGINT, cancel)
else:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture(autouse=True)
def ctrl_c_raises_keyboard_interrupt() -> Iterator[None]:
    """Python's default Ctrl-C handling, whatever the test runner (or a `make test &`) set."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def stand_in(mode: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def press_ctrl_c(times: int, gap: float = 0.3) -> threading.Thread:
    """Ctrl-C in the terminal `times` times: a SIGINT to this process (the child, in its own session, gets none)."""

    def press() -> None:
        for _ in range(times):
            threading.Event().wait(gap)
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=press, daemon=True)
    thread.start()
    return thread


class TestPassingCtrlCToTheCli:
    def test_the_first_press_asks_the_cli_to_cancel_and_it_finishes(self) -> None:
        process = stand_in("graceful")
        said: list[int] = []
        presses_thread = press_ctrl_c(1)
        presses = wait_passing_interrupts(process, said.append)
        presses_thread.join()
        assert presses == 1 and said == [1], f"one press, passed on once: {presses}, {said}"
        assert process.returncode == 0, "the CLI got SIGINT and cancelled on its own terms"
        assert process.stdout is not None and process.stdout.read().strip() == "cancelled"

    def test_the_second_press_stops_it_and_a_cli_that_ignores_it_is_killed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(interrupts, "TERMINATE_GRACE_SECONDS", 0.5)
        process = stand_in("ignores")
        said: list[int] = []
        presses_thread = press_ctrl_c(2)
        presses = wait_passing_interrupts(process, said.append)
        presses_thread.join()
        assert presses == 2 and said == [1, 2], f"two presses: {presses}, {said}"
        assert process.returncode == -signal.SIGKILL, "killed once the grace after the second press ran out"

    def test_presses_before_the_wait_count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A Ctrl-C that came while the output readers started was passed on already: one more is the second."""
        monkeypatch.setattr(interrupts, "TERMINATE_GRACE_SECONDS", 0.5)
        process = stand_in("ignores")
        os.killpg(process.pid, signal.SIGINT)  # as `_pass_on` did for the early press
        presses_thread = press_ctrl_c(1)
        presses = wait_passing_interrupts(process, lambda _: None, presses=1)
        presses_thread.join()
        assert presses == 2 and process.returncode == -signal.SIGKILL, "the second press stops it"


class TestWhileTheCliStarts:
    def test_a_press_is_held_for_the_cli_and_the_handler_comes_back(self) -> None:
        with interrupts._held_interrupts() as held:
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(0.2)  # the handler runs between bytecodes of this (main) thread
        assert held.presses == 1, "counted, not raised: the command passes it on to the CLI once it runs"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "Ctrl-C raises again after the block"

    def test_an_ignored_ctrl_c_stays_ignored(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with interrupts._held_interrupts() as held:
            os.kill(os.getpid(), signal.SIGINT)
        assert held.presses == 0 and signal.getsignal(signal.SIGINT) is signal.SIG_IGN


class TestWhatTheCommandSays:
    def run_main(self, monkeypatch: pytest.MonkeyPatch, command: str, presses: int) -> tuple[int, str]:
        def interrupted(_: Any) -> int:
            raise CommandInterruptedError(presses)

        monkeypatch.setattr(cli, "recover_command", interrupted)
        monkeypatch.setattr(cli, "operation_command", interrupted)
        err = io.StringIO()
        monkeypatch.setattr(sys, "stderr", err)
        code = cli.main([command, "--stack", "dev"])
        return code, err.getvalue()

    @pytest.mark.parametrize(
        ("command", "again"), [("up", "up"), ("destroy", "destroy"), ("refresh", "refresh"), ("recover", "recover")]
    )
    def test_a_graceful_stop_says_what_goes_on_from_there(
        self, monkeypatch: pytest.MonkeyPatch, command: str, again: str
    ) -> None:
        code, err = self.run_main(monkeypatch, command, 1)
        assert code == 130 and f"`vnet2vnet {again} --stack dev` goes on from there" in err, err
        assert "Traceback" not in err

    @pytest.mark.parametrize("command", ["up", "refresh", "recover"])
    def test_a_stop_at_once_says_to_recover(self, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
        code, err = self.run_main(monkeypatch, command, 2)
        assert (code, err.strip()) == (130, "stopped: run `vnet2vnet recover --stack dev`"), err


class TestTheConfirmation:
    def test_the_question_goes_to_standard_error_so_json_stays_clean(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", Terminal("dev\n"))
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        assert cli._ask("Type the stack name: ") == "dev"
        assert out.getvalue() == "" and err.getvalue() == "Type the stack name: ", (out.getvalue(), err.getvalue())

    def test_without_a_terminal_the_answer_is_never_yes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO("dev\n"))
        assert cli._ask("Type the stack name: ") == "", "unattended: nothing is confirmed"
