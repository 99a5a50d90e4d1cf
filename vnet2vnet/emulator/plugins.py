"""A throwaway Pulumi home with the two stand-in plugins installed, and the environment every real-engine run here
uses: a local file backend, a passphrase secrets provider, no update checks, no plugin downloads, no ambient
plugins. Nothing touches the user's ~/.pulumi.
"""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vnet2vnet.emulator.provider import AZURE_NATIVE_VERSION, RANDOM_VERSION, SPEC_DIR_VARIABLE
from vnet2vnet.emulator.store import STATE_VARIABLE

# pulumiservice: deployments/ (emulator/pulumiservice.py); its version is pulumi-pulumiservice's, pinned.
STAND_INS = {"azure-native": AZURE_NATIVE_VERSION, "random": RANDOM_VERSION, "pulumiservice": "1.5.0"}
REHEARSAL_PASSPHRASE = "vnet2vnet-rehearsal"  # protects only the throwaway backend's test secrets


@dataclass(frozen=True)
class Sandbox:
    root: Path

    @property
    def pulumi_home(self) -> Path:
        return self.root / "pulumi-home"

    @property
    def backend(self) -> Path:
        return self.root / "backend"

    @property
    def emulator_state(self) -> Path:
        return self.root / "azure.json"

    @property
    def azure_config(self) -> Path:
        """An empty Azure CLI configuration folder: `az` and the Azure SDKs find no login in a rehearsal."""
        return self.root / "azure-config"

    def environment(self, spec_dir: Path | None) -> dict[str, str]:
        env = {
            "PULUMI_HOME": str(self.pulumi_home),
            "PULUMI_BACKEND_URL": f"file://{self.backend}",
            "PULUMI_CONFIG_PASSPHRASE": REHEARSAL_PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
            "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
            STATE_VARIABLE: str(self.emulator_state),
            "AZURE_CONFIG_DIR": str(self.azure_config),
        }
        if spec_dir is not None:
            env[SPEC_DIR_VARIABLE] = str(spec_dir)
        return env

    def process_environment(self, spec_dir: Path | None, base: Mapping[str, str]) -> dict[str, str]:
        """The whole environment of every process a rehearsal starts: `base` (the user's) without any Azure or
        Pulumi Cloud credential, with loopback exempt from proxies (the engine and its plugins talk gRPC on
        127.0.0.1), then the sandbox's own settings (`environment`)."""
        self.azure_config.mkdir(parents=True, exist_ok=True)
        kept = {name: value for name, value in base.items() if not _credential(name)}
        # Both spellings, each with what the user exempts in either (tools read one or the other).
        present = [entry for name in ("NO_PROXY", "no_proxy") for entry in kept.get(name, "").split(",") if entry]
        exempt = ",".join(dict.fromkeys([*present, *LOOPBACK]))
        kept["NO_PROXY"] = kept["no_proxy"] = exempt
        return {**kept, **self.environment(spec_dir)}


# What a rehearsal never passes on: it reaches no Azure and no Pulumi Cloud, so no process of it holds a credential.
# ARM_* and AZURE_* (azure-native, the Azure SDKs and CLI), the GitHub Actions OIDC request pair azure-native falls
# back to, managed-identity endpoints, and Pulumi's access token and passphrase file (the sandbox sets its own).
CREDENTIAL_PREFIXES = ("ARM_", "AZURE_")
CREDENTIAL_NAMES = frozenset(
    {
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "MSI_ENDPOINT",
        "MSI_SECRET",
    }
)
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _credential(name: str) -> bool:
    upper = name.upper()
    return upper.startswith(CREDENTIAL_PREFIXES) or upper in CREDENTIAL_NAMES


# The engine starts a plugin in the project's folder, which holds the project's own copy of `vnet2vnet` (an older
# release's, in an upgrade rehearsal): `python -m` would import that one first. The emulator is this installation's.
_PROVIDER_MAIN = (
    "import runpy, sys; "
    "sys.path[:] = [entry for entry in sys.path if entry != '']; "
    "runpy.run_module('vnet2vnet.emulator.provider', run_name='__main__', alter_sys=True)"
)


def _launcher(name: str) -> bytes:
    """The plugin executable: this Python, this package, refusing to run without a rehearsal's state file."""
    python = shlex.quote(sys.executable)
    return (
        "#!/bin/sh\n"
        f"# vnet2vnet's Azure emulator standing in for the {name} provider. Rehearsals only.\n"
        f'exec {python} -c {shlex.quote(_PROVIDER_MAIN)} {name} "$@"\n'
    ).encode()


def install_stand_ins(sandbox: Sandbox, cli: str, env: dict[str, str]) -> None:
    """`pulumi plugin install resource NAME VERSION --file TARBALL` for each stand-in, into the sandbox's home."""
    sandbox.backend.mkdir(parents=True, exist_ok=True)
    for name, version in STAND_INS.items():
        tarball = sandbox.root / f"pulumi-resource-{name}-v{version}.tar.gz"
        with tarfile.open(tarball, "w:gz") as archive:
            launcher = _launcher(name)
            info = tarfile.TarInfo(f"pulumi-resource-{name}")
            info.size, info.mode = len(launcher), 0o755
            archive.addfile(info, io.BytesIO(launcher))
        completed = subprocess.run(
            [cli, "plugin", "install", "resource", name, version, "--file", str(tarball)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"`pulumi plugin install resource {name} {version} --file ...` failed: "
                f"{completed.stderr.strip() or completed.stdout.strip()}"
            )
