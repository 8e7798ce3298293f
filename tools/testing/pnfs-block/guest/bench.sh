#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, guest side: the same fio workloads against four
# configurations in one boot, interleaved and repeated (for each workload,
# for each repeat: ours, mainline, plain, raw), so that drift in a noisy
# TCG host hits every configuration alike.  Once for each layout type in
# BENCH_LAYOUTS, one after the other:
#
# block (pnfs export on the virtio disk pnfsbl-data0):
#   ours      NFSv4.2 over our blocklayoutdriver (insmod /t/...ko)
#   ours-small  the same, with the module parameter mds_small_file at
#             SMALL_FILE bytes (buffered writes of files no larger go
#             through the MDS); small files only (the other workloads'
#             files are larger, so the same as ours)
#   mainline  NFSv4.2 over Debian's blocklayoutdriver (modprobe)
#   plain     NFSv4.2 through the server: the export without pnfs
#   raw       the server's own XFS on the pnfs export's disk, no NFS
#
# scsi (pnfs export on an iSCSI disk: LIO on pnfsbl-data2, open-iscsi
# over loopback, as in scsi-e2e; BENCH_SCSI_MIB and BENCH_SCSI_REPEATS):
#   ours      NFSv4.2, LAYOUT_SCSI over our driver
#   mainline  NFSv4.2, LAYOUT_SCSI over Debian's driver
#   plain     NFSv4.2 through the server: the same export, mounted with
#             no layout driver loaded (nor loadable), so no pNFS
#   raw       the server's own XFS on its iSCSI disk, no NFS
#
# block16k, block64k (after the others: both block exports remade with
# XFS blocks of 16 KiB or 64 KiB, nfsd restarted; BENCH_BIG_MIB and
# BENCH_BIG_REPEATS):
#   ours, plain, raw as for block.  Mainline is not run: it turns pNFS
#   off for a layout block size above the page size, so its runs would
#   be plain NFS over the pnfs export.  One mount proves that instead
#   (meta.env: mainline_pnfs_LAYOUT, mainline_msg_LAYOUT).
#
# Each run leaves /results/bench/runs/NNN.json (fio's JSON) and NNN.env
# (what fio cannot see: /proc/stat and mountstats deltas, the module
# loaded, timestamps of each phase).  The host turns them into the report.
. /t/common.sh

MIB=${BENCH_MIB:-256}
REPEATS=${BENCH_REPEATS:-3}
RUNTIME=${BENCH_RUNTIME:-3}
CAP=${BENCH_CAP:-20}
NFILES=${BENCH_NFILES:-128}
WORKLOADS=${BENCH_WORKLOADS:-"seqwrite-buf seqwrite-direct seqread-buf seqread-direct randread-4k randwrite-4k par4-write smallfiles"}
CONFIGS=${BENCH_CONFIGS:-"ours ours-small mainline plain raw"}
SMALL_FILE=65536
LAYOUTS=${BENCH_LAYOUTS:-block}
BLOCK_MIB=$MIB
BLOCK_REPEATS=$REPEATS
SCSI_MIB=${BENCH_SCSI_MIB:-$MIB}
SCSI_REPEATS=${BENCH_SCSI_REPEATS:-$REPEATS}
BIG_MIB=${BENCH_BIG_MIB:-$MIB}
BIG_REPEATS=${BENCH_BIG_REPEATS:-$REPEATS}
# A fio run is bounded by its own runtime cap; the command timeout (read
# by common.sh's t) only catches a hang, and then dumps the blocked tasks.
# shellcheck disable=SC2034
CMD_TIMEOUT=$((CAP + 120))
R=/results/bench
RUNS=$R/runs
MP=/mnt/bench
SCSI_SRV=/export-scsi
LAYOUT=block
BLKMAPD_PID=
CUR_DRIVER=none
# While it exists, a request for the layout driver (the client asks for
# nfs-layouttype4-5 when it mounts a LAYOUT_SCSI export) loads nothing.
NO_LD=/etc/modprobe.d/pnfsbl-bench-no-layout-driver.conf
OPS_REC="LAYOUTGET LAYOUTCOMMIT LAYOUTRETURN GETDEVICEINFO READ READ_PLUS WRITE COMMIT OPEN CLOSE"

mkdir -p "$RUNS"

die()
{
	ktap_fail "bench: $*"
	ktap_finish
	exit 1
}

meta()	# KEY VALUE: one line of the run's metadata for the report
{
	printf '%s=%s\n' "$1" "$2" >>"$R/meta.env"
}

# Which blocklayoutdriver is loaded.  The name is the same for both and
# Debian builds without srcversions, so tell them apart by what each one
# is: ours is out of tree (taint O) and has an upcall_timeout parameter;
# mainline's is in tree, signed and has no parameters.
loaded_driver()
{
	local m=/sys/module/blocklayoutdriver

	[ -d $m ] || { echo none; return; }
	case $(cat $m/taint) in
	*O*)	[ -e $m/parameters/upcall_timeout ] && echo ours || echo unknown ;;
	*)	[ -e $m/parameters ] && echo unknown || echo mainline ;;
	esac
}

loaded_identity()
{
	local m=/sys/module/blocklayoutdriver

	echo "$(loaded_driver) taint='$(cat $m/taint 2>/dev/null)' coresize=$(cat $m/coresize 2>/dev/null)"
}

stop_blkmapd()
{
	[ -n "$BLKMAPD_PID" ] || return 0
	kill "$BLKMAPD_PID" 2>/dev/null
	wait "$BLKMAPD_PID" 2>/dev/null
	BLKMAPD_PID=
}

# use_driver ours|mainline|none: exactly that blocklayoutdriver loaded,
# with a blkmapd of its own (its pipe goes away with the module), or none
# at all and none loaded on demand.  Our tracepoints stay off: they would
# cost ours CPU that mainline does not pay.
use_driver()
{
	[ "$CUR_DRIVER" = "$1" ] && return 0
	stop_blkmapd
	if [ -d /sys/module/blocklayoutdriver ]; then
		t rmmod blocklayoutdriver || return 1
	fi
	CUR_DRIVER=none
	rm -f "$NO_LD"
	case $1 in
	none)
		mkdir -p "${NO_LD%/*}"
		echo "install blocklayoutdriver /bin/true" >"$NO_LD"
		return 0
		;;
	ours)		t insmod /t/blocklayoutdriver.ko $(ours_args) || return 1 ;;
	mainline)	t modprobe blocklayoutdriver || return 1 ;;
	esac
	if [ "$(loaded_driver)" != "$1" ]; then
		ktap_diag "wanted $1, loaded: $(loaded_identity)"
		return 1
	fi
	start_blkmapd || return 1
	CUR_DRIVER=$1
}

# layout_dir CONFIG EXPORT TYPE: load CONFIG's driver (ours, with
# mds_small_file set for ours-small, or mainline), mount EXPORT, which
# must negotiate pnfs=TYPE, and set DIR.
layout_dir()
{
	local p=/sys/module/blocklayoutdriver/parameters/mds_small_file

	case $1 in
	ours|ours-small)
		use_driver ours || return 1
		[ -w $p ] || { ktap_diag "ours has no $p"; return 1; }
		if [ "$1" = ours-small ]; then
			echo "$SMALL_FILE" >$p
		else
			echo 0 >$p
		fi
		;;
	*)	use_driver "$1" || return 1 ;;
	esac
	mnt 4.2 "$MP" "$2" || return 1
	[ "$(pnfs_type "$MP")" = "$3" ] || {
		ktap_diag "$1: pnfs=$(pnfs_type "$MP"), not $3"
		return 1
	}
	DIR=$MP/bench/$1
}

# config_dir CONFIG: mount what CONFIG needs (in the layout type
# $LAYOUT) and set DIR to the directory the workload runs in.  Not in a
# subshell: use_driver's state must stick.
config_dir()
{
	case $LAYOUT/$1 in
	block/ours*|block/mainline|block16k/ours*|block64k/ours*)
		layout_dir "$1" "$SRV" LAYOUT_BLOCK_VOLUME
		;;
	block*/plain)
		mnt 4.2 "$MP" "$PLAIN" || return 1
		DIR=$MP/bench/plain
		;;
	block*/raw)
		DIR=$SRV/bench/raw
		;;
	scsi/ours*|scsi/mainline)
		layout_dir "$1" "$SCSI_SRV" LAYOUT_SCSI
		;;
	scsi/plain)
		use_driver none || return 1
		mnt 4.2 "$MP" "$SCSI_SRV" || return 1
		[ "$(pnfs_type "$MP")" != LAYOUT_SCSI ] || {
			ktap_diag "plain: pnfs=LAYOUT_SCSI with no layout driver"
			return 1
		}
		DIR=$MP/bench/plain
		;;
	scsi/raw)
		DIR=$SCSI_SRV/bench/raw
		;;
	*)
		return 1
		;;
	esac
}

config_done()
{
	mountpoint -q "$MP" && t umount "$MP"
	return 0
}

# server_dir CONFIG: the same directory seen on the server.
server_dir()
{
	case $LAYOUT/$1 in
	block*/plain)	echo "$PLAIN/bench/plain" ;;
	block*/*)	echo "$SRV/bench/$1" ;;
	scsi/*)		echo "$SCSI_SRV/bench/$1" ;;
	esac
}

# fio_args WORKLOAD: the job, on the command line.  Files are never
# preallocated (fallocate=none): an NFSv4.2 ALLOCATE would change what the
# layout sees.  Writes end with fsync, so the time includes getting the
# data to the disk; time-based runs wrap on the prewritten file "data".
# fio expands $jobnum and $filenum itself.
# shellcheck disable=SC2016
fio_args()
{
	local seq1=(--bs=1m --size="${MIB}m" --runtime="$CAP")
	local tb=(--size="${MIB}m" --time_based --runtime="$RUNTIME")
	local rnd=(--bs=4k --direct=1 --ioengine=libaio --iodepth=16
		   --randrepeat=1 "${tb[@]}" --filename=data)

	case $1 in
	seqwrite-buf)	echo --rw=write "${seq1[@]}" --filename=seqw --end_fsync=1 ;;
	seqwrite-direct) echo --rw=write "${seq1[@]}" --filename=seqw --direct=1 --end_fsync=1 ;;
	seqread-buf)	echo --rw=read "${seq1[@]}" --filename=data ;;
	seqread-direct)	echo --rw=read --bs=1m --direct=1 "${tb[@]}" --filename=data ;;
	randread-4k)	echo --rw=randread "${rnd[@]}" ;;
	randwrite-4k)	echo --rw=randwrite "${rnd[@]}" --end_fsync=1 ;;
	par4-write)	echo --rw=write --bs=1m --numjobs=4 --size="$((MIB / 4))m" \
				--runtime="$CAP" --filename_format='par.$jobnum' --end_fsync=1 ;;
	smallfiles)	echo --rw=write --bs=64k --filesize=64k --nrfiles="$NFILES" \
				--size="$((NFILES * 64))k" --openfiles=1 \
				--file_service_type=sequential --create_on_open=1 \
				--fsync_on_close=1 --runtime="$CAP" \
				--filename_format='small/f.$filenum' ;;
	*)		return 1 ;;
	esac
}

# cleanup_after WORKLOAD DIR: drop what a write workload made, untimed,
# so the disk never holds more than the data file and one run's output.
cleanup_after()
{
	case $1 in
	seqwrite-*)	rm -f "$2/seqw" ;;
	par4-write)	rm -f "$2"/par.* ;;
	smallfiles)	rm -rf "$2/small" ;;
	esac
}

# cpu_first FILE / cpu_last FILE: the first or last /proc/stat "cpu" line
# that fio's hooks appended to FILE, without the label.  Builtins only:
# every fork and exec costs tens of milliseconds under TCG.
cpu_first()
{
	local rest

	read -r _ rest <"$1" && echo "$rest"
}

cpu_last()
{
	local rest last=

	while read -r _ rest; do
		last=$rest
	done <"$1"
	echo "$last"
}

# stamp VAR: seconds since boot into VAR, without a fork.
stamp()
{
	local up

	read -r up _ </proc/uptime
	printf -v "$1" '%s' "$up"
}

# ops_line MOUNTPOINT: the counts of $OPS_REC for that mount, in order
# (opcount's reading, in one pass: an awk per operation costs seconds per
# run under TCG).
ops_line()
{
	awk -v mp="$1" -v ops="$OPS_REC" '
		$1 == "device" { inmp = ($5 == mp) }
		inmp && $1 ~ /:$/ { n[substr($1, 1, length($1) - 1)] = $2 }
		END { k = split(ops, o, " "); for (i = 1; i <= k; i++) printf "%d ", n[o[i]] }' \
		/proc/self/mountstats
}

# summary FIO-JSON: throughput and IOPS, for the live log only (awk:
# python's start-up costs a second under TCG).
summary()
{
	awk '
		/^ *"(read|write)" : \{/ { d = $1; gsub(/"/, "", d) }
		d && /"io_bytes"/ { b = $3 + 0 }
		d && /"bw_bytes"/ { bw = $3 + 0 }
		d && /"iops"/ && !/_/ { if (b) printf "%s %.1f MiB/s %.0f IOPS ", d, bw / 1048576, $3; d = "" }
	' "$1"
}

RUN=0
NRUNS=0
FAILED=0

# mount_facts CONFIG: set PNFS (the layout type mountstats names, where
# CONFIG has one to check, else none), TAINT and CORESIZE (the layout
# driver's, for the pNFS configurations, else -).  No subshell: every
# fork costs tens of milliseconds under TCG.
mount_facts()
{
	local m=/sys/module/blocklayoutdriver

	PNFS=none TAINT=- CORESIZE=-
	if [ "$1" = ours ] || [ "$1" = ours-small ] || [ "$1" = mainline ]; then
		PNFS=$(pnfs_type "$MP")
		read -r TAINT <$m/taint
		read -r CORESIZE <$m/coresize
	elif [ "$LAYOUT/$1" = scsi/plain ]; then
		# mountstats says "pnfs=not configured"
		PNFS=$(pnfs_type "$MP")
		[ "$PNFS" = not ] && PNFS="not configured"
	fi
}

# run_fio ID WORKLOAD DIR ARGS: the timed fio run, its JSON in
# $RUNS/ID.json; the CPU samples in /tmp/cpu.pre and /tmp/cpu.post.
# Returns fio's exit status.
run_fio()
{
	# The CPU is sampled by fio itself, around the I/O of each job (the
	# first sample before the first job's I/O, the last after the last
	# one's): fio's own start-up costs about a second under TCG, as much
	# as a whole small run.
	rm -f /tmp/cpu.pre /tmp/cpu.post
	# shellcheck disable=SC2086	# the job's options, split on purpose
	(cd /tmp && t fio --name="$2" --directory="$3" --ioengine=psync \
		--fallocate=none --group_reporting --output-format=json \
		--output="$RUNS/$1.json" \
		--exec_prerun="{ grep '^cpu ' /proc/stat >>/tmp/cpu.pre; }" \
		--exec_postrun="{ grep '^cpu ' /proc/stat >>/tmp/cpu.post; }" \
		$4 >"$RUNS/$1.err" 2>&1)
}

# deltas PREFIX NAMES BEFORE AFTER: a line PREFIX<name>=<after - before>
# for each of the space-separated NAMES, from two lists of counters in
# that order.
deltas()
{
	local i=0 n
	local -a a b

	read -ra a <<<"$3"
	read -ra b <<<"$4"
	for n in $2; do
		echo "$1$n=$(( ${b[i]:-0} - ${a[i]:-0} ))"
		i=$((i + 1))
	done
}

# run_env WORKLOAD CONFIG REPEAT FIO_STATUS STAMPS CPU0 CPU1 OPS0 OPS1:
# a run's metadata for the report, one KEY=VALUE a line.  STAMPS: start,
# setup done, fio done, samples read, cleaned, unmounted.
run_env()
{
	echo "layout=$LAYOUT"
	echo "workload=$1"
	echo "config=$2"
	echo "repeat=$3"
	echo "fio_status=$4"
	echo "stamps=$5"
	echo "pnfs=$PNFS"
	echo "module=$CUR_DRIVER taint=$TAINT coresize=$CORESIZE"
	[ "$2" != ours-small ] || echo "mds_small_file=$SMALL_FILE"
	deltas cpu_ "user nice system idle iowait irq softirq steal" "$6" "$7"
	[ "$2" = raw ] || deltas op_ "$OPS_REC" "$8" "$9"
}

# run_one WORKLOAD CONFIG REPEAT
run_one()
{
	local w=$1 c=$2 rep=$3 dir id args st c0 c1 o0 o1
	local t0 t1 t2 t3 t4 t5

	RUN=$((RUN + 1))
	printf -v id '%03d' "$RUN"
	stamp t0
	args=$(fio_args "$w") || { ktap_diag "unknown workload $w"; return 1; }
	config_dir "$c" || { config_done; ktap_diag "$id $w $c: setup failed"; return 1; }
	dir=$DIR
	mkdir -p "$dir/small"
	mount_facts "$c"
	# Cold caches on the client and the server (one kernel): reads come
	# from the disk, and no earlier run's dirty pages are flushed now.
	drop_caches
	[ "$c" = raw ] || o0=$(ops_line "$MP")
	stamp t1
	run_fio "$id" "$w" "$dir" "$args"
	st=$?
	stamp t2
	[ "$c" = raw ] || o1=$(ops_line "$MP")
	c0=$(cpu_first /tmp/cpu.pre)
	c1=$(cpu_last /tmp/cpu.post)
	stamp t3
	cleanup_after "$w" "$dir"
	stamp t4
	config_done
	stamp t5
	run_env "$w" "$c" "$rep" "$st" "$t0 $t1 $t2 $t3 $t4 $t5" \
		"$c0" "$c1" "$o0" "$o1" >"$RUNS/$id.env"
	ktap_diag "run $RUN/$NRUNS $LAYOUT $w $c r$rep: fio $st, $t1..$t2 of $t0..$t5:" \
		"$(summary "$RUNS/$id.json")"
	[ "$st" = 0 ] || { sed 's/^/# fio: /' "$RUNS/$id.err" | tail -5; return 1; }
	if [ -z "$c0" ] || [ -z "$c1" ]; then
		ktap_diag "fio left no CPU samples"
		return 1
	fi
}

# prepare: the file "data" (read and overwritten in place by the random
# and read workloads) for every configuration, written on the server's own
# mount: fully allocated, so no configuration reads holes.
prepare()
{
	local c d

	for c in $LCONFIGS; do
		d=$(server_dir "$c")
		mkdir -p "$d" || return 1
		# it runs the small files alone, which need no data file
		[ "$c" != ours-small ] || continue
		t fio --name=prep --filename="$d/data" --rw=write --bs=1m \
			--size="${MIB}m" --fallocate=none --end_fsync=1 \
			--output=/dev/null || return 1
	done
	# The NFS client writes as root; keep the directories open to it.
	for c in $LCONFIGS; do
		chmod -R a+rwX "$(server_dir "$c")/.." || return 1
	done
}

# setup_scsi_server: the pnfs export $SCSI_SRV on an iSCSI disk (LIO
# on the virtio disk pnfsbl-data2, as in scsi-e2e: two sessions,
# persistent reservations, the by-id link the driver opens).
setup_scsi_server()
{
	setup_target pnfsbl-data2 && setup_initiator || return 1
	mkdir -p "$SCSI_SRV"
	mkfs.xfs -q -f "/dev/$SRV_SD" && mount "/dev/$SRV_SD" "$SCSI_SRV" ||
		return 1
	echo "$SCSI_SRV *(rw,pnfs,no_root_squash,insecure,sync,no_subtree_check)" \
		>>/etc/exports
	exportfs -ra
}

# layout_configs LAYOUT: the configurations run over LAYOUT, in
# $CONFIGS' order: all of them, but mainline where it cannot do pNFS.
layout_configs()
{
	local c out=

	for c in $CONFIGS; do
		case $1/$c in
		block16k/mainline|block64k/mainline) ;;
		*)	out="${out:+$out }$c" ;;
		esac
	done
	echo "$out"
}

# block_bytes LAYOUT: the XFS block size of LAYOUT's exports.
block_bytes()
{
	case $1 in
	block16k)	echo 16384 ;;
	block64k)	echo 65536 ;;
	esac
}

# remake_block_exports BYTES: both block exports ($SRV with pnfs,
# $PLAIN without) made again with XFS blocks of BYTES, nfsd restarted and
# out of its grace period.  No driver is loaded afterwards.
remake_block_exports()
{
	local disk plain i

	disk=$(disk_by_serial pnfsbl-data0) &&
		plain=$(disk_by_serial pnfsbl-data1) || return 1
	config_done
	use_driver none && rm -f "$NO_LD" || return 1
	exportfs -ua && rpc.nfsd 0 || return 1
	umount "$SRV" && umount "$PLAIN" || return 1
	# The client's driver may still hold the disk for a moment.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		XFS_BLOCK=$1 mkfs_srv "$disk" && break
		[ $i = 10 ] && return 1
		sleep 1
	done
	XFS_BLOCK=$1 mkfs_srv "$plain" || return 1
	mount "$disk" "$SRV" && mount "$plain" "$PLAIN" || return 1
	exportfs -ra && rpc.nfsd -N 3 --no-udp 8 || return 1
	# nfsv4gracetime is 10 s (start_nfsd): let it pass untimed.
	sleep 11
}

# mainline_probe LAYOUT: mount the pnfs export once with mainline's
# driver and record what it made of the block size.
mainline_probe()
{
	local n0 msg pnfs

	n0=$(dmesg | wc -l)
	use_driver mainline || return 1
	mnt 4.2 "$MP" "$SRV" || return 1
	pnfs=$(pnfs_type "$MP")
	[ "$pnfs" = not ] && pnfs="not configured"
	t umount "$MP"
	msg=$(dmesg | tail -n +"$((n0 + 1))" | grep -m1 'blksize' | sed 's/^\[[^]]*\] //')
	ktap_diag "$1: mainline mounts with pnfs=${pnfs:-none}: ${msg:-no message}"
	meta "mainline_pnfs_$1" "${pnfs:-none}"
	meta "mainline_msg_$1" "${msg:-none}"
}

# bench_layout LAYOUT: every workload, every repeat, every configuration.
bench_layout()
{
	local t0 w rep c failed=0 n

	LAYOUT=$1
	LCONFIGS=$(layout_configs "$1")
	case $1 in
	block)	MIB=$BLOCK_MIB REPEATS=$BLOCK_REPEATS ;;
	scsi)	MIB=$SCSI_MIB REPEATS=$SCSI_REPEATS ;;
	*)	MIB=$BIG_MIB REPEATS=$BIG_REPEATS ;;
	esac
	n=$(layout_runs "$1")
	t0=$(now)
	prepare || { ktap_diag "$1: writing the data files failed"; return 1; }
	ktap_diag "$1: prepared ${MIB} MiB data files in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
	for w in $WORKLOADS; do
		for rep in $(seq "$REPEATS"); do
			for c in $LCONFIGS; do
				applies "$w" "$c" || continue
				run_one "$w" "$c" "$rep" || failed=$((failed + 1))
			done
		done
	done
	FAILED=$((FAILED + failed))
	[ "$failed" = 0 ] || { ktap_diag "$1: $failed of $n runs failed"; return 1; }
}

# applies WORKLOAD CONFIG: CONFIG runs WORKLOAD (ours-small only the
# small files).
applies()
{
	[ "$2" != ours-small ] || [ "$1" = smallfiles ]
}

# layout_runs LAYOUT: how many runs bench_layout LAYOUT makes.
layout_runs()
{
	local r w c n=0

	case $1 in
	block)	r=$BLOCK_REPEATS ;;
	scsi)	r=$SCSI_REPEATS ;;
	*)	r=$BIG_REPEATS ;;
	esac
	for w in $WORKLOADS; do
		for c in $(layout_configs "$1"); do
			applies "$w" "$c" && n=$((n + 1))
		done
	done
	echo $((n * r))
}

has_layout()
{
	case " $LAYOUTS " in *" $1 "*) return 0 ;; esac
	return 1
}

read -ra wl <<<"$WORKLOADS"
read -ra cl <<<"$CONFIGS"
NRUNS=0
nplan=2
has_layout block && NRUNS=$(layout_runs block) nplan=$((nplan + 1))
has_layout scsi && NRUNS=$((NRUNS + $(layout_runs scsi))) nplan=$((nplan + 2))
for big in block16k block64k; do
	has_layout $big && NRUNS=$((NRUNS + $(layout_runs $big))) nplan=$((nplan + 2))
done
ktap_plan $nplan
: >"$R/meta.env"
setup_block_server >"$R/setup.log" 2>&1 || { cat "$R/setup.log"; die "server setup"; }
# setup_block_server loaded the default driver: start from nothing.
stop_blkmapd
rmmod blocklayoutdriver 2>/dev/null
echo 0 >/sys/kernel/tracing/tracing_on 2>/dev/null
ktap_pass "setup: nfsd serving XFS with and without pnfs"

data=$(disk_by_serial pnfsbl-data0)
meta ours_module "$(modinfo -F description /t/blocklayoutdriver.ko), $(sha256sum </t/blocklayoutdriver.ko | cut -c1-16)"
meta mainline_module "$(modinfo -F description blocklayoutdriver), $(modinfo -F filename blocklayoutdriver)"
meta kernel "$(uname -r)"
meta guest_cpus "$(nproc)"
meta guest_mem_kb "$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
meta write_cache "$(cat "/sys/block/${data#/dev/}/queue/write_cache")"
meta fio "$(fio --version)"
meta user_hz "$(getconf CLK_TCK)"
meta mib "$BLOCK_MIB"
meta repeats "$BLOCK_REPEATS"
meta runtime "$RUNTIME"
meta cap "$CAP"
meta nfiles "$NFILES"
meta workloads "$WORKLOADS"
meta configs "$CONFIGS"
meta small_file "$SMALL_FILE"
meta layouts "$LAYOUTS"
meta scsi_mib "$SCSI_MIB"
meta scsi_repeats "$SCSI_REPEATS"
meta big_mib "$BIG_MIB"
meta big_repeats "$BIG_REPEATS"

if has_layout block; then
	if bench_layout block; then
		ktap_pass "bench: $(layout_runs block) runs"
	else
		ktap_fail "bench: block layout"
	fi
fi
if has_layout scsi; then
	if setup_scsi_server >"$R/setup-scsi.log" 2>&1; then
		grep '^#' "$R/setup-scsi.log"
		meta scsi_disks "server $SRV_SD, client $CLI_SD, naa $NAA, backstore $(disk_by_serial pnfsbl-data2)"
		meta scsi_write_cache "$(cat "/sys/block/$CLI_SD/queue/write_cache")"
		ktap_pass "setup scsi: nfsd serving XFS with pnfs on an iSCSI disk"
		if bench_layout scsi; then
			ktap_pass "bench scsi: $(layout_runs scsi) runs"
		else
			ktap_fail "bench scsi: SCSI layout"
		fi
	else
		sed 's/^/# setup scsi: /' "$R/setup-scsi.log" | tail -20
		ktap_fail "setup scsi: nfsd serving XFS with pnfs on an iSCSI disk"
		ktap_fail "bench scsi: no server"
	fi
fi
# Last: remaking the block exports ends the block part for good.
for big in block16k block64k; do
	has_layout $big || continue
	bytes=$(block_bytes $big)
	if remake_block_exports "$bytes" >"$R/setup-$big.log" 2>&1 &&
	   mainline_probe $big >>"$R/setup-$big.log" 2>&1; then
		grep '^#' "$R/setup-$big.log"
		ktap_pass "setup $big: both block exports with $bytes-byte XFS blocks"
		if bench_layout $big; then
			ktap_pass "bench $big: $(layout_runs $big) runs"
		else
			ktap_fail "bench $big: $bytes-byte blocks"
		fi
	else
		sed "s/^/# setup $big: /" "$R/setup-$big.log" | tail -20
		ktap_fail "setup $big: both block exports with $bytes-byte XFS blocks"
		ktap_fail "bench $big: no server"
	fi
done
stop_blkmapd
rm -f "$NO_LD"
ktap_diag "$FAILED of $NRUNS runs failed"
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
