#!/usr/bin/env bash
# Time from `lifeline serve` on an empty SQLite data directory to /readyz answering 200,
# against the raw limit measured in the same run: starting the same binary for
# `lifeline version` (process start, Go runtime init, package init). Reports medians
# and their ratio; absolute times drift on a shared machine, the ratio holds.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
bin=$(mktemp -d)/lifeline
go build -o "$bin" ./cmd/lifeline
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
raw=() ready=()
for i in $(seq "$runs"); do
  t0=$(now); "$bin" version >/dev/null; t1=$(now)
  raw+=($(( (t1 - t0) / 1000 )))
  dir=$(mktemp -d); port=$(( 20000 + RANDOM % 20000 ))
  t0=$(now)
  "$bin" serve --data "$dir" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.005; done
  t1=$(now)
  ready+=($(( (t1 - t0) / 1000 )))
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -rf "$dir"
done
r=$(printf '%s\n' "${raw[@]}" | median)
s=$(printf '%s\n' "${ready[@]}" | median)
echo "runs=$runs raw_start_us=$r serve_to_ready_us=$s ratio=$(awk -v a="$s" -v b="$r" 'BEGIN{printf "%.1f", a/b}')"
