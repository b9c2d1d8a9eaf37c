#!/usr/bin/env bash
# Regenerates the kopia primitive vectors in packages/repo-core/test/vectors from kopia v0.22.3's
# own code. main.go imports kopia/internal/gather, so it is built inside a writable copy of the
# kopia module (exact go.sum of v0.22.3, so the libraries are those kopia pins). Needs Go and
# the lz4 CLI (for block-dependent frames, which pierrec/lz4 v2 cannot write; note the CLI ignores -BD placed before -B#).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(cd "$here/.." && pwd)"
src="$(go mod download -json github.com/kopia/kopia@v0.22.3 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
mkdir -p "$work/cmd/salvage-vectors"
cp "$here/main.go" "$work/cmd/salvage-vectors/main.go"
(cd "$work" && GOFLAGS=-mod=mod go run ./cmd/salvage-vectors -out "$out")
for k in text repeats big; do
  lz4 -q -f -B4 -BD -BX "${TMPDIR:-/tmp}/salvage-sample-$k" "$out/compress/raw.lz4cli-dependent.$k.bin"
  rm -f "${TMPDIR:-/tmp}/salvage-sample-$k"
done
