# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers: the NFS server, the layout driver, mountstats.
# Sourced by the suites; /t/env holds the host's choices.

. /t/ktap.sh
[ -f /t/env ] && . /t/env
PNFSBL_DRIVER=${PNFSBL_DRIVER:-mainline}
export PATH=/t:$PATH
CMD_TIMEOUT=${PNFSBL_CMD_TIMEOUT:-300}
SIZE=${PNFSBL_SIZE:-256m}
SRV=/export
PLAIN=/export-plain

disk_by_serial()
{
	local d

	for d in /sys/block/vd*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] &&
			{ echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

# blocked_stacks: the kernel stack of every task in D state, as
# diagnostics (the console shows only warnings, not the sysrq-w dump).
blocked_stacks()
{
	local p st

	for p in /proc/[0-9]*; do
		st=$(awk '/^State:/ { print $2 }' "$p/status" 2>/dev/null)
		[ "$st" = D ] || continue
		ktap_diag "blocked: ${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
		sed 's/^/#   /' "$p/stack" 2>/dev/null
	done
}

# t CMD...: run a command under a timeout; on expiry dump the blocked
# tasks (sysrq-w) so the console log says where it hung.
t()
{
	local rc

	timeout -k 10 "$CMD_TIMEOUT" "$@"
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		ktap_diag "timed out after ${CMD_TIMEOUT}s: $*"
		echo w >/proc/sysrq-trigger
		blocked_stacks
	fi
	return $rc
}

# wait_ready FILE PID: wait until FILE exists (a writer's "ready") or PID
# is gone.
wait_ready()
{
	while [ ! -e "$1" ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.1
	done
}

drop_caches()
{
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

start_syslog()
{
	busybox syslogd -O /results/syslog.txt
}

# start_nfsd: nfsd and mountd with short lease and grace times.
start_nfsd()
{
	modprobe nfsd || return 1
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
	mkdir -p /var/lib/nfs/v4recovery /run/rpc_pipefs
	echo 10 >/proc/fs/nfsd/nfsv4leasetime
	echo 10 >/proc/fs/nfsd/nfsv4gracetime
	exportfs -ra 2>&1 | sed 's/^/# exportfs: /'
	[ "${PIPESTATUS[0]}" = 0 ] || return 1
	rpc.mountd -N 3 --no-udp || return 1
	rpc.nfsd -N 3 --no-udp 8 || return 1
}

start_rpc_pipefs()
{
	mkdir -p /run/rpc_pipefs
	mountpoint -q /run/rpc_pipefs ||
		mount -t rpc_pipefs rpc_pipefs /run/rpc_pipefs
}

# load_generic: with PNFSBL_GENERIC=patched, load our build of nfs.ko
# and nfsv4.ko (from fs/nfs/pnfs/series) in place of Debian's, and prove
# it: each must report the series' version stamp.  Must run before the
# first NFS mount.
load_generic()
{
	local m want have dep

	[ "${PNFSBL_GENERIC:-stock}" = patched ] || return 0
	want=$(cat /t/generic/version)
	for m in nfs nfsv4; do
		if [ ! -d /sys/module/$m ]; then
			for dep in $(modinfo -F depends /t/generic/$m.ko | tr , ' '); do
				modprobe "$dep" || return 1
			done
			insmod /t/generic/$m.ko || return 1
		fi
		have=$(cat /sys/module/$m/version 2>/dev/null)
		if [ "$have" != "$want" ]; then
			ktap_diag "generic client: $m is '$have', not our '$want'"
			return 1
		fi
	done
	ktap_diag "generic client: patched nfs and nfsv4 loaded ($want)"
}

# ALLOW_CLAIMED=1, set before load_driver: the disk the client writes
# to is in use on this very host, by the server's own XFS mount of it
# (setup_block_server) or by a dm table a suite reads it back through.
# Our driver refuses such a disk unless loaded with allow_claimed_disks=1
# (unsafe outside single-host test rigs like this one); mainline's has no
# such parameter and always uses the disk unclaimed.
ALLOW_CLAIMED=${ALLOW_CLAIMED:-0}

# ours_args: the insmod arguments of our driver.
ours_args()
{
	[ "$ALLOW_CLAIMED" = 1 ] && echo allow_claimed_disks=1
	return 0
}

# load_driver: make sure exactly the selected block layout driver is
# registered before any mount asks for it.
load_driver()
{
	load_generic || return 1
	modprobe nfsv4 || return 1
	if [ -d /sys/module/blocklayoutdriver ]; then
		rmmod blocklayoutdriver || return 1
	fi
	case $PNFSBL_DRIVER in
	mainline)
		modprobe blocklayoutdriver || return 1
		;;
	ours)
		insmod /t/blocklayoutdriver.ko $(ours_args) || return 1
		;;
	*)
		ktap_diag "unknown PNFSBL_DRIVER=$PNFSBL_DRIVER"
		return 1
		;;
	esac
	# Our tracepoints, for the record; results/trace.txt keeps them.
	if [ -d /sys/kernel/tracing/events/pnfs_block ]; then
		echo 8192 >/sys/kernel/tracing/buffer_size_kb
		# An event of the core kernel stays on, so that unloading
		# the module does not switch the tracer's sched_switch hook
		# off: that live patch of __schedule() once hit an int3
		# oops under TCG (2026-11-26, scsi-e2e, at rmmod).
		echo 1 >/sys/kernel/tracing/events/module/module_load/enable
		echo 1 >/sys/kernel/tracing/events/pnfs_block/enable
	fi
	ktap_diag "driver $PNFSBL_DRIVER: taint '$(cat /sys/module/blocklayoutdriver/taint)'" \
		"srcversion '$(cat /sys/module/blocklayoutdriver/srcversion 2>/dev/null)'" \
		"allow_claimed_disks '$(cat /sys/module/blocklayoutdriver/parameters/allow_claimed_disks 2>/dev/null)'"
}

# check_dkms_driver: the loaded driver is the module DKMS built from the
# Debian package (host: PNFSBL_DRIVER=dkms), as e2e.sh read it from
# DKMS's own output into /t/dkms-build: the file insmod took has its
# SHA-256, and the loaded module its srcversion and version.  The signer
# is for the record (the same bytes have the same signature).
check_dkms_driver()
{
	local sum src ver signer

	. /t/dkms-build || return 1
	sum=$(sha256sum </t/blocklayoutdriver.ko | cut -d' ' -f1)
	src=$(cat /sys/module/blocklayoutdriver/srcversion 2>/dev/null)
	ver=$(cat /sys/module/blocklayoutdriver/version 2>/dev/null)
	signer=$(modinfo -F signer /t/blocklayoutdriver.ko 2>/dev/null)
	ktap_diag "dkms: built as $DKMS_KO"
	ktap_diag "dkms: sha256 $sum, built $DKMS_SHA256"
	ktap_diag "dkms: loaded srcversion '$src' version '$ver'," \
		"built '$DKMS_SRCVERSION' '$DKMS_VERSION'"
	ktap_diag "dkms: signer '$signer', built '$DKMS_SIGNER'"
	[ "$sum" = "$DKMS_SHA256" ] && [ -n "$src" ] &&
		[ "$src" = "$DKMS_SRCVERSION" ] && [ -n "$ver" ] &&
		[ "$ver" = "$DKMS_VERSION" ]
}

start_blkmapd()
{
	blkmapd -f >>/results/blkmapd.log 2>&1 &
	BLKMAPD_PID=$!
	sleep 0.5
	kill -0 "$BLKMAPD_PID"
}

# opfield MOUNTPOINT TAG FIELD: field FIELD (1-based after the tag) of the
# mountstats line tagged TAG for that mount, or 0.  Per-op lines (TAG an
# operation such as WRITE): 1 count, 4 bytes sent, 5 bytes received.  The
# "bytes" line: 1 normal read, 2 normal write, 3 direct read, 4 direct
# write, 5 server read, 6 server write.
opfield()
{
	awk -v mp="$1" -v tag="$2:" -v f="$3" '
		$1 == "device" { inmp = ($5 == mp) }
		inmp && $1 == tag { print $(f + 1); found = 1; exit }
		END { if (!found) print 0 }' /proc/self/mountstats
}

# opcount MOUNTPOINT OP: the per-op count of OP for that mount.
opcount()
{
	opfield "$1" "$2" 1
}

pnfs_type()
{
	awk -v mp="$1" '
		$1 == "device" { inmp = ($5 == mp) }
		inmp && $1 == "nfsv4:" {
			if (match($0, /pnfs=[A-Za-z_]+/))
				print substr($0, RSTART + 5, RLENGTH - 5)
			exit
		}' /proc/self/mountstats
}

# NFSv4.2 sends its MDS reads as READ_PLUS: both count as reads.
OPS="LAYOUTGET LAYOUTCOMMIT LAYOUTRETURN GETDEVICEINFO READ READ_PLUS WRITE COMMIT"

# Op count snapshots, per mount (multi-e2e has many mounts at once).
declare -A SNAP

# snap MOUNTPOINT: remember that mount's op counts.
snap()
{
	local op

	for op in $OPS; do
		SNAP[$1:$op]=$(opcount "$1" "$op")
	done
}

# delta MOUNTPOINT OP: OP count since that mount's last snap.
delta()
{
	echo $(( $(opcount "$1" "$2") - ${SNAP[$1:$2]:-0} ))
}

# mds_reads MOUNTPOINT: READ plus READ_PLUS since the last snap.
mds_reads()
{
	echo $(( $(delta "$1" READ) + $(delta "$1" READ_PLUS) ))
}

# delta_summary MOUNTPOINT: one diagnostic line of op deltas.
delta_summary()
{
	local op s=""

	for op in $OPS; do
		s="$s $op=$(delta "$1" "$op")"
	done
	echo "$s"
}

# file_id FILE: "fileid=MAJ:MIN:INO" as our events and nfs4's print it.
file_id()
{
	local dev

	dev=$(stat -c %d "$1")
	printf 'fileid=%02x:%02x:%s' $((dev >> 8)) $((dev & 0xff)) \
		"$(stat -c %i "$1")"
}

# layout_proof MOUNTPOINT LABEL OP...: the layout carried the I/O since
# that mount's last snap: LAYOUTGET > 0 and none of OP (READ, WRITE, ...)
# sent to the metadata server; READ stands for READ_PLUS too.  Says the
# deltas, and what failed, as diagnostics starting with LABEL.
layout_proof()
{
	local mp=$1 label=$2 op n ok=0

	shift 2
	case " $* " in
	*" READ "*) set -- "$@" READ_PLUS ;;
	esac
	ktap_diag "$label:$(delta_summary "$mp")"
	n=$(delta "$mp" LAYOUTGET)
	if [ "$n" -lt 1 ]; then
		ktap_diag "$label: $n LAYOUTGETs, want at least 1"
		ok=1
	fi
	for op; do
		n=$(delta "$mp" "$op")
		if [ "$n" -ne 0 ]; then
			ktap_diag "$label: $n ${op}s went to the metadata server"
			ok=1
		fi
	done
	return $ok
}

# events EVENT: how many times a pnfs_block tracepoint fired so far.
events()
{
	grep -c " pnfs_block_$1:" /sys/kernel/tracing/trace 2>/dev/null
}

# awk functions over a pnfs_block trace line: fileid() (the last part of
# its fileid=, or "") and count() (its extents=).
# shellcheck disable=SC2016 # awk, not shell
TRACE_FIELDS_AWK='
	function fileid(  f) {
		if (!match($0, /fileid=[0-9a-f:]*[0-9]+/))
			return ""
		f = substr($0, RSTART + 7, RLENGTH - 7)
		sub(/.*:/, "", f)
		return f
	}
	function count(  n) {
		match($0, /extents=-?[0-9]+/)
		return substr($0, RSTART + 8, RLENGTH - 8) + 0
	}'

# commit_order FILEID: the LAYOUTCOMMITs of that file in the trace so far
# listed only extents whose devices were flushed after the extents were
# collected (RFC 8154 2.4.5): no flush between a commit and its collect
# unless one follows the collect too, and at least one commit that lists
# extents shows collect, flush, prepare in that order.  Flushes carry no
# file: meant for a file written while nothing else commits.
commit_order()
{
	awk -v want="$1" "$TRACE_FIELDS_AWK"'
	/ pnfs_block_flush: / {
		if ($0 !~ /error=0/)
			flusherr++
		if (collected)
			after++
		else
			before++
		next
	}
	/ pnfs_block_commit_collect: / && fileid() == want {
		collected = count() > 0
		after = 0
		next
	}
	/ pnfs_block_commit_prepare: / && fileid() == want {
		n = count()
		if (n > 0) {
			listed++
			if (!collected) {
				print "# a commit listed " n " extents never collected"
				bad++
			} else if (!after && before) {
				print "# a commit listed " n " extents flushed only before collecting them"
				bad++
			} else if (after) {
				ordered++
			}
		}
		collected = 0
		before = after = 0
	}
	END {
		printf "# %d commits listed extents, %d flushed after collect, %d flush errors\n",
			listed, ordered, flusherr
		exit !(listed > 0 && ordered > 0 && !bad && !flusherr)
	}' /sys/kernel/tracing/trace
}

# now: seconds since boot, with fractions.
now()
{
	cut -d' ' -f1 /proc/uptime
}

# rate BYTES START END: MB/s, for diagnostics only.
rate()
{
	awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { d = e - s; if (d <= 0) d = 0.01; printf "%.1fs %.0f MB/s", d, b / d / 1e6 }'
}

# kernel_log_clean: no warning, bug, oops or KASAN report so far.
kernel_log_clean()
{
	if dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|general protection|Call Trace' >/tmp/badlog; then
		sed 's/^/# dmesg: /' /tmp/badlog | head -40
		return 1
	fi
	return 0
}

# cmp_ranges A B: diagnostics naming the first byte ranges of B that
# differ from A (the first few; "-" reads A from stdin).
cmp_ranges()
{
	t cmp -l "$1" "$2" 2>&1 | awk '
		/EOF/ { print "# " $0; next }
		{ o = $1 - 1
		  if (o != e) { if (n) printf "# differs: %d..%d\n", s, e - 1; s = o; n++ }
		  e = o + 1 }
		n > 8 { exit }
		END { if (n) printf "# differs: %d..%d (%d ranges shown)\n", s, e - 1, n }'
}

# diff_ranges SEED FILE: diagnostics naming the byte ranges of FILE that
# differ from the prng stream of $SIZE (the first few).
diff_ranges()
{
	prng "$1" "$SIZE" | cmp_ranges - "$2"
}

# server_sum NAME: checksum of $SRV/NAME read on the server's own mount.
server_sum()
{
	drop_caches
	sha256sum "$SRV/$1" | cut -d' ' -f1
}

# The client's own path to the disk (blockfail-e2e, failret-e2e): the
# server's XFS sits on pnfsbl-srv, a dm-linear map of the whole disk
# pnfsbl-data0, and the client finds the same signature on a second
# linear map of that disk, pnfsbl-cli (blkmapd picks it).  Loading
# dm-error into pnfsbl-cli fails every later bio of the client while the
# server's path keeps working, which is what a failed path to a SAN
# looks like.
DM_DISK=
DM_SECTORS=

# cli_table TARGET: load pnfsbl-cli with TARGET ("linear" or "error").
cli_table()
{
	local tbl="0 $DM_SECTORS linear $DM_DISK 0"

	[ "$1" = error ] && tbl="0 $DM_SECTORS error"
	t dmsetup suspend pnfsbl-cli &&
	t dmsetup load pnfsbl-cli --table "$tbl" &&
	t dmsetup resume pnfsbl-cli
}

# setup_dm_server: XFS on pnfsbl-srv exported with pnfs at $SRV, the
# client's map pnfsbl-cli, nfsd, the selected layout driver and blkmapd.
setup_dm_server()
{
	DM_DISK=$(disk_by_serial pnfsbl-data0) || return 1
	modprobe dm-mod && modprobe xfs || return 1
	DM_SECTORS=$(blockdev --getsz "$DM_DISK") || return 1
	t dmsetup create pnfsbl-srv --table "0 $DM_SECTORS linear $DM_DISK 0" &&
		dmsetup mknodes || return 1
	mkfs.xfs -q -f /dev/mapper/pnfsbl-srv || return 1
	mkdir -p "$SRV" && mount /dev/mapper/pnfsbl-srv "$SRV" || return 1
	t dmsetup create pnfsbl-cli --table "0 $DM_SECTORS linear $DM_DISK 0" &&
		dmsetup mknodes || return 1
	cat >/etc/exports <<-EOX
	$SRV *(rw,pnfs,no_root_squash,insecure,sync,no_subtree_check)
	EOX
	start_syslog
	start_rpc_pipefs && start_nfsd && load_driver && start_blkmapd
}

# setup_block_server: XFS on the whole disk pnfsbl-data0 exported with
# pnfs at $SRV (blocks of $XFS_BLOCK bytes if set), a control export
# without pnfs at $PLAIN, nfsd, the selected layout driver and blkmapd.
# The client writes to the disk nfsd's XFS is mounted on: ALLOW_CLAIMED.
setup_block_server()
{
	local disk plain

	ALLOW_CLAIMED=1
	disk=$(disk_by_serial pnfsbl-data0) || return 1
	plain=$(disk_by_serial pnfsbl-data1) || return 1
	modprobe xfs || return 1
	mkdir -p "$SRV" "$PLAIN"
	# The whole disk, not a partition: nfsd's block layout needs it.
	mkfs_srv "$disk" && mount "$disk" "$SRV" || return 1
	mkfs.xfs -q -f "$plain" && mount "$plain" "$PLAIN" || return 1
	cat >/etc/exports <<-EOX
	$SRV *(rw,pnfs,no_root_squash,insecure,sync,no_subtree_check)
	$PLAIN *(rw,no_root_squash,insecure,sync,no_subtree_check)
	EOX
	start_syslog
	start_rpc_pipefs || return 1
	start_nfsd || return 1
	load_driver || return 1
	start_blkmapd || return 1
}

# mkfs_srv DISK: the exported XFS, with blocks of $XFS_BLOCK bytes if set.
mkfs_srv()
{
	[ -z "${XFS_BLOCK:-}" ] || ktap_diag "server XFS on $1 with $XFS_BLOCK-byte blocks"
	mkfs.xfs -q -f ${XFS_BLOCK:+-b size=$XFS_BLOCK} "$1"
}

# expected_sum SEED: checksum of the prng stream, computed once per seed.
expected_sum()
{
	local f=/tmp/sum-$1-$SIZE

	[ -s "$f" ] || prng "$1" "$SIZE" | sha256sum | cut -d' ' -f1 >"$f"
	cat "$f"
}

mnt()	# VERSION MOUNTPOINT [EXPORT]
{
	mkdir -p "$2"
	t mount -t nfs -o "vers=$1,retry=0" "127.0.0.1:${3:-$SRV}" "$2"
}

# write_file MODE FILE SEED
write_file()
{
	local oflag=

	[ "$1" = direct ] && oflag=oflag=direct
	prng "$3" "$SIZE" |
		t dd of="$2" bs=1M iflag=fullblock $oflag conv=fsync status=none
}

# part SEED FILE MIB_FROM MIB_COUNT [DD-OPERAND...]: write that part of
# the prng stream SEED into FILE at the same offset.
part()
{
	local seed=$1 f=$2 from=$3 n=$4

	shift 4
	prng "$seed" "$SIZE" |
		t dd of="$f" bs=1M iflag=fullblock skip="$from" seek="$from" \
			count="$n" conv=notrunc status=none "$@"
}

# layout_part SEED FILE MIB_FROM MIB_COUNT: write that part O_DIRECT
# with an fsync; it goes over the layout (layout_proof since a snap here).
layout_part()
{
	local ok=0

	snap "$MP"
	part "$@" oflag=direct conv=fsync || { ktap_diag "$2: dd failed"; ok=1; }
	layout_proof "$MP" "$2: MiB $3+$4" WRITE || ok=1
	return $ok
}

# mds_part WHAT SEED FILE MIB_FROM MIB_COUNT: after WHAT took the
# client's path to the disk away, write that part O_DIRECT with an fsync;
# it succeeds, through the metadata server (WRITE > 0).
mds_part()
{
	local what=$1 ok=0

	shift
	snap "$MP"
	part "$@" oflag=direct conv=fsync ||
		{ ktap_diag "$2: dd after the $what failed"; ok=1; }
	ktap_diag "after the $what:$(delta_summary "$MP")"
	if [ "$(delta "$MP" WRITE)" -eq 0 ]; then
		ktap_diag "no WRITE went to the metadata server"
		ok=1
	fi
	return $ok
}

# read_sum MODE FILE
read_sum()
{
	local iflag=

	[ "$1" = direct ] && iflag=iflag=direct
	t dd if="$2" bs=1M $iflag status=none | sha256sum | cut -d' ' -f1
}

# check_file LABEL NAME SEED REMOUNT: $SRV/NAME is the prng stream SEED of
# $SIZE, read on the server's own mount, and so is $MP/NAME read back
# O_DIRECT on the client after the command REMOUNT (a fresh mount, so
# that the client reads it through a new layout).
check_file()
{
	local want got ok=0

	want=$(expected_sum "$3")
	got=$(server_sum "$2")
	if [ "$got" != "$want" ]; then
		ktap_diag "$1: server sha256 $got, want $want"
		diff_ranges "$3" "$SRV/$2"
		ok=1
	fi
	"$4" || return 1
	got=$(read_sum direct "$MP/$2")
	if [ "$got" != "$want" ]; then
		ktap_diag "$1: client sha256 $got, want $want"
		diff_ranges "$3" "$MP/$2"
		ok=1
	fi
	return $ok
}

# The SCSI layout over iSCSI (scsi-e2e, bench): a LIO target on the
# guest's loopback, logged in to twice with open-iscsi.
TGT=iqn.2026-11.org.pnfsbl:target
SRV_INI=iqn.2026-11.org.pnfsbl:server
CLI_INI=iqn.2026-11.org.pnfsbl:client
LU_SERIAL=5f3c2a1e-7b4d-4c6a-9e8f-0a1b2c3d4e5f
SRV_SD=
CLI_SD=
NAA=

# setup_target [SERIAL]: LIO through configfs, an iblock backstore on
# the virtio disk SERIAL (default pnfsbl-data0), one LUN, a portal on
# 127.0.0.1:3260, any initiator admitted read-write.
setup_target()
{
	local disk cfs=/sys/kernel/config/target tpg bs

	disk=$(disk_by_serial "${1:-pnfsbl-data0}") || return 1
	modprobe configfs && modprobe target_core_mod &&
		modprobe target_core_iblock && modprobe iscsi_target_mod ||
		return 1
	mountpoint -q /sys/kernel/config ||
		mount -t configfs configfs /sys/kernel/config || return 1
	# LIO keeps APTPL reservations here; sd always asks for APTPL.
	mkdir -p /etc/target/pr
	bs=$cfs/core/iblock_0/pnfsbl
	# The unit serial becomes the NAA designator of VPD page 0x83
	# (targetcli would make one up; configfs leaves it empty).
	mkdir -p "$bs" &&
	echo "udev_path=$disk" >"$bs/control" &&
	echo "$LU_SERIAL" >"$bs/wwn/vpd_unit_serial" &&
	echo 1 >"$bs/enable" || return 1
	tpg=$cfs/iscsi/$TGT/tpgt_1
	mkdir -p "$tpg/lun/lun_0" &&
	ln -s "$bs" "$tpg/lun/lun_0/pnfsbl" &&
	mkdir "$tpg/np/127.0.0.1:3260" &&
	echo 0 >"$tpg/attrib/authentication" &&
	echo 1 >"$tpg/attrib/generate_node_acls" &&
	echo 1 >"$tpg/attrib/cache_dynamic_acls" &&
	echo 0 >"$tpg/attrib/demo_mode_write_protect" &&
	echo 1 >"$tpg/enable"
}

# sd_of_session INITIATOR: the disk of the iSCSI session of that name.
sd_of_session()
{
	local s b

	for s in /sys/class/iscsi_session/session*; do
		[ "$(cat "$s/initiatorname" 2>/dev/null)" = "$1" ] || continue
		for b in "$s"/device/target*/*/block/*; do
			[ -e "$b" ] && { echo "${b##*/}"; return 0; }
		done
	done
	return 1
}

login()	# IFACE INITIATOR
{
	t iscsiadm -m iface -I "$1" -o new >/dev/null &&
	t iscsiadm -m iface -I "$1" -o update -n iface.initiatorname \
		-v "$2" >/dev/null &&
	t iscsiadm -m discovery -t st -p 127.0.0.1:3260 -I "$1" -o new >/dev/null &&
	t iscsiadm -m node -T "$TGT" -p 127.0.0.1:3260 -I "$1" --login >/dev/null
}

# setup_initiator: two iSCSI sessions to that target, the server's and
# the client's (different I_T nexuses, so fencing is realistic); sets
# SRV_SD, CLI_SD and NAA and links /dev/disk/by-id/wwn-0x$NAA to CLI_SD.
setup_initiator()
{
	local i

	modprobe sd_mod && modprobe iscsi_tcp || return 1
	mkdir -p /etc/iscsi /run/lock/iscsi
	echo "InitiatorName=$SRV_INI" >/etc/iscsi/initiatorname.iscsi
	iscsid || return 1
	login srv "$SRV_INI" && login cli "$CLI_INI" || return 1
	for ((i = 0; i < 100; i++)); do
		SRV_SD=$(sd_of_session "$SRV_INI") &&
			CLI_SD=$(sd_of_session "$CLI_INI") && break
		sleep 0.2
	done
	[ -n "$SRV_SD" ] && [ -n "$CLI_SD" ] || return 1
	NAA=$(sed -n 's/^naa\.//p' "/sys/block/$CLI_SD/device/wwid")
	[ -n "$NAA" ] || return 1
	# What udev's 60-persistent-storage.rules would make for one path.
	mkdir -p /dev/disk/by-id
	ln -sf "../../$CLI_SD" "/dev/disk/by-id/wwn-0x$NAA"
	ktap_diag "server disk $SRV_SD, client disk $CLI_SD, naa $NAA," \
		"write cache '$(cat /sys/block/"$CLI_SD"/queue/write_cache)'"
}
