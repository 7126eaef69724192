#!/usr/bin/env bash
# Installs what the lab needs, idempotently and quickly when everything is already there:
# npm packages always; Debian packages only when running as root (otherwise it names them).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-fund --no-audit --loglevel=error >&2
fi

# Debian package per tool the lab drives; a missing one only skips the clients that need it.
debs=(curl wget openssl gnutls-bin openjdk-17-jdk-headless python3 chromium firefox-esr
      libnss3-tools iproute2 iptables nftables dnsmasq-base tshark
      podman runc netavark aardvark-dns
      mitmproxy sslsplit squid-openssl)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # tshark asks whether non-root may capture; answer no without a prompt
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    # the lab starts its own squid per run; a system squid the package started would listen on *:3128
    if [[ " ${missing[*]} " == *" squid-openssl "* ]] && command -v systemctl >/dev/null && systemctl is-active -q squid 2>/dev/null; then
      echo "setup: stopping and disabling the squid service the package started (the lab runs its own)" >&2
      systemctl disable --now -q squid >&2 || true
    fi
  else
    echo "setup: not root, so these Debian packages are not installed: ${missing[*]}" >&2
    echo "setup: clients needing them will be reported as skipped (sudo apt-get install ${missing[*]})" >&2
  fi
fi
