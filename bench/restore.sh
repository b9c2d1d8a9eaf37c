#!/usr/bin/env bash
# Restore benchmark (bench/restore.ts): builds the CLI, then runs Salvage, restic and kopia
# restores side by side. SALVAGE_BENCH_SCALE=0.1 for a quick run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.tools/bin:$PATH"
pnpm -s build
pnpm vitest run --config bench/restore.config.ts
