#!/bin/sh
# run.sh SECONDS TARGET... — run each fuzz target (build-fuzz/fuzz/TARGET)
# for SECONDS seconds (`make fuzz`, doc/fuzzing.md).
#
# Seeds are regenerated into build-fuzz/seeds/ (fuzz/seeds.sh); the corpus
# each target grows is kept in build-fuzz/corpus/TARGET across runs; crash,
# leak and timeout reproducers go to build-fuzz/crashes/TARGET/; the whole
# libFuzzer output to build-fuzz/logs/TARGET.log.  Prints one line per
# target (executions, edge coverage, features, corpus size) and exits 1 if
# any target found something.
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build-fuzz
secs=$1
shift
sh "$top/fuzz/seeds.sh" "$b/seeds" || exit 1
# error() paths leave nothing behind (fuzz/common.c), so leaks are checked;
# an allocation libFuzzer considers too large (-malloc_limit_mb, by default
# -rss_limit_mb) is reported as a crash
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "$@"; do
	mkdir -p "$b/corpus/$t" "$b/crashes/$t" "$b/logs"
	dict=
	[ -f "$top/fuzz/$t.dict" ] && dict=-dict=$top/fuzz/$t.dict
	"$b/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$b/crashes/$t/" $dict \
	    "$b/corpus/$t" "$b/seeds/$t" >"$b/logs/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/logs/$t.log")
	last=$(grep -E '^#[0-9]+' "$b/logs/$t.log" | tail -1 |
	    sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*\(corp: [0-9]*\).*/\1 \2 \3/p')
	if [ $rc -eq 0 ]; then
		echo "fuzz $t: ok, ${execs:-?} runs, $last"
	else
		status=1
		echo "fuzz $t: FAILED (exit $rc), ${execs:-?} runs, $last"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' \
		    "$b/logs/$t.log" | head -5
	fi
done
exit $status
