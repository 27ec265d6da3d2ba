#!/usr/bin/env bash
# Re-records test/unit/template/corpus/*.jsonl from the Go oracle (needs Go). Pass --check to only compare.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec npx tsx test/helpers/template-corpus-record.ts "$@"
