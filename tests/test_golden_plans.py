"""The shipped stacks plan exactly what they planned before: every URN (a changed URN replaces the resource for
every user of that stack), parent, dependency, provider, input and option. `make golden` updates the files after
a deliberate change; review the diff."""

from __future__ import annotations

import json

import pytest

from tests.golden import GOLDEN_STACKS, golden_document, golden_path


@pytest.mark.parametrize("stack", GOLDEN_STACKS)
def test_shipped_stacks_plan_what_they_planned_before(stack: str) -> None:
    golden = json.loads(golden_path(stack).read_text())
    now = golden_document(stack)
    assert [r["urn"] for r in now["resources"]] == [r["urn"] for r in golden["resources"]], f"{stack}: URNs changed"
    for before, after in zip(golden["resources"], now["resources"], strict=True):
        assert after == before, f"{stack}: {after['urn']} changed (run `make golden` if deliberate)"
    assert now["outputs"] == golden["outputs"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_pair_named_explicitly_is_the_same_pair(stack: str) -> None:
    assert golden_document(stack, topology="pair") == golden_document(stack), "topology: pair is the default"
