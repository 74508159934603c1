#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer harness of BUILD for SECONDS on its seed corpus.
#   tests/fuzz/run_fuzzers.sh BUILD SECONDS READER...
# New inputs go to BUILD/fuzz-corpus/<reader>/ (the committed seeds stay as they are), findings to
# BUILD/fuzz-findings/<reader>/ (crash-*, leak-*, timeout-*, oom-*; replay one with
# BUILD/tests/fuzz/fuzz_<reader> FILE). Prints each harness's executions; exits 1 if any found
# something.
set -uo pipefail
build=$(realpath "$1") seconds=$2
shift 2
corpus=$(cd "$(dirname "$0")/corpus" && pwd)
failed=()
for reader in "$@"; do
  mkdir -p "$build/fuzz-corpus/$reader" "$build/fuzz-findings/$reader"
  log="$build/fuzz-findings/$reader.log"
  # -timeout: an input that takes over 10 s is a finding (a hang); one at a time, in one process.
  "$build/tests/fuzz/fuzz_$reader" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-findings/$reader/" \
    "$build/fuzz-corpus/$reader" "$corpus/$reader" > "$log" 2>&1
  status=$?
  executions=$(grep -o 'stat::number_executed_runs: *[0-9]*' "$log" | grep -o '[0-9]*$')
  if [ $status -eq 0 ]; then
    echo "fuzz $reader: ${executions:-?} executions in ${seconds} s, no finding"
  else
    echo "fuzz $reader: FINDING after ${executions:-?} executions (log: $log):"
    grep -m 3 -E 'ERROR|SUMMARY|terminate|what\(\)' "$log" | sed 's/^/  /'
    failed+=("$reader")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}"
  exit 1
fi
