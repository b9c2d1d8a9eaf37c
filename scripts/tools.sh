#!/usr/bin/env bash
# Installs the real tools the test suite drives: restic, kopia (and MinIO for S3 tests).
# Pinned versions, built from the Go module proxy into a cache outside the work tree
# ($SALVAGE_TOOLS_CACHE, default ~/.cache/salvage/tools) and linked into .tools/bin (git-ignored).
# Idempotent: a tool already present at its pinned version is not rebuilt.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SALVAGE_TOOLS_CACHE:-$HOME/.cache/salvage/tools}
bin="$root/.tools/bin"
mkdir -p "$cache" "$bin"

# name | go module@version | package inside the module | version string the binary must report
tools=(
  "restic|github.com/restic/restic@v0.18.1|./cmd/restic|restic 0.18.1"
  "kopia|github.com/kopia/kopia@v0.22.3|.|0.22.3"
  "minio|github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c|.|2026-02-12"
)

command -v go >/dev/null || { echo "tools.sh: go is not installed; it is needed to build restic, kopia and MinIO" >&2; exit 1; }

version_of() { # name binary
  case "$1" in
    restic) "$2" version 2>/dev/null | head -1 ;;
    kopia) "$2" --version 2>/dev/null | head -1 ;;
    minio) "$2" --version 2>/dev/null | head -1 ;;
  esac
}

built=0
for spec in "${tools[@]}"; do
  IFS='|' read -r name mod pkg want <<<"$spec"
  ver=${mod##*@}
  dir="$cache/$name-$ver"
  exe="$dir/$name"
  if [[ -x "$exe" ]] && version_of "$name" "$exe" | grep -qF "$want"; then
    echo "tools: $name $ver cached"
  else
    echo "tools: building $name $ver (first build takes minutes) ..."
    start=$(date +%s)
    tmp=$(mktemp -d "$cache/.build-$name.XXXXXX")
    ldflags=""
    case $name in
      restic) ldflags="-s -w" ;;
      kopia) ldflags="-s -w -X github.com/kopia/kopia/repo.BuildVersion=$want" ;;
      minio) # `minio --version` prints ReleaseTag; all four are what MinIO's gen-ldflags.go sets
        m=github.com/minio/minio/cmd
        ldflags="-s -w -X $m.Version=2026-02-12T20:18:48Z -X $m.ReleaseTag=RELEASE.2026-02-12T20-18-48Z"
        ldflags+=" -X $m.CommitID=7aac2a2c5b7c -X $m.ShortCommitID=7aac2a2c5b7c -X $m.CopyrightYear=2026" ;;
    esac
    # Build inside the module's own source (with its go.sum and replace directives): `go install
    # mod@ver` needs the proxy's version list, which this machine's proxy refuses.
    if ! { src=$(go mod download -json "$mod" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') && [[ -n $src ]] &&
      (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/$name" "$pkg"); } >"$tmp/build.log" 2>&1; then
      echo "tools: FAILED to build $name $ver; last lines of the log:" >&2
      tail -20 "$tmp/build.log" >&2
      exit 1
    fi
    rm -rf "$dir"; mkdir -p "$dir"; mv "$tmp/$name" "$exe"; rm -rf "$tmp"
    if ! version_of "$name" "$exe" | grep -qF "$want"; then
      echo "tools: $name built but reports '$(version_of "$name" "$exe")', expected '$want'" >&2
      exit 1
    fi
    echo "tools: built $name $ver in $(($(date +%s) - start))s"
    built=$((built + 1))
  fi
  ln -sfn "$exe" "$bin/$name"
done
echo "tools: ready in $bin ($built built)"
