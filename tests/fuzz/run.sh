#!/bin/sh
# Runs the libFuzzer harnesses of tests/fuzz one after the other (the
# Makefile's fuzz and check-fuzz targets) and prints a line for each:
# executions, coverage (cov/ft of libFuzzer's last status line) and findings.
#
#   run.sh BUILD SECONDS TIMEOUT RSS_MB 'NAME [libFuzzer flags]'...
#
# For each harness: its regressions/ are replayed first (each input once);
# then it fuzzes for SECONDS from a copy of its seeds in BUILD/corpus/NAME
# (the corpus grows there, never in tests/fuzz), with its dict when it has
# one, TIMEOUT seconds and RSS_MB at most per input. Crashes, timeouts,
# leaks and OOMs are written to BUILD/findings/NAME (emptied first), the
# log to BUILD/logs/NAME.log. With FUZZ_KEEP_GOING=1 a harness goes on after
# a finding (libFuzzer's fork mode), else it stops at its first.
# Exits 1 when any harness found something or failed a regression.
set -u
# A smaller quarantine than ASan's 256 MiB, so that RSS_MB measures the parser.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=64
export ASAN_OPTIONS

build=$1 seconds=$2 timeout=$3 rss=$4
shift 4
src=tests/fuzz
status=0
mkdir -p "$build/logs"
printf '%-14s %12s %7s %8s  %s\n' harness executions cov ft findings

for spec in "$@"; do
	set -- $spec
	name=$1
	shift
	bin=$build/fuzz-$name corpus=$build/corpus/$name findings=$build/findings/$name
	log=$build/logs/$name.log
	limits="-timeout=$timeout -rss_limit_mb=$rss"
	dict=
	[ -f "$src/$name/dict" ] && dict=-dict=$src/$name/dict

	# Inputs that once failed run first: each one must pass.
	regress=0
	if [ -n "$(ls -A "$src/$name/regressions" 2>/dev/null)" ]; then
		# shellcheck disable=SC2086
		"$bin" $limits "$@" "$src/$name"/regressions/* >"$log.regressions" 2>&1 || regress=1
	fi

	rm -rf "$findings"
	mkdir -p "$corpus" "$findings"
	cp "$src/$name"/seeds/* "$corpus"/ 2>/dev/null
	keep=
	[ "${FUZZ_KEEP_GOING:-0}" = 1 ] &&
		keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
	# shellcheck disable=SC2086
	nice -n 10 "$bin" $limits $keep $dict "$@" -max_total_time="$seconds" \
		-print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	line=$(grep -E '^#[0-9]+:?[[:space:]].*cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(printf "%s\n" "$line" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(printf "%s\n" "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(printf "%s\n" "$line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	found=$(ls "$findings" | grep -cE '^(crash|timeout|oom|leak)-')
	what=$found
	if [ "$found" -gt 0 ]; then
		what="$found ($(ls "$findings" | sed -n 's/^\(crash\|timeout\|oom\|leak\)-.*/\1/p' |
		    sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }') in $findings)"
		status=1
	fi
	if [ "$rc" != 0 ] && [ "$found" = 0 ]; then
		what="$what; exited with $rc, see $log"
		status=1
	fi
	if [ "$regress" = 1 ]; then
		what="$what; a regression input failed, see $log.regressions"
		status=1
	fi
	printf '%-14s %12s %7s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$what"
done
exit $status
