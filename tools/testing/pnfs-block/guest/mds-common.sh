# SPDX-License-Identifier: GPL-2.0
#
# Shared by the guest suites that run the test metadata server (../mds/,
# copied to /t/mds/ by e2e.sh): its paths, its control client, starting
# it on the whole disk pnfsbl-data1, stopping it, and reading a file
# through a dm table built over the same disks.
#
# Whoever starts a server in the background sets MDS_PID to its pid and
# MDS_LOG to the file its stderr goes to (under /results); stop_mds uses
# both.

MDS_DIR=/t/mds
MDS_PORT=20490
MDS_SOCK=/run/pnfs-mds.sock
MDS_META=/run/pnfs-mds.json
MP=/mnt/mds
MDS_LOG=/results/mds.log
MDS_STOP_WAIT=30	# seconds from SIGTERM to SIGUSR1 and SIGKILL

ctl()
{
	python3 "$MDS_DIR/mdsctl.py" "$MDS_SOCK" "$@"
}

# start_mds: the test MDS on pnfsbl-data1, its layout block size
# MDS_BLKSIZE bytes (default 4096).
start_mds()
{
	local disk

	disk=$(disk_by_serial pnfsbl-data1) || return 1
	[ -f "$MDS_DIR/mds.py" ] || { ktap_diag "no $MDS_DIR/mds.py"; return 1; }
	MDS_LOG=/results/mds.log
	python3 "$MDS_DIR/mds.py" --disk "$disk" --port $MDS_PORT \
		--meta "$MDS_META" --control "$MDS_SOCK" --lease 10 -v \
		--blksize "${MDS_BLKSIZE:-4096}" \
		2>>"$MDS_LOG" &
	MDS_PID=$!
	ctl --wait 30
}

# mount_mds [MOUNTPOINT [VERSION]]: mount the test server's export
# (default $MP, NFSv4.1).
mount_mds()
{
	local mp=${1:-$MP}

	mkdir -p "$mp"
	t mount -t nfs -o "vers=${2:-4.1},port=$MDS_PORT,retry=0" 127.0.0.1:/ "$mp"
}

# remount_mds: unmount $MP and mount it afresh, with the caches dropped
# in between.  After the last unmount of a server the client's device ID
# cache is empty, so the next layout needs a GETDEVICEINFO.
remount_mds()
{
	t umount "$MP" && drop_caches && mount_mds
}

# setup_mds: what a suite against the test server needs, then its mount.
setup_mds()
{
	start_syslog
	start_rpc_pipefs || return 1
	load_driver || return 1
	start_mds || return 1
	start_blkmapd || return 1
	mount_mds
}

# mds_alive PID: the process exists and is not a zombie.
mds_alive()
{
	local st

	st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop_mds: SIGTERM the server and wait up to MDS_STOP_WAIT seconds for
# it to exit with status 0.  One still running then gets SIGUSR1 (mds.py
# has faulthandler write every thread's stack to its stderr, MDS_LOG),
# the dump goes out as diagnostics, and SIGKILL: the check fails and the
# suite goes on, instead of hanging the guest until its timeout.  The log
# stays in /results either way.
stop_mds()
{
	local pid=$MDS_PID log=$MDS_LOG i rc size

	MDS_PID=
	[ -n "$pid" ] || { ktap_diag "stop_mds: no server was started"; return 1; }
	if ! kill "$pid" 2>/dev/null; then
		{ wait "$pid"; } 2>/dev/null
		rc=$?
		ktap_diag "stop_mds: server $pid was already gone (status $rc)"
		tail -n 20 "$log" | sed 's/^/# mds: /'
		return 1
	fi
	for ((i = 0; i < MDS_STOP_WAIT * 10; i++)); do
		mds_alive "$pid" || break
		sleep 0.1
	done
	if mds_alive "$pid"; then
		ktap_diag "server $pid still running ${MDS_STOP_WAIT}s after SIGTERM; last lines of $log:"
		tail -n 10 "$log" | sed 's/^/# mds: /'
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		kill -USR1 "$pid" 2>/dev/null
		sleep 2
		ktap_diag "its threads (SIGUSR1):"
		tail -c +$((size + 1)) "$log" | head -n 200 | sed 's/^/# mds: /'
		kill -KILL "$pid" 2>/dev/null
		{ wait "$pid"; } 2>/dev/null
		ktap_diag "server $pid killed (SIGKILL)"
		return 1
	fi
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	[ "$rc" = 0 ] && return 0
	ktap_diag "server $pid exited with status $rc after SIGTERM; last lines of $log:"
	tail -n 20 "$log" | sed 's/^/# mds: /'
	return 1
}

# dm_sum NAME DEV: the file read through DEV, following the block map the
# server reports (its storage offsets are offsets in the top volume).
dm_sum()
{
	ctl stat "/$1" | python3 -c '
import hashlib, json, os, sys
st = json.load(sys.stdin)
fd = os.open(sys.argv[1], os.O_RDONLY)
h, pos = hashlib.sha256(), 0
for foff, n, soff, state in st["extents"]:
    if foff >= st["size"]:
        break
    h.update(b"\0" * (foff - pos))
    n = min(n, st["size"] - foff)
    h.update(os.pread(fd, n, soff) if state == "rw" else b"\0" * n)
    pos = foff + n
h.update(b"\0" * (st["size"] - pos))
print(h.hexdigest())' "$2"
}

# Device IDs kept cached without notifications (the generic series'
# PNFS_DEVICEID_CACHED, or our driver's workaround on a stock client).
DEVID_FILES=4

# deviceid_files MOUNTPOINT: mount the server afresh at MOUNTPOINT (the
# caller makes sure no other mount of it is left: the client's device ID
# cache goes with the last one) and write DEVID_FILES files of 1 MiB
# O_DIRECT one after the other, over the server's one device ID, each
# file's inode evicted (and with it its layout) before the next is
# written: between two files no layout segment holds the device ID.  This
# server grants no device ID notifications (mds/nfs4pnfs.py), so the
# generic client of 6.12 marks the node NFS_DEVICEID_NOCACHE and drops
# it at its last put.  Sets DEVID_GDI (GETDEVICEINFOs), DEVID_LG
# (LAYOUTGETs) and DEVID_NOCACHE (pnfs_block_dev_nocache events: our
# driver saw the mark).  Fails if a write failed or reached the MDS, or
# the server's copy is wrong.
deviceid_files()
{
	local mp=$1 i n0 rc=0

	mount_mds "$mp" || return 1
	n0=$(events dev_nocache)
	snap "$mp"
	for ((i = 1; i <= DEVID_FILES; i++)); do
		prng $((80 + i)) 1m >/tmp/devid || return 1
		t dd if=/tmp/devid of="$mp/devid$i" bs=1M oflag=direct \
			status=none || { ktap_diag "write of devid$i failed"; rc=1; }
		drop_caches
		[ "$(ctl sha256 "/devid$i")" = "$(sha256sum </tmp/devid | cut -d' ' -f1)" ] ||
			{ ktap_diag "server copy of devid$i wrong"; rc=1; }
	done
	DEVID_GDI=$(delta "$mp" GETDEVICEINFO)
	DEVID_LG=$(delta "$mp" LAYOUTGET)
	DEVID_NOCACHE=$(( $(events dev_nocache) - n0 ))
	ktap_diag "$DEVID_FILES files:$(delta_summary "$mp") dev_nocache=$DEVID_NOCACHE"
	[ "$(delta "$mp" WRITE)" = 0 ] || { ktap_diag "data went to the MDS"; rc=1; }
	[ "$DEVID_LG" -ge "$DEVID_FILES" ] ||
		{ ktap_diag "want a LAYOUTGET per file"; rc=1; }
	rm -f "$mp"/devid*
	return $rc
}

# t_deviceid_cached MOUNTPOINT: deviceid_files, and the counts this
# driver on this client must give.  Ours on the patched client: one
# GETDEVICEINFO and the node never marked (PNFS_DEVICEID_CACHED did it,
# not the driver).  Ours on the stock client: one GETDEVICEINFO, the
# node marked once and the mark cleared by the driver.  Mainline's on
# the stock client: one GETDEVICEINFO per file (what the test catches).
t_deviceid_cached()
{
	local want_gdi=1 want_nocache=

	deviceid_files "$1" || return 1
	case $PNFSBL_DRIVER-${PNFSBL_GENERIC:-stock} in
	ours-patched)	want_nocache=0 ;;
	ours-stock)	want_nocache=1 ;;
	*)		want_gdi=$DEVID_FILES ;;
	esac
	[ "$DEVID_GDI" = "$want_gdi" ] ||
		{ ktap_diag "want $want_gdi GETDEVICEINFO"; return 1; }
	[ -z "$want_nocache" ] || [ "$DEVID_NOCACHE" = "$want_nocache" ] ||
		{ ktap_diag "want $want_nocache pnfs_block_dev_nocache"; return 1; }
}
