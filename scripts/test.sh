#!/usr/bin/env bash
# The whole test suite: format, lint and type checks, then Node's test runner over every
# *_test.ts (unit tests beside the code, end-to-end tests in e2e/), then the Deno pass of
# the edge. Assumes scripts/setup.sh has run (npm test does both).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "== format and lint (deno fmt --check, deno lint, shellcheck)"
deno fmt --check
deno lint
shellcheck scripts/*.sh provisioning/*.sh .ci/run

echo "== type check (tsc for Node, deno check for the Deno entry)"
tsc -p tsconfig.json
deno check --cached-only edge/main_deno.ts

echo "== deno test: the edge's route tests and core on Deno"
deno test --cached-only --allow-all edge/routes/ edge/auth/ edge/alerts/ edge/fuzz_test.ts edge/store/memory_test.ts edge/chat/websocket_test.deno.ts edge/mail/ edge/billing/ core/wire/ core/config/ core/metrics/

echo "== node --test (via tsx): every *_test.ts"
# Node 20's --test takes no globs: list the files ourselves.
mapfile -t files < <(find core edge appliance cli e2e provisioning web/src -name '*_test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
node --import tsx --test --test-concurrency=2 "${files[@]}"
