"""The three distributions that share the `vnet2vnet` package, and the one line that installs a missing one.

`vnet2vnet` (this module's) holds the components and their rules; `vnet2vnet-tools` the CLI, the offline plan and
operations; `vnet2vnet-rehearse` the emulator's plugins and the rehearsal. Their modules keep the import paths
they had in one package (`vnet2vnet.cli`, `vnet2vnet.emulator`): each distribution installs its files into the
same `vnet2vnet/` folder, and only this one ships `vnet2vnet/__init__.py` (docs/use-modes.md, "Install").
"""

from __future__ import annotations

from dataclasses import dataclass

from vnet2vnet import __version__

# What a command does when the distribution it needs is not installed: the exit code the CLI gives a missing
# prerequisite (as for a missing Pulumi CLI).
EXIT_NOT_INSTALLED = 3


@dataclass(frozen=True)
class Distribution:
    name: str
    holds: str


TOOLS = Distribution("vnet2vnet-tools", "the vnet2vnet command: plan, up, verify, adopt, recover and the rest")
REHEARSE = Distribution("vnet2vnet-rehearse", "vnet2vnet rehearse and the Azure emulator's plugins")


def missing_line(distribution: Distribution) -> str:
    """One line: what is missing and the command that installs it, at this release (they are released together)."""
    return (
        f"error: {distribution.name} is not installed (it holds {distribution.holds}): "
        f"pip install '{distribution.name}=={__version__}'"
    )
