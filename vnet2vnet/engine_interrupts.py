"""The program's side of a Ctrl-C under `pulumi up`.

The CLI starts its language host in a process group of its own, and the host starts the program (through the
SDK's runner) in that group. When a second Ctrl-C (or a terminate) stops the CLI at once, the CLI interrupts its
plugins' groups with SIGINT (sdk/go/common/util/cmdutil child_unix.go `InterruptChildren`): the program gets a
KeyboardInterrupt and the runner prints its traceback through the CLI, which the user sees after "stopped". The
engine is gone by then, so the program has nothing left to finish: it ends there, quietly, with 130.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

RUNNER_NAME = "pulumi-language-python-exec"  # the SDK's program runner (sdk/v3 python/cmd)
INTERRUPTED_EXIT_CODE = 130


def run_by_the_runner() -> bool:
    """True in a program the language host started through the SDK's runner (`pulumi up`), not in an inline
    program (Automation API) or our offline engine, which run it inside a process of their own."""
    frame: FrameType | None = sys._getframe()
    outermost = frame
    while frame is not None:
        outermost, frame = frame, frame.f_back
    return outermost is not None and Path(outermost.f_code.co_filename).name == RUNNER_NAME


def end_quietly_when_the_engine_stops_the_program() -> None:
    if threading.current_thread() is not threading.main_thread() or not run_by_the_runner():
        return
    signal.signal(signal.SIGINT, lambda *_: os._exit(INTERRUPTED_EXIT_CODE))
