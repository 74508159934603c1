#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer harness of BUILD for SECONDS on its seed corpus, or until RUNS
# executions (FUZZ_RUNS; unset: no limit) if that comes first.
#   [FUZZ_RUNS=N] [FUZZ_TIMEOUT=S] tests/fuzz/run_fuzzers.sh BUILD SECONDS READER...
# New inputs go to BUILD/fuzz-corpus/<reader>/ (the committed seeds stay as they are), findings to
# BUILD/fuzz-findings/<reader>/ (crash-*, leak-*, timeout-*, oom-*; replay one with
# BUILD/tests/fuzz/fuzz_<reader> FILE). Prints each harness's executions; exits 1 if any found
# something. FUZZ_FLAGS adds libFuzzer options: "-fork=1 -ignore_crashes=1" goes on past findings.
set -uo pipefail
build=$(realpath "$1") seconds=$2
shift 2
corpus=$(cd "$(dirname "$0")/corpus" && pwd)
failed=()
for reader in "$@"; do
  mkdir -p "$build/fuzz-corpus/$reader" "$build/fuzz-findings/$reader"
  log="$build/fuzz-findings/$reader.log"
  started=$SECONDS
  # -timeout: an input that takes over FUZZ_TIMEOUT s (default 10) is a finding (a hang); one at a
  # time, in one process. On a machine busy with other work a slow input can pass 10 s without
  # hanging (recipe, 2026-12-04: 236 ms alone, over 10 s at nice 19 beside a build): raise it there.
  # shellcheck disable=SC2086
  "$build/tests/fuzz/fuzz_$reader" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" \
    -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-findings/$reader/" ${FUZZ_FLAGS:-} \
    "$build/fuzz-corpus/$reader" "$corpus/$reader" > "$log" 2>&1
  status=$?
  # The last progress line, "#N ..." (also in fork mode, where N sums every job's executions).
  executions=$(grep -o '^#[0-9][0-9]*' "$log" | tail -1 | tr -d '#')
  findings=$(find "$build/fuzz-findings/$reader" -type f | wc -l)
  if [ $status -eq 0 ] && [ "$findings" -eq 0 ]; then
    echo "fuzz $reader: ${executions:-?} executions in $((SECONDS - started)) s, no finding"
  else
    echo "fuzz $reader: $findings finding(s) in ${executions:-?} executions (log: $log):"
    grep -E 'runtime error|ERROR:|what\(\)' "$log" | sed -E 's/[0-9]{5,}/N/g' | sort | uniq -c | head -5 | sed 's/^/  /'
    failed+=("$reader")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}"
  exit 1
fi
