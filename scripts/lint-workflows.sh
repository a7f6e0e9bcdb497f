#!/usr/bin/env bash
# Validates every workflow (CI's and the README's recipes) against GitHub's workflow schema.
# action.yml itself is left out: the validator's schema does not know the node24 runtime yet.
set -euo pipefail
status=0
for f in .github/workflows/*.yml docs/workflows/*.yml; do
  if ! out=$(npx --no-install action-validator "$f" 2>&1); then
    echo "$f is not a valid workflow:" >&2
    echo "$out" >&2
    status=1
  fi
done
exit $status
