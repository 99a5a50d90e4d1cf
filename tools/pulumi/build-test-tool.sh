#!/usr/bin/env bash
# Builds one of vnet2vnet's Go test tools in this folder against the SDK pinned in go.mod (the CLI's own version):
#   python-host  a Python language host for the real CLI (python-host/main.go)
#   nodejs-sdk   the TypeScript SDK generator of pkg/v3/codegen/nodejs (nodejs-sdk/main.go)
# into ${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}/pulumi/<version>/<tool>/, a folder of its own (never beside the
# cached CLI, where `vnet2vnet up` would take a language host for the real one). Rebuilt only when its source,
# go.mod or go.sum change. Progress goes to stderr; the last line on stdout is the tool's absolute path.
set -euo pipefail

tool="${1:-}"
case "$tool" in
  python-host) binary=pulumi-language-python ;;
  nodejs-sdk) binary=nodejs-sdk ;;
  *) echo "usage: build-test-tool.sh python-host|nodejs-sdk" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; else
    echo "build-test-tool.sh: go not found" >&2; exit 1
  fi
fi

sdk_mod=github.com/pulumi/pulumi/sdk/v3
version="$(go list -m -f '{{.Version}}' "$sdk_mod")"
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
if [[ "$tool" == python-host ]]; then
  # The host starts programs with the SDK's own runner, read from the Go module cache at this same version.
  go mod download "$sdk_mod"
  runner="$(go list -m -f '{{.Dir}}' "$sdk_mod")/python/cmd/pulumi-language-python-exec"
  if [[ ! -f "$runner" ]]; then
    echo "build-test-tool.sh: the SDK's program runner is missing at $runner" >&2; exit 1
  fi
  ldflags="$ldflags -X main.runnerPath=$runner"
fi
cache="${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
dir="$cache/pulumi/$version/$tool"
out="$dir/$binary"
stamp="$dir/.source-$(cat "$tool"/*.go go.mod go.sum | sha256sum | cut -c1-16)"
if [[ -x "$out" && -f "$stamp" ]]; then
  echo "$tool $version: already built at $out" >&2
else
  mkdir -p "$dir"
  echo "building $tool against sdk $version (cold: a minute or two)..." >&2
  tmp="$out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  start=$SECONDS
  go build -o "$tmp" -ldflags "$ldflags" "./$tool"
  mv -f "$tmp" "$out"
  rm -f "$dir"/.source-*
  touch "$stamp"
  trap - EXIT
  echo "built $tool in $((SECONDS - start))s: $out" >&2
fi
echo "$out"
