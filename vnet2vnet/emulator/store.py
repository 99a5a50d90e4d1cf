"""The emulated Azure: one JSON state file per rehearsal, locked for every read-modify-write, so that the several
plugin processes of one deployment (one per explicit provider, plus random) see one Azure.

Time is scaled: an operation that takes M minutes on Azure holds its locks for M * 60 * scale real seconds, and
the store records every operation's start and end in emulated minutes, so the real engine's parallelism shows as
it would against Azure.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

STATE_VARIABLE = "VNET2VNET_EMULATOR_STATE"
# Real seconds per emulated second: 1/120 turns a 45-minute gateway into 22.5 s. docs/rehearsal.md reports the
# measured engine overhead against it.
DEFAULT_CLOCK_SCALE = 1 / 120

# Variants of Azure behaviour that is not known for sure; the program must be safe under each.
VARIANTS: dict[str, tuple[str, ...]] = {
    # Does GET on a connection return `sharedKey`? (The REST spec lists it as a plain property; the portal hides
    # it; a separate sharedkey API exists.) "returned" or "omitted".
    "sharedKeyOnRead": ("returned", "omitted"),
    # Does a gateway created as Generation1 read back as Generation1 or as Generation2?
    "generationOnRead": ("as-sent", "Generation2"),
}


def default_state(clock_scale: float = DEFAULT_CLOCK_SCALE) -> dict[str, Any]:
    return {
        "format": 1,
        "clock": {"scale": clock_scale, "started": time.time()},
        "variants": {name: options[0] for name, options in VARIANTS.items()},
        "phase": "",
        "resources": {},
        "busy": {},
        "operations": [],
        "conflicts": [],
        "refusals": [],
        "faults": [],
        "inflight": {},  # operations Azure accepted and is still running: azure.begin, azure.settle
    }


@dataclass(frozen=True)
class Store:
    path: Path

    @classmethod
    def from_environment(cls) -> Store:
        value = os.environ.get(STATE_VARIABLE)
        if not value or not Path(value).is_file():
            raise RuntimeError(
                f"the vnet2vnet Azure emulator runs only inside a rehearsal ({STATE_VARIABLE} names no state file); "
                "it is a stand-in for azure-native and must never serve a real deployment"
            )
        return cls(Path(value))

    @property
    def _lock_path(self) -> Path:
        return self.path.with_suffix(self.path.suffix + ".lock")

    def create(self, state: dict[str, Any]) -> None:
        self.__dict__.pop("_clock", None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.locked(initial=state):
            pass

    @contextmanager
    def locked(self, initial: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The state, exclusively; written back when the block ends without an exception."""
        with open(self._lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = initial if initial is not None else json.loads(self.path.read_text())
                _settle(state)
                yield state
                temporary = self.path.with_suffix(f".tmp{os.getpid()}")
                # Compact: with `indent`, json encodes in pure Python, which was most of the plugins' time at
                # scale (bench/engine_scale.py); `python -m json.tool azure.json` shows it indented.
                temporary.write_text(json.dumps(state, sort_keys=True))
                temporary.replace(self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @cached_property
    def _clock(self) -> dict[str, Any]:
        return dict(self.read()["clock"])

    def real_seconds(self, minutes: float) -> float:
        """`minutes` of emulated time in real seconds. The clock is set when the state is created and never changes:
        read once, not with the whole state on every request."""
        return real_seconds({"clock": self._clock}, minutes)

    def read(self) -> dict[str, Any]:
        with open(self._lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_SH)
            try:
                state = dict(json.loads(self.path.read_text()))
                _settle(state)  # what has finished by now, as every reader sees it (written back on the next write)
                return state
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _settle(state: dict[str, Any]) -> None:
    from vnet2vnet.emulator.azure import settle  # azure reads this module's clock

    settle(state, time.time())


def emulated_minutes(state: dict[str, Any], now: float | None = None) -> float:
    clock = state["clock"]
    return float(((now if now is not None else time.time()) - clock["started"]) / clock["scale"] / 60)


def real_seconds(state: dict[str, Any], minutes: float) -> float:
    return float(minutes * 60 * state["clock"]["scale"])
