#!/usr/bin/env bash
# Runs one fuzz target at the lowest priority until it has used CPU_SECONDS of CPU time (or
# WALL_SECONDS of wall time, whichever comes first), then stops it with SIGINT so libFuzzer
# prints its final statistics; the committed corpus is the input, new inputs go to
# fuzz/corpus-new/TARGET (merge them with `cargo fuzz cmin`). Prints one table row:
#   target | CPU minutes (seconds) | executions | crashes
# Usage (repo top): bash fuzz/run.sh TARGET [CPU_SECONDS=600] [WALL_SECONDS=3600]
# (NICE=10 bash fuzz/run.sh ... runs it at another priority than the default 19.)
set -uo pipefail
cd "$(dirname "$0")/.."
t=$1
cpu_limit=${2:-600}
wall_limit=${3:-3600}
mkdir -p "fuzz/corpus-new/$t" fuzz/logs
log="fuzz/logs/$t.log"
# The binary `cargo fuzz build` made, run directly (as `cargo fuzz run` does, without
# rebuilding): build first with `cargo +nightly fuzz build`.
bin="fuzz/target/x86_64-unknown-linux-gnu/release/$t"
[ -x "$bin" ] || { echo "no $bin: run cargo +nightly fuzz build first" >&2; exit 1; }
mkdir -p "fuzz/artifacts/$t"
ASAN_OPTIONS=detect_odr_violation=0 nice -n "${NICE:-19}" "$bin" -artifact_prefix="fuzz/artifacts/$t/" \
  -timeout=60 -max_len=8192 -print_final_stats=1 -rss_limit_mb=2048 \
  "fuzz/corpus-new/$t" "fuzz/corpus/$t" >"$log" 2>&1 &
runner=$!
pid=$runner
start=$(date +%s)
tick=$(getconf CLK_TCK)
cpu=0
while kill -0 "$pid" 2>/dev/null; do
  read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat" 2>/dev/null || echo "0 0")
  cpu=$(( (ut + st) / tick ))
  if [ "$cpu" -ge "$cpu_limit" ] || [ $(( $(date +%s) - start )) -ge "$wall_limit" ]; then
    kill -INT "$pid"
    break
  fi
  sleep 5
done
wait "$runner"
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -E '^(crash|timeout|oom|leak)-')
printf '| %s | %.1f (%s s) | %s | %s | wall %ss, load %s |\n' "$t" "$(echo "$cpu/60" | bc -l)" "$cpu" \
  "${execs:-?}" "$crashes" "$(( $(date +%s) - start ))" "$(cut -d' ' -f1-3 /proc/loadavg)"
