#!/bin/sh
# One image, several roles: the first argument names the process. `exec` hands PID 1's signals (SIGTERM
# on `docker stop`) straight to node, whose handler drains and exits within its deadline.
# TypeScript runs through tsx's loader in the same process (no wrapper process between Docker and node).
set -eu
cd "$(dirname "$0")/jobs"
run() { exec node --import tsx "$@"; }
role="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$role" in
  api) run node_modules/@zct/api/src/main.ts "$@" ;;
  worker) run src/main.ts "$@" ;;
  # Operator commands, run once: docker compose run --rm api create-admin / rotate-data-key / sync-indexes
  create-admin) run node_modules/@zct/api/src/cli/create-admin.ts "$@" ;;
  rotate-data-key) run node_modules/@zct/api/src/cli/rotate-data-key.ts "$@" ;;
  sync-indexes) run node_modules/@zct/api/src/cli/sync-indexes.ts "$@" ;;
  *) exec "$role" "$@" ;;
esac
