#!/usr/bin/env bash
# The component's public-API tests (tests/public_api: pulumi.runtime.set_mocks and vnet2vnet's public names only)
# at one Pulumi release: a venv in the user cache with exactly pulumi==VERSION (and what it needs), everything else
# (azure-native, random, pytest) read from the repository's venv after it. `make public-api` runs the floor and the
# newest release the component supports.
set -euo pipefail
version="${1:?usage: public_api.sh PULUMI_VERSION}"
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/vnet2vnet/public-api/pulumi-$version"
installed() { "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('pulumi') != '$version')" 2>/dev/null; }
if ! installed; then
  python3 -m venv --clear "$venv"
  "$venv/bin/python" -m pip install --quiet "pulumi==$version"
fi
shared="$("$root/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
own="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$shared" > "$own/zz-repository-venv.pth"  # after this venv's own packages: its pulumi wins
cd "$root"
echo "public API at pulumi $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')" >&2
PYTHONPATH="$root" "$venv/bin/python" -m pytest -q -p no:cacheprovider -p no:xdist tests/public_api
