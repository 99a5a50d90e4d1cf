#!/usr/bin/env bash
# Builds vnet2vnet's Python language host for the real-engine tests (python-host/main.go) against the SDK pinned in
# this folder's go.mod (the CLI's own version) into
#   ${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}/pulumi/<version>/python-host/pulumi-language-python
# a folder of its own: never beside the cached CLI, where `vnet2vnet up` would take it for the real host. The runner
# it starts programs with is the SDK's pulumi-language-python-exec in the Go module cache, at that same version.
# Reused once built. Progress goes to stderr; the last line on stdout is the host's absolute path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then PATH="/usr/local/go/bin:$PATH"; else
    echo "build-python-host.sh: go not found" >&2; exit 1
  fi
fi

sdk_mod=github.com/pulumi/pulumi/sdk/v3
version="$(go list -m -f '{{.Version}}' "$sdk_mod")"
go mod download "$sdk_mod"
runner="$(go list -m -f '{{.Dir}}' "$sdk_mod")/python/cmd/pulumi-language-python-exec"
if [[ ! -f "$runner" ]]; then
  echo "build-python-host.sh: the SDK's program runner is missing at $runner" >&2; exit 1
fi
cache="${VNET2VNET_CACHE:-$HOME/.cache/vnet2vnet}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
dir="$cache/pulumi/$version/python-host"
out="$dir/pulumi-language-python"
# The source's hash is part of the stamp: an edited host is rebuilt, an unchanged one reused.
stamp="$dir/.source-$(cat python-host/main.go go.mod go.sum | sha256sum | cut -c1-16)"
if [[ -x "$out" && -f "$stamp" ]]; then
  echo "python host $version: already built at $out" >&2
else
  mkdir -p "$dir"
  echo "building the test Python language host against sdk $version (cold: a minute or two)..." >&2
  tmp="$out.tmp.$$"
  trap 'rm -f "$tmp"' EXIT
  start=$SECONDS
  go build -o "$tmp" \
    -ldflags "-X main.runnerPath=$runner -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    ./python-host
  mv -f "$tmp" "$out"
  rm -f "$dir"/.source-*
  touch "$stamp"
  trap - EXIT
  echo "built the test Python language host in $((SECONDS - start))s: $out" >&2
fi
echo "$out"
