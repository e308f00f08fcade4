#!/usr/bin/env bash
# install-onnxruntime.sh [DIR] — installs the npm package onnxruntime-node
# (its CPU libraries are inside the package, so --ignore-scripts is enough)
# into DIR [.cache/npm beside this checkout] unless it is there already.
# Used by ./run and by the export tests; exits non-zero when npm cannot.
set -euo pipefail
ORT_VERSION=1.30.0
dir=${1:-"$(cd "$(dirname "$0")/../.." && pwd)/.cache/npm"}
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
   grep -q "\"version\": \"$ORT_VERSION\"" "$dir/node_modules/onnxruntime-node/package.json"; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-onnxruntime: npm is not installed" >&2; exit 1; }
mkdir -p "$dir"
echo "install-onnxruntime: npm install onnxruntime-node@$ORT_VERSION into $dir" >&2
npm install --ignore-scripts --no-audit --no-fund --loglevel=error --prefix "$dir" \
  "onnxruntime-node@$ORT_VERSION" >&2
