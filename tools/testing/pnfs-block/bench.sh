#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: one guest boot, the same fio workloads against our block
# layout driver, mainline's, plain NFSv4.2 and the raw disk, interleaved
# and repeated, over the block layout (virtio disk) and then the SCSI
# layout (iSCSI disk); then results.json, results.md and results.png under
# $PNFSBL_OUT/bench.  Targets are reported, never enforced: the exit
# status says only whether the benchmark itself ran.
#
# Environment:
#   PNFSBL_BENCH_SIZE      sequential file size (default 256m; k/m/g)
#   PNFSBL_BENCH_REPEATS   repeats of every workload (default 3)
#   PNFSBL_BENCH_RUNTIME   seconds of each time-based run (default 3)
#   PNFSBL_BENCH_CAP       seconds at most for a size-based run (default 20)
#   PNFSBL_BENCH_FILES     files in the small-file workload (default 128)
#   PNFSBL_BENCH_LAYOUTS   layout types (default block,scsi,block16k,block64k;
#                          run in that order whatever the order given)
#   PNFSBL_BENCH_SCSI_SIZE, PNFSBL_BENCH_SCSI_REPEATS   the SCSI part's
#                          file size and repeats (default 128m and 2, or
#                          the block part's if smaller)
#   PNFSBL_BENCH_BIG_SIZE, PNFSBL_BENCH_BIG_REPEATS   the same for each of
#                          the 16 KiB and 64 KiB block exports (block16k,
#                          block64k: ours, plain and raw; default 128m and 2)
#   PNFSBL_BENCH_WORKLOADS, PNFSBL_BENCH_CONFIGS   subsets, for development
#                          (configs: ours ours-small mainline plain raw)
# and run-guest.sh's knobs (PNFSBL_TIMEOUT defaults to a bound computed
# from the above).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

size=${PNFSBL_BENCH_SIZE:-256m}
repeats=${PNFSBL_BENCH_REPEATS:-3}
runtime=${PNFSBL_BENCH_RUNTIME:-3}
cap=${PNFSBL_BENCH_CAP:-20}
nfiles=${PNFSBL_BENCH_FILES:-128}
workloads=${PNFSBL_BENCH_WORKLOADS:-seqwrite-buf seqwrite-direct seqread-buf seqread-direct randread-4k randwrite-4k par4-write smallfiles}
configs=${PNFSBL_BENCH_CONFIGS:-ours ours-small mainline plain raw}
layouts=${PNFSBL_BENCH_LAYOUTS:-block,scsi,block16k,block64k}
layouts=${layouts//,/ }

# mib SIZE: SIZE (bytes, or with a k/m/g suffix) in whole MiB.
mib()
{
	local n=${1%[kKmMgG]} u=${1: -1}

	[[ $n =~ ^[0-9]+$ ]] || pnfsbl_die "bad size: $1"
	case $u in
	k|K)	echo $((n / 1024)) ;;
	m|M)	echo "$n" ;;
	g|G)	echo $((n * 1024)) ;;
	*)	echo $((n >> 20)) ;;
	esac
}

size_mib=$(mib "$size")
[ "$size_mib" -ge 4 ] || pnfsbl_die "PNFSBL_BENCH_SIZE must be at least 4m"
for v in "$repeats" "$runtime" "$cap" "$nfiles"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || pnfsbl_die "not a positive number: $v"
done
# The SCSI part is smaller by default: iSCSI over loopback costs more CPU
# per byte under TCG, and the whole of make bench should stay near 25
# minutes.
scsi_mib=$(mib "${PNFSBL_BENCH_SCSI_SIZE:-$(( size_mib < 128 ? size_mib : 128 ))m}")
scsi_repeats=${PNFSBL_BENCH_SCSI_REPEATS:-$(( repeats < 2 ? repeats : 2 ))}
[ "$scsi_mib" -ge 4 ] || pnfsbl_die "PNFSBL_BENCH_SCSI_SIZE must be at least 4m"
[[ $scsi_repeats =~ ^[1-9][0-9]*$ ]] || pnfsbl_die "not a positive number: $scsi_repeats"
# The larger-block parts likewise: ours and plain NFS only, so cheaper.
big_mib=$(mib "${PNFSBL_BENCH_BIG_SIZE:-$(( size_mib < 128 ? size_mib : 128 ))m}")
big_repeats=${PNFSBL_BENCH_BIG_REPEATS:-$(( repeats < 2 ? repeats : 2 ))}
[ "$big_mib" -ge 4 ] || pnfsbl_die "PNFSBL_BENCH_BIG_SIZE must be at least 4m"
[[ $big_repeats =~ ^[1-9][0-9]*$ ]] || pnfsbl_die "not a positive number: $big_repeats"
nlayouts=0
has_block=0
has_scsi=0
nbig=0
for l in $layouts; do
	case $l in
	block)	has_block=1 ;;
	scsi)	has_scsi=1 ;;
	block16k|block64k) nbig=$((nbig + 1)) ;;
	*)	pnfsbl_die "PNFSBL_BENCH_LAYOUTS: unknown layout type $l (block, scsi, block16k, block64k)" ;;
	esac
	nlayouts=$((nlayouts + 1))
done
[ "$nlayouts" -ge 1 ] || pnfsbl_die "PNFSBL_BENCH_LAYOUTS is empty"

command -v gnuplot >/dev/null || "$PNFSBL_TDIR/deps.sh" host

out=$PNFSBL_OUT/bench
tdir=$out/guest
rm -rf "$tdir" && mkdir -p "$tdir/t"
rm -f "$out"/results.{json,md,png,dat} "$out"/results-*.dat
cp "$PNFSBL_TDIR"/guest/*.sh "$PNFSBL_TDIR/guest-main.sh" "$tdir/t/"
ko=$("$PNFSBL_TDIR/build.sh" module)
cp "$ko" "$tdir/t/blocklayoutdriver.ko"

# The data disks' cache mode, as run-guest.sh sets it: every O_DIRECT
# number depends on it (with cache=unsafe the host page cache serves the
# guest's "disk" reads), so the report states it.
cache_mode=$(sed -n 's/.*add_disk "\$work\/data\$i\.img".*cache=\([a-z]*\).*/\1/p' \
	"$PNFSBL_TDIR/run-guest.sh")
cache_mode=${cache_mode:-unknown}

cat >"$tdir/t/env" <<EOV
PNFSBL_SUITE=bench
PNFSBL_DRIVER=mainline
BENCH_MIB=$size_mib
BENCH_REPEATS=$repeats
BENCH_RUNTIME=$runtime
BENCH_CAP=$cap
BENCH_NFILES=$nfiles
BENCH_WORKLOADS="$workloads"
BENCH_CONFIGS="$configs"
BENCH_LAYOUTS="$layouts"
BENCH_SCSI_MIB=$scsi_mib
BENCH_SCSI_REPEATS=$scsi_repeats
BENCH_BIG_MIB=$big_mib
BENCH_BIG_REPEATS=$big_repeats
EOV

# The disk holds the data files and one run's output per configuration;
# leave room for three of each on the pnfs export's disk.
min_gib=$(( (6 * size_mib + 1023) / 1024 + 2 ))
[ "$min_gib" -ge 8 ] || min_gib=8
export PNFSBL_DATA_SIZE=${PNFSBL_DATA_SIZE:-${min_gib}G}
# The SCSI part's LIO backstore is a third disk, pnfsbl-data2.
[ "$has_scsi" = 0 ] || export PNFSBL_DATA_DISKS=${PNFSBL_DATA_DISKS:-3}
# A bound, not an estimate: every run at its cap plus mount, module swap
# and cache drop, and the boot and the data files.
nw=$(wc -w <<<"$workloads")
# ours-small runs the small files alone; mainline does not run over the
# larger blocks
small=0
sw=0
case " $configs " in *" ours-small "*) small=1 ;; esac
case " $workloads " in *" smallfiles "*) sw=1 ;; esac
nwc=$(( nw * ($(wc -w <<<"$configs") - small) + small * sw ))
nbigc=$(( nw * ($(wc -w <<<"${configs//mainline/}") - small) + small * sw ))
nruns=$(( nwc * (has_block * repeats + has_scsi * scsi_repeats) +
	  nbigc * nbig * big_repeats ))
export PNFSBL_TIMEOUT=${PNFSBL_TIMEOUT:-$(( 300 + 120 * has_scsi + 60 * nbig + nruns * (cap + runtime + 20) + (size_mib + scsi_mib + nbig * big_mib) / 2 ))}

desc=
[ "$has_block" = 0 ] || desc="block: ${size_mib} MiB, $repeats repeats"
[ "$has_scsi" = 0 ] || desc="${desc:+$desc; }scsi: ${scsi_mib} MiB, $scsi_repeats repeats"
[ "$nbig" = 0 ] || desc="${desc:+$desc; }16/64 KiB blocks: ${big_mib} MiB, $big_repeats repeats"
pnfsbl_log "bench: $nruns runs ($desc), disk cache=$cache_mode, timeout ${PNFSBL_TIMEOUT}s"
status=0
t0=$SECONDS
"$PNFSBL_TDIR/run-guest.sh" "$tdir/t" "$tdir/results" >"$tdir/run.log" 2>&1 || status=$?
pnfsbl_log "bench: guest finished with status $status after $((SECONDS - t0))s"
grep -E '^(ok|not ok) ' "$tdir/results/ktap.txt" 2>/dev/null || true
[ "$status" = 0 ] || { tail -40 "$tdir/run.log"; grep '^#' "$tdir/results/ktap.txt" 2>/dev/null | tail -20; }

[ -d "$tdir/results/bench/runs" ] || pnfsbl_die "the guest left no benchmark results (see $tdir)"
python3 "$PNFSBL_TDIR/bench-report.py" --runs "$tdir/results/bench" \
	--cache-mode "$cache_mode" --out "$out" ||
	pnfsbl_die "bench-report.py failed"
cat "$out/results.md"
pnfsbl_log "bench: results in $out/results.{json,md,png}"
exit "$status"
