# SPDX-License-Identifier: GPL-2.0
#
# Shared by the guest suites that run the test metadata server (../mds/,
# copied to /t/mds/ by e2e.sh): its paths, its control client, starting
# it on the whole disk pnfsbl-data1, and reading a file through a dm
# table built over the same disks.

MDS_DIR=/t/mds
MDS_PORT=20490
MDS_SOCK=/run/pnfs-mds.sock
MDS_META=/run/pnfs-mds.json
MP=/mnt/mds

ctl()
{
	python3 "$MDS_DIR/mdsctl.py" "$MDS_SOCK" "$@"
}

start_mds()
{
	local disk

	disk=$(disk_by_serial pnfsbl-data1) || return 1
	[ -f "$MDS_DIR/mds.py" ] || { ktap_diag "no $MDS_DIR/mds.py"; return 1; }
	python3 "$MDS_DIR/mds.py" --disk "$disk" --port $MDS_PORT \
		--meta "$MDS_META" --control "$MDS_SOCK" --lease 10 -v \
		2>>/results/mds.log &
	MDS_PID=$!
	ctl --wait 30
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
