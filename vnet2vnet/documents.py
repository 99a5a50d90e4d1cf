"""One reader for every file the tools read besides the stack files: seed files, state exports (`plan --against`)
and ID maps (`adopt --ids`). Each goes through the stack-file reader's guards (`stack_files`: strict UTF-8, no
alias bombs or self-references, bounded depth, YAML as the Pulumi CLI reads it) with a size limit of its own, and
every refusal is a `ConfigFileError` naming the file, the key path and the fix, never a traceback.

JSON files are read by Python's JSON parser (a 256 MiB state export through a YAML parser would take minutes) with
the same guards: UTF-8, no NaN or infinities, no key twice in one object, bounded depth.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from vnet2vnet.stack_files import (
    MAX_DEPTH,
    ConfigFileError,
    FileKind,
    KeyPath,
    decode,
    display_name,
    file_error,
    read_bytes,
    read_yaml_value,
    render_path,
)

MIB = 1024 * 1024
# A state export of a 60,000-resource stack is about 200 MiB; seeds share the format's scale (a whole brownfield
# estate exported as seed resources).
LARGE_FILE_BYTES = 256 * MIB

SEED_FILE = FileKind(
    "a seed file",
    "what exists before the stack: resources, variants and faults",
    LARGE_FILE_BYTES,
    5_000_000,
    MAX_DEPTH,
    "keep only the resources the stack reads or touches in the seed file",
    full_path=True,
)
STATE_EXPORT = FileKind(
    "a state export",
    "one stack's resources as `pulumi stack export` writes them",
    LARGE_FILE_BYTES,
    50_000_000,
    MAX_DEPTH,
    "pass the output of `pulumi stack export --stack <stack>` for this stack only",
    full_path=True,
)
ID_MAP = FileKind(
    "an ID map",
    "one Azure resource ID per resource of the stack",
    16 * MIB,
    1_000_000,
    MAX_DEPTH,
    'write a JSON object {"<our resource name>": "<Azure resource ID>", ...} for this stack\'s resources',
    full_path=True,
)


def read_document(path: Path, kind: FileKind) -> Any:
    """A JSON (by its `.json` suffix) or YAML file's value, within `kind`'s limits; ConfigFileError otherwise."""
    if path.suffix.lower() == ".json":
        return read_json(path, kind)
    value, _ = read_yaml_value(path, kind)
    return value


def read_json(path: Path, kind: FileKind) -> Any:
    name = display_name(path, kind)
    text = decode(name, read_bytes(path, kind), yaml_text=False)

    def refuse_constant(constant: str) -> Any:
        raise file_error(name, f"holds {constant}, which is not JSON", "write a finite number or a string")

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise file_error(
                    name,
                    f"the key {json.dumps(key[:60])} appears twice in one object: a JSON reader keeps only one of "
                    "them, silently",
                    "keep one of them",
                )
            found[key] = value
        return found

    try:
        value = json.loads(text, parse_constant=refuse_constant, object_pairs_hook=unique_keys)
    except RecursionError:
        raise _too_deep(name, (), kind) from None
    except json.JSONDecodeError as error:
        raise file_error(
            name,
            f"is not valid JSON: {error.msg}, column {error.colno}",
            "correct the JSON syntax there (quotes, commas, brackets)",
            line=error.lineno,
        ) from None
    deepest = _deeper_than(value, kind.max_depth)
    if deepest is not None:
        raise _too_deep(name, deepest, kind)
    return value


def _too_deep(name: str, path: KeyPath, kind: FileKind) -> ConfigFileError:
    return file_error(
        name,
        f"values nest more than {kind.max_depth} levels deep; {kind.what} nests a handful",
        "flatten the value (is this the right file?)",
        path=path,
    )


def _deeper_than(value: Any, limit: int) -> KeyPath | None:
    """The path of a value nested deeper than `limit`, if any (iterative: the depth itself is the danger)."""
    pending: list[tuple[Any, KeyPath]] = [(value, ())]
    while pending:
        current, path = pending.pop()
        if len(path) > limit:
            return path[:limit]
        if isinstance(current, dict):
            pending.extend((inner, (*path, str(key))) for key, inner in current.items())
        elif isinstance(current, list):
            pending.extend((inner, (*path, index)) for index, inner in enumerate(current))
    return None


# ------------------------------------------------------------------------------------------ shapes


class Shape:
    """Checks on a document read by `read_document`: each failed check is a ConfigFileError naming the file, the key
    path and the fix, so that callers never index into a value of the wrong type."""

    def __init__(self, path: Path, kind: FileKind) -> None:
        self.name = display_name(path, kind)

    def error(self, where: KeyPath, problem: str, fix: str) -> ConfigFileError:
        return file_error(self.name, problem, fix, path=where)

    def mapping(self, value: Any, where: KeyPath, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, f"must be {what} (a mapping), not {kind_of(value)}", f"write {what} there")
        return value

    def sequence(self, value: Any, where: KeyPath, what: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(where, f"must be {what} (a list), not {kind_of(value)}", f"write {what} there")
        return value

    def string(self, value: Any, where: KeyPath, what: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(where, f"must be {what} (a non-empty string), not {kind_of(value)}", f"write {what}")
        return value

    def optional(self, value: Any, where: KeyPath, check: Callable[[Any, KeyPath, str], Any], what: str) -> Any:
        return None if value is None else check(value, where, what)

    def items(self, value: Any, where: KeyPath, what: str) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
        """Each entry of a list of mappings, with its path."""
        for index, entry in enumerate(self.sequence(value, where, f"a list of {what}")):
            yield (*where, index), self.mapping(entry, (*where, index), what)


def kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "an empty string" if not value else f"the string {json.dumps(value[:40])}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def one_line(error: ConfigFileError) -> str:
    """A ConfigFileError as one line: the file, the key, the problem and the fix."""
    return " ".join(part.strip() for part in str(error).splitlines() if part.strip())


__all__ = [
    "ID_MAP",
    "SEED_FILE",
    "STATE_EXPORT",
    "ConfigFileError",
    "Shape",
    "kind_of",
    "one_line",
    "read_document",
    "read_json",
    "render_path",
]
