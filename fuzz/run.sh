#!/bin/bash
# fuzz/run.sh: run each libFuzzer target for a given time over its seed
# corpus, JOBS at a time; new inputs go to a scratch dir, never into the
# source tree. Prints each target's execution count; exits non-zero if
# any target found a crash, a leak or a timeout (its log is printed).
#   run.sh CORPUS_DIR BIN_DIR SECONDS JOBS TARGET...
set -uo pipefail
corpus=$1 bin=$2 secs=$3 jobs=$4
shift 4
work=$bin/work
mkdir -p "$work"

run_one() {
	local t=$1 scratch=$work/$1
	rm -rf "$scratch" && mkdir -p "$scratch"
	"$bin/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/$t-" \
		"$scratch" "$corpus/${t#fuzz_}" >"$work/$t.log" 2>&1
	echo $? >"$work/$t.rc"
}

for t in "$@"; do
	while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
	echo "fuzz: $t for ${secs}s"
	run_one "$t" &
done
wait
rc=0
for t in "$@"; do
	r=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	if ((r)); then
		rc=1
		echo "fuzz: $t FAILED (exit $r) after ${execs:-?} executions; log $work/$t.log:"
		tail -n 60 "$work/$t.log"
	else
		echo "fuzz: $t ok, ${execs:-?} executions"
	fi
done
exit $rc
