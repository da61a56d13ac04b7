#!/usr/bin/env bash
# Runs every benchmark one after another (they compete for the CPU if run together) and
# keeps each one's full output in benchmarks/results/NAME.txt, then prints the last lines
# of each: the figures and ratios to quote. Nothing here asserts anything.
set -uo pipefail
cd "$(dirname "$0")/.."
out=benchmarks/results
mkdir -p "$out"
py=.venv/bin/python
run() {
  local name=$1; shift
  echo "== $name" >&2
  timeout 1200 "$py" "benchmarks/$name.py" "$@" >"$out/$name.txt" 2>&1 || echo "(exit $?)" >>"$out/$name.txt"
}
profile=$(mktemp -d)/profile
echo "== make_profile (50 clients, one with 10,000 sessions)" >&2
"$py" benchmarks/make_profile.py --clients 50 --big-sessions 10000 --out "$profile" >"$out/make_profile.txt" 2>&1
trap 'rm -rf "$(dirname "$profile")"' EXIT
run startup
run jot_start
run memory
run unlock
run keystroke_latency
run writeup_step
run review_render
run chart_open --profile "$profile"
run page_down --profile "$profile"
run search_latency --profile "$profile"
run memory_profile --profile "$profile"
run pdf_export --profile "$profile"
run fhir_export --profile "$profile"
run crash_harness --rounds 20
for f in "$out"/*.txt; do
  echo "### $(basename "$f" .txt)"
  tail -n 6 "$f"
done
