"""The rehearsal's `evidence` step is judged against the emulated Azure: every check of a connection without a
fault passes, and the check a fault targets (tunnelDown: connected, noTraffic: traffic, negotiatedPolicy:
ipsec-policy) does not pass. Anything else is a problem of the rehearsal."""

from __future__ import annotations

from typing import Any

import pytest

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.store import default_state
from vnet2vnet.rehearse import FAULTED_CHECKS, evidence_problems

CONNECTION_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/connections/p-a-to-b1a2b3c4d"


def emulated(*faults: dict[str, Any]) -> dict[str, Any]:
    state = default_state()
    state["resources"][azure.key(CONNECTION_ID)] = {
        "id": CONNECTION_ID, "type": azure.CONNECTION, "name": CONNECTION_ID.rsplit("/", 1)[-1], "inputs": {},
    }  # fmt: skip
    state["faults"] = list(faults)
    return state


def report(**results: str) -> dict[str, Any]:
    checks = [{"check": check.replace("_", "-"), "result": result, "detail": "d"} for check, result in results.items()]
    return {"connections": [{"link": "a-to-b", "resource_id": CONNECTION_ID, "checks": checks}]}


ALL_PASS = {"connected": "pass", "traffic": "pass", "ipsec_policy": "pass", "shared_key": "pass"}


def test_a_healthy_link_whose_checks_all_pass_is_no_problem() -> None:
    assert evidence_problems(emulated(), report(**ALL_PASS)) == []


def test_a_check_that_does_not_pass_without_a_fault_is_a_problem_naming_it() -> None:
    (problem,) = evidence_problems(emulated(), report(**{**ALL_PASS, "traffic": "cannot-verify"}))
    assert "a-to-b: traffic is cannot-verify" in problem, problem


@pytest.mark.parametrize(("kind", "check"), sorted(FAULTED_CHECKS.items()))
def test_a_faulted_check_must_not_pass(kind: str, check: str) -> None:
    fault = {"kind": kind, "resource": "p-a-to-b"}
    passing = evidence_problems(emulated(fault), report(**ALL_PASS))
    assert [p for p in passing if check in p and "seed file makes it fail" in p], passing
    failing = report(**{**ALL_PASS, check.replace("-", "_"): "fail"})
    assert evidence_problems(emulated(fault), failing) == [], "the fault shows where it should"


def test_a_connection_the_emulator_does_not_have_is_a_problem() -> None:
    document = report(**ALL_PASS)
    document["connections"][0]["resource_id"] = CONNECTION_ID.replace("a-to-b", "x-to-y")
    (problem,) = evidence_problems(emulated(), document)
    assert "not a connection of the emulated Azure" in problem
