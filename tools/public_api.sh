#!/usr/bin/env bash
# The component's public-API tests (tests/public_api: pulumi.runtime.set_mocks and vnet2vnet's public names only)
# against the vnet2vnet distribution as a consumer installs it, at one Pulumi release: a fresh venv with
# `pip install <this repository's wheel> pulumi==VERSION`, every other dependency resolved by pip within fixed
# versions (a new release on PyPI changes no result): CONSTRAINTS if given (the floor's, every dependency at its
# lowest declared version), else the versions this repository's venv has. The tests run from a copy outside the
# repository, so `vnet2vnet` imports from the installed wheel. The venv is kept in the user cache per release and
# dependency set; the wheel is reinstalled every run. `make public-api` runs the floor and the newest release.
set -euo pipefail
version="${1:?usage: public_api.sh PULUMI_VERSION [CONSTRAINTS]}"
given_constraints="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
python="$root/venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel --quiet --no-deps --no-build-isolation -w "$work/dist" "$root"
wheel="$(echo "$work"/dist/vnet2vnet-*.whl)"
if [ -n "$given_constraints" ]; then
  grep -qx "pulumi==$version" "$given_constraints" || { echo "error: $given_constraints must pin pulumi==$version" >&2; exit 2; }
  cp "$given_constraints" "$work/constraints.txt"
else
  # Everything the repository's venv has, at its version, but Pulumi itself and the project's own distributions.
  "$python" -m pip freeze --exclude-editable | grep -viE '^(pulumi|vnet2vnet[-_a-z]*)==' > "$work/constraints.txt"
fi
requires="$(unzip -p "$wheel" '*.dist-info/METADATA' | grep '^Requires-Dist:' || true)"
key="$(printf '%s\n%s\n' "$requires" "$(cat "$work/constraints.txt")" | sha256sum | cut -c1-12)"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/vnet2vnet/public-api/pulumi-$version-$key"
pytest_pin="$(grep -E '^pytest==' "$root/requirements-dev.txt")"

if [ ! -f "$venv/.complete" ]; then
  rm -rf "${venv%-*}"-*  # this release's venvs for other dependency sets (ours: the cache folder is ours)
  python3 -m venv "$venv"
  echo "public API: a fresh venv with the vnet2vnet wheel and pulumi==$version (dependencies from PyPI)" >&2
  "$venv/bin/python" -m pip install --quiet -c "$work/constraints.txt" "$wheel" "pulumi==$version" "$pytest_pin"
  touch "$venv/.complete"
else
  "$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall "$wheel"
fi
"$venv/bin/python" -m pip check >&2

mkdir "$work/tests"
cp "$root"/tests/public_api/test_*.py "$work/tests/"
cd "$work"
"$venv/bin/python" - <<'EOF' >&2
import importlib.metadata as metadata, sys
import vnet2vnet
assert vnet2vnet.__file__.startswith(sys.prefix), f"vnet2vnet must come from the installed wheel: {vnet2vnet.__file__}"
print(f"public API at pulumi {metadata.version('pulumi')}, vnet2vnet from {vnet2vnet.__file__}")
EOF
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$work/tests"
