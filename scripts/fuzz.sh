#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for N minutes each (default 10), one after another,
# and prints each target's CPU time, executions and crashes. Seeds are in fuzz/corpus/<target>
# (the XEPs' example stanzas); what the fuzzer learns is kept in fuzz/corpus-run/<target>
# (not committed). A crash leaves its input in fuzz/artifacts/<target>/ and makes the
# script exit non-zero; turn such inputs into regression tests.
#
#   scripts/fuzz.sh [MINUTES] [TARGET...]
#
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
minutes=${1:-10}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(stream message carbon archive presence pubsub)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus-run/$t" "artifacts/$t"
    log="artifacts/$t/last-run.log"
    start=$(date +%s)
    set +e
    /usr/bin/time -f '%U %S' -o "artifacts/$t/time" \
        cargo fuzz run -O "$t" "corpus-run/$t" "corpus/$t" -- \
        -max_total_time=$(awk "BEGIN{print int($minutes * 60)}") -max_len=65536 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    read -r user sys <"artifacts/$t/time" || { user=0; sys=0; }
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    crashes=$(find "artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
    printf '%-9s cpu %6.0f s  wall %4d s  executions %-10s crashes %s\n' \
        "$t" "$(echo "$user + $sys" | bc)" "$(( $(date +%s) - start ))" "$execs" "$crashes"
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then failed+=("$t"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${minutes} min each, no crash"
