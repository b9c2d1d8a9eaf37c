#!/usr/bin/env bash
# Builds posix.node (see posix.c) into packages/repo-core/.native/ with the system C compiler and
# Node's own headers. Optional: without it restore falls back to microsecond timestamps, the
# mkfifo/mknod programs, and no xattrs, and says so. Idempotent; rebuilds when posix.c changes.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/../../../../.native"
mkdir -p "$out"
if [[ -f "$out/posix.node" && "$out/posix.node" -nt "$here/posix.c" ]]; then exit 0; fi
node_prefix=$(dirname "$(dirname "$(command -v node)")")
inc=""
for d in "$node_prefix/include/node" /usr/include/node /usr/local/include/node; do
  if [[ -f "$d/node_api.h" ]]; then inc=$d; break; fi
done
if [[ -z "$inc" ]]; then echo "build-native: no node_api.h found; skipping" >&2; exit 0; fi
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null; then echo "build-native: no C compiler; skipping" >&2; exit 0; fi
"$cc" -O2 -shared -fPIC -Wall -I"$inc" -DNODE_GYP_MODULE_NAME=posix \
  -o "$out/posix.node.tmp" "$here/posix.c"
mv "$out/posix.node.tmp" "$out/posix.node"
echo "build-native: built $out/posix.node"
