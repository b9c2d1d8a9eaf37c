#!/usr/bin/env bash
# Installs everything Salvage needs on a fresh machine, idempotently:
#   pnpm (from the npm registry, into a cache), npm dependencies, and the real tools
#   (restic, kopia, MinIO) the tests drive. Source it or run it; it prints what it does.
#   SALVAGE_SKIP_TOOLS=1 skips the Go tool builds (the demo does not need them).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SALVAGE_TOOLS_CACHE:-$HOME/.cache/salvage/tools}
pnpm_version=10.34.8

command -v node >/dev/null || { echo "setup: node (>= 20.19) is required" >&2; exit 1; }
pnpm_dir="$cache/pnpm-$pnpm_version"
if [[ ! -x "$pnpm_dir/node_modules/.bin/pnpm" ]]; then
  echo "setup: installing pnpm $pnpm_version from the npm registry"
  mkdir -p "$pnpm_dir"
  npm install --silent --no-audit --no-fund --prefix "$pnpm_dir" "pnpm@$pnpm_version" >/dev/null
fi
mkdir -p "$root/.tools/bin"
ln -sfn "$pnpm_dir/node_modules/.bin/pnpm" "$root/.tools/bin/pnpm"
export PATH="$root/.tools/bin:$PATH"

cd "$root"
if [[ -f pnpm-lock.yaml ]]; then
  pnpm install --frozen-lockfile --reporter=silent
else
  pnpm install --reporter=silent
fi
echo "setup: npm dependencies installed"

# restore's native helper (nanosecond times, mkfifo/mknod, xattrs): optional, needs a C compiler
bash "$root/packages/repo-core/src/ops/restore/native/build.sh" || echo "setup: native helper not built (restore falls back)" >&2

# system tar/unzip extract Salvage's dumps in the tests
if ! command -v unzip >/dev/null && [[ "${SALVAGE_SKIP_TOOLS:-0}" != 1 ]] && command -v apt-get >/dev/null; then
  echo "setup: installing unzip"
  (apt-get install -y -qq unzip >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq unzip >/dev/null; }) || echo "setup: could not install unzip" >&2
fi

if [[ "${SALVAGE_SKIP_TOOLS:-0}" != 1 ]]; then
  bash "$root/scripts/tools.sh"
fi
