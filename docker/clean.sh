#!/usr/bin/env bash
# Removes the lab's podman storage (the image cache) and its run state, so the next run builds
# from empty storage. Containers and networks are removed per run by the lab itself; this is for
# the cache. Usage: docker/clean.sh    ($TLSLAB_CONTAINERS_HOME selects another home, as at run time)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
read -r home run < <(cd "$here/.." && node --import tsx -e "
  const { podmanPaths } = await import('./lab/runtime/containers/paths.ts');
  const p = podmanPaths(); console.log(p.home, p.runDir);")
[ -d "$home" ] || { echo "clean: nothing at $home"; exit 0; }
export CONTAINERS_CONF=$home/containers.conf CONTAINERS_STORAGE_CONF=$home/storage.conf
# an exec's conmon runs "podman container cleanup" when its exit delay ends, which would recreate
# storage after the reset: wait for those first (bounded)
for _ in $(seq 1 30); do pgrep -f "conmon.*$run" >/dev/null || break; sleep 1; done
podman system reset -f >/dev/null 2>&1 || true
rm -rf "$home" "$run"
echo "clean: removed $home and $run"
