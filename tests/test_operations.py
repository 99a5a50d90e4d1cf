"""The automation layer (preview/up/refresh/destroy/outputs/verify) against a stand-in `pulumi` on PATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import PROJECT_DIR
from vnet2vnet import cli
from vnet2vnet.operations import change_summary, connection_states, protected_resources, troubleshooting

FAKE = Path(__file__).resolve().parent / "fake_pulumi.py"


class FakeCli:
    def __init__(self, state: Path, project: Path) -> None:
        self.state = state
        self.project = project

    def scenario(self, **values: Any) -> None:
        (self.state / "scenario.json").write_text(json.dumps(values))

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
    monkeypatch.setenv("FAKE_PULUMI_DIR", str(tmp_path / "state"))
    (tmp_path / "state").mkdir()
    return FakeCli(tmp_path / "state", project)


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
        assert fake.run("refresh", "--stack", "prod") == 0
        assert fake.ran("refresh") and "Refresh of 'prod' succeeded" in capsys.readouterr().out

    def test_a_failed_operation_exits_non_zero_without_traceback(
        self, fake: FakeCli, capsys: pytest.CaptureFixture[str]
    ) -> None:
        fake.scenario(fail="update")
        assert fake.run("up", "--stack", "dev") == 1
        err = capsys.readouterr().err
        assert "`pulumi up` failed for stack 'dev'" in err and "Traceback" not in err


def test_invalid_config_stops_before_the_cli_is_called(fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
    stack = fake.project / "Pulumi.dev.yaml"
    stack.write_text(stack.read_text().replace("sku: VpnGw1AZ", "sku: VpnGw1"))
    for command in ("preview", "up", "refresh", "outputs", "verify"):
        assert fake.run(command, "--stack", "dev") == 1, command
    assert fake.calls == [], "nothing may reach the cloud when the config has errors"
    assert "vnet2vnet:gateway.sku" in capsys.readouterr().err


class TestVerify:
    def test_polls_until_every_connection_is_connected(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.scenario(statuses=[["Connecting", "Unknown"], ["Connected", "Connecting"], ["Connected", "Connected"]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0", "--timeout", "60") == 0
        out = capsys.readouterr().out
        assert len(fake.ran("refresh")) == 3, "one refresh per poll"
        assert len([a for a in fake.commands() if a[:2] == ["stack", "export"]]) == 3, "state read from the export"
        assert "east-to-west  Connected  1200" in out and "west-to-east  Connected  1200" in out, out
        assert "All 2 connections of 'dev' are Connected." in out

    def test_times_out_with_troubleshooting_and_exit_1(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.scenario(statuses=[["NotConnected", "Connecting"]])
        assert fake.run("verify", "--stack", "dev", "--interval", "0.01", "--timeout", "0") == 1
        out = capsys.readouterr().out
        assert "NotConnected" in out and "pre-shared key cannot mismatch" in out and "NSG" in out, out


class TestDestroy:
    def test_protected_stack_explains_how_to_unprotect(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        fake.scenario(protect=True)
        assert fake.run("destroy", "--stack", "prod", "--yes") == 1
        out = capsys.readouterr().out
        assert "protected resource(s)" in out and "gateway.protect: false" in out and "state unprotect" in out
        assert fake.ran("destroy") == [], "destroy must not run on a protected stack"

    def test_asks_for_confirmation_unless_yes(self, fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
        assert fake.run("destroy", "--stack", "dev") == 1, "no terminal: never assume yes"
        assert fake.ran("destroy") == []
        assert "Not confirmed" in capsys.readouterr().out
        assert fake.run("destroy", "--stack", "dev", "--yes") == 0
        (destroy,) = fake.ran("destroy")
        assert "--skip-preview" in destroy and "--yes" in destroy
        assert "deleted 13" in capsys.readouterr().out


def test_outputs_never_print_secrets(fake: FakeCli, capsys: pytest.CaptureFixture[str]) -> None:
    assert fake.run("outputs", "--stack", "dev") == 0
    out = capsys.readouterr().out
    assert json.loads(out)["sharedKey"] == "[secret]"
    assert "TopSecretKey" not in out


def test_missing_cli_is_a_clear_error_with_an_empty_path() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vnet2vnet", "up", "--stack", "dev"],
        cwd=PROJECT_DIR,
        env={**os.environ, "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3
    assert (
        "Pulumi CLI ('pulumi') is not on PATH" in result.stderr
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

    def test_troubleshooting_without_connections_says_to_deploy(self) -> None:
        assert troubleshooting([]) == [
            "No connection resources in the stack: run `vnet2vnet up --stack <stack>` first."
        ]
