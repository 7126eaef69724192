#!/usr/bin/env bash
# Builds the lab's one image with no registry: the skeleton root filesystem of base-rootfs.sh,
# imported as localhost/tlslab/base:<hash of its inputs>; an existing tag is not rebuilt. Roles
# differ only in what the lab runs in them and mounts into them (lab/runtime/containers).
# Usage: docker/build.sh
# Engine: $TLSLAB_CONTAINER_CLI, split into words (e.g. "docker -H unix:///run/docker.sock" or
# "podman --remote --url unix://..."); default podman when installed (with $CONTAINERS_CONF and
# $CONTAINERS_STORAGE_CONF if set), else docker ($DOCKER_HOST).
# Prints "base=<image>" on stdout; progress on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
read -r -a engine <<< "${TLSLAB_CONTAINER_CLI:-$(command -v podman >/dev/null && echo podman || echo docker)}"
log() { echo "build: $*" >&2; }

base="localhost/tlslab/base:$(cat "$here/base-rootfs.sh" "$0" | sha256sum | cut -c1-16)"
if ! "${engine[@]}" image inspect "$base" >/dev/null 2>&1; then
  log "base $base: skeleton root filesystem, then import"
  stage=$(mktemp -d "${TMPDIR:-/tmp}/tlslab-build-XXXXXX")
  trap 'rm -rf "$stage"' EXIT
  t0=$SECONDS
  "$here/base-rootfs.sh" "$stage/rootfs" >/dev/null
  tar -C "$stage/rootfs" -cf - . | "${engine[@]}" import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$base" >/dev/null
  log "  done in $((SECONDS - t0)) s"
  # older builds (and the per-role images of earlier versions) are dead weight; one still used
  # by a container is kept (rmi refuses)
  "${engine[@]}" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep '^localhost/tlslab/' \
    | grep -vx "$base" | xargs -r "${engine[@]}" rmi >/dev/null 2>&1 || true
fi
echo "base=$base"
