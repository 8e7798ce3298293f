#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every test, each step in its own log under .out/check/.
#   static   W=1 + sparse build, checkpatch --strict, kernel-doc
#   kunit    KUnit under UML, plain and KASAN configurations
#   mds-unit the test metadata server's own unit tests (host, python3)
#   fuzz     the libFuzzer targets over xdr.c, volume.c and extents.c,
#            FUZZ_RUNS (50000) inputs each (host, clang; fuzz.sh)
#   patches  the upstream series (patches.sh check): git am onto the
#            pinned source, checkpatch --strict on each patch, every
#            prefix builds fs/nfs/ in-tree with PNFS_BLOCK=m and =y;
#            not a default step (make patches-check)
#   dkms     the Debian package: built, installed on this host for the
#            pinned kernel (which need not run here), modinfo checked,
#            purged, the host left as it was (dkms.sh check)
#   e2e-SUITE-DRIVER   a QEMU end-to-end suite (guest/SUITE.sh) with
#            mainline's blocklayoutdriver, ours, or ours as DKMS builds
#            it from the package (dkms; e2e-block-dkms checks that it is
#            the module loaded), on Debian's generic client;
#            e2e-SUITE-ours-patched and e2e-SUITE-mainline-patched: ours
#            or mainline's on the generic client built from
#            fs/nfs/pnfs/series
# Ends with "N passed, N failed" and exits non-zero on any failure.
# Usage: check.sh [STEP...]   (default: all steps)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

steps=("$@")
[ ${#steps[@]} -gt 0 ] ||
	steps=(static kunit-plain kunit-kasan mds-unit fuzz dkms e2e-block-mainline
	       e2e-block-dkms e2e-blockx-ours e2e-blockfail-ours e2e-multi-conflict-ours
	       e2e-partition-ours
	       e2e-scsi-mainline e2e-scsi-ours e2e-mds-mainline e2e-mds-ours
	       e2e-mds-hostile-ours e2e-mds-topo-ours e2e-mds-lease-ours
	       e2e-mds-storm-ours
	       e2e-bigblock-ours
	       e2e-generic-ours-patched
	       e2e-mds-recall-ours-patched e2e-failret-ours-patched)
logdir=$PNFSBL_OUT/check
mkdir -p "$logdir"
passed=0
failed=0

# count_ktap LOG [STATUS]: add a KTAP log's top-level results to the
# totals; a non-zero STATUS with no failed result counts as one failure
# (the step itself broke).
count_ktap()
{
	local p f

	p=$(grep -cE '^ok [0-9]+' "$1")
	f=$(grep -cE '^not ok [0-9]+' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "${2:-0}" != 0 ] && [ "$f" = 0 ]; then
		failed=$((failed + 1))
	fi
}

# count_kunit LOG STATUS: kunit.py's summary line, or one failure.
count_kunit()
{
	local line p f

	line=$(grep -E 'Ran [0-9]+ tests?:' "$1" | tail -1)
	p=$(sed -n 's/.*passed: \([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.*failed: \([0-9]*\).*/\1/p' <<<"$line")
	p=${p:-0}
	f=${f:-0}
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then
		f=1	# the build or the run itself failed
	fi
	if [ "$p" = 0 ] && [ "$f" = 0 ]; then
		echo "# $1: no KUnit test ran"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

# count_unittest LOG STATUS: python unittest's "Ran N tests" and its
# failures and errors, or one failure if nothing ran.
count_unittest()
{
	local n f e

	n=$(sed -n 's/^Ran \([0-9]*\) tests\?.*/\1/p' "$1" | tail -1)
	f=$(sed -n 's/.*failures=\([0-9]*\).*/\1/p' "$1" | tail -1)
	e=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$1" | tail -1)
	n=${n:-0}
	f=$(( ${f:-0} + ${e:-0} ))
	if [ "$n" = 0 ] || { [ "$2" != 0 ] && [ "$f" = 0 ]; }; then
		echo "# $1: the unit tests did not run cleanly"
		f=$((f + 1))
	fi
	n=$((n - f))
	[ "$n" -ge 0 ] || n=0
	passed=$((passed + n))
	failed=$((failed + f))
}

# run_e2e STEP LOG: STEP is e2e-SUITE-DRIVER[-patched] (or -dkms): one
# guest run of SUITE-e2e with that driver, against the stock or the
# patched generic client.  Returns e2e.sh's status.
run_e2e()
{
	local suite=${1#e2e-} generic=stock driver st=0

	if [ "${suite%-patched}" != "$suite" ]; then
		generic=patched
		suite=${suite%-patched}
	fi
	driver=${suite##*-}
	suite=${suite%-*}-e2e
	PNFSBL_DRIVER=$driver PNFSBL_GENERIC=$generic \
		"$PNFSBL_TDIR/e2e.sh" "$suite" >"$2" 2>&1 || st=$?
	grep -E '^(ok|not ok) ' "$2"
	[ "$st" = 0 ] || tail -50 "$2"
	count_ktap "$2" "$st"
	return "$st"
}

run_step()
{
	local step=$1 log=$logdir/$1.log st=0 t0=$SECONDS

	echo "# ---- $step ----"
	case $step in
	static)
		"$PNFSBL_TDIR/build.sh" static >"$log" 2>&1 || st=$?
		grep -E '^(not ok|#)' "$log" | grep -v '^# Totals' | head -60
		count_ktap "$log"
		;;
	kunit-plain|kunit-kasan)
		"$PNFSBL_TDIR/kunit.sh" "${step#kunit-}" >"$log" 2>&1 || st=$?
		grep -E '\[(FAILED|CRASHED)\]|Ran [0-9]+ tests|ERROR|error:' "$log" | head -40
		count_kunit "$log" "$st"
		;;
	fuzz)
		"$PNFSBL_TDIR/fuzz.sh" check >"$log" 2>&1 || st=$?
		grep -E '^(ok|not ok|#)' "$log" | head -60
		count_ktap "$log" "$st"
		;;
	mds-unit)
		python3 -m unittest discover -s "$PNFSBL_TDIR/mds" \
			-p 'test_*.py' >"$log" 2>&1 || st=$?
		count_unittest "$log" "$st"
		tail -3 "$log"
		;;
	patches)
		"$PNFSBL_TDIR/patches.sh" check >"$log" 2>&1 || st=$?
		grep -E '^(not ok|#)' "$log" | grep -v '^# Totals' | head -60
		count_ktap "$log" "$st"
		;;
	dkms)
		"$PNFSBL_TDIR/dkms.sh" check >"$log" 2>&1 || st=$?
		grep -E '^(ok|not ok|#)' "$log" | head -40
		count_ktap "$log" "$st"
		;;
	e2e-*-mainline|e2e-*-ours|e2e-*-*-patched|e2e-*-dkms)
		run_e2e "$step" "$log" || st=$?
		;;
	*)
		echo "# unknown step $step"
		st=1
		failed=$((failed + 1))
		;;
	esac
	echo "# $step: status $st, $((SECONDS - t0))s, log $log"
}

t_all=$SECONDS
"$PNFSBL_TDIR/deps.sh" all || { echo "0 passed, 1 failed"; exit 1; }
for s in "${steps[@]}"; do
	run_step "$s"
done
echo "# check: $((SECONDS - t_all))s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
