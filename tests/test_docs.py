"""The README and the documentation pages: a short README that links to every page, pages the site builds from,
and messages that send a reader to a page rather than to a README section (the built site itself: tests/site)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
PAGES = sorted(path.name for path in (ROOT / "docs").glob("*.md"))
README_LINE_LIMIT = 200


def test_the_readme_is_short() -> None:
    lines = len(README.splitlines())
    assert lines < README_LINE_LIMIT, f"README.md has {lines} lines: move sections to docs/ and link them"


def test_the_readme_links_every_page_and_only_pages_that_exist() -> None:
    linked = set(re.findall(r"\]\(docs/([a-z0-9-]+\.md)(?:#[a-z0-9-]+)?\)", README))
    # The site's home page (docs/index.md) is what the README itself says, in the site.
    assert linked == set(PAGES) - {"index.md"}, f"README links and docs/ differ: {linked ^ (set(PAGES) - {'index.md'})}"


def test_the_readme_keeps_its_test_command_and_the_sections_users_look_for() -> None:
    assert "make test" in README, ".ci/run runs the README's test command"
    for heading in ("## Quick start", "## Exit codes", "## When `up` was interrupted", "## Documentation"):
        assert heading in README, f"README lacks {heading}"
    assert "| 3 |" in README and "recover" in README, "the exit-code table names recover and exit 3"


@pytest.mark.parametrize("module", sorted((ROOT / "vnet2vnet").rglob("*.py")), ids=lambda path: path.name)
def test_no_message_sends_a_reader_to_a_readme_section(module: Path) -> None:
    named = re.findall(r"README ['\"][^'\"]+['\"]|README's '[^']+'", module.read_text())
    assert not named, f"{module.relative_to(ROOT)} names README sections that moved to docs/: {named}"


def test_messages_name_pages_that_exist() -> None:
    named = {
        page
        for module in (ROOT / "vnet2vnet").rglob("*.py")
        for page in re.findall(r"docs/([a-z0-9-]+\.md)", module.read_text())
    }
    assert named and named <= set(PAGES), f"pages named in messages but missing: {named - set(PAGES)}"


def test_the_readmes_python_example_builds_a_pair() -> None:
    """The README's component example, run as written (its `vnets` are a first pair's): a pair of two gateways."""
    from tests.support import GATEWAY, plan_components

    (example,) = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    plan = plan_components(lambda: exec(compile(example, "README.md", "exec"), {}))
    gateways = sorted(resource.name for resource in plan.of_type(GATEWAY))
    assert gateways == ["corp-east-gw", "corp-west-gw"], f"the example builds a pair: {gateways}"
    assert "connectionStatuses" in plan.outputs, "and exports what it says"
