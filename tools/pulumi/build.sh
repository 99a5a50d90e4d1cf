#!/usr/bin/env bash
# Builds the Pulumi CLI pinned in tools/pulumi/go.mod from the Go module proxy into
#   ${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}/pulumi/<version>/bin/
# Anything already built there is reused, never rebuilt. Progress goes to stderr; the last
# line on stdout is the absolute path of the pulumi binary.
#
# The Python/Node.js language hosts (sdk/*/cmd/pulumi-language-*/v3) are not built: they are
# untagged modules and the module proxy available here refuses them (403 "This module version is
# not available"). Without pulumi-language-python on PATH, `pulumi up` of a Python project fails;
# Automation API inline programs (which run the CLI with --client) work without it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  else
    echo "build.sh: go not found (need Go >= the 'go' line of $here/go.mod)" >&2
    exit 1
  fi
fi

pkg_mod=github.com/pulumi/pulumi/pkg/v3
sdk_mod=github.com/pulumi/pulumi/sdk/v3
version="$(go list -m -f '{{.Version}}' "$pkg_mod")"
sdk_version="$(go list -m -f '{{.Version}}' "$sdk_mod")"
if [[ "$version" != "$sdk_version" ]]; then
  echo "build.sh: $pkg_mod is $version but $sdk_mod is $sdk_version in go.mod; pin both to one version" >&2
  exit 1
fi

cache="${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
bin="$cache/pulumi/$version/bin"
mkdir -p "$bin"

# build NAME PACKAGE: go build PACKAGE (resolved through this module's go.mod/go.sum) to $bin/NAME.
build() {
  local name="$1" pkg="$2" out="$bin/$1"
  if [[ -x "$out" ]]; then
    echo "$name $version: already built at $out" >&2
    return 0
  fi
  echo "building $name $version (cold build: several minutes; each package is listed as it compiles)..." >&2
  local tmp="$out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  local start=$SECONDS
  go build -v -o "$tmp" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    "$pkg"
  mv -f "$tmp" "$out"
  trap - EXIT
  echo "built $name $version in $((SECONDS - start))s: $out" >&2
}

build pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

got="$("$bin/pulumi" version)"
if [[ "$got" != "$version" ]]; then
  echo "build.sh: $bin/pulumi reports version '$got', expected '$version'" >&2
  exit 1
fi

echo "$bin/pulumi"
