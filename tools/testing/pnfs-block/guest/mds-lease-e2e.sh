#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lease-based fencing against the test metadata server (../mds/), which
# can leave every call unanswered for a while (pause), as a server cut
# off by a partition would.  Its lease is 10 s.  A client that cannot
# renew its lease must stop sending layout I/O to the disks before the
# lease could have expired at the server (RFC 8881 section 12.7.2): the
# server may by then have fenced it and given the blocks to another
# client.  With a layout in hand and no RPC needed, a write during the
# pause would otherwise go straight to the disk.
. /t/common.sh
. /t/mds-common.sh

CMD_TIMEOUT=120
SIZE=4m
LEASE=10
PAUSE=25

ktap_plan 6

# setup: the test MDS, and the lease check's max_io_time at 10 s (30 by
# default); with a 10 s lease the driver cuts the margin to what the
# generic client's renewal leaves.
setup()
{
	setup_mds &&
		echo 10 >/sys/module/blocklayoutdriver/parameters/max_io_time
}

ktap_require "setup: test MDS (lease ${LEASE} s), blkmapd, $PNFSBL_DRIVER driver, max_io_time=10" \
	setup

# 1. The first write gets a layout over the whole file and commits it.
test_first_write()
{
	snap "$MP"
	part 1 "$MP/f" 0 4 oflag=direct conv=fsync || return 1
	layout_proof "$MP" "first write" WRITE
}

# /tmp/hold-write.py FILE READY GO: read 4 MiB from stdin, open FILE
# O_DIRECT (an open needs the server: it must happen before the pause),
# create READY, wait for GO, then write the 4 MiB from offset 0 in 64 KiB
# pieces, one every 0.2 s (no RPC needed while the layout is valid), and
# fsync.
cat >/tmp/hold-write.py <<'EOP'
import mmap, os, sys, time
piece = 64 << 10
buf = mmap.mmap(-1, 4 << 20)
buf.write(sys.stdin.buffer.read(4 << 20))
f = os.open(sys.argv[1], os.O_WRONLY | os.O_DIRECT)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
for off in range(0, 4 << 20, piece):
    os.pwrite(f, memoryview(buf)[off:off + piece], off)
    time.sleep(0.2)
os.fsync(f)
os.close(f)
EOP

# trace_time EVENT [last]: the timestamp (seconds) of the first (or last)
# pnfs_block_EVENT in the trace, or nothing.
trace_time()
{
	awk -v ev=" pnfs_block_$1:" -v last="${2:-}" '
		index($0, ev) {
			for (i = 1; i < NF; i++)
				if ($i ~ /^[0-9]+\.[0-9]+:$/) {
					t = substr($i, 1, length($i) - 1)
					break
				}
			if (!last) { print t; exit }
		}
		END { if (last && t != "") print t }' /sys/kernel/tracing/trace
}

# 2. The server stops answering while a writer, whose file was opened
# before, writes a piece every 0.2 s over the layout.  Once the lease is
# older than the lease time less the driver's margin (here 0.67 s: the
# generic client renews up to 8.33 s after the last renewal, and the
# driver allows 1 s for its reply), no piece may reach the disk: the first pnfs_block_lease_expiring
# comes after that time and before the lease time, the refusal names the
# lease, and no pnfs_block_io_submit follows it while the server is
# silent.  The writer waits for the server.
test_no_io_past_lease()
{
	local ref first last

	rm -f /tmp/hw-ready /tmp/hw-go
	prng 2 "$SIZE" | t python3 /tmp/hold-write.py "$MP/f" /tmp/hw-ready \
		/tmp/hw-go &
	DD_PID=$!
	wait_ready /tmp/hw-ready $DD_PID
	ctl pause $PAUSE >/dev/null || return 1
	touch /tmp/hw-go
	sleep $((PAUSE - 3))
	ref=$(grep -c " pnfs_block_io_refused: .*reason='lease" \
		/sys/kernel/tracing/trace)
	first=$(trace_time lease_expiring)
	last=$(trace_time io_submit last)
	ktap_diag "refused for the lease: $ref; last pnfs_block_io_submit at" \
		"${last:-none}, first pnfs_block_lease_expiring at ${first:-none}"
	[ "$ref" -gt 0 ] && [ -n "$first" ] && [ -n "$last" ] &&
		awk -v a="$last" -v b="$first" 'BEGIN { exit !(a < b) }' &&
		lease_stop_in_time
}
# lease_stop_in_time: the first pnfs_block_lease_expiring says the driver
# stopped after the lease time less the margin, before the lease time.
lease_stop_in_time()
{
	local ev age lease margin

	ev=$(grep -m1 ' pnfs_block_lease_expiring: ' /sys/kernel/tracing/trace)
	ktap_diag "first refusal: ${ev##*offset=}"
	age=$(sed -n 's/.* renewed_ms_ago=\([0-9]*\) .*/\1/p' <<<"$ev")
	lease=$(sed -n 's/.* lease_ms=\([0-9]*\) .*/\1/p' <<<"$ev")
	margin=$(sed -n 's/.* margin_ms=\([0-9]*\).*/\1/p' <<<"$ev")
	[ -n "$age" ] && [ "$lease" -eq $((LEASE * 1000)) ] &&
		[ "$age" -ge $((lease - margin)) ] && [ "$age" -lt "$lease" ]
}

# 3. The server answers again: the write completes (through the MDS or a
# new layout) and the file holds it.
test_after_pause()
{
	local want got

	ctl pause 0 >/dev/null
	wait "$DD_PID" || { ktap_diag "the writer failed"; return 1; }
	want=$(expected_sum 2)
	got=$(ctl sha256 /f)
	ktap_diag "after the pause:$(delta_summary "$MP")"
	[ "$got" = "$want" ] || { ktap_diag "sha256 $got, want $want"; return 1; }
}

# 4. A client that can reach its server is never refused: idle for more
# than the lease (the generic client renews it at two thirds), then write
# and read over the layout with no new refusal.
test_idle_not_refused()
{
	local ref0 ref1 sub0 sub1

	ref0=$(events lease_expiring)
	sleep $((LEASE + 2))
	sub0=$(events io_submit)
	snap "$MP"
	part 3 "$MP/f" 0 4 oflag=direct conv=fsync || return 1
	t dd if="$MP/f" of=/dev/null bs=1M iflag=direct status=none || return 1
	sub1=$(events io_submit)
	ref1=$(events lease_expiring)
	ktap_diag "after $((LEASE + 2)) s idle: io_submit +$((sub1 - sub0))," \
		"lease refusals +$((ref1 - ref0));$(delta_summary "$MP")"
	[ "$ref1" -eq "$ref0" ] && [ "$sub1" -gt "$sub0" ] &&
		[ "$(delta "$MP" WRITE)" -eq 0 ] &&
		[ "$(ctl sha256 /f)" = "$(expected_sum 3)" ]
}

ktap_check "O_DIRECT write gets a layout and commits" test_first_write
ktap_check "no layout I/O once the lease may have expired" test_no_io_past_lease
ktap_check "the write completes when the server answers again" test_after_pause
ktap_check "an idle client that reaches its server is not refused" \
	test_idle_not_refused
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
t umount "$MP"
stop_mds
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
