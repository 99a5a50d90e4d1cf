"""Stack and project files are read as the Pulumi CLI reads them, and every malformed file is refused cleanly.

`plan` reads Pulumi.yaml and Pulumi.<stack>.yaml through one loader (vnet2vnet/stack_files.py) that follows the
CLI (gopkg.in/yaml.v3 and sdk/go/common/workspace, resource/config of Pulumi v3.274.1): whatever the file holds,
`plan` ends with exit code 0, 1 or 2 and a message, never a traceback. The expected values in the acceptance
table were checked against yaml.v3 itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import PROJECT_DIR
from vnet2vnet.cli import main
from vnet2vnet.engine import OPAQUE_SECRET, ConfigFileError, load_stack_config
from vnet2vnet.schema import parse_stack_config
from vnet2vnet.stack_files import MAX_DEPTH, MAX_FILE_BYTES

SHIPPED_STACKS = ("dev", "prod", "mesh", "review")
FUZZED_STACKS = ("dev", "prod", "mesh")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (links to its program) where tests write Pulumi.<stack>.yaml files; `shared/` beside
    it, as beside the real project, so that `plan` finds Azure's API spec."""
    root = tmp_path_factory.mktemp("stack_files")
    directory = root / "project"
    directory.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "components"):
        (directory / name).symlink_to(PROJECT_DIR / name)
    if (PROJECT_DIR.parent / "shared").exists():
        (root / "shared").symlink_to(PROJECT_DIR.parent / "shared")
    return directory


def write_stack(project: Path, content: str | bytes, stack: str = "x") -> str:
    data = content.encode() if isinstance(content, str) else content
    (project / f"Pulumi.{stack}.yaml").write_bytes(data)
    return stack


def refusal(project: Path, content: str | bytes) -> ConfigFileError:
    stack = write_stack(project, content)
    with pytest.raises(ConfigFileError) as caught:
        load_stack_config(project, stack)
    return caught.value


def plan(project: Path, stack: str, *extra: str) -> tuple[int, str, str]:
    """`python -m vnet2vnet plan`, in process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["plan", "--stack", stack, "--project-dir", str(project), *extra])
    return code, out.getvalue(), err.getvalue()


def config_of(project: Path, content: str | bytes) -> dict[str, str]:
    return load_stack_config(project, write_stack(project, content))[1].values


BILLION_LAUGHS = """config:
  vnet2vnet:tags:
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# (id, file content, where the message must point (key path or line), a phrase it must say). One row per class.
REFUSALS: list[tuple[str, str | bytes, str, str]] = [
    ("not UTF-8", b"config:\n  vnet2vnet:topology: mesh\xff\n", "(line 2)", "not valid UTF-8"),
    ("control character", "config:\n  vnet2vnet:topology: me\x01sh\n", "(line 2)", "control character U+0001"),
    ("byte-order mark inside", "# x\n\ufeffconfig:\n  vnet2vnet:topology: mesh\n", "(line 2)", "byte-order mark"),
    ("syntax error", "config:\n  vnet2vnet:vnets: [1, 2\n", "line", "is not valid YAML"),
    (
        "duplicate key",
        "config:\n  vnet2vnet:topology: mesh\n  vnet2vnet:topology: pair\n",
        "config:",
        '"vnet2vnet:topology" appears twice (lines 2 and 3)',
    ),
    (
        "duplicate nested key",
        "config:\n  vnet2vnet:vnets:\n    - name: a\n      name: b\n",
        "config.vnet2vnet:vnets[0]:",
        '"name" appears twice',
    ),
    ("integer key", "config:\n  vnet2vnet:tags: {1: x}\n", "config.vnet2vnet:tags:", 'the key "1" is an integer'),
    ("boolean key", "config:\n  vnet2vnet:tags:\n    true: x\n", "config.vnet2vnet:tags:", "is a boolean"),
    ("null key", "config:\n  vnet2vnet:tags: {~: x}\n", "config.vnet2vnet:tags:", "null"),
    ("date key", "config:\n  vnet2vnet:tags: {2001-12-14: x}\n", "config.vnet2vnet:tags:", "is a date"),
    ("list key", "config:\n  vnet2vnet:tags:\n    ? [a]\n    : x\n", "config.vnet2vnet:tags:", "is a list"),
    ("date value", "config:\n  vnet2vnet:tags: {created: 2001-12-14}\n", "config.vnet2vnet:tags.created:", "date/time"),
    (
        "!!timestamp",
        "config:\n  vnet2vnet:tags: {t: !!timestamp 2001-12-14T21:59:43Z}\n",
        "config.vnet2vnet:tags.t:",
        "date/time",
    ),
    ("!!binary", "config:\n  vnet2vnet:topology: !!binary bWVzaA==\n", "config.vnet2vnet:topology:", "!!binary"),
    ("!!set", "config:\n  vnet2vnet:tags: !!set {a, b}\n", "config.vnet2vnet:tags:", "!!set"),
    ("!!omap", "config:\n  vnet2vnet:vnets: !!omap [a: 1]\n", "config.vnet2vnet:vnets:", "!!omap"),
    ("unknown tag", "config:\n  vnet2vnet:topology: !Ref mesh\n", "config.vnet2vnet:topology:", "tagged !Ref"),
    (
        "tag that does not fit",
        "config:\n  vnet2vnet:connection: {sharedKeyLength: !!int abc}\n",
        "config.vnet2vnet:connection.sharedKeyLength:",
        "tagged !!int",
    ),
    (
        "NaN",
        "config:\n  vnet2vnet:connection: {sharedKeyLength: .nan}\n",
        "config.vnet2vnet:connection.sharedKeyLength:",
        "NaN or infinite",
    ),
    (
        "self-referencing anchor",
        "config:\n  vnet2vnet:tags: &t {a: *t}\n",
        "config.vnet2vnet:tags.a:",
        "contain itself",
    ),
    ("unknown alias", "config:\n  vnet2vnet:topology: *nowhere\n", "config.vnet2vnet:topology:", "names no anchor"),
    (
        "merge of a scalar",
        "config:\n  vnet2vnet:gateway: {<<: 1}\n",
        "config.vnet2vnet:gateway:",
        "merge takes a mapping",
    ),
    ("alias bomb", BILLION_LAUGHS, "config.vnet2vnet:tags", "alias bomb"),
    (
        "deep nesting",
        "config:\n  vnet2vnet:tags: " + "[" * 100 + "]" * 100 + "\n",
        "(line 2)",
        f"more than {MAX_DEPTH} levels",
    ),
    (
        "deep through aliases",
        "config:\n  a: &a " + "[" * 40 + "]" * 40 + "\n  b: &b " + "[" * 30 + "*a" + "]" * 30 + "\n",
        "config.b",
        f"more than {MAX_DEPTH} levels",
    ),
    (
        "too large",
        "config:\n  vnet2vnet:topology: mesh\n" + "#" * MAX_FILE_BYTES,
        "Pulumi.x.yaml:",
        "larger than 1024 KiB",
    ),
    (
        "not a config key",
        "config:\n  vnet2vnet:gateway:sku: VpnGw1AZ\n",
        "config.vnet2vnet:gateway:sku:",
        "not a Pulumi config key",
    ),
    (
        "one key spelled twice",
        "config:\n  topology: mesh\n  vnet2vnet:topology: pair\n",
        "config.vnet2vnet:topology:",
        "same config key as config.topology (line 2)",
    ),
    ("config is a list", "config:\n  - vnet2vnet:topology\n", "(line 1)", "`config:` must be a mapping"),
    ("file is a list", "- config\n", "Pulumi.x.yaml:", "must be a YAML mapping"),
    ("second document", "config: {}\n---\nconfig: {}\n", "(line 2)", "second YAML document"),
    ("text after the document end", "config: {}\n...\n]]]\n", "(line 3)", "end of the first YAML document"),
    (
        "secrets provider not a string",
        "secretsprovider: [passphrase]\nconfig: {}\n",
        "secretsprovider:",
        "must be a string",
    ),
    ("escaped slash", 'config:\n  vnet2vnet:topology: "me\\/sh"\n', "config.vnet2vnet:topology:", "escape"),
    (
        "question mark in a flow value",
        "config:\n  vnet2vnet:tags: {a: b?c}\n",
        "config.vnet2vnet:tags.a:",
        "contains '?'",
    ),
    ("surrogate escape", 'config:\n  vnet2vnet:topology: "\\ud800"\n', "line 2", "not valid YAML"),
]


class TestRefusals:
    @pytest.mark.parametrize(("content", "where", "phrase"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS])
    def test_each_class_is_refused_naming_the_file_the_place_and_the_fix(
        self, project: Path, content: str | bytes, where: str, phrase: str
    ) -> None:
        message = str(refusal(project, content))
        assert message.startswith("Pulumi.x.yaml: "), f"the message must name the file first:\n{message}"
        assert where in message, f"the message must point at {where!r}:\n{message}"
        assert phrase in message, f"the message must say {phrase!r}:\n{message}"
        assert "\n  fix: " in message, f"the message must say how to fix it:\n{message}"

    @pytest.mark.parametrize("content", [REFUSALS[0][1], REFUSALS[4][1], BILLION_LAUGHS], ids=["utf8", "dup", "bomb"])
    def test_plan_exits_2_with_the_message_and_no_traceback(self, project: Path, content: str | bytes) -> None:
        code, _, stderr = plan(project, write_stack(project, content))
        assert code == 2, f"a malformed stack file is a file error (exit 2), got {code}:\n{stderr}"
        assert stderr.startswith("error: Pulumi.x.yaml: "), f"stderr must name the file:\n{stderr}"
        assert "Traceback" not in stderr, stderr

    def test_the_project_file_goes_through_the_same_loader(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("name: vnet2vnet\nname: other\nruntime: python\n")
        (tmp_path / "Pulumi.x.yaml").write_text("config: {}\n")
        with pytest.raises(ConfigFileError, match=r'^Pulumi\.yaml: the key "name" appears twice \(lines 1 and 2\)'):
            load_stack_config(tmp_path, "x")

    def test_a_project_without_a_name_is_refused_as_the_cli_refuses_it(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.yaml").write_text("runtime: python\n")
        (tmp_path / "Pulumi.x.yaml").write_text("config: {}\n")
        with pytest.raises(ConfigFileError, match=r"Pulumi\.yaml: name: the project needs a non-empty string"):
            load_stack_config(tmp_path, "x")


class TestAliasBombs:
    def test_billion_laughs_fails_fast_in_little_memory(self, project: Path) -> None:
        write_stack(project, BILLION_LAUGHS)
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(ConfigFileError, match="alias bomb"):
                load_stack_config(project, "x")
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert elapsed < 2.0, f"refused after {elapsed:.2f}s: the expansion must stop early"
        assert peak < 32 * 1024 * 1024, f"peak allocation {peak / 2**20:.1f} MiB: the expansion must stop early"

    def test_a_few_aliases_are_accepted_as_the_cli_accepts_them(self, project: Path) -> None:
        values = config_of(
            project,
            "config:\n  vnet2vnet:tags: &t {team: net}\n  other:tags: *t\n"
            "  other:gateway:\n    base: &g {sku: VpnGw2AZ, generation: Generation2}\n"
            "    derived: {<<: *g, sku: VpnGw3AZ}\n",
        )
        assert json.loads(values["other:tags"]) == {"team": "net"}, "an alias is a copy of its anchor's value"
        assert json.loads(values["other:gateway"])["derived"] == {"sku": "VpnGw3AZ", "generation": "Generation2"}, (
            "a `<<` merge adds the anchored keys; the keys written out win (yaml.v3 decode.go merge)"
        )


# YAML 1.2 core schema as yaml.v3 resolves it (checked against yaml.v3): the value the program receives.
ACCEPTED: list[tuple[str, Any]] = [
    ("yes", "yes"),  # YAML 1.1 booleans are strings in 1.2
    ("on", "on"),
    ("1:30", "1:30"),  # no sexagesimal numbers
    ("0x1F", 31),
    ("017", 15),  # yaml.v3 still reads a leading 0 as octal
    ("0o17", 15),
    ("08", 8),  # not octal: a float 8.0, which JSON writes as 8
    ("1e3", 1000),  # a float in 1.2; Go's JSON writes it as 1000
    ("1_000", 1000),
    (".5", 0.5),
    ("64.0", 64),
    ("99999999999999999999999", 1e23),  # beyond uint64: a float
    ("-9223372036854775809", -9223372036854776000),  # below int64: a float, whole, which Go prints as digits
    ("1e400", "1e400"),  # out of float range: a string
    ('"2001-12-14"', "2001-12-14"),
    ("!!str 12", "12"),
    ("!!int '12'", 12),
    ("!!float 1", 1),
    ("--64", "--64"),
    ("²", "²"),
    ("~", None),
    ("{secure: 12}", {"secure": 12}),  # not a secret: object.go isSecureValue wants a string
]


class TestAcceptedAsTheCliReadsThem:
    @pytest.mark.parametrize(("written", "received"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
    def test_scalars_resolve_as_yaml_v3_resolves_them(self, project: Path, written: str, received: Any) -> None:
        values = config_of(project, f"config:\n  vnet2vnet:tags: {{v: {written}}}\n")
        got = json.loads(values["vnet2vnet:tags"])["v"]
        assert got == received and type(got) is type(received), f"{written} must reach the program as {received!r}"

    def test_shipped_stacks_load_as_before(self) -> None:
        """The values the program receives from the shipped stacks are what PyYAML's safe_load gave before."""
        for stack in SHIPPED_STACKS:
            _, config = load_stack_config(PROJECT_DIR, stack)
            document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
            for key, value in document["config"].items():
                expected = value if isinstance(value, str) else json.dumps(value)
                assert config.values[key] == expected, f"Pulumi.{stack}.yaml {key} changed"
            assert config.warnings == [], f"Pulumi.{stack}.yaml gives no warnings: {config.warnings}"

    def test_byte_order_marks_utf16_and_the_old_key_form_are_accepted(self, project: Path) -> None:
        text = "config:\n  vnet2vnet:config:topology: mesh\n"  # key.go ParseKey: `<namespace>:config:<name>`
        assert config_of(project, b"\xef\xbb\xbf" + text.encode())["vnet2vnet:topology"] == "mesh", "a UTF-8 BOM"
        assert config_of(project, text.encode("utf-16"))["vnet2vnet:topology"] == "mesh", "UTF-16 with a BOM"

    def test_an_empty_value_is_an_empty_string_with_a_warning(self, project: Path) -> None:
        _, config = load_stack_config(project, write_stack(project, "config:\n  vnet2vnet:topology:\n"))
        assert config.values["vnet2vnet:topology"] == "", "loaders.go: a null config value is passed as an empty string"
        assert any("vnet2vnet:topology has no value" in w for w in config.warnings), config.warnings

    def test_secure_values_nested_in_objects_are_secret(self, project: Path) -> None:
        _, config = load_stack_config(
            project, write_stack(project, "config:\n  vnet2vnet:tags: {owner: {secure: v1:abc}, team: net}\n")
        )
        assert json.loads(config.values["vnet2vnet:tags"]) == {"owner": OPAQUE_SECRET, "team": "net"}
        assert config.secret_keys == ["vnet2vnet:tags"] and config.opaque_keys == ["vnet2vnet:tags"]


class TestPlainTextSharedKey:
    KEY = "PlainTextKey0123456789abcdefghijklmnopqrstuvwxyzABCDEF"

    def test_a_plain_text_key_is_a_warning_with_the_fix_and_never_printed(self, project: Path) -> None:
        dev = (
            (PROJECT_DIR / "Pulumi.dev.yaml")
            .read_text()
            .replace("  vnet2vnet:tags:", f"  vnet2vnet:sharedKey: {self.KEY}\n  vnet2vnet:tags:")
        )
        _, config = load_stack_config(project, write_stack(project, dev))
        assert len(config.warnings) == 1, config.warnings
        assert "vnet2vnet:sharedKey is in plain text in Pulumi.x.yaml" in config.warnings[0], config.warnings
        assert "pulumi config set --secret vnet2vnet:sharedKey <key>" in config.warnings[0], "the fix, spelled out"
        code, stdout, stderr = plan(project, "x")
        assert code == 0, stderr
        assert "warning: vnet2vnet:sharedKey is in plain text" in stderr, f"plan must show the warning:\n{stderr}"
        assert self.KEY not in stdout + stderr, "the key itself is never printed"

    def test_an_encrypted_key_gives_no_such_warning(self, project: Path) -> None:
        _, config = load_stack_config(project, write_stack(project, "config:\n  vnet2vnet:sharedKey: {secure: v1:x}\n"))
        assert not any("plain text" in w for w in config.warnings), config.warnings


class TestNumbersWrittenAsStrings:
    @pytest.mark.parametrize("text", ["²", "--64", "٣", "+64", "1_000", "", "9" * 5000])
    def test_odd_digits_are_a_type_finding_not_a_crash(self, text: str) -> None:
        _, findings = parse_stack_config({"connection": json.dumps({"sharedKeyLength": text})})
        messages = [f.message for f in findings if f.path == ("connection", "shared_key_length")]
        assert messages and messages[0].startswith("expected an integer"), f"{text[:10]!r}: {messages}"

    @given(st.text(max_size=30))
    @settings(max_examples=200, deadline=None)
    def test_any_string_is_an_integer_or_a_finding(self, text: str) -> None:
        _, findings = parse_stack_config({"connection": json.dumps({"sharedKeyLength": text})})
        on_key = [f for f in findings if f.path == ("connection", "shared_key_length")]
        stripped = text.strip().removeprefix("-")
        if stripped.isascii() and stripped.isdigit() and len(stripped) <= 20:  # 20 digits hold any 64-bit value
            assert not any("expected an integer" in f.message for f in on_key), f"{text!r} is an integer"
        else:
            assert any("expected an integer" in f.message for f in on_key), f"{text!r} is not an integer"


# --- property-based: generated files ------------------------------------------------------------------------------

SNIPPETS = [
    "&a ", "*a", "!!timestamp ", "!!binary ", "!!set ", "!!int ", "!!str ", "!Ref ", "? ", "<<: *a\n", "- ", "{", "}",
    "[", "]", ": ", "'", '"', "\n", "  ", "\t", "#", "|\n", "\\", "---\n", "...\n", "yes", "1e3", "0x1F", "017",
    "2001-12-14", "~", ".nan", "-.inf", "²", "--64", "1:30", "99999999999999999999999", "{secure: x}", "secure: ",
    "vnet2vnet:", "a:b:c", "\ufeff", "\\x01", "\\uD800", '"\\/"', "a?b", "[" * 70, "]" * 70,
]  # fmt: skip
ODD_VALUES = [
    "yes", "0x1F", "08", "1e3", "1.0e2", "2001-12-14", "~", "''", ".inf", "99999999999999999999999", "1e400", "²",
    "--64", "!!binary aGk=", "!!set {a}", "!Ref x", "!!int abc", "[]", "{}", "[[[]]]", "{secure: 1}", "{secure: a}",
    "[{secure: a}]", "-1", "0", "4294967295", "/27", "10.0.0.0/33", "[10.0.0.0/8, 10.0.0.0/8]", "VpnGw5AZ", "Basic",
    "mesh", "hub-and-spoke", '"\\0"', '"\\x01"', '"a\\u2028b"', "x" * 300, "&z {<<: *z}", "*z", "[*z, *z]",
]  # fmt: skip
BYTES = [b"\xff", b"\xc3", b"\x00", b"\x01", b"\x7f", b"\xed\xa0\x80", b"\xef\xbb\xbf"]


@st.composite
def mutated_stack_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """A shipped stack file with one to three random edits of the kinds that broke `plan` before."""
    base = draw(st.sampled_from(FUZZED_STACKS))
    data = (PROJECT_DIR / f"Pulumi.{base}.yaml").read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["snippet", "bytes", "value", "duplicate line", "delete", "nest"]))
        position = draw(st.integers(0, len(data)))
        if kind == "snippet":
            data = data[:position] + draw(st.sampled_from(SNIPPETS)).encode() + data[position:]
        elif kind == "bytes":
            noise = draw(st.one_of(st.sampled_from(BYTES), st.binary(min_size=1, max_size=4)))
            data = data[:position] + noise + data[position:]
        elif kind == "value":  # replace what follows one `key: ` with an odd value (a wrong type, a tag, ...)
            spots = [i + 2 for i in range(len(data) - 1) if data[i : i + 2] == b": "]
            spot = draw(st.sampled_from(spots)) if spots else position
            end = data.find(b"\n", spot)
            data = data[:spot] + draw(st.sampled_from(ODD_VALUES)).encode() + data[end if end >= 0 else len(data) :]
        elif kind == "duplicate line":
            lines = data.split(b"\n")
            line = lines[draw(st.integers(0, len(lines) - 1))]
            lines.insert(draw(st.integers(0, len(lines))), line)
            data = b"\n".join(lines)
        elif kind == "delete":
            data = data[:position] + data[position + draw(st.integers(1, 12)) :]
        else:
            depth = draw(st.integers(1, 100))
            data = data[:position] + b"[" * depth + b"1" + b"]" * depth + data[position:]
    return base, data


# Derandomized: the same 40 files on every run, so that a red build is never a roll of the dice; a wider random
# run is one edit away (derandomize=False, more examples).
@given(mutated_stack_file())
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_stack_files_never_end_in_a_traceback(project: Path, case: tuple[str, bytes]) -> None:
    base, data = case
    code, _, stderr = plan(project, write_stack(project, data, "fuzz"))
    assert code in (0, 1, 2), f"exit code {code} for a mutation of Pulumi.{base}.yaml:\n{stderr}"
    assert "Traceback" not in stderr, f"a mutation of Pulumi.{base}.yaml ended in a traceback:\n{stderr}"
    if code:
        assert stderr.strip(), f"exit {code} needs a message (a mutation of Pulumi.{base}.yaml)"
    if code == 2:
        assert stderr.startswith("error: Pulumi.fuzz.yaml: "), f"a file error names the file:\n{stderr}"


# Files the loader accepts (as the CLI does) that cli.py then re-reads with yaml.safe_load, which raises on them:
# `_explain_unset_stack` (the stack file, when vnet2vnet:vnets is missing) and `require_project` (Pulumi.yaml).
KNOWN_CLI_REREADS = [
    ("Pulumi.x.yaml", "config:\n  vnet2vnet:tags: {d: 2001-02-30}\n"),  # a string for yaml.v3, a bad date for PyYAML
    ("Pulumi.x.yaml", "config:\n  vnet2vnet:tags: {a: &a x, b: &a y}\n"),  # yaml.v3 lets an anchor be redefined
    (
        "Pulumi.x.yaml",
        "config:\n  vnet2vnet:tags: {a: x\ty}\n",
    ),  # a tab inside a plain value: libyaml and yaml.v3 agree
    ("Pulumi.yaml", "name: vnet2vnet\nruntime: python\ncreated: 2001-02-30\n"),
]


@pytest.mark.parametrize(("name", "content"), KNOWN_CLI_REREADS, ids=["bad date", "anchor redefined", "tab", "project"])
def test_plan_does_not_reread_files_with_another_parser(tmp_path: Path, name: str, content: str) -> None:
    for linked in ("Pulumi.yaml", "__main__.py", "components"):
        if linked != name:
            (tmp_path / linked).symlink_to(PROJECT_DIR / linked)
    (tmp_path / "Pulumi.x.yaml").write_text("config: {}\n")
    (tmp_path / name).write_text(content)
    code, _, stderr = plan(tmp_path, "x")
    assert code in (0, 1, 2) and "Traceback" not in stderr, stderr


YAML_TEXT = st.text(alphabet=st.sampled_from([*"{}[]:,-?&*!|>'\"#%@`\\ \n\t.~0123456789abyn<"]), max_size=80)


@given(YAML_TEXT)
@settings(max_examples=300, deadline=None)
def test_any_text_loads_or_is_refused_as_a_file_error(project: Path, text: str) -> None:
    stack = write_stack(project, "config:\n  vnet2vnet:tags: " + text, "gen")
    try:
        load_stack_config(project, stack)
    except ConfigFileError as refused:
        assert str(refused).startswith("Pulumi.gen.yaml: "), f"the refusal must name the file: {refused}"


# Characters that JSON writes raw and YAML reads as themselves: not C1 controls or DEL (YAML refuses them), not
# NEL/LS/PS (YAML 1.1 line breaks, folded inside quotes) and no byte-order mark or noncharacters.
TEXT = st.characters(
    codec="utf-8",  # no lone surrogates
    exclude_characters=[*map(chr, range(0x7F, 0xA0)), "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff"],
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(TEXT, max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(TEXT, max_size=8).filter(lambda key: key != "secure"), children, max_size=4)
    ),
    max_leaves=20,
)


def _as_go_json(value: Any) -> Any:
    """What Go's json.Marshal makes of a decoded value: whole floats below 1e21 are written as integers."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(Decimal(repr(value)))
    if isinstance(value, dict):
        return {key: _as_go_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_go_json(item) for item in value]
    return value


@given(JSON_VALUES)
@settings(max_examples=200, deadline=None)
def test_any_json_value_is_accepted_and_received_unchanged(project: Path, value: Any) -> None:
    """JSON is YAML 1.2: the CLI accepts any JSON value as a config value, and so does the loader."""
    values = config_of(project, json.dumps({"config": {"vnet2vnet:tags": value}}, ensure_ascii=False))
    received = values["vnet2vnet:tags"]
    if value is None:
        assert received == "", "a null value is passed as an empty string"
    elif isinstance(value, str):
        assert received == value, "a string is passed as it is"
    else:
        assert json.loads(received) == _as_go_json(value), f"{value!r} reached the program as {received!r}"


@given(st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=4), min_size=1, max_size=6, unique=True), st.data())
@settings(max_examples=50, deadline=None)
def test_a_duplicated_key_is_always_refused_by_name(project: Path, keys: list[str], data: st.DataObject) -> None:
    twice = data.draw(st.sampled_from(keys))
    lines = [f"    {key}: v{i}" for i, key in enumerate([*keys, twice])]
    message = str(refusal(project, "config:\n  vnet2vnet:tags:\n" + "\n".join(lines) + "\n"))
    assert f'"{twice}" appears twice' in message, f"the message must name {twice!r}:\n{message}"


@given(st.integers(1, 150))
@settings(max_examples=30, deadline=None)
def test_nesting_is_refused_beyond_the_limit_only(project: Path, depth: int) -> None:
    content = "config:\n  vnet2vnet:tags: " + "[" * depth + "]" * depth + "\n"
    total = depth + 2  # the document's mapping and `config:` are two levels
    if total <= MAX_DEPTH:
        assert json.loads(config_of(project, content)["vnet2vnet:tags"]) is not None
    else:
        assert f"more than {MAX_DEPTH} levels" in str(refusal(project, content))
