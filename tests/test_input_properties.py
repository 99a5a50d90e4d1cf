"""Every input gets a clear answer: generated configs and args are either valid or refused with findings that
name a key, never a traceback; what the user types follows Azure's own rules."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support import PAIR_ARGS
from tests.test_validation import VALID, findings_for
from vnet2vnet.schema import parse_component_args
from vnet2vnet.validation import validate

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any JSON-like value a YAML file or another language could send.
# Strings that look like numbers to a careless parser ("--64".lstrip("-").isdigit() is True; "²".isdigit() too).
number_lookalikes = st.sampled_from(["--64", "²", "٣", "1e3", " 64 ", "0x40", "-", "+7", "64.0", "1_000"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | number_lookalikes,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a config where a value sits."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(config: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


class TestNoInputEndsInATraceback:
    @FAST
    @given(st.sampled_from(_paths(VALID)), json_values)
    @example(("connection", "sharedKeyLength"), "--64")
    @example(("connection", "sharedKeyLength"), "²")
    @example(("vnets", 0, "bgpAsn"), "٣")
    def test_any_value_anywhere_in_the_stack_config(self, path: tuple[Any, ...], value: Any) -> None:
        findings = findings_for(_replaced(VALID, path, value))
        for finding in findings:
            assert finding.path.startswith("vnet2vnet:"), f"{finding} names a stack config key"
            assert finding.message and finding.fix, f"{finding} says what is wrong and how to fix it"

    @FAST
    @given(st.sampled_from(_paths(PAIR_ARGS)), json_values)
    def test_any_value_anywhere_in_the_component_args(self, path: tuple[Any, ...], value: Any) -> None:
        topology, findings = parse_component_args(_replaced(PAIR_ARGS, path, value))
        if topology is not None:
            findings += validate(topology, "corp")
        for finding in findings:
            assert finding.message and finding.fix, f"{finding} says what is wrong and how to fix it"

    @FAST
    @given(st.dictionaries(st.text(max_size=12), json_values, max_size=4))
    def test_unknown_and_odd_top_level_keys(self, extra: dict[str, Any]) -> None:
        raw = {key: json.dumps(value) for key, value in {**VALID, **extra}.items()}
        from vnet2vnet.checks import stack_findings

        _, findings = stack_findings(raw, "vnet2vnet")
        assert all(f.message for f in findings)


def _with(**vnet0: Any) -> dict[str, Any]:
    config = copy.deepcopy(VALID)
    config["vnets"][0].update(vnet0)
    return config


def _errors_at(config: dict[str, Any], path: str) -> list[str]:
    return [f.message for f in findings_for(config) if f.severity == "error" and f.path == path]


class TestWhatTheUserTypesFollowsAzure:
    # Written from resource-name-rules independently of the rule's code: 1-90 word characters, parentheses,
    # hyphens and periods, not ending in a period.
    @FAST
    @given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=95))
    def test_resource_group_names(self, name: str) -> None:
        valid_by_azure = (
            1 <= len(name) <= 90 and all(c.isalnum() or c in "_().-" for c in name) and not name.endswith(".")
        )
        refused = bool(_errors_at(_with(resourceGroupName=name), "vnet2vnet:vnets[0].resourceGroupName"))
        assert refused == (not valid_by_azure), f"{name!r}"

    @FAST
    @given(st.text(alphabet="abAB09_.- /", min_size=0, max_size=82))
    def test_subnet_names(self, name: str) -> None:
        valid_by_azure = bool(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?", name)) and len(name) <= 80
        config = _with(subnets=[{"name": name, "prefix": "10.10.1.0/24"}])
        refused = bool(_errors_at(config, "vnet2vnet:vnets[0].subnets[0].name"))
        assert refused == (not valid_by_azure), f"{name!r}"

    @FAST
    @given(st.uuids().map(str) | st.text(alphabet="0123456789abcdef-", max_size=40))
    def test_subscription_ids_are_guids(self, value: str) -> None:
        is_guid = bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value))
        refused = bool(_errors_at(_with(subscriptionId=value), "vnet2vnet:vnets[0].subscriptionId"))
        assert refused == (not is_guid), value

    @FAST
    @given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=60))
    def test_at_most_fifty_tags_counting_the_three_we_add(self, tags: dict[str, str]) -> None:
        ours = {"managed-by", "pulumi-project", "pulumi-stack"}
        config = copy.deepcopy(VALID)
        config["tags"] = tags
        total = len(set(tags) | ours)
        refused = any("Azure allows 50 per resource" in m for m in _errors_at(config, "vnet2vnet:tags"))
        assert refused == (total > 50), f"{len(tags)} tags, {total} with ours"
