"""This repository's own program helpers (not shipped in the wheel): the stack program `__main__.py` builds the
components of the `vnet2vnet` package from the stack config, with the providers made here."""

from components.providers import side_providers

__all__ = ["side_providers"]
