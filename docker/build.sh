#!/usr/bin/env bash
# Builds the lab's images with no registry: base (imported from the host's own binaries), deps
# (node_modules), then one image per role with the project's source COPYed in. Each image is tagged
# localhost/tlslab/<role>:<hash of its inputs> and skipped when that tag already exists.
# Usage: docker/build.sh [role...]        roles: gateway origin dns client (default: all)
# Engine: podman when installed (with $CONTAINERS_CONF/$CONTAINERS_STORAGE_CONF if set), else docker.
# Prints one "role=image" line per role on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
roles=("$@"); [ ${#roles[@]} -gt 0 ] || roles=(gateway origin dns client)
engine=${TLSLAB_CONTAINER_CLI:-$(command -v podman >/dev/null && echo podman || echo docker)}

short() { cut -c1-16; }
exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }
log() { echo "build: $*" >&2; }
stage=$(mktemp -d "${TMPDIR:-/tmp}/tlslab-build-XXXXXX")
trap 'rm -rf "$stage"' EXIT
# hard links when the context is on the same filesystem: staging node_modules costs no copy
link_into() { local dest=$1; shift; for p in "$@"; do cp -al "$repo/$p" "$dest/" 2>/dev/null || cp -a "$repo/$p" "$dest/"; done; }

timed() { local t0=$SECONDS; "$@"; log "  done in $((SECONDS - t0)) s"; }

base="localhost/tlslab/base:$("$here/base-rootfs.sh" --hash | short)"
if ! exists "$base"; then
  log "base $base: root filesystem from host binaries, then import"
  t0=$SECONDS
  "$here/base-rootfs.sh" "$stage/rootfs" >/dev/null
  tar -C "$stage/rootfs" -cf - . | "$engine" import -q --change 'CMD ["/bin/sh"]' - "$base" >/dev/null
  rm -rf "$stage/rootfs"
  log "  done in $((SECONDS - t0)) s"
fi

deps="localhost/tlslab/deps:$(cat "$repo/package-lock.json" "$here/deps/Containerfile" <(echo "$base") | sha256sum | short)"
if ! exists "$deps"; then
  log "deps $deps"
  mkdir "$stage/deps"
  link_into "$stage/deps" package.json package-lock.json node_modules
  timed "$engine" build -q --build-arg "BASE_IMAGE=$base" --label tlslab.image=deps -f "$here/deps/Containerfile" -t "$deps" "$stage/deps" >/dev/null
fi

source_hash() {
  (cd "$repo" && find lab harness bin -type f \( -name '*.ts' -o -name '*.js' -o -name '*.json' \) -print0 | sort -z \
    | xargs -0 sha256sum; sha256sum package.json tsconfig.json) | sha256sum | short
}
src=""
for role in "${roles[@]}"; do
  [ -f "$here/$role/Containerfile" ] || { log "no such role: $role"; exit 2; }
  case $role in
    dns) arg="BASE_IMAGE=$base"; key=$(cat "$here/dns/Containerfile" <(echo "$base") | sha256sum | short) ;;
    *) arg="DEPS_IMAGE=$deps"; [ -n "$src" ] || src=$(source_hash)
       key=$(cat "$here/$role/Containerfile" <(echo "$deps $src") | sha256sum | short) ;;
  esac
  image="localhost/tlslab/$role:$key"
  if ! exists "$image"; then
    log "$role $image"
    if [ "$role" != dns ] && [ ! -d "$stage/src" ]; then
      mkdir "$stage/src"; link_into "$stage/src" package.json tsconfig.json bin harness lab
    fi
    ctx="$stage/src"; [ "$role" = dns ] && ctx="$here/dns"
    timed "$engine" build -q --build-arg "$arg" --label "tlslab.image=$role" -f "$here/$role/Containerfile" -t "$image" "$ctx" >/dev/null
    # older builds of this role are dead weight; one still used by a container is kept (rmi refuses)
    "$engine" images --format '{{.Repository}}:{{.Tag}}' "localhost/tlslab/$role" 2>/dev/null \
      | grep -vx "$image" | xargs -r "$engine" rmi >/dev/null 2>&1 || true
  fi
  echo "$role=$image"
done
