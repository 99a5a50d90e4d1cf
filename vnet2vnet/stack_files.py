"""Reads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI reads them, and refuses what it refuses.

What the CLI does (Pulumi v3.274.1, sdk/go/common):

- workspace/loaders.go `LoadProjectStackBytes`: `readFileStripUTF8BOM`, then `encoding.YAML.Unmarshal`, which is
  gopkg.in/yaml.v3 decoding into `any`: YAML 1.2 core scalars (`yes`, `on`, `1:30` stay strings), duplicate keys
  refused ("mapping key already defined"), `anchor 'x' value contains itself`, `unknown anchor`, "document
  contains excessive aliasing", invalid UTF-8 and control characters refused; dates become `time.Time`,
  `!!binary` is decoded, tags it does not know are ignored; only the first document is read.
- workspace/project.go `SimplifyMarshalledValue`: any key that is not a string, anywhere, is refused ("expected
  only string keys"); then bare config keys get the project's namespace.
- resource/config/key.go `ParseKey`: a key is `<namespace>:<name>`, or the old `<namespace>:config:<name>`.
- resource/config/object.go `unmarshalObject`/`MarshalString`: the program receives strings as they are and
  every other value as JSON (`json.Marshal`: NaN and infinities are refused); a mapping whose only key is
  `secure` with a string value is a secret; a null top-level value becomes "" (loaders.go
  `checkForEmptyConfig` warns).

This module reads the same way with PyYAML's event parser and yaml.v3's own resolution rules, so that what `plan`
checks is what `pulumi up` would pass the program. Where the CLI accepts a value the program cannot use (a date
where a string is expected, `!!binary`, `!!set`, a tag it ignores, a second document it drops) it is refused
too. Every refusal is a ConfigFileError naming the file, the key path or line, and the fix.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

# Real stack files are a few KB. The CLI reads any size, but YAML parsing costs time and memory in proportion,
# and a multi-megabyte stack file is a mistake (or an attack), not configuration: refused before parsing.
MAX_FILE_BYTES = 1024 * 1024
# The shipped stacks nest 4 deep (config > vnets > [i] > addressSpaces). yaml.v3 stops at 10000 (scannerc.go
# max_indents); PyYAML's recursive composer would die with RecursionError near 1000. 64 is generous and safe.
MAX_DEPTH = 64
# Values after alias expansion: a stack file has under a thousand. Bounds time and memory whatever the aliases.
MAX_VALUES = 20_000


@dataclass(frozen=True)
class FileKind:
    """One kind of file the tools read, and what the reader allows it before refusing it unread or half-read:
    every file goes through the same guards (UTF-8, no alias bombs or self-references, bounded depth), with a size
    and a value count of its own."""

    what: str  # "a stack file": how messages name it
    holds: str  # what such a file holds, for the size and count messages: "a few KB of config"
    max_bytes: int
    max_values: int
    max_depth: int
    fix: str  # what to do with a file that is too large
    full_path: bool = False  # name the file by its path as given (a file outside the project), not its name alone


STACK_FILE = FileKind(
    "a stack file",
    "a few KB of config",
    MAX_FILE_BYTES,
    MAX_VALUES,
    MAX_DEPTH,
    "keep only config in the file (data belongs elsewhere, e.g. a Pulumi ESC environment)",
)

SECURE_KEY = "secure"
_CORE = "tag:yaml.org,2002:"
# PyYAML's libyaml-based parser when it has one (its wheels do): same events, several times faster.
_EVENT_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
# YAML 1.2 printable characters, as yaml.v3's reader checks them (readerc.go "control characters are not allowed").
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SLASH_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\/")  # an odd run of backslashes before a slash
_SIMPLE_KEY = re.compile(r"[A-Za-z0-9_:$/@-]{1,64}")


class ConfigFileError(Exception):
    """A project or stack file is missing or malformed. The message names the file and the key path or line."""

    def __init__(self, message: str, *, file: str = "", path: str = "", line: int | None = None, fix: str = "") -> None:
        super().__init__(message)
        self.file, self.path, self.line, self.fix = file, path, line, fix


PathPart = str | int
KeyPath = tuple[PathPart, ...]


def render_path(path: KeyPath) -> str:
    """`config.vnet2vnet:vnets[0].location`; odd keys quoted, very deep paths shortened."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _SIMPLE_KEY.fullmatch(part):
            parts.append(f".{part}" if parts else part)
        else:
            shown = part if len(part) <= 40 else part[:40] + "..."
            parts.append(f"[{json.dumps(shown)}]")
    if len(parts) > 12:
        parts = [*parts[:6], "...", *parts[-4:]]
    return "".join(parts)


def file_error(file: str, problem: str, fix: str, *, path: KeyPath = (), line: int | None = None) -> ConfigFileError:
    where = render_path(path)
    text = f"{file}: {where + ': ' if where else ''}{problem}{f' (line {line})' if line else ''}\n  fix: {fix}"
    return ConfigFileError(text, file=file, path=where, line=line, fix=fix)


def _line_of(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- bytes to text ------------------------------------------------------------------------------------------------


def display_name(path: Path, kind: FileKind) -> str:
    return str(path) if kind.full_path else path.name


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit > 1024 * 1024 else f"{limit // 1024} KiB"


def read_bytes(path: Path, kind: FileKind = STACK_FILE) -> bytes:
    """The file's bytes, never more than the kind allows: a larger file is refused unread."""
    name = display_name(path, kind)
    try:
        with path.open("rb") as handle:
            # A regular file's size is known unread; a pipe's is not, so its read stops one byte past the limit.
            status = os.fstat(handle.fileno())
            too_large = stat.S_ISREG(status.st_mode) and status.st_size > kind.max_bytes
            data = b"" if too_large else handle.read(kind.max_bytes + 1)
    except FileNotFoundError as exc:
        where = f"{path.name} not found in {path.parent}" if not kind.full_path else f"{path} not found"
        raise ConfigFileError(where, file=name) from exc
    except IsADirectoryError as exc:
        raise ConfigFileError(f"{name} is a directory, not a file", file=name) from exc
    except OSError as exc:
        raise ConfigFileError(f"{name} cannot be read: {exc.strerror}", file=name) from exc
    if too_large or len(data) > kind.max_bytes:
        raise file_error(
            name,
            f"is larger than {_size(kind.max_bytes)}; {kind.what} holds {kind.holds}, and parsing a file this large "
            "costs time and memory out of proportion, so it is refused unread",
            kind.fix,
        )
    return data


def decode(name: str, data: bytes, *, yaml_text: bool = True) -> str:
    """UTF-8 (or UTF-16 with a BOM) text; for YAML also free of what yaml.v3 refuses (stray BOMs, control
    characters). JSON strings may hold any character but raw control characters, which its parser refuses."""
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # loaders.go readFileStripUTF8BOM
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # yaml.v3 readerc.go yaml_parser_determine_encoding reads UTF-16 with a BOM
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise file_error(
            name,
            f"byte {exc.start} (0x{data[exc.start]:02x}) is not valid {encoding.upper()}; Pulumi reads YAML as UTF-8 "
            '(the CLI fails with "invalid leading UTF-8 octet")',
            "save the file as UTF-8 (retype the character there)",
            line=line,
        ) from None
    if not yaml_text:
        return text
    stray_bom = text.find("\ufeff")
    if stray_bom >= 0:
        line, column = _line_of(text, stray_bom)
        raise file_error(
            name,
            f"column {column}: a byte-order mark (U+FEFF) inside the file; the CLI's parser keeps it as part of the "
            "text (a key `\\ufeffconfig` is not `config`), PyYAML's drops it, so the file means different things",
            "remove the invisible character (an editor concatenated files or pasted text with a BOM)",
            line=line,
        )
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, column = _line_of(text, bad.start())
        raise file_error(
            name,
            f"column {column}: control character U+{ord(bad.group()):04X} is not allowed in YAML (the CLI fails with "
            '"control characters are not allowed")',
            'remove it, or write it as an escape inside double quotes (e.g. "\\t")',
            line=line,
        )
    return text


# --- text to nodes: PyYAML's parser events, composed here with limits ----------------------------------------------


@dataclass(eq=False, slots=True)
class _Node:
    kind: str  # "scalar", "seq", "map" or "alias"
    tag: str | None
    text: str  # a scalar's text; an alias's anchor name
    plain: bool  # an unquoted scalar: its type comes from its text
    line: int
    path: KeyPath
    items: list[_Node] = field(default_factory=list)  # a mapping's items alternate key, value
    target: _Node | None = None
    open: bool = False
    flow: bool = False  # a [ ] or { } collection

    def pairs(self) -> Iterator[tuple[_Node, _Node]]:
        return zip(self.items[::2], self.items[1::2], strict=False)


def _short_tag(tag: str | None) -> str | None:
    """yaml.v3's short form: `!!int` for the core schema; None for no tag and the non-specific `!`."""
    if tag is None or tag == "!":
        return None
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _child_path(parent: _Node | None) -> KeyPath:
    if parent is None:
        return ()
    if parent.kind == "seq":
        return (*parent.path, len(parent.items))
    if len(parent.items) % 2:  # a value: named by its key
        key = parent.items[-1]
        return (*parent.path, key.text if key.kind == "scalar" else "?")
    return parent.path


def _compose(name: str, text: str, kind: FileKind) -> _Node | None:
    anchors: dict[str, _Node] = {}
    stack: list[_Node] = []
    root: _Node | None = None
    documents = nodes = 0
    ended = 0  # the line where the first document ended
    try:
        for event in yaml.parse(text, Loader=_EVENT_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else 0
            parent = stack[-1] if stack else None
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise file_error(
                        name,
                        "a second YAML document starts here; Pulumi reads only the first document of the file and "
                        "silently ignores the rest",
                        "remove the `---` line (one document per file)",
                        line=line,
                    )
                continue
            if isinstance(event, yaml.DocumentEndEvent):
                ended = ended or line
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                done = stack.pop()
                done.open = False
                if done.kind == "map":
                    _refuse_duplicate_keys(name, done)
                continue
            if isinstance(event, yaml.AliasEvent):
                alias = str(event.anchor)
                target = anchors.get(alias)
                if target is None:
                    raise file_error(
                        name,
                        f'the alias *{alias} names no anchor defined before it (the CLI fails with "unknown '
                        'anchor referenced")',
                        f"define &{alias} before this line, or write the value out",
                        path=_child_path(parent),
                        line=line,
                    )
                if target.open:
                    raise file_error(
                        name,
                        f"the alias *{alias} sits inside the value anchored &{alias}: a value cannot "
                        'contain itself (the CLI fails with "anchor value contains itself")',
                        "write the value out instead of the alias",
                        path=_child_path(parent),
                        line=line,
                    )
                node = _Node("alias", None, alias, False, line, _child_path(parent), target=target)
            elif isinstance(event, yaml.ScalarEvent):
                node = _Node("scalar", event.tag, event.value, not event.style, line, _child_path(parent))
                start, end = event.start_mark, event.end_mark
                raw = text[start.index : end.index] if event.style == '"' and start and end else ""
                if "/" in node.text and _SLASH_ESCAPE.search(raw):
                    raise file_error(
                        name,
                        'a "\\/" escape: YAML 1.2 and PyYAML accept it, the CLI\'s parser (yaml.v3) fails with '
                        '"found unknown escape character"',
                        "write / without the backslash",
                        path=node.path,
                        line=line,
                    )
                if node.plain and parent is not None and parent.flow and "?" in node.text:
                    raise file_error(
                        name,
                        "an unquoted value inside [ ] or { } contains '?': the CLI's YAML parser (yaml.v3 "
                        "scannerc.go) ends the value there and fails, where PyYAML's does not",
                        "quote the value",
                        path=node.path,
                        line=line,
                    )
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                collection = "seq" if isinstance(event, yaml.SequenceStartEvent) else "map"
                node = _Node(collection, event.tag, "", False, line, _child_path(parent), open=True)
                node.flow = bool(event.flow_style)
            else:
                continue  # stream start and end, document end
            nodes += 1
            if nodes > kind.max_values:
                raise file_error(
                    name,
                    f"holds more than {kind.max_values} values; {kind.what} holds {kind.holds}",
                    kind.fix,
                    path=node.path,
                    line=line,
                )
            anchor = getattr(event, "anchor", None)
            if anchor is not None and node.kind != "alias":
                anchors[anchor] = node  # a later anchor of the same name wins, as in yaml.v3
            if parent is None:
                root = node
            else:
                parent.items.append(node)
            if node.open:
                stack.append(node)
                if len(stack) > kind.max_depth:
                    raise _too_deep(name, node.path, line, kind)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed"
        if ended:
            raise file_error(
                name,
                f"what follows the end of the first YAML document (line {ended}) is not valid YAML: {problem}; Pulumi "
                "reads only the first document and would silently ignore the rest",
                "remove the `...` or `---` line and what follows, or merge it into the first document",
                line=mark.line + 1 if mark else None,
            ) from None
        raise file_error(
            name,
            f"is not valid YAML: {problem}" + (f", column {mark.column + 1}" if mark else ""),
            "correct the YAML syntax there (indentation, quotes, brackets)",
            line=mark.line + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise file_error(name, f"is not valid YAML: {exc}", "correct the YAML syntax") from None
    return root


def _too_deep(name: str, path: KeyPath, line: int | None, kind: FileKind) -> ConfigFileError:
    return file_error(
        name,
        f"values nest more than {kind.max_depth} levels deep (aliases included); {kind.what} nests a handful",
        "flatten the value",
        path=path,
        line=line,
    )


def _refuse_duplicate_keys(name: str, mapping: _Node) -> None:
    # yaml.v3 decode.go `mapping`: keys are compared by their text, whatever their quoting or tag.
    seen: dict[tuple[str, str], int] = {}
    for key, _ in mapping.pairs():
        if key.kind not in ("scalar", "alias"):
            continue
        first = seen.get((key.kind, key.text))
        if first is None:
            seen[(key.kind, key.text)] = key.line
            continue
        shown = key.text if key.kind == "scalar" else f"*{key.text}"
        raise file_error(
            name,
            f"the key {json.dumps(shown[:60])} appears twice (lines {first} and {key.line}); YAML forbids it and the "
            'CLI refuses the file ("mapping key already defined")',
            "keep one of them",
            path=mapping.path,
            line=key.line,
        )


# --- nodes to values: yaml.v3's resolution, with the CLI's refusals -------------------------------------------------

_BOOL_NULL: dict[str, Any] = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", re.ASCII)  # resolve.go
_DOT_FLOAT = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?", re.ASCII)  # what Go's ParseFloat takes
_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_TIME = r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?"
# resolve.go allowedTimestampFormats, as Go's time.Parse reads them.
_TIMESTAMPS = [
    re.compile(f"{_DATE}[Tt]{_TIME}(Z|[-+]([0-9]{{2}}):([0-9]{{2}}))", re.ASCII),
    re.compile(f"{_DATE} +{_TIME}", re.ASCII),  # time.Parse reads a run of spaces as one
    re.compile(_DATE, re.ASCII),
]
_CORE_SCALAR_TAGS = ("!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp")
_INT_DIGITS = {16: "0123456789abcdefABCDEF", 8: "01234567", 2: "01", 10: "0123456789"}


def _go_int(text: str, *, signed: bool) -> int | None:
    """Go's strconv.ParseInt/ParseUint(text, 0, 64): optional sign, 0x/0o/0b or a leading 0 (octal)."""
    sign, body = 1, text
    if signed and body[:1] in ("+", "-"):
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    base = 10
    if len(body) > 1 and body[0] == "0":
        base, body = {"x": (16, body[2:]), "o": (8, body[2:]), "b": (2, body[2:])}.get(body[1].lower(), (8, body[1:]))
    if not body or any(c not in _INT_DIGITS[base] for c in body) or len(body.lstrip("0")) > 64:
        return None
    value = sign * int(body, base)
    low, high = (-(2**63), 2**63 - 1) if signed else (0, 2**64 - 1)
    return value if low <= value <= high else None


def _days_in(month: int, year: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def _is_timestamp(text: str) -> bool:
    if not (len(text) > 4 and text[:4].isascii() and text[:4].isdigit() and text[4] == "-"):
        return False  # resolve.go parseTimestamp's quick check
    for pattern in _TIMESTAMPS:
        match = pattern.fullmatch(text)
        if not match:
            continue
        year, month, day, *rest = match.groups()
        clock = [int(n) for n in rest[:3]] if rest else [0, 0, 0]
        if not (1 <= int(month) <= 12 and 1 <= int(day) <= _days_in(int(month), int(year))):
            return False
        if clock[0] > 23 or clock[1] > 59 or clock[2] > 59:
            return False
        offset = rest[4:] if len(rest) > 3 and rest[4] is not None else []
        return not offset or (int(offset[0]) <= 24 and int(offset[1]) <= 60)  # time.Parse's offset range
    return False


def _resolve(text: str, tag: str | None) -> tuple[str, Any]:
    """yaml.v3 resolve.go `resolve` for an untagged plain scalar or one tagged with a core scalar type."""
    first = text[:1]
    if first == "" or first in "+-0123456789yYnNtTfFoO~.":
        if text in _BOOL_NULL:
            value = _BOOL_NULL[text]
            return ("!!null" if value is None else "!!bool" if isinstance(value, bool) else "!!float"), value
        if first == "." and _DOT_FLOAT.fullmatch(text):
            number = float(text.replace("_", ""))
            if math.isfinite(number):
                return "!!float", number
        elif first in "+-0123456789":
            if tag in (None, "!!timestamp") and _is_timestamp(text):
                return "!!timestamp", text
            plain = text.replace("_", "")
            for signed in (True, False):
                integer = _go_int(plain, signed=signed)
                if integer is not None:
                    return "!!int", integer
            if _YAML_FLOAT.fullmatch(plain):
                number = float(plain)
                if math.isfinite(number):  # Go's ParseFloat fails on overflow: then it is a string
                    return "!!float", number
            for prefix in ("0b", "0o"):  # resolve.go parses what follows the prefix, a sign included
                if plain.startswith(prefix):
                    rest = plain[2:]
                elif plain.startswith("-" + prefix):
                    rest = "-" + plain[3:]
                else:
                    continue
                digits = rest[1:] if rest[:1] in ("+", "-") else rest
                base = 2 if prefix == "0b" else 8
                if digits and all(c in _INT_DIGITS[base] for c in digits) and len(digits.lstrip("0")) <= 64:
                    integer = int(rest, base)
                    if -(2**63) <= integer < 2**63 or (rest[0] not in "+-" and integer < 2**64):
                        return "!!int", integer
    return "!!str", text


def _allowed_alias_ratio(decoded: int) -> float:
    # yaml.v3 decode.go allowedAliasRatio: 99% of decodes may come from aliases up to 400k, 10% from 4M on.
    low, high = 400_000, 4_000_000
    if decoded <= low:
        return 0.99
    if decoded >= high:
        return 0.10
    return 0.99 - 0.89 * (decoded - low) / (high - low)


class _Builder:
    def __init__(self, name: str, kind: FileKind) -> None:
        self.name, self.kind = name, kind
        self.decoded = 1  # yaml.v3 counts the document node too
        self.aliased = 0
        self.lines: dict[KeyPath, int] = {}

    def _count(self, node: _Node, path: KeyPath, in_alias: bool) -> None:
        self.decoded += 1
        self.aliased += in_alias
        # yaml.v3 decode.go `unmarshal`: the CLI's own guard against alias bombs ("billion laughs").
        bomb = self.aliased > 100 and self.decoded > 1000
        too_many = self.decoded > self.kind.max_values
        if (bomb and self.aliased / self.decoded > _allowed_alias_ratio(self.decoded)) or too_many:
            raise file_error(
                self.name,
                f"its aliases expand it to more than {self.decoded} values ({self.aliased} of them copies of anchored "
                'values): a YAML alias bomb ("billion laughs") or a runaway file; the CLI refuses excessive aliasing '
                "too",
                "write the values out, with fewer aliases",
                path=path,
                line=node.line,
            )

    def build(self, node: _Node, path: KeyPath, depth: int, in_alias: bool) -> Any:
        self._count(node, path, in_alias)
        if node.kind == "alias":
            assert node.target is not None
            return self.build(node.target, path, depth, True)
        if node.kind == "scalar":
            return self._scalar(node, path)
        if depth >= self.kind.max_depth:
            raise _too_deep(self.name, path, node.line, self.kind)
        expected = "!!seq" if node.kind == "seq" else "!!map"
        tag = _short_tag(node.tag)
        if tag not in (None, expected):
            raise self._tag_error(tag, path, node.line)
        if node.kind == "seq":
            return [self.build(item, (*path, index), depth + 1, in_alias) for index, item in enumerate(node.items)]
        result: dict[str, Any] = {}
        merge: _Node | None = None
        for key_node, value_node in node.pairs():
            if _is_merge(key_node):
                merge = value_node
                continue
            key = self._key(key_node, path, in_alias)
            self.lines.setdefault((*path, key), key_node.line)
            result[key] = self.build(value_node, (*path, key), depth + 1, in_alias)
        if merge is not None:
            self._merge(result, merge, path, depth, in_alias)
        return result

    def _merge(self, result: dict[str, Any], merge: _Node, path: KeyPath, depth: int, in_alias: bool) -> None:
        # yaml.v3 decode.go `merge`: `<<: *a` or `<<: [*a, *b]`; keys written out win, then the first mapping listed.
        sources = merge.items if merge.kind == "seq" else [merge]
        for source in sources:
            target = source.target if source.kind == "alias" else source
            if target is None or target.kind != "map":
                raise file_error(
                    self.name,
                    'a `<<` merge takes a mapping or a list of mappings (the CLI fails with "map merge requires map '
                    'or sequence of maps")',
                    "merge mappings only, or write the values out",
                    path=path,
                    line=source.line,
                )
            merged = self.build(source, path, depth, in_alias)
            for key, value in merged.items():
                result.setdefault(key, value)

    def _key(self, node: _Node, path: KeyPath, in_alias: bool) -> str:
        self._count(node, path, in_alias)
        target = node.target if node.kind == "alias" and node.target is not None else node
        if target.kind == "scalar":
            tag = _short_tag(target.tag)
            if tag is not None and tag not in _CORE_SCALAR_TAGS:
                raise self._tag_error(tag, path, node.line)
            if tag is None and not target.plain:
                tag = "!!str"
            resolved = tag if tag is not None else _resolve(target.text, None)[0]
            if resolved == "!!str" and not _SURROGATE.search(target.text):
                return target.text
            what = {"!!int": "an integer", "!!float": "a number", "!!bool": "a boolean", "!!null": "null (empty)"}
            kind = what.get(resolved, "a date" if resolved == "!!timestamp" else f"tagged {resolved}")
            shown = json.dumps(target.text[:40])
            fix = f"quote it: {shown}" if resolved != "!!null" else "write a name before the colon"
        else:
            kind, fix = f"a {'list' if target.kind == 'seq' else 'mapping'}", "use a plain name as the key"
            shown = ""
        raise file_error(
            self.name,
            f"the key {shown + ' ' if shown else ''}is {kind}; Pulumi accepts only string keys (the CLI fails with "
            '"expected only string keys")',
            fix,
            path=path,
            line=node.line,
        )

    def _scalar(self, node: _Node, path: KeyPath) -> Any:
        if _SURROGATE.search(node.text):
            raise file_error(
                self.name,
                "an escape in this string is half of a UTF-16 surrogate pair, not a character (the CLI fails with "
                '"invalid Unicode character escape code")',
                "write the character itself, or its \\U escape",
                path=path,
                line=node.line,
            )
        tag = _short_tag(node.tag)
        if tag == "!!str" or (tag is None and not node.plain):
            return node.text
        if tag == "!!binary":
            raise file_error(
                self.name,
                "is tagged !!binary: Pulumi would decode it to raw bytes, which no config value here can use",
                "write the text itself, without the tag",
                path=path,
                line=node.line,
            )
        if tag is not None and tag not in _CORE_SCALAR_TAGS:
            raise self._tag_error(tag, path, node.line)
        resolved, value = _resolve(node.text, tag)
        if tag == "!!float" and resolved == "!!int":
            resolved, value = "!!float", float(value)
        if tag is not None and resolved != tag:
            raise file_error(
                self.name,
                f'is tagged {tag} but its text is not one (the CLI fails with "cannot decode {resolved} as a {tag}")',
                "remove the tag, or correct the value",
                path=path,
                line=node.line,
            )
        if resolved == "!!timestamp":
            raise file_error(
                self.name,
                "is an unquoted YAML date/time: Pulumi would pass the program Go's rendering of it (\"2001-12-14 "
                '00:00:00 +0000 UTC"), not the text written',
                "quote it if it is text",
                path=path,
                line=node.line,
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise file_error(
                self.name,
                'is NaN or infinite, which JSON cannot hold (the CLI fails with "json: unsupported value")',
                "write a finite number, or quote it if it is text",
                path=path,
                line=node.line,
            )
        return value

    def _tag_error(self, tag: str, path: KeyPath, line: int) -> ConfigFileError:
        known = {
            "!!set": "a YAML set, which Pulumi turns into a mapping of nulls",
            "!!omap": "an ordered mapping, which Pulumi reads as a list of one-key mappings",
            "!!pairs": "a list of pairs, which Pulumi reads as a list of one-key mappings",
            "!!timestamp": "a date/time",
            "!!binary": "base64 that Pulumi would decode to raw bytes",
        }
        meaning = known.get(tag, "a YAML tag that Pulumi ignores (the value is passed as if untagged)")
        return file_error(
            self.name,
            f"is tagged {tag}: {meaning}; config values are JSON: strings, numbers, booleans, lists and mappings",
            "remove the tag and write the value as a plain string, number, boolean, list or mapping",
            path=path,
            line=line,
        )


def _is_merge(node: _Node) -> bool:
    # yaml.v3 decode.go isMerge: an unquoted `<<` key (or one tagged !!merge).
    return node.kind == "scalar" and node.text == "<<" and (node.plain or _short_tag(node.tag) == "!!merge")


# --- the files ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YamlFile:
    """One project or stack file, read as the CLI reads it: a mapping of JSON-compatible values."""

    name: str
    document: dict[str, Any]
    lines: dict[KeyPath, int]  # the line of every mapping key, by key path

    def line(self, *path: PathPart) -> int | None:
        return self.lines.get(path)

    def error(self, problem: str, fix: str, *path: PathPart) -> ConfigFileError:
        return file_error(self.name, problem, fix, path=path, line=self.line(*path))


def read_yaml_value(path: Path, kind: FileKind) -> tuple[Any, dict[KeyPath, int]]:
    """Any YAML file read as strictly as a stack file, within its kind's limits: its value (None when empty) and
    the line of every mapping key."""
    name = display_name(path, kind)
    text = decode(name, read_bytes(path, kind))
    root = _compose(name, text, kind)
    builder = _Builder(name, kind)
    return (builder.build(root, (), 0, False) if root is not None else None), builder.lines


def read_yaml_file(path: Path) -> YamlFile:
    """Read a Pulumi.yaml or Pulumi.<stack>.yaml strictly; a ConfigFileError names what is wrong and where."""
    name = path.name
    document, lines = read_yaml_value(path, STACK_FILE)
    if document is None:
        document = {}  # an empty file, as for the CLI
    if not isinstance(document, dict):
        got = "list" if isinstance(document, list) else "single value"
        raise file_error(
            name,
            f"must be a YAML mapping (of `config:` and other keys), not a {got}",
            "start the file with `config:` (see docs/config-reference.md)",
        )
    return YamlFile(name, document, lines)


def config_key(file: YamlFile, key: str, project: str) -> str:
    """The full config key, as workspace/loaders.go namespaces it and resource/config/key.go ParseKey reads it."""
    full = key if ":" in key else f"{project}:{key}"
    parts = full.split(":")
    if len(parts) == 2:
        return full
    if len(parts) == 3 and parts[1] == "config":  # the old `<namespace>:config:<name>` form
        return f"{parts[0]}:{parts[2]}"
    raise file.error(
        "is not a Pulumi config key: keys are `<namespace>:<name>`, the name without colons (the CLI fails with "
        '"could not parse as a configuration key")',
        f"write it as {project}:<name>, e.g. {project}:vnets",
        "config",
        key,
    )


def config_entries(file: YamlFile, project: str) -> dict[str, Any]:
    """The `config:` section with full keys. Two spellings of one key (`vnets` and `vnet2vnet:vnets`) are refused:
    the CLI would keep one of them at random (a Go map)."""
    section = file.document.get("config")
    if section is None:
        return {}
    if not isinstance(section, dict):
        got = "list" if isinstance(section, list) else type(section).__name__
        raise file_error(
            file.name,
            f"`config:` must be a mapping of keys to values, got a {got}",
            "write `config:` followed by indented `key: value` lines",
            line=file.line("config"),
        )
    entries: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in section.items():
        full = config_key(file, key, project)
        if full in spelled:
            raise file.error(
                f"is the same config key as config.{spelled[full]} (line {file.line('config', spelled[full])}): "
                f"both are {full}, and Pulumi would keep one of them at random",
                "keep one of them",
                "config",
                key,
            )
        spelled[full] = key
        entries[full] = value
    return entries


def check_stack_settings(file: YamlFile) -> None:
    """The ProjectStack fields that are strings (workspace/project.go): a list or mapping there fails the CLI."""
    for key in ("secretsprovider", "encryptedkey", "encryptionsalt"):
        if isinstance(file.document.get(key), (dict, list)):
            raise file.error(
                'must be a string (the CLI fails with "cannot unmarshal into string")',
                "write a string, or remove the key",
                key,
            )


def project_name(file: YamlFile) -> str:
    name = file.document.get("name")
    if not isinstance(name, str) or not name:
        raise file.error(
            'the project needs a non-empty string `name` (the CLI fails with "project is missing a non-empty string '
            "'name' attribute\")",
            "set `name: vnet2vnet`",
            "name",
        )
    return name


def is_secure(value: Any) -> bool:
    """resource/config/object.go isSecureValue: a mapping whose only key is `secure`, with a string."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SECURE_KEY), str)


def replace_secure(value: Any, placeholder: str) -> tuple[Any, bool]:
    """The value with every `{secure: ...}` inside it replaced by `placeholder` (the CLI passes the decrypted text
    there), and whether there was one."""
    if is_secure(value):
        return placeholder, True
    if isinstance(value, dict):
        pairs = {key: replace_secure(item, placeholder) for key, item in value.items()}
        return {key: item for key, (item, _) in pairs.items()}, any(found for _, found in pairs.values())
    if isinstance(value, list):
        items = [replace_secure(item, placeholder) for item in value]
        return [item for item, _ in items], any(found for _, found in items)
    return value, False


def _go_json_numbers(value: Any) -> Any:
    # Go's json.Marshal writes a whole float64 below 1e21 as its shortest digits without a fraction or exponent
    # (`1.0e2` -> `100`, `-9223372036854775809` -> `-9223372036854776000`): the program receives that integer.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(Decimal(repr(value)))
    if isinstance(value, dict):
        return {key: _go_json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_json_numbers(item) for item in value]
    return value


def config_string(value: Any) -> str:
    """The string the program receives for a config value (object.go MarshalString): strings as they are, anything
    else as JSON."""
    return value if isinstance(value, str) else json.dumps(_go_json_numbers(value))


def plaintext_secret_warning(key: str, file: str) -> str:
    """Never the value itself: the key is the secret."""
    return (
        f"{key} is in plain text in {file}: anyone who can read the file (or its repository history) has the VPN "
        f"key; encrypt it with `pulumi config set --secret {key} <key>` (the file then holds `secure: ...`), and "
        "rotate the key if the file was ever committed"
    )


def empty_value_warning(key: str, file: str) -> str:
    return (
        f'{key} has no value in {file}; Pulumi passes it as an empty string "" (and warns the same); set a value '
        "or remove the key"
    )
