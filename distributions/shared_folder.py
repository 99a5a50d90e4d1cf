"""A hatchling build hook: a distribution's wheel takes its modules, by name, from the repository's shared
`vnet2vnet/` folder (the `files` list in its pyproject.toml), so three distributions ship one package from one
source tree. Each distribution folder links this file as its `shared_folder.py` (the hook's path), so an sdist
carries the hook with the files, and a wheel built from the unpacked sdist takes them from there.

An editable install (`pip install -e`, what `make` does) copies nothing: its .pth file puts the repository root
on sys.path (dev-mode-dirs) and every module is imported from the checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class SharedFolderHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        if self.target_name == "sdist":  # the hook itself, as a file: a link would point out of the archive
            build_data["force_include"][str(Path(__file__).resolve())] = "shared_folder.py"
        unpacked_sdist = Path(self.root) / "vnet2vnet"
        package = unpacked_sdist if unpacked_sdist.is_dir() else Path(self.root).resolve().parents[1] / "vnet2vnet"
        for name in self.config["files"]:
            source = package / name
            # A folder contributes its Python files only: never a __pycache__ or a stray build product.
            sources = sorted(source.rglob("*.py")) if source.is_dir() else [source]
            for path in sources:
                if not path.is_file():
                    raise FileNotFoundError(f"{path}: listed in {self.root}/pyproject.toml but not in the repository")
                build_data["force_include"][str(path)] = f"vnet2vnet/{path.relative_to(package).as_posix()}"
