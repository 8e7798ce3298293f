#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile-reply suite for the layout driver: the test metadata server
# (../mds/) malforms exactly one LAYOUTGET or GETDEVICEINFO reply at a
# time (every kind in faults.py), and the client must refuse it, say so
# through the pnfs_block_reject tracepoint, send the I/O to the MDS
# instead and lose no byte.  The one legal kind (a hole's storage offset
# that no server of ours sends) must be used instead: a sparse file is
# read over the layout, holes as zeros, nothing refused.  The server runs
# on the whole disk pnfsbl-data1; its files are expected in /t/mds/.
. /t/common.sh
. /t/mds-common.sh

SIZE=${PNFSBL_HOSTILE_SIZE:-4m}
TRACE=/sys/kernel/tracing

LG_KINDS="bad-state hole none-in-rw overlap past-volume truncated unaligned
	  unknown-device unordered zero-extents"
GDI_KINDS="bad-volume-type child-index self-reference sig-past-end
	   sig-too-long stripe-unit-zero too-many-sigs truncated zero-volumes"
# Legal replies (faults.LEGAL): the driver must use them.
LEGAL_LG_KINDS="hole-storage-offset"
# Well-formed replies the generic client forgets (faults.FORGET).
FORGET_LG_KINDS="new-stateid"

# 1 setup + 1 control + 1 claimed local disk + 10 LAYOUTGET
# + 9 GETDEVICEINFO + 1 legal LAYOUTGET + 2 forgotten LAYOUTGET
# + 1 wrong disk from the pipe + 1 stuck blkmapd + 1 fault list
# + 1 control after the faults + 3 teardown + 1 kernel log
ktap_plan 33

setup()
{
	start_syslog
	start_rpc_pipefs || return 1
	load_driver || return 1
	[ -d $TRACE/events/pnfs_block/pnfs_block_reject ] ||
		{ ktap_diag "no pnfs_block_reject tracepoint"; return 1; }
	echo 1 >$TRACE/events/pnfs_block/enable || return 1
	start_mds || return 1
	start_blkmapd || return 1
	mount_mds && [ "$(pnfs_type $MP)" = LAYOUT_BLOCK_VOLUME ]
}

# rejects OP: the pnfs_block_reject events for OP since the trace was
# last cleared.
rejects()
{
	grep -E " pnfs_block_reject: .* op=$1 " $TRACE/trace
}

# noent_count: GETDEVICEINFOs the server has answered NFS4ERR_NOENT.
noent_count()
{
	ctl oplog 4096 | grep -o '\["GETDEVICEINFO", 2\]' | wc -l
}

# check_data NAME SEED: the file is the prng stream, as the MDS reads it
# and as the client reads it back (O_DIRECT, so not from its cache).
check_data()
{
	local want got

	want=$(expected_sum "$2")
	got=$(ctl sha256 "/$1")
	[ "$got" = "$want" ] || { ktap_diag "MDS sha256 $got, want $want"; return 1; }
	drop_caches
	got=$(read_sum direct "$MP/$1")
	[ "$got" = "$want" ] || { ktap_diag "client sha256 $got, want $want"; return 1; }
}

# driver_trace: the driver's events so far but the I/O ones, the first few.
driver_trace()
{
	grep ' pnfs_block_' $TRACE/trace | grep -v ' pnfs_block_io:' |
		head -5 | sed 's/^/# trace: /'
}

# through_mds NAME SEED WHY: since the last snap the data went to the
# MDS as WRITEs (else WHY: the client used what it should have refused),
# and it is right on both sides (check_data).
through_mds()
{
	local rc=0

	[ "$(delta $MP WRITE)" -gt 0 ] ||
		{ ktap_diag "no MDS WRITE: $3"; rc=1; }
	check_data "$1" "$2" || rc=1
	return $rc
}

# t_control NAME SEED: no fault armed: the layout carries the write (no
# MDS WRITE) and nothing is rejected.  Proves that the MDS WRITEs the
# fault tests demand come from the faults.
t_control()
{
	local rc=0

	echo >$TRACE/trace
	snap $MP
	write_file direct "$MP/$1" "$2" || { ktap_diag "write failed"; return 1; }
	layout_proof $MP control WRITE ||
		{ ktap_diag "the write did not go over the layout"; rc=1; }
	if grep -q ' pnfs_block_reject:' $TRACE/trace; then
		grep ' pnfs_block_reject:' $TRACE/trace | head -3 | sed 's/^/# trace: /'
		rc=1
	fi
	check_data "$1" "$2" || rc=1
	return $rc
}

# t_hostile OP KIND SEED: arm one malformed OP reply, write SIZE bytes to a
# new file (a new layout; for GETDEVICEINFO on a fresh mount, so a new
# device lookup too), and require all of: the server sent the malformed
# reply, the driver rejected it (tracepoint), the I/O went to the MDS,
# the data is right on the server and read back on the client.
t_hostile()
{
	local op=$1 kind=$2 seed=$3 name=h-$1-$2 rc=0 noent

	if [ "$op" = GETDEVICEINFO ]; then
		remount_mds || { ktap_diag "remount failed"; return 1; }
	fi
	echo >$TRACE/trace
	noent=$(noent_count)
	[ "$(ctl fault "$op" "$kind")" = ok ] || { ktap_diag "cannot arm $op $kind"; return 1; }
	snap $MP
	write_file direct "$MP/$name" "$seed" || { ktap_diag "write failed"; rc=1; }
	ktap_diag "$op $kind:$(delta_summary $MP)"
	fault_used "$op" "$kind" || rc=1
	if [ "$kind" = unknown-device ]; then
		# The extents name a device ID the server does not know: it
		# answers GETDEVICEINFO with NFS4ERR_NOENT, so the generic
		# client never hands the driver a reply to refuse, and the
		# driver (6.12 overlay as of 2026-11-26) falls back to the MDS
		# without a pnfs_block_reject event.  Require the NOENT instead.
		[ "$(delta $MP GETDEVICEINFO)" -gt 0 ] &&
			[ "$(noent_count)" -gt "$noent" ] || {
			ktap_diag "no GETDEVICEINFO answered NFS4ERR_NOENT"
			rc=1
		}
	elif rejects "$op" >/tmp/rejects; then
		sed 's/^.* pnfs_block_reject: /# rejected: /' /tmp/rejects | head -3
		# A reason the driver names, and a negative errno.
		grep -q "reason='unknown reason'" /tmp/rejects && rc=1
		grep -qE ' error=-[0-9]+$' /tmp/rejects || rc=1
	else
		ktap_diag "no pnfs_block_reject event for $op"
		driver_trace
		rc=1
	fi
	through_mds "$name" "$seed" "the malformed layout was used" || rc=1
	return $rc
}

# fault_used OP KIND: the armed fault was sent, and was the last one.
fault_used()
{
	local armed used

	armed=$(ctl fault armed)
	used=$(ctl fault injected | python3 -c '
import json, sys
f = json.load(sys.stdin)
print(" ".join(f[-1]) if f else "")')
	[ "$armed" = "{}" ] && [ "$used" = "$1 $2" ] && return 0
	ktap_diag "fault not consumed: armed $armed, last injected '$used'"
	return 1
}

# hole_part SEED FILE MIB: write MiB number MIB of the prng stream SEED
# into FILE at the same offset, O_DIRECT, and fsync (LAYOUTCOMMIT).
hole_part()
{
	prng "$1" 4m |
		t dd of="$2" bs=1M iflag=fullblock skip="$3" seek="$3" count=1 \
			oflag=direct conv=notrunc,fsync status=none
}

# hole_sum SEED: checksum of the 4 MiB sparse file t_legal_hole writes:
# the prng stream SEED in the first and the last MiB, zeros between.
hole_sum()
{
	{
		prng "$1" 4m | head -c 1M
		head -c 2M /dev/zero
		prng "$1" 4m | tail -c 1M
	} | sha256sum | cut -d' ' -f1
}

# server_hole NAME: no written block in MiB 1-2 of the file on the MDS.
server_hole()
{
	ctl stat "/$1" | python3 -c '
import json, sys
st = json.load(sys.stdin)
lo, hi = 1 << 20, 3 << 20
sys.exit(any(s == "rw" and f < hi and f + n > lo
	     for f, n, _, s in st["extents"] or []))'
}

# t_legal_hole NAME SEED: RFC 5663 section 2.3 gives the storage offset of
# a hole (NONE_DATA) no meaning, so a READ layout whose holes carry one
# that is unaligned, past the volume and wrapping past 2^64 is legal, and
# must be used.  A sparse file (data, a 2 MiB hole, data) is read back
# O_DIRECT on a fresh mount (no layout cached) with the fault armed: the
# server must have sent the holes so (only a layout holding a hole takes
# this fault, and only READ layouts hold holes), the read must go over
# the layout (LAYOUTGET, no MDS READ), nothing may be refused and no
# warning logged, and the bytes must be the data and zeros.
t_legal_hole()
{
	local name=$1 seed=$2 f=$MP/$1 rc=0 want got

	t truncate -s 4M "$f" && hole_part "$seed" "$f" 0 &&
		hole_part "$seed" "$f" 3 || { ktap_diag "write failed"; return 1; }
	want=$(hole_sum "$seed")
	server_hole "$name" || { ktap_diag "the server has data in the hole"; rc=1; }
	got=$(ctl sha256 "/$name")
	[ "$got" = "$want" ] || { ktap_diag "MDS sha256 $got, want $want"; rc=1; }

	remount_mds || { ktap_diag "remount failed"; return 1; }
	echo >$TRACE/trace
	[ "$(ctl fault LAYOUTGET hole-storage-offset)" = ok ] ||
		{ ktap_diag "cannot arm LAYOUTGET hole-storage-offset"; return 1; }
	snap $MP
	got=$(read_sum direct "$f")
	layout_proof $MP "LAYOUTGET hole-storage-offset" READ ||
		{ ktap_diag "the read did not go over the layout"; rc=1; }
	fault_used LAYOUTGET hole-storage-offset || rc=1
	if grep -q ' pnfs_block_reject:' $TRACE/trace; then
		grep ' pnfs_block_reject:' $TRACE/trace | head -3 | sed 's/^/# trace: /'
		rc=1
	fi
	[ "$got" = "$want" ] || { ktap_diag "client sha256 $got, want $want"; rc=1; }
	kernel_log_clean || rc=1
	return $rc
}

# A scratch XFS on a loop device, mounted on the client (read-only and
# norecovery, so that only a write from elsewhere can change its bytes).
SCRATCH_IMG=/tmp/scratch.img
SCRATCH_MP=/mnt/scratch
SCRATCH_SIZE=320m	# mkfs.xfs makes nothing under 300 MB

# dev_sum DEV: checksum of the whole block device.
dev_sum()
{
	t dd if="$1" bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1
}

# hexbytes DEV OFFSET COUNT: COUNT bytes of DEV at OFFSET, in hex.
hexbytes()
{
	dd if="$1" bs=1 skip="$2" count="$3" status=none | od -An -tx1 |
		tr -d ' \n'
}

# t_claimed NAME SEED: a server whose GETDEVICEINFO names a disk mounted
# on the client (its SIMPLE signature is the XFS UUID of a local scratch
# file system, at byte 32 like nfsd's) must not get its file data
# written there.  blkmapd must find that disk (the pnfs_block_dev_resolve
# event names it), the driver must refuse it (a kernel message naming
# it), the write must go to the MDS with the data right there, and the
# scratch disk must be byte for byte what it was.
t_claimed()
{
	local name=$1 seed=$2 rc=0 loop devno uuid before after klog

	modprobe loop && modprobe xfs || return 1
	truncate -s "$SCRATCH_SIZE" "$SCRATCH_IMG" &&
		loop=$(losetup -f --show "$SCRATCH_IMG") || return 1
	mkdir -p "$SCRATCH_MP"
	mkfs.xfs -q -f "$loop" && mount "$loop" "$SCRATCH_MP" &&
		prng 7 8m >"$SCRATCH_MP/local" && t umount "$SCRATCH_MP" ||
		{ ktap_diag "scratch file system setup failed"; return 1; }
	before=$(dev_sum "$loop")
	uuid=$(hexbytes "$loop" 32 16)
	devno=$(cat "/sys/block/${loop#/dev/}/dev")
	# A read-only XFS mount still writes its log (xfs_log_clean() at
	# mount, an unmount record at unmount) unless norecovery.
	mount -o ro,norecovery "$loop" "$SCRATCH_MP" || return 1

	remount_mds || { ktap_diag "remount failed"; return 1; }
	echo >$TRACE/trace
	klog=$(dmesg | wc -l)
	[ "$(ctl device-sig 32 "$uuid")" = ok ] ||
		{ ktap_diag "cannot set the device signature"; return 1; }
	snap $MP
	write_file direct "$MP/$name" "$seed" || { ktap_diag "write failed"; rc=1; }
	ktap_diag "scratch $loop ($devno), signature $uuid:$(delta_summary $MP)"
	ctl device-sig default >/dev/null
	grep ' pnfs_block_dev_resolve:' $TRACE/trace | head -3 |
		sed 's/^.* pnfs_block_dev_resolve: /# resolve: /'
	grep -q " pnfs_block_dev_resolve: .* dev=$devno " $TRACE/trace ||
		{ ktap_diag "blkmapd did not name the scratch disk"; rc=1; }
	dmesg | tail -n +$((klog + 1)) >/tmp/claimed-dmesg
	grep 'pNFS' /tmp/claimed-dmesg | sed 's/^/# dmesg: /'
	grep -q "pNFS block: .*$devno.*refus" /tmp/claimed-dmesg ||
		{ ktap_diag "no kernel message refusing $devno"; rc=1; }
	through_mds "$name" "$seed" "the data went to the local disk" || rc=1
	t umount "$SCRATCH_MP" || rc=1
	# Our device node still holds the disk open if it took it: the
	# checksum reads it regardless.
	after=$(dev_sum "$loop")
	[ "$after" = "$before" ] ||
		{ ktap_diag "scratch disk changed: sha256 $before before, $after after"; rc=1; }
	remount_mds || rc=1
	losetup -d "$loop"
	rm -f "$SCRATCH_IMG"
	return $rc
}

if setup; then
	ktap_pass "setup: test MDS on pnfsbl-data1, $PNFSBL_DRIVER driver, tracepoints on"
else
	ktap_fail "setup: test MDS on pnfsbl-data1, $PNFSBL_DRIVER driver, tracepoints on"
	tail -20 /results/mds.log | sed 's/^/# mds: /'
	ktap_finish
	exit 1
fi

ktap_check "control: no fault, $SIZE over the layout, nothing rejected" t_control c0 100
ktap_check "device named by the signature of a disk mounted on the client: refused, I/O through the MDS, the disk unchanged" \
	t_claimed claimed 150

seed=200
for kind in $LG_KINDS; do
	seed=$((seed + 1))
	what="rejected, I/O through the MDS, data correct"
	[ "$kind" = unknown-device ] &&
		what="GETDEVICEINFO answered NOENT, I/O through the MDS, data correct"
	ktap_check "LAYOUTGET $kind: $what" t_hostile LAYOUTGET "$kind" $seed
done
for kind in $GDI_KINDS; do
	seed=$((seed + 1))
	ktap_check "GETDEVICEINFO $kind: rejected, I/O through the MDS, data correct" \
		t_hostile GETDEVICEINFO "$kind" $seed
done

for kind in $LEGAL_LG_KINDS; do
	seed=$((seed + 1))
	ktap_check "LAYOUTGET $kind (legal): sparse file read over the layout" \
		t_legal_hole "l-$kind" $seed
done

# The stand-in blkmapd of t_wrong_disk: answers every upcall read from
# the pipe ARGV[1] with the disk ARGV[2] (MAJOR:MINOR), logging each
# request to ARGV[3].  The reply carries no request ID (struct
# bl_pipe_reply: status, major, minor), so it stands for any blkmapd whose
# answers are off by one: one it never wrote, or a second writer.
# An rpc_pipefs read with nothing queued returns 0 at once: poll first.
FAKE_BLKMAPD='
import os, select, struct, sys, time
major, minor = map(int, sys.argv[2].split(":"))
fd = os.open(sys.argv[1], os.O_RDWR)
log = open(sys.argv[3], "a", buffering=1)
p = select.poll()
p.register(fd, select.POLLIN)
while True:
    p.poll()
    msg = os.read(fd, 65536)
    if not msg:
        time.sleep(0.1)
        continue
    log.write("request %d bytes, answered %d:%d\n" % (len(msg), major, minor))
    os.write(fd, struct.pack("=iII", 1, major, minor))
'
WRONG_SPAN=256	# MiB of the other disk checksummed before and after

# span_sum DISK: checksum of the first WRONG_SPAN MiB, read O_DIRECT (the
# disk's page cache would hide a write that went around it).
span_sum()
{
	t dd if="$1" bs=1M count=$WRONG_SPAN iflag=direct status=none |
		sha256sum | cut -d' ' -f1
}

# extents_in_span NAME: every block of the file lies in the checksummed
# span, so a write that went to the wrong disk would have changed it.
extents_in_span()
{
	ctl stat "/$1" | python3 -c '
import json, sys
st = json.load(sys.stdin)
span = int(sys.argv[1]) << 20
ext = [e for e in st["extents"] or [] if e[3] == "rw"]
sys.exit(not ext or any(s + n > span for _, n, s, _ in ext))' $WRONG_SPAN
}

# restore_blkmapd PID: stop the stand-in, start the real blkmapd again.
restore_blkmapd()
{
	kill "$1" 2>/dev/null
	{ wait "$1"; } 2>/dev/null
	start_blkmapd
}

# t_wrong_disk NAME SEED: blkmapd's answer names the other data disk
# (pnfsbl-data0, not the one the server runs on, whose signature it lacks).
# The driver must refuse that disk before binding it (pnfs_block_sig_mismatch
# naming it), the write must go to the MDS with the data right, and the
# other disk must be byte-for-byte unchanged.  The real blkmapd is stopped
# for the test and started again afterwards.
t_wrong_disk()
{
	local name=$1 seed=$2 rc=0 other devno before after fake t0

	t0=$(now)
	other=$(disk_by_serial pnfsbl-data0) || { ktap_diag "no pnfsbl-data0"; return 1; }
	devno=$(cat "/sys/block/${other#/dev/}/dev")
	before=$(span_sum "$other")
	kill "$BLKMAPD_PID" 2>/dev/null
	{ wait "$BLKMAPD_PID"; } 2>/dev/null
	python3 -c "$FAKE_BLKMAPD" /run/rpc_pipefs/nfs/blocklayout "$devno" \
		/results/fake-blkmapd.log 2>>/results/fake-blkmapd.log &
	fake=$!
	sleep 0.5
	if ! remount_mds; then
		ktap_diag "remount failed"
		restore_blkmapd $fake
		return 1
	fi
	echo >$TRACE/trace
	snap $MP
	write_file direct "$MP/$name" "$seed" || { ktap_diag "write failed"; rc=1; }
	ktap_diag "blkmapd names $other ($devno):$(delta_summary $MP)"
	restore_blkmapd $fake || { ktap_diag "blkmapd did not start again"; rc=1; }
	grep -q '^request' /results/fake-blkmapd.log ||
		{ ktap_diag "the stand-in blkmapd was never asked"; rc=1; }
	if grep " pnfs_block_sig_mismatch: dev=$devno " $TRACE/trace >/tmp/sig; then
		sed 's/^.* pnfs_block_sig_mismatch: /# refused: /' /tmp/sig | head -3
	else
		ktap_diag "no pnfs_block_sig_mismatch event for $devno"
		driver_trace
		rc=1
	fi
	through_mds "$name" "$seed" "the layout was used on $other" || rc=1
	extents_in_span "$name" ||
		{ ktap_diag "the file is not within the first $WRONG_SPAN MiB"; rc=1; }
	after=$(span_sum "$other")
	[ "$after" = "$before" ] ||
		{ ktap_diag "$other changed: sha256 $before before, $after after"; rc=1; }
	ktap_diag "wrong disk test: $(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.1f s", e - s }')"
	return $rc
}
# /tmp/forget.py FILE MODE STREAM READY GO: with one O_DIRECT descriptor,
# write the first half of STREAM into FILE (MODE read: a FILE of the
# stream's length, its second half a hole), create READY, wait for GO,
# then write the second half (write) or read the whole FILE back (read).
# That request must be done in full; it prints the SHA-256 the FILE must
# then have, or what went wrong, and exits non-zero.
cat >/tmp/forget.py <<'EOP'
import hashlib, mmap, os, sys, time
path, mode, stream, ready, go = sys.argv[1:6]
data = open(stream, "rb").read()
size = len(data)
half = size // 2
buf = mmap.mmap(-1, size)    # page aligned, as O_DIRECT needs
fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
if mode == "read":
    os.ftruncate(fd, size)
    want = data[:half] + bytes(size - half)
else:
    want = data
buf[:half] = data[:half]
assert os.pwrite(fd, memoryview(buf)[:half], 0) == half
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.1)
try:
    if mode == "write":
        buf[:half] = data[half:]
        n, count = os.pwrite(fd, memoryview(buf)[:half], half), half
    else:
        buf[:] = bytes(size)
        n, count = os.preadv(fd, [buf], 0), size
except OSError as e:
    sys.exit("%s after the fault failed: %s" % (mode, e))
if n != count:
    sys.exit("%s after the fault: %d bytes, want %d" % (mode, n, count))
if mode == "read" and buf[:] != want:
    sys.exit("read after the fault: the bytes are wrong")
os.close(fd)
print(hashlib.sha256(want).hexdigest())
EOP

# t_forget MODE NAME SEED: while the client holds a layout of the file
# (the first half, written over it with O_DIRECT), the next LAYOUTGET's
# reply carries a layout stateid it never saw (faults.py new-stateid).
# The generic client forgets that reply (pnfs_layout_process()); the
# O_DIRECT write of the second half, or read of the whole file, that
# asked for it must still be done in full, not fail with EAGAIN or come
# back short, and the data must be right on the server: a read through
# the MDS, a write over the new layout the generic client's deferral gets.
t_forget()
{
	local mode=$1 name=$2 seed=$3 pid rc=0 want got

	prng "$seed" "$SIZE" >/tmp/fg-stream
	rm -f /tmp/fg-ready /tmp/fg-go
	echo >$TRACE/trace
	snap $MP
	CMD_TIMEOUT=90 t python3 /tmp/forget.py "$MP/$name" "$mode" \
		/tmp/fg-stream /tmp/fg-ready /tmp/fg-go >/tmp/fg-out 2>&1 &
	pid=$!
	wait_ready /tmp/fg-ready "$pid"
	[ "$(ctl fault LAYOUTGET new-stateid)" = ok ] ||
		{ ktap_diag "cannot arm LAYOUTGET new-stateid"; rc=1; }
	touch /tmp/fg-go
	if wait "$pid"; then
		want=$(tail -1 /tmp/fg-out)
		got=$(ctl sha256 "/$name")
		[ "$got" = "$want" ] ||
			{ ktap_diag "MDS sha256 $got, want $want"; rc=1; }
	else
		sed 's/^/# /' /tmp/fg-out
		rc=1
	fi
	ktap_diag "$mode, new-stateid:$(delta_summary $MP)"
	grep ' pnfs_block_layoutget_failed:' $TRACE/trace | head -3 |
		sed 's/^.* pnfs_block_layoutget_failed: /# layoutget failed: /'
	fault_used LAYOUTGET new-stateid || rc=1
	# A read finds no layout just now and goes to the MDS, saying so; a
	# write is deferred by the generic client and gets a new layout.
	if [ "$mode" = read ] &&
	   ! grep -q ' pnfs_block_layoutget_failed: .* read .* error=-11 then=mds' \
		$TRACE/trace; then
		ktap_diag "no pnfs_block_layoutget_failed event for the read"
		rc=1
	fi
	if [ "$mode" = write ] && [ "$(delta $MP WRITE)" != 0 ]; then
		ktap_diag "the deferred write went to the MDS"
		rc=1
	fi
	return $rc
}
seed=$((seed + 1))
ktap_check "LAYOUTGET reply with a new layout stateid: forgotten, the O_DIRECT write done in full" \
	t_forget write f-write $seed
seed=$((seed + 1))
ktap_check "LAYOUTGET reply with a new layout stateid: forgotten, the O_DIRECT read done in full" \
	t_forget read f-read $seed

seed=$((seed + 1))
ktap_check "blkmapd names another disk: refused by signature, I/O through the MDS, that disk unchanged" \
	t_wrong_disk w-wrong-disk $seed

# A blkmapd that holds the pipe open and never reads it: the upcall must
# time out (upcall_timeout, set to 2 s here) and the write must go to the
# MDS with the data right.  The request stays queued (the driver does not
# take it back: rpc_pipefs has no interface for that); rpc_pipefs drops
# it when that blkmapd closes the pipe, and the real blkmapd started then
# must serve a fresh mount over the layout.
STUCK_BLKMAPD='
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
time.sleep(3600)
'
t_stuck_blkmapd()
{
	local name=$1 seed=$2 rc=0 stuck t0 t1 old

	old=$(cat /sys/module/blocklayoutdriver/parameters/upcall_timeout)
	kill "$BLKMAPD_PID" 2>/dev/null
	{ wait "$BLKMAPD_PID"; } 2>/dev/null
	python3 -c "$STUCK_BLKMAPD" /run/rpc_pipefs/nfs/blocklayout &
	stuck=$!
	sleep 0.5
	echo 2 >/sys/module/blocklayoutdriver/parameters/upcall_timeout
	if ! remount_mds; then
		ktap_diag "remount failed"
		echo "$old" >/sys/module/blocklayoutdriver/parameters/upcall_timeout
		restore_blkmapd $stuck
		return 1
	fi
	echo >$TRACE/trace
	snap $MP
	t0=$(now)
	write_file direct "$MP/$name" "$seed" || { ktap_diag "write failed"; rc=1; }
	t1=$(now)
	ktap_diag "stuck blkmapd: write in $(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.1f s", e - s }'):$(delta_summary $MP)"
	grep ' pnfs_block_dev_resolve:' $TRACE/trace | head -2 | sed 's/^/# /'
	grep -q ' pnfs_block_dev_resolve: .*error=-110' $TRACE/trace ||
		{ ktap_diag "no upcall timed out (-ETIMEDOUT)"; rc=1; }
	[ "$(delta $MP WRITE)" -gt 0 ] ||
		{ ktap_diag "no MDS WRITE"; rc=1; }
	check_data "$name" "$seed" || rc=1
	echo "$old" >/sys/module/blocklayoutdriver/parameters/upcall_timeout
	restore_blkmapd $stuck || { ktap_diag "blkmapd did not start again"; rc=1; }
	if remount_mds; then
		snap $MP
		write_file direct "$MP/$name-after" $((seed + 100)) ||
			{ ktap_diag "write after restart failed"; rc=1; }
		[ "$(delta $MP WRITE)" -eq 0 ] ||
			{ ktap_diag "after blkmapd restart not over the layout:$(delta_summary $MP)"; rc=1; }
		check_data "$name-after" $((seed + 100)) || rc=1
	else
		ktap_diag "remount after restart failed"; rc=1
	fi
	return $rc
}
seed=$((seed + 1))
ktap_check "blkmapd never reads: the upcall times out, I/O through the MDS, then blkmapd serves again" \
	t_stuck_blkmapd w-stuck $seed

# Every kind the server knows was tested above.
t_all_kinds()
{
	local known want

	known=$(ctl fault list | python3 -c '
import json, sys
k = json.load(sys.stdin)
print(" ".join("%s:%s" % (op, x) for op in sorted(k) for x in k[op]))')
	want=$( (for k in $GDI_KINDS; do echo "GETDEVICEINFO:$k"; done
		 for k in $LG_KINDS $LEGAL_LG_KINDS $FORGET_LG_KINDS; do
			echo "LAYOUTGET:$k"
		 done) |
		sort | xargs)
	[ "$(echo "$known" | tr ' ' '\n' | sort | xargs)" = "$want" ] ||
		{ ktap_diag "server knows: $known"; return 1; }
}
ktap_check "every fault kind of faults.py was tested" t_all_kinds

# After all that, a fresh mount uses the layout again.
t_after()
{
	remount_mds && t_control c1 300
}
ktap_check "after the faults: fresh mount, layout used again, nothing rejected" t_after

cat $TRACE/trace >/results/trace.txt 2>/dev/null
ctl ops >/results/mds-ops.json 2>/dev/null
t_no_server_faults()
{
	[ "$(ctl faults)" = 0 ]
}

t_umount()
{
	t umount $MP && ! mountpoint -q $MP
}

ktap_check "server hit no internal fault" t_no_server_faults
ktap_check "unmount" t_umount
ktap_check "server exits cleanly on SIGTERM" stop_mds
kill "$BLKMAPD_PID" 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
