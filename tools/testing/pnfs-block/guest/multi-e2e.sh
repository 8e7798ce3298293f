#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many NFS clients in one guest over the pNFS block layout (issue 14,
# guarantee 1: concurrent clients, their own files).  Client I is an
# nfs_client of its own, in network namespace mcI with a veth pair to
# nfsd in the initial namespace, its own client ID (its uniquifier in
# /sys/fs/nfs/net/nfs_client/identifier), rpc_pipefs and blkmapd
# (guest/multi-common.sh says why each is needed).
#
# For N = 1, 2, 4 and 8 clients (PNFSBL_MULTI_CLIENTS), odd clients
# mounting with vers=4.2 and even ones with 4.1: nfsd holds N distinct
# client IDs, one per namespace; every client writes a buffered and an
# O_DIRECT file of its own (PNFSBL_MULTI_SIZE each, default 32 MiB), all
# at once; the server's XFS holds every byte; after a remount (a fresh
# nfs_client, no cached data or layout) every client reads its files
# back with the same modes, all at once, and every byte is right; each
# mount's mountstats show LAYOUTGETs and no READ, READ_PLUS or WRITE to
# the metadata server, for the writes and for the reads.  Every file has
# a seed of its own, so a block read from another client's file or an
# earlier round's shows.
#
# The block layout only.  The SCSI layout needs each client on its own
# I_T nexus (its own iSCSI session and sd disk), but both drivers find the
# logical unit by one name, /dev/disk/by-id/wwn-0x<NAA> (ours tries its
# multipath map first), resolved from the root of whichever task sends
# the GETDEVICEINFO: for buffered writes a writeback kworker, whose root
# is the initial mount namespace's.  A mount namespace per client cannot
# point that name at the client's own session, so in one kernel every
# client opens the same disk, and its REGISTER AND IGNORE EXISTING KEY
# replaces the key another client registered on that nexus: no per-client
# fencing.  That takes a second guest (or a driver that picks the path by
# the client's initiator, which neither has).
. /t/common.sh
. /t/multi-common.sh

SIZE=${PNFSBL_MULTI_SIZE:-32m}
ROUNDS=${PNFSBL_MULTI_CLIENTS:-1 2 4 8}
MAXN=0
NROUNDS=0
for n in $ROUNDS; do
	[ "$n" -gt "$MAXN" ] && MAXN=$n
	NROUNDS=$((NROUNDS + 1))
done
MODES="buffered direct"
W=/tmp/multi
mkdir -p "$W"

ktap_plan $((2 + 6 * NROUNDS + 2))

multi_vers()	# I: the NFS version client I mounts with
{
	if [ $(($1 % 2)) = 1 ]; then echo 4.2; else echo 4.1; fi
}

seed_of()	# N I MODE
{
	echo "multi $1 $2 $3" | cksum | cut -d' ' -f1
}

file_of()	# N I MODE: the name of that file in the export
{
	echo "n$1-c$2-$3"
}

# mount_all N: mount clients 1..N, each from its namespace, each with
# pnfs=LAYOUT_BLOCK_VOLUME.
mount_all()
{
	local n=$1 i mp ty bad=0

	for ((i = 1; i <= n; i++)); do
		mp=$(multi_mp "$i")
		if ! multi_mount "$i" "$(multi_vers "$i")"; then
			ktap_diag "client $i: mount failed"
			bad=1
			continue
		fi
		ty=$(pnfs_type "$mp")
		[ "$ty" = LAYOUT_BLOCK_VOLUME ] ||
			{ ktap_diag "client $i: pnfs=$ty"; bad=1; }
		snap "$mp"
	done
	return $bad
}

umount_all()	# N
{
	local i bad=0

	for ((i = 1; i <= $1; i++)); do
		mountpoint -q "$(multi_mp "$i")" || continue
		multi_umount "$i" || bad=1
	done
	return $bad
}

# io_all N write|read: every client moves its two files at once; each
# client's status and sums land in $W.
io_all()
{
	local n=$1 op=$2 i mode pids=() t0 bad=0

	rm -f "$W"/*
	t0=$(now)
	for ((i = 1; i <= n; i++)); do
		(
			mp=$(multi_mp "$i")
			for mode in $MODES; do
				f=$mp/$(file_of "$n" "$i" "$mode")
				if [ "$op" = write ]; then
					write_file "$mode" "$f" "$(seed_of "$n" "$i" "$mode")" ||
						exit 1
				else
					read_sum "$mode" "$f" >"$W/sum-$i-$mode" ||
						exit 1
				fi
			done
		) &
		pids+=($!)
	done
	for ((i = 1; i <= n; i++)); do
		wait "${pids[i - 1]}" || { ktap_diag "client $i: $op failed"; bad=1; }
	done
	ktap_diag "N=$n $op: $(rate $((2 * n * $(numfmt --from=iec "${SIZE^^}"))) "$t0" "$(now)") in all"
	return $bad
}

# sums_right N: what the clients read is what they wrote.
sums_right()
{
	local n=$1 i mode want got bad=0

	for ((i = 1; i <= n; i++)); do
		for mode in $MODES; do
			want=$(expected_sum "$(seed_of "$n" "$i" "$mode")")
			got=$(cat "$W/sum-$i-$mode" 2>/dev/null)
			[ "$got" = "$want" ] && continue
			ktap_diag "client $i $mode: sha256 '$got', want $want"
			bad=1
		done
	done
	return $bad
}

# server_right N: the server's own XFS holds what every client wrote.
server_right()
{
	local n=$1 i mode want got name bad=0

	drop_caches
	for ((i = 1; i <= n; i++)); do
		for mode in $MODES; do
			name=$(file_of "$n" "$i" "$mode")
			want=$(expected_sum "$(seed_of "$n" "$i" "$mode")")
			got=$(sha256sum "$SRV/$name" | cut -d' ' -f1)
			[ "$got" = "$want" ] && continue
			ktap_diag "server $name: sha256 $got, want $want"
			diff_ranges "$(seed_of "$n" "$i" "$mode")" "$SRV/$name"
			bad=1
		done
	done
	return $bad
}

# proofs N PHASE: every mount's layout proof since its snap.
proofs()
{
	local n=$1 i mp bad=0

	for ((i = 1; i <= n; i++)); do
		mp=$(multi_mp "$i")
		layout_proof "$mp" "N=$n $2 client $i" READ WRITE ||
			{ ktap_diag "client $i: no layout proof"; bad=1; }
	done
	return $bad
}

round()	# N
{
	local n=$1 i mode st proof=0

	for ((i = 1; i <= n; i++)); do
		for mode in $MODES; do
			expected_sum "$(seed_of "$n" "$i" "$mode")" >/dev/null
		done
	done
	mount_all "$n"
	st=$?
	ktap_result $st "N=$n: $n clients mount from their own namespaces with pnfs=LAYOUT_BLOCK_VOLUME"
	if [ $st != 0 ]; then
		umount_all "$n"
		for i in 1 2 3 4 5; do
			ktap_fail "N=$n: not run, a mount failed"
		done
		return
	fi
	ktap_check "N=$n: nfsd holds $n distinct client IDs, one per namespace" \
		multi_distinct_ids "$n"
	io_all "$n" write
	ktap_result $? "N=$n: $n clients write their own files at once (buffered and O_DIRECT)"
	proofs "$n" write || proof=1
	umount_all "$n" || ktap_diag "N=$n: an unmount failed"
	ktap_check "N=$n: every byte right on the server" server_right "$n"
	# Fresh nfs_clients for the reads: no cached page, no cached layout.
	drop_caches
	if mount_all "$n"; then
		io_all "$n" read
		st=$?
		proofs "$n" read || proof=1
	else
		st=1
		proof=1
	fi
	[ $st = 0 ] && sums_right "$n"
	ktap_result $? "N=$n: every byte right on every client, read back at once"
	ktap_result $proof "N=$n: every client over the layout: LAYOUTGET > 0, no MDS READ or WRITE"
	umount_all "$n" || ktap_diag "N=$n: an unmount failed"
}

if setup_block_server; then
	ktap_pass "setup: XFS export with pnfs, nfsd, $PNFSBL_DRIVER driver"
else
	ktap_fail "setup: XFS export with pnfs, nfsd, $PNFSBL_DRIVER driver"
	ktap_finish
	exit 1
fi

setup_clients()
{
	local i

	for ((i = 1; i <= MAXN; i++)); do
		multi_client_add "$i" || { ktap_diag "client $i: setup failed"; return 1; }
	done
}
if setup_clients; then
	ktap_pass "setup: $MAXN client namespaces, each with a veth pair, a uniquifier, rpc_pipefs and blkmapd"
else
	ktap_fail "setup: $MAXN client namespaces, each with a veth pair, a uniquifier, rpc_pipefs and blkmapd"
	ktap_finish
	exit 1
fi

for n in $ROUNDS; do
	t0=$(now)
	round "$n"
	ktap_diag "N=$n: round took $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
done

multi_finish
