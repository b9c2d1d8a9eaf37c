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
# Nothing may write into a committed fixture repository: not Salvage (read-only by design), not
# the real tools (tests must run them on copies). Catch it here.
changed=$(git status --porcelain --untracked-files=all -- test/fixtures/repos)
if [[ -n "$changed" ]]; then
  echo "test: the suite modified committed fixture repositories:" >&2
  echo "$changed" | head -20 >&2
  exit 1
fi
