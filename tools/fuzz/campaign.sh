#!/usr/bin/env bash
# Runs the fuzz campaign: each target in turn, one libFuzzer process (no -jobs, no -fork), for
# SECONDS_PER_TARGET seconds each (default 800). Build first (see fuzz/README.md):
#   (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build -s none)
# The working corpus grows in fuzz/corpus/<target>/ (seeded read-only from fuzz/seeds/<target>/),
# crashes land in fuzz/artifacts/<target>/, libFuzzer's output in fuzz/logs/<target>.log; the
# last lines of each log (-print_final_stats) give executions, coverage and corpus size.
set -uo pipefail
cd "$(dirname "$0")/../../fuzz"
SECONDS_PER_TARGET=${1:-800}
TARGETS=${TARGETS:-"frame_reader_request frame_reader_response json_decode frame_decode"}
BIN=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
for target in $TARGETS; do
  case $target in
    frame_reader_*) max_len=8193 ;; # selector byte + two 4 KiB frames
    *) max_len=4097 ;;              # selector byte + 4 KiB
  esac
  case $target in
    json_decode) dict=dicts/json.dict ;;
    *) dict=dicts/msgpack.dict ;;
  esac
  mkdir -p "corpus/$target" "artifacts/$target"
  echo "== $target: ${SECONDS_PER_TARGET}s, -max_len=$max_len -dict=$dict ($(date -u +%H:%M:%S))"
  start=$(date +%s)
  "$BIN/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -dict="$dict" -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
    "corpus/$target" "seeds/$target" >"logs/$target.log" 2>&1
  status=$?
  echo "   exit $status after $(($(date +%s) - start))s; $(grep -E '^#[0-9]+[[:space:]]+DONE' "logs/$target.log" | tail -1)"
  grep -E '^stat::' "logs/$target.log" | sed 's/^/   /'
  ls "artifacts/$target" | sed 's/^/   artifact: /'
done
