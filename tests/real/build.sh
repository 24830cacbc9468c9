#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd used by the tests/real tier into tests/real/bin/.
#
# Versions are pinned in tests/real/cluster/go.mod (k8s.io/kubernetes, go.etcd.io/etcd/server/v3)
# and go.sum. The script is a no-op when both binaries are present and bin/.stamp matches the
# current pins and build flags. Build caches stay in the default Go caches (GOCACHE/GOMODCACHE).
#
# Usage: tests/real/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cluster="$here/cluster"
bin="$here/bin"

if [[ -n "${GO:-}" ]]; then
  go_cmd="$GO"
elif command -v go >/dev/null 2>&1; then
  go_cmd="go"
elif [[ -x /usr/local/go/bin/go ]]; then
  go_cmd="/usr/local/go/bin/go"
else
  echo "build.sh: no Go toolchain found (set GO=/path/to/go)" >&2
  exit 1
fi

# The pinned versions, read from go.mod so there is a single source of truth.
mod_version() {
  awk -v mod="$1" '$1 == mod && $2 ~ /^v/ { print $2; exit }
    $1 == "require" && $2 == mod { print $3; exit }' "$cluster/go.mod"
}
k8s_version="$(mod_version k8s.io/kubernetes)"
etcd_version="$(mod_version go.etcd.io/etcd/server/v3)"
if [[ -z "$k8s_version" || -z "$etcd_version" ]]; then
  echo "build.sh: could not read pinned versions from $cluster/go.mod" >&2
  exit 1
fi
k8s_major="${k8s_version#v}"
k8s_major="${k8s_major%%.*}"
k8s_minor="${k8s_version#v*.}"
k8s_minor="${k8s_minor%%.*}"

# Release date of the pinned kubernetes tag (go module proxy time), for a reproducible buildDate.
k8s_build_date="2026-02-10T12:53:36Z"

version_pkg="k8s.io/component-base/version"
k8s_ldflags="-s -w"
k8s_ldflags+=" -X $version_pkg.gitVersion=$k8s_version"
k8s_ldflags+=" -X $version_pkg.gitMajor=$k8s_major"
k8s_ldflags+=" -X $version_pkg.gitMinor=$k8s_minor"
k8s_ldflags+=" -X $version_pkg.gitTreeState=clean"
k8s_ldflags+=" -X $version_pkg.gitCommit="
k8s_ldflags+=" -X $version_pkg.buildDate=$k8s_build_date"
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcd_version"

sha() { sha256sum "$1" | cut -d' ' -f1; }
stamp="kubernetes=$k8s_version etcd=$etcd_version"
stamp+=" go.mod=$(sha "$cluster/go.mod") go.sum=$(sha "$cluster/go.sum")"
stamp+=" cgo=0 k8s_ldflags=[$k8s_ldflags] etcd_ldflags=[$etcd_ldflags]"

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; fi

up_to_date() {
  [[ $force -eq 0 && -x "$bin/kube-apiserver" && -x "$bin/etcd" && -f "$bin/.stamp" ]] &&
    [[ "$(cat "$bin/.stamp")" == "$stamp" ]]
}
if up_to_date; then
  echo "build.sh: up to date (kube-apiserver $k8s_version, etcd $etcd_version) in $bin"
  exit 0
fi

mkdir -p "$bin"
# Serialise concurrent builds (e.g. two test runs); the second one then finds a fresh stamp.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$bin/.lock"
  flock 9
  if up_to_date; then
    echo "build.sh: up to date (kube-apiserver $k8s_version, etcd $etcd_version) in $bin"
    exit 0
  fi
fi
rm -f "$bin/.stamp"

export CGO_ENABLED=0
# -mod=readonly: go.mod/go.sum are committed and complete; a drift is an error, not a silent edit.
export GOFLAGS="-mod=readonly -buildvcs=false"

start=$(date +%s)
echo "build.sh: building kube-apiserver $k8s_version and etcd $etcd_version with $("$go_cmd" env GOVERSION)..."
cd "$cluster"
"$go_cmd" build -trimpath -ldflags="$k8s_ldflags" -o "$bin/kube-apiserver.tmp" \
  k8s.io/kubernetes/cmd/kube-apiserver
"$go_cmd" build -trimpath -ldflags="$etcd_ldflags" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
mv -f "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
mv -f "$bin/etcd.tmp" "$bin/etcd"
printf '%s' "$stamp" >"$bin/.stamp"
echo "build.sh: done in $(($(date +%s) - start))s -> $bin/kube-apiserver, $bin/etcd"
