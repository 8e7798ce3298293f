#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Volume topology suite for the layout driver: the test metadata server
# (../mds/) describes its storage as a CONCAT, a SLICE and a STRIPE of
# CONCATs of SLICEs over the two data disks; the client writes through
# the layout, and the bytes must read back the same through the MDS, on
# the client after a remount, and through a device-mapper table built
# independently (dm-linear, dm-striped) over the same disks.  A fourth
# server hands out six device IDs, six slices of the two disks, and
# interleaves its files over them in 128 KiB units: every 1 MiB write
# and read touches all six device IDs and must still go over the layout.
# Last, a disk that failed under one file's write must get no more bios
# from another file's layout already held on the same device ID, and a
# disk that fails under one of two device IDs leaves the other in use,
# and over NFSv4.2 a failed disk is reported to the server with
# LAYOUTERROR, once per burst.
# The server's files are expected in /t/mds/.
. /t/common.sh
. /t/mds-common.sh

SIZE=${PNFSBL_TOPO_SIZE:-32m}
# The independent dm table the data is checked through holds the data
# disks while the client writes to them.
ALLOW_CLAIMED=1
MIB=2048	# sectors

ktap_plan 17

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
	mount_mds "$MP" "${TOPO_VERS:-4.1}" &&
		[ "$(pnfs_type $MP)" = LAYOUT_BLOCK_VOLUME ] ||
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
	layout_proof $MP "$name write" WRITE ||
		{ ktap_diag "$name: the write did not go over the layout"; rc=1; }
	# A fresh mount looks up every device ID the file's extents name.
	[ -z "$WANT_DEVS" ] || [ "$(delta $MP GETDEVICEINFO)" -eq "$WANT_DEVS" ] ||
		{ ktap_diag "$name: want $WANT_DEVS GETDEVICEINFO"; rc=1; }
	ktap_diag "$name extents: $(ctl stat "/$name" | head -c 300)"
	got=$(ctl sha256 "/$name")
	[ "$got" = "$want" ] || { ktap_diag "MDS view $got, want $want"; rc=1; }
	drop_caches
	got=$(dm_sum "$name" "$dev")
	[ "$got" = "$want" ] || { ktap_diag "dm view $got, want $want"; rc=1; }
	remount_mds || return 1
	snap $MP
	got=$(read_sum direct "$MP/$name")
	layout_proof $MP "$name read" READ ||
		{ ktap_diag "$name: the read did not go over the layout"; rc=1; }
	[ "$got" = "$want" ] || { ktap_diag "client view $got, want $want"; rc=1; }
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

# Six 48 MiB slices, alternating between the disks (slice k on disk
# k % 2, (k / 2) * 48 MiB into its data area), each its own device ID;
# the server's address space interleaves them in 128 KiB units, as a
# six-way dm-striped table with 256-sector chunks does.
DEV_SLICE=48	# MiB
devices_dm()
{
	local k members=

	for k in 0 1 2 3 4 5; do
		eval "d=\$D$((k % 2))"
		dm "topo-d$k" "0 $((DEV_SLICE * MIB)) linear $d $((MIB + k / 2 * DEV_SLICE * MIB))" \
			>/dev/null || return 1
		members="$members /dev/mapper/topo-d$k 0"
	done
	dm topo-devices "0 $((6 * DEV_SLICE * MIB)) striped 6 256$members"
}
devices_json()
{
	local k sep=

	echo '{"volumes": [{"type": "simple", "disk": "'"$D0"'"},'
	echo '{"type": "simple", "disk": "'"$D1"'"}'
	for k in 0 1 2 3 4 5; do
		echo ', {"type": "slice", "volume": '$((k % 2))', "start": '$((k / 2 * DEV_SLICE << 20))', "length": '$((DEV_SLICE << 20))'}'
	done
	echo '], "devices": {"unit": 131072, "volumes": [2, 3, 4, 5, 6, 7]}}'
}

# The client's path to disk 1 for the failed-disk test: a linear map of
# the whole disk (signature included), which blkmapd picks over the
# disk itself, swapped for dm-error to fail the disk under the client.
cli_table()
{
	local sz tbl

	sz=$(blockdev --getsz "$D1") || return 1
	tbl="0 $sz linear $D1 0"
	[ "$1" = error ] && tbl="0 $sz error"
	t dmsetup suspend topo-cli && t dmsetup load topo-cli --table "$tbl" &&
		t dmsetup resume topo-cli
}

# fail_disk1 SEED: with disk 1 failed (cli_table error), 1 MiB of file
# failed written O_DIRECT must meet bio errors (the write goes to the MDS).
fail_disk1()
{
	local errs rc=0

	errs=$(events bio_error)
	prng "$1" 1m | t dd of=$MP/failed bs=1M iflag=fullblock oflag=direct \
		conv=fsync status=none || { ktap_diag "failed: dd failed"; rc=1; }
	[ "$(events bio_error)" -gt "$errs" ] ||
		{ ktap_diag "failed: no bio error: the disk did not fail"; rc=1; }
	return $rc
}

# cli_first_write NAME SEED SIZE BS: with the trace cleared and a snap,
# SIZE of the prng stream SEED into NAME (O_DIRECT, dd blocks of BS,
# fsync); blkmapd must have picked topo-cli for disk 1.
cli_first_write()
{
	local dm

	echo >/sys/kernel/tracing/trace
	snap $MP
	prng "$2" "$3" | t dd of="$MP/$1" bs="$4" iflag=fullblock oflag=direct \
		conv=fsync status=none || { ktap_diag "$1: write failed"; return 1; }
	dm=dm-$(dmsetup info -c --noheadings -o minor topo-cli)
	grep -q "using device /dev/$dm\$" /results/syslog.txt ||
		{ ktap_diag "blkmapd did not pick /dev/$dm"; return 1; }
}

# after_fail NAME WANT ERRS: since disk 1 failed (ERRS bio errors then),
# no bio went to it, and the MDS holds WANT (a sha256) in NAME; disk 1's
# path is put back (cli_table linear) either way.
after_fail()
{
	local got rc=0

	[ "$(events bio_error)" -eq "$3" ] ||
		{ ktap_diag "$1: bios went to the disk that had failed"; rc=1; }
	got=$(ctl sha256 "/$1")
	[ "$got" = "$2" ] || { ktap_diag "$1: MDS view $got, want $2"; rc=1; }
	cli_table linear || rc=1
	return $rc
}

# t_unavail: file held writes 4 MiB over the layout and keeps its layout;
# the disk fails under a write of file failed (bio errors, the device ID
# is marked unavailable, that write goes to the MDS); then 1 MiB of held
# is rewritten.  Its layout is still cached, but it names the device that
# failed: no bio may go to the disk, the write must go to the MDS
# (tracepoint pnfs_block_io_refused), and the bytes must be right.
t_unavail()
{
	local want errs rc=0

	want=$({ prng 42 4m | head -c 1M; prng 41 4m | tail -c +1048577; } |
		sha256sum | cut -d' ' -f1)
	cli_first_write held 41 4m 4M || return 1
	[ "$(delta $MP WRITE)" -eq 0 ] ||
		{ ktap_diag "held: not over the layout:$(delta_summary $MP)"; return 1; }
	cli_table error || return 1
	fail_disk1 43 || rc=1
	errs=$(events bio_error)
	snap $MP
	prng 42 4m | t dd of=$MP/held bs=1M count=1 iflag=fullblock oflag=direct \
		conv=notrunc,fsync status=none || { ktap_diag "held: rewrite failed"; rc=1; }
	ktap_diag "held rewrite:$(delta_summary $MP) bio errors: $(( $(events bio_error) - errs ))"
	grep ' pnfs_block_io_refused:' /sys/kernel/tracing/trace | tail -2 | sed 's/^/# /'
	[ "$(delta $MP WRITE)" -gt 0 ] ||
		{ ktap_diag "held: no WRITE reached the MDS"; rc=1; }
	after_fail held "$want" "$errs" || rc=1
	return $rc
}

# lerr_check OPNUM LO HI: the server recorded exactly one LAYOUTERROR
# since the last reset-ops, answered NFS4_OK, about file lerr: a layout
# stateid of it, a range inside [LO, HI) bytes, the server's one device
# ID, NFS4ERR_IO and OPNUM (the record comes from mds/nfs4pnfs.py, which
# refuses a stateid it does not know).
lerr_check()
{
	local devs fileid

	devs=$(ctl devices) && fileid=$(ctl stat /lerr | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["fileid"])') || return 1
	ctl layouterrors | python3 -c '
import json, sys
recs = json.load(sys.stdin)
devs, fileid, opnum, lo, hi = json.loads(sys.argv[1]), int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for r in recs:
    print("# LAYOUTERROR %s" % json.dumps(r, sort_keys=True))
bad = []
if len(recs) != 1:
    bad.append("%d LAYOUTERRORs, want 1" % len(recs))
for r in recs[:1]:
    if r["answered"] != 0:
        bad.append("answered %d" % r["answered"])
    if r["fileid"] != fileid:
        bad.append("fileid %s, want %d" % (r["fileid"], fileid))
    if not (lo <= r["offset"] and r["length"] > 0 and
            r["offset"] + r["length"] <= hi):
        bad.append("range %d+%d outside [%d, %d)" % (r["offset"], r["length"], lo, hi))
    want = [dict(devid=devs[0], status=5, opnum=opnum)]   # NFS4ERR_IO
    if len(devs) != 1 or r["errors"] != want:
        bad.append("errors %s, want %s" % (r["errors"], want))
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)' "$devs" "$fileid" "$1" "$2" "$3"
}

# t_layouterror (an NFSv4.2 mount): file lerr written over the layout;
# the disk fails under a 1 MiB O_DIRECT rewrite of MiB 2 and then one of
# MiB 3 (by then the device ID is unavailable: no bio, no report).  The
# server must hold one LAYOUTERROR about the first (lerr_check, OP_WRITE)
# and the client's mountstats one LAYOUTERROR sent.  Then, with the disk
# back, a remount (the device ID cache goes with the last mount) and a
# read of MiB 1 over the layout; the disk fails again under an O_DIRECT
# read of MiB 0: one LAYOUTERROR with OP_READ.  The bytes are right
# after each failure, read through the MDS.
t_layouterror()
{
	local want rc=0
	local SIZE=4m	# for part
	want=$({ prng 51 4m | head -c 2M; prng 52 4m | tail -c +2097153; } |
		sha256sum | cut -d' ' -f1)
	cli_first_write lerr 51 4m 4M || return 1
	ctl reset-ops >/dev/null || return 1
	cli_table error || return 1
	snap $MP
	part 52 $MP/lerr 2 1 oflag=direct conv=notrunc,fsync ||
		{ ktap_diag "lerr: rewrite of MiB 2 failed"; rc=1; }
	part 52 $MP/lerr 3 1 oflag=direct conv=notrunc,fsync ||
		{ ktap_diag "lerr: rewrite of MiB 3 failed"; rc=1; }
	ktap_diag "lerr rewrites:$(delta_summary $MP) LAYOUTERROR=$(delta $MP LAYOUTERROR)"
	grep ' pnfs_block_layouterror:' /sys/kernel/tracing/trace | sed 's/^/# /'
	[ "$(delta $MP WRITE)" -gt 0 ] ||
		{ ktap_diag "lerr: no WRITE reached the MDS"; rc=1; }
	[ "$(delta $MP LAYOUTERROR)" = 1 ] ||
		{ ktap_diag "lerr: want one LAYOUTERROR sent"; rc=1; }
	lerr_check 38 $((2 << 20)) $((3 << 20)) || rc=1	# OP_WRITE
	[ "$(ctl sha256 /lerr)" = "$want" ] ||
		{ ktap_diag "lerr: MDS view wrong after the writes"; rc=1; }

	cli_table linear && t umount $MP && drop_caches &&
		mount_mds "$MP" 4.2 || return 1
	snap $MP
	t dd if=$MP/lerr of=/dev/null bs=1M skip=1 count=1 iflag=direct \
		status=none || { ktap_diag "lerr: read of MiB 1 failed"; return 1; }
	layout_proof $MP "lerr: MiB 1" READ || return 1
	ctl reset-ops >/dev/null || return 1
	cli_table error || return 1
	snap $MP
	[ "$(t dd if=$MP/lerr bs=1M count=1 iflag=direct status=none |
		sha256sum | cut -d' ' -f1)" = "$(prng 51 4m | head -c 1M |
		sha256sum | cut -d' ' -f1)" ] ||
		{ ktap_diag "lerr: MiB 0 read back wrong"; rc=1; }
	ktap_diag "lerr read:$(delta_summary $MP) LAYOUTERROR=$(delta $MP LAYOUTERROR)"
	[ "$(mds_reads $MP)" -gt 0 ] ||
		{ ktap_diag "lerr: the read did not go to the MDS"; rc=1; }
	[ "$(delta $MP LAYOUTERROR)" = 1 ] ||
		{ ktap_diag "lerr: want one LAYOUTERROR sent for the read"; rc=1; }
	lerr_check 25 0 $((1 << 20)) || rc=1	# OP_READ
	cli_table linear || rc=1
	return $rc
}

# run_cli_topo NAME JSON TEST DESCRIPTION: a server with that topology
# and a mount, disk 1 reached through topo-cli (cli_table), then TEST.
run_cli_topo()
{
	if start_topo "$1" "$2" &&
	   t dmsetup create topo-cli --noudevsync \
		--table "0 $(blockdev --getsz "$D1") linear $D1 0" &&
	   dmsetup mknodes topo-cli; then
		ktap_check "$4" "$3"
	else
		ktap_fail "$4"
	fi
	ktap_check "$1: unmount and stop the server" stop_topo
	dmsetup remove_all --noudevsync 2>/dev/null
}

# Two device IDs, a slice of each disk, interleaved in 128 KiB units;
# disk 1 reached through topo-cli (cli_table).
twodev_json()
{
	echo '{"volumes": [{"type": "simple", "disk": "'"$D0"'"},'
	echo '{"type": "simple", "disk": "'"$D1"'"},'
	echo '{"type": "slice", "volume": 0, "start": 0, "length": '$((DEV_SLICE << 20))'},'
	echo '{"type": "slice", "volume": 1, "start": 0, "length": '$((DEV_SLICE << 20))'}],'
	echo '"devices": {"unit": 131072, "volumes": [2, 3]}}'
}

# layout_writes: pNFS writes that went to the disks, so far.
layout_writes()
{
	grep -c ' pnfs_block_io: .* write ' /sys/kernel/tracing/trace
}

# dev_of_pieces NAME: for each 4 KiB piece at k * 128 KiB (k = 0..15) of
# the file, the device ID index its storage lies on (unit u of the
# server's address space is on device ID u % 2), one per line.
dev_of_pieces()
{
	ctl stat "/$1" | python3 -c '
import json, sys
ext = json.load(sys.stdin)["extents"] or []
for k in range(16):
    off = k * 131072
    d = [(s + off - f) // 131072 % 2 for f, n, s, st in ext if f <= off < f + n]
    print(d[0] if d else "none")'
}

# other_model: /tmp/other-base, 2 MiB of the prng stream 47, and
# /tmp/other, that with a 4 KiB piece of stream 48 + k at each
# k * 128 KiB (k = 0..15); prints the sha256 of /tmp/other.
other_model()
{
	local k

	prng 47 2m >/tmp/other-base
	cp /tmp/other-base /tmp/other
	for k in $(seq 0 15); do
		prng $((48 + k)) 4k | t dd of=/tmp/other bs=4k seek=$((k * 32)) \
			count=1 conv=notrunc status=none
	done
	sha256sum </tmp/other | cut -d' ' -f1
}

# rewrite_pieces D: the pieces of /tmp/other whose storage is on device
# ID D (t_one_dev's dev[], n0 of them on 0) into other, O_DIRECT, one
# fsync each.  Those on 0 must go over the layout, those on 1 (failed)
# to the MDS.
rewrite_pieces()
{
	local d=$1 ios k rc=0

	snap $MP
	ios=$(layout_writes)
	for k in $(seq 0 15); do
		[ "${dev[k]}" = "$d" ] || continue
		t dd if=/tmp/other of=$MP/other bs=4k skip=$((k * 32)) \
			seek=$((k * 32)) count=1 oflag=direct \
			conv=notrunc,fsync status=none ||
			{ ktap_diag "other: write $k failed"; rc=1; }
	done
	ios=$(( $(layout_writes) - ios ))
	ktap_diag "other, device ID $d:$(delta_summary $MP) layout writes $ios"
	if [ "$d" = 0 ]; then
		[ "$ios" -eq "$n0" ] && [ "$(delta $MP WRITE)" -eq 0 ] ||
			{ ktap_diag "other: the healthy device ID was not used"; rc=1; }
	else
		[ "$(delta $MP WRITE)" -gt 0 ] ||
			{ ktap_diag "other: no WRITE reached the MDS: the failed device ID was used"; rc=1; }
	fi
	return $rc
}

# t_one_dev: 1 MiB of file both goes over the layout, to both device IDs,
# and 2 MiB of file other too; disk 1 fails under 1 MiB of file failed
# (bio errors on device ID 1 only, that write goes to the MDS).  Then
# other gets 4 KiB rewrites, one per 128 KiB unit: first those on device
# ID 0, which must go over the layout (no MDS WRITE), then those on 1,
# which must go to the MDS; no bio may go to the failed disk, and the
# bytes must be right.
t_one_dev()
{
	local errs k want n0=0 rc=0
	local -a dev

	cli_first_write both 45 1m 1M || return 1
	[ "$(delta $MP WRITE)" -eq 0 ] && [ "$(delta $MP GETDEVICEINFO)" -eq 2 ] ||
		{ ktap_diag "both: not over two device IDs:$(delta_summary $MP)"; return 1; }
	want=$(other_model)
	t dd if=/tmp/other-base of=$MP/other bs=1M oflag=direct conv=fsync \
		status=none || { ktap_diag "other: write failed"; return 1; }
	[ "$(delta $MP WRITE)" -eq 0 ] ||
		{ ktap_diag "other: not over the layout:$(delta_summary $MP)"; return 1; }
	# No /dev/fd in the guest: no process substitution.
	dev=($(dev_of_pieces other))
	ktap_diag "other: device ID of each piece: ${dev[*]}"
	for k in $(seq 0 15); do
		[ "${dev[k]}" = 0 ] && n0=$((n0 + 1))
	done
	[ "$n0" -gt 0 ] && [ "$n0" -lt 16 ] ||
		{ ktap_diag "other: not on both device IDs"; return 1; }
	cli_table error || return 1
	fail_disk1 46 || rc=1
	grep ' pnfs_block_bio_error:' /sys/kernel/tracing/trace | tail -1 | sed 's/^/# /'
	errs=$(events bio_error)
	rewrite_pieces 0 || rc=1
	rewrite_pieces 1 || rc=1
	after_fail other "$want" "$errs" || rc=1
	return $rc
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
WANT_DEVS=6 run_topo six-devices 34 "$(devices_json)" devices_dm
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
run_cli_topo unavail '{"volumes": [{"type": "simple", "disk": "'"$D1"'"}]}' \
	t_unavail "a failed disk gets no bios from another file's cached layout"
run_cli_topo onedev "$(twodev_json)" t_one_dev \
	"a failed disk marks its own device ID, not the request's other one"
TOPO_VERS=4.2 run_cli_topo lerr '{"volumes": [{"type": "simple", "disk": "'"$D1"'"}]}' \
	t_layouterror "NFSv4.2: a failed disk is reported with one LAYOUTERROR per burst, write and read"
kill "$BLKMAPD_PID" 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
