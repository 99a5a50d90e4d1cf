"""Locations: Azure's programmatic region names, with typos caught as near misses. Pure: spec in, findings out."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from vnet2vnet import azure_facts as facts
from vnet2vnet.findings import Finding, KeyPath, error, warning
from vnet2vnet.network import ResolvedNetwork

# How close an unknown name must be to a known region to be taken for a typo of it (difflib ratio).
NEAR_MISS_RATIO = 0.8


def _near_misses(location: str) -> list[str]:
    """Known regions the user probably meant: the same letters and digits (`East US`, `east-us`), or a close
    spelling (`westeurop`)."""
    squashed = re.sub(r"[^a-z0-9]", "", location.lower())
    if squashed in facts.KNOWN_REGIONS:
        return [squashed]
    return difflib.get_close_matches(squashed, sorted(facts.KNOWN_REGIONS), n=3, cutoff=NEAR_MISS_RATIO)


def check_locations(network: ResolvedNetwork) -> Iterator[Finding]:
    topology = network.spec
    # Programmatic region names (regions-list.md). The list goes stale as Azure opens regions: a near miss of a
    # known region is an error (a typo costs a failed deployment), any other unknown name only a warning.
    for i, vnet in enumerate(topology.vnets):
        if not isinstance(vnet.location, str) or vnet.location in facts.KNOWN_REGIONS:
            continue
        path: KeyPath = ("vnets", i, "location")
        closest = _near_misses(vnet.location)
        if closest:
            yield error(
                path,
                f"'{vnet.location}' is not an Azure region; did you mean {' or '.join(repr(c) for c in closest)}?",
                f"use '{closest[0]}'",
            )
        else:
            yield warning(
                path,
                f"'{vnet.location}' is not in this program's list of Azure regions (as of {facts.REGIONS_AS_OF}); "
                "if Azure has it, it is newer than the list: its zones are unknown here, so none are sent and "
                "the gateway stays regional",
                "check the name with `az account list-locations -o table`",
            )
