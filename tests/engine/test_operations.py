"""The Automation API operations (`vnet2vnet up/preview/outputs/verify/refresh/destroy`) against the real CLI and
the Azure emulator. The stand-in CLI (tests/test_operations.py) stays only for what the real one cannot reach
here: a CLI that fails before any engine work (login, passphrase), and connections that take minutes to connect."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vnet2vnet.operations import Operator
from vnet2vnet.pulumi_cli import PulumiCli

from .conftest import EngineStack

MakeStack = Callable[..., EngineStack]


def test_every_operation_on_the_real_engine(engine_stack: MakeStack, pulumi_cli: PulumiCli) -> None:
    stack = engine_stack("dev")
    out = io.StringIO()
    operator = Operator(stack.work_dir, "dev", out=out, env=stack.rehearsal.env, cli=pulumi_cli)

    assert operator.preview() == 0, out.getvalue()[-2000:]
    assert "Preview of 'dev': would have created 18" in out.getvalue(), out.getvalue()[-1500:]
    assert operator.up() == 0, out.getvalue()[-2000:]
    assert "Update of 'dev' succeeded: created 18" in out.getvalue(), out.getvalue()[-1500:]

    outputs = operator.outputs()
    assert outputs["sharedKey"] == "[secret]", "the key stays masked"
    assert set(outputs["connectionIds"]) == {"east-to-west", "west-to-east"}, outputs["connectionIds"]

    assert operator.verify(timeout=60, interval=1) == 0, out.getvalue()[-2000:]
    assert "All 2 connections of 'dev' are Connected." in out.getvalue()
    assert "days old" not in out.getvalue(), "a new key is not old"

    in_200_days = Operator(
        stack.work_dir, "dev", out=out, env=stack.rehearsal.env, cli=pulumi_cli,
        now=lambda: datetime.now(timezone.utc) + timedelta(days=200),
    )  # fmt: skip
    assert in_200_days.verify(timeout=0, interval=1, max_key_age_days=180) == 0, "an old key warns, it does not fail"
    assert "is 200 days old" in out.getvalue() and "connection.maxKeyAgeDays is 180" in out.getvalue(), out.getvalue()[
        -800:
    ]

    assert operator.refresh() == 0, out.getvalue()[-2000:]
    keys = {c["inputs"]["sharedKey"] for c in stack.connections()}
    leaked = [key for key in keys if key in out.getvalue()]
    assert keys and not leaked, "the engine's streamed output never shows the key (no --show-secrets)"
    assert operator.destroy(confirmed=True, ask=lambda _: "") == 0, out.getvalue()[-2000:]
    assert "Destroy of 'dev' succeeded: created 0, updated 0, deleted 18" in out.getvalue(), out.getvalue()[-1500:]
    assert stack.azure()["resources"] == {}, "destroy leaves nothing in Azure"


def test_verify_reports_a_dropped_tunnel_with_what_to_check(
    engine_stack: MakeStack, pulumi_cli: PulumiCli, tmp_path: Path
) -> None:
    stack = engine_stack("dev", faults=("{kind: tunnelDown, resource: vnet2vnet-east-to-west}",))
    stack.ok("up")
    out = io.StringIO()
    operator = Operator(stack.work_dir, "dev", out=out, env=stack.rehearsal.env, cli=pulumi_cli, sleep=lambda _: None)
    assert operator.verify(timeout=0, interval=1) == 1
    text = out.getvalue()
    assert "1/2 connections Connected" in text and "NotConnected" in text, text
    assert "NotConnected: check that both gateways finished provisioning" in text, text
