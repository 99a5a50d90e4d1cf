"""The three distributions, built as wheels from this repository and installed as a user installs them.

- `vnet2vnet`: the components, the option model and its rules; a range of Pulumi releases.
- `vnet2vnet-tools`: the `vnet2vnet` command, the offline plan, operations and evidence; Pulumi pinned exactly.
- `vnet2vnet-rehearse`: the emulator's plugins and the rehearsal.

All three install into one `vnet2vnet` package, whose modules keep their import paths (vnet2vnet.distributions).
"""

from __future__ import annotations

import ast
import email
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import vnet2vnet
from tests.support import DISTRIBUTIONS, PROJECT_DIR, build_wheels

# Each distribution and what it stands on (its own install brings them).
STACKED = {
    "vnet2vnet": ("vnet2vnet",),
    "vnet2vnet-tools": ("vnet2vnet", "vnet2vnet-tools"),
    "vnet2vnet-rehearse": ("vnet2vnet", "vnet2vnet-tools", "vnet2vnet-rehearse"),
}
# The only imports of a distribution above from one below: (module, function, imported), each in a function that
# runs only after the check that prints the install line (vnet2vnet.distributions.missing_line).
GUARDED_IMPORTS = {
    ("vnet2vnet.__main__", "main", "vnet2vnet.cli"),
    ("vnet2vnet.cli", "rehearse_command", "vnet2vnet.rehearse"),
    ("vnet2vnet.cli", "_rehearsal_input_problem", "vnet2vnet.rehearse"),
}
# Modules of the folder no distribution ships: the maintainers' tools, which work on a checkout only.
REPOSITORY_ONLY = {
    "vnet2vnet.option_docs": "writes docs/ and vnet2vnet/components/args.py beside itself (make generate)",
    "vnet2vnet.differential": "the emulator-against-validation test of bench/differential.py",
}
PACKAGE_DIR = PROJECT_DIR / "vnet2vnet"


def module_name(path: str) -> str:
    """`vnet2vnet/emulator/__init__.py` -> `vnet2vnet.emulator`."""
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


SOURCE_MODULES = {module_name(path.relative_to(PROJECT_DIR).as_posix()) for path in PACKAGE_DIR.rglob("*.py")}


@dataclass(frozen=True)
class Wheel:
    name: str
    path: Path

    def files(self) -> list[str]:
        return zipfile.ZipFile(self.path).namelist()

    def modules(self) -> set[str]:
        return {module_name(name) for name in self.files() if name.endswith(".py")}

    def metadata(self) -> email.message.Message:
        (entry,) = (name for name in self.files() if name.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(zipfile.ZipFile(self.path).read(entry))

    def requirements(self) -> dict[str, Requirement]:
        parsed = (Requirement(line) for line in self.metadata().get_all("Requires-Dist") or [])
        return {canonicalize_name(requirement.name): requirement for requirement in parsed if not requirement.marker}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Wheel]:
    built = build_wheels(tmp_path_factory.mktemp("wheels"))
    return {name: Wheel(name, path) for name, path in built.items()}


class TestWhatEachWheelHolds:
    def test_every_module_of_the_package_is_in_exactly_one_wheel(self, wheels: dict[str, Wheel]) -> None:
        held = {name: wheel.modules() for name, wheel in wheels.items()}
        for name, modules in held.items():
            for other, other_modules in held.items():
                if other != name:
                    assert not modules & other_modules, f"{name} and {other} both ship {modules & other_modules}"
        shipped = set().union(*held.values())
        missing = SOURCE_MODULES - shipped - set(REPOSITORY_ONLY)
        assert not missing, f"modules no distribution ships (add them to a pyproject's file list): {missing}"
        assert not shipped & set(REPOSITORY_ONLY), f"the maintainers' tools work on a checkout only: {REPOSITORY_ONLY}"
        assert shipped <= SOURCE_MODULES, f"a wheel ships what the repository does not have: {shipped - SOURCE_MODULES}"

    def test_only_the_component_library_ships_the_package_itself(self, wheels: dict[str, Wheel]) -> None:
        for name, wheel in wheels.items():
            ships_init = "vnet2vnet/__init__.py" in wheel.files()
            assert ships_init == (name == "vnet2vnet"), f"{name}: one distribution owns vnet2vnet/__init__.py"
            top_level = {path.split("/")[0] for path in wheel.files() if not path.split("/")[0].endswith(".dist-info")}
            assert top_level == {"vnet2vnet"}, f"{name} installs {top_level}: a top-level `components` would clash"

    def test_the_component_library_holds_no_cli_engine_or_emulator(self, wheels: dict[str, Wheel]) -> None:
        core = wheels["vnet2vnet"].modules()
        for module in ("vnet2vnet.cli", "vnet2vnet.engine", "vnet2vnet.operations", "vnet2vnet.rehearse"):
            assert module not in core, f"{module} is not the component library's"
        assert not {module for module in core if module.startswith("vnet2vnet.emulator")}, "no emulator in it"
        assert {"vnet2vnet.components.pair", "vnet2vnet.components.mesh", "vnet2vnet.validation"} <= core

    def test_the_emulator_is_split_between_its_azure_model_and_its_plugins(self, wheels: dict[str, Wheel]) -> None:
        tools, rehearse = wheels["vnet2vnet-tools"].modules(), wheels["vnet2vnet-rehearse"].modules()
        assert {"vnet2vnet.emulator.azure", "vnet2vnet.emulator.seed", "vnet2vnet.emulator.rules"} <= tools
        assert {"vnet2vnet.emulator.provider", "vnet2vnet.emulator.plugins", "vnet2vnet.rehearse"} <= rehearse


BUILD = """
import sys
from hatchling.build import build_sdist, build_wheel
print((build_sdist if sys.argv[1] == "sdist" else build_wheel)(sys.argv[2]))
"""


def hatchling_build(kind: str, folder: Path, out: Path) -> Path:
    """Build an sdist or a wheel of the project in `folder` with the pinned hatchling, as `python -m build` would."""
    result = subprocess.run(
        [sys.executable, "-c", BUILD, kind, str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=folder,
    )
    return out / result.stdout.strip().splitlines()[-1]


class TestSourceDistributions:
    @pytest.mark.parametrize("name", list(DISTRIBUTIONS))
    def test_a_wheel_built_from_the_sdist_holds_what_the_repository_wheel_holds(
        self, name: str, wheels: dict[str, Wheel], tmp_path: Path
    ) -> None:
        """`python -m build` (and an index that builds from sdists) builds the wheel from the unpacked sdist, away
        from the repository's shared folder: the sdist must carry the modules and the build hook."""
        source = wheels[name].path.parents[1] / "source" / DISTRIBUTIONS[name]
        sdist = hatchling_build("sdist", source, tmp_path / "sdist")
        with tarfile.open(sdist) as archive:
            archive.extractall(tmp_path / "unpacked", filter="data")
            assert not [member.name for member in archive.getmembers() if member.issym()], "no links in an sdist"
        (unpacked,) = (tmp_path / "unpacked").iterdir()
        rebuilt = Wheel(name, hatchling_build("wheel", unpacked, tmp_path / "wheel"))
        assert rebuilt.modules() == wheels[name].modules(), f"{name}: the sdist's wheel differs"
        assert rebuilt.requirements() == wheels[name].requirements(), f"{name}: the same requirements"


@dataclass(frozen=True)
class Import:
    """One import in a module: the name imported and the function it is in ("" at module level)."""

    name: str
    function: str


def imports_of(module: str) -> Iterator[Import]:
    """Every module `module` imports anywhere in its body (lazily too), as absolute names; a string that is exactly
    the name of one of the package's modules counts too (`importlib.import_module("vnet2vnet.engine")`,
    `find_spec(...)`, the lazy `_EXPORTS` of vnet2vnet/__init__.py)."""
    path = PACKAGE_DIR.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]

    def walk(node: ast.AST, function: str) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            yield from (Import(alias.name, function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                qualified = f"{prefix}.{alias.name}"
                yield Import(qualified if qualified in SOURCE_MODULES else prefix, function)
        elif isinstance(node, ast.Constant) and node.value in SOURCE_MODULES:
            yield Import(node.value, function)
        inner = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
        for child in ast.iter_child_nodes(node):
            yield from walk(child, inner)

    yield from walk(ast.parse(path.read_text()), "")


def owner(imported: str) -> str:
    """The module of the package an import names (`vnet2vnet.emulator.azure.X` -> `vnet2vnet.emulator.azure`)."""
    while imported not in SOURCE_MODULES:
        imported = imported.rsplit(".", 1)[0]
    return imported


class TestWhatEachDistributionDeclares:
    def test_no_module_imports_one_of_a_distribution_above_its_own(self, wheels: dict[str, Wheel]) -> None:
        home = {module: name for name, wheel in wheels.items() for module in wheel.modules()}
        for name, wheel in wheels.items():
            reachable = {module for below in STACKED[name] for module in wheels[below].modules()}
            for module in wheel.modules():
                for imported in imports_of(module):
                    if imported.name.split(".")[0] != "vnet2vnet":
                        continue
                    target = owner(imported.name)
                    guarded = (module, imported.function, target) in GUARDED_IMPORTS
                    assert target in reachable or guarded, (
                        f"{module}{':' + imported.function if imported.function else ''} ({name}) imports {target}, "
                        f"which only {home.get(target, 'the repository')} has"
                    )

    def test_every_library_a_module_imports_is_a_declared_requirement(self, wheels: dict[str, Wheel]) -> None:
        providers = importlib.metadata.packages_distributions()
        for name, wheel in wheels.items():
            declared = {dependency for below in STACKED[name] for dependency in wheels[below].requirements()}
            for module in wheel.modules():
                for imported in imports_of(module):
                    top = imported.name.split(".")[0]
                    if top in sys.stdlib_module_names or top == "vnet2vnet":
                        continue
                    candidates = {canonicalize_name(dist) for dist in providers.get(top, [])}
                    assert candidates & declared, f"{module} ({name}) imports {top}: declare one of {candidates}"

    def test_each_distribution_requires_the_one_below_at_its_own_release(self, wheels: dict[str, Wheel]) -> None:
        for name, wheel in wheels.items():
            assert wheel.metadata()["Version"] == vnet2vnet.__version__, f"{name} is released with the others"
        tools, rehearse = wheels["vnet2vnet-tools"].requirements(), wheels["vnet2vnet-rehearse"].requirements()
        assert str(tools["vnet2vnet"].specifier) == f"=={vnet2vnet.__version__}", "tools needs its own library"
        assert str(rehearse["vnet2vnet-tools"].specifier) == f"=={vnet2vnet.__version__}", "rehearse needs its tools"

    def test_the_library_accepts_a_range_of_pulumi_the_tools_pin_one(self, wheels: dict[str, Wheel]) -> None:
        floor, newest = pulumi_releases_under_test()
        accepted: SpecifierSet = wheels["vnet2vnet"].requirements()["pulumi"].specifier
        assert floor in accepted and newest in accepted, f"{accepted} takes both releases the public API is tested at"
        assert Version(f"{floor.major}.{floor.minor - 1}.0") not in accepted, f"{accepted} goes below the tested floor"
        assert Version("3.999.0") in accepted, "a consumer can take a newer 3.x than the one CI pins"
        pinned = wheels["vnet2vnet-tools"].requirements()["pulumi"].specifier
        assert str(pinned) == f"=={newest}", "the offline plan uses the SDK's private APIs: one release exactly"

    def test_the_public_api_floor_has_every_dependency_at_its_lowest_declared_version(
        self, wheels: dict[str, Wheel]
    ) -> None:
        """`make public-api` tests the floor with the versions in floor-constraints.txt: pulumi at PULUMI_FLOOR and
        each other requirement of the library at the lowest version its range admits, so the range is tested."""
        floor, _ = pulumi_releases_under_test()
        pinned: dict[str, Version] = {
            canonicalize_name(name): Version(version)
            for name, version in (line.split("==") for line in FLOOR_CONSTRAINTS.read_text().split() if "==" in line)
        }
        for name, requirement in wheels["vnet2vnet"].requirements().items():
            (lowest,) = (Version(spec.version) for spec in requirement.specifier if spec.operator == ">=")
            expected = floor if name == "pulumi" else lowest
            assert pinned.get(name) == expected, f"{FLOOR_CONSTRAINTS.name}: {name}=={expected} ({requirement})"


FLOOR_CONSTRAINTS = PROJECT_DIR / "tests" / "public_api" / "floor-constraints.txt"


def pulumi_releases_under_test() -> tuple[Version, Version]:
    """The releases `make public-api` tests: PULUMI_FLOOR, and PULUMI_NEWEST, which is the pinned pulumi."""
    makefile = (PROJECT_DIR / "Makefile").read_text()
    floor, newest = (re.search(rf"^{var} := (\S+)$", makefile, re.M) for var in ("PULUMI_FLOOR", "PULUMI_NEWEST"))
    assert floor and newest, "the Makefile names the floor and the newest release the public-API tests run at"
    pinned = re.search(r"^pulumi==(\S+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.M)
    assert pinned and newest[1] == pinned[1], f"PULUMI_NEWEST {newest[1]} is the pinned pulumi {pinned and pinned[1]}"
    assert f"{FLOOR_CONSTRAINTS.relative_to(PROJECT_DIR)}" in makefile, "the floor runs with its constraints"
    return Version(floor[1]), Version(newest[1])


def fresh_venv(where: Path) -> Path:
    """A new virtualenv whose third-party libraries come from this one (after its own): installing them from PyPI
    would take most of the test's time, and which modules import is the question here, not which versions."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    python = where / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    # A path in a .pth file is appended; the .pth files in it (this repository's editable installs) are not read.
    ours = next(path for path in sys.path if path.endswith("site-packages"))
    (Path(site_packages) / "dependencies.pth").write_text(ours + "\n")
    return python


def install(python: Path, *wheels: Wheel, target: Path | None = None) -> None:
    where = ["--target", str(target)] if target else []
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", *where, *(str(w.path) for w in wheels)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


IMPORT_EACH = """
import importlib, json, sys
imported = {}
for name in json.loads(sys.argv[1]):
    try:
        module = importlib.import_module(name)
        imported[name] = module.__file__
    except ModuleNotFoundError as missing:
        imported[name] = None if missing.name.startswith("vnet2vnet") else f"needs {missing.name}"
print(json.dumps(imported))
"""


def importable(python: Path, cwd: Path, extra_path: Path | None = None) -> dict[str, str | None]:
    """Each module of the repository's package: the file it imports from in `python`'s world, or None."""
    env = {**os.environ, "PYTHONPATH": str(extra_path or "")}
    result = subprocess.run(
        [str(python), "-c", IMPORT_EACH, json.dumps(sorted(SOURCE_MODULES))],
        check=True, capture_output=True, text=True, timeout=300, cwd=cwd, env=env,
    )  # fmt: skip
    answer: dict[str, str | None] = json.loads(result.stdout)
    return answer


def command(venv_python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `vnet2vnet` console script of the venv."""
    env = {**os.environ, "PYTHONPATH": "", "NO_COLOR": "1"}
    return subprocess.run(
        [str(venv_python.parent / "vnet2vnet"), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


class TestEachDistributionInstalledAlone:
    @pytest.mark.parametrize("name", list(DISTRIBUTIONS))
    def test_it_imports_its_modules_and_those_below_it_and_no_other(
        self, name: str, wheels: dict[str, Wheel], tmp_path: Path
    ) -> None:
        python = fresh_venv(tmp_path / "venv")
        install(python, *(wheels[below] for below in STACKED[name]))
        imported = importable(python, cwd=tmp_path)
        expected = {module for below in STACKED[name] for module in wheels[below].modules()}
        for module, where in imported.items():
            if module in expected:
                assert where and where.startswith(str(tmp_path / "venv")), f"{name}: {module} from {where}"
            else:
                assert where is None, f"{name} alone must not import {module} (it did, from {where})"

    def test_the_command_without_the_tools_prints_the_line_that_installs_them(
        self, wheels: dict[str, Wheel], tmp_path: Path
    ) -> None:
        python = fresh_venv(tmp_path / "venv")
        install(python, wheels["vnet2vnet"])
        for args in (("plan", "--stack", "dev"), ("--help",), ()):
            result = command(python, tmp_path, *args)
            assert result.returncode == 3, f"vnet2vnet {' '.join(args)}: exit {result.returncode} {result.stderr}"
            assert result.stdout == "", "nothing on stdout: a script reading it gets nothing"
            (line,) = result.stderr.splitlines()
            assert f"pip install 'vnet2vnet-tools=={vnet2vnet.__version__}'" in line, line
        as_module = subprocess.run(
            [str(python), "-m", "vnet2vnet", "--version"],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert as_module.returncode == 3 and "vnet2vnet-tools" in as_module.stderr, as_module.stderr

    def test_the_tools_without_the_rehearsal_run_and_name_what_rehearse_needs(
        self, wheels: dict[str, Wheel], tmp_path: Path
    ) -> None:
        python = fresh_venv(tmp_path / "venv")
        install(python, wheels["vnet2vnet"], wheels["vnet2vnet-tools"])
        version = command(python, tmp_path, "--version")
        assert version.returncode == 0 and vnet2vnet.__version__ in version.stdout, version.stderr
        assert command(python, tmp_path, "rehearse", "--help").returncode == 0, "every command is listed"
        rehearse = command(python, tmp_path, "rehearse", "--stack", "dev")
        assert rehearse.returncode == 3, f"exit {rehearse.returncode}: {rehearse.stderr}"
        (line,) = rehearse.stderr.splitlines()
        assert f"pip install 'vnet2vnet-rehearse=={vnet2vnet.__version__}'" in line, line

    def test_a_distribution_installed_elsewhere_on_the_path_joins_the_package(
        self, wheels: dict[str, Wheel], tmp_path: Path
    ) -> None:
        """The library in the venv, the tools in another folder on PYTHONPATH (pip --target): one package."""
        python = fresh_venv(tmp_path / "venv")
        install(python, wheels["vnet2vnet"])
        install(python, wheels["vnet2vnet-tools"], target=tmp_path / "elsewhere")
        imported = importable(python, cwd=tmp_path, extra_path=tmp_path / "elsewhere")
        assert str(imported["vnet2vnet"]).startswith(str(tmp_path / "venv")), imported["vnet2vnet"]
        assert str(imported["vnet2vnet.cli"]).startswith(str(tmp_path / "elsewhere")), imported["vnet2vnet.cli"]
        assert str(imported["vnet2vnet.emulator.azure"]).startswith(str(tmp_path / "elsewhere"))


def test_all_three_install_together_and_plan_the_example(wheels: dict[str, Wheel], tmp_path: Path) -> None:
    """What `pip install vnet2vnet-tools` gives a user: the plan of examples/python-two-pairs, from the installed
    wheels, not the repository, and declared ranges that accept this repository's pins (`pip check`)."""
    import shutil

    python = fresh_venv(tmp_path / "venv")
    install(python, *wheels.values())
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], check=False, capture_output=True, text=True, timeout=300
    )
    assert "vnet2vnet" not in check.stdout, f"the wheels' dependency ranges must accept the pins: {check.stdout}"
    example = tmp_path / "example"
    shutil.copytree(PROJECT_DIR / "examples" / "python-two-pairs", example)
    script = (
        "import json, vnet2vnet, vnet2vnet.engine as engine;"
        "plan = engine.run_stack('.', 'dev');"
        "print(json.dumps({'resources': len(plan.custom_resources), 'from': vnet2vnet.__file__}))"
    )
    env = {**os.environ, "PYTHONPATH": ""}
    result = subprocess.run(
        [str(python), "-c", script], check=False, capture_output=True, text=True, timeout=600, cwd=example, env=env
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["resources"] == 26, "two pairs of 13 resources"
    assert report["from"].startswith(str(tmp_path / "venv")), "the components come from the wheel, not the repository"
    assert command(python, example, "--version").returncode == 0, "the vnet2vnet command is installed"
