#!/usr/bin/env bash
# Mermaid for the documentation site, from the npm registry: `npm pack` fetches the one package (its tarball is
# checked against the registry's integrity hash) into the user cache, once per version; prints the path of
# dist/mermaid.min.js, which `make docs` copies into the site (nothing is loaded from a CDN).
set -euo pipefail
version="${1:?usage: mermaid.sh VERSION}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/vnet2vnet/mermaid/$version"
bundle="$cache/package/dist/mermaid.min.js"
if [ ! -s "$bundle" ]; then
  command -v npm >/dev/null || { echo "error: npm (Node.js) is needed to fetch Mermaid for the docs site" >&2; exit 3; }
  mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "mermaid@$version" >/dev/null && tar xzf "mermaid-$version.tgz" package/dist/mermaid.min.js \
    && rm -f "mermaid-$version.tgz")
fi
echo "$bundle"
