#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end suite for server blocks larger than the page: nfsd exporting
# XFS made with 64 KiB, then 16 KiB blocks (XFS in 6.12 takes blocks
# above the page size), the block layout through blkmapd.  Whole-file
# writes and reads, buffered and O_DIRECT, over the layout with the data
# checked on the client and the server; then, on 64 KiB blocks, writes
# of part of a block (odd pages of fresh blocks, two processes on one
# block, truncate and extend, mmap, O_DIRECT pages, random pages and
# truncates) checked byte for byte against a shadow copy done the same
# way on tmpfs (partial.py), read back on the server and, after a
# remount, on the client.  The export's free space holds garbage first,
# so that a part of a block left unfilled shows.  Every one of those
# writes must go over the layout: LAYOUTGET must start at a block
# boundary, which nfsd requires.  Last, the test MDS (../mds/) with 64 KiB
# layout blocks on the plain export's disk: whole files over the layout,
# and 4 KiB writes into copy-on-write clones, where the rest of each
# block must keep the source's bytes.
. /t/common.sh
. /t/mds-common.sh

SIZE=16m
SHADOW=/tmp/shadow
MP=/mnt/big
EDGE="odd pair:16 trunc mmap direct random:2000:8"

ktap_plan $((1 + 3 + 6 + 1 + 3 + 1 + 7 + 1))

# whole_file MODE NAME SEED [MOUNTPOINT SUM REMOUNT]: write and read
# back the prng stream SEED of $SIZE over the layout, checked on the
# server (SUM NAME prints its checksum of the file, default server_sum)
# and, after REMOUNT (default remount), on the client.
whole_file()
{
	local mode=$1 name=$2 seed=$3 mp=${4:-$MP} sum=${5:-server_sum}
	local again=${6:-remount} want ok=0

	want=$(expected_sum "$seed")
	snap "$mp"
	write_file "$mode" "$mp/$name" "$seed" || return 1
	layout_proof "$mp" "$mode write" WRITE || ok=1
	[ "$("$sum" "$name")" = "$want" ] ||
		{ ktap_diag "$name: server copy differs"; ok=1; }
	"$again" || return 1
	[ "$(read_sum "$mode" "$mp/$name")" = "$want" ] ||
		{ ktap_diag "$name: client copy differs"; ok=1; }
	layout_proof "$mp" "$mode read" READ || ok=1
	return $ok
}

remount()
{
	umount "$MP" && drop_caches && mnt "$VERS" "$MP" && snap "$MP"
}

# edge OP[:ARG...]: partial.py OP on $MP, over the layout, then the file
# on the server and on the client after a remount equals the shadow.
edge()
{
	local op=${1%%:*} args name ok=0

	args=$(echo "${1#"$op"}" | tr : ' ')
	name=edge-$op
	snap "$MP"
	# shellcheck disable=SC2086 # the arguments, one word each
	python3 /t/partial.py "$op" "$MP/$name" "$SHADOW-$op" $args ||
		{ ktap_diag "$op: partial.py failed"; why "$MP/$name"; return 1; }
	layout_proof "$MP" "$op" WRITE || ok=1
	drop_caches
	python3 /t/partial.py cmp "$SRV/$name" "$SHADOW-$op" || ok=1
	remount || return 1
	python3 /t/partial.py cmp "$MP/$name" "$SHADOW-$op" || ok=1
	return $ok
}

# trace_on: beside our tracepoints (load_driver), the client's LAYOUTGET
# and LAYOUTCOMMIT and nfsd's status per operation: a failed fsync then
# shows which operation the server refused and what the driver sent.
trace_on()
{
	local ev

	for ev in nfs4/nfs4_layoutget nfs4/nfs4_layoutcommit \
		  nfsd/nfsd_compound_status; do
		echo 1 >"/sys/kernel/tracing/events/$ev/enable" 2>/dev/null ||
			ktap_diag "no tracepoint $ev"
	done
}

# why FILE: the trace of FILE's last requests and commits, and what nfsd
# refused, for a test that failed.
why()
{
	local ino

	ino=$(stat -c %i "$1" 2>/dev/null)
	grep -E "pnfs_block_(io|commit|fill)[a-z_]*:.*fileid=[0-9a-f:]*:$ino |nfs4_layout" \
		/sys/kernel/tracing/trace | tail -12 | sed 's/^ */# trace: /'
	grep nfsd_compound_status /sys/kernel/tracing/trace | grep -v 'status=0$' |
		tail -4 | sed 's/^ */# trace: /'
	dmesg | tail -5 | sed 's/^/# dmesg: /'
}

# dirty_free: write 512 MiB of garbage to the fresh export and free it
# again: the blocks XFS hands out next (near the same inodes) hold it as
# INVALID_DATA, and a part of a block a write left unfilled shows it.
dirty_free()
{
	prng 99 512m >"$SRV/garbage" && sync && rm -f "$SRV/garbage" && sync
}

# blocks_of BYTES: the export has that block size and the mount pNFS.
blocks_of()
{
	local bs

	bs=$(xfs_info "$SRV" | sed -n 's/^data *= *bsize=\([0-9]*\).*/\1/p')
	ktap_diag "XFS block size $bs, pnfs=$(pnfs_type "$MP")"
	[ "$bs" = "$1" ] && [ "$(pnfs_type "$MP")" = LAYOUT_BLOCK_VOLUME ]
}

# remake BYTES: umount, and export a new XFS with blocks of BYTES.
remake()
{
	local disk i

	disk=$(disk_by_serial pnfsbl-data0) || return 1
	umount "$MP" && exportfs -ua && rpc.nfsd 0 && umount "$SRV" || return 1
	# The client's driver may still hold the disk for a moment.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		XFS_BLOCK=$1 mkfs_srv "$disk" && break
		[ $i = 10 ] && return 1
		sleep 1
	done
	mount "$disk" "$SRV" && dirty_free || return 1
	exportfs -ra && rpc.nfsd -N 3 --no-udp 8 || return 1
	mnt "$VERS" "$MP"
}


# ---- the test MDS with 64 KiB layout blocks, on pnfsbl-data1 ----
MMP=/mnt/mds

mds_remount()
{
	t umount "$MMP" && drop_caches && mount_mds "$MMP" 4.2 && snap "$MMP"
}

# mds_up: the plain export's disk handed to the test MDS, its layout
# blocks 64 KiB, and a v4.2 mount of it.
mds_up()
{
	exportfs -u "*:$PLAIN" && umount "$PLAIN" || return 1
	MDS_BLKSIZE=65536 start_mds && mount_mds "$MMP" 4.2
}

mds_is_block()
{
	ktap_diag "test MDS: pnfs=$(pnfs_type "$MMP")"
	[ "$(pnfs_type "$MMP")" = LAYOUT_BLOCK_VOLUME ]
}

# mds_sum NAME: the test MDS's own checksum of the file (control channel).
mds_sum()
{
	ctl sha256 "/$1"
}

# cow_page FILE REF PAGE [DD-OPERAND...]: a 4 KiB page of its own written
# at page PAGE of FILE, with an fsync, and of the reference REF.
cow_page()
{
	local f=$1 ref=$2 pg=$3

	shift 3
	prng $((5000 + pg)) 4k >/tmp/page || return 1
	t dd if=/tmp/page of="$f" bs=4k seek="$pg" count=1 \
		conv=notrunc,fsync status=none "$@" &&
		dd if=/tmp/page of="$ref" bs=4k seek="$pg" count=1 \
			conv=notrunc status=none
}

# cow_same LABEL FILE REF: FILE reads as REF (first difference shown).
cow_same()
{
	python3 /t/partial.py cmp "$2" "$3" && return 0
	ktap_diag "$1: differs from the source with the pages written"
	why "$2"
	return 1
}

# phase BYTES VERSION: the whole-file tests on an export of BYTES blocks.
phase()
{
	local mode

	VERS=$2
	ktap_check "${1}-byte blocks: XFS made so, v$2 mount uses the block layout" \
		blocks_of "$1"
	for mode in buffered direct; do
		ktap_check "${1}-byte blocks, v$2: $mode write and read over the layout, data right" \
			whole_file "$mode" "f-$1-$mode" "$1$mode"
	done
}


# mds_cow MODE SEED: a clone of a 1 MiB file gets 4 KiB writes (MODE
# buffered or direct) at odd pages of its 64 KiB blocks, first and last
# pages and across a block boundary.  It must read as the source with
# those pages, on the MDS and after a remount; the source is unchanged.
# Buffered, the copy-on-write goes over the layout; O_DIRECT writes of
# part of a block may go to the MDS: data only.
mds_cow()
{
	local mode=$1 src=cow-src-$1 dst=cow-$1 ref=/tmp/cow-$1.ref
	local flag='' pg want_src ok=0

	[ "$mode" = direct ] && flag=oflag=direct
	SIZE=1m write_file buffered "$MMP/$src" "$2" || return 1
	want_src=$(SIZE=1m expected_sum "$2")
	prng "$2" 1m >"$ref" && ctl clone "/$src" "/$dst" >/dev/null ||
		return 1
	snap "$MMP"
	for pg in 1 18 35 47 63 64 127 200 255; do
		cow_page "$MMP/$dst" "$ref" "$pg" $flag || return 1
	done
	if [ "$mode" = direct ]; then
		ktap_diag "cow direct:$(delta_summary "$MMP")"
	else
		layout_proof "$MMP" "cow $mode" WRITE || ok=1
	fi
	[ "$(ctl sha256 "/$dst")" = "$(sha256sum <"$ref" | cut -d' ' -f1)" ] ||
		{ ktap_diag "cow $mode: the MDS view of the clone differs"; ok=1; }
	mds_remount || return 1
	cow_same "cow $mode" "$MMP/$dst" "$ref" || ok=1
	[ "$(ctl sha256 "/$src")" = "$want_src" ] ||
		{ ktap_diag "cow $mode: the source changed"; ok=1; }
	return $ok
}

XFS_BLOCK=65536
VERS=4.2
ktap_require "setup: XFS with 64 KiB blocks exported with pnfs, nfsd, blkmapd, $PNFSBL_DRIVER driver" \
	setup_block_server
trace_on
dirty_free
mnt "$VERS" "$MP"
phase 65536 4.2
for e in $EDGE; do
	ktap_check "64 KiB blocks: ${e%%:*} partial-block writes over the layout, data right" \
		edge "$e"
done
ktap_require "remake the export with 16 KiB blocks" remake 16384
phase 16384 4.1
ktap_check "16 KiB blocks: odd partial-block writes over the layout, data right" \
	edge odd
umount "$MP"
MDS_UP="test MDS, 64 KiB layout blocks: started, v4.2 mount"
if mds_up; then
	ktap_pass "$MDS_UP"
	ktap_check "test MDS, 64 KiB blocks: the mount uses the block layout" \
		mds_is_block
	ktap_check "test MDS, 64 KiB blocks: buffered write and read over the layout, data right" \
		whole_file buffered m-buffered 31 "$MMP" mds_sum mds_remount
	ktap_check "test MDS, 64 KiB blocks: direct write and read over the layout, data right" \
		whole_file direct m-direct 32 "$MMP" mds_sum mds_remount
	ktap_check "test MDS, 64 KiB blocks: buffered 4 KiB writes into a clone over the layout, rest of each block the source's" \
		mds_cow buffered 801
	ktap_check "test MDS, 64 KiB blocks: O_DIRECT 4 KiB writes into a clone, rest of each block the source's" \
		mds_cow direct 802
	t umount "$MMP"
	ktap_check "test MDS: exits cleanly on SIGTERM" stop_mds
else
	ktap_fail "$MDS_UP"
	# A server left running keeps the suite's output open: the guest
	# would not end.
	umount "$MMP" 2>/dev/null
	[ -z "$MDS_PID" ] || stop_mds
	for _ in 1 2 3 4 5 6; do ktap_fail "test MDS phase: no server"; done
fi
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
ktap_finish
