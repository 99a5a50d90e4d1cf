"""The built documentation site (`make docs` builds site/ first, then runs this): every page of the navigation
opens in Debian's chromium, headless, with every host but this machine unreachable; each page loads (its title
heading is there) and each Mermaid diagram of its source was drawn as an inline SVG by the site's own Mermaid."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
DOCS = ROOT / "docs"
# Time the page's scripts get (virtual time: nothing waits on the wall clock).
SCRIPT_BUDGET_MS = 20_000


def nav_pages() -> list[str]:
    """Every page mkdocs.yml's navigation lists, in order."""

    def walk(entries: list[object]) -> Iterator[str]:
        for entry in entries:
            if isinstance(entry, dict):
                for value in entry.values():
                    yield from walk(value) if isinstance(value, list) else [str(value)]
            else:
                yield str(entry)

    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=_IgnoringTags)
    return list(walk(config["nav"]))


class _IgnoringTags(yaml.SafeLoader):
    """mkdocs.yml names Python objects (`!!python/name:`); reading the navigation needs none of them."""


_IgnoringTags.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def chromium() -> str:
    found = os.environ.get("VNET2VNET_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(
            "Debian's chromium is needed to open the site (`apt-get install chromium`; .ci/run installs it), or set "
            "VNET2VNET_CHROMIUM to a Chromium binary",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The built site over HTTP on this machine (as a reader's browser gets it), its base URL."""
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make docs`", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def rendered_dom(url: str, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran, from headless chromium that can reach nothing but 127.0.0.1."""
    result = subprocess.run(
        [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            f"--user-data-dir={tmp_path / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--virtual-time-budget={SCRIPT_BUDGET_MS}", "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"chromium could not open {url}: {result.stderr[-2000:]}"
    return result.stdout


def diagrams_in(page: str) -> int:
    return len(re.findall(r"^```mermaid\s*$", (DOCS / page).read_text(), flags=re.MULTILINE))


PAGES = nav_pages()


def test_the_navigation_lists_every_page_and_the_site_has_them() -> None:
    written = sorted(path.name for path in DOCS.glob("*.md"))
    assert sorted(PAGES) == written, (
        f"pages not in mkdocs.yml's nav, or listed but missing: {set(PAGES) ^ set(written)}"
    )
    assert any(diagrams_in(page) for page in PAGES), "the site shows topology diagrams"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_loads_and_each_diagram_is_drawn_as_svg(served: str, tmp_path: Path, page: str) -> None:
    dom = rendered_dom(f"{served}/{page.removesuffix('.md')}.html", tmp_path)
    title = (DOCS / page).read_text().splitlines()[0].removeprefix("# ").replace("`", "")
    headings = [re.sub(r"<[^>]+>", "", heading) for heading in re.findall(r"<h1[^>]*>(.*?)</h1>", dom, re.DOTALL)]
    assert any(title in heading for heading in headings), f"{page}: the page did not load (no h1 '{title}': {headings}"
    expected = diagrams_in(page)
    drawn = re.findall(r'<div class="diagram"[^>]*data-drawn="(\w+)"[^>]*>\s*(<svg)?', dom)
    assert len(drawn) == expected, f"{page}: {expected} diagrams in the source, {len(drawn)} drawn: {drawn}"
    assert all(state == "svg" and svg for state, svg in drawn), f"{page}: a diagram failed to draw: {drawn}"
