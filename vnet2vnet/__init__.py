"""vnet2vnet tooling: the configuration model and rules, the offline engine and the CLI."""

__version__ = "0.1.0"
