# SPDX-License-Identifier: GPL-2.0
#
# Minimal KTAP output for the guest suites.  Sourced.

KTAP_N=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

# ktap_plan COUNT
ktap_plan()
{
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_diag()
{
	echo "# $*"
}

# ktap_count COUNTER: number the next result, counted in COUNTER too.
ktap_count()
{
	KTAP_N=$((KTAP_N + 1))
	printf -v "$1" %d $(( ${!1} + 1 ))
}

ktap_pass()
{
	ktap_count KTAP_PASS
	echo "ok $KTAP_N $*"
}

ktap_fail()
{
	ktap_count KTAP_FAIL
	echo "not ok $KTAP_N $*"
}

# ktap_skip NAME REASON
ktap_skip()
{
	ktap_count KTAP_SKIP
	echo "ok $KTAP_N $1 # SKIP $2"
}

# ktap_check NAME COMMAND...: run a check and report it.
ktap_check()
{
	local name=$1

	shift
	"$@"
	ktap_result $? "$name"
}

# ktap_result STATUS NAME: pass if STATUS is 0, else fail.
ktap_result()
{
	if [ "$1" = 0 ]; then
		ktap_pass "$2"
	else
		ktap_fail "$2"
	fi
}

# ktap_require NAME COMMAND...: a check the rest of the suite needs: if
# it fails, the suite ends here, failed.
ktap_require()
{
	local name=$1

	shift
	if "$@"; then
		ktap_pass "$name"
		return 0
	fi
	ktap_fail "$name"
	ktap_finish
	exit 1
}

# ktap_finish: totals; returns 1 when anything failed (kselftest codes).
ktap_finish()
{
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL xfail:0 xpass:0 skip:$KTAP_SKIP error:0"
	[ "$KTAP_FAIL" -eq 0 ]
}
