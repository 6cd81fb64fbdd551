#!/usr/bin/env bash
# Installs what tracemap needs on a Debian 12 machine, and only what is missing:
# Debian's OVS/OVN packages and tools (as root), then the npm dependencies (npm ci).
# The sandbox never uses the distribution's OVS/OVN services; installing the packages does not
# require them to run.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(openvswitch-switch openvswitch-common ovn-central ovn-host ovn-common python3-openvswitch
      tcpdump iproute2 iputils-ping ethtool procps chromium openssh-server openssh-client)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install.sh: missing Debian packages: ${missing[*]}" >&2
    echo "install.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "install.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "install.sh: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci only when node_modules does not match the lock file (native addons take a minute to build).
if ! cmp -s package-lock.json node_modules/.tracemap-lock 2>/dev/null; then
  echo "install.sh: npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.tracemap-lock
fi
