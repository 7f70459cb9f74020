#!/usr/bin/env bash
# Import of a messy 100,000-row HR file and a full data-quality recheck, on SQLite and
# (when LIFELINE_TEST_DATABASE_URL is set) PostgreSQL. Each is reported as rows/s and as
# the ratio to the raw batched insert of the same rows into the same engine, measured in
# the same run, with the peak RSS of the process. Rows: LIFELINE_BENCH_ROWS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
export LIFELINE_BENCH_ROWS="${LIFELINE_BENCH_ROWS:-100000}"
go test -run '^$' -bench ImportAndRecheck -benchtime 1x -timeout 60m ./internal/quality/
