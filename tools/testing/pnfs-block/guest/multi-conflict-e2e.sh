#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two NFS clients write one file over the pNFS block layout (issue 14,
# guarantee 2: conflicting access).  The clients are the namespaces of
# guest/multi-common.sh, each its own nfs_client with its own client ID
# and blkmapd.  nfsd hands a file's layout to one client at a time: a
# LAYOUTGET from the other recalls it, and the holder commits what it
# wrote and returns it.
#
# Every 512-byte sector written carries its writer and a generation
# (/t/stamp.py), so that a sector read back is exactly one write's, or
# shows as torn, stale, zeros (a lost LAYOUTCOMMIT: nfsd keeps blocks
# written over the layout unwritten until it is committed) or misplaced.
# Writes in turn (each client closes before the other opens) must leave
# exactly the last writer's sectors (the close returns the layout, so no
# recall is needed); writes at once, each client holding the file open
# and syncing every piece, make nfsd recall layouts, and may leave either
# writer's sector, whole, and nothing older.  Checked on nfsd's own XFS,
# and on both clients with O_DIRECT reads.
. /t/common.sh
. /t/multi-common.sh

CMD_TIMEOUT=180
F=conflict
ST=/t/stamp.py

ktap_plan 8

# stamp_write I GEN OFFSET LENGTH [direct] [shuffle]: client I writes.
stamp_write()
{
	local i=$1

	shift
	t python3 "$ST" write "$(multi_mp "$i")/$F" "$i" "$@"
}

# stamp_check_all RANGE...: nfsd's XFS (caches dropped) and both clients
# (O_DIRECT) hold sectors as RANGE says.
stamp_check_all()
{
	local i out bad=0

	drop_caches
	out=$(python3 "$ST" check "$SRV/$F" "$@") || bad=1
	ktap_diag "server: $out"
	for i in 1 2; do
		out=$(t python3 "$ST" check "$(multi_mp "$i")/$F" direct "$@") ||
			bad=1
		ktap_diag "client $i: $out"
	done
	return $bad
}

recalls()
{
	grep -c ' nfsd_layout_recall:' /sys/kernel/tracing/trace
}

# report PHASE: what each client sent since its snap, and nfsd's recalls.
report()
{
	local i

	for i in 1 2; do
		ktap_diag "$1 client $i:$(delta_summary "$(multi_mp "$i")")"
		snap "$(multi_mp "$i")"
	done
	ktap_diag "$1: nfsd recalled layouts $(($(recalls) - RECALLS)) times"
	RECALLS=$(recalls)
}

setup()
{
	setup_block_server || return 1
	multi_client_add 1 && multi_client_add 2 || return 1
	multi_mount 1 4.2 && multi_mount 2 4.1 || return 1
	[ "$(pnfs_type "$(multi_mp 1)")" = LAYOUT_BLOCK_VOLUME ] &&
		[ "$(pnfs_type "$(multi_mp 2)")" = LAYOUT_BLOCK_VOLUME ] || return 1
	echo 1 >/sys/kernel/tracing/events/nfsd/nfsd_layout_recall/enable ||
		return 1
	RECALLS=$(recalls)
	snap "$(multi_mp 1)"
	snap "$(multi_mp 2)"
}

# 1. In turn, O_DIRECT: client 1 writes 8 MiB, client 2 overwrites
# [2, 6) MiB, client 1 overwrites [5, 7) MiB.
test_turns_direct()
{
	stamp_write 1 1 0 8M direct &&
		stamp_write 2 2 2M 4M direct &&
		stamp_write 1 3 5M 2M direct || return 1
	report "in turn, O_DIRECT"
	stamp_check_all 0:2M=1.1 2M:3M=2.2 5M:2M=1.3 7M:1M=1.1
}

# 2. In turn, buffered (each write fsynced and closed before the next
# open): client 2 overwrites [1, 3) MiB, client 1 [2, 4) MiB, client 2
# [0, 1) MiB; then each client reads the whole file through its page
# cache, opened after the last close (close-to-open).
test_turns_buffered()
{
	local i out want=(0:1M=2.6 1M:1M=2.4 2M:2M=1.5 4M:1M=2.2 5M:2M=1.3
			  7M:1M=1.1) bad=0

	stamp_write 2 4 1M 2M && stamp_write 1 5 2M 2M &&
		stamp_write 2 6 0 1M || return 1
	report "in turn, buffered"
	for i in 1 2; do
		out=$(t python3 "$ST" check "$(multi_mp "$i")/$F" "${want[@]}") ||
			bad=1
		ktap_diag "client $i, buffered read: $out"
	done
	stamp_check_all "${want[@]}" && [ $bad = 0 ]
}

# at_once GEN1 GEN2 OFFSET LENGTH [direct]: both clients write the same
# range at once, each in its own random order of 64 KiB pieces, each
# piece synced; nfsd must have recalled a layout.
at_once()
{
	local g1=$1 g2=$2 off=$3 len=$4 p1 p2 r0 bad=0

	shift 4
	r0=$(recalls)
	stamp_write 1 "$g1" "$off" "$len" shuffle sync "$@" &
	p1=$!
	stamp_write 2 "$g2" "$off" "$len" shuffle sync "$@" &
	p2=$!
	wait $p1 || { ktap_diag "client 1: write failed"; bad=1; }
	wait $p2 || { ktap_diag "client 2: write failed"; bad=1; }
	[ "$(recalls)" -gt "$r0" ] || { ktap_diag "no layout recalled"; bad=1; }
	return $bad
}

# 3. At once, O_DIRECT, over [0, 4) MiB: every sector there is client
# 1's generation 7 or client 2's generation 8, whole.
test_at_once_direct()
{
	at_once 7 8 0 4M direct || return 1
	report "at once, O_DIRECT"
	stamp_check_all 0:4M=1.7,2.8 4M:1M=2.2 5M:2M=1.3 7M:1M=1.1
}

# 4. At once, buffered, over [2, 8) MiB: client 1's generation 9 or
# client 2's generation 10.
test_at_once_buffered()
{
	at_once 9 10 2M 6M || return 1
	report "at once, buffered"
	stamp_check_all 0:2M=1.7,2.8 2M:6M=1.9,2.10
}

# 5. The clients' unmounts return their layouts; the server's file is
# unchanged by them.
test_umount()
{
	multi_umount 1 && multi_umount 2 || return 1
	drop_caches
	python3 "$ST" check "$SRV/$F" 0:2M=1.7,2.8 2M:6M=1.9,2.10 >/dev/null
}

ktap_require "setup: nfsd, two client namespaces, $PNFSBL_DRIVER driver" setup
ktap_check "in turn, O_DIRECT: the last writer's sectors everywhere" \
	test_turns_direct
ktap_check "in turn, buffered: the last writer's sectors, close-to-open on both clients" \
	test_turns_buffered
ktap_check "at once, O_DIRECT: layouts recalled, each sector whole, one of the two writes" \
	test_at_once_direct
ktap_check "at once, buffered: layouts recalled, each sector whole, one of the two writes" \
	test_at_once_buffered
ktap_check "both clients unmount; the server's file is unchanged" test_umount
multi_finish
