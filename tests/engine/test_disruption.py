"""The disruption forecast against a really deployed stack: `plan --against` (the offline plan and the state the
real engine wrote) says replace and update exactly where the real engine's preview does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from vnet2vnet.disruption import forecast
from vnet2vnet.engine import run_stack

from .conftest import EngineStack

MakeStack = Callable[..., EngineStack]


def _rotate(config: dict[str, Any]) -> None:
    config["vnet2vnet:connection"]["sharedKeyVersion"] = 2


def _protocol(config: dict[str, Any]) -> None:
    config["vnet2vnet:connection"]["connectionProtocol"] = "IKEv1"


def _tag(config: dict[str, Any]) -> None:
    config["vnet2vnet:tags"]["owner"] = "network-team"


def _resize(config: dict[str, Any]) -> None:
    config["vnet2vnet:gateway"]["sku"] = "VpnGw2AZ"


@pytest.mark.parametrize("edit", [_rotate, _protocol, _tag, _resize], ids=["rotation", "protocol", "tag", "resize"])
def test_the_forecast_says_replace_and_update_where_the_real_preview_does(
    engine_stack: MakeStack, edit: Callable[[dict[str, Any]], None]
) -> None:
    stack = engine_stack("dev")
    stack.ok("up")
    state = stack.run("select")["deployment"]
    stack.edit_config(edit)
    preview = stack.ok("preview", "edited")
    assert preview["replace"] + preview["update"] + preview["delete"] > 0, f"the edit changes something: {preview}"
    found = Counter(d.change for d in forecast(run_stack(stack.work_dir, "dev"), {"deployment": state}))
    assert (found["replace"], found["update"], found["delete"]) == (
        preview["replace"],
        preview["update"],
        preview["delete"],
    ), f"forecast {dict(found)} vs the engine's preview {preview}"
