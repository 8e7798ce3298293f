#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shared disk fails under the client: no byte may be lost.
#
# The server's XFS sits on the device-mapper device pnfsbl-srv, a linear
# map of the whole disk pnfsbl-data0.  The client finds the same
# signature on a second linear map of that disk, pnfsbl-cli (blkmapd
# picks it; test 1 checks that it did).  Swapping pnfsbl-cli's table for
# dm-error makes every later bio of the client fail while the server's
# path keeps working, which is what a failed path to a SAN looks like.
#
# Buffered writeback that meets the failed device (tests 5 and 6) must
# not hang fsync: the pages go to the server, and the server must never
# have to break our layout to take them (an nfsd thread waiting in a
# layout break is what hung fsync before).
#
# Each test starts from a fresh mount (unmounting the last mount drops the
# device cache, so no negative entry survives), writes or reads part of a
# file over the layout, fails the device, and finishes the I/O.  The data
# must then be exactly the prng stream: on the client after a remount and
# on the server's own XFS mount.
. /t/common.sh

CMD_TIMEOUT=150
MP=/mnt/f
MIB=$((1 << 20))
SIZE=64m

ktap_plan 9

fresh_mount()
{
	if mountpoint -q "$MP"; then
		umount "$MP" || return 1
	fi
	drop_caches
	cli_table linear && mnt 4.2 "$MP"
}

# 1. The client resolved the signature to pnfsbl-cli, not to the server's
# device or the raw disk: otherwise the other tests would prove nothing.
test_resolved_cli()
{
	local name="blkmapd resolves the volume to the client's own dm device"
	local dm ok=0

	fresh_mount || ok=1
	part 1 "$MP/probe" 0 1 oflag=direct || ok=1
	dm=dm-$(dmsetup info -c --noheadings -o minor pnfsbl-cli)
	if ! grep -q "using device /dev/$dm\$" /results/syslog.txt; then
		ktap_diag "blkmapd did not pick /dev/$dm:"
		grep -h 'map_sig_to_device' /results/syslog.txt | sed 's/^/# /'
		ok=1
	fi
	rm -f "$MP/probe"
	ktap_result $ok "$name"
}

# 2. O_DIRECT: 32 MiB over the layout, the device fails, 32 MiB more.
test_direct_write()
{
	local name="O_DIRECT write: device fails after 32 MiB, all 64 MiB intact"
	local errs ok=0

	fresh_mount || ok=1
	layout_part 21 "$MP/direct" 0 32 || ok=1
	errs=$(events bio_error)
	cli_table error || ok=1
	mds_part failure 21 "$MP/direct" 32 32 || ok=1
	[ -n "$errs" ] &&
		ktap_diag "bio errors traced: $(( $(events bio_error) - errs ))"
	check_file direct direct 21 fresh_mount || ok=1
	ktap_result $ok "$name"
}

# 3. A failure while writes are in flight: dm suspends with bios queued,
# resumes failing them.  Whatever the timing, the data must be intact.
test_racing_write()
{
	local name="device fails while O_DIRECT writes are in flight, intact"
	local pid ok=0

	fresh_mount || ok=1
	prng 41 "$SIZE" |
		t dd of="$MP/race" bs=256k iflag=fullblock oflag=direct \
			conv=fsync status=none &
	pid=$!
	sleep 0.3
	cli_table error || ok=1
	wait $pid || { ktap_diag "dd failed"; ok=1; }
	check_file race race 41 fresh_mount || ok=1
	ktap_result $ok "$name"
}

# 4. Reads: the first MiB over the layout, then the device fails.
test_direct_read()
{
	local name="O_DIRECT read: device fails after 1 MiB, rest from the MDS, intact"
	local want got ok=0

	want=$(expected_sum 21)
	fresh_mount || ok=1
	snap "$MP"
	t dd if="$MP/direct" of=/dev/null bs=1M count=1 iflag=direct status=none || ok=1
	layout_proof "$MP" "the first MiB over the layout" READ || ok=1
	cli_table error || ok=1
	snap "$MP"
	got=$(read_sum direct "$MP/direct")
	ktap_diag "after the failure:$(delta_summary "$MP")"
	if [ "$got" != "$want" ]; then
		ktap_diag "sha256 $got, want $want"
		ok=1
	fi
	if [ "$(mds_reads "$MP")" -eq 0 ]; then
		ktap_diag "no READ went to the metadata server"
		ok=1
	fi
	ktap_result $ok "$name"
}

# nfsd_in_layout_break: list nfsd threads now waiting for a layout to
# come back (XFS breaks layouts from its write path).
nfsd_in_layout_break()
{
	local p

	for p in $(pgrep -x nfsd); do
		grep -qE 'break_layout|__break_lease' "/proc/$p/stack" 2>/dev/null &&
			echo "$p"
	done
}

# /tmp/hold-fsync.py FILE READY GO: write MiB 1 to the end of the prng
# stream on stdin into FILE (MiB 0 of stdin is skipped) through one open
# file, create READY, wait for GO, then fsync and close.  NFS writes dirty
# pages back at close, so the file must stay open until after the
# failure, and the fsync is what writes the pages back.
cat >/tmp/hold-fsync.py <<'EOP'
import os, sys, time
f = os.open(sys.argv[1], os.O_WRONLY)
src = sys.stdin.buffer
src.read(1 << 20)
os.lseek(f, 1 << 20, os.SEEK_SET)
while True:
    b = src.read(1 << 20)
    if not b:
        break
    os.write(f, b)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
os.fsync(f)
os.close(f)
EOP

# hold_dirty SEED FILE...: with the flusher kept away (the fsyncs must
# do the writeback), hold-fsync.py on each FILE: the prng stream SEED
# dirty in the page cache through a file kept open.  Returns once all
# are ready; their pids are in HOLD_PIDS.
hold_dirty()
{
	local seed=$1 f

	shift
	echo $((1 << 30)) >/proc/sys/vm/dirty_background_bytes
	echo $((3 << 29)) >/proc/sys/vm/dirty_bytes
	echo 60000 >/proc/sys/vm/dirty_expire_centisecs
	rm -f /tmp/bf-*
	HOLD_PIDS=()
	for f; do
		prng "$seed" "$SIZE" |
			CMD_TIMEOUT=120 t python3 /tmp/hold-fsync.py "$MP/$f" \
				"/tmp/bf-ready-$f" /tmp/bf-go &
		HOLD_PIDS+=($!)
	done
	for f; do
		while [ ! -e "/tmp/bf-ready-$f" ] && kill -0 "${HOLD_PIDS[@]}" 2>/dev/null; do
			sleep 0.2
		done
	done
	ktap_diag "dirty before the failure: $(awk '/^Dirty:/ { print $2 }' /proc/meminfo) kB"
}

# fsync_held: let hold_dirty's processes fsync and close, and put the
# dirty limits back.  Fails if one failed, the fsyncs took more than
# 60 s, or an nfsd thread was seen in a layout break meanwhile.
fsync_held()
{
	local pid t0 t1 seen=0 ok=0

	t0=$(now)
	touch /tmp/bf-go
	while kill -0 "${HOLD_PIDS[@]}" 2>/dev/null; do
		[ -n "$(nfsd_in_layout_break)" ] && seen=1
		sleep 0.2
	done
	for pid in "${HOLD_PIDS[@]}"; do
		wait "$pid" || { ktap_diag "a writer failed or timed out"; ok=1; }
	done
	t1=$(now)
	sysctl -q -w vm.dirty_background_ratio=10 vm.dirty_ratio=20 \
		vm.dirty_expire_centisecs=3000
	ktap_diag "fsync of ${#HOLD_PIDS[@]} file(s) took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s:$(delta_summary "$MP")"
	if awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 60) }'; then
		ktap_diag "fsync took more than 60 s"
		ok=1
	fi
	if [ "$seen" = 1 ]; then
		ktap_diag "an nfsd thread waited in a layout break"
		ok=1
	fi
	return $ok
}

# buffered_fail NAME SEED FILE...: write the first MiB of each FILE and
# fsync it (the client now holds an RW layout), dirty the rest of each
# in the page cache through a file kept open, fail the device, then
# fsync all files at once.  Every fsync must return within 60 s, no nfsd
# thread may be seen in a layout break meanwhile, and every byte must be
# right afterwards.
buffered_fail()
{
	local name=$1 seed=$2 f ok=0

	shift 2
	fresh_mount || ok=1
	snap "$MP"
	for f in "$@"; do
		part "$seed" "$MP/$f" 0 1 conv=fsync || ok=1
	done
	layout_proof "$MP" "first MiB over the layout" WRITE || ok=1
	hold_dirty "$seed" "$@"
	cli_table error || ok=1
	fsync_held || ok=1
	for f in "$@"; do
		check_file "$name $f" "$f" "$seed" fresh_mount || ok=1
	done
	return $ok
}

# 5. Buffered: the device fails while dirty pages wait for writeback.
test_buffered_write()
{
	local name="buffered write: device fails before writeback, fsync returns, intact"
	local ok=0

	buffered_fail buffered 51 buffered || ok=1
	ktap_result $ok "$name"
}

# 6. The same with four files written back at once.
test_buffered_four()
{
	local name="buffered write, 4 files: device fails before writeback, intact"
	local ok=0

	buffered_fail four 61 four0 four1 four2 four3 || ok=1
	ktap_result $ok "$name"
}

# kill_conn_during PID: while PID runs, kill the client's TCP connection
# to the server every half second (ss -K; the next RPC reconnects and the
# session carries on).  Prints how many times a connection was killed.
kill_conn_during()
{
	local n=0

	while kill -0 "$1" 2>/dev/null; do
		sleep 0.5
		ss -K -t -n state established '( dport = :2049 )' 2>/dev/null |
			grep -q ':2049' && n=$((n + 1))
	done
	echo "$n"
}

# 7. The connection to the server dies under O_DIRECT and buffered
# writes (issue: connection loss): the session recovers, the layout
# keeps carrying the data, no WRITE goes to the server, every byte is
# right.
test_connection_loss()
{
	local name="TCP connection killed during writes: layout I/O resumes, intact"
	local mode seed pid kills ok=0

	fresh_mount || ok=1
	for mode in direct buffered; do
		seed=76
		[ $mode = buffered ] && seed=78
		snap "$MP"
		write_file "$mode" "$MP/conn-$mode" $seed &
		pid=$!
		kills=$(kill_conn_during $pid)
		wait $pid || { ktap_diag "$mode: dd failed"; ok=1; }
		ktap_diag "$mode: connection killed $kills times"
		if [ "$kills" -lt 1 ]; then
			ktap_diag "$mode: no connection was killed during the write"
			ok=1
		fi
		layout_proof "$MP" "$mode" WRITE ||
			{ ktap_diag "$mode: the write did not stay on the layout"; ok=1; }
	done
	check_file conn-direct conn-direct 76 fresh_mount || ok=1
	check_file conn-buffered conn-buffered 78 fresh_mount || ok=1
	ktap_result $ok "$name"
}

# 8. LAYOUTERROR to nfsd (NFSv4.2): 8 MiB O_DIRECT over the layout, the
# device fails, 8 MiB more.  The client reports the burst once
# (mountstats LAYOUTERROR, and the tracepoint: the write's device ID,
# NFS4ERR_IO, a range of the failed write) before returning the layout;
# nfsd does not implement the operation and answers NFS4ERR_NOTSUPP
# (-ENOTSUPP, -524, in the tracepoint's result).  Nothing else changes:
# the data is intact on the server and on the client.
test_layouterror()
{
	local name="LAYOUTERROR: one for the failed device, nfsd answers NOTSUPP, intact"
	local SIZE=16m n0 ok=0

	fresh_mount || ok=1
	layout_part 24 "$MP/lerr" 0 8 || ok=1
	n0=$(events layouterror)
	cli_table error || ok=1
	mds_part failure 24 "$MP/lerr" 8 8 || ok=1
	grep ' pnfs_block_layouterror:' /sys/kernel/tracing/trace | tail -n +$((n0 + 1)) >/tmp/lerr
	sed 's/^/# /' /tmp/lerr
	if [ "$(delta "$MP" LAYOUTERROR)" != 1 ] || [ "$(wc -l </tmp/lerr)" != 1 ]; then
		ktap_diag "want one LAYOUTERROR: $(delta "$MP" LAYOUTERROR) sent, $(wc -l </tmp/lerr) traced"
		ok=1
	fi
	grep -q ' write offset=[0-9]* length=[1-9][0-9]* nfsstat=5 result=-524$' /tmp/lerr ||
		{ ktap_diag "want a write, NFS4ERR_IO, answered NFS4ERR_NOTSUPP"; ok=1; }
	check_file lerr lerr 24 fresh_mount || ok=1
	ktap_result $ok "$name"
}

if ! setup_dm_server; then
	ktap_diag "setup failed"
	for n in 1 2 3 4 5 6 7 8 9; do ktap_fail "setup"; done
	ktap_finish
	exit 1
fi
test_resolved_cli
test_direct_write
test_racing_write
test_direct_read
test_buffered_write
test_buffered_four
test_connection_loss
test_layouterror
umount "$MP"
cli_table linear
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
