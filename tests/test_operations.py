"""The automation layer (preview/up/refresh/destroy/outputs/verify) against a stand-in `pulumi` on PATH."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from tests.support import PROJECT_DIR, run_python
from vnet2vnet import cli
from vnet2vnet.operations import (
    MissingStackError,
    Operator,
    change_summary,
    cli_error_lines,
    connection_states,
    protected_resources,
    troubleshooting,
)

FAKE = Path(__file__).resolve().parent / "fake_pulumi.py"
# The connections of the fake CLI's exported state (tests/fake_pulumi.py, `export`).
CONNECTION_URNS = [
    "urn:pulumi:dev::vnet2vnet::t$azure-native:network:VirtualNetworkGatewayConnection::vnet2vnet-east-to-west",
    "urn:pulumi:dev::vnet2vnet::t$azure-native:network:VirtualNetworkGatewayConnection::vnet2vnet-west-to-east",
]
PASSPHRASE_ERROR = (
    "error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables"
)


class FakeCli:
    def __init__(self, state: Path, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = state
        self.project = project
        self.monkeypatch = monkeypatch

    def scenario(self, **values: Any) -> None:
        (self.state / "scenario.json").write_text(json.dumps(values))

    def has_stacks(self, *names: str) -> None:
        """Stacks that exist in the backend, as after `pulumi stack init`."""
        for name in names:
            (self.state / f"stack-{name}").write_text("")

    def stacks(self) -> list[str]:
        return sorted(path.name.removeprefix("stack-") for path in self.state.glob("stack-*"))

    def fail(self, command: str, stderr: str) -> None:
        """Make `pulumi <command>` (or every command, `*`) fail with the CLI's own message on stderr."""
        self.monkeypatch.setenv("FAKE_PULUMI_FAIL_ON", command)
        self.monkeypatch.setenv("FAKE_PULUMI_STDERR", stderr)

    def refresh_targets(self) -> list[list[str]]:
        """The `--target` URNs of each refresh, in order ([] for a whole-stack refresh)."""
        path = self.state / "refreshes.jsonl"
        return [json.loads(line)["targets"] for line in path.read_text().splitlines()] if path.exists() else []

    @property
    def calls(self) -> list[dict[str, Any]]:
        path = self.state / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def commands(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls]

    def ran(self, verb: str) -> list[list[str]]:
        return [argv for argv in self.commands() if argv[:1] == [verb]]

    def run(self, *args: str) -> int:
        return cli.main([*args, "--project-dir", str(self.project)])


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCli:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"#!{sys.executable}\nimport runpy\nrunpy.run_path({str(FAKE)!r}, run_name='__main__')\n")
    script.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, project / name)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("VNET2VNET_PULUMI", str(script))  # before our cached build of the real CLI
    monkeypatch.setenv("FAKE_PULUMI_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    return FakeCli(tmp_path / "state", project, monkeypatch)


class TestUpPreviewRefresh:
    def test_up_runs_pulumi_up_in_the_project_and_summarises(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert fake.run("up", "--stack", "dev") == 0
        out = capsys.readouterr().out
        (up,) = fake.ran("up")
        assert up[:3] == ["up", "--yes", "--skip-preview"], up
        assert up[up.index("--stack") + 1] == "dev"
        stack_calls = [call for call in fake.calls if call["argv"] != ["version"]]
        assert all(call["cwd"] == str(fake.project) for call in stack_calls), "LocalWorkspace on the project dir"
        assert "Updating (dev) [update]" in out, "the engine's own output streams live"
        assert "Update of 'dev' succeeded: created 13, updated 0, deleted 0" in out, out

    def test_the_stack_is_created_when_missing_then_selected(self, fake: FakeCli) -> None:
        fake.run("up", "--stack", "dev")
        fake.run("up", "--stack", "dev")
        stack_calls = [argv[:3] for argv in fake.commands() if argv[:1] == ["stack"] and argv[1] in ("select", "init")]
        assert stack_calls == [["stack", "select", "--stack"], ["stack", "init", "dev"], ["stack", "select", "--stack"]]

    def test_preview_prints_the_change_summary(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.scenario(changes={"create": 2, "update": 1})
        assert fake.run("preview", "--stack", "dev") == 0
        assert "would have created 2, updated 1, deleted 0" in capsys.readouterr().out

    def test_refresh(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.has_stacks("prod")
        assert fake.run("refresh", "--stack", "prod") == 0
        assert fake.ran("refresh") and "Refresh of 'prod' succeeded" in capsys.readouterr().out

    def test_a_failed_operation_exits_non_zero_without_traceback(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str]
    ) -> None:
        fake.scenario(fail="update")
        assert fake.run("up", "--stack", "dev") == 1
        err = capsys.readouterr().err
        assert "the Pulumi CLI failed during `vnet2vnet up --stack dev`" in err and "Traceback" not in err, err
        assert 'error: Code="InternalServerError" (fake failure)' in err, f"the CLI's own stderr is shown: {err}"


def test_invalid_config_stops_before_the_cli_is_called(fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
    stack = fake.project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("sku: VpnGw1AZ", "sku: VpnGw1"))
    for command in ("preview", "up", "refresh", "outputs", "verify"):
        assert fake.run(command, "--stack", "dev") == 1, command
    assert fake.calls == [], "nothing may reach the cloud when the config has errors"
    assert "vnet2vnet:gateway.sku" in capsys.readouterr().err


class TestVerify:
    def test_polls_until_every_connection_is_connected(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.has_stacks("dev")
        fake.scenario(statuses=[["Connecting", "Unknown"], ["Connected", "Connecting"], ["Connected", "Connected"]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0", "--timeout", "60") == 0
        out = capsys.readouterr().out
        assert len(fake.ran("refresh")) == 3, "one refresh per poll"
        exports = [a for a in fake.commands() if a[:2] == ["stack", "export"]]
        assert len(exports) == 4, "one export to find the connections, then the state read after each refresh"
        assert "east-to-west  Connected  1200" in out and "west-to-east  Connected  1200" in out, out
        assert "All 2 connections of 'dev' are Connected." in out

    def test_times_out_with_troubleshooting_and_exit_1(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.has_stacks("dev")
        fake.scenario(statuses=[["NotConnected", "Connecting"]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0.01", "--timeout", "0") == 1
        out = capsys.readouterr().out
        assert "NotConnected" in out and "pre-shared key cannot mismatch" in out and "NSG" in out, out

    def test_refreshes_only_the_connections(self, fake: FakeCli) -> None:
        fake.has_stacks("dev")
        fake.scenario(statuses=[["Connecting", "Connecting"], ["Connected", "Connected"]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0", "--timeout", "60") == 0
        targets = fake.refresh_targets()
        assert targets == [CONNECTION_URNS, CONNECTION_URNS], f"each poll targets exactly the connections: {targets}"

    def test_a_stack_without_connections_is_not_refreshed(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str]
    ) -> None:
        fake.has_stacks("dev")
        fake.scenario(statuses=[[]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0", "--timeout", "0") == 1
        assert fake.ran("refresh") == [], "no connections: nothing to refresh, certainly not the whole stack"
        out = capsys.readouterr().out
        assert "has no connection resources" in out and "vnet2vnet up --stack dev" in out, out


class TestStacksMustExist:
    """outputs, verify, refresh and destroy select a stack; they never create one."""

    @pytest.mark.parametrize(
        "command", [["outputs"], ["verify", "--timeout", "0"], ["refresh"], ["destroy", "--yes"]], ids=lambda c: c[0]
    )
    def test_a_missing_stack_is_not_created_and_the_existing_ones_are_listed(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str], command: list[str]
    ) -> None:
        fake.has_stacks("dev")  # Pulumi.prod.yaml exists, the prod stack does not (never `pulumi stack init`)
        assert fake.run(command[0], "--stack", "prod", *command[1:]) == 2, "a missing stack is a usage error"
        err = capsys.readouterr().err
        assert fake.stacks() == ["dev"], f"{command[0]} must not create a stack: {fake.stacks()}"
        assert not [argv for argv in fake.commands() if argv[:2] == ["stack", "init"]], fake.commands()
        work = [
            argv
            for argv in fake.commands()
            if argv[0] in ("refresh", "destroy") or argv[1:2] in (["export"], ["output"])
        ]
        assert work == [], f"nothing may run against a stack that does not exist: {work}"
        assert "error: stack 'prod' does not exist; stacks here: dev." in err, err
        assert "`vnet2vnet up --stack prod` (or `pulumi stack init prod`)" in err, err
        assert "Traceback" not in err

    def test_a_mistyped_name_names_the_stacks_and_the_closest_one(self, fake: FakeCli) -> None:
        fake.has_stacks("dev", "prod")
        with pytest.raises(MissingStackError) as raised:
            Operator(fake.project, "dve", out=io.StringIO()).outputs()
        assert str(raised.value) == (
            "stack 'dve' does not exist; stacks here: dev, prod (did you mean 'dev'?). "
            "Create it with `vnet2vnet up --stack dve` (or `pulumi stack init dve`)."
        ), str(raised.value)
        assert fake.stacks() == ["dev", "prod"], "the typo must not become an empty stack"
        assert ["stack", "ls", "--json"] in fake.commands(), "the list comes from the workspace"


class TestCliErrorsReachTheUser:
    """The CLI's own text (login, missing plugin), not a traceback; exit 1. (A missing passphrase, on the real CLI:
    tests/engine/test_operations.py.)"""

    def test_a_login_error_on_select_is_not_taken_for_a_missing_stack(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str]
    ) -> None:
        login = "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"
        fake.fail("stack select", login)
        assert fake.run("outputs", "--stack", "dev") == 1
        err = capsys.readouterr().err
        assert login in err and "does not exist" not in err, err

    def test_no_traceback_from_the_console_script(self, fake: FakeCli) -> None:
        fake.has_stacks("dev")
        fake.fail("refresh", PASSPHRASE_ERROR)
        result = subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "verify", "--stack", "dev", "--project-dir", str(fake.project)],
            cwd=PROJECT_DIR,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 1, result.stderr
        assert PASSPHRASE_ERROR in result.stderr and "Traceback" not in result.stderr, result.stderr


class TestDestroy:
    def test_protected_stack_explains_how_to_unprotect(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.has_stacks("prod")
        fake.scenario(protect=True)
        assert fake.run("destroy", "--stack", "prod", "--yes") == 1
        out = capsys.readouterr().out
        assert "protected resource(s)" in out and "gateway.protect: false" in out and "state unprotect" in out
        assert fake.ran("destroy") == [], "destroy must not run on a protected stack"

    def test_asks_for_confirmation_unless_yes(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.has_stacks("dev")
        assert fake.run("destroy", "--stack", "dev") == 1, "no terminal: never assume yes"
        assert fake.ran("destroy") == []
        assert "Not confirmed" in capsys.readouterr().out
        assert fake.run("destroy", "--stack", "dev", "--yes") == 0
        (destroy,) = fake.ran("destroy")
        assert "--skip-preview" in destroy and "--yes" in destroy
        assert "deleted 13" in capsys.readouterr().out


def test_outputs_never_print_secrets(fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
    fake.has_stacks("dev")
    assert fake.run("outputs", "--stack", "dev") == 0
    out = capsys.readouterr().out
    assert json.loads(out)["sharedKey"] == "[secret]"
    assert "TopSecretKey" not in out


@pytest.mark.parametrize("command", ["up", "recover"])
def test_missing_cli_is_a_clear_error_with_an_empty_path(tmp_path: Path, command: str) -> None:
    result = run_python(
        "-m",
        "vnet2vnet",
        command,
        "--stack",
        "dev",
        env={"PATH": "", "VNET2VNET_CACHE": str(tmp_path / "empty-cache")},
        drop=("VNET2VNET_PULUMI",),
    )
    assert result.returncode == 3
    assert (
        "no Pulumi CLI found" in result.stderr
        and "VNET2VNET_PULUMI" in result.stderr
        and "https://www.pulumi.com/docs/install/" in result.stderr
    )
    assert "Traceback" not in result.stderr


class TestPureParts:
    def test_change_summary(self) -> None:
        assert (
            change_summary({"create": 1, "same": 12}, 125) == "created 1, updated 0, deleted 0 (unchanged 12) in 2m05s"
        )
        assert change_summary(None, 3) == "created 0, updated 0, deleted 0 in 3s"

    def test_connection_states_and_protection_from_an_export(self) -> None:
        sub = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
        deployment = {
            "resources": [
                {
                    "urn": "u::a-gw",
                    "type": "azure-native:network:VirtualNetworkGateway",
                    "id": f"{sub}/virtualNetworkGateways/a",
                    "protect": True,
                },
                {
                    "urn": "u::b-gw",
                    "type": "azure-native:network:VirtualNetworkGateway",
                    "id": f"{sub}/virtualNetworkGateways/b",
                },
                {
                    "urn": "u::x",
                    "type": "azure-native:network:VirtualNetworkGatewayConnection",
                    "outputs": {
                        "connectionStatus": "Connected",
                        "ingressBytesTransferred": 5,
                        "virtualNetworkGateway1": {"id": f"{sub}/virtualNetworkGateways/a"},
                        "virtualNetworkGateway2": {"id": f"{sub}/virtualNetworkGateways/b"},
                    },
                },
            ]
        }
        (state,) = connection_states(deployment)
        assert (state.name, state.status, state.ingress_bytes, state.egress_bytes) == (
            "x",
            "Connected",
            5,
            0,
        )
        assert protected_resources(deployment) == ["a-gw"]

    @pytest.mark.parametrize(
        ("connection", "local", "remote", "expected"),
        [
            ("corp-hq-to-dr", "corp-hq-gw", "corp-dr-gw", "hq-to-dr"),
            ("vnet2vnet-east-to-eastus2", "vnet2vnet-east-gw", "vnet2vnet-eastus2-gw", "east-to-eastus2"),
            ("odd-name", "corp-hq-gw", "corp-dr-gw", "odd-name"),
        ],
    )
    def test_link_names_match_the_stack_output_keys(
        self, connection: str, local: str, remote: str, expected: str
    ) -> None:
        from vnet2vnet.operations import _link_name

        assert _link_name(connection, local, remote) == expected

    def test_with_the_topology_a_connection_to_an_existing_hub_gets_its_link_key(self) -> None:
        from vnet2vnet.operations import link_names, state_connections
        from vnet2vnet.spec import TopologySpec, VnetSpec

        hub = VnetSpec(name="hub", existing_gateway_id="/subscriptions/s/resourceGroups/h/providers/x/gw")
        topology = TopologySpec(vnets=(hub, VnetSpec(name="spoke-a")), topology="hub-and-spoke", hub="hub")
        deployment = {
            "resources": [
                {
                    "urn": "u::vnet2vnet-hub-to-spoke-a",
                    "type": "azure-native:network:VirtualNetworkGatewayConnection",
                    "outputs": {"virtualNetworkGateway2": {"id": "spoke-gw-id"}},
                },
                {
                    "urn": "u::vnet2vnet-spoke-a-gw",
                    "type": "azure-native:network:VirtualNetworkGateway",
                    "id": "spoke-gw-id",
                },
            ]
        }
        assert [c.link for c in state_connections(deployment)] == ["vnet2vnet-hub-to-spoke-a"], (
            "the hub's gateway is not in the state: its name cannot tell the link"
        )
        names = link_names("vnet2vnet", topology)
        assert [c.link for c in state_connections(deployment, names)] == ["hub-to-spoke-a"]

    def test_cli_error_lines_come_from_the_command_error_text(self) -> None:
        result = auto.CommandResult(
            stdout="Updating (dev)\n", stderr=f"warning: old CLI\n{PASSPHRASE_ERROR}\n", code=255
        )
        assert cli_error_lines(auto.CommandError(result)) == ["warning: old CLI", PASSPHRASE_ERROR], "stderr first"
        quiet = auto.CommandResult(stdout="Diagnostics:\n  error: update failed\n", stderr="", code=255)
        assert cli_error_lines(auto.CommandError(quiet)) == ["Diagnostics:", "  error: update failed"], "else stdout"
        assert cli_error_lines(RuntimeError("odd")) == ["odd"], "any other shape: the message as it is"

    def test_troubleshooting_without_connections_says_to_deploy(self) -> None:
        assert troubleshooting([]) == [
            "No connection resources in the stack: run `vnet2vnet up --stack <stack>` first."
        ]


class TestKeyAgeInVerify:
    """`verify` warns about keys older than their link's limit: each link's own `connection.maxKeyAgeDays` when a
    `links` entry sets it, its own key's age from its connections."""

    @staticmethod
    def verify(document: dict[str, Any], **arguments: Any) -> str:
        from tests.test_disruption import NOW

        out = io.StringIO()

        class StateOnly(Operator):
            def _verify(self, timeout: float, interval: float, names: Any) -> tuple[int, Any]:
                return 0, document["deployment"]

        status = StateOnly(PROJECT_DIR, "mesh", out=out, now=lambda: NOW).verify(timeout=0, interval=0, **arguments)
        assert status == 0, "an old key warns, it does not fail"
        return out.getvalue()

    def test_a_links_own_limit_is_named_and_only_its_key_warns(self) -> None:
        from tests.support import plan_stack
        from tests.test_disruption import aged, exported, own_limit, topology_of

        topology = topology_of("mesh", links=own_limit(30))
        said = self.verify(
            aged(exported(plan_stack("mesh", links=own_limit(30))), 60),
            max_key_age_days=topology.spec.connection.max_key_age_days,
            topology=topology,
        )
        warnings = [line for line in said.splitlines() if "days old" in line]
        assert len(warnings) == 1 and "vnet2vnet-use-usw-psk is 60 days old" in warnings[0], said
        assert "links[0].connection.maxKeyAgeDays is 30" in warnings[0], warnings[0]
        assert "set links[0].connection.sharedKeyVersion to 2" in warnings[0], warnings[0]

    def test_a_links_own_key_is_checked_in_a_mesh(self) -> None:
        from tests.support import plan_stack
        from tests.test_disruption import OWN_KEY_LINK, aged, exported, topology_of

        topology = topology_of("mesh", links=OWN_KEY_LINK)
        said = self.verify(
            aged(exported(plan_stack("mesh", links=OWN_KEY_LINK)), 10, **{"vnet2vnet-usw-to-use": 200}),
            max_key_age_days=180,
            topology=topology,
        )
        warnings = [line for line in said.splitlines() if "days old" in line]
        assert len(warnings) == 1 and "vnet2vnet-usw-to-use is 200 days old" in warnings[0], said
        assert "connection.maxKeyAgeDays is 180" in warnings[0] and "set a new links[0].sharedKey" in warnings[0]

    def test_without_the_topology_every_key_is_held_to_the_limit_given(self) -> None:
        from tests.support import plan_stack
        from tests.test_disruption import aged, exported

        said = self.verify(aged(exported(plan_stack("dev")), 200), max_key_age_days=180)
        assert "vnet2vnet-east-west-psk is 200 days old" in said and "connection.maxKeyAgeDays is 180" in said, said
