#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Volume topology suite for the layout driver: the test metadata server
# (../mds/) describes its storage as a CONCAT, a SLICE and a STRIPE of
# CONCATs of SLICEs over the two data disks; the client writes through
# the layout, and the bytes must read back the same through the MDS, on
# the client after a remount, and through a device-mapper table built
# independently (dm-linear, dm-striped) over the same disks.  The
# server's files are expected in /t/mds/.
. /t/common.sh
. /t/mds-common.sh

SIZE=${PNFSBL_TOPO_SIZE:-32m}
MIB=2048	# sectors

ktap_plan 9

mount_mds()
{
	mkdir -p $MP
	t mount -t nfs -o vers=4.1,port=$MDS_PORT,retry=0 127.0.0.1:/ $MP
}

setup()
{
	D0=$(disk_by_serial pnfsbl-data0) && D1=$(disk_by_serial pnfsbl-data1) ||
		return 1
	[ -f "$MDS_DIR/mds.py" ] || { ktap_diag "no $MDS_DIR/mds.py"; return 1; }
	# Every disk's file data starts past the server's reserved first MiB
	# (topology.py's automatic SLICE).
	S0=$(( $(blockdev --getsz "$D0") - MIB ))
	start_syslog
	start_rpc_pipefs || return 1
	load_driver || return 1
	start_blkmapd || return 1
	modprobe dm-mod
}

# dm NAME TABLE: a read-only map; no udev in the guest, so no udev sync,
# and the node is made by hand.  Prints the node.
dm()
{
	local node=/dev/mapper/$1

	dmsetup create "$1" --readonly --noudevsync --table "$2" >&2 || return 1
	dmsetup mknodes "$1" >&2
	[ -b "$node" ] || node=/dev/$(dmsetup info -c --noheadings -o blkdevname "$1")
	[ -b "$node" ] || { ktap_diag "no node for $1"; return 1; }
	echo "$node"
}

# start_topo NAME JSON: the server with that topology, and the mount.
start_topo()
{
	echo "$2" >"/run/topo-$1.json"
	MDS_LOG=/results/mds-$1.log
	python3 "$MDS_DIR/mds.py" --topology "/run/topo-$1.json" --port $MDS_PORT \
		--meta "/run/pnfs-mds-$1.json" --control "$MDS_SOCK" --lease 10 -v \
		2>>"$MDS_LOG" &
	MDS_PID=$!
	ctl --wait 30 || { tail -5 "$MDS_LOG" | sed 's/^/# mds: /'; return 1; }
	mount_mds && [ "$(pnfs_type $MP)" = LAYOUT_BLOCK_VOLUME ] ||
		{ ktap_diag "mount or pnfs=$(pnfs_type $MP)"; return 1; }
}

stop_topo()
{
	local faults

	faults=$(ctl faults)
	[ "$faults" = 0 ] || ktap_diag "server faults: $faults"
	t umount $MP && ! mountpoint -q $MP || return 1
	stop_mds && [ "$faults" = 0 ]
}

# t_topo NAME SEED DEV: SIZE bytes written O_DIRECT over the layout; the
# same bytes through the MDS, through DEV, and on the client after a
# remount, read over the layout.
t_topo()
{
	local name=$1 seed=$2 dev=$3 want got rc=0

	want=$(expected_sum "$seed")
	snap $MP
	write_file direct "$MP/$name" "$seed" || { ktap_diag "write failed"; return 1; }
	ktap_diag "$name write:$(delta_summary $MP)"
	[ "$(delta $MP LAYOUTGET)" -gt 0 ] && [ "$(delta $MP WRITE)" -eq 0 ] ||
		{ ktap_diag "$name: the write did not go over the layout"; rc=1; }
	ktap_diag "$name extents: $(ctl stat "/$name" | head -c 300)"
	got=$(ctl sha256 "/$name")
	[ "$got" = "$want" ] || { ktap_diag "MDS view $got, want $want"; rc=1; }
	drop_caches
	got=$(dm_sum "$name" "$dev")
	[ "$got" = "$want" ] || { ktap_diag "dm view $got, want $want"; rc=1; }
	t umount $MP && drop_caches && mount_mds || return 1
	snap $MP
	got=$(read_sum direct "$MP/$name")
	ktap_diag "$name read:$(delta_summary $MP)"
	[ "$got" = "$want" ] || { ktap_diag "client view $got, want $want"; rc=1; }
	[ "$(delta $MP LAYOUTGET)" -gt 0 ] && [ "$(mds_reads $MP)" -eq 0 ] ||
		{ ktap_diag "$name: the read did not go over the layout"; rc=1; }
	return $rc
}

# run_topo NAME SEED JSON DEV-SETUP...: one topology, two results.
run_topo()
{
	local name=$1 seed=$2 json=$3 dev

	shift 3
	if dev=$("$@") && start_topo "$name" "$json"; then
		ktap_check "$name: $SIZE over the layout, same bytes via MDS, dm and client" \
			t_topo "$name" "$seed" "$dev"
	else
		ktap_fail "$name: $SIZE over the layout, same bytes via MDS, dm and client"
	fi
	ktap_check "$name: unmount and stop the server" stop_topo
	dmsetup remove_all --noudevsync 2>/dev/null
}

# CONCAT of 12 MiB of disk 1 (from 4 MiB on) and the whole of disk 0: a
# 32 MiB file crosses from one disk to the other.
concat_dm()
{
	dm topo-concat "0 $((12 * MIB)) linear $D1 $((MIB + 4 * MIB))
$((12 * MIB)) $S0 linear $D0 $MIB"
}
concat_json()
{
	echo '{"volumes": [{"type": "simple", "disk": "'"$D0"'"},
	{"type": "simple", "disk": "'"$D1"'"},
	{"type": "slice", "volume": 1, "start": 4194304, "length": 12582912},
	{"type": "concat", "volumes": [2, 0]}]}'
}

# SLICE of disk 0 at an odd 4 KiB multiple: 7 MiB + 12 KiB, 256 MiB long
# (the server allocates ahead of the file for RW layouts).
slice_dm()
{
	dm topo-slice "0 $((256 * MIB)) linear $D0 $((MIB + 7 * MIB + 24))"
}
slice_json()
{
	echo '{"volumes": [{"type": "simple", "disk": "'"$D0"'"},
	{"type": "slice", "volume": 0, "start": 7352320, "length": 268435456}]}'
}

# STRIPE (64 KiB) of two 128 MiB CONCATs of two SLICEs each (12 + 116
# and 8 + 120 MiB), the slices alternating between the disks and out of
# disk order: a 32 MiB file crosses the slice boundary inside each concat.
nested_dm()
{
	dm topo-c1 "0 $((12 * MIB)) linear $D0 $MIB
$((12 * MIB)) $((116 * MIB)) linear $D1 $((MIB + 100 * MIB))" >/dev/null &&
	dm topo-c2 "0 $((8 * MIB)) linear $D1 $MIB
$((8 * MIB)) $((120 * MIB)) linear $D0 $((MIB + 200 * MIB))" >/dev/null &&
	dm topo-nested "0 $((256 * MIB)) striped 2 128 /dev/mapper/topo-c1 0 /dev/mapper/topo-c2 0"
}
nested_json()
{
	echo '{"volumes": [{"type": "simple", "disk": "'"$D0"'"},
	{"type": "simple", "disk": "'"$D1"'"},
	{"type": "slice", "volume": 0, "start": 0, "length": 12582912},
	{"type": "slice", "volume": 1, "start": 104857600, "length": 121634816},
	{"type": "slice", "volume": 1, "start": 0, "length": 8388608},
	{"type": "slice", "volume": 0, "start": 209715200, "length": 125829120},
	{"type": "concat", "volumes": [2, 3]},
	{"type": "concat", "volumes": [4, 5]},
	{"type": "stripe", "unit": 65536, "volumes": [6, 7]}]}'
}

if setup; then
	ktap_pass "setup: $PNFSBL_DRIVER driver, blkmapd, device-mapper"
else
	ktap_fail "setup: $PNFSBL_DRIVER driver, blkmapd, device-mapper"
	ktap_finish
	exit 1
fi

echo >/sys/kernel/tracing/trace
run_topo concat 31 "$(concat_json)" concat_dm
run_topo slice 32 "$(slice_json)" slice_dm
run_topo stripe-of-concats-of-slices 33 "$(nested_json)" nested_dm
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null

# A well-formed topology must never be refused.
t_no_rejects()
{
	if grep ' pnfs_block_reject:' /results/trace.txt >/tmp/rejects; then
		head -5 /tmp/rejects | sed 's/^/# /'
		return 1
	fi
}
ktap_check "no GETDEVICEINFO or LAYOUTGET reply was rejected" t_no_rejects
kill "$BLKMAPD_PID" 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
