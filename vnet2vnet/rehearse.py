"""`vnet2vnet rehearse`: a stack's real program through the real Pulumi engine against the Azure emulator, in a
throwaway backend, through its whole lifecycle: up, preview, refresh, preview, key rotation, destroy.

Pure parts first (scratch stack files, checks, the report); the shell (`Rehearsal.run`) drives one process per
operation (emulator/program_host.py) and reads the emulator's state and the backend's state file.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from vnet2vnet.emulator import azure
from vnet2vnet.emulator.plugins import Sandbox, install_stand_ins
from vnet2vnet.emulator.pulumiservice import SETTINGS as PULUMISERVICE_SETTINGS
from vnet2vnet.emulator.python_host import (
    PythonHostError,
    configured_python_host,
    configured_yaml_host,
    link_venv,
    program_venv,
    runtime_name,
    runtime_options,
    sandbox_cli,
)
from vnet2vnet.emulator.seed import apply_seed, load_seed
from vnet2vnet.emulator.store import DEFAULT_CLOCK_SCALE, Store, default_state
from vnet2vnet.findings import CONFIG_NAMESPACE
from vnet2vnet.interrupts import CommandInterruptedError, wait_passing_interrupts
from vnet2vnet.project_copy import ProjectCopyError, copy_project, project_files
from vnet2vnet.pulumi_cli import PulumiCli
from vnet2vnet.recovery import waiting_line
from vnet2vnet.stack_files import ConfigFileError, read_yaml_file
from vnet2vnet.tokens import PASSWORD_TYPE

if TYPE_CHECKING:
    from vnet2vnet.azure_reads import SdkReads
    from vnet2vnet.emulator.arm_http import ArmServer

PROGRAM_HOST = Path(__file__).resolve().parent / "emulator" / "program_host.py"
STEP_NAMES = ("up", "evidence", "preview", "refresh", "preview_after_refresh", "rotate", "destroy")
# The vnet2vnet-only steps: skipped for another project (named in notes).
OUR_STEPS = ("evidence", "rotate")
# `verify --evidence` reads the byte counters twice this many emulated seconds apart.
EVIDENCE_INTERVAL_EMULATED_SECONDS = 60
# The check of `verify --evidence` each fault of the seed file must make fail (or cannot-verify).
FAULTED_CHECKS = {"tunnelDown": "connected", "noTraffic": "traffic", "negotiatedPolicy": "ipsec-policy"}
CHANGE_KINDS = ("create", "update", "replace", "delete", "same")
# `--change T`: a step after the lifecycle's changes and before destroy.
CHANGE_STEP = "change"
# The engine's step each forecast change stands for; a resource the forecast leaves out ("none") is `same`, or
# `create` when the state does not have it yet (the forecast lists what changes in the deployed stack).
_ENGINE_STEP_OF = {"replace": "replace", "update": "update", "delete": "delete"}
# Types the forecast does not cover: the stack, components and providers (no Azure resource).
_NOT_FORECAST = ("pulumi:", "vnet2vnet:")


def forecast_mismatches(
    forecast: Mapping[str, str], engine: Mapping[str, str], deployed: Iterable[str]
) -> list[dict[str, str]]:
    """Where the forecast (URN -> replace, update or delete) and the engine's steps (URN -> create, update,
    replace, delete, same) disagree: {urn, forecast, engine}, `none` for a URN the forecast leaves out."""
    existing = set(deployed)
    mismatches = []
    for urn in sorted(set(forecast) | set(engine)):
        if urn.split("::")[2].rsplit("$", 1)[-1].startswith(_NOT_FORECAST):
            continue
        predicted = forecast.get(urn, "none")
        step = engine.get(urn, "same")
        expected = _ENGINE_STEP_OF.get(predicted) or ("same" if urn in existing else "create")
        if step != expected:
            mismatches.append({"urn": urn, "forecast": predicted, "engine": step})
    return mismatches


class RehearsalError(RuntimeError):
    """The rehearsal could not run (not a failed check): no project, an unreadable stack file."""


# ------------------------------------------------------------------------------------------ pure: stack files


@dataclass
class ScratchConfig:
    """The user's stack file made runnable in a throwaway backend, and what was changed to get there."""

    document: dict[str, Any]
    secret_values: dict[str, str]  # config key path (pulumi `--path` syntax) -> test value set as secret
    notes: list[str] = field(default_factory=list)


def throwaway_secret() -> str:
    """A fresh test value for a `secure:` config value: letters and digits only, which every secret the stack can
    hold accepts (a pre-shared key refuses `-` and `~`, which URL-safe tokens contain)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def _secure_paths(value: Any, path: str) -> Iterable[str]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            yield path
            return
        for key, inner in value.items():
            yield from _secure_paths(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _secure_paths(inner, f"{path}[{index}]")


def _remove_path(config: dict[str, Any], path: str) -> None:
    """Drop the value at a `key.sub[0].x` path (the parts are plain names and indexes here)."""
    import re

    parts = [p for p in re.split(r"\.|\[(\d+)\]", path) if p]
    target: Any = config
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = None
    else:
        del target[last]


# The stack's azure-native settings the emulator honours as azure-native does (its IDs, tenants and location
# default: emulator/provider.py `configure`); every other one (credentials, endpoints) is dropped with a note.
HONOURED_AZURE_SETTINGS = frozenset(
    f"azure-native:{name}" for name in ("location", "subscriptionId", "tenantId", "auxiliaryTenantIds")
)


def scratch_config(document: Mapping[str, Any] | None) -> ScratchConfig:
    """`secure:` values become fresh test values (the user's passphrase never leaves their machine),
    `environment:` (ESC) and the `azure-native:*` settings the emulator cannot honour (credentials) are dropped,
    each with a note."""
    document = copy.deepcopy(dict(document or {}))
    notes: list[str] = []
    for key in ("encryptionsalt", "secretsprovider", "encryptedkey"):
        document.pop(key, None)
    if document.pop("environment", None) is not None:
        notes.append("environment (Pulumi ESC) ignored: the rehearsal has no Pulumi Cloud and uses no credentials")
    config = dict(document.get("config") or {})
    dropped = sorted(key for key in config if key.startswith("azure-native:") and key not in HONOURED_AZURE_SETTINGS)
    for key in dropped:
        del config[key]
    if dropped:
        notes.append(f"{', '.join(dropped)} ignored: the emulator stands in for Azure and needs no credential")
    secret_values: dict[str, str] = {}
    for key in list(config):
        for path in _secure_paths(config[key], key):
            secret_values[path] = throwaway_secret()
    for path in secret_values:
        if path in config:
            del config[path]
        else:
            _remove_path(config, path)
    if secret_values:
        notes.append(
            f"secure values replaced by test values (set as secrets in the throwaway stack): {', '.join(secret_values)}"
        )
    document["config"] = config
    return ScratchConfig(document, secret_values, notes)


def rotated_config(
    document: Mapping[str, Any], secret_values: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The stack file and secrets for a key rotation: a new test key where the stack brings its own
    (`sharedKey`), else `connection.sharedKeyVersion` + 1."""
    rotated: dict[str, Any] = copy.deepcopy(dict(document))
    config = rotated.setdefault("config", {})
    own_keys = {path: value for path, value in secret_values.items() if path.endswith(":sharedKey")}
    if own_keys:
        return rotated, {**secret_values, **{path: throwaway_secret() for path in own_keys}}
    connection_key = f"{CONFIG_NAMESPACE}:connection"
    connection = dict(config.get(connection_key) or {})
    connection["sharedKeyVersion"] = int(connection.get("sharedKeyVersion") or 1) + 1
    config[connection_key] = connection
    return rotated, dict(secret_values)


# ------------------------------------------------------------------------------------------ pure: checks


def change_counts(changes: Mapping[str, int] | None) -> dict[str, int]:
    changes = dict(changes or {})
    return {kind: int(changes.get(kind, 0)) for kind in CHANGE_KINDS}


def _ids(deployment: Mapping[str, Any]) -> dict[str, str]:
    return {str(r["urn"]): str(r.get("id", "")) for r in deployment.get("resources") or [] if r.get("custom")}


def rotation_problems(before: Mapping[str, Any], after: Mapping[str, Any], changes: Mapping[str, int]) -> list[str]:
    """A rotation replaces the key and each link's two connections, and nothing else."""
    before_ids, after_ids = _ids(before), _ids(after)
    connections = sorted(urn for urn in before_ids if urn.split("::")[-2].endswith(azure.CONNECTION.split("$")[-1]))
    keys = [urn for urn in before_ids if PASSWORD_TYPE in urn]
    problems = []
    new_ids = [urn for urn in connections if after_ids.get(urn) == before_ids[urn]]
    if new_ids:
        problems.append(f"connections kept their Azure resource (not replaced): {', '.join(new_ids)}")
    changed_others = [
        urn for urn, rid in before_ids.items() if urn not in connections and urn in after_ids and after_ids[urn] != rid
    ]
    if changed_others:
        problems.append(f"resources other than the connections were replaced: {', '.join(changed_others)}")
    expected = len(connections) + len(keys)
    if changes.get("replace", 0) != expected or any(changes.get(k, 0) for k in ("create", "update", "delete")):
        problems.append(
            f"expected exactly {expected} replacements ({len(keys)} keys, {len(connections)} connections) and no "
            f"other change; the engine reported {dict(changes)}"
        )
    return problems


_ERROR_CODE = re.compile(r"^\s*ERROR CODE:\s*(\S+)\s*$", re.MULTILINE)
_COLOR_DIRECTIVE = re.compile(r"<\{%[^%]*%\}>")


def azure_errors(diagnostics: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Azure's refusals among the engine's error diagnostics ({urn, message}), each once: the resource, Azure's
    error code and its message on one line. The message has azure-native's shape (`PUT <url>`, a rule,
    `RESPONSE <status>`, `ERROR CODE: <code>`, a rule, the message)."""
    found: list[dict[str, str]] = []
    for diagnostic in diagnostics:
        text = _COLOR_DIRECTIVE.sub("", str(diagnostic.get("message") or ""))
        match = _ERROR_CODE.search(text)
        if match is None:
            continue
        lines = [line.strip() for line in text[match.end() :].splitlines()]
        message = " ".join(line for line in lines if line and set(line) != {"-"})
        entry = {"resource": str(diagnostic.get("urn") or ""), "code": match.group(1), "message": message}
        if entry not in found:
            found.append(entry)
    return found


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def plaintext_hits(state_text: str, secret_values: Iterable[str]) -> int:
    return sum(state_text.count(value) for value in set(secret_values) if value)


def makespan(operations: Iterable[Mapping[str, Any]], phase: str) -> float:
    """Emulated minutes from the first operation of a phase to its last."""
    spans = [(op["start"], op["end"]) for op in operations if op.get("phase") == phase and "end" in op]
    return round(max(end for _, end in spans) - min(start for start, _ in spans), 2) if spans else 0.0


def engine_overhead(operations: Iterable[Mapping[str, Any]], phase: str, scale: float) -> float:
    """Median real seconds between an operation's end and the next operation's start (the engine's turn-around
    on the critical path)."""
    ops = sorted((op for op in operations if op.get("phase") == phase and "end" in op), key=lambda op: op["start"])
    gaps = []
    for op in ops:
        later = [o["start"] - op["end"] for o in ops if o["start"] >= op["end"]]
        if later:
            gaps.append(min(later))
    if not gaps:
        return 0.0
    gaps.sort()
    return float(gaps[len(gaps) // 2] * 60 * scale)


# ------------------------------------------------------------------------------------------ the shell


@dataclass
class StepResult:
    name: str
    changes: dict[str, int]
    seconds: float
    problems: list[str]
    log: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)  # what Azure refused: {resource: URN, code, message}
    checks: list[dict[str, str]] | None = None  # the evidence step's: {link, check, result, detail}

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Rehearsal:
    project_dir: Path
    stack: str
    cli: PulumiCli
    root: Path
    clock_scale: float = DEFAULT_CLOCK_SCALE
    seed_file: Path | None = None
    spec_dir: Path | None = None
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    steps: list[StepResult] = field(default_factory=list)
    # A vnet2vnet project (the key rotation and the planned critical path are vnet2vnet's); any other Pulumi Python
    # project of the types the emulator serves gets the rest of the lifecycle.
    ours: bool = True
    # The Python language host the rehearsal's CLI runs the program through, as `pulumi up` does (the user's real
    # one beside their CLI, else $VNET2VNET_PYTHON_HOST); None, or a project without a virtualenv: inline.
    python_host: Path | None = field(default_factory=configured_python_host)
    yaml_host: Path | None = field(default_factory=configured_yaml_host)  # for a YAML project (examples/yaml)
    inline: bool = False  # run the program inline whatever host there is (a test that inspects its process)
    venv_cache: Path | None = None  # where the program's venvs are built and kept (None: our cache)
    # `--change T`: after the lifecycle, apply stack T's config to this stack (forecast, then up), before destroy.
    change_stack: str | None = None
    # Only up, the change and nothing else (the real-engine tests of each change; not a CLI option).
    change_only: bool = False

    def __post_init__(self) -> None:
        self.sandbox = Sandbox(self.root)
        self.work_dir = self.root / "project"
        self.env = self.sandbox.environment(self.spec_dir)
        # Every process of the rehearsal gets this: no credential of the user's, the sandbox's Pulumi home.
        self.process_env = self.sandbox.process_environment(self.spec_dir, os.environ)
        self.store = Store(self.sandbox.emulator_state)
        self.secret_values: dict[str, str] = {}
        self.notes: list[str] = []
        self.keys_seen: set[str] = set()
        self.seeded: list[dict[str, Any]] = []  # the seed file's pre-existing resources
        self.existing_before: dict[str, str] = {}
        self.plaintext = 0
        self.built: dict[str, int] = {}  # what up created in the emulated Azure, by Pulumi type
        self.copy_notes: list[str] = []  # what the project's copy left out (links out of it)
        self.host: subprocess.Popen[bytes] | None = None  # the program host of the operation running now
        self.run_cli = self.cli  # the CLI the operations run: the sandbox's, with the language host beside it
        self.through_host = False  # the program runs as `pulumi up` runs it (else as an inline program)
        self.change: dict[str, Any] | None = None  # the change step's report (`--change`)
        self.rotated = False  # the rotate step ran (the keys' version moved on)

    # ---------------------------------------------------------------------------- set up

    def prepare(self) -> None:
        stack_file = self.project_dir / f"Pulumi.{self.stack}.yaml"
        if not (self.project_dir / "Pulumi.yaml").is_file():
            raise RehearsalError(f"{self.project_dir} has no Pulumi.yaml: pass --project-dir with the project")
        if not stack_file.is_file():
            raise RehearsalError(f"{stack_file} does not exist: pass --stack with a stack of this project")
        if self.change_stack is not None and not (self.project_dir / f"Pulumi.{self.change_stack}.yaml").is_file():
            raise RehearsalError(
                f"{self.project_dir / f'Pulumi.{self.change_stack}.yaml'} does not exist: pass --change with a stack "
                "of this project"
            )
        if self.work_dir.exists():  # never replaced: nothing of the user's is deleted
            raise RehearsalError(f"{self.work_dir} exists already; a rehearsal copies the project into a new folder")
        try:
            copied = copy_project(self.project_dir, self.work_dir)
        except ProjectCopyError as refused:
            raise RehearsalError(str(refused)) from None
        self.copy_notes = copied.notes
        try:
            document = read_yaml_file(stack_file).document
        except ConfigFileError as error:
            raise RehearsalError(str(error).replace("\n", " ")) from None
        scratch = scratch_config(document)
        self.document, self.secret_values = scratch.document, scratch.secret_values
        self.notes = [*self.copy_notes, *scratch.notes]
        self._write_stack_file(self.document)
        state = default_state(self.clock_scale)
        if self.seed_file is not None:
            seed = load_seed(self.seed_file)
            apply_seed(state, seed)
            self.seeded = list(seed.get("resources") or [])
        self.existing_before = _existing(state)
        self.store.create(state)
        self._use_language_host()
        install_stand_ins(self.sandbox, self.run_cli.path, self.process_env)

    def _use_language_host(self) -> None:
        """Run the program as `pulumi up` does: the CLI and its language hosts beside it in the sandbox (the
        Python one also boots a component package's plugin), a Python project's virtualenv built by that host's
        own `pip install`. Without a Python host, or for a Python project that names no virtualenv (its program
        would need one's packages on the machine's own Python), the program runs as an Automation API inline
        program, with a note. A YAML project needs the YAML host: it has no inline mode."""
        if self.inline:
            return
        hosts = {
            runtime: Path(real) if (real := self.cli.language_host(runtime)) else configured
            for runtime, configured in (("python", self.python_host), ("yaml", self.yaml_host))
        }
        found = {runtime: host for runtime, host in hosts.items() if host is not None}
        runtime = runtime_name(self.work_dir)
        if runtime == "yaml":
            if "yaml" not in found:
                raise RehearsalError(
                    "a YAML project needs the YAML language host: set VNET2VNET_YAML_HOST (`make yaml-host` prints it)"
                )
            self.run_cli, self.through_host = sandbox_cli(self.root / "bin", self.cli, found), True
            return
        virtualenv = runtime_options(self.work_dir).get("virtualenv")
        if "python" not in found:
            self.notes.append(
                "no Python language host (set VNET2VNET_PYTHON_HOST, as `make rehearse` does): the program ran "
                "inline through the Automation API, not as `pulumi up` runs it"
            )
            return
        if not isinstance(virtualenv, str) or not (self.work_dir / "requirements.txt").is_file():
            self.notes.append(
                "the project names no `virtualenv` in Pulumi.yaml (or has no requirements.txt): its program ran "
                "inline through the Automation API, not through the language host"
            )
            return
        self.run_cli = sandbox_cli(self.root / "bin", self.cli, found)
        try:
            venv = program_venv(self.work_dir / "requirements.txt", self.run_cli, self.process_env, self.venv_cache)
            link_venv(self.work_dir, virtualenv, venv)
        except PythonHostError as failed:
            raise RehearsalError(str(failed)) from None
        self.through_host = True

    def _write_stack_file(self, document: Mapping[str, Any]) -> None:
        """Write the scratch stack file, keeping the salt the throwaway stack's passphrase provider wrote."""
        path = self.work_dir / f"Pulumi.{self.stack}.yaml"
        current = read_yaml_file(path).document if path.is_file() else {}
        salt = {"encryptionsalt": current["encryptionsalt"]} if "encryptionsalt" in current else {}
        path.write_text(yaml.safe_dump({**salt, **dict(document)}, sort_keys=False))

    # ---------------------------------------------------------------------------- one operation

    def _interrupted(self, presses: int) -> None:
        if presses == 1:
            in_flight = [str(op["log"]["type"]) for op in self.store.read().get("inflight", {}).values()]
            self.say(f"rehearse {self.stack}: {waiting_line(in_flight)}")

    def operation(self, name: str, phase: str, **extra: Any) -> dict[str, Any]:
        with self.store.locked() as state:
            state["phase"] = phase
        request = {
            "work_dir": str(self.work_dir),
            "stack": self.stack,
            "operation": name,
            "env": self.env,
            "cli_root": self.run_cli.root,
            "through_host": self.through_host,
            "result_file": str(self.root / f"{phase}.result.json"),
            "config": {
                path: {"value": value, "secret": True, "path": True} for path, value in self.secret_values.items()
            },
            **extra,
        }
        request_file = self.root / f"{phase}.request.json"
        # It holds the test secrets: readable by this user only, and deleted right after the operation.
        descriptor = os.open(request_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(json.dumps(request))
        log = self.root / f"{phase}.log"
        with open(log, "w") as stream:
            # A session of its own: a Ctrl-C reaches only this process, which passes it to the operation's
            # process group (its program host and CLI) once per press (vnet2vnet.interrupts).
            host = self.host = subprocess.Popen(
                [sys.executable, str(PROGRAM_HOST), str(request_file)],
                stdout=stream,
                stderr=subprocess.STDOUT,
                env=self.process_env,
                start_new_session=True,
            )
            try:
                presses = wait_passing_interrupts(host, self._interrupted)
            finally:
                request_file.unlink(missing_ok=True)  # it holds the test secrets
        if presses:
            raise CommandInterruptedError(presses)
        result_file = Path(request["result_file"])
        result: dict[str, Any] = json.loads(result_file.read_text()) if result_file.is_file() else {}
        result_file.unlink(missing_ok=True)
        result["log"] = str(log)
        return result

    def step(
        self, name: str, operation: str, check: Callable[[dict[str, Any]], list[str]], **extra: Any
    ) -> dict[str, Any]:
        started = time.monotonic()
        self.say(f"rehearse {self.stack}: {name} ...")
        result = self.operation(operation, name, **extra)
        seconds = round(time.monotonic() - started, 1)
        errors = azure_errors(result.get("diagnostics") or [])
        if "error" in result:
            # What Azure refused, one line each; without an Azure error (a program error), the CLI's own end.
            problems = [f"{name} failed: {_short(e['resource'])}: {e['code']}: {e['message']}" for e in errors] or [
                f"{name} failed: {_tail(result['error'])}"
            ]
        else:
            problems = check(result)
        problems += _existing_changes(self.existing_before, _existing(self.store.read()))
        if "error" not in result and result.get("outcome") not in (None, "succeeded"):
            problems.append(f"{name} ended {result.get('outcome')}")
        self._collect_keys()
        self.plaintext = max(self.plaintext, self._plaintext_in_state())
        # A failed operation has no summary: what the engine reported doing before it failed stands in for it.
        changes = change_counts(result.get("changes") or result.get("seen_summary") or result.get("seen_changes") or {})
        self.steps.append(StepResult(name, changes, seconds, problems, result["log"], errors))
        shown = ", ".join(f"{kind} {count}" for kind, count in changes.items() if count) or "no changes"
        self.say(f"rehearse {self.stack}: {name}: {shown} in {seconds}s" + ("" if not problems else " FAILED"))
        for problem in problems:
            self.say(f"  - {problem}")
        return result

    def evidence_step(self, deployment: Mapping[str, Any]) -> None:
        """`verify --evidence` on the stack just built: the real Azure SDK client over HTTPS against the emulated
        Azure (its ARM endpoint, polls included), with a fixed test token, never a credential from the user's
        environment. Each check must pass unless a fault of the seed file says it cannot (`FAULTED_CHECKS`)."""
        from vnet2vnet.cli import stack_config_findings
        from vnet2vnet.emulator.arm_http import ArmServer
        from vnet2vnet.operations import Operator

        started = time.monotonic()
        self.say(f"rehearse {self.stack}: evidence ...")
        state = self.settled_links()
        directory = self.root / "evidence"
        problems: list[str] = []
        checks: list[dict[str, str]] = []
        _, network, _ = stack_config_findings(self.work_dir, self.stack, self.seeded)
        if network is None:
            problems.append("evidence: the stack config has findings: nothing to check against")
        else:
            out = io.StringIO()
            with ArmServer(self.store) as server:
                reads = emulated_reads(server)
                operator = Operator(self.work_dir, self.stack, out=out, env=self.env, cli=self.run_cli)
                interval = EVIDENCE_INTERVAL_EMULATED_SECONDS * self.clock_scale
                # The state up left: no CLI runs here (a CLI started in this process would see its environment).
                operator.evidence(directory, interval, network, azure=reads, deployment=deployment)
            report = directory / "evidence.json"
            if not report.is_file():
                problems.append(f"evidence: no report was written: {_tail(out.getvalue())}")
            else:
                document = json.loads(report.read_text())
                checks = [
                    {"link": c["link"], "check": k["check"], "result": k["result"], "detail": k["detail"]}
                    for c in document["connections"]
                    for k in c["checks"]
                ]
                problems += evidence_problems(state, document)
        seconds = round(time.monotonic() - started, 1)
        self.steps.append(StepResult("evidence", change_counts({}), seconds, problems, str(directory), [], checks))
        passed = sum(check["result"] == "pass" for check in checks)
        self.say(
            f"rehearse {self.stack}: evidence: {passed}/{len(checks)} checks pass in {seconds}s"
            + ("" if not problems else " FAILED")
        )
        for problem in problems:
            self.say(f"  - {problem}")

    def settled_links(self, within_minutes: float = 15) -> dict[str, Any]:
        """The emulated Azure once no link is still Connecting (they come up a few minutes after their last write,
        on the emulated clock), or after `within_minutes` emulated minutes."""
        deadline = time.monotonic() + within_minutes * 60 * self.clock_scale
        while True:
            state = self.store.read()
            statuses = {azure.connection_status(state, r) for r in azure.of_type(state, azure.CONNECTION)}
            if "Connecting" not in statuses or time.monotonic() > deadline:
                return state
            time.sleep(min(0.25, 10 * self.clock_scale))

    def _collect_keys(self) -> None:
        state = self.store.read()
        for record in azure.of_type(state, azure.CONNECTION):
            key = record["inputs"].get("sharedKey")
            if isinstance(key, str) and key:
                self.keys_seen.add(key)

    def _secret_values(self) -> list[str]:
        """Every key the connections were given and every test secret the stack was given: what must never be in
        the state in plaintext."""
        return sorted({*self.keys_seen, *self.secret_values.values()})

    def _plaintext_in_state(self) -> int:
        """Occurrences of any key or test secret in the backend's files: the stack's state, its backups and
        its history checkpoints."""
        values = self._secret_values()
        files = (path for path in self.sandbox.backend.rglob("*") if path.is_file())
        return sum(plaintext_hits(path.read_text(errors="replace"), values) for path in files)

    # ---------------------------------------------------------------------------- the lifecycle

    def run(self) -> dict[str, Any]:
        self.prepare()
        for note in self.notes:
            self.say(f"rehearse {self.stack}: note: {note}")

        def no_changes(result: dict[str, Any]) -> list[str]:
            changes = change_counts(result.get("changes"))
            moved = {kind: count for kind, count in changes.items() if kind != "same" and count}
            return [f"expected no changes, the engine reported {moved}"] if moved else []

        def conflicts_in(phase: str) -> list[str]:
            found = [c for c in self.store.read()["conflicts"] if c.get("phase") == phase]
            return [f"{len(found)} write(s) refused with 409 AnotherOperationInProgress"] if found else []

        up = self.step("up", "up", lambda result: conflicts_in("up"))
        # What up built in the emulated clouds, by type: their records, not the engine's summary.
        self.built = dict(sorted(Counter(type_token for type_token, _ in built_records(self.store.read())).items()))
        if up.get("error"):
            return self.report()
        if self.change_only:
            self.change_step(up.get("deployment") or {}, conflicts_in)
            return self.report()
        if self.ours:
            self.evidence_step(up.get("deployment") or {})
        else:
            self.notes.append("not a vnet2vnet project: no evidence step (it checks vnet2vnet's links)")
        self.step("preview", "preview", no_changes)
        self.step("refresh", "refresh", lambda result: [])
        self.step("preview_after_refresh", "preview", no_changes)
        before = self.store.read()
        rotated, self.secret_values = rotated_config(self.document, self.secret_values)
        self._write_stack_file(rotated)
        deployment_before = up.get("deployment") or {}
        keys_before = {r["inputs"].get("sharedKey") for r in azure.of_type(before, azure.CONNECTION)}

        def rotation(result: dict[str, Any]) -> list[str]:
            problems = rotation_problems(deployment_before, result.get("deployment") or {}, result.get("changes") or {})
            state = self.settled_links()
            records = list(azure.of_type(state, azure.CONNECTION))
            if any(r["inputs"].get("sharedKey") in keys_before for r in records):
                problems.append("a connection still has the old key after the rotation")
            not_connected = [r["name"] for r in records if azure.connection_status(state, r) != "Connected"]
            if not_connected:
                problems.append(f"not Connected after the rotation: {', '.join(sorted(not_connected))}")
            return problems + conflicts_in("rotate")

        if self.ours:
            latest = self.step("rotate", "up", rotation).get("deployment") or up.get("deployment") or {}
            self.rotated = True
        else:
            latest = up.get("deployment") or {}
            self.notes.append("not a vnet2vnet project: no key rotation step (it rotates vnet2vnet's own keys)")
        if self.change_stack is not None:
            latest = self.change_step(latest, conflicts_in).get("deployment") or latest
        if any(resource.get("protect") for resource in latest.get("resources") or []):
            self.operation("unprotect", "unprotect")
            self.notes.append("protected resources were unprotected in the throwaway stack before destroy")

        def emptied(result: dict[str, Any]) -> list[str]:
            left = [record_id for _, record_id in built_records(self.store.read())]
            return (
                [f"{len(left)} resource(s) left in the emulator: {', '.join(sorted(left)[:5])}"] if left else []
            ) + (conflicts_in("destroy"))

        self.step("destroy", "destroy", emptied)
        return self.report()

    def change_step(self, deployment: Mapping[str, Any], conflicts_in: Callable[[str], list[str]]) -> dict[str, Any]:
        """Apply stack T's config (`change_stack`) to this deployed stack: the disruption forecast of `plan
        --against` on its state, then `up`; compare what the forecast promised with the engine's steps, URN by URN.
        The test secrets the two stacks share keep their values (a change of config, not of secrets)."""
        assert self.change_stack is not None
        target = self.change_stack
        try:
            document = read_yaml_file(self.project_dir / f"Pulumi.{target}.yaml").document
        except ConfigFileError as error:
            raise RehearsalError(str(error).replace("\n", " ")) from None
        scratch = scratch_config(document)
        self.secret_values = {
            path: self.secret_values.get(path, value) for path, value in scratch.secret_values.items()
        }
        self.document = scratch.document
        if self.rotated and not any(path.endswith(":sharedKey") for path in self.secret_values):
            # The stack's generated keys were rotated once already: T's version moves on by as much, or every change
            # would also turn the keys back.
            self.document = rotated_config(self.document, {})[0]
        self._write_stack_file(self.document)
        self.operation("select", "change-config")  # the secrets into the stack file, as `pulumi config set` does
        predicted, refused_by = self._forecast(deployment)
        engine: dict[str, str] = {}
        report: dict[str, Any] = {"stack": target}

        def judged(result: dict[str, Any]) -> list[str]:
            engine.update(result.get("steps") or {})
            mismatches = forecast_mismatches(predicted, engine, _urns(deployment)) if refused_by is None else []
            report["mismatches"] = mismatches
            return [
                f"forecast {m['forecast']}, engine {m['engine']}: {_short(m['urn'])}" for m in mismatches
            ] + conflicts_in(CHANGE_STEP)

        if refused_by == "vnet2vnet":
            # Stopped by our own findings (the config check, or a change one update cannot apply), as `plan
            # --against` stops it: nothing is sent.
            self.steps.append(StepResult(CHANGE_STEP, change_counts({}), 0.0, []))
            self.change = {**report, "mismatches": [], "forecast_matches": True, "up_ok": False,
                           "refused_by": "vnet2vnet", "ok": True}  # fmt: skip
            return {"deployment": deployment}
        result = self.step(CHANGE_STEP, "up", judged)
        if "error" in result:
            engine.update(result.get("steps") or {})
            report["mismatches"] = []
            refused_by = refused_by or ("azure" if azure_errors(result.get("diagnostics") or []) else None)
            if refused_by is None and "invalid stack configuration" in str(result["error"]):
                refused_by = "vnet2vnet"
        up_ok = "error" not in result
        # Refused by our own finding is a correct answer; refused by Azure, or a failure of neither, is not.
        ok = not report["mismatches"] and (up_ok or refused_by == "vnet2vnet")
        if not up_ok and refused_by == "vnet2vnet":
            self.steps[-1].problems.clear()  # stopped by our findings before Azure: the step did its job
        self.change = {
            **report,
            "forecast_matches": not report["mismatches"],
            "up_ok": up_ok,
            "refused_by": None if up_ok else refused_by,
            "ok": ok,
        }
        if not ok and not self.steps[-1].problems:
            self.steps[-1].problems.append(f"the change to {target} was refused by {refused_by or 'the engine'}")
        return result

    def _forecast(self, deployment: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
        """`plan --against` of the new config on the deployed state: URN -> replace, update or delete; or, when our
        validation refuses the config, nothing and `vnet2vnet`."""
        from vnet2vnet.cli import stack_config_findings
        from vnet2vnet.disruption import forecast, one_update_problems
        from vnet2vnet.engine import run_stack

        _, _, findings = stack_config_findings(self.work_dir, self.stack, self.seeded)
        if any(finding.severity == "error" for finding in findings):
            return {}, "vnet2vnet"
        plan = run_stack(self.work_dir, self.stack, seeded=self.seeded)
        disruptions = forecast(plan, {"deployment": deployment})
        problems = one_update_problems(plan, disruptions)
        for problem in problems:
            self.say(f"rehearse {self.stack}: {CHANGE_STEP}: plan --against: {problem.message}; fix: {problem.fix}")
        return {d.resource: d.change for d in disruptions}, "vnet2vnet" if problems else None

    def planned_critical_path(self) -> float:
        if not self.ours:
            raise RehearsalError("not a vnet2vnet project: vnet2vnet plans no critical path for it")
        from vnet2vnet.engine import run_stack
        from vnet2vnet.report import plan_schedule

        return float(plan_schedule(run_stack(self.work_dir, self.stack, seeded=self.seeded)).critical_path_minutes)

    def expected_steps(self) -> tuple[str, ...]:
        if self.change_only:
            return ("up", CHANGE_STEP)
        names = STEP_NAMES if self.ours else tuple(name for name in STEP_NAMES if name not in OUR_STEPS)
        if self.change_stack is not None:
            names = (*names[:-1], CHANGE_STEP, names[-1])
        return names

    def report(self) -> dict[str, Any]:
        state = self.store.read()
        emulated = makespan(state["operations"], "up")
        try:
            planned = round(self.planned_critical_path(), 2)
        except Exception as error:
            self.notes.append(f"planned critical path unavailable: {error}")
            planned = 0.0
        conflicts = len(state["conflicts"])
        checks_ok = all(step.ok for step in self.steps) and len(self.steps) == len(self.expected_steps())
        searched = len(self._secret_values())
        # A search for no value finds nothing and proves nothing: our stacks always have keys to look for.
        # (After a failed step the state may hold no key yet: that failure is the problem to report.)
        unsearched = self.ours and searched == 0 and checks_ok
        if searched == 0 and not self.ours:
            self.notes.append("the project has no keys or secrets: the state was not searched for any")
        return {
            "stack": self.stack,
            "cli_version": _cli_version(self.cli.path, self.process_env),
            # How the CLI ran the program: "language host" (as `pulumi up` does) or "inline" (see the notes).
            "program_run": "language host" if self.through_host else "inline",
            "clock_scale": self.clock_scale,
            "steps": [
                {"name": s.name, "changes": s.changes, "seconds": s.seconds, "errors": s.errors}
                | ({"checks": s.checks} if s.checks is not None else {})
                for s in self.steps
            ],
            "conflicts": conflicts,
            "built": self.built,
            "makespan": {
                "emulated_minutes": emulated,
                "planned_critical_path_minutes": planned,
                "ratio": round(emulated / planned, 3) if planned else None,
            },
            "engine_overhead_seconds": round(engine_overhead(state["operations"], "up", self.clock_scale), 3),
            "state_plaintext_secrets": self.plaintext,
            "state_secret_values_searched": searched,
            "problems": [p for s in self.steps for p in s.problems]
            + (["no key or test secret was found to search the state for"] if unsearched else []),
            "notes": self.notes,
            "ok": checks_ok and conflicts == 0 and self.plaintext == 0 and not unsearched,
        } | ({"change": self.change} if self.change_stack is not None else {})


def _urns(deployment: Mapping[str, Any]) -> list[str]:
    return [str(resource.get("urn")) for resource in deployment.get("resources") or []]


def built_records(state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(type, ID) of everything a deployment built in the emulated Azure and Pulumi Cloud (not what was seeded)."""
    azure_built = [(r["type"], r["id"]) for r in state["resources"].values() if not r.get("seeded")]
    cloud = state.get("pulumiCloud") or {}
    settings = [(PULUMISERVICE_SETTINGS, stack) for stack in cloud.get("settings") or {}]
    schedules = [(s["type"], schedule_id) for schedule_id, s in (cloud.get("schedules") or {}).items()]
    return azure_built + settings + schedules


def _existing(state: Mapping[str, Any]) -> dict[str, str]:
    """The seeded (pre-existing) resources as Azure holds them: ID -> their properties, comparable."""
    return {
        str(record["id"]): json.dumps(record["inputs"], sort_keys=True)
        for record in state["resources"].values()
        if record.get("seeded")
    }


def _existing_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What a step did to resources that existed before the stack: it must leave them exactly as they were."""
    gone = [rid for rid in before if rid not in after]
    changed = [rid for rid in before if rid in after and after[rid] != before[rid]]
    return [f"an existing resource was deleted or taken over: {rid}" for rid in gone] + [
        f"an existing resource was changed: {rid}" for rid in changed
    ]


def _tail(text: str, lines: int = 25) -> str:
    """The end of a CLI error: where the engine says what failed."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _cli_version(path: str, env: Mapping[str, str]) -> str:
    completed = subprocess.run([path, "version"], capture_output=True, text=True, env=dict(env), check=False)
    return completed.stdout.strip()


def keep_problem(keep: Path, project_dir: Path) -> str | None:
    """Why `--keep DIR` cannot hold a rehearsal, or None. A kept folder is for inspection only: it must be new or
    empty (nothing in it is ever deleted or overwritten, and a failed rehearsal's folder is not reused), must not be
    reached through a symbolic link, and must be neither the project, inside it, nor around it (the copy of the
    project would copy itself, or land among the user's files). Nothing is created or written here."""
    if keep.is_symlink():
        return f"--keep {keep}: is a symbolic link; name a new folder (a kept rehearsal is for inspection only)"
    target, project = keep.resolve(), project_dir.resolve()
    if target == project or target.is_relative_to(project) or project.is_relative_to(target):
        return f"--keep {keep}: is, contains or lies inside the project {project}; name a new folder outside it"
    if target.exists():
        if not target.is_dir():
            return f"--keep {keep}: not a directory; name a new folder to keep the rehearsal in"
        if any(target.iterdir()):
            return (
                f"--keep {keep}: exists and is not empty; name a new folder (a kept rehearsal is for inspection "
                "only: nothing in it is deleted, and a failed rehearsal's folder is not reused)"
            )
        if not os.access(target, os.W_OK):
            return f"--keep {keep}: cannot be written; name a folder you can write"
        return None
    parent = next((p for p in target.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"--keep {keep}: cannot be created (no writable folder above it); name a folder you can write"
    return None


def rehearse(
    project_dir: Path,
    stack: str,
    cli: PulumiCli,
    *,
    keep: Path | None = None,
    seed: Path | None = None,
    clock_scale: float = DEFAULT_CLOCK_SCALE,
    say: Callable[[str], None] | None = None,
    ours: bool = True,
    change: str | None = None,
) -> dict[str, Any]:
    from vnet2vnet.spec_check import find_spec_dir

    try:  # before anything is created: a project too large to copy is refused as it is
        project_files(project_dir)
    except ProjectCopyError as refused:
        raise RehearsalError(str(refused)) from None
    if keep is not None:
        problem = keep_problem(keep, project_dir)
        if problem is not None:
            raise RehearsalError(problem)
        keep.mkdir(parents=True, exist_ok=True)
    root = keep.resolve() if keep else Path(tempfile.mkdtemp(prefix=f"vnet2vnet-rehearse-{stack}-"))
    options: dict[str, Any] = {"say": say} if say else {}
    rehearsal = Rehearsal(
        project_dir, stack, cli, root, clock_scale, seed, find_spec_dir(project_dir), **options, ours=ours,
        change_stack=change,
    )  # fmt: skip
    try:
        document = rehearsal.run()
        if rehearsal.spec_dir is None:
            document["notes"].append("Azure REST spec files not found: request bodies were not checked against them")
        return document
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def evidence_problems(state: dict[str, Any], document: Mapping[str, Any]) -> list[str]:
    """Where `verify --evidence` disagrees with the emulated Azure: a check of a connection without a fault that
    does not pass, or a faulted connection whose faulted check passes (FAULTED_CHECKS)."""
    problems = []
    records = {azure.key(r["id"]): r for r in azure.of_type(state, azure.CONNECTION)}
    for connection in document.get("connections") or []:
        record = records.get(azure.key(str(connection.get("resource_id"))))
        results = {str(c["check"]): str(c["result"]) for c in connection.get("checks") or []}
        if record is None:
            problems.append(f"evidence: {connection.get('link')}: not a connection of the emulated Azure")
            continue
        faulted = {check for kind, check in FAULTED_CHECKS.items() if azure.fault_for(state, record, kind)}
        for check, result in sorted(results.items()):
            if check in faulted and result == "pass":
                problems.append(f"evidence: {connection['link']}: {check} passes, but the seed file makes it fail")
            elif not faulted and result != "pass":
                detail = next((c["detail"] for c in connection["checks"] if c["check"] == check), "")
                problems.append(f"evidence: {connection['link']}: {check} is {result}: {detail}")
    return problems


def emulated_reads(server: ArmServer) -> SdkReads:
    """The Azure SDK reads of `verify --evidence`, pointed at the emulated Azure's HTTPS endpoint with a fixed test
    token (never a credential from the user's environment) and no proxy from it."""
    from vnet2vnet.azure_reads import FixedToken, SdkReads

    return SdkReads(
        lambda _subscription: FixedToken(),
        server.base_url,
        "https://management.azure.com/.default",
        polling_interval=0,
        connection_verify=server.ca_bundle,
        use_env_settings=False,
    )
