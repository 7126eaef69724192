#!/usr/bin/env bash
# Builds the lab's base root filesystem from the host's own binaries and the shared libraries they
# load (no registry, no mirror): node, curl, openssl, ip, nft, dnsmasq and a POSIX shell.
# Usage: docker/base-rootfs.sh OUT_DIR    builds the tree (OUT_DIR must not exist), prints its hash
#        docker/base-rootfs.sh --hash     prints only the hash of the inputs (binaries, this script)
set -euo pipefail

# role -> tools; a tool missing on the host is left out (the role that needs it reports it)
tools=(node curl openssl ip nft dnsmasq sh sleep cat)
files=(/etc/ssl/openssl.cnf)

inputs_hash() {
  { for t in "${tools[@]}"; do p=$(command -v "$t" || true); [ -n "$p" ] && sha256sum "$(readlink -f "$p")"; done
    for f in "${files[@]}"; do [ -e "$f" ] && sha256sum "$f"; done
    sha256sum "$0"; } | sha256sum | cut -c1-64
}
if [ "${1:-}" = --hash ]; then inputs_hash; exit 0; fi
out=${1:?usage: base-rootfs.sh OUT_DIR | --hash}
[ ! -e "$out" ] || { echo "base-rootfs: $out exists" >&2; exit 2; }

# usr-merged like the host, so /lib/... and /usr/lib/... paths from ldd land in one place
mkdir -p "$out"/usr/{bin,sbin,lib,lib64}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$out/$d"; done

declare -A seen=()
add() {  # copy a file into the rootfs at the same path, keeping symlinks resolved
  local f=$1
  [ -n "${seen[$f]:-}" ] && return 0
  seen[$f]=1
  mkdir -p "$out$(dirname "$f")"
  cp -L "$f" "$out$f"
}

bins=()
for t in "${tools[@]}"; do
  p=$(command -v "$t" || true)
  [ -n "$p" ] || { echo "base-rootfs: $t not on the host, left out" >&2; continue; }
  p=$(readlink -f "$p")
  bins+=("$p")
  add "$p"
  # the images' PATH is /usr/bin:/usr/sbin:/bin; link the tool's name there when it lives elsewhere
  case "$p" in /usr/bin/"$t"|/usr/sbin/"$t") ;; *) ln -sf "$p" "$out/usr/bin/$t";; esac
  while read -r lib; do add "$lib"; done < <(ldd "$p" | awk '/=> \//{print $3} /^\t\/lib/{print $1}')
done
# the loader is referenced by absolute path from every binary
for ld in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do [ -e "$ld" ] && add "$ld"; done
for f in "${files[@]}"; do [ -e "$f" ] && add "$f"; done

mkdir -p "$out"/{etc,tmp,root,var/run,run,lab}
chmod 1777 "$out/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\ndnsmasq:x:100:65534::/nonexistent:/usr/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
# the iproute2 and nft tools read their tables from here when present
for d in /usr/share/iproute2 /etc/iproute2; do [ -d "$d" ] && { mkdir -p "$out$d"; cp -a "$d/." "$out$d/"; }; done

inputs_hash
