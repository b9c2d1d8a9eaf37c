#!/usr/bin/env bash
# Installs what the demo needs (no Go tools) and runs Salvage on a bundled repository:
# lists its snapshots, browses the latest one, and restores one directory of it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SALVAGE_SKIP_TOOLS=1 bash scripts/setup.sh
export PATH="$root/.tools/bin:$PATH"
pnpm -s build
salvage() { node "$root/packages/cli/bin/salvage.js" "$@"; }
repo="$root/test/fixtures/repos/restic-v2-auto"
[[ -d "$repo" ]] || repo=$(ls -d "$root"/test/fixtures/repos/restic-* | head -1)
export RESTIC_PASSWORD=salvage-test
echo "== salvage -r $repo snapshots"
salvage -r "$repo" --no-cache snapshots
echo "== salvage ls -l latest"
salvage -r "$repo" --no-cache ls -l latest | head -20
target=$(mktemp -d "${TMPDIR:-/tmp}/salvage-demo-XXXXXX")
first_dir=$(salvage -r "$repo" --no-cache --json ls latest | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const n = s.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((x) => x.type === "dir");
    process.stdout.write(n ? n.path : "/");
  });')
echo "== salvage restore latest:$first_dir --target $target --verify"
salvage -r "$repo" --no-cache restore "latest:$first_dir" --target "$target" --verify
find "$target" | head -20
rm -rf "$target"
