"""Shared test setup: the Azure REST API spec files the spec-check tests read must be there.

CI lays `shared/` beside the clone; without it, the tests that check request bodies against Azure's API spec
would have nothing to check. They fail, saying what is missing, rather than skip silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vnet2vnet.spec_check import SPEC_DIR_VARIABLE, find_spec_dir

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    found = find_spec_dir(PROJECT_DIR)
    if found is None:
        pytest.fail(
            f"Azure's REST API spec files are missing: put shared/ (with azure-rest-api-specs) beside the project "
            f"({PROJECT_DIR.parent / 'shared'}), or set {SPEC_DIR_VARIABLE} to the Microsoft.Network spec folder",
            pytrace=False,
        )
    return found
