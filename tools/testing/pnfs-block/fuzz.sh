#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz what the server sends: the decoders (xdr.c), the volume trees
# (volume.c) and the extent cache (extents.c), built unmodified against a
# userspace shim with libFuzzer, ASan and UBSan (fuzz/, see fuzz/Makefile).
#
# Usage: fuzz.sh check [TARGET...]  each target for FUZZ_RUNS inputs
#                                   (50000), starting from the KUnit seeds
#                                   with a fixed random seed; KTAP on stdout
#        fuzz.sh run [TARGET...]    each target for FUZZ_SECONDS (60), on
#                                   a corpus kept in $PNFSBL_OUT/fuzz/corpus
# Targets: fuzz_deviceaddr fuzz_layout fuzz_volume (default: all).
# A sanitizer report, a WARN, a leak, a broken invariant, an input taking
# more than 10 s or 2 GB fails its target; the input is kept in
# $PNFSBL_OUT/fuzz/artifacts/TARGET/ and replays with
#   $PNFSBL_OUT/fuzz/build/TARGET FILE
# Exits 0 if every target passed, 1 otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FUZZ_RUNS=${FUZZ_RUNS:-50000}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
ALL_TARGETS=(fuzz_deviceaddr fuzz_layout fuzz_volume)
out=$PNFSBL_OUT/fuzz
llvm=/usr/lib/llvm-14/bin

mode=${1:-check}
shift || true
case $mode in
check|run) ;;
*) pnfsbl_die "usage: fuzz.sh check|run [TARGET...]" ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_SYMBOLIZER_PATH=$llvm/llvm-symbolizer

echo "KTAP version 1"
echo "1..${#targets[@]}"
n=0
failed=0

# result STATUS NAME [LOG]: one KTAP line; a failure shows the log's tail.
result()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $n $2"
	# The report, without libFuzzer's progress, stats and input dumps.
	[ -n "${3:-}" ] && grep -vE '^(#[0-9]+\s|"|MS:|Base64:|INFO:|stat::|0x|\\|NOTE:|      Combine)' "$3" |
		tail -40 | sed 's/^/# /'
	return 0
}

# fail_all REASON: the shim or the build is broken: no target can pass.
fail_all()
{
	local t

	for t in "${targets[@]}"; do
		result 1 "$t: $1" "${2:-}"
	done
	echo "# fuzz: $n targets, $failed failed"
	exit 1
}

[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] || "$PNFSBL_TDIR/deps.sh" source >&2
[ -x "$llvm/clang" ] && [ -x "$llvm/llvm-symbolizer" ] &&
	compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null ||
	"$PNFSBL_TDIR/deps.sh" host >&2
mkdir -p "$out/logs"
# One run at a time per output directory: they share the build and seeds.
exec 9>"$out/lock"
flock -n 9 || { pnfsbl_log "waiting for another fuzz run"; flock 9; }

# One core: the build machine is shared.
make -C "$PNFSBL_TDIR/fuzz" -j1 KSRC="$PNFSBL_KSRC" O="$out/build" \
	CC="$llvm/clang" >"$out/logs/build.log" 2>&1 ||
	fail_all "the fuzz build failed" "$out/logs/build.log"

# The seeds come from the KUnit vectors, run on the host: a failed KUnit
# test means the shim does not behave like the kernel, or the driver is
# broken; either way no target's result would mean anything.
rm -rf "$out/seeds"
"$out/build/seeds" "$out/seeds" >"$out/logs/seeds.log" 2>&1 ||
	fail_all "the xdr and volume KUnit tests fail on the host" \
		"$out/logs/seeds.log"
grep '^# seeds:' "$out/logs/seeds.log"

for t in "${targets[@]}"; do
	log=$out/logs/$t.log
	art=$out/artifacts/$t
	[ -x "$out/build/$t" ] || { result 1 "$t: no such target"; continue; }
	mkdir -p "$art"
	if [ "$mode" = check ]; then
		# A fresh corpus: the result depends on the seeds alone.
		corpus=$out/check/$t
		rm -rf "$corpus"
		limit=(-runs="$FUZZ_RUNS" -seed=1)
	else
		corpus=$out/corpus/$t
		limit=(-max_total_time="$FUZZ_SECONDS")
	fi
	mkdir -p "$corpus"
	t0=$SECONDS
	st=0
	"$out/build/$t" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		"$corpus" "$out/seeds/$t" >"$log" 2>&1 || st=$?
	stats=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$st" = 0 ] && grep -q '^Done [0-9]* runs' "$log"; then
		result 0 "$t: ${runs:-?} runs in $((SECONDS - t0)) s, no finding ($stats)"
		continue
	fi
	result 1 "$t: a finding (libFuzzer status $st), log $log" "$log"
	for f in $(grep -oE "Test unit written to [^ ]+" "$log" | awk '{print $NF}'); do
		echo "# input $f:"
		od -An -tx1 -v "$f" | head -16 | sed 's/^/#  /'
	done
done
echo "# fuzz: $n targets, $failed failed"
[ "$failed" = 0 ]
