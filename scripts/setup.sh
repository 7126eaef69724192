#!/usr/bin/env bash
# Installs what the lab needs, idempotently and quickly when everything is already there:
# npm packages always; Debian packages only when running as root (otherwise it names them).
# Package managers write to a log file; the terminal gets one line per step, and on a failure the
# log's last lines and its path.
set -euo pipefail
cd "$(dirname "$0")/.."

LOG=${TLSLAB_SETUP_LOG:-.tlslab/setup.log}
log_started=
step() {
  local what=$1 start=$SECONDS status=0
  shift
  if [ -z "$log_started" ]; then
    mkdir -p "$(dirname "$LOG")" && : >"$LOG"
    log_started=1
  fi
  printf 'setup: %s … ' "$what" >&2
  printf '\n== %s: %s\n' "$what" "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || status=$?
  if [ "$status" = 0 ]; then
    echo "done ($((SECONDS - start)) s)" >&2
    return 0
  fi
  echo "failed (exit $status)" >&2
  echo "setup: the last lines of $LOG:" >&2
  tail -n 25 "$LOG" | sed 's/^/  /' >&2
  echo "setup: the whole log: $(pwd)/$LOG" >&2
  exit "$status"
}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci also builds dist/ (the prepare script: docs/api.md)
  step "npm ci (npm packages, then the build in dist/)" npm ci --no-fund --no-audit
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
    export DEBIAN_FRONTEND=noninteractive
    step "apt-get update" apt-get update
    # tshark asks whether non-root may capture; answer no without a prompt
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    step "apt-get install ${missing[*]}" apt-get install -y --no-install-recommends "${missing[@]}"
    # the lab starts its own squid per run; a system squid the package started would listen on *:3128
    if [[ " ${missing[*]} " == *" squid-openssl "* ]] && command -v systemctl >/dev/null && systemctl is-active -q squid 2>/dev/null; then
      step "stopping the squid service the package started" sh -c "systemctl disable --now squid || true"
    fi
  else
    echo "setup: not root, so these Debian packages are not installed: ${missing[*]}" >&2
    echo "setup: clients needing them will be reported as skipped (sudo apt-get install ${missing[*]})" >&2
  fi
fi
