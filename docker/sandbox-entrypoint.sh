#!/usr/bin/env bash
# Starts the sandbox in dummy mode (a container has no CAP_NET_ADMIN by default) and stays up;
# stops it by pid on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
node packages/cli/bin/tracemap.mjs sandbox up --mode dummy --scenarios all
trap 'node packages/cli/bin/tracemap.mjs sandbox down; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
