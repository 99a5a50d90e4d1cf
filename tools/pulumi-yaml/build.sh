#!/usr/bin/env bash
# Builds pulumi-language-yaml, the YAML language host pinned in tools/pulumi-yaml/go.mod, from the Go module proxy
# into ${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}/pulumi-yaml/<version>/bin/ (reused, never rebuilt). The last line
# on stdout is its absolute path.
#
# Why: some CLI commands load a project's language host without running its program (`pulumi import --file`
# gathers the program's plugins first). The Python host cannot be built here (tools/pulumi/build.sh says why);
# the YAML host is a tagged module the proxy serves, so the real-engine tests run `pulumi import` from a copy of
# the project that declares the YAML runtime. Nothing else uses it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; else
    echo "pulumi-yaml/build.sh: go not found" >&2; exit 1
  fi
fi

module=github.com/pulumi/pulumi-yaml
version="$(go list -m -f '{{.Version}}' "$module")"
cache="${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}"
mkdir -p "$cache"
bin="$(cd "$cache" && pwd)/pulumi-yaml/$version/bin"
out="$bin/pulumi-language-yaml"
if [[ -x "$out" ]]; then
  echo "pulumi-language-yaml $version: already built at $out" >&2
else
  mkdir -p "$bin"
  echo "building pulumi-language-yaml $version (cold: a few minutes; packages listed as they compile)..." >&2
  tmp="$out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  start=$SECONDS
  go build -v -o "$tmp" "$module/cmd/pulumi-language-yaml"
  mv -f "$tmp" "$out"
  trap - EXIT
  echo "built pulumi-language-yaml $version in $((SECONDS - start))s: $out" >&2
fi
echo "$out"
