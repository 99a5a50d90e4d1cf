"""The Automation API operations (`vnet2vnet up/preview/outputs/verify/refresh/destroy`) against the real CLI and
the Azure emulator, the program through the Python language host. The stand-in CLI (tests/test_operations.py)
stays only for what the real one cannot reach here: a CLI that fails on a login to Pulumi Cloud, and connections
that take minutes to connect."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vnet2vnet.operations import Operator

from .conftest import EngineStack

MakeStack = Callable[..., EngineStack]


def test_every_operation_on_the_real_engine(engine_stack: MakeStack) -> None:
    stack = engine_stack("dev")
    out = io.StringIO()
    pulumi_cli = stack.rehearsal.run_cli  # the sandbox's CLI, with the language host beside it
    assert pulumi_cli.language_host(), "the operations run the program through the language host"
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


def test_verify_reports_a_dropped_tunnel_with_what_to_check(engine_stack: MakeStack, tmp_path: Path) -> None:
    stack = engine_stack("dev", faults=("{kind: tunnelDown, resource: vnet2vnet-east-to-west}",))
    stack.ok("up")
    out = io.StringIO()
    cli = stack.rehearsal.run_cli
    operator = Operator(stack.work_dir, "dev", out=out, env=stack.rehearsal.env, cli=cli, sleep=lambda _: None)
    assert operator.verify(timeout=0, interval=1) == 1
    text = out.getvalue()
    assert "1/2 connections Connected" in text and "NotConnected" in text, text
    assert "NotConnected: check that both gateways finished provisioning" in text, text


PASSPHRASE_ERROR = "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE"


def test_a_missing_passphrase_is_the_real_cli_error_and_no_traceback(engine_stack: MakeStack) -> None:
    stack = engine_stack("dev")
    stack.ok("preview")  # the stack exists, its secrets encrypted under the rehearsal's passphrase
    environment = {k: v for k, v in stack.rehearsal.process_env.items() if k != "PULUMI_CONFIG_PASSPHRASE"}
    environment["VNET2VNET_PULUMI"] = stack.rehearsal.run_cli.path
    # (`outputs` needs no passphrase: the CLI shows secret outputs masked without decrypting them.)
    for command in (["preview"], ["up"], ["refresh"], ["verify", "--timeout", "0"], ["destroy", "--yes"]):
        completed = subprocess.run(
            [sys.executable, "-m", "vnet2vnet", command[0], "--stack", "dev", "--project-dir", str(stack.work_dir),
             *command[1:]],
            env=environment, capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
        assert completed.returncode == 1, f"vnet2vnet {command[0]}: {completed.returncode}\n{completed.stderr}"
        assert PASSPHRASE_ERROR in completed.stderr, f"the CLI's own words reach the user: {completed.stderr}"
        assert "Traceback" not in completed.stderr, completed.stderr
    assert stack.azure()["resources"] == {}, "nothing was built without the passphrase"


def test_up_does_not_start_a_change_one_update_cannot_apply(engine_stack: MakeStack) -> None:
    # Zones on both gateways of a link at once: the engine would delete their shared connections without waiting,
    # and Azure would refuse the second gateway's delete halfway (disruption.one_update_problems).
    stack = engine_stack("dev")
    out = io.StringIO()
    operator = Operator(stack.work_dir, "dev", out=out, env=stack.rehearsal.env, cli=stack.rehearsal.run_cli)
    assert operator.up() == 0, out.getvalue()[-2000:]
    built = {rid: record["inputs"] for rid, record in stack.azure()["resources"].items()}
    stack.edit_config(lambda config: config["vnet2vnet:gateway"].update(zones=["1"]))
    assert operator.up() == 1, out.getvalue()[-2000:]
    said = out.getvalue()
    assert "both rebuilt in one update" in said and "vnets[i].gateway" in said, said[-1500:]
    assert "Update of 'dev' not started" in said, said[-500:]
    after = {rid: record["inputs"] for rid, record in stack.azure()["resources"].items()}
    assert after == built, "nothing was sent to Azure"
