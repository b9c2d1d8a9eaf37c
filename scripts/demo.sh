#!/usr/bin/env bash
# Installs what the demo needs (no Go tools) and runs Salvage on a bundled repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SALVAGE_SKIP_TOOLS=1 bash scripts/setup.sh
export PATH="$root/.tools/bin:$PATH"
pnpm -s build
node packages/cli/bin/salvage.js --help
