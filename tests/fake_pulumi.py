"""A stand-in for the `pulumi` CLI, for the automation tests: the tests put it first on PATH.

It records its argv and environment in $FAKE_PULUMI_DIR/calls.jsonl and answers the calls the Automation API
makes (version, stack ls/select/init, preview, up, refresh, destroy, stack history/output/export) the way the
real CLI does, from a scenario in $FAKE_PULUMI_DIR/scenario.json:

    {"changes": {"create": 13}, "protect": false, "fail": null,
     "statuses": [["Connecting", "Connecting"], ["Connected", "Connected"]]}

`statuses[i]` is what the connections report after the i-th refresh (the last one repeats). A stack exists
once `stack init` ran (a `stack-<name>` file in $FAKE_PULUMI_DIR). Each refresh appends the `--target` URNs it
got to refreshes.jsonl (an empty list: the whole stack).

To fail like the real CLI does before any engine work (login, passphrase, missing plugin), set
FAKE_PULUMI_STDERR to the message and FAKE_PULUMI_FAIL_ON to the command it fails (`refresh`, `stack select`,
... or `*` for every command but `version`): it prints the message on stderr and exits 255.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

STATE = Path(os.environ["FAKE_PULUMI_DIR"])
CONNECTION = "VirtualNetworkGatewayConnection"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network"


def scenario() -> dict[str, Any]:
    path = STATE / "scenario.json"
    return json.loads(path.read_text()) if path.exists() else {}


def counter(name: str, increment: bool = False) -> int:
    path = STATE / f"{name}.count"
    value = int(path.read_text()) if path.exists() else 0
    if increment:
        value += 1
        path.write_text(str(value))
    return value


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv and argv.index(name) + 1 < len(argv) else None


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_events(argv: list[str], changes: dict[str, int]) -> None:
    """Engine events to `--event-log`: a gRPC stream (`tcp://`, CLI > 3.205) or a JSON-lines file."""
    log = option(argv, "--event-log")
    if not log:
        return
    events = [
        {"sequence": 1, "timestamp": 1, "summaryEvent": {"resourceChanges": changes}},
        {"sequence": 2, "timestamp": 2, "cancelEvent": {}},
    ]
    if log.startswith("tcp://"):
        import grpc
        from pulumi.runtime.proto import events_pb2, events_pb2_grpc

        with grpc.insecure_channel(log.removeprefix("tcp://")) as channel:
            stub = events_pb2_grpc.EventsStub(channel)
            stub.StreamEvents(iter([events_pb2.EventRequest(event=json.dumps(e)) for e in events]))
        return
    with open(log, "a", encoding="utf-8") as stream:
        stream.writelines(json.dumps(e) + "\n" for e in events)


def record_history(kind: str, changes: dict[str, int], result: str) -> None:
    entry = {
        "kind": kind,
        "startTime": now(),
        "endTime": now(),
        "message": "",
        "environment": {},
        "config": {},
        "result": result,
        "version": counter("version", increment=True),
        "resourceChanges": changes,
    }
    (STATE / "history.json").write_text(json.dumps([entry]))


def operation(argv: list[str], kind: str) -> int:
    plan = scenario()
    stack = option(argv, "--stack")
    print(f"{'Previewing' if kind == 'preview' else 'Updating'} ({stack}) [{kind}]")
    print("    pulumi:pulumi:Stack vnet2vnet-dev running")
    if plan.get("fail") == kind:
        print('error: Code="InternalServerError" (fake failure)', file=sys.stderr)
        record_history(kind, {}, "failed")
        write_events(argv, {})
        return 255
    changes = plan.get("changes", {"create": 13}) if kind in ("update", "preview") else {"same": 13}
    if kind == "destroy":
        changes = {"delete": 13}
    if kind == "refresh":
        targets = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--target"]
        known = {resource["urn"] for resource in export()["deployment"]["resources"]}
        for target in targets:
            if target not in known:  # the engine's checkTargets, before anything is refreshed
                print(f"error: no resource named '{target}' found", file=sys.stderr)
                return 255
        with open(STATE / "refreshes.jsonl", "a", encoding="utf-8") as refreshes:
            refreshes.write(json.dumps({"targets": targets}) + "\n")
        counter("refresh", increment=True)
    print(f"Resources: {changes}")
    write_events(argv, changes)
    if kind != "preview":
        record_history(kind, changes, "succeeded")
    return 0


def export() -> dict[str, Any]:
    plan = scenario()
    sequence = plan.get("statuses", [["Connected", "Connected"]])
    statuses = sequence[min(max(counter("refresh") - 1, 0), len(sequence) - 1)]
    gateways = [
        {"urn": f"urn:pulumi:dev::vnet2vnet::t$azure-native:network:VirtualNetworkGateway::vnet2vnet-{side}-gw",
         "type": "azure-native:network:VirtualNetworkGateway", "id": f"{SUB}/virtualNetworkGateways/{side}",
         "protect": bool(plan.get("protect")), "outputs": {}}
        for side in ("east", "west")
    ]  # fmt: skip
    connections = []
    for (local, remote), status in zip((("east", "west"), ("west", "east")), statuses, strict=False):
        connected = status == "Connected"
        connections.append(
            {
                "urn": f"urn:pulumi:dev::vnet2vnet::t$azure-native:network:{CONNECTION}::vnet2vnet-{local}-to-{remote}",
                "type": "azure-native:network:VirtualNetworkGatewayConnection",
                "id": f"{SUB}/connections/{local}-to-{remote}",
                "outputs": {
                    "connectionStatus": status,
                    "ingressBytesTransferred": 1200 if connected else 0,
                    "egressBytesTransferred": 3400 if connected else 0,
                    "virtualNetworkGateway1": {"id": f"{SUB}/virtualNetworkGateways/{local}"},
                    "virtualNetworkGateway2": {"id": f"{SUB}/virtualNetworkGateways/{remote}"},
                    "sharedKey": {
                        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                        "plaintext": '"TopSecretKey"',
                    },
                },
            }
        )
    return {"version": 3, "deployment": {"manifest": {}, "resources": gateways + connections}}


def main(argv: list[str]) -> int:
    argv = [arg for arg in argv if arg != "--non-interactive"]  # a global flag the Automation API adds
    STATE.mkdir(parents=True, exist_ok=True)
    relevant = {k: v for k, v in os.environ.items() if k.startswith(("PULUMI_", "ARM_", "AZURE_"))}
    with open(STATE / "calls.jsonl", "a", encoding="utf-8") as calls:
        calls.write(json.dumps({"argv": argv, "env": relevant, "cwd": os.getcwd()}) + "\n")
    if argv[:1] == ["version"]:
        print("v3.272.0")
        return 0
    fail_on = os.environ.get("FAKE_PULUMI_FAIL_ON", "")
    if fail_on and (fail_on == "*" or argv[: len(fail_on.split())] == fail_on.split()):
        print(os.environ.get("FAKE_PULUMI_STDERR", "error: fake failure"), file=sys.stderr)
        return 255
    current = STATE / "current-stack"
    if argv[:2] == ["stack", "ls"]:
        selected = current.read_text() if current.exists() else None
        names = sorted(path.name.removeprefix("stack-") for path in STATE.glob("stack-*"))
        print(json.dumps([{"name": name, "current": name == selected} for name in names]))
        return 0
    if argv[:2] == ["stack", "select"]:
        name = option(argv, "--stack")
        if not (STATE / f"stack-{name}").exists():
            print(f"error: no stack named '{name}' found", file=sys.stderr)  # backenderr.StackNotFoundError
            return 255
        current.write_text(str(name))
        return 0
    if argv[:2] == ["stack", "init"]:
        if (STATE / f"stack-{argv[2]}").exists():
            print(f"error: stack '{argv[2]}' already exists", file=sys.stderr)  # backenderr.StackAlreadyExistsError
            return 255
        (STATE / f"stack-{argv[2]}").write_text("")
        current.write_text(argv[2])
        return 0
    if argv[:2] == ["stack", "history"]:
        path = STATE / "history.json"
        print(path.read_text() if path.exists() else "[]")
        return 0
    if argv[:2] == ["stack", "output"]:
        secret = "TopSecretKey" if "--show-secrets" in argv else "[secret]"
        print(json.dumps({"connectionStatuses": {"east-to-west": "Unknown"}, "sharedKey": secret}))
        return 0
    if argv[:2] == ["stack", "export"]:
        print(json.dumps(export()))
        return 0
    kinds = {"preview": "preview", "up": "update", "refresh": "refresh", "destroy": "destroy"}
    if argv and argv[0] in kinds:
        return operation(argv, kinds[argv[0]])
    print(f"fake pulumi: unsupported call {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
