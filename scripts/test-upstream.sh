#!/usr/bin/env bash
# Conformance over the repositories in ../shared/fixtures (restic's and rustic's own test
# repositories and the generated restic 0.14 ones). They are not ours to commit, so this runs
# apart from the main suite; .ci/run runs it after scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.tools/bin:$PATH"
shared=${SALVAGE_SHARED_FIXTURES:-$root/../shared/fixtures}
if [[ ! -d "$shared" ]]; then
  echo "test-upstream: $shared is missing; set SALVAGE_SHARED_FIXTURES" >&2
  exit 1
fi
export SALVAGE_SHARED_FIXTURES="$shared"
pnpm -s test:upstream
