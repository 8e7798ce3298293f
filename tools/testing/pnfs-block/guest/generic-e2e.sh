#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the generic client series (fs/nfs/pnfs/) changes, on the patched
# nfs.ko and nfsv4.ko with our driver built against them
# (PNFSBL_GENERIC=patched; check.sh step e2e-generic-ours-patched).
#
# Failures the server cannot cause on demand are injected with
# /t/pnfsbl_fault.ko: a kprobe that makes one kernel function return an
# error without running it.  The same tests on Debian's nfs.ko hang in
# umount (test 2) or send an empty LAYOUTCOMMIT (test 3), and our driver
# built without its workaround sends a GETDEVICEINFO per file to a server
# that grants no device ID notifications (test 4, against the test
# metadata server): that is what the patches fix, so the suite runs on
# the patched client only.
. /t/common.sh
. /t/mds-common.sh

CMD_TIMEOUT=120
SIZE=8m

ktap_plan 5

# fault FUNCTION ERRNO: the next call of FUNCTION returns ERRNO.
fault()
{
	rmmod pnfsbl_fault 2>/dev/null
	insmod /t/pnfsbl_fault.ko func="$1" err="$2" times=1
}

# fault_hits: how many calls the fault module failed.
fault_hits()
{
	cat /sys/module/pnfsbl_fault/parameters/hits
}

# write_two_fsyncs FILE SEED: write $SIZE of the prng stream SEED into
# FILE and fsync it twice, keeping it open (closing writes it back).
# Prints each fsync's result, "ok" or the errno name.
write_two_fsyncs()
{
	prng "$2" "$SIZE" >/tmp/data
	t python3 - "$1" <<-'EOPY'
	import errno, os, sys
	fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
	with open("/tmp/data", "rb") as f:
	    os.write(fd, f.read())
	for i in range(2):
	    try:
	        os.fsync(fd)
	        print("ok")
	    except OSError as e:
	        print(errno.errorcode[e.errno])
	os.close(fd)
	EOPY
}

# umount_within SECONDS: unmount $MP, or give up waiting (a leaked layout
# segment makes umount wait for ever, unkillably).
umount_within()
{
	local i

	umount "$MP" &
	for ((i = 0; i < $1 * 10; i++)); do
		mountpoint -q "$MP" || return 0
		sleep 0.1
	done
	ktap_diag "umount still waiting after $1 s:"
	blocked_stacks
	return 1
}

# 1. The client under test is ours: load_driver checked the stamps.
test_patched_loaded()
{
	local name="the patched nfs.ko and nfsv4.ko are loaded"
	local ok=0 m want

	want=$(cat /t/generic/version 2>/dev/null)
	[ -n "$want" ] || { ktap_diag "no patched client in this run"; ok=1; }
	for m in nfs nfsv4; do
		[ "$(cat /sys/module/$m/version 2>/dev/null)" = "$want" ] ||
			{ ktap_diag "$m: '$(cat /sys/module/$m/version 2>/dev/null)'"; ok=1; }
	done
	ktap_result $ok "$name"
}

# commit_fault FUNCTION SEED FILE: on a fresh mount at $MP, FUNCTION
# fails once with -ENOMEM while FILE is written and fsynced twice: the
# first fsync must report ENOMEM and the second succeed, no WRITE may go
# to the MDS, the server must hold the data, and umount must finish.
# Sets $ok to 1 on any failure; leaves the op deltas for more checks.
commit_fault()
{
	local out want

	want=$(expected_sum "$2")
	mnt 4.2 "$MP" || ok=1
	snap "$MP"
	fault "$1" -12 || ok=1
	out=$(write_two_fsyncs "$MP/$3" "$2" | tr '\n' ' ')
	ktap_diag "fsyncs: $out; hits $(fault_hits);$(delta_summary "$MP")"
	[ "$out" = "ENOMEM ok " ] || { ktap_diag "want: ENOMEM ok"; ok=1; }
	[ "$(fault_hits)" = 1 ] || ok=1
	[ "$(delta "$MP" WRITE)" = 0 ] || { ktap_diag "data went to the MDS"; ok=1; }
	[ "$(server_sum "$3")" = "$want" ] ||
		{ ktap_diag "server data wrong"; diff_ranges "$2" "$SRV/$3"; ok=1; }
}

# 2. pNFS: put the lsegs of a LAYOUTCOMMIT that is not sent.  The
# driver's ->prepare_layoutcommit fails once (not run at all): the first
# fsync reports it, the second commits, the data is on the server, and
# umount finishes (the stock client leaks the pinned segment and umount
# waits in pnfs_destroy_layout_final() for good).
test_prepare_fails()
{
	local MP=/mnt/g2	# its own: a hung umount must not stop the next test
	local name="prepare_layoutcommit fails once: next commit lists the data, umount finishes"
	local ok=0

	commit_fault bl_prepare_layoutcommit 71 prep
	umount_within 30 || ok=1
	ktap_result $ok "$name"
}

# 3. Our driver on the patched client reports a commit it cannot build
# instead of sending an empty one: its extent collection fails once
# (-ENOMEM); the first fsync reports it with no LAYOUTCOMMIT sent, the
# second sends the one that lists the data.
test_driver_error()
{
	local MP=/mnt/g3	# its own: a hung umount must not stop the next test
	local name="driver's commit fails to build: error to fsync, no empty LAYOUTCOMMIT, then the data"
	local ok=0

	commit_fault bl_ext_commit_collect 72 drv
	[ "$(delta "$MP" LAYOUTCOMMIT)" = 1 ] ||
		{ ktap_diag "want exactly one LAYOUTCOMMIT"; ok=1; }
	umount_within 30 || ok=1
	ktap_result $ok "$name"
}

# 4. pNFS: let a layout driver keep device IDs cached without
# notifications.  nfsd grants them for block layouts (without ever
# sending one), so the test metadata server, which grants none, takes
# over pnfsbl-data1 from the plain export.  Our driver sets
# PNFS_DEVICEID_CACHED here and has no workaround left: one
# GETDEVICEINFO for all the files, and the generic client never marks
# the node NFS_DEVICEID_NOCACHE (no pnfs_block_dev_nocache event).
test_deviceid_cached()
{
	local name="device ID stays cached without notifications: 1 GETDEVICEINFO for $DEVID_FILES evicted files, never marked NOCACHE"
	local ok=0

	exportfs -u "*:$PLAIN" && umount "$PLAIN" ||
		{ ktap_diag "cannot free pnfsbl-data1"; ok=1; }
	if [ $ok = 0 ] && start_mds; then
		t_deviceid_cached /mnt/g4 || ok=1
		t umount /mnt/g4 || ok=1
		stop_mds || ok=1
	else
		ktap_diag "no test metadata server"
		ok=1
	fi
	ktap_result $ok "$name"
}

if ! setup_block_server; then
	ktap_diag "setup failed"
	for n in 1 2 3 4 5; do ktap_fail "setup"; done
	ktap_finish
	exit 1
fi
test_patched_loaded
test_prepare_fails
test_driver_error
test_deviceid_cached
rmmod pnfsbl_fault 2>/dev/null
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
