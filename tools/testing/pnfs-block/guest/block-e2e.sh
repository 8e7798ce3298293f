#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end suite for the pNFS block layout (RFC 5663) against Linux
# nfsd on guest loopback.  For each of {buffered, O_DIRECT} x {write,
# read} x {4.1, 4.2} it moves a file of reproducible pseudo-random data,
# checks it on the client and on the server's own XFS mount, and proves
# from mountstats that the layout carried it: LAYOUTGET > 0 and no READ or
# WRITE to the metadata server.  A negative control on an export without
# "pnfs" must fail that proof.
. /t/common.sh

VERSIONS="4.1 4.2"
MODES="buffered direct"

# With the module DKMS built (/t/dkms-build), one more test proves it is
# the one loaded.
DKMS_TESTS=0
[ -f /t/dkms-build ] && DKMS_TESTS=1
ktap_plan $((1 + DKMS_TESTS + 2 * (1 + 2 * 2) + 4))

# layout_proof MOUNTPOINT OP: the layout carried the I/O since the last
# snap: LAYOUTGET > 0 and no READ (or READ_PLUS) or WRITE (OP) to the
# metadata server.
layout_proof()
{
	local lg mds

	lg=$(delta "$1" LAYOUTGET)
	if [ "$2" = READ ]; then
		mds=$(mds_reads "$1")
	else
		mds=$(delta "$1" "$2")
	fi
	ktap_diag "$(delta_summary "$1")"
	[ "$lg" -gt 0 ] && [ "$mds" -eq 0 ]
}

test_write()	# VERSION MODE MOUNTPOINT
{
	local v=$1 mode=$2 mp=$3 name="f-$1-$2" seed want got srv t0

	seed=$(echo "$v$mode" | cksum | cut -d' ' -f1)
	want=$(expected_sum "$seed")
	snap "$mp"
	t0=$(now)
	if ! write_file "$mode" "$mp/$name" "$seed"; then
		ktap_fail "v$v $mode write: dd failed"
		return
	fi
	ktap_diag "write $(rate "$(stat -c %s "$mp/$name")" "$t0" "$(now)")"
	srv=$(server_sum "$name")
	got=ok
	if [ "$srv" != "$want" ]; then
		ktap_diag "server sha256 $srv, want $want"
		diff_ranges "$seed" "$SRV/$name"
		got=bad
	fi
	layout_proof "$mp" WRITE || { ktap_diag "no layout proof"; got=bad; }
	if [ $got = ok ]; then
		ktap_pass "v$v $mode write over the layout"
	else
		ktap_fail "v$v $mode write over the layout"
	fi
}

test_read()	# VERSION MODE MOUNTPOINT
{
	local v=$1 mode=$2 mp=$3 name="f-$1-$2" seed want got t0

	seed=$(echo "$v$mode" | cksum | cut -d' ' -f1)
	want=$(expected_sum "$seed")
	drop_caches
	snap "$mp"
	t0=$(now)
	got=$(read_sum "$mode" "$mp/$name")
	ktap_diag "read $(rate "$(stat -c %s "$mp/$name")" "$t0" "$(now)")"
	if [ "$got" != "$want" ]; then
		ktap_diag "client sha256 $got, want $want"
		ktap_fail "v$v $mode read over the layout"
	elif ! layout_proof "$mp" READ; then
		ktap_fail "v$v $mode read over the layout"
	else
		ktap_pass "v$v $mode read over the layout"
	fi
}

# The proof must be able to fail: on an export without pnfs the same
# write goes through the server and the proof must say so.
test_negative_control()
{
	local mp=/mnt/plain seed=7 want srv

	if ! mnt 4.2 "$mp" "$PLAIN"; then
		ktap_fail "negative control: mount $PLAIN"
		return
	fi
	want=$(expected_sum $seed)
	snap "$mp"
	write_file direct "$mp/neg" $seed
	drop_caches
	srv=$(sha256sum "$PLAIN/neg" | cut -d' ' -f1)
	if layout_proof "$mp" WRITE; then
		ktap_fail "negative control: proof passed on a non-pnfs export"
	elif [ "$srv" != "$want" ] || [ "$(delta "$mp" WRITE)" -eq 0 ]; then
		ktap_fail "negative control: data or MDS WRITE count wrong"
	else
		ktap_pass "negative control: non-pnfs export fails the layout proof"
	fi
	umount "$mp"
}

ktap_require "setup: XFS export with pnfs, nfsd, blkmapd, $PNFSBL_DRIVER driver" \
	setup_block_server
if [ "$DKMS_TESTS" = 1 ]; then
	ktap_check "the driver loaded is the module DKMS built from the package" \
		check_dkms_driver
fi

for v in $VERSIONS; do
	mp=/mnt/v$v
	if mnt "$v" "$mp" && [ "$(pnfs_type "$mp")" = LAYOUT_BLOCK_VOLUME ]; then
		ktap_pass "v$v mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
	else
		ktap_diag "pnfs=$(pnfs_type "$mp")"
		ktap_fail "v$v mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
	fi
	for mode in $MODES; do
		test_write "$v" "$mode" "$mp"
	done
	# A fresh mount for the reads: no cached data, no cached layout.
	umount "$mp"
	drop_caches
	mnt "$v" "$mp"
	for mode in $MODES; do
		test_read "$v" "$mode" "$mp"
	done
	umount "$mp"
done

test_negative_control

cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
kill "$BLKMAPD_PID" 2>/dev/null
if rmmod blocklayoutdriver; then
	ktap_pass "driver unloads after the tests"
else
	ktap_fail "driver unloads after the tests"
fi

# Registration and the per-namespace pipe come and go cleanly.
load_unload_loop()
{
	local i

	for i in $(seq 20); do
		load_driver >/dev/null && rmmod blocklayoutdriver || return 1
	done
	! grep -q blocklayoutdriver /proc/modules
}
ktap_check "driver loads and unloads 20 times" load_unload_loop
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
