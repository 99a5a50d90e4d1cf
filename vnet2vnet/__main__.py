"""`vnet2vnet` and `python -m vnet2vnet`: the CLI, which vnet2vnet-tools installs; without it, the one line that
installs it (exit 3)."""

from __future__ import annotations

import sys

from vnet2vnet.distributions import EXIT_NOT_INSTALLED, TOOLS, missing_line


def main() -> int:
    try:
        from vnet2vnet.cli import main as cli_main
    except ModuleNotFoundError as missing:
        if missing.name != "vnet2vnet.cli":  # the CLI is there but broken: its own traceback says more
            raise
        print(missing_line(TOOLS), file=sys.stderr)
        return EXIT_NOT_INSTALLED
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
