#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end suite for the test pNFS block metadata server (../mds/): the
# server runs in the guest on the whole disk pnfsbl-data1, the kernel
# client mounts it with vers=4.1 on its own port, does ordinary file work
# and moves data over the block layout with the selected driver.  The
# server's files are expected in /t/mds/ (e2e.sh copies them there).
. /t/common.sh
. /t/mds-common.sh

SIZE=${PNFSBL_MDS_SIZE:-32m}
# The independent dm table the data is checked through holds the data
# disks while the client writes to them.
ALLOW_CLAIMED=1

ktap_plan 29

# ---- ordinary file work ----

t_dirs()
{
	mkdir -p $MP/d1/d2/d3 && [ -d $MP/d1/d2/d3 ] &&
		rmdir $MP/d1/d2/d3 && [ ! -e $MP/d1/d2/d3 ] &&
		[ "$(stat -c %h $MP/d1)" = 3 ]
}

t_many_files()
{
	local i n

	mkdir $MP/many || return 1
	for i in $(seq 300); do
		echo "file $i" >$MP/many/f$i || return 1
	done
	drop_caches
	n=$(ls $MP/many | wc -l)
	[ "$n" = 300 ] || { ktap_diag "listed $n of 300"; return 1; }
	[ "$(cat $MP/many/f123)" = "file 123" ] || return 1
	rm -f $MP/many/f* && rmdir $MP/many
}

t_rename_link_symlink()
{
	echo hello >$MP/a || return 1
	mv $MP/a $MP/b && [ ! -e $MP/a ] && [ "$(cat $MP/b)" = hello ] || return 1
	ln $MP/b $MP/c && [ "$(stat -c %h $MP/b)" = 2 ] || return 1
	ln -s b $MP/s && [ "$(readlink $MP/s)" = b ] && [ "$(cat $MP/s)" = hello ] || return 1
	mkdir $MP/sub && mv $MP/c $MP/sub/c2 && [ "$(cat $MP/sub/c2)" = hello ] || return 1
	rm $MP/b $MP/s $MP/sub/c2 && rmdir $MP/sub
}

t_attrs()
{
	touch $MP/attr && chmod 640 $MP/attr && chown 1234:5678 $MP/attr &&
		touch -d '2001-02-03 04:05:06' $MP/attr || return 1
	drop_caches
	[ "$(stat -c '%a %u %g %Y' $MP/attr)" = "640 1234 5678 981173106" ] || {
		ktap_diag "stat: $(stat -c '%a %u %g %Y' $MP/attr)"
		return 1
	}
	rm $MP/attr || return 1
	# O_EXCL creates (EXCLUSIVE4_1): the second one must fail.
	(set -C; echo x >$MP/excl) && ! (set -C; echo y >$MP/excl) 2>/dev/null &&
		[ "$(cat $MP/excl)" = x ] && rm $MP/excl
}

# Odd offsets and sizes, checked against the same edits on a local file.
t_odd_offsets()
{
	local f=$MP/odd ref=/tmp/odd.ref

	rm -f $ref
	for spec in "0 100" "4095 3" "8190 5000" "100000 1" "70000 12345"; do
		set -- $spec
		prng $1 $2 >/tmp/chunk || return 1
		dd if=/tmp/chunk of=$f bs=1 seek=$1 conv=notrunc status=none &&
			dd if=/tmp/chunk of=$ref bs=1 seek=$1 conv=notrunc status=none ||
			return 1
	done
	truncate -s 90000 $f && truncate -s 90000 $ref &&
		truncate -s 200000 $f && truncate -s 200000 $ref || return 1
	sync
	drop_caches
	cmp $f $ref || return 1
	[ "$(ctl sha256 /odd)" = "$(sha256sum <$ref | cut -d' ' -f1)" ] || {
		ktap_diag "server view differs"
		return 1
	}
	rm $f
}

t_locks()
{
	echo x >$MP/lock || return 1
	flock -x $MP/lock -c "! flock -n -x $MP/lock true" &&
		flock -n -x $MP/lock true && rm $MP/lock
}

# ---- data over the layout ----

# data_test MODE NAME SEED: write SIZE bytes, check them on the server, read
# them back after a remount; prove the layout carried both ways.
data_test()
{
	local mode=$1 name=$2 seed=$3 want got

	want=$(expected_sum "$seed")
	snap $MP
	write_file "$mode" "$MP/$name" "$seed" || { ktap_diag "write failed"; return 1; }
	layout_proof $MP write WRITE ||
		{ ktap_diag "write did not go over the layout"; LAYOUT_OK=0; }
	got=$(ctl sha256 "/$name")
	[ "$got" = "$want" ] || { ktap_diag "server sha256 $got, want $want"; return 1; }
	remount_mds || return 1
	snap $MP
	got=$(read_sum "$mode" "$MP/$name")
	layout_proof $MP read READ ||
		{ ktap_diag "read did not go over the layout"; LAYOUT_OK=0; }
	[ "$got" = "$want" ] || { ktap_diag "client sha256 $got, want $want"; return 1; }
}

if setup_mds; then
	ktap_pass "setup: test MDS on pnfsbl-data1, $PNFSBL_DRIVER driver, vers=4.1 mount, layout blocks of ${MDS_BLKSIZE:-4096} bytes"
else
	ktap_fail "setup: test MDS on pnfsbl-data1, $PNFSBL_DRIVER driver, vers=4.1 mount, layout blocks of ${MDS_BLKSIZE:-4096} bytes"
	tail -20 /results/mds.log | sed 's/^/# mds: /'
	ktap_finish
	exit 1
fi

if [ "$(pnfs_type $MP)" = LAYOUT_BLOCK_VOLUME ]; then
	ktap_pass "mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
else
	ktap_diag "pnfs=$(pnfs_type $MP)"
	ktap_fail "mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
fi
ktap_check "directories: mkdir -p, rmdir, link counts" t_dirs
ktap_check "300 files created, listed, read, removed" t_many_files
ktap_check "rename, hard link, symlink" t_rename_link_symlink
ktap_check "chmod, chown, utimes, O_EXCL create" t_attrs
ktap_check "writes at odd offsets and sizes, truncate" t_odd_offsets
ktap_check "byte-range locks (flock over NFSv4 LOCK)" t_locks

LAYOUT_OK=1
ktap_check "buffered write and read of $SIZE, data correct" data_test buffered fb 11
ktap_check "O_DIRECT write and read of $SIZE, data correct" data_test direct fd 12
if [ $LAYOUT_OK = 1 ]; then
	ktap_pass "the layout carried the data (LAYOUTGET > 0, no MDS READ/WRITE)"
else
	ktap_fail "the layout carried the data (LAYOUTGET > 0, no MDS READ/WRITE)"
fi
# Callbacks over the back channel the client bound in CREATE_SESSION.
# Recall the layouts of a file again and again while it is being written.
# The client may answer OK (and return the layout), DELAY (the server
# asks again) or NOMATCHING_LAYOUT (it holds none right now); every
# recall must be answered and not a byte may be lost.
t_recall()
{
	local pid ans ok=0 nomatch=0 none=0 other=0 want got

	want=$(expected_sum 14)
	snap $MP
	write_file direct $MP/rc 14 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		ans=$(ctl recall /rc)
		case $ans in
		*"[5, 0]"*) ok=$((ok + 1)) ;;
		*"[5, 10060]"*) nomatch=$((nomatch + 1)) ;;
		"[]"|*'"error"'*) none=$((none + 1)) ;;
		*) other=$((other + 1)); ktap_diag "recall: $ans" ;;
		esac
		sleep 0.2
	done
	wait $pid || { ktap_diag "writer failed"; return 1; }
	sleep 1
	ktap_diag "recalls: ok=$ok nomatching=$nomatch nothing-held=$none other=$other;$(delta_summary $MP)"
	got=$(ctl sha256 /rc)
	[ "$got" = "$want" ] || { ktap_diag "server sha256 $got, want $want"; return 1; }
	[ $other = 0 ] || { ktap_diag "unexpected recall answers"; return 1; }
	[ $((ok + nomatch)) -gt 0 ] || { ktap_diag "no recall reached a layout"; return 1; }
	[ $ok = 0 ] || [ "$(delta $MP LAYOUTRETURN)" -gt 0 ] ||
		{ ktap_diag "recalled, but no LAYOUTRETURN"; return 1; }
}

t_recall_any_notify()
{
	local a b d want

	a=$(ctl recall-any)
	b=$(ctl notify-device change)
	d=$(ctl notify-device delete)
	ktap_diag "recall-any: $a notify change: $b notify delete: $d"
	echo "$a" | grep -q '\[\[11, 0\], \[8, 0\]\]' &&
		echo "$b" | grep -q '\[\[11, 0\], \[14, 0\]\]' &&
		echo "$d" | grep -q '\[\[11, 0\], \[14, 0\]\]' || return 1
	# I/O still correct afterwards, the device looked up again.
	want=$(expected_sum 12)
	drop_caches
	snap $MP
	[ "$(read_sum direct $MP/fd)" = "$want" ] || return 1
	ktap_diag "after notify:$(delta_summary $MP)"
	[ "$(delta $MP GETDEVICEINFO)" -gt 0 ]
}

ktap_check "CB_LAYOUTRECALL during writes: all answered, data correct" t_recall
ktap_check "CB_RECALL_ANY and CB_NOTIFY_DEVICEID answered, data still correct" t_recall_any_notify

# Device notifications between the writes of a file, in 2 MiB O_DIRECT
# pieces: every one answered, and not a byte lost.
t_notify_during_io()
{
	local i kind ans n=0 bad=0 want got

	want=$(expected_sum 15)
	snap $MP
	for i in $(seq 0 2 $((${SIZE%m} - 2))); do
		part 15 $MP/nd $i 2 oflag=direct conv=fsync ||
			{ ktap_diag "write at $i MiB failed"; return 1; }
		for kind in change delete; do
			ans=$(ctl notify-device $kind)
			n=$((n + 1))
			echo "$ans" | grep -q '\[\[11, 0\], \[14, 0\]\]' ||
				{ bad=$((bad + 1)); ktap_diag "notify $kind: $ans"; }
		done
	done
	ktap_diag "notifications: $n sent, $bad not answered OK;$(delta_summary $MP)"
	got=$(ctl sha256 /nd)
	[ "$got" = "$want" ] || { ktap_diag "server sha256 $got, want $want"; return 1; }
	drop_caches
	[ "$(read_sum direct $MP/nd)" = "$want" ] ||
		{ ktap_diag "client read differs"; return 1; }
	[ $n -ge 16 ] && [ $bad = 0 ] && rm $MP/nd
}

ktap_check "CB_NOTIFY_DEVICEID change and delete between writes: data correct" t_notify_during_io

# NFSv4.2: the 4.2-only operations answer NOTSUPP and the client falls
# back (READ_PLUS to READ, and so on).
t_v42()
{
	local mp=/mnt/mds42 want got

	mount_mds $mp 4.2 || return 1
	[ "$(pnfs_type $mp)" = LAYOUT_BLOCK_VOLUME ] || { ktap_diag "v4.2 pnfs=$(pnfs_type $mp)"; return 1; }
	prng 42 4m >/tmp/v42 && cp /tmp/v42 $mp/v42 && sync || return 1
	drop_caches
	want=$(sha256sum </tmp/v42 | cut -d' ' -f1)
	got=$(sha256sum <$mp/v42 | cut -d' ' -f1)
	[ "$got" = "$want" ] && [ "$(ctl sha256 /v42)" = "$want" ] || return 1
	rm $mp/v42 && t umount $mp
}
ktap_check "vers=4.2 mount, 4 MiB through the layout" t_v42

# Copy-on-write: the server clones fb; small writes into the clone go
# through RW layouts of INVALID (new) + READ_DATA (shared) extent pairs.
t_cow()
{
	local want_src ref=/tmp/cow.ref got

	want_src=$(expected_sum 11)
	ctl clone /fb /fbc >/dev/null || return 1
	prng 11 "$SIZE" >$ref || return 1
	snap $MP
	for spec in "5000 3" "10485777 100" "20000000 9000"; do
		set -- $spec
		prng $(( $1 + 1 )) $2 >/tmp/chunk || return 1
		dd if=/tmp/chunk of=$MP/fbc bs=1 seek=$1 conv=notrunc status=none &&
			dd if=/tmp/chunk of=$ref bs=1 seek=$1 conv=notrunc status=none ||
			return 1
	done
	sync
	layout_proof $MP "cow writes" WRITE && COW_LAYOUT=1
	remount_mds || return 1
	got=$(sha256sum <$MP/fbc | cut -d' ' -f1)
	[ "$got" = "$(sha256sum <$ref | cut -d' ' -f1)" ] ||
		{ ktap_diag "clone reads back wrong"; return 1; }
	[ "$(ctl sha256 /fbc)" = "$got" ] || { ktap_diag "MDS view of the clone differs"; return 1; }
	[ "$(ctl sha256 /fb)" = "$want_src" ] && [ "$(read_sum buffered $MP/fb)" = "$want_src" ] ||
		{ ktap_diag "the source changed"; return 1; }
}
COW_LAYOUT=0
ktap_check "clone: writes copy-on-write, source unchanged" t_cow
# The driver, not the MDS, must do the copy: INVALID + READ_DATA pairs.
if [ "$COW_LAYOUT" = 1 ]; then
	ktap_pass "clone: the copy-on-write went over the layout (no MDS WRITE)"
else
	ktap_fail "clone: the copy-on-write went over the layout (no MDS WRITE)"
fi

# The same with the pair sent READ_DATA first (RFC 5663 orders neither).
t_cow_read_first()
{
	local ref=/tmp/cow2.ref got rc=0

	ctl cow-order read-first >/dev/null && ctl clone /fb /fbc2 >/dev/null || return 1
	prng 11 "$SIZE" >$ref && prng 7 4000 >/tmp/chunk || return 1
	snap $MP
	dd if=/tmp/chunk of=$MP/fbc2 bs=1 seek=7000 conv=notrunc status=none &&
		dd if=/tmp/chunk of=$ref bs=1 seek=7000 conv=notrunc status=none &&
		sync || return 1
	layout_proof $MP "cow (read-first) writes" WRITE || rc=1
	ctl cow-order invalid-first >/dev/null
	got=$(ctl sha256 /fbc2)
	[ "$got" = "$(sha256sum <$ref | cut -d' ' -f1)" ] || { ktap_diag "clone data wrong"; return 1; }
	return $rc
}
ktap_check "clone, READ_DATA-first pairs: data correct, no MDS WRITE" t_cow_read_first

# No device ID notifications from this server: ours keeps the device
# ID cached anyway (on the stock client by clearing the generic client's
# NFS_DEVICEID_NOCACHE itself), mainline's asks again for every file.
# A fresh mount: the device ID is cached from the tests above.
t_deviceid()
{
	t umount $MP || return 1
	t_deviceid_cached $MP
}
if [ "$PNFSBL_DRIVER" = ours ]; then
	name="device ID stays cached without notifications: 1 GETDEVICEINFO for $DEVID_FILES evicted files"
else
	name="no notifications, no cache: 1 GETDEVICEINFO per file for $DEVID_FILES evicted files"
fi
ktap_check "$name" t_deviceid

served=$(ctl ops)
ktap_diag "served: $served"
for op in LAYOUTGET GETDEVICEINFO LAYOUTCOMMIT; do
	if echo "$served" | grep -q "\"$op\": [1-9]"; then
		ktap_pass "server saw $op"
	else
		ktap_fail "server saw $op"
	fi
done

t_no_faults()
{
	[ "$(ctl faults)" = 0 ]
}
ktap_check "server hit no internal fault" t_no_faults

t_umount()
{
	t umount $MP && ! mountpoint -q $MP
}

ktap_check "unmount" t_umount
ktap_check "server exits cleanly on SIGTERM" stop_mds
cp "$MDS_META" /results/ 2>/dev/null

# ---- a second server: a 64 KiB stripe over both data disks ----

STRIPE_DEV=/dev/mapper/mds-stripe

start_stripe_mds()
{
	local d0 d1

	d0=$(disk_by_serial pnfsbl-data0) && d1=$(disk_by_serial pnfsbl-data1) ||
		return 1
	cat >/run/mds-topo.json <<-EOT
	{"volumes": [{"type": "simple", "disk": "$d0"},
	             {"type": "simple", "disk": "$d1"},
	             {"type": "stripe", "unit": 65536, "volumes": [0, 1]}]}
	EOT
	MDS_LOG=/results/mds-stripe.log
	python3 "$MDS_DIR/mds.py" --topology /run/mds-topo.json --port $MDS_PORT \
		--meta /run/pnfs-mds-stripe.json --control "$MDS_SOCK" --lease 10 -v \
		2>>"$MDS_LOG" &
	MDS_PID=$!
	ctl --wait 30 || return 1
	# The same stripe built independently: each disk past the server's
	# reserved first MiB, 128-sector chunks.
	modprobe dm-mod
	rows=$(( ($(blockdev --getsz "$d0") - 2048) / 128 ))
	# No udev in the guest: no udev sync, make the node ourselves.
	dmsetup create mds-stripe --readonly --noudevsync \
		--table "0 $((rows * 128 * 2)) striped 2 128 $d0 2048 $d1 2048" ||
		return 1
	dmsetup mknodes mds-stripe
	[ -b $STRIPE_DEV ] ||
		STRIPE_DEV=/dev/$(dmsetup info -c --noheadings -o blkdevname mds-stripe)
	[ -b "$STRIPE_DEV" ] || { ktap_diag "no node for mds-stripe"; return 1; }
	mount_mds &&
		[ "$(pnfs_type $MP)" = LAYOUT_BLOCK_VOLUME ]
}

t_stripe_data()
{
	local want got

	want=$(expected_sum 13)
	snap $MP
	write_file direct $MP/st 13 || return 1
	layout_proof $MP "stripe write" WRITE || {
		ktap_diag "stripe write did not go over the layout"
		return 1
	}
	got=$(ctl sha256 /st)
	[ "$got" = "$want" ] || { ktap_diag "MDS view $got, want $want"; return 1; }
	drop_caches
	got=$(dm_sum st "$STRIPE_DEV")
	[ "$got" = "$want" ] || { ktap_diag "dm-striped view $got, want $want"; return 1; }
	remount_mds || return 1
	snap $MP
	got=$(read_sum direct $MP/st)
	layout_proof $MP "stripe read" READ && [ "$got" = "$want" ]
}

if start_stripe_mds; then
	ktap_pass "stripe topology: server up, mount negotiates the block layout"
	ktap_check "stripe topology: $SIZE over the layout, same bytes via MDS and dm-striped" t_stripe_data
	ktap_check "stripe topology: unmount and stop" eval 't_umount && stop_mds'
else
	ktap_fail "stripe topology: server up, mount negotiates the block layout"
	tail -5 /results/mds-stripe.log | sed 's/^/# mds: /'
	ktap_skip "stripe topology: data" "no server"
	ktap_skip "stripe topology: unmount and stop" "no server"
fi
dmsetup remove --noudevsync mds-stripe 2>/dev/null
kill "$BLKMAPD_PID" 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
