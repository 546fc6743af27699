#!/usr/bin/env bash
# Command-line tools the docs and tests use besides Kafka and PostgreSQL.
#   deploy/local/tools.sh up        install what is missing (apt-get, as root), print nothing else
#   deploy/local/tools.sh status    say what is there (exit 3 if something is missing)
#   deploy/local/tools.sh helm      print the path of the pinned helm (building it if missing)
#   deploy/local/tools.sh crds      print the folders of the pinned Go modules that carry the CRDs the
#                                   chart renders (KEDA, Prometheus Operator), downloading them if missing
# kcat (Debian's package `kcat`, formerly kafkacat): the Kafka-direct examples in docs/integrations.md.
# helm, pinned: built once from the Go module proxy into <repo>/.cache/tools/helm-<version>/ for the
# chart's checks (tests/deploy). The Go caches (GOMODCACHE, GOCACHE) are the user's, so another
# clone on the same machine only links it again: measured 1 min 39 s cold, 2 cores.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS=(kcat) # binary name = Debian package name
HELM_VERSION=v3.22.0
HELM_K8S_MINOR=37 # its k8s.io/client-go is v0.37: the Kubernetes version `helm template` assumes
HELM_DIR="$CACHE_DIR/tools/helm-$HELM_VERSION"
HELM="$HELM_DIR/helm"
# Their CustomResourceDefinitions validate the chart's ScaledObjects, TriggerAuthentications and
# ServiceMonitor offline (tests/deploy); module zips of 3 and 4 MB, into the user's Go module cache.
CRD_MODULES=(github.com/kedacore/keda/v2@v2.21.0 github.com/prometheus-operator/prometheus-operator@v0.85.0)

crd_dirs() {
  command -v go >/dev/null 2>&1 || die "go not found; it is needed to download ${CRD_MODULES[*]}"
  local module dir
  for module in "${CRD_MODULES[@]}"; do
    dir="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -d $dir ]] || die "go mod download $module gave no folder"
    echo "$dir"
  done
}

ensure_helm() {
  [[ -x $HELM ]] && return 0
  mkdir -p "$CACHE_DIR/tools"
  take_lock "$CACHE_DIR/tools/.helm.lock" # two test runs at once build it once
  [[ -x $HELM ]] && return 0
  command -v go >/dev/null 2>&1 || die "go not found; it is needed once to build helm $HELM_VERSION"
  log "tools: building helm $HELM_VERSION from the Go module proxy into $HELM_DIR (once)"
  # Build into a side folder and rename: a half-built binary is never taken for a finished one.
  local tmp="$HELM_DIR.partial.$$" pkg=helm.sh/helm/v3
  rm -rf "$tmp" && mkdir -p "$tmp"
  # The version variables `make build` of helm's own repository sets.
  local ldflags="-s -w -X $pkg/internal/version.version=$HELM_VERSION"
  ldflags+=" -X $pkg/pkg/lint/rules.k8sVersionMajor=1 -X $pkg/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR"
  ldflags+=" -X $pkg/pkg/chartutil.k8sVersionMajor=1 -X $pkg/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR"
  if ! GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath -ldflags "$ldflags" \
    "$pkg/cmd/helm@$HELM_VERSION" >&2; then
    rm -rf "$tmp"
    die "building helm $HELM_VERSION failed (see above)"
  fi
  rm -rf "$HELM_DIR"
  mv "$tmp" "$HELM_DIR"
}

missing() {
  local tool
  for tool in "${TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || echo "$tool"
  done
}

cmd_up() {
  ensure_helm
  crd_dirs >/dev/null
  local wanted
  mapfile -t wanted < <(missing)
  ((${#wanted[@]})) || return 0
  ((EUID == 0)) || die "missing ${wanted[*]}; install it (as root: apt-get install -y ${wanted[*]})"
  command -v apt-get >/dev/null 2>&1 || die "missing ${wanted[*]} and apt-get is unavailable; install it manually"
  log "tools: installing ${wanted[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${wanted[@]}" >&2
  [[ -z $(missing) ]] || die "installed ${wanted[*]} but $(missing | tr '\n' ' ')is still missing"
}

cmd_status() {
  local gone
  gone="$(missing)"
  if [[ -n $gone ]]; then
    echo "tools: missing $(echo "$gone" | tr '\n' ' ')"
    return 3
  fi
  [[ -x $HELM ]] || {
    echo "tools: missing helm $HELM_VERSION ($HELM)"
    return 3
  }
  echo "tools: ${TOOLS[*]} and helm $HELM_VERSION present"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  helm)
    ensure_helm
    echo "$HELM"
    ;;
  crds) crd_dirs ;;
  *)
    printf 'usage: %s up|status|helm|crds\n' "$0" >&2
    exit 2
    ;;
esac
