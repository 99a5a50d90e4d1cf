"""`vnet2vnet rehearse` and the CLI finder, offline: the scratch stack file, rotation, the checks, and which
`pulumi` runs. The lifecycle itself runs in tests/engine."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.support import run_python
from vnet2vnet import pulumi_cli
from vnet2vnet.pulumi_cli import PulumiCli, PulumiCliMissingError, find_cli
from vnet2vnet.rehearse import (
    engine_overhead,
    forecast_mismatches,
    makespan,
    plaintext_hits,
    rotated_config,
    rotation_problems,
    scratch_config,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONNECTION_URN = (
    "urn:pulumi:dev::p::vnet2vnet:index:VnetToVnetPair$azure-native:network:VirtualNetworkGatewayConnection::"
)
KEY_URN = "urn:pulumi:dev::p::vnet2vnet:index:VnetLink$random:index/randomPassword:RandomPassword::k"
GATEWAY_URN = "urn:pulumi:dev::p::vnet2vnet:index:GatewayVnet$azure-native:network:VirtualNetworkGateway::gw"


class TestScratchStackFile:
    def test_secure_values_become_test_secrets_and_the_rest_stays(self) -> None:
        scratch = scratch_config(
            {
                "encryptionsalt": "v1:abc",
                "config": {
                    "vnet2vnet:sharedKey": {"secure": "v1:AAAA"},
                    "vnet2vnet:vnets": [{"name": "a", "token": {"secure": "v1:BBBB"}}],
                    "vnet2vnet:gateway": {"sku": "VpnGw1AZ"},
                },
            }
        )
        assert set(scratch.secret_values) == {"vnet2vnet:sharedKey", "vnet2vnet:vnets[0].token"}
        assert "vnet2vnet:sharedKey" not in scratch.document["config"]
        assert "token" not in scratch.document["config"]["vnet2vnet:vnets"][0], "the nested secret moves out too"
        assert scratch.document["config"]["vnet2vnet:gateway"] == {"sku": "VpnGw1AZ"}
        assert "encryptionsalt" not in scratch.document, "the throwaway stack has its own passphrase"
        assert any("test values" in note for note in scratch.notes), scratch.notes

    def test_esc_environments_and_azure_native_credentials_are_ignored_with_a_note(self) -> None:
        scratch = scratch_config(
            {
                "environment": ["team/azure"],
                "config": {
                    "azure-native:location": "eastus",
                    "azure-native:subscriptionId": "00000000-0000-4000-8000-0000000000b1",
                    "azure-native:auxiliaryTenantIds": ["00000000-0000-4000-8000-0000000000a2"],
                    "azure-native:clientId": "00000000-0000-4000-8000-0000000000c1",
                    "azure-native:useOidc": True,
                    "vnet2vnet:tags": {},
                },
            }
        )
        assert "environment" not in scratch.document
        kept = list(scratch.document["config"])
        assert kept == [
            "azure-native:location",
            "azure-native:subscriptionId",
            "azure-native:auxiliaryTenantIds",
            "vnet2vnet:tags",
        ], f"what the emulator honours as azure-native does stays: {kept}"
        assert len(scratch.notes) == 2 and "ESC" in scratch.notes[0], scratch.notes
        assert "azure-native:clientId, azure-native:useOidc ignored" in scratch.notes[1], scratch.notes

    @pytest.mark.parametrize(
        ("connection", "expected"), [(None, 2), ({"sharedKeyVersion": 3}, 4), ({"sharedKeyLength": 64}, 2)]
    )
    def test_rotation_bumps_the_key_version(self, connection: dict[str, Any] | None, expected: int) -> None:
        config: dict[str, Any] = {} if connection is None else {"vnet2vnet:connection": connection}
        rotated, secrets = rotated_config({"config": config}, {})
        assert rotated["config"]["vnet2vnet:connection"]["sharedKeyVersion"] == expected
        assert secrets == {}
        assert config.get("vnet2vnet:connection", {}).get("sharedKeyVersion") != expected, "the input is not changed"

    def test_test_secrets_are_keys_azure_accepts(self) -> None:
        from vnet2vnet.validation import check_shared_key

        for _ in range(200):  # URL-safe tokens held '-' about half the time: the rehearsal failed at random
            scratch = scratch_config({"config": {"vnet2vnet:sharedKey": {"secure": "v1:AAAA"}}})
            (value,) = scratch.secret_values.values()
            assert list(check_shared_key(value)) == [], f"{value!r} is a key Azure takes"

    def test_rotation_of_a_brought_key_is_a_new_key(self) -> None:
        rotated, secrets = rotated_config({"config": {}}, {"vnet2vnet:sharedKey": "old"})
        assert secrets["vnet2vnet:sharedKey"] not in ("", "old")
        assert "vnet2vnet:connection" not in rotated["config"], "the version stays as it was"


def deployment(ids: dict[str, str]) -> dict[str, Any]:
    return {"resources": [{"urn": urn, "id": rid, "custom": True} for urn, rid in ids.items()]}


class TestRotationCheck:
    BEFORE: ClassVar[dict[str, str]] = {
        CONNECTION_URN + "a-to-b": "c1",
        CONNECTION_URN + "b-to-a": "c2",
        KEY_URN: "none",
        GATEWAY_URN: "g",
    }

    @pytest.mark.parametrize(
        ("after", "changes", "problem"),
        [
            ({CONNECTION_URN + "a-to-b": "c3", CONNECTION_URN + "b-to-a": "c4"}, {"replace": 3}, None),
            ({CONNECTION_URN + "a-to-b": "c3"}, {"replace": 3}, "kept their Azure resource"),
            ({CONNECTION_URN + "a-to-b": "c3", CONNECTION_URN + "b-to-a": "c4", GATEWAY_URN: "g2"}, {"replace": 4},
             "other than the connections"),
            ({CONNECTION_URN + "a-to-b": "c3", CONNECTION_URN + "b-to-a": "c4"}, {"replace": 3, "update": 1},
             "no other change"),
        ],
        ids=["exactly the key and both connections", "a connection kept", "the gateway too", "an update besides"],
    )  # fmt: skip
    def test_rotation_replaces_the_key_and_its_connections_only(
        self, after: dict[str, str], changes: dict[str, int], problem: str | None
    ) -> None:
        found = rotation_problems(deployment(self.BEFORE), deployment({**self.BEFORE, **after}), changes)
        if problem is None:
            assert found == [], found
        else:
            assert any(problem in text for text in found), found


class TestFigures:
    OPERATIONS: ClassVar[list[dict[str, Any]]] = [
        {"phase": "up", "start": 1.0, "end": 2.0},
        {"phase": "up", "start": 2.1, "end": 47.1},
        {"phase": "up", "start": 47.3, "end": 52.3},
        {"phase": "rotate", "start": 60.0, "end": 65.0},
    ]

    def test_makespan_is_first_start_to_last_end_of_the_phase(self) -> None:
        assert makespan(self.OPERATIONS, "up") == 51.3
        assert makespan(self.OPERATIONS, "destroy") == 0.0

    def test_engine_overhead_is_the_median_gap_in_real_seconds(self) -> None:
        # Gaps 0.1 and 0.2 emulated minutes; at 1/120, 0.2 min = 0.1 s.
        assert engine_overhead(self.OPERATIONS, "up", 1 / 120) == pytest.approx(0.1)

    def test_plaintext_hits_count_every_occurrence_of_every_secret(self) -> None:
        assert plaintext_hits('{"k": "s3cret", "x": "s3cret", "y": "other"}', ["s3cret", "other", ""]) == 3
        assert plaintext_hits('{"ciphertext": "v1:abc"}', ["s3cret"]) == 0


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho v3.0.0\n")
    path.chmod(0o755)
    return path


class TestWhichCli:
    @pytest.fixture(autouse=True)
    def isolated(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("VNET2VNET_PULUMI", raising=False)
        monkeypatch.setenv("VNET2VNET_CACHE", str(tmp_path / "cache"))
        monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))

    def test_the_override_comes_first(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        mine = executable(tmp_path / "mine" / "pulumi-dev")
        executable(pulumi_cli.cached_cli())
        monkeypatch.setenv("VNET2VNET_PULUMI", str(mine))
        assert find_cli() == PulumiCli(str(mine), "VNET2VNET_PULUMI")

    def test_then_our_cached_build_then_path(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        on_path = executable(tmp_path / "bin" / "pulumi")
        monkeypatch.setenv("PATH", str(on_path.parent))
        assert find_cli().source == "PATH"
        executable(pulumi_cli.cached_cli())
        assert find_cli() == PulumiCli(str(pulumi_cli.cached_cli()), "cache")

    def test_no_cli_and_no_build_says_what_to_install(self) -> None:
        with pytest.raises(PulumiCliMissingError, match=r"VNET2VNET_PULUMI.*PATH.*make engine"):
            find_cli(build=False)

    def test_a_binary_outside_a_bin_folder_gets_the_layout_the_automation_api_needs(self, tmp_path: Path) -> None:
        mine = executable(tmp_path / "tools" / "pulumi-3")
        root = Path(PulumiCli(str(mine), "VNET2VNET_PULUMI").root)
        assert (root / "bin" / "pulumi").resolve() == mine.resolve()

    def test_the_pinned_version_is_the_one_go_mod_builds(self) -> None:
        go_mod = (PROJECT_DIR / "tools" / "pulumi" / "go.mod").read_text()
        pinned = set(re.findall(r"github.com/pulumi/pulumi/(?:pkg|sdk)/v3 (v[0-9.]+)", go_mod))
        assert pinned == {pulumi_cli.PINNED_VERSION}, (
            f"go.mod pins {pinned}, pulumi_cli says {pulumi_cli.PINNED_VERSION}"
        )


def test_rehearse_without_any_cli_exits_3_with_what_to_install(tmp_path: Path) -> None:
    result = run_python(
        "-m",
        "vnet2vnet",
        "rehearse",
        "--stack",
        "dev",
        env={"PATH": "", "VNET2VNET_CACHE": str(tmp_path / "no-cache")},
        drop=("VNET2VNET_PULUMI",),
    )
    assert result.returncode == 3, result.stderr
    assert "no Pulumi CLI found" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_rehearse_refuses_a_bad_seed_file_before_running(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("faults: [{kind: meteor, resource: x}]\n")
    result = run_python("-m", "vnet2vnet", "rehearse", "--stack", "dev", "--seed", str(seed))
    assert result.returncode == 2 and "faults[0].kind" in result.stderr, result.stderr


def test_rehearse_refuses_a_keep_path_that_is_a_file(tmp_path: Path) -> None:
    kept = tmp_path / "state.json"
    kept.write_text("{}")
    result = run_python("-m", "vnet2vnet", "rehearse", "--stack", "dev", "--keep", str(kept))
    assert result.returncode == 2 and "--keep" in result.stderr and "not a directory" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


EXISTING_BEFORE = {"/x/hub-vnet": '{"addressSpace": 1}', "/x/hub-gw": '{"sku": "VpnGw3AZ"}'}


class TestExistingResourcesUntouched:
    """A rehearsal with a seed file fails when a step changes, deletes or takes over what existed before."""

    def test_nothing_moved_is_no_problem(self) -> None:
        from vnet2vnet.rehearse import _existing_changes

        assert _existing_changes(EXISTING_BEFORE, dict(EXISTING_BEFORE)) == [], (
            "the same resources, the same properties"
        )

    def test_a_changed_or_missing_resource_is_named(self) -> None:
        from vnet2vnet.rehearse import _existing_changes

        after = {"/x/hub-vnet": '{"addressSpace": 2}'}
        assert _existing_changes(EXISTING_BEFORE, after) == [
            "an existing resource was deleted or taken over: /x/hub-gw",
            "an existing resource was changed: /x/hub-vnet",
        ]


class TestForecastAgainstTheEngine:
    """`rehearse --change`: the forecast's change for each URN against the engine's step for it."""

    GATEWAY = "urn:pulumi:dev::vnet2vnet::vnet2vnet:index:VnetToVnetPair$azure-native:network:VirtualNetworkGateway::gw"
    IP = "urn:pulumi:dev::vnet2vnet::vnet2vnet:index:VnetToVnetPair$azure-native:network:PublicIPAddress::ip2"
    STACK = "urn:pulumi:dev::vnet2vnet::pulumi:pulumi:Stack::vnet2vnet-dev"

    @pytest.mark.parametrize(
        ("forecast", "engine", "deployed", "mismatch"),
        [
            ({GATEWAY: "replace"}, {GATEWAY: "replace"}, [GATEWAY], False),
            ({GATEWAY: "update"}, {GATEWAY: "update"}, [GATEWAY], False),
            ({}, {GATEWAY: "same"}, [GATEWAY], False),
            ({}, {}, [GATEWAY], False),  # no step reported: same
            ({}, {IP: "create"}, [GATEWAY], False),  # new: the forecast lists only what is deployed
            ({GATEWAY: "replace"}, {GATEWAY: "update"}, [GATEWAY], True),  # the case issue 28 names
            ({GATEWAY: "update"}, {GATEWAY: "replace"}, [GATEWAY], True),
            ({}, {GATEWAY: "update"}, [GATEWAY], True),
            ({IP: "delete"}, {IP: "same"}, [IP], True),
            ({}, {STACK: "update"}, [STACK], False),  # the stack and components are not forecast
        ],
    )
    def test_matching(
        self, forecast: dict[str, str], engine: dict[str, str], deployed: list[str], mismatch: bool
    ) -> None:
        found = forecast_mismatches(forecast, engine, deployed)
        assert bool(found) == mismatch, f"forecast {forecast}, engine {engine}: {found}"
        for entry in found:
            assert set(entry) == {"urn", "forecast", "engine"}, entry
