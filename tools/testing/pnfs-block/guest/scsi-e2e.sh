#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end suite for the pNFS SCSI layout (RFC 8154) over iSCSI, all in
# the guest: a LIO iSCSI target on 127.0.0.1 exports the virtio disk
# pnfsbl-data0 as one logical unit (iblock: the virtio disk's write
# cache shows through; SPC-3 persistent reservations), and open-iscsi logs in twice, with two initiator names,
# so that the server's XFS and the client's I/O use different I_T
# nexuses (one /dev/sdX each).  /dev/disk/by-id/wwn-0x<NAA> points at the
# client's disk, as udev would on a host with one path.
#
# Tests: the mount negotiates LAYOUT_SCSI; O_DIRECT and buffered writes
# and reads go over the layout (no READ or WRITE to the metadata server,
# checksums on the client after a remount and on the server); the
# client's key is registered while the layout is in use and gone after
# unmount; with our driver, a dm-multipath map of the disk is used
# rather than its single path (from here on the client writes through
# that map); the server preempts the client's key in the middle of a
# write (fencing) and the data is intact; the client's iSCSI session is logged
# out in the middle of a write and the data is intact.
. /t/common.sh

MP=/mnt/s
SIZE=${PNFSBL_SCSI_SIZE:-64m}
CMD_TIMEOUT=240
# nfsd's own reservation key (fs/nfsd/blocklayout.c).
MDS_KEY=0x100000000000000

# Mainline's driver does not look the disk up by its multipath name (the
# map is left unused, measured), so that test is ours alone.
NTESTS=11
[ "$PNFSBL_DRIVER" = ours ] && NTESTS=16
ktap_plan $NTESTS

setup_server()
{
	modprobe xfs || return 1
	mkdir -p "$SRV"
	mkfs_srv "/dev/$SRV_SD" && mount "/dev/$SRV_SD" "$SRV" ||
		return 1
	cat >/etc/exports <<-EOX
	$SRV *(rw,pnfs,no_root_squash,insecure,sync,no_subtree_check)
	EOX
	start_syslog
	start_rpc_pipefs && start_nfsd && load_driver
}

# keys: the registered keys of the logical unit, one per line.
keys()
{
	t sg_persist --in --read-keys "/dev/$SRV_SD" 2>/dev/null |
		awk '/^ *0x/ { print $1 }'
}

client_key()	# the registered key that is not nfsd's
{
	keys | grep -vx "$MDS_KEY" | head -1
}

remount()
{
	if mountpoint -q "$MP"; then
		umount "$MP" || return 1
	fi
	drop_caches
	mnt 4.2 "$MP"
}

test_negotiated()
{
	local ty

	remount || { ktap_fail "mount"; return; }
	ty=$(pnfs_type "$MP")
	ktap_diag "pnfs=$ty"
	ktap_check "the mount negotiates pnfs=LAYOUT_SCSI" [ "$ty" = LAYOUT_SCSI ]
}

test_write()	# MODE SEED
{
	local mode=$1 seed=$2 ok=0

	snap "$MP"
	write_file "$mode" "$MP/$mode" "$seed" || { ktap_diag "dd failed"; ok=1; }
	layout_proof "$MP" "$mode write" WRITE || ok=1
	[ "$(delta "$MP" LAYOUTCOMMIT)" -gt 0 ] ||
		{ ktap_diag "no LAYOUTCOMMIT"; ok=1; }
	check_file "$mode write" "$mode" "$seed" remount || ok=1
	ktap_result $ok "$mode write over the SCSI layout"
}

# Ours: the commits of each file written so far flushed the disk after
# collecting the extents they list, not before (tracepoints).
test_commit_order()	# MODE
{
	local id

	id=$(stat -c %i "$MP/$1") || { ktap_fail "$1: no file"; return; }
	ktap_check "$1 write: LAYOUTCOMMIT lists extents collected before the flush" \
		commit_order "$id"
}

test_read()	# MODE SEED
{
	local mode=$1 seed=$2 got ok=0

	remount || ok=1
	snap "$MP"
	got=$(read_sum "$mode" "$MP/$mode")
	[ "$got" = "$(expected_sum "$seed")" ] ||
		{ ktap_diag "sha256 $got"; ok=1; }
	layout_proof "$MP" "$mode read" READ || ok=1
	ktap_result $ok "$mode read over the SCSI layout"
}

test_key_registered()
{
	local k ok=0

	k=$(keys | tr '\n' ' ')
	ktap_diag "registered keys: $k"
	[ -n "$(client_key)" ] || { ktap_diag "no client key"; ok=1; }
	case " $k " in
	*" $MDS_KEY "*) ;;
	*) ktap_diag "nfsd's key $MDS_KEY is missing"; ok=1 ;;
	esac
	ktap_result $ok "the client's key is registered while the layout is in use"
}

test_key_gone()
{
	local i k

	umount "$MP"
	# The disk is released (and the key unregistered) from a workqueue.
	for ((i = 0; i < 50; i++)); do
		k=$(client_key)
		[ -z "$k" ] && break
		sleep 0.2
	done
	ktap_diag "keys after unmount: $(keys | tr '\n' ' ')"
	ktap_check "the client's key is unregistered after unmount" [ -z "$k" ]
}

# sectors_written DEV: sectors written to /dev/DEV so far.
sectors_written()
{
	awk '{ print $7 }' "/sys/block/$1/stat"
}

# A dm-multipath map over the client's path, named as multipath-tools
# names it: the driver must take it rather than the single path, and
# register its key through it.
test_multipath()
{
	local name="a dm-multipath map is preferred to the single path"
	local mm=0 dm before after ok=0

	modprobe dm-multipath && modprobe dm-round-robin || ok=1
	mm=$(cat "/sys/block/$CLI_SD/dev")
	t dmsetup create pnfsbl-mpath --uuid "mpath-3$NAA" --table \
		"0 $(blockdev --getsz "/dev/$CLI_SD") multipath 0 0 1 1 round-robin 0 1 1 $mm 1000" ||
		ok=1
	dm=dm-$(dmsetup info -c --noheadings -o minor pnfsbl-mpath)
	ln -sf "../../$dm" "/dev/disk/by-id/dm-uuid-mpath-3$NAA"
	remount || ok=1
	before=$(sectors_written "$dm")
	snap "$MP"
	part 81 "$MP/mpath" 0 8 oflag=direct conv=fsync || ok=1
	after=$(sectors_written "$dm")
	ktap_diag "multipath map $dm ($mm below): $((after - before)) sectors written;$(delta_summary "$MP")"
	[ "$(delta "$MP" WRITE)" -eq 0 ] || { ktap_diag "WRITE to the MDS"; ok=1; }
	[ $((after - before)) -ge $((8 * 2048)) ] ||
		{ ktap_diag "the writes did not go through $dm"; ok=1; }
	[ -n "$(client_key)" ] || { ktap_diag "no client key"; ok=1; }
	ktap_result $ok "$name"
}

# The server fences the client: nfsd's own nexus preempts the client's
# key (what nfsd does when a client does not answer a recall).
test_fenced()
{
	local name="fenced mid-write (key preempted): the data is intact"
	local half=$(( ${SIZE%m} / 2 )) key ok=0

	remount || ok=1
	layout_part 61 "$MP/fenced" 0 "$half" || ok=1
	key=$(client_key)
	[ -n "$key" ] || { ktap_diag "no client key before the fence"; ok=1; }
	t sg_persist --out --preempt-abort --param-rk="$MDS_KEY" \
		--param-sark="$key" --prout-type=6 "/dev/$SRV_SD" >/dev/null ||
		{ ktap_diag "preempt failed"; ok=1; }
	ktap_diag "keys after the preempt: $(keys | tr '\n' ' ')"
	mds_part fence 61 "$MP/fenced" "$half" "$half" || ok=1
	check_file fenced fenced 61 remount || ok=1
	ktap_result $ok "$name"
}

# After a fence the key must come back.  The fenced device is avoided for
# PNFS_DEVICE_RETRY_TIMEOUT (two minutes); then a new file's layout looks
# the device ID up again, and the new device node must register our key
# anew, although the old node (still cached, no remount in between) holds
# a registration that the server has preempted.
test_reregistered()
{
	local name="after a fence and the retry time, the key is back and the layout used"
	local key ok=0

	remount || ok=1
	part 62 "$MP/fence2" 0 8 oflag=direct conv=fsync || ok=1
	key=$(client_key)
	[ -n "$key" ] || { ktap_diag "no client key before the fence"; ok=1; }
	t sg_persist --out --preempt-abort --param-rk="$MDS_KEY" \
		--param-sark="$key" --prout-type=6 "/dev/$SRV_SD" >/dev/null ||
		{ ktap_diag "preempt failed"; ok=1; }
	part 62 "$MP/fence2" 8 8 oflag=direct conv=fsync ||
		{ ktap_diag "write after the fence failed"; ok=1; }
	ktap_diag "waiting 125 s for the device retry timeout"
	sleep 125
	snap "$MP"
	part 63 "$MP/after-fence" 0 8 oflag=direct conv=fsync || ok=1
	layout_proof "$MP" "new file after the retry time" WRITE ||
		{ ktap_diag "the new file did not go over the layout"; ok=1; }
	[ -n "$(client_key)" ] ||
		{ ktap_diag "no client key: $(keys | tr '\n' ' ')"; ok=1; }
	drop_caches
	[ "$(prng 62 "$SIZE" | head -c 16M | sha256sum | cut -d' ' -f1)" = \
	  "$(head -c 16M "$SRV/fence2" | sha256sum | cut -d' ' -f1)" ] ||
		{ ktap_diag "fence2: server data wrong"; ok=1; }
	[ "$(prng 63 "$SIZE" | head -c 8M | sha256sum | cut -d' ' -f1)" = \
	  "$(head -c 8M "$SRV/after-fence" | sha256sum | cut -d' ' -f1)" ] ||
		{ ktap_diag "after-fence: server data wrong"; ok=1; }
	ktap_result $ok "$name"
}

# Four writers start at once on a fresh mount: every first I/O must find
# the key registered (no reservation conflict) and use the layout.
test_concurrent_first()
{
	local name="4 concurrent first writers: no reservation conflict, no MDS WRITE"
	local errs i pids=() ok=0

	remount || ok=1
	snap "$MP"
	errs=$(events bio_error)
	for i in 0 1 2 3; do
		prng $((80 + i)) "$SIZE" |
			t dd of="$MP/conc$i" bs=2M iflag=fullblock oflag=direct \
				conv=fsync status=none &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i" || { ktap_diag "a writer failed"; ok=1; }
	done
	layout_proof "$MP" "4 writers" WRITE ||
		{ ktap_diag "the writes did not all go over the layout"; ok=1; }
	if [ "$(events bio_error)" != "$errs" ]; then
		ktap_diag "bio errors: $(grep ' pnfs_block_bio_error:' /sys/kernel/tracing/trace | tail -3)"
		ok=1
	fi
	for i in 0 1 2 3; do
		[ "$(server_sum "conc$i")" = "$(expected_sum $((80 + i)))" ] ||
			{ ktap_diag "conc$i: server checksum wrong"; ok=1; }
	done
	ktap_result $ok "$name"
}

# The client's path to the disk goes away for good.
test_logout()
{
	local name="iSCSI logout mid-write: the data is intact"
	local half=$(( ${SIZE%m} / 2 )) ok=0

	umount "$MP" 2>/dev/null
	mnt 4.2 "$MP" || ok=1
	layout_part 71 "$MP/logout" 0 "$half" || ok=1
	t iscsiadm -m node -T "$TGT" -p 127.0.0.1:3260 -I cli --logout \
		>/dev/null || { ktap_diag "logout failed"; ok=1; }
	mds_part logout 71 "$MP/logout" "$half" "$half" || ok=1
	t sync
	local want got
	want=$(expected_sum 71)
	got=$(server_sum logout)
	[ "$got" = "$want" ] ||
		{ ktap_diag "server sha256 $got, want $want"; ok=1; }
	umount "$MP" && drop_caches && mnt 4.2 "$MP" || ok=1
	got=$(read_sum buffered "$MP/logout")
	[ "$got" = "$want" ] ||
		{ ktap_diag "client sha256 $got, want $want"; ok=1; }
	ktap_result $ok "$name"
}

for step in setup_target setup_initiator setup_server; do
	$step && continue
	ktap_diag "$step failed"
	dmesg | tail -20 | sed 's/^/# dmesg: /'
	for ((i = 0; i < NTESTS; i++)); do ktap_fail setup; done
	ktap_finish
	exit 1
done
test_negotiated
test_write direct 51
test_write buffered 52
if [ "$PNFSBL_DRIVER" = ours ]; then
	test_commit_order direct
	test_commit_order buffered
fi
test_read direct 51
test_read buffered 52
test_key_registered
test_key_gone
[ "$PNFSBL_DRIVER" = ours ] && test_multipath
test_fenced
if [ "$PNFSBL_DRIVER" = ours ]; then
	test_reregistered
	test_concurrent_first
fi
test_logout
umount "$MP"
cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
dmesg >/results/dmesg.txt
if rmmod blocklayoutdriver; then
	ktap_pass "the driver unloads"
else
	ktap_fail "the driver unloads"
fi
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
