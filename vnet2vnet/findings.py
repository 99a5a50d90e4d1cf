"""Findings: what validation reports, each naming the key that is wrong and how to fix it.

A key path is kept as a tuple of segments (snake_case field names and list indexes) and rendered for the reader:
stack config style (`vnet2vnet:vnets[1].gatewaySubnetPrefix`) or component-args style
(`vnets[1].gateway_subnet_prefix`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

CONFIG_NAMESPACE = "vnet2vnet"

Severity = Literal["error", "warning"]
PathStyle = Literal["config", "args"]


class MapKey(str):
    """A path segment that is a user's map key (a tag name): rendered as `["key"]`, never renamed."""


class Verbatim(str):
    """A path segment rendered exactly as the user wrote it (an unknown key), never renamed."""


PathSegment = str | int
KeyPath = tuple[PathSegment, ...]


def camel_case(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def render_path(path: KeyPath, style: PathStyle) -> str:
    rendered = ""
    for segment in path:
        if isinstance(segment, int):
            rendered += f"[{segment}]"
        elif isinstance(segment, MapKey):
            rendered += f'["{segment}"]'
        else:
            name = camel_case(segment) if style == "config" and not isinstance(segment, Verbatim) else segment
            rendered += f".{name}" if rendered else name
    return f"{CONFIG_NAMESPACE}:{rendered}" if style == "config" else rendered


@dataclass(frozen=True)
class Finding:
    severity: Severity
    path: KeyPath
    message: str
    fix: str

    def rendered(self, style: PathStyle) -> RenderedFinding:
        return RenderedFinding(self.severity, render_path(self.path, style), self.message, self.fix)


@dataclass(frozen=True)
class RenderedFinding:
    """A finding as users see it; the fields are the JSON contract of `plan --json`."""

    severity: Severity
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}\n  fix: {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "path": self.path, "message": self.message, "fix": self.fix}


def error(path: KeyPath, message: str, fix: str) -> Finding:
    return Finding("error", path, message, fix)


def warning(path: KeyPath, message: str, fix: str) -> Finding:
    return Finding("warning", path, message, fix)


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == "error"]


def format_findings(findings: Iterable[RenderedFinding]) -> str:
    return "\n".join(str(finding) for finding in findings)


class ValidationError(ValueError):
    """The configuration breaks one or more rules; `.findings` lists every one of them."""

    def __init__(self, findings: Iterable[RenderedFinding], intro: str = "invalid configuration") -> None:
        self.findings = list(findings)
        errors = [finding for finding in self.findings if finding.severity == "error"]
        super().__init__(f"{intro}: {len(errors)} error(s)\n{format_findings(self.findings)}")
