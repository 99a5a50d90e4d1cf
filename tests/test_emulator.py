"""The Azure emulator's own rules (offline): Azure's refusals, 409 conflicts, connection status, azure-native's
naming and diff, the seed file, and its refusal to serve anything but a rehearsal."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CheckRequest, DiffRequest, ReadRequest

from tests.support import PROJECT_DIR, run_python
from vnet2vnet.emulator import azure
from vnet2vnet.emulator.provider import INPUTS_KEY, AzureNativeEmulator, autoname, plain, wrap, wrap_map
from vnet2vnet.emulator.seed import SeedError, apply_seed, load_seed
from vnet2vnet.emulator.store import STATE_VARIABLE, Store, default_state

SUB = azure.DEFAULT_SUBSCRIPTION
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg"
PIP_ID = f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/existing-ip"
NET = f"{RG_ID}/providers/Microsoft.Network"


def record(rid: str, type_token: str, inputs: dict[str, Any], state: str = "Succeeded") -> dict[str, Any]:
    return {"id": rid, "type": type_token, "name": rid.rsplit("/", 1)[-1], "inputs": inputs, "provisioningState": state}


def gateway_inputs(vnet: str = "a", ip: str = "ip-a", sku: str = "VpnGw1AZ") -> dict[str, Any]:
    return {
        "sku": {"name": sku, "tier": sku},
        "activeActive": False,
        "ipConfigurations": [
            {
                "name": "ipconfig1",
                "subnet": {"id": f"{NET}/virtualNetworks/{vnet}/subnets/GatewaySubnet"},
                "publicIPAddress": {"id": f"{NET}/publicIPAddresses/{ip}"},
            }
        ],
    }


def azure_with(*records: dict[str, Any], gateway_subnet: str = "10.1.255.0/27") -> dict[str, Any]:
    state = default_state()
    base = [
        record(RG_ID, azure.RG, {"location": "eastus"}),
        record(f"{NET}/virtualNetworks/a", azure.VNET, {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}),
        record(f"{NET}/virtualNetworks/a/subnets/GatewaySubnet", azure.SUBNET, {"addressPrefix": gateway_subnet}),
        record(f"{NET}/virtualNetworks/b", azure.VNET, {"addressSpace": {"addressPrefixes": ["10.2.0.0/16"]}}),
        record(f"{NET}/virtualNetworks/b/subnets/GatewaySubnet", azure.SUBNET, {"addressPrefix": "10.2.255.0/27"}),
        record(f"{NET}/publicIPAddresses/ip-a", azure.PUBLIC_IP, {"sku": {"name": "Standard"}}),
        record(f"{NET}/publicIPAddresses/ip-b", azure.PUBLIC_IP, {"sku": {"name": "Standard"}}),
        record(f"{NET}/publicIPAddresses/ip-basic", azure.PUBLIC_IP, {"sku": {"name": "Basic"}}),
    ]
    for item in [*base, *records]:
        state["resources"][azure.key(item["id"])] = item
    return state


def connection(name: str, local: str, remote: str, key: str = "k", **extra: Any) -> dict[str, Any]:
    return record(
        f"{NET}/connections/{name}",
        azure.CONNECTION,
        {
            "virtualNetworkGateway1": {"id": f"{NET}/virtualNetworkGateways/{local}"},
            "virtualNetworkGateway2": {"id": f"{NET}/virtualNetworkGateways/{remote}"},
            "sharedKey": key,
            **extra,
        },
    )


GW_A = record(f"{NET}/virtualNetworkGateways/gw-a", azure.GATEWAY, gateway_inputs())
GW_B = record(f"{NET}/virtualNetworkGateways/gw-b", azure.GATEWAY, gateway_inputs("b", "ip-b"))


class TestAzureRefusals:
    @pytest.mark.parametrize(
        ("case", "state", "type_token", "rid", "inputs", "code"),
        [
            ("second gateway in a VNet", azure_with(GW_A), azure.GATEWAY, f"{NET}/virtualNetworkGateways/gw-2",
             gateway_inputs(ip="ip-b"), "VnetAlreadyHasGateway"),
            ("GatewaySubnet /28 for VpnGw1AZ", azure_with(gateway_subnet="10.1.255.0/28"), azure.GATEWAY,
             GW_A["id"], gateway_inputs(), "GatewaySubnetIsTooSmall"),
            ("Basic public IP", azure_with(), azure.GATEWAY, GW_A["id"], gateway_inputs(ip="ip-basic"),
             "PublicIpWithBasicSkuNotAllowedOnVPNGateways"),
            ("public IP used by another gateway", azure_with(GW_A), azure.GATEWAY,
             f"{NET}/virtualNetworkGateways/gw-2", gateway_inputs("b", "ip-a"), "PublicIPAddressInUse"),
            ("connection to a missing gateway", azure_with(GW_A), azure.CONNECTION, f"{NET}/connections/c",
             connection("c", "gw-a", "gw-missing")["inputs"], "InvalidResourceReference"),
            ("subnet outside the VNet", azure_with(), azure.SUBNET, f"{NET}/virtualNetworks/a/subnets/s",
             {"addressPrefix": "10.9.0.0/24"}, "NetcfgSubnetRangeOutsideVnet"),
        ],
        ids=lambda value: value if isinstance(value, str) and " " in value else "",
    )  # fmt: skip
    def test_azure_refuses(
        self, case: str, state: dict[str, Any], type_token: str, rid: str, inputs: dict[str, Any], code: str
    ) -> None:
        with pytest.raises(azure.AzureError) as refused:
            azure.check_write(state, type_token, rid, inputs)
        assert refused.value.code == code, f"{case}: {refused.value}"
        assert f"ERROR CODE: {code}" in str(refused.value), "worded as azure-native reports Azure's errors"

    def test_a_gateway_with_connections_cannot_be_deleted(self) -> None:
        state = azure_with(GW_A, GW_B, connection("a-to-b", "gw-a", "gw-b"))
        with pytest.raises(azure.AzureError, match="InUseVirtualNetworkGatewayCannotBeDeleted"):
            azure.check_delete(state, GW_A)
        azure.check_delete(state, connection("a-to-b", "gw-a", "gw-b"))  # a connection can always go

    def test_a_valid_gateway_is_accepted(self) -> None:
        azure.check_write(azure_with(), azure.GATEWAY, GW_A["id"], gateway_inputs())

    def test_deleting_a_resource_group_deletes_what_is_in_it(self) -> None:
        state = azure_with(GW_A)
        azure.delete(state, state["resources"][azure.key(RG_ID)])
        assert state["resources"] == {}, "ARM deletes a group's resources with it"


class TestConflicts:
    def test_connection_writes_lock_their_local_gateway(self) -> None:
        inputs = connection("a-to-b", "gw-a", "gw-b")["inputs"]
        assert azure.lock_keys({}, azure.CONNECTION, "c", inputs) == [f"gateway:{azure.key(GW_A['id'])}"]

    def test_a_busy_lock_is_a_conflict_until_it_expires(self) -> None:
        state = default_state()
        state["busy"]["gateway:x"] = {"id": "writer", "until": 100.0}
        assert azure.conflict(state, ["gateway:x"], now=99.0) == "writer"
        assert azure.conflict(state, ["gateway:x"], now=100.5) is None
        error = azure.another_operation_in_progress("rid", "writer")
        assert error.status == 409 and "AnotherOperationInProgress" in str(error)


class TestOperationsOutliveTheirClient:
    """What Azure accepted finishes on the emulated clock whether or not the plugin process that sent it still runs
    (issue 24): the store settles it on the next read or write by anyone."""

    def begun(self, tmp_path: Path, verb: str, seconds_left: float) -> Store:
        store = Store(tmp_path / "azure.json")
        state = default_state()
        record = state["resources"][azure.key(GW_A["id"])] = {**GW_A, "provisioningState": "Updating"}
        if verb == "delete":
            record["provisioningState"] = "Deleting"
        log = {"verb": verb, "type": azure.GATEWAY, "id": GW_A["id"], "phase": "up", "start": 0.0}
        until = time.time() + seconds_left
        azure.begin(state, verb, GW_A["id"], [f"gateway:{azure.key(GW_A['id'])}"], until=until, log=log)
        store.create(state)
        return store

    def test_a_write_whose_plugin_died_is_done_when_its_time_comes(self, tmp_path: Path) -> None:
        store = self.begun(tmp_path, "create", seconds_left=-1)  # its time has passed; nobody waited for it
        state = store.read()
        assert azure.find(state, GW_A["id"])["provisioningState"] == "Succeeded"  # type: ignore[index]
        assert state["busy"] == {} and state["inflight"] == {}, "its locks are released"
        assert [op["verb"] for op in state["operations"]] == ["create"] and "end" in state["operations"][0]

    def test_a_write_still_running_stays_updating(self, tmp_path: Path) -> None:
        state = self.begun(tmp_path, "create", seconds_left=60).read()
        assert azure.find(state, GW_A["id"])["provisioningState"] == "Updating"  # type: ignore[index]
        assert azure.in_flight(state, GW_A["id"]) and state["busy"], "it still holds its gateway"

    def test_a_delete_whose_plugin_died_removes_the_resource(self, tmp_path: Path) -> None:
        with self.begun(tmp_path, "delete", seconds_left=-1).locked() as state:
            assert azure.find(state, GW_A["id"]) is None


class TestTheStore:
    """One JSON state per rehearsal, read and written whole by every plugin: kept cheap to write at scale."""

    def test_the_clock_is_read_once_and_follows_a_new_state(self, tmp_path: Path) -> None:
        store = Store(tmp_path / "azure.json")
        store.create(default_state(clock_scale=1 / 60))
        assert store.real_seconds(30) == pytest.approx(30.0), "30 emulated minutes at 1/60 are 30 real seconds"
        state = json.loads(store.path.read_text())
        state["clock"]["scale"] = 1.0  # never done: the cached clock does not read the file again
        store.path.write_text(json.dumps(state))
        assert store.real_seconds(30) == pytest.approx(30.0), "the clock is read once per process"
        store.create(default_state(clock_scale=1 / 120))
        assert store.real_seconds(30) == pytest.approx(15.0), "a new state brings its own clock"

    def test_the_state_is_written_compact_and_reads_back_whole(self, tmp_path: Path) -> None:
        store = Store(tmp_path / "azure.json")
        store.create(default_state())
        with store.locked() as state:
            state["resources"]["a"] = {"id": "a", "inputs": {"tags": {"x": "1"}}}
        assert "\n" not in store.path.read_text(), "one line: json's C encoder (indent would encode in Python)"
        assert store.read()["resources"]["a"]["inputs"] == {"tags": {"x": "1"}}


class TestConnectionStatus:
    @pytest.mark.parametrize(
        ("other", "expected"),
        [
            (connection("b-to-a", "gw-b", "gw-a"), "Connected"),
            (connection("b-to-a", "gw-b", "gw-a", key="other"), "NotConnected"),
            (connection("b-to-a", "gw-b", "gw-a", connectionProtocol="IKEv1"), "NotConnected"),
            (connection("b-to-a", "gw-b", "gw-a", connectionProtocol="IKEv2"), "Connected"),
            (connection("b-to-c", "gw-b", "gw-c"), "NotConnected"),
        ],
        ids=["same key and policy", "different key", "different protocol", "IKEv2 is the default", "elsewhere"],
    )
    def test_connected_only_when_both_directions_agree(self, other: dict[str, Any], expected: str) -> None:
        mine = connection("a-to-b", "gw-a", "gw-b")
        state = azure_with(GW_A, GW_B, mine, other)
        assert azure.connection_status(state, mine) == expected

    def test_a_dropped_tunnel_from_the_fault_file(self) -> None:
        mine, theirs = connection("a-to-b", "gw-a", "gw-b"), connection("b-to-a", "gw-b", "gw-a")
        state = azure_with(GW_A, GW_B, mine, theirs)
        state["faults"] = [{"kind": "tunnelDown", "resource": "a-to-b"}]
        assert (azure.connection_status(state, mine), azure.connection_status(state, theirs)) == (
            "NotConnected",
            "Connected",
        )

    def test_every_gateway_reports_bgp_settings(self) -> None:
        computed = azure.computed(azure_with(GW_A), GW_A)
        assert computed["bgpSettings"]["asn"] == 65515, "Azure's default ASN, BGP on or off"
        assert computed["bgpSettings"]["bgpPeeringAddress"] == "10.1.255.30", "from the GatewaySubnet"


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AzureNativeEmulator:
    store = Store(tmp_path / "azure.json")
    store.create(default_state())
    monkeypatch.delenv("VNET2VNET_EMULATOR_SPEC_DIR", raising=False)
    return AzureNativeEmulator(store)


URN = "urn:pulumi:dev::p::vnet2vnet:index:VnetToVnetPair$azure-native:network:VirtualNetwork::corp-hq-vnet"


class TestAzureNativeBehaviour:
    def test_an_unset_name_is_the_logical_name_plus_8_hex_characters_kept_on_update(
        self, emulator: AzureNativeEmulator
    ) -> None:
        news = {"resourceGroupName": PropertyValue("rg")}
        first = run(emulator.check(CheckRequest(URN, {}, news, b"seed")))
        name = plain(first.inputs["virtualNetworkName"])
        assert name.startswith("corp-hq-vnet") and len(name) == len("corp-hq-vnet") + 8, name
        again = run(emulator.check(CheckRequest(URN, first.inputs, news, b"other seed")))
        assert plain(again.inputs["virtualNetworkName"]) == name, "an update keeps the name"
        assert autoname("x", b"a") != autoname("x", b"b"), "a replacement (new seed) gets a new name"

    @pytest.mark.parametrize(
        ("change", "replaces"),
        [({"location": "westus"}, ["location"]), ({"resourceGroupName": "rg2"}, ["resourceGroupName"]),
         ({"tags": {"a": "b"}}, []), ({"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}, [])],
        ids=["location", "resource group", "tags", "address space"],
    )  # fmt: skip
    def test_path_parameters_and_location_replace_everything_else_updates(
        self, change: dict[str, Any], replaces: list[str], emulator: AzureNativeEmulator
    ) -> None:
        old = {"resourceGroupName": "rg", "virtualNetworkName": "v1", "location": "eastus"}
        request = DiffRequest(URN, "id", {}, wrap_map({**old, **change}), [])
        request.old_inputs = wrap_map(old)  # type: ignore[attr-defined]  # what the engine sends (Servicer.Diff)
        diff = run(emulator.diff(request))
        assert diff.changes and diff.replaces == replaces, (diff.diffs, diff.replaces)

    def test_a_state_written_before_v3_is_diffed_against_its_secret_inputs(self, emulator: AzureNativeEmulator) -> None:
        old = {"resourceGroupName": "rg", "virtualNetworkName": "v1", "location": "eastus"}
        state = {INPUTS_KEY: wrap(old, secret=True)}  # azure-native v2's `__inputs`, v3's fallback
        diff = run(emulator.diff(DiffRequest(URN, "id", state, wrap_map({**old, "location": "westus"}), [])))
        assert diff.replaces == ["location"], (diff.diffs, diff.replaces)

    def test_outputs_carry_no_inputs_copy(self, emulator: AzureNativeEmulator) -> None:
        with emulator.store.locked() as state:
            state["resources"] = azure_with(GW_A)["resources"]
            record = azure.find(state, GW_A["id"])
            assert record is not None
            outputs = emulator._outputs(state, record, set())
        assert INPUTS_KEY not in outputs, "azure-native v3 keeps the inputs in the engine's state, not in outputs"

    def test_refresh_keeps_inputs_and_drops_a_key_azure_stops_returning(self, emulator: AzureNativeEmulator) -> None:
        rid = f"{NET}/connections/c"
        with emulator.store.locked() as state:
            state["resources"] = azure_with(
                GW_A, GW_B, connection("c", "gw-a", "gw-b", key="s3cret", connectionType="Vnet2Vnet")
            )["resources"]
            state["variants"]["sharedKeyOnRead"] = "omitted"
        sent = {"resourceGroupName": "rg", "sharedKey": "s3cret", "connectionType": "Vnet2Vnet"}
        old_outputs = {**wrap_map({"sharedKey": "s3cret", "connectionType": "Vnet2Vnet"}, {"sharedKey"})}
        urn = URN.replace("VirtualNetwork::corp-hq-vnet", "VirtualNetworkGatewayConnection::c")
        read = run(emulator.read(ReadRequest(urn, rid, old_outputs, wrap_map(sent, {"sharedKey"}))))
        assert "sharedKey" not in read.properties, "the GET omitted it"
        assert "sharedKey" not in read.inputs, "azure-native applies what changed in Azure's answer to the inputs"
        assert plain(read.inputs["connectionType"]) == "Vnet2Vnet"


def test_a_body_azure_s_spec_refuses_is_refused_like_azure_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec_dir: Path
) -> None:
    monkeypatch.setenv("VNET2VNET_EMULATOR_SPEC_DIR", str(spec_dir))
    store = Store(tmp_path / "azure.json")
    store.create(default_state())
    emulator = AzureNativeEmulator(store)
    body = {"resourceGroupName": "rg", "publicIpAddressName": "ip", "publicIPAllocationMethod": "Sometimes"}
    with pytest.raises(azure.AzureError, match="InvalidRequestContent") as refused:
        emulator._spec_violations(azure.PUBLIC_IP, body, f"{NET}/publicIPAddresses/ip")
    assert "publicIPAllocationMethod" in str(refused.value), str(refused.value)
    emulator._spec_violations(azure.PUBLIC_IP, {**body, "publicIPAllocationMethod": "Static"}, "ip")


class TestSeedFile:
    def test_a_seed_adds_resources_variants_and_faults(self, tmp_path: Path) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_text(
            yaml.safe_dump(
                {
                    "variants": {"sharedKeyOnRead": "omitted"},
                    "resources": [{"id": RG_ID, "type": azure.RG, "location": "eastus"}],
                    "faults": [{"kind": "failOnce", "resource": "corp-hq-gw", "verb": "create"}],
                }
            )
        )
        state = default_state()
        apply_seed(state, load_seed(seed))
        assert state["variants"]["sharedKeyOnRead"] == "omitted"
        assert state["resources"][azure.key(RG_ID)]["seeded"] is True
        assert state["faults"][0]["kind"] == "failOnce"

    def test_a_seeded_public_ip_keeps_the_address_azure_gave_it(self, tmp_path: Path) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_text(
            yaml.safe_dump({"resources": [{"id": PIP_ID, "type": azure.PUBLIC_IP, "ipAddress": "20.9.8.7"}]})
        )
        state = default_state()
        apply_seed(state, load_seed(seed))
        record = state["resources"][azure.key(PIP_ID)]
        assert azure.answer(state, record)["ipAddress"] == "20.9.8.7", "an existing address, not a new one"

    @pytest.mark.parametrize(
        ("document", "names"),
        [
            ({"resource": []}, "unknown key(s) resource"),
            ({"variants": {"sharedKeyOnRead": "maybe"}}, "variants.sharedKeyOnRead must be one of"),
            ({"variants": {"colour": "red"}}, "variants.colour is unknown"),
            ({"resources": [{"type": azure.RG}]}, "resources[0].id"),
            ({"resources": [{"id": RG_ID, "type": "aws:s3:Bucket"}]}, "resources[0].type must be one of"),
            ({"faults": [{"kind": "meteor", "resource": "x"}]}, "faults[0].kind must be one of"),
            ({"faults": [{"kind": "tunnelDown"}]}, "faults[0].resource"),
            (
                {"resources": [{"id": RG_ID, "type": azure.RG, "ipAddress": "20.1.2.3"}]},
                "only a azure-native:network:PublicIPAddress has an address",
            ),
            (
                {"resources": [{"id": PIP_ID, "type": azure.PUBLIC_IP, "ipAddress": "20.1.2"}]},
                "resources[0].ipAddress must be an IPv4 address",
            ),
            ([1, 2], "a seed file is a mapping"),
        ],
    )
    def test_a_bad_seed_file_names_the_key(self, document: Any, names: str, tmp_path: Path) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_text(yaml.safe_dump(document))
        with pytest.raises(SeedError, match=None) as refused:
            load_seed(seed)
        assert names in str(refused.value) and str(seed) in str(refused.value), str(refused.value)

    @pytest.mark.parametrize(
        ("text", "names"),
        [
            # 612 bytes that took 4 GB: nine levels of nine aliases.
            ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
            ) + "resources: *i\n", "alias bomb"),
            ("resources: &r [*r]\n", "cannot contain itself"),
            ("?\n", "is null (empty)"),
            ("variants: [sharedKeyOnRead]\n", "variants must be a mapping"),
            ("resources: {id: x}\n", "resources must be a list of resources"),
            ("resources: [just-an-id]\n", "resources[0] must be a mapping"),
            ("faults: tunnelDown\n", "faults must be a list of faults"),
            ("faults: [[tunnelDown]]\n", "faults[0] must be a mapping"),
            (f"resources: [{{id: {RG_ID}, type: [{azure.RG}]}}]\n", "resources[0].type must be one of"),
            (f"resources: [{{id: {RG_ID}, type: '{azure.RG}', inputs: [location]}}]\n", "resources[0].inputs must be a mapping"),
            (f"resources: [{{id: {RG_ID}, type: '{azure.RG}', location: 3}}]\n", "resources[0].location must be"),
            (f"resources: [{{id: {RG_ID}, type: '{azure.RG}', colour: red}}]\n", "resources[0]: unknown key(s) colour"),
            (f"resources: [{{id: {RG_ID}, type: '{azure.RG}'}}, {{id: '{RG_ID.upper()}', type: '{azure.RG}'}}]\n",
             "resources[1].id names the same resource as resources[0]"),
            ("resources: [{id: rg, type: x}]\n", "resources[0].id: each resource needs its Azure resource ID"),
            ("faults: [{kind: failOnce, resource: x, verb: explode}]\n", "faults[0].verb must be one of"),
            ("faults: [{kind: failOnce, resource: [x]}]\n", "faults[0].resource"),
            ("faults: [{kind: tunnelDown, resource: x, verb: create}]\n", "faults[0]: unknown key(s) verb"),
            ("resources: " + "[" * 100 + "]" * 100 + "\n", "levels deep"),
            ("resources: [\xff]\n", "not valid UTF-8"),
        ],
        ids=["alias bomb", "self reference", "null key", "variants", "resources", "resource", "faults", "fault",
             "type", "inputs", "location", "unknown key", "same id twice", "not an ID", "verb", "fault resource",
             "fault key", "deep", "not UTF-8"],
    )  # fmt: skip
    def test_a_malformed_seed_is_refused_in_one_line_naming_file_and_key(
        self, text: str, names: str, tmp_path: Path
    ) -> None:
        seed = tmp_path / "seed.yaml"
        seed.write_bytes(text.encode("utf-8").replace("\xff".encode(), b"\xff"))
        with pytest.raises(SeedError) as refused:
            load_seed(seed)
        message = str(refused.value)
        assert names in message and str(seed) in message, f"{names!r} and the file in: {message}"
        assert "\n" not in message, f"one line: {message}"

    def test_a_json_seed_gets_the_same_guards(self, tmp_path: Path) -> None:
        seed = tmp_path / "seed.json"
        seed.write_text('{"faults": [], "faults": [{"kind": "tunnelDown"}]}')
        with pytest.raises(SeedError, match="appears twice"):
            load_seed(seed)
        seed.write_text('{"resources": ' + "[" * 100 + "]" * 100 + "}")
        with pytest.raises(SeedError, match="levels deep"):
            load_seed(seed)

    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=200))
    def test_any_text_is_a_seed_or_a_seed_error(self, text: str) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as directory:
            seed = Path(directory) / "seed.yaml"
            seed.write_text(text)
            try:
                loaded = load_seed(seed)
            except SeedError:
                return
            assert isinstance(loaded, dict), f"load_seed returned {type(loaded).__name__}"


def test_the_stand_ins_refuse_to_start_outside_a_rehearsal() -> None:
    started = run_python("-m", "vnet2vnet.emulator.provider", "azure-native", "127.0.0.1:1", drop=(STATE_VARIABLE,))
    assert started.returncode == 1 and "runs only inside a rehearsal" in started.stderr, started.stderr
    assert started.stdout == "", "no port printed: the engine never gets a provider"


@pytest.mark.parametrize(
    "module", ["vnet2vnet.emulator.provider", "vnet2vnet.emulator.seed", "vnet2vnet.emulator.rules"]
)
def test_the_emulator_never_loads_our_own_rules(module: str) -> None:
    """The emulator is a second opinion only if it is written apart from what it judges: loading it (as a plugin
    process does, every rule module included) imports none of vnet2vnet's validation, checks, schema or spec."""
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "from vnet2vnet.emulator import rules; rules.all_rules(); "
        "print(sorted(m for m in sys.modules if m in "
        "('vnet2vnet.validation', 'vnet2vnet.checks', 'vnet2vnet.schema', 'vnet2vnet.spec')))"
    )
    loaded = run_python("-c", code)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "[]", f"{module} loaded: {loaded.stdout}{loaded.stderr}"


@pytest.mark.parametrize("module", ["vnet2vnet.validation", "vnet2vnet.checks", "vnet2vnet.schema", "vnet2vnet.spec"])
def test_our_rules_never_load_the_emulator(module: str) -> None:
    code = (
        f"import importlib, sys; importlib.import_module({module!r}); "
        "print(sorted(m for m in sys.modules if m.startswith('vnet2vnet.emulator')))"
    )
    loaded = run_python("-c", code)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "[]", f"{module} loaded: {loaded.stdout}{loaded.stderr}"


def test_the_emulators_durations_are_its_own_table() -> None:
    from vnet2vnet import azure_facts
    from vnet2vnet.emulator import durations

    assert durations.DURATIONS and all(entry.source for entry in durations.DURATIONS.values()), "each with a source"
    shared = {id(fact) for fact in azure_facts.TYPICAL_DURATIONS.values()}
    assert not any(id(entry) in shared for entry in durations.DURATIONS.values()), "no entry shared with our facts"
    assert "TYPICAL_DURATIONS" not in (PROJECT_DIR / "vnet2vnet" / "emulator" / "azure.py").read_text()
