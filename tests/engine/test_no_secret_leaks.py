"""A key never appears on a command line or in an environment, and a rehearsal touches nothing of the user's
(issue 23): the real CLI is wrapped by a recorder of every call's arguments, environment and, for `config set
--secret`, its standard input; `adopt` reads a real key from the emulator and `rehearse` sets test secrets."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from vnet2vnet.emulator.arm_http import ArmServer
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.rehearse import Rehearsal

from .conftest import PROJECT_DIR, EngineStack, arm_process_env
from .test_adopt import _hand_built

RECORDER = """#!/bin/sh
# Records this call of the Pulumi CLI, then becomes it (exec keeps the PID, which names the CLI's own log files).
record="{records}/$$"
printf '%s\\0' "$@" > "$record.args"
env -0 > "$record.env"
for argument in "$@"; do
  if [ "$argument" = "--secret" ] && [ ! -t 0 ]; then
    (umask 077; cat > "$record.stdin")
    exec "{real}" "$@" < "$record.stdin"
  fi
done
exec "{real}" "$@"
"""


@dataclass(frozen=True)
class Call:
    pid: str
    args: list[str]
    env: dict[str, str]
    stdin: str | None


def recorder(tmp_path: Path, pulumi_cli: PulumiCli) -> tuple[Path, Path]:
    """A `pulumi` that records each call in `records` and runs the real one: (its path, the records folder)."""
    records = tmp_path / "records"
    records.mkdir()
    binary = tmp_path / "recorder" / "bin" / "pulumi"
    binary.parent.mkdir(parents=True)
    binary.write_text(RECORDER.format(records=records, real=Path(pulumi_cli.path).resolve()))
    binary.chmod(0o755)
    return binary, records


def calls(records: Path) -> list[Call]:
    found = []
    for args_file in sorted(records.glob("*.args")):
        pid = args_file.name.removesuffix(".args")
        env_entries = (records / f"{pid}.env").read_bytes().split(b"\0")
        env = dict(entry.decode(errors="replace").split("=", 1) for entry in env_entries if b"=" in entry)
        stdin = records / f"{pid}.stdin"
        args = [a.decode(errors="replace") for a in args_file.read_bytes().split(b"\0") if a]
        found.append(Call(pid, args, env, stdin.read_text() if stdin.exists() else None))
    return found


def leaks(found: list[Call], secrets: set[str]) -> list[str]:
    """Every argument or environment value of any recorded call that holds one of `secrets`."""
    return [
        f"pid {call.pid}: {' '.join(call.args[:4])}"
        for call in found
        for value in [*call.args, *call.env.values()]
        if any(secret and secret in value for secret in secrets)
    ]


def test_adopt_passes_the_key_it_reads_on_standard_input_only(pulumi_cli: PulumiCli, tmp_path: Path) -> None:
    seed, ids, key = _hand_built(tmp_path, pulumi_cli, with_tags=True)
    stack = EngineStack(
        Rehearsal(PROJECT_DIR, "dev", pulumi_cli, tmp_path / "adopter", seed_file=seed, say=lambda _: None)
    )
    binary, records = recorder(tmp_path, pulumi_cli)
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(json.dumps(ids))
    with ArmServer(stack.store) as server:
        adopted = subprocess.run(
            [sys.executable, "-m", "vnet2vnet", "adopt", "--stack", "dev", "--ids", str(ids_file),
             "--project-dir", str(stack.work_dir)],
            capture_output=True, text=True, cwd=PROJECT_DIR, check=False,
            env={**stack.rehearsal.process_env, "VNET2VNET_PULUMI": str(binary), **arm_process_env(server)},
        )  # fmt: skip
    assert adopted.returncode == 0, adopted.stderr[-3000:]
    found = calls(records)
    set_key = [c for c in found if c.args[:2] == ["config", "set"] and "vnet2vnet:sharedKey" in c.args]
    assert [c.stdin for c in set_key] == [key], "the key reached `pulumi config set --secret` on standard input"
    assert "--secret" in set_key[0].args, set_key[0].args
    assert leaks(found, {key}) == [], "no argument or environment value of any CLI call holds the key"
    assert key not in adopted.stdout + adopted.stderr and key not in (stack.work_dir / "Pulumi.dev.yaml").read_text()


def _user_pulumi_home() -> Path:
    """~/.pulumi of the user account, which the CLI finds without $HOME."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir) / ".pulumi"


def test_a_rehearsal_keeps_to_its_sandbox(pulumi_cli: PulumiCli, tmp_path: Path) -> None:
    """With the user's credentials in the environment and a proxy that answers nothing: the rehearsal passes, no
    process gets a credential or a test secret, and nothing lands in the user's ~/.pulumi."""
    project = tmp_path / "project"
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text((PROJECT_DIR / name).read_text())
    (project / "components").mkdir()
    for module in (PROJECT_DIR / "components").glob("*.py"):
        (project / "components" / module.name).write_text(module.read_text())
    config = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    config["vnet2vnet:sharedKey"] = {"secure": "v1:c2VjcmV0IGZyb20gdGhlIHVzZXI="}  # replaced by a test secret
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    binary, records = recorder(tmp_path, pulumi_cli)
    home = _user_pulumi_home()
    before = {str(p) for p in home.rglob("*")} if home.exists() else set()
    user_secrets = {"ARM_CLIENT_SECRET": "arm-secret-0001", "AZURE_CLIENT_SECRET": "azure-secret-0002",
                    "PULUMI_ACCESS_TOKEN": "pul-token-0003", "ARM_OIDC_TOKEN": "oidc-token-0004"}  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k.upper() not in ("NO_PROXY",)}
    environment |= {**user_secrets, "VNET2VNET_PULUMI": str(binary), "http_proxy": "http://127.0.0.1:9",
                    "https_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}  # fmt: skip
    keep = tmp_path / "kept"
    result = subprocess.run(
        [sys.executable, "-m", "vnet2vnet", "rehearse", "--stack", "dev", "--json", "--keep", str(keep),
         "--project-dir", str(project)],
        capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    found = calls(records)
    assert found, "the recorder saw the rehearsal's CLI calls"
    test_secrets = {c.stdin for c in found if c.stdin}
    assert len(test_secrets) >= 2, "the stack's own key and its rotation were set on standard input"
    assert leaks(found, test_secrets | set(user_secrets.values())) == [], "no secret in an argument or environment"
    for call in found:
        assert Path(call.env.get("PULUMI_HOME", "/")).is_relative_to(keep), f"its own Pulumi home: {call.args[:3]}"
        credentials = {k for k in call.env if k.upper().startswith(("ARM_", "AZURE_")) and k != "AZURE_CONFIG_DIR"}
        assert not credentials and "PULUMI_ACCESS_TOKEN" not in call.env, f"no credential: {sorted(credentials)}"
    after = {str(p) for p in home.rglob("*")} if home.exists() else set()
    pids = {call.pid for call in found}
    ours = sorted(p for p in after - before if any(f"-{pid}-" in Path(p).name for pid in pids))
    assert ours == [], f"nothing of the rehearsal's CLI calls in the user's {home}: {ours}"
