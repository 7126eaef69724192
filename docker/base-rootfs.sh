#!/usr/bin/env bash
# The lab's one image: a skeleton root filesystem with no programs in it. Every role container
# gets the host's /usr (and the few /etc entries its programs read) bind-mounted read-only at the
# same paths at run time (lab/runtime/containers/host-mounts.ts), so each role runs exactly the
# binaries the host runs: the same curl, Chromium, Firefox, JDK, Python and Node as the loopback
# runtime, and nothing to copy or rebuild when the host's packages change.
# Usage: docker/base-rootfs.sh OUT_DIR    builds the tree (OUT_DIR must not exist), prints its hash
#        docker/base-rootfs.sh --hash     prints only the hash of the inputs (this script)
set -euo pipefail

inputs_hash() { sha256sum "$0" | cut -c1-64; }
if [ "${1:-}" = --hash ]; then inputs_hash; exit 0; fi
out=${1:?usage: base-rootfs.sh OUT_DIR | --hash}
[ ! -e "$out" ] || { echo "base-rootfs: $out exists" >&2; exit 2; }

# usr-merged like the host (Debian 12): /bin, /lib, ... resolve into the mounted /usr
mkdir -p "$out"/usr
for d in bin sbin lib lib64; do ln -s "usr/$d" "$out/$d"; done
mkdir -p "$out"/{etc/ssl,tmp,var/tmp,var/cache,root,run,lab}
ln -s ../run "$out/var/run"
chmod 1777 "$out/tmp" "$out/var/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\ndnsmasq:x:100:65534::/nonexistent:/usr/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
# /etc/ssl holds no certificates: a client that falls back to a system store trusts nothing, so
# the scenario's state alone decides what it trusts (as in the netns runtime)
inputs_hash
