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
# Our driver has tracepoints (mainline's has none): three more tests run
# the admin guide's trace-cmd commands.
TRACE_TESTS=0
[ "$PNFSBL_DRIVER" != mainline ] && TRACE_TESTS=3
ktap_plan $((1 + DKMS_TESTS + 2 * (1 + 2 * 2) + 4 + TRACE_TESTS))

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
	layout_proof "$mp" "v$v $mode write" WRITE ||
		{ ktap_diag "no layout proof"; got=bad; }
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
	elif ! layout_proof "$mp" "v$v $mode read" READ; then
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
	if layout_proof "$mp" "negative control" WRITE; then
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

# trace_record OUT EVENT...: "trace-cmd record -e EVENT..." as the admin
# guide says, around a 4 MiB O_DIRECT write of $TRACE_FILE; OUT gets
# "trace-cmd report".
trace_record()
{
	local out=$1 dat=/tmp/trace-cmd.dat log=/tmp/trace-cmd.log pid i
	local ev=()

	shift
	for i in "$@"; do
		ev+=(-e "$i")
	done
	rm -f "$dat" "$TRACE_FILE"
	(cd /tmp && exec trace-cmd record -o "$dat" "${ev[@]}") >"$log" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		grep -q 'Hit Ctrl^C' "$log" && break
		sleep 0.2
	done
	prng 7 4M | t dd of="$TRACE_FILE" bs=1M iflag=fullblock oflag=direct \
		conv=fsync status=none
	kill -INT "$pid"
	wait "$pid"
	trace-cmd report -i "$dat" >"$out" 2>>"$log" ||
		{ ktap_diag "trace-cmd: $(tail -3 "$log")"; return 1; }
	cp "$out" "/results/trace-cmd-$(basename "$out")"
}

# The admin guide's "trace-cmd record -e pnfs_block" shows the write
# submitted and done over the layout, naming the file.
test_trace_cmd()
{
	local id n

	trace_record /tmp/report-1.txt pnfs_block || return 1
	id=$(file_id "$TRACE_FILE")
	# trace-cmd report pads the event name with spaces.
	n=$(grep -Ec " pnfs_block_io: +$id fhandle=0x[0-9a-f]+ write " \
		/tmp/report-1.txt)
	ktap_diag "$(grep -c ' pnfs_block_' /tmp/report-1.txt) events," \
		"$n pnfs_block_io writes of $id"
	[ "$n" -gt 0 ] &&
		grep -Eq " pnfs_block_io_submit: +$id fhandle=0x[0-9a-f]+ write " \
			/tmp/report-1.txt
}

# Our events name a file as the NFS client's do: the fhandle hash of
# pnfs_block_io is nfs4_layoutget's for the same fileid.
test_trace_fhandle()
{
	local id ours theirs

	trace_record /tmp/report-2.txt pnfs_block nfs4:nfs4_layoutget ||
		return 1
	id=$(file_id "$TRACE_FILE")
	ours=$(grep -Eo " pnfs_block_io: +$id fhandle=0x[0-9a-f]+" \
		/tmp/report-2.txt | sed 's/.*fhandle=//' | sort -u)
	theirs=$(grep " nfs4_layoutget: " /tmp/report-2.txt |
		 grep -Eo "$id fhandle=0x[0-9a-f]+" | sed 's/.*fhandle=//' |
		 sort -u)
	ktap_diag "$id: pnfs_block_io fhandle '$ours', nfs4_layoutget '$theirs'"
	[ -n "$ours" ] && [ "$ours" = "$theirs" ]
}

# trace-cmd reads each event's print fmt from its format file: an event
# whose fmt libtraceevent cannot parse prints as "[FAILED TO PARSE]" with
# its raw fields.  Every pnfs_block event the two reports hold must read
# as the admin guide shows it.
test_trace_parse()
{
	local r

	for r in /tmp/report-1.txt /tmp/report-2.txt; do
		[ -s "$r" ] || { ktap_diag "no $r"; return 1; }
	done
	ktap_diag "events:" $(grep -ho ' pnfs_block_[a-z_]*:' \
		/tmp/report-[12].txt | sort | uniq -c | tr -d ':')
	grep -h ' pnfs_block_[a-z_]*: *\[FAILED TO PARSE\]' \
		/tmp/report-[12].txt >/tmp/unparsed
	sed 's/^ */# unparsed: /' /tmp/unparsed | head -3
	[ ! -s /tmp/unparsed ]
}

test_negative_control

cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
# The format files trace-cmd reads, for libtraceevent on the host.
tail -n +1 /sys/kernel/tracing/events/pnfs_block/*/format \
	>/results/pnfs_block-formats.txt 2>/dev/null
if [ "$TRACE_TESTS" -gt 0 ]; then
	mnt 4.2 /mnt/trace
	TRACE_FILE=/mnt/trace/trace-cmd
	ktap_check "trace-cmd record -e pnfs_block shows the layout write" \
		test_trace_cmd
	ktap_check "pnfs_block events name the file as nfs4 events do" \
		test_trace_fhandle
	ktap_check "trace-cmd report parses every pnfs_block event" \
		test_trace_parse
	umount /mnt/trace
fi
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
