#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs pnpm, npm dependencies and the real tools
# (restic, kopia, MinIO), then format check, lint, typecheck, build, and every test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
export PATH="$root/.tools/bin:$PATH"
echo "== format";    pnpm -s format:check
echo "== lint";      pnpm -s lint
echo "== typecheck"; pnpm -s typecheck
echo "== test";      pnpm -s test
