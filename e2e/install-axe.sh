#!/usr/bin/env bash
# Installs axe-core, the accessibility rules engine the end-to-end tests run
# on every page, from the npm registry into .tools/axe (git-ignored). The
# tests look for .tools/axe/node_modules/axe-core/axe.min.js, or the file
# named by CONTACTDESK_AXE.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${AXE_VERSION:-4.14.1}"
dest=.tools/axe
file="$dest/node_modules/axe-core/axe.min.js"

if [ -f "$file" ] && grep -q "axe v$version" "$file"; then
  echo "axe-core $version already installed in $dest"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-axe: npm is needed (Node.js); install it first" >&2
  exit 1
fi
mkdir -p "$dest"
npm install --prefix "$dest" --no-audit --no-fund --no-save --loglevel=error "axe-core@$version"
test -f "$file"
echo "axe-core $version installed in $dest"
