#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A client cut off from nfsd mid-write must stop its layout I/O before
# its lease can have expired at the server (issue 14, guarantee 3;
# RFC 8881 section 12.7.2).  Two clients of guest/multi-common.sh, each
# its own nfs_client in its own network namespace; nfsd's lease is 10 s
# and the driver's lease check is on as by default (max_io_time=30, cut
# to a margin of 0.67 s by what the generic client's renewal leaves).
#
# Client 1 overwrites a file it wrote and committed, O_DIRECT, in 64 KiB
# pieces, one generation after another (/t/stamp.py loop): with the
# layout in hand and the extents already written, no RPC is needed, so
# nothing but the driver stops those writes reaching the disk when its
# link goes down (ip link set down in its namespace).  Once client 1's
# lease has expired, nfsd gives the range to client 2: it recalls
# client 1's layout, and as client 1 is by then a courtesy client with
# no callback path, nfsd drops the recall and the layout without calling
# its fence helper (nfsd4_run_cb_work(); /sbin/nfsd-recall-failed, which
# this suite installs to log, is not run).  Nothing fences client 1 at
# the disk: the driver's lease check is all that keeps it off.
#
# With max_io_time=0 (the check off; the default before this suite)
# client 1 went on writing over the
# layout through the partition and after client 2's write, and every
# sector of the file ended up client 1's (measured 2026-12-06).
. /t/common.sh
. /t/multi-common.sh

CMD_TIMEOUT=120
F=part
ST=/t/stamp.py
LEASE=10
LOOPLOG=/results/loop1.log

ktap_plan 9

now()
{
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}

# nfsd_events: nfsd's layout recall events so far, and the fence log.
nfsd_events()
{
	grep -E ' nfsd_(layout_recall|cb_layout_done)' \
		/sys/kernel/tracing/trace | sed 's/^ *//' |
		while read -r l; do ktap_diag "nfsd: ${l#*: }"; done
	if [ -s /results/fence.log ]; then
		ktap_diag "nfsd ran its fence helper: $(cat /results/fence.log)"
	else
		ktap_diag "nfsd did not run its fence helper"
	fi
}

setup()
{
	local e

	# The writer logs CLOCK_MONOTONIC; the trace must use the same.
	echo mono >/sys/kernel/tracing/trace_clock || return 1
	setup_block_server || return 1
	[ "$(cat /proc/fs/nfsd/nfsv4leasetime)" = $LEASE ] || return 1
	multi_client_add 1 && multi_client_add 2 || return 1
	multi_mount 1 4.2 && multi_mount 2 4.1 || return 1
	[ "$(pnfs_type "$(multi_mp 1)")" = LAYOUT_BLOCK_VOLUME ] &&
		[ "$(pnfs_type "$(multi_mp 2)")" = LAYOUT_BLOCK_VOLUME ] || return 1
	# The default: the check is on.
	[ "$(cat /sys/module/blocklayoutdriver/parameters/max_io_time)" = 30 ] ||
		return 1
	cat >/sbin/nfsd-recall-failed <<-'EOS'
	#!/bin/sh
	echo "$(cut -d' ' -f1 /proc/uptime) $*" >>/results/fence.log
	EOS
	chmod +x /sbin/nfsd-recall-failed || return 1
	for e in nfsd_layout_recall nfsd_layout_recall_fail \
		 nfsd_layout_recall_release nfsd_cb_layout_done; do
		echo 1 >"/sys/kernel/tracing/events/nfsd/$e/enable" || return 1
	done
	# Client 1's s_dev as the driver's events print it.
	DEV1=$(file_id "$(multi_mp 1)") || return 1
	DEV1=${DEV1#fileid=}
	DEV1=${DEV1%:*}
	snap "$(multi_mp 1)"
	snap "$(multi_mp 2)"
}

# 1. Client 1 writes the file over the layout, O_DIRECT, and commits it:
# its extents are written, so overwrites need no LAYOUTCOMMIT.
test_first_write()
{
	t python3 "$ST" write "$(multi_mp 1)/$F" 1 1 0 4M direct &&
		layout_proof "$(multi_mp 1)" "client 1" WRITE
}

# 2. Client 1 overwrites the file in a loop; 3 s in, its link goes down.
# Lease + 2 s later: its layout I/O must have stopped before its last
# renewal plus the lease (when the lease can first have expired at the
# server), with the first pnfs_block_lease_expiring within the margin
# before that, no pnfs_block_io_submit after it, and some layout writes
# done after the cut (the window was exercised).  The writer now waits
# for the server, with one piece sent to the MDS.
test_cut_stops_layout_io()
{
	local out

	python3 "$ST" loop "$(multi_mp 1)/$F" 1 2 0 4M "$LOOPLOG" &
	LOOP_PID=$!
	sleep 3
	kill -0 $LOOP_PID || { ktap_diag "the writer died"; return 1; }
	T_CUT=$(now)
	ip -n "$(multi_ns 1)" link set eth0 down || return 1
	sleep $((LEASE + 2))
	out=$(python3 /t/fence-report.py /sys/kernel/tracing/trace "$DEV1" \
		"$T_CUT" "$(now)" "$LOOPLOG" $LEASE)
	while read -r l; do ktap_diag "$l"; done <<<"$out"
	IN_FLIGHT=$(sed -n 's/^in_flight=//p' <<<"$out")
	grep -qx 'verdict=ok' <<<"$out"
}

# 3. Client 2 writes the whole range, O_DIRECT: nfsd must let it (client
# 1's lease has expired) while client 1 is still cut off.
test_other_client_writes()
{
	t python3 "$ST" write "$(multi_mp 2)/$F" 2 100 0 4M direct
	local st=$?

	ktap_diag "client 2:$(delta_summary "$(multi_mp 2)")"
	nfsd_events
	return $st
}

# 4. The writer is killed and the link comes back.  The disk holds
# client 2's sectors everywhere, but for the one piece client 1 had sent
# to the MDS when its layout I/O stopped: that WRITE reaches nfsd after
# the link is back, after client 2's, as any late NFS WRITE would.  The
# server's XFS and both clients (O_DIRECT) see the same.
test_heal()
{
	local gen pos end ranges n i out bad=0

	kill -9 "$LOOP_PID"
	ip -n "$(multi_ns 1)" link set eth0 up || return 1
	# Its exit closes the file, and the close waits for the server.
	for ((n = 0; n < 90; n++)); do
		kill -0 "$LOOP_PID" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$LOOP_PID" 2>/dev/null; then
		ktap_diag "client 1's writer still there 90 s after the link came back"
		return 1
	fi
	wait "$LOOP_PID" 2>/dev/null
	ranges=0:4M=2.100
	if [ -n "$IN_FLIGHT" ]; then
		gen=${IN_FLIGHT%%.*}
		pos=${IN_FLIGHT#*.}
		end=$((pos + 65536))
		ktap_diag "client 1's piece at the MDS: generation $gen at $pos"
		ranges="0:$pos=2.100 $pos:65536=2.100,1.$gen $end:$((4194304 - end))=2.100"
	fi
	drop_caches
	# shellcheck disable=SC2086
	out=$(python3 "$ST" check "$SRV/$F" $ranges) || bad=1
	ktap_diag "server: $out"
	for i in 1 2; do
		# shellcheck disable=SC2086
		out=$(t python3 "$ST" check "$(multi_mp "$i")/$F" direct $ranges) ||
			bad=1
		ktap_diag "client $i: $out"
	done
	return $bad
}

# 5. Client 1 has recovered its lease: a new file goes over a new
# layout, with no WRITE to the MDS, and the server holds it.
test_recovered()
{
	snap "$(multi_mp 1)"
	t python3 "$ST" write "$(multi_mp 1)/after" 1 500 0 4M direct &&
		layout_proof "$(multi_mp 1)" "client 1 after the partition" WRITE &&
		drop_caches &&
		python3 "$ST" check "$SRV/after" 0:4M=1.500 >/dev/null
}

# 6. Both clients unmount.
test_umount()
{
	multi_umount 1 && multi_umount 2
}

ktap_require "setup: nfsd (lease $LEASE s), two client namespaces, $PNFSBL_DRIVER driver, max_io_time=30 (default)" \
	setup
ktap_check "client 1 writes and commits over the layout" test_first_write
ktap_check "cut off mid-write: layout I/O stops before the lease can expire" \
	test_cut_stops_layout_io
ktap_check "client 2 writes the range once client 1's lease has expired" \
	test_other_client_writes
ktap_check "link back: client 2's sectors, only client 1's MDS WRITE may follow" \
	test_heal
ktap_check "client 1 recovers: layout I/O again" test_recovered
ktap_check "both clients unmount" test_umount
rm -f /sbin/nfsd-recall-failed
multi_finish
