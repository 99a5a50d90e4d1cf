"""Never lose a file, never show a key (issue 23): every path the tools write and every file they read, tried as a
careless or hostile user would. Each refusal is one line naming the path (and the key), exit 2, and nothing is
written or deleted."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import plan_stack
from tests.test_adopt import DEV_IDS
from tests.test_cli import CliResult, dev_config, project_copy, run_cli, write_stack
from tests.test_disruption import exported
from vnet2vnet import project_copy as copying
from vnet2vnet.documents import ID_MAP, SEED_FILE, STATE_EXPORT, read_document
from vnet2vnet.emulator.azure import names_resource
from vnet2vnet.emulator.plugins import Sandbox
from vnet2vnet.emulator.seed import SeedError, load_seed
from vnet2vnet.project_copy import ProjectCopyError, copy_project, project_files
from vnet2vnet.rehearse import azure_errors, keep_problem
from vnet2vnet.stack_files import ConfigFileError, FileKind
from vnet2vnet.state_export import read_state_export


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A vnet2vnet project of its own (the dev stack), outside this repository."""
    (tmp_path / "project").mkdir()
    directory = project_copy(tmp_path / "project")
    write_stack(directory, "dev", dev_config())
    return directory


def refused_in_one_line(result: CliResult, *names: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, f"exit 2, not {result.returncode}: {result.stderr}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"one line: {result.stderr}"
    assert all(name in lines[0] for name in names), f"the line names {names}: {lines[0]}"
    assert "Traceback" not in result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------------ rehearse --keep


class TestKeepFolder:
    def test_an_existing_folder_with_files_is_refused_and_kept_as_it_is(self, project: Path, tmp_path: Path) -> None:
        kept = tmp_path / "kept"
        (kept / "project").mkdir(parents=True)
        (kept / "project" / "precious.txt").write_text("mine")
        result = run_cli("rehearse", "--stack", "dev", "--keep", str(kept), "--project-dir", str(project))
        refused_in_one_line(result, f"--keep {kept}", "not empty", "new folder")
        assert snapshot(kept) == {"project/precious.txt": b"mine"}, "nothing in it is deleted or written"

    @pytest.mark.parametrize("where", ["the project", "inside it", "around it"])
    def test_the_project_or_a_folder_in_or_around_it_is_refused(self, project: Path, where: str) -> None:
        keep = {"the project": project, "inside it": project / "kept", "around it": project.parent}[where]
        before = snapshot(project.parent)
        result = run_cli("rehearse", "--stack", "dev", "--keep", str(keep), "--project-dir", str(project))
        refused_in_one_line(result, "--keep", "project")
        assert snapshot(project.parent) == before, "nothing deleted or written"
        assert not (project / "kept").exists()

    def test_a_link_and_a_path_that_cannot_be_made_are_refused(self, project: Path, tmp_path: Path) -> None:
        (tmp_path / "empty").mkdir()
        (tmp_path / "link").symlink_to(tmp_path / "empty")
        result = run_cli("rehearse", "--stack", "dev", "--keep", str(tmp_path / "link"), "--project-dir", str(project))
        refused_in_one_line(result, "symbolic link")
        (tmp_path / "a-file").write_text("")
        under_a_file = tmp_path / "a-file" / "kept"
        result = run_cli("rehearse", "--stack", "dev", "--keep", str(under_a_file), "--project-dir", str(project))
        refused_in_one_line(result, f"--keep {under_a_file}", "cannot be created")

    def test_a_new_or_empty_folder_is_accepted(self, project: Path, tmp_path: Path) -> None:
        (tmp_path / "empty").mkdir()
        assert keep_problem(tmp_path / "empty", project) is None, "an empty folder holds a rehearsal"
        assert keep_problem(tmp_path / "new" / "deeper", project) is None, "a new one is created"


# ------------------------------------------------------------------------------------------ the project's copy


def git(directory: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(directory), *args], check=True, capture_output=True)


class TestProjectCopy:
    def test_in_git_the_listed_files_are_copied_an_ignored_one_is_not(self, project: Path) -> None:
        git(project, "init", "-q")
        (project / ".gitignore").write_text(".env\n")
        (project / ".env").write_text("ARM_CLIENT_SECRET=do-not-copy")
        git(project, "add", "Pulumi.yaml", "__main__.py", ".gitignore")
        found = project_files(project)
        assert "Pulumi.dev.yaml" in found.files, "a stack file not yet committed is copied"
        assert ".env" not in found.files and ".git/config" not in found.files, sorted(found.files)

    @pytest.mark.parametrize("in_git", [False, True], ids=["plain folder", "git work tree"])
    def test_links_out_of_the_project_are_never_followed(self, project: Path, tmp_path: Path, in_git: bool) -> None:
        if in_git:
            git(project, "init", "-q")
        (tmp_path / "outside.txt").write_text("not the project's")
        (project / "loop").symlink_to(project.parent, target_is_directory=True)  # filled 48 GB in two minutes
        (project / "secret.txt").symlink_to(tmp_path / "outside.txt")
        (project / "alias.py").symlink_to(project / "__main__.py")
        found = project_files(project)
        assert not any(name.startswith(("loop", "secret")) for name in found.files), sorted(found.files)
        assert found.files.get("alias.py") == (project / "__main__.py").resolve(), "a link inside stays a file"
        assert any("loop" in note for note in found.notes) and any("secret.txt" in note for note in found.notes)
        copied = copy_project(project, tmp_path / "copy")
        assert (tmp_path / "copy" / "alias.py").read_text() == (project / "__main__.py").read_text()
        assert not (tmp_path / "copy" / "loop").exists() and not (tmp_path / "copy" / "secret.txt").exists()
        assert copied.total_bytes < 1024 * 1024

    def test_virtualenvs_and_caches_stay_out_of_a_plain_folder(self, project: Path) -> None:
        for folder in ("venv", ".venv", "node_modules", "__pycache__", ".git"):
            (project / folder).mkdir()
            (project / folder / "x.py").write_text("")
        assert not any(
            "/" in name and name.split("/")[0] in copying.SKIPPED_FOLDERS for name in project_files(project).files
        )

    def test_a_copy_over_the_limits_is_refused_before_anything_is_copied(
        self, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(copying, "MAX_COPY_FILES", 3)
        with pytest.raises(ProjectCopyError, match="more than 3 files"):
            copy_project(project, tmp_path / "copy")
        assert not (tmp_path / "copy").exists(), "nothing copied"

    def test_a_rehearsal_of_a_project_over_100_mib_exits_2(self, project: Path) -> None:
        with open(project / "data.bin", "wb") as big:
            big.truncate(copying.MAX_COPY_BYTES + 1)  # sparse: instant, but 100 MiB to copy
        result = run_cli("rehearse", "--stack", "dev", "--project-dir", str(project))
        refused_in_one_line(result, str(project), "100 MiB")

    def test_help_states_both_limits(self) -> None:
        result = run_cli("rehearse", "--help")
        text = " ".join(result.stdout.split())
        assert "20,000 files" in text and "100 MiB" in text, text


# ------------------------------------------------------------------------------------------ outputs


class TestOutputs:
    def ids(self, tmp_path: Path) -> Path:
        path = tmp_path / "ids.json"
        path.write_text(json.dumps(DEV_IDS))
        return path

    @pytest.mark.parametrize("target", ["Pulumi.dev.yaml", "Pulumi.yaml", "the ids file"])
    def test_adopt_never_writes_onto_a_stack_file_the_project_file_or_its_input(
        self, project: Path, tmp_path: Path, target: str
    ) -> None:
        ids = self.ids(tmp_path)
        out = ids if target == "the ids file" else project / target
        before = out.read_bytes()
        result = run_cli("adopt", "--stack", "dev", "--ids", str(ids), "--out", str(out), "--project-dir", str(project))
        refused_in_one_line(result, f"--out {out}")
        assert out.read_bytes() == before, "its salt and encrypted secrets stay"

    def test_a_pipe_or_device_is_never_replaced_by_the_output(self, project: Path, tmp_path: Path) -> None:
        """`--out /dev/null` as root would otherwise rename a file over the device: refused like a link."""
        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)
        result = run_cli(
            "adopt", "--stack", "dev", "--ids", str(self.ids(tmp_path)), "--out", str(pipe), "--project-dir", str(project)
        )  # fmt: skip
        refused_in_one_line(result, f"--out {pipe}", "not a regular file")
        assert stat.S_ISFIFO(pipe.lstat().st_mode), "the pipe is still a pipe"

    def test_a_planted_link_named_like_the_default_output_is_refused(self, project: Path, tmp_path: Path) -> None:
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me")
        (project / "adopt-dev.json").symlink_to(victim)
        result = run_cli("adopt", "--stack", "dev", "--ids", str(self.ids(tmp_path)), "--project-dir", str(project))
        refused_in_one_line(result, "adopt-dev.json", "symbolic link")
        assert victim.read_text() == "keep me"

    def test_evidence_never_writes_through_a_link(
        self, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("VNET2VNET_PULUMI", str(tmp_path / "no-cli"))  # stop right after the checks
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me")
        report = tmp_path / "report"
        report.mkdir()
        (report / ".vnet2vnet-write-test").symlink_to(victim)  # the old probe file's name
        result = run_cli("verify", "--stack", "dev", "--evidence", str(report), "--project-dir", str(project))
        assert result.returncode == 3 and victim.read_text() == "keep me", f"the probe follows no link: {result.stderr}"
        (report / "evidence.json").symlink_to(victim)
        result = run_cli("verify", "--stack", "dev", "--evidence", str(report), "--project-dir", str(project))
        refused_in_one_line(result, f"--evidence {report}", "symbolic link")
        assert victim.read_text() == "keep me"


# ------------------------------------------------------------------------------------------ files read


def write_json(tmp_path: Path, document: Any, name: str = "file.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def dev_export() -> dict[str, Any]:
    return exported(plan_stack("dev"))


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def against_cases() -> Iterator[Any]:
    good = dev_export()
    resources = good["deployment"]["resources"]
    yield pytest.param({"version": 3, "deployment": {"resources": {"a": 1}}}, "resources", id="resources not a list")
    yield pytest.param({"version": 3, "deployment": {"resources": [{"type": "x"}]}}, "resources[0].urn", id="no urn")
    bad_inputs = [{**resources[0], "inputs": [1]}]
    yield pytest.param({"version": 3, "deployment": {"resources": bad_inputs}}, "inputs", id="inputs not a mapping")
    bad_date = [{**resources[0], "created": "yesterday"}]
    yield pytest.param({"version": 3, "deployment": {"resources": bad_date}}, "created", id="created not a date")
    other_stack = [{**r, "urn": r["urn"].replace("urn:pulumi:dev::", "urn:pulumi:prod::")} for r in resources]
    yield pytest.param({"version": 3, "deployment": {"resources": other_stack}}, "stack 'prod'", id="another stack")
    other_project = [{**r, "urn": r["urn"].replace("::vnet2vnet::", "::billing::", 1)} for r in resources]
    yield pytest.param(
        {"version": 3, "deployment": {"resources": other_project}}, "project 'billing'", id="another project"
    )
    yield pytest.param({}, "not a stack export", id="empty object")
    yield pytest.param({"resources": []}, "manifest", id="no manifest, deployment alone")
    yield pytest.param({"version": 3, "deployment": {}}, "deployment.manifest", id="no manifest")
    yield pytest.param({"version": 3, "deployment": {"resources": [{"urn": deep(100)}]}}, "urn", id="urn not a string")
    yield pytest.param('{"version": 3, "deployment": ' + deep(100) + "}", "levels deep", id="deep nesting")


class TestAgainstFiles:
    @pytest.mark.parametrize(("document", "names"), list(against_cases()))
    def test_a_file_that_is_not_this_stacks_export_is_refused_naming_the_key(
        self, tmp_path: Path, document: Any, names: str
    ) -> None:
        state = write_json(tmp_path, document, "state.json")
        result = run_cli("plan", "--stack", "dev", "--against", str(state))
        refused_in_one_line(result, str(state), names)

    def test_in_json_mode_the_refusal_is_a_finding_naming_the_file(self, tmp_path: Path) -> None:
        state = write_json(tmp_path, {}, "state.json")
        result = run_cli("plan", "--stack", "dev", "--json", "--against", str(state))
        assert result.returncode == 2 and json.loads(result.stdout)["findings"][0]["path"] == str(state), result.stdout

    def test_a_real_export_of_this_stack_with_no_resources_yet_is_valid(self, tmp_path: Path) -> None:
        empty = {"version": 3, "deployment": {"manifest": {"time": "2026-12-06T00:00:00Z", "version": "v3.274.1"}}}
        result = run_cli("plan", "--stack", "dev", "--json", "--against", str(write_json(tmp_path, empty)))
        assert result.returncode == 0, result.stderr
        created = {d["change"] for d in json.loads(result.stdout)["disruptions"]}
        assert created == set(), f"a first up creates everything, which interrupts nothing: {created}"

    def test_nanosecond_timestamps_as_pulumi_writes_them_are_read(self, tmp_path: Path) -> None:
        state = exported(plan_stack("dev"), created="2026-12-06T02:03:23.984758897Z")
        result = run_cli("plan", "--stack", "dev", "--against", str(write_json(tmp_path, state)))
        assert result.returncode == 0, result.stderr


class TestIdMaps:
    @pytest.mark.parametrize(
        ("content", "names"),
        [
            (b'{"vnet2vnet-east-rg": "\xff"}', "not valid UTF-8"),
            (('{"a": ' + deep(100) + "}").encode(), "levels deep"),
            (json.dumps({**DEV_IDS, "vnet2vnet-west-rg": DEV_IDS["vnet2vnet-east-rg"].upper()}).encode(),
             "same Azure resource as 'vnet2vnet-east-rg'"),
            (b'{"vnet2vnet-east-rg": 5}', "vnet2vnet-east-rg"),
            (b"[]", "a JSON object"),
        ],
        ids=["not UTF-8", "deep", "one ID twice", "not a string", "not an object"],
    )  # fmt: skip
    def test_a_bad_ids_file_is_refused_in_one_line(
        self, project: Path, tmp_path: Path, content: bytes, names: str
    ) -> None:
        ids = tmp_path / "ids.json"
        ids.write_bytes(content)
        result = run_cli("adopt", "--stack", "dev", "--ids", str(ids), "--project-dir", str(project))
        refused_in_one_line(result, str(ids), names)
        assert not (project / "adopt-dev.json").exists()


class TestArguments:
    @pytest.mark.parametrize("stack", ["x" * 101, "org/dev", "de v", "dév", ""])
    @pytest.mark.parametrize("command", ["plan", "up", "rehearse", "verify"])
    def test_stack_names_the_cli_refuses_are_usage_errors(self, command: str, stack: str) -> None:
        result = run_cli(command, "--stack", stack)
        assert result.returncode == 2 and "--stack" in result.stderr and "Traceback" not in result.stderr, result

    @pytest.mark.parametrize("value", ["nan", "inf", "-1", "-inf"])
    @pytest.mark.parametrize("option", ["--interval", "--timeout"])
    def test_waits_that_never_end_or_go_back_in_time_are_usage_errors(self, option: str, value: str) -> None:
        result = run_cli("verify", "--stack", "dev", option, value)
        assert result.returncode == 2 and option in result.stderr, result.stderr

    def test_a_stack_name_of_100_characters_is_a_name(self) -> None:
        result = run_cli("plan", "--stack", "x" * 100)
        assert result.returncode == 2 and "Pulumi." + "x" * 100 + ".yaml" in result.stderr, (
            "no such stack file, but a name"
        )


# ------------------------------------------------------------------------------------------ the sandbox


class TestSandboxEnvironment:
    def test_no_credential_reaches_a_rehearsals_processes(self, tmp_path: Path) -> None:
        user = {
            "ARM_CLIENT_SECRET": "s3cret", "ARM_CLIENT_ID": "id", "AZURE_CLIENT_SECRET": "s3cret",
            "azure_tenant_id": "t", "PULUMI_ACCESS_TOKEN": "pul-123", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh",
            "PATH": "/usr/bin", "http_proxy": "http://proxy.example:3128", "HOME": "/home/u",
        }  # fmt: skip
        env = Sandbox(tmp_path).process_environment(None, user)
        leaked = {k for k in env if k.upper().startswith(("ARM_", "AZURE_")) and k != "AZURE_CONFIG_DIR"}
        assert not leaked and "PULUMI_ACCESS_TOKEN" not in env and "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in env, env
        assert "s3cret" not in json.dumps(env), "no value of a credential either"
        assert env["AZURE_CONFIG_DIR"] == str(tmp_path / "azure-config") and not any(
            Path(env["AZURE_CONFIG_DIR"]).iterdir()
        )
        assert env["PULUMI_HOME"].startswith(str(tmp_path)), "every CLI call of a rehearsal has its own home"
        assert env["PATH"] == "/usr/bin" and env["http_proxy"] == user["http_proxy"], "the rest is the user's"

    @pytest.mark.parametrize("present", [None, "corp.example"])
    def test_loopback_is_exempt_from_proxies(self, tmp_path: Path, present: str | None) -> None:
        user = {"https_proxy": "http://proxy.example:3128", **({"NO_PROXY": present} if present else {})}
        env = Sandbox(tmp_path).process_environment(None, user)
        for name in ("NO_PROXY", "no_proxy"):
            entries = env[name].split(",")
            assert {"127.0.0.1", "localhost", "::1"} <= set(entries), env[name]
            assert present is None or present in entries, "what the user exempts stays exempt"


# ------------------------------------------------------------------------------------------ the emulator's faults


@pytest.mark.parametrize(
    ("target", "name", "named"),
    [
        ("vnet2vnet-east-gw", "vnet2vnet-east-gw1a2b3c4d", True),  # auto-named: the logical name and 8 hex
        ("vnet2vnet-east-gw", "vnet2vnet-east-gw", True),  # the whole name
        ("vnet2vnet-east-gw", "vnet2vnet-east-gw-ip1a2b3c4d", False),  # the README's example hit this public IP
        ("vnet2vnet-east-gw", "vnet2vnet-east-gw-ip1", False),
        ("vnet2vnet-east", "vnet2vnet-east-gw1a2b3c4d", False),  # a prefix names nothing
        ("vnet2vnet-east-gw", "vnet2vnet-east-gwXYZXYZXY", False),  # not azure-native's suffix
        ("", "anything", False),
    ],
)
def test_a_fault_names_a_resource_by_its_name_less_the_auto_name_suffix(target: str, name: str, named: bool) -> None:
    assert names_resource(target, name) is named, f"{target!r} names {name!r}: {named}"


def test_azures_refusal_is_read_as_one_line_with_its_code() -> None:
    urn = "urn:pulumi:dev::vnet2vnet::x$azure-native:network:VirtualNetworkGateway::vnet2vnet-east-gw"
    message = (
        "PUT https://management.azure.com/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/x\n"
        "--------------------------------------------------------------------------------\n"
        "RESPONSE 500: 500 Internal Server Error\nERROR CODE: InternalServerError\n"
        "--------------------------------------------------------------------------------\nInjected fault.\n"
    )
    found = azure_errors(
        [{"urn": urn, "message": message}, {"urn": urn, "message": message}, {"urn": urn, "message": "x"}]
    )
    assert found == [{"resource": urn, "code": "InternalServerError", "message": "Injected fault."}], found


# ------------------------------------------------------------------------------------------ any input


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=30,
)
seed_like = st.fixed_dictionaries(
    {},
    optional={"variants": json_values, "resources": json_values, "faults": json_values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(json_values, seed_like))
def test_any_json_seed_is_a_seed_or_one_line_naming_the_file(tmp_path: Path, document: Any) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(document))
    try:
        loaded = load_seed(seed)
    except SeedError as refused:
        assert str(seed) in str(refused) and "\n" not in str(refused), str(refused)
        return
    assert isinstance(loaded, dict), f"a seed is a mapping: {loaded!r}"


export_like = st.fixed_dictionaries(
    {"version": st.sampled_from([3, 2, "3", None]), "deployment": json_values | st.fixed_dictionaries(
        {}, optional={"manifest": json_values, "resources": st.lists(json_values, max_size=3)}
    )}
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.one_of(json_values, export_like))
def test_any_json_against_file_is_read_or_refused_naming_the_file(tmp_path: Path, document: Any) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps(document))
    try:
        read = read_state_export(state, "dev", "vnet2vnet")
    except ConfigFileError as refused:
        assert str(state) in str(refused), str(refused)
        return
    assert isinstance(read["deployment"], dict), read


class TestAnyProjectsRehearsalInputs:
    """`rehearse` takes any Pulumi Python project; its inputs get the same one-line refusals as ours, before the
    CLI is looked for (so no CLI is needed to see them)."""

    @pytest.fixture
    def other_project(self, tmp_path: Path) -> Path:
        folder = tmp_path / "other"
        folder.mkdir()
        (folder / "Pulumi.yaml").write_text("name: other\nruntime: python\n")
        (folder / "__main__.py").write_text("import pulumi\n")
        (folder / "Pulumi.s.yaml").write_text("config: {}\n")
        return folder

    @pytest.mark.parametrize(
        ("seed_text", "names"),
        [("resources: &r [*r]\n", "resources[0]"), (None, "not found")],
        ids=["a self-referencing anchor", "a missing seed file"],
    )
    def test_a_bad_seed_is_refused_in_one_line(
        self, other_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_text: str | None, names: str
    ) -> None:
        monkeypatch.setenv("VNET2VNET_PULUMI", str(tmp_path / "no-cli"))
        seed = tmp_path / "seed.yaml"
        if seed_text is not None:
            seed.write_text(seed_text)
        result = run_cli("rehearse", "--stack", "s", "--project-dir", str(other_project), "--seed", str(seed))
        refused_in_one_line(result, str(seed), names)

    def test_a_project_too_large_to_copy_is_refused_before_the_cli_is_looked_for(
        self, other_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("VNET2VNET_PULUMI", str(tmp_path / "no-cli"))  # exit 3 if it were looked for first
        monkeypatch.setattr(copying, "MAX_COPY_FILES", 2)
        result = run_cli("rehearse", "--stack", "s", "--project-dir", str(other_project))
        refused_in_one_line(result, str(other_project), "files")


class TestSizeLimits:
    """Each kind of file has a size limit of its own: read no further than that, refused in one line."""

    @pytest.mark.parametrize(
        ("kind", "suffix"),
        [(STATE_EXPORT, ".json"), (SEED_FILE, ".yaml"), (ID_MAP, ".json")],
        ids=["a state export", "a seed file", "an ID map"],
    )
    def test_one_byte_over_the_limit_is_refused_naming_it(self, tmp_path: Path, kind: FileKind, suffix: str) -> None:
        big = tmp_path / f"big{suffix}"
        with big.open("wb") as sparse:  # no disk is used for the hole
            sparse.truncate(kind.max_bytes + 1)
        with pytest.raises(ConfigFileError) as refused:
            read_document(big, kind)
        assert str(big) in str(refused.value) and "MiB" in str(refused.value), str(refused.value)

    def test_a_60000_resource_export_fits_the_limit(self) -> None:
        """Sized from this project's own export: 60,000 resources of the dev stack's average size, with room."""
        export = exported(plan_stack("dev"))
        resources = export["deployment"]["resources"]
        average = len(json.dumps(resources)) / len(resources)
        assert 60_000 * average * 2 < STATE_EXPORT.max_bytes, f"{average:.0f} bytes a resource, twice for outputs"
