#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# More end-to-end tests of the pNFS block layout client against Linux
# nfsd on guest loopback (NFSv4.2): the LAYOUTGET window of a sequential
# O_DIRECT writer, sparse files, truncate and extension, sub-page writes,
# concurrent writers, offsets beyond 4 GiB, fio with verification, the
# server space taken by small appenders and by a write into a hole, TCP
# connection resets during writes, the fallback to the metadata server
# when blkmapd is not running, small files through the metadata server
# (module parameter mds_small_file), and an nfsd restart before a
# LAYOUTCOMMIT.
#
# Every test checks the data: against the prng stream, or against a model
# file built by the same operations on the guest's tmpfs, on the client
# (after a remount, so from the disk) and on the server's own XFS mount
# (after drop_caches).  Where the data should go over the layout,
# mountstats deltas prove it: LAYOUTGET > 0 and no READ or WRITE to the
# metadata server.
. /t/common.sh

MP=/mnt/x
M=/tmp/model
MIB=$((1 << 20))
GIB=$((1 << 30))

ktap_plan 18

# put SEED LEN FILE OFFSET [DD-OPERAND...]: write LEN bytes of the prng
# stream SEED at byte OFFSET of FILE, leaving the rest of FILE alone.
# Extra operands (oflag=direct, conv=fsync) are OR-ed in by dd.
put()
{
	local seed=$1 len=$2 f=$3 off=$4 st

	shift 4
	prng "$seed" "$len" |
		t dd of="$f" bs=1M iflag=fullblock oflag=seek_bytes \
			seek="$off" conv=notrunc status=none "$@"
	st=("${PIPESTATUS[@]}")
	[ "${st[0]}" = 0 ] && [ "${st[1]}" = 0 ]
}

fsize()
{
	stat -c %s "$1" 2>/dev/null || echo missing
}

# rsum FILE OFFSET LEN: sha256 of LEN bytes of FILE at byte OFFSET.
rsum()
{
	t dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" \
		status=none | sha256sum | cut -d' ' -f1
}

# same LABEL FILE MODEL: FILE has MODEL's size and contents.
same()
{
	local a b

	a=$(fsize "$2")
	b=$(fsize "$3")
	if [ "$a" != "$b" ]; then
		ktap_diag "$1: size of $2 is $a, model $b"
		return 1
	fi
	if ! t cmp -s "$2" "$3"; then
		ktap_diag "$1: $2 differs from the model"
		cmp_ranges "$2" "$3"
		return 1
	fi
	return 0
}

# server_same NAME MODEL: the server's own view of NAME, uncached.
server_same()
{
	drop_caches
	same server "$SRV/$1" "$2"
}

remount()
{
	umount "$MP" || return 1
	drop_caches
	mnt 4.2 "$MP"
}

# read_back LABEL NAME...: each NAME holds what the model $M/NAME holds,
# on the server's own mount and, after a remount, on the client, which
# reads it over the layout alone.
read_back()
{
	local label=$1 f ok=0

	shift
	for f; do
		server_same "$f" "$M/$f" || ok=1
	done
	remount || ok=1
	snap "$MP"
	for f; do
		same client "$MP/$f" "$M/$f" || ok=1
	done
	layout_proof "$MP" "$label" READ || ok=1
	return $ok
}

# model_test NAME LABEL OPS FILE: OPS FILE on the client's $MP/FILE and
# on the model's $M/FILE; the client's writes go over the layout alone,
# and FILE reads back as the model (read_back).
model_test()
{
	local label=$2 ops=$3 x ok=0

	snap "$MP"
	for x in "$MP/$4" "$M/$4"; do
		"$ops" "$x" || { ktap_diag "writing $x failed"; ok=1; }
	done
	layout_proof "$MP" "$label write" WRITE || ok=1
	read_back "$label read" "$4" || ok=1
	ktap_result $ok "$1"
}

# ranges_same WHERE FILE MODEL RANGE...: each OFFSET:LEN RANGE of FILE
# holds what it holds in MODEL.
ranges_same()
{
	local where=$1 f=$2 m=$3 r ok=0

	shift 3
	for r; do
		[ "$(rsum "$m" "${r%:*}" "${r#*:}")" = \
		  "$(rsum "$f" "${r%:*}" "${r#*:}")" ] ||
			{ ktap_diag "$where range $r differs from the model"; ok=1; }
	done
	return $ok
}

# 1. A sequential O_DIRECT writer asks a growing window ahead: 256 1 MiB
# writes need at most 16 LAYOUTGETs (mainline's driver sends 256).
test_seq_direct_window()
{
	local name="sequential O_DIRECT 256 MiB in 1 MiB writes needs <= 16 LAYOUTGETs"
	local seed=101 want srv lg ok=0 t0

	want=$(SIZE=256m expected_sum $seed)
	snap "$MP"
	t0=$(now)
	prng $seed 256m | t dd of="$MP/seq256" bs=1M iflag=fullblock \
		oflag=direct conv=fsync status=none || ok=1
	ktap_diag "write $(rate $((256 * MIB)) "$t0" "$(now)")"
	lg=$(delta "$MP" LAYOUTGET)
	ktap_diag "LAYOUTGETs for 256 x 1 MiB O_DIRECT writes: $lg"
	layout_proof "$MP" seq WRITE || ok=1
	if [ "$lg" -gt 16 ]; then
		ktap_diag "$lg LAYOUTGETs, want at most 16"
		ok=1
	fi
	srv=$(server_sum seq256)
	if [ "$srv" != "$want" ]; then
		ktap_diag "server sha256 $srv, want $want"
		SIZE=256m diff_ranges $seed "$SRV/seq256"
		ok=1
	fi
	rm -f "$MP/seq256"
	ktap_result $ok "$name"
}

# 2. Two 1 MiB islands and a truncate up to 96 MiB: the holes read as
# zeros over the layout.
sparse_ops()
{
	put 201 $MIB "$1" 0 conv=fsync &&
	put 202 $MIB "$1" $((64 * MIB)) conv=fsync &&
	t truncate -s 96M "$1"
}

test_sparse()
{
	model_test "sparse file: holes read as zeros over the layout" \
		sparse sparse_ops sparse
}

# 3. Write 8 MiB, truncate to an odd size, extend by a write past EOF.
truncate_extend_ops()
{
	put 301 $((8 * MIB)) "$1" 0 conv=fsync &&
	t truncate -s $((5 * MIB + 123)) "$1" &&
	put 302 $MIB "$1" $((7 * MIB)) conv=fsync
}

test_truncate_extend()
{
	model_test "write, truncate to an odd size, extend by a write past EOF" \
		"truncate/extend" truncate_extend_ops trunc
}

# subpage_ops FILE [DROP]: small writes at odd offsets, each made durable;
# with DROP the client's page cache is dropped before each write, so the
# read-modify-write has to read the page back first.
subpage_ops()
{
	local f=$1 drop=$2

	[ -n "$drop" ] && drop_caches
	put 402 100 "$f" 4097 conv=fsync || return 1
	[ -n "$drop" ] && drop_caches
	put 403 1 "$f" 0 conv=fsync || return 1
	[ -n "$drop" ] && drop_caches
	put 404 5000 "$f" 12345 conv=fsync || return 1
	[ -n "$drop" ] && drop_caches
	put 405 3 "$f" $(( $(fsize "$f") - 1 )) conv=fsync
}

# 4. Sub-page and sub-block writes into an existing 1 MiB file and into a
# new file.
test_subpage()
{
	local name="sub-page writes at odd offsets (existing and new file)"
	local x f ok=0

	for x in "$MP" "$M"; do
		put 401 $MIB "$x/sub-old" 0 conv=fsync ||
			{ ktap_diag "writing $x/sub-old failed"; ok=1; }
	done
	snap "$MP"
	subpage_ops "$M/sub-old" && subpage_ops "$M/sub-new" ||
		{ ktap_diag "model ops failed"; ok=1; }
	subpage_ops "$MP/sub-old" drop && subpage_ops "$MP/sub-new" drop ||
		{ ktap_diag "client ops failed"; ok=1; }
	ktap_diag "sizes: sub-old $(fsize "$MP/sub-old"), sub-new $(fsize "$MP/sub-new")"
	layout_proof "$MP" "sub-page writes" WRITE READ || ok=1
	read_back "sub-page read" sub-old sub-new || ok=1
	ktap_result $ok "$name"
}

# 5. Four writers on four 8 MiB regions of one file at the same time:
# O_DIRECT at 0 and 16 MiB, buffered at 8 and 24 MiB.  Asserted: every
# writer succeeds, the file equals the model on the server and on the
# client, LAYOUTGET > 0, and no WRITE from any of the four reached the
# metadata server (mountstats is per mount, so the O_DIRECT and the
# buffered writers are asserted together).
test_concurrent()
{
	local name="four concurrent writers (2 O_DIRECT, 2 buffered) on one file"
	local i ok=0 pids=() seeds=(501 502 503 504) flags

	rm -f "$M/conc"
	for i in 0 1 2 3; do
		put "${seeds[i]}" $((8 * MIB)) "$M/conc" $((i * 8 * MIB)) ||
			ok=1
	done
	snap "$MP"
	for i in 0 1 2 3; do
		flags=conv=fsync
		[ $((i % 2)) = 0 ] && flags="$flags oflag=direct"
		# shellcheck disable=SC2086
		put "${seeds[i]}" $((8 * MIB)) "$MP/conc" $((i * 8 * MIB)) \
			$flags &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		wait "${pids[i]}" || { ktap_diag "writer $i failed"; ok=1; }
	done
	layout_proof "$MP" "concurrent writes" WRITE || ok=1
	read_back "concurrent read-back" conc || ok=1
	ktap_result $ok "$name"
}

# 6. Offsets beyond 4 GiB in a sparse file: 2 MiB at 5 GiB (O_DIRECT),
# 1 MiB at 6 GiB + 4 KiB (buffered).  Compared by ranges: the data, the
# holes around it, and a hole far from it.
test_beyond_4g()
{
	local name="offsets beyond 4 GiB (5 GiB O_DIRECT, 6 GiB + 4 KiB buffered)"
	local x ok=0 end=$((6 * GIB + 4096 + MIB)) ranges

	rm -f "$M/big"
	put 601 $((2 * MIB)) "$M/big" $((5 * GIB)) &&
	put 602 $MIB "$M/big" $((6 * GIB + 4096)) || ok=1
	snap "$MP"
	put 601 $((2 * MIB)) "$MP/big" $((5 * GIB)) oflag=direct conv=fsync &&
	put 602 $MIB "$MP/big" $((6 * GIB + 4096)) conv=fsync ||
		{ ktap_diag "client writes failed"; ok=1; }
	layout_proof "$MP" "beyond 4 GiB write" WRITE READ || ok=1
	for x in "$MP/big" "$SRV/big" "$M/big"; do
		[ "$(fsize "$x")" = $end ] ||
			{ ktap_diag "size of $x is $(fsize "$x"), want $end"; ok=1; }
	done
	ranges=("$((5 * GIB - MIB)):$((4 * MIB))"
		"$((6 * GIB - 65536)):$((65536 + 4096 + MIB))" "$((2 * GIB)):$MIB")
	drop_caches
	ranges_same server "$SRV/big" "$M/big" "${ranges[@]}" || ok=1
	remount || ok=1
	snap "$MP"
	ranges_same client "$MP/big" "$M/big" "${ranges[@]}" || ok=1
	layout_proof "$MP" "beyond 4 GiB read" READ WRITE || ok=1
	rm -f "$MP/big" "$M/big"
	ktap_result $ok "$name"
}

# fio_run MODE ENGINE DIRECT: a sequential and a random writer, two
# processes each, 16 MiB files, verified with crc32c.  Returns non-zero
# if fio failed or reported a verify error.
fio_run()
{
	local mode=$1 dir=$MP/fio-$1 out=/results/fio-$1.txt st

	mkdir -p "$dir"
	cat >/tmp/fio-$mode.job <<-EOJ
	[global]
	directory=$dir
	ioengine=$2
	direct=$3
	size=16m
	bs=64k
	numjobs=2
	verify=crc32c
	do_verify=1
	verify_fatal=1
	end_fsync=1
	group_reporting=1

	[seq]
	rw=write

	[rand]
	rw=randwrite
	EOJ
	snap "$MP"
	t fio /tmp/fio-$mode.job >"$out" 2>&1
	st=$?
	ktap_diag "fio $mode: exit $st,$(delta_summary "$MP")"
	if [ $st != 0 ] || grep -qiE 'verify failed|bad magic|bad header|verify:' "$out" ||
	   grep -oE 'err= *[0-9]+' "$out" | grep -qv 'err= *0$'; then
		grep -iE 'err=|verify|fio:' "$out" | head -20 | sed 's/^/# /'
		return 1
	fi
	grep -qE 'err= *0' "$out" || { ktap_diag "fio $mode: no job report"; return 1; }
	return 0
}

# 7. fio verify: buffered, O_DIRECT and mmap.  The O_DIRECT run must go
# over the layout (no READ or WRITE to the MDS); the others' MDS traffic
# is reported only.
test_fio()
{
	local name="fio crc32c verify: buffered, O_DIRECT, mmap (seq + rand, 2 jobs each)"
	local ok=0

	fio_run buffered psync 0 || ok=1
	fio_run direct psync 1 || ok=1
	layout_proof "$MP" "fio direct" WRITE READ || ok=1
	fio_run mmap mmap 0 || ok=1
	rm -rf "$MP"/fio-*
	ktap_result $ok "$name"
}

# srv_used: bytes in use on the server's own XFS mount of the export,
# after a sync (XFS's statfs flushes queued inode inactivation first).
srv_used()
{
	sync
	df -B1 --output=used "$SRV" | tail -1 | tr -d ' '
}

# srv_alloc NAME: bytes the server's XFS has allocated to $SRV/NAME.
srv_alloc()
{
	sync
	stat -c '%b %B' "$SRV/$1" | awk '{ print $1 * $2 }'
}

# appends MODE DIR NFILES NAPP [STEP]: the small-appender workload.
# MODE write: NFILES files in DIR, each grown by NAPP appends of 4 KiB
# (O_APPEND), each append followed by fsync, two worker processes.
# MODE sum: read every STEP-th file of DIR.  MODE expect: no I/O.
# Every mode prints the sha256 of the contents of every STEP-th file in
# order (file i holds the stream Random(i) of NAPP * 4 KiB), or a line
# starting "error" on the first failure.
appends()
{
	t python3 /tmp/appends.py "$@"
}

cat >/tmp/appends.py <<'EOPY'
import hashlib, os, random, sys

mode, d, nfiles, napp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
step = int(sys.argv[5]) if len(sys.argv) > 5 else 1

def data(i):
    return random.Random(i).randbytes(4096 * napp)

def name(i):
    return os.path.join(d, "f%05d" % i)

def write(first):
    for i in range(first, nfiles, 2):
        buf = data(i)
        fd = os.open(name(i), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for j in range(napp):
            if os.write(fd, buf[j * 4096:(j + 1) * 4096]) != 4096:
                sys.exit("error: short write to %s" % name(i))
            os.fsync(fd)
        os.close(fd)

if mode == "write":
    pids = []
    for first in (0, 1):
        pid = os.fork()
        if pid == 0:
            try:
                write(first)
            except OSError as e:
                print("error: %s" % e)
                os._exit(1)
            os._exit(0)
        pids.append(pid)
    if any(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids):
        print("error: a writer failed")
        sys.exit(1)
h = hashlib.sha256()
for i in range(0, nfiles, step):
    if mode == "sum":
        try:
            with open(name(i), "rb") as f:
                got = f.read()
        except OSError as e:
            print("error: %s" % e)
            sys.exit(1)
        if got != data(i):
            print("error: %s: %d bytes, differs from the model" % (name(i), len(got)))
            sys.exit(1)
    h.update(data(i))
print(h.hexdigest())
EOPY

# 8. Many small appenders (issue: an 8 GiB export filled up under
# ordinary file work).  2,000 files each grown by three 4 KiB appends
# with an fsync after each (a file's first write has no layout yet, the
# second starts a stream, the third used to be given a 1 MiB window): the
# server's space in use, measured on its own XFS mount after the client
# unmounted, may grow by at most twice the data written plus 8 MiB for
# inodes and directory blocks.  Every file is checked on the server,
# every 50th read back on the client.
test_small_appends()
{
	local name="2,000 files of three 4 KiB appends + fsync: server space grows <= 2 x data + 8 MiB"
	local n=2000 napp=3 data used0 used1 grow want got lg ok=0 t0

	data=$((n * napp * 4096))
	mkdir -p "$MP/small" || ok=1
	used0=$(srv_used)
	snap "$MP"
	t0=$(now)
	want=$(appends write "$MP/small" $n $napp) || ok=1
	ktap_diag "small appends: $(rate "$data" "$t0" "$(now)")"
	case $want in
	error* | "") ktap_diag "writers: ${want:-no output}"; ok=1 ;;
	esac
	lg=$(delta "$MP" LAYOUTGET)
	ktap_diag "LAYOUTGETs for $n files x $napp appends: $lg"
	layout_proof "$MP" "small appends" WRITE || ok=1
	umount "$MP" || ok=1
	used1=$(srv_used)
	grow=$((used1 - used0))
	ktap_diag "server space in use grew by $grow bytes ($((grow >> 20)) MiB) for $data bytes written;" \
		"du of the directory: $(du -sk "$SRV/small" | cut -f1) KiB"
	if [ "$grow" -gt $((2 * data + 8 * MIB)) ]; then
		ktap_diag "grew by more than $((2 * data + 8 * MIB)) bytes"
		ok=1
	fi
	drop_caches
	got=$(appends sum "$SRV/small" $n $napp)
	[ "$got" = "$want" ] || { ktap_diag "server: $got, want $want"; ok=1; }
	mnt 4.2 "$MP" || ok=1
	snap "$MP"
	want=$(appends expect "$MP/small" $n $napp 50)
	got=$(appends sum "$MP/small" $n $napp 50)
	[ "$got" = "$want" ] || { ktap_diag "client: $got, want $want"; ok=1; }
	layout_proof "$MP" "small appends read" READ || ok=1
	umount "$MP" || ok=1
	rm -rf "$SRV/small"
	mnt 4.2 "$MP" || ok=1
	ktap_result $ok "$name"
}

# 9. One buffered 4 KiB write at 1 GiB into a sparse 8 GiB file, then
# fsync and unmount: the server may allocate at most one 4 KiB layout
# block plus 60 KiB for it, not the hole behind it.
test_hole_write()
{
	local name="4 KiB buffered at 1 GiB in a sparse 8 GiB file: server allocates <= 64 KiB"
	local alloc ok=0 ranges

	rm -f "$M/hole8g"
	t truncate -s 8G "$M/hole8g" && put 901 4096 "$M/hole8g" "$GIB" ||
		{ ktap_diag "writing the model failed"; ok=1; }
	snap "$MP"
	t truncate -s 8G "$MP/hole8g" &&
	put 901 4096 "$MP/hole8g" "$GIB" conv=fsync ||
		{ ktap_diag "client write failed"; ok=1; }
	layout_proof "$MP" "hole write" WRITE || ok=1
	umount "$MP" || ok=1
	alloc=$(srv_alloc hole8g)
	ktap_diag "server allocated $alloc bytes ($((alloc >> 20)) MiB) for 4096 written"
	if [ "$alloc" -gt $((64 << 10)) ]; then
		ktap_diag "more than 65536 bytes allocated"
		ok=1
	fi
	[ "$(fsize "$SRV/hole8g")" = $((8 * GIB)) ] ||
		{ ktap_diag "size on the server $(fsize "$SRV/hole8g")"; ok=1; }
	ranges=("$((GIB - MIB)):$((2 * MIB))" "0:$MIB" "$((8 * GIB - MIB)):$MIB")
	drop_caches
	ranges_same server "$SRV/hole8g" "$M/hole8g" "${ranges[@]}" || ok=1
	mnt 4.2 "$MP" || ok=1
	snap "$MP"
	ranges_same client "$MP/hole8g" "$M/hole8g" "${ranges[@]}" || ok=1
	layout_proof "$MP" "hole read" READ || ok=1
	rm -f "$MP/hole8g" "$M/hole8g"
	ktap_result $ok "$name"
}

# churn DIR MODEL NFILES NOPS: NOPS random operations over NFILES files in
# DIR, each done the same way on the same-named file in MODEL: appends
# (4 KiB to 256 KiB, or 2 MiB in 1 MiB writes), buffered writes at random
# offsets below 16 MiB, page-aligned O_DIRECT writes, truncates down and
# up; an fsync after each.  Prints "done N" or, on the first failure,
# "error" with the operation and errno.
churn()
{
	t python3 /tmp/churn.py "$@"
}

cat >/tmp/churn.py <<'EOPY'
import mmap, os, random, sys

d, m, nfiles, nops = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(1001)
lim = 16 << 20
fds = []
for i in range(nfiles):
    a = os.open(os.path.join(d, "c%02d" % i), os.O_RDWR | os.O_CREAT, 0o644)
    b = os.open(os.path.join(m, "c%02d" % i), os.O_RDWR | os.O_CREAT, 0o644)
    fds.append((a, b))
dio = mmap.mmap(-1, 1 << 20)

def both(i, fn):
    for fd in fds[i]:
        fn(fd)

for n in range(nops):
    i = rng.randrange(nfiles)
    size = os.fstat(fds[i][1]).st_size
    op = rng.choice(["append"] * 5 + ["write"] * 3 + ["trunc"] * 2 +
                    ["direct", "burst"])
    try:
        if op == "append":
            buf = rng.randbytes(rng.randrange(1, 65) * 4096)
            both(i, lambda fd: os.pwrite(fd, buf, size))
        elif op == "burst":
            for k in range(2):
                buf = rng.randbytes(1 << 20)
                both(i, lambda fd: os.pwrite(fd, buf, size + (k << 20)))
        elif op == "write":
            buf = rng.randbytes(rng.randrange(1, 128 << 10))
            off = rng.randrange(lim)
            both(i, lambda fd: os.pwrite(fd, buf, off))
        elif op == "direct":
            length = rng.randrange(1, 257) * 4096
            off = rng.randrange(lim >> 12) << 12
            dio[:length] = rng.randbytes(length)
            fd = os.open(os.path.join(d, "c%02d" % i), os.O_WRONLY | os.O_DIRECT)
            os.pwrite(fd, memoryview(dio)[:length], off)
            os.close(fd)
            os.pwrite(fds[i][1], dio[:length], off)
        else:
            new = rng.randrange(size + 1) if rng.random() < 0.7 else rng.randrange(lim)
            both(i, lambda fd: os.ftruncate(fd, new))
        os.fsync(fds[i][0])
    except OSError as e:
        print("error: operation %d (%s on c%02d): %s" % (n, op, i, e))
        sys.exit(1)
for a, b in fds:
    os.close(a)
    os.close(b)
print("done %d" % nops)
EOPY

# 10. Churn on a small export: the export's free space is cut to 1 GiB
# by a file fallocated on the server, then 1,000 random appends, writes,
# O_DIRECT writes and truncates over 32 files (each with an fsync; about
# a minute under TCG) must meet no ENOSPC, grow the server's space in use
# by at most twice the model's (du of the same files on tmpfs) plus 8 MiB,
# and leave every file equal to its model on the server and on the
# client.  After the files are deleted and the client has unmounted, the
# server's space in use is back within 4 MiB of where it was before
# (inode chunks may stay allocated).
test_small_export_churn()
{
	local name="1 GiB free: 1,000 random writes/truncates over 32 files, no ENOSPC, space <= 2 x model + 8 MiB, back after delete"
	local avail used0 used1 grow model out files i ok=0 t0

	avail=$(df -B1 --output=avail "$SRV" | tail -1 | tr -d ' ')
	t fallocate -l $((avail - GIB)) "$SRV/filler" ||
		{ ktap_diag "fallocate of the filler failed"; ok=1; }
	ktap_diag "free on the export: $(df -B1 --output=avail "$SRV" | tail -1) bytes"
	mkdir -p "$MP/churn" "$M/churn" || ok=1
	used0=$(srv_used)
	snap "$MP"
	t0=$(now)
	out=$(churn "$MP/churn" "$M/churn" 32 1000)
	ktap_diag "churn: $out, $(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }')"
	[ "$out" = "done 1000" ] || ok=1
	layout_proof "$MP" churn WRITE || ok=1
	grow=$(( $(srv_used) - used0 ))
	model=$(du -sB1 "$M/churn" | cut -f1)
	ktap_diag "server space in use grew by $grow bytes for $model bytes" \
		"in the model (du); du of the files: $(du -sB1 "$SRV/churn" | cut -f1)"
	if [ "$grow" -gt $((2 * model + 8 * MIB)) ]; then
		ktap_diag "grew by more than $((2 * model + 8 * MIB)) bytes"
		ok=1
	fi
	files=("$M"/churn/*)
	read_back "churn read" "${files[@]#"$M"/}" || ok=1
	rm -rf "$MP/churn" "$M/churn"
	umount "$MP" || ok=1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		used1=$(srv_used)
		[ $((used1 - used0)) -le $((4 * MIB)) ] && break
		sleep 1
	done
	ktap_diag "after the delete: space in use $((used1 - used0)) bytes from the start"
	[ $((used1 - used0)) -le $((4 * MIB)) ] ||
		{ ktap_diag "more than 4 MiB not given back"; ok=1; }
	rm -f "$SRV/filler"
	mnt 4.2 "$MP" || ok=1
	ktap_result $ok "$name"
}

# no_nfs_mounts: nothing of type nfs or nfs4 is mounted.
# mds_small_file: a 64 KiB file written over the layout with the module
# parameter at 0, while another process keeps it open for writing (nfsd
# grants layouts return-on-close: without a writer left, the close would
# return the layout); then at 65536: four
# new 64 KiB files written buffered with fsync go through the MDS (no
# LAYOUTGET, a WRITE each, tracepoint pnfs_block_small_file), a 1 MiB file
# and a 4 KiB rewrite of the held one still go over the layout.  All read
# back as the model, on the server and over the layout after a remount.
test_mds_small_file()
{
	local name="mds_small_file=65536: new small files via the MDS, larger and held ones over the layout"
	local p=/sys/module/blocklayoutdriver/parameters/mds_small_file
	local n0 i holder ok=0

	[ -w $p ] || { ktap_diag "no $p"; ktap_fail "$name"; return; }
	echo 0 >$p
	sleep 600 >>"$MP/smheld" &
	holder=$!
	snap "$MP"
	put 60 64k "$MP/smheld" 0 conv=fsync && put 60 64k "$M/smheld" 0 || ok=1
	layout_proof "$MP" "64 KiB file, parameter 0" WRITE || ok=1
	echo 65536 >$p
	n0=$(events small_file)
	snap "$MP"
	for i in 1 2 3 4; do
		put $((60 + i)) 64k "$MP/sm$i" 0 conv=fsync &&
			put $((60 + i)) 64k "$M/sm$i" 0 || ok=1
	done
	ktap_diag "4 small files:$(delta_summary "$MP") small_file events $(( $(events small_file) - n0 ))"
	if [ "$(delta "$MP" LAYOUTGET)" != 0 ] || [ "$(delta "$MP" WRITE)" -lt 4 ] ||
	   [ "$(( $(events small_file) - n0 ))" -lt 4 ]; then
		ktap_diag "small files did not all go through the MDS"
		ok=1
	fi
	snap "$MP"
	put 70 1m "$MP/smbig" 0 conv=fsync && put 70 1m "$M/smbig" 0 || ok=1
	put 71 4k "$MP/smheld" 8192 conv=fsync && put 71 4k "$M/smheld" 8192 || ok=1
	layout_proof "$MP" "1 MiB file and the held file" WRITE || ok=1
	kill $holder && wait $holder 2>/dev/null
	echo 0 >$p
	read_back "mds_small_file" smheld sm1 sm2 sm3 sm4 smbig || ok=1
	rm -f "$MP"/sm* "$M"/sm*
	ktap_result $ok "$name"
}

no_nfs_mounts()
{
	! awk '$3 == "nfs" || $3 == "nfs4" { print "# still mounted: " $0; f = 1 }
	       END { exit !f }' /proc/mounts
}

# 11. blkmapd not running: a fresh client falls back to the MDS, the data
# is right, and the driver says once, clearly, that blkmapd is missing.
# Runs last: the unreachable device is negatively cached for 120 s.
test_no_blkmapd()
{
	local name="without blkmapd: I/O through the MDS, one clear message"
	local seed=801 want got srv ok=0 n0 n1 w r

	umount "$MP" || ok=1
	no_nfs_mounts || { ktap_diag "an nfs mount remains"; ok=1; }
	kill "$BLKMAPD_PID" && wait "$BLKMAPD_PID"
	if pgrep -x blkmapd >/dev/null; then
		ktap_diag "blkmapd still running"
		ok=1
	fi
	n0=$(dmesg | grep -c blkmapd)
	dmesg >/tmp/dmesg-before-8
	mnt 4.2 "$MP" || { ktap_diag "mount failed"; ok=1; }
	want=$(SIZE=16m expected_sum $seed)
	snap "$MP"
	put $seed $((16 * MIB)) "$MP/noblkmapd" 0 conv=fsync ||
		{ ktap_diag "write failed"; ok=1; }
	w=$(delta "$MP" WRITE)
	srv=$(server_sum noblkmapd)	# drops the client's cache too
	got=$(read_sum buffered "$MP/noblkmapd")
	r=$(mds_reads "$MP")
	ktap_diag "no blkmapd:$(delta_summary "$MP")"
	if [ "$srv" != "$want" ] || [ "$got" != "$want" ]; then
		ktap_diag "server sha256 $srv, client $got, want $want"
		ok=1
	fi
	if [ "$w" -le 0 ] || [ "$r" -le 0 ]; then
		ktap_diag "$w WRITEs and $r READ(_PLUS)es went to the MDS, want both > 0"
		ok=1
	fi
	n1=$(dmesg | grep -c blkmapd)
	dmesg | diff /tmp/dmesg-before-8 - | sed -n 's/^> //p' |
		grep -iE 'pnfs|block|nfs' | head -10 | sed 's/^/# new dmesg: /'
	dmesg | grep blkmapd | tail -n +$((n0 + 1)) | head -5 |
		sed 's/^/# the blkmapd message: /'
	if [ $((n1 - n0)) -ne 1 ]; then
		ktap_diag "$((n1 - n0)) kernel messages name blkmapd, want exactly 1"
		ok=1
	fi
	rm -f "$MP/noblkmapd"
	if ! start_blkmapd; then
		ktap_diag "blkmapd did not restart"
		ok=1
	fi
	ktap_result $ok "$name"
}

# connects MOUNTPOINT: TCP connects of the mount's transports so far
# (mountstats xprt: tcp SRCPORT BIND_COUNT CONNECT_COUNT ...).
connects()
{
	awk -v mp="$1" '
		$1 == "device" { inmp = ($5 == mp) }
		inmp && $1 == "xprt:" && $2 == "tcp" { n += $5 }
		END { print n + 0 }' /proc/self/mountstats
}

# reset_while PID: until PID is gone, reset the client's TCP connection
# to nfsd (ss -K) every quarter second whenever there is one; the count of
# connections reset, on stdout.  There is one only after the client has
# sent an RPC since the last reset, so each reset but the last is
# followed by a reconnect.
reset_while()
{
	local k=0 n

	while kill -0 "$1" 2>/dev/null; do
		n=$(ss -K -t -n -H dst 127.0.0.1 dport = :2049 | grep -c .) || true
		k=$((k + n))
		sleep 0.25
	done
	echo $k
}

# 12. Connection loss: the client's TCP connection to the server is reset
# (ss -K) again and again during a 32 MiB write, O_DIRECT and buffered
# with O_DSYNC (every write ends in a LAYOUTCOMMIT).  The client
# reconnects, the session goes on, the RPCs on the dead connection are
# sent again, and the write goes on over the layout: no WRITE to the MDS,
# every byte right on the server and, read back over the layout, on the
# client.
test_conn_loss()
{
	local name="TCP connection reset during writes (O_DIRECT, O_DSYNC): the client reconnects, layout I/O goes on, no byte lost"
	local seed=901 mode f want srv got c0 c k pid ok=0

	for mode in direct dsync; do
		f=conn-$mode
		want=$(SIZE=32m expected_sum $seed)
		snap "$MP"
		c0=$(connects "$MP")
		put $seed $((32 * MIB)) "$MP/$f" 0 oflag=$mode &
		pid=$!
		k=$(reset_while $pid)
		wait $pid || { ktap_diag "$mode: the write failed"; ok=1; }
		layout_proof "$MP" "$mode write" WRITE || ok=1
		srv=$(server_sum "$f")	# drops the client's cache too
		[ "$srv" = "$want" ] ||
			{ ktap_diag "$mode: server sha256 $srv, want $want"; ok=1; }
		stat "$MP/$f" >/dev/null || ok=1	# an RPC: reconnects
		c=$(( $(connects "$MP") - c0 ))
		ktap_diag "$mode: $k connection(s) reset, $c reconnect(s)"
		if [ "$k" -lt 1 ] || [ "$c" -lt "$k" ]; then
			ktap_diag "$mode: want a reset, and a reconnect after each"
			ok=1
		fi
		seed=$((seed + 1))
	done
	remount || ok=1
	seed=901
	snap "$MP"
	for mode in direct dsync; do
		want=$(SIZE=32m expected_sum $seed)
		got=$(read_sum direct "$MP/conn-$mode")
		[ "$got" = "$want" ] ||
			{ ktap_diag "$mode: client sha256 $got, want $want"; ok=1; }
		seed=$((seed + 1))
	done
	layout_proof "$MP" "read back" READ || ok=1
	rm -f "$MP"/conn-direct "$MP"/conn-dsync
	ktap_result $ok "$name"
}

# /tmp/restart.py FILE STREAM READY GO: write STREAM to FILE with one
# O_DIRECT descriptor, create READY, wait for GO, then fsync and close
# it; print what each returned (0 or the errno's name).
cat >/tmp/restart.py <<'EOP'
import errno, mmap, os, sys, time
path, stream, ready, go = sys.argv[1:5]
data = open(stream, "rb").read()
buf = mmap.mmap(-1, len(data))    # page aligned, as O_DIRECT needs
buf[:] = data
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
assert os.pwrite(fd, buf, 0) == len(data)
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.1)
for what, call in (("fsync", os.fsync), ("close", os.close)):
    try:
        call(fd)
        print(what, 0)
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))
EOP

# 13. nfsd restarts between an O_DIRECT write over the layout and its
# LAYOUTCOMMIT.  nfsd keeps no layout state across a restart and takes
# no reclaim LAYOUTCOMMIT (it answers the commit with NFS4ERR_BADLAYOUT),
# so those blocks never become part of the file.  That must not be
# silent: unless the server holds every byte, the fsync after the
# restart fails.
test_nfsd_restart()
{
	local name="nfsd restarts before an O_DIRECT write's LAYOUTCOMMIT: the data is on the server or fsync fails, never a silent loss"
	local seed=951 want srv pid fs cl ok=0

	prng $seed $((4 * MIB)) >/tmp/rs-stream
	want=$(sha256sum </tmp/rs-stream | cut -d' ' -f1)
	rm -f /tmp/rs-ready /tmp/rs-go
	# A new client: no device ID left negatively cached by an earlier test.
	remount || ok=1
	snap "$MP"
	CMD_TIMEOUT=120 t python3 /tmp/restart.py "$MP/restart" /tmp/rs-stream \
		/tmp/rs-ready /tmp/rs-go >/tmp/rs-out 2>&1 &
	pid=$!
	wait_ready /tmp/rs-ready "$pid"
	layout_proof "$MP" "before the restart" WRITE LAYOUTCOMMIT || ok=1
	rpc.nfsd 0 && rpc.nfsd -N 3 --no-udp 8 ||
		{ ktap_diag "nfsd did not restart"; ok=1; }
	touch /tmp/rs-go
	wait "$pid" || { ktap_diag "the writer failed"; ok=1; }
	sed 's/^/# writer: /' /tmp/rs-out
	fs=$(awk '$1 == "fsync" { print $2 }' /tmp/rs-out)
	cl=$(awk '$1 == "close" { print $2 }' /tmp/rs-out)
	srv=$(server_sum restart)
	ktap_diag "after the restart:$(delta_summary "$MP"); server sha256 $srv"
	if [ "$srv" = "$want" ]; then
		:
	elif [ "$fs" = 0 ]; then
		ktap_diag "fsync returned 0, but the server does not hold the data"
		ok=1
	fi
	[ -n "$fs" ] && [ -n "$cl" ] || ok=1
	rm -f "$MP/restart"
	ktap_result $ok "$name"
}

ktap_require "setup: XFS export with pnfs, nfsd, blkmapd, $PNFSBL_DRIVER driver" \
	setup_block_server
mkdir -p "$M"
if mnt 4.2 "$MP" && [ "$(pnfs_type "$MP")" = LAYOUT_BLOCK_VOLUME ]; then
	ktap_pass "v4.2 mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
else
	ktap_diag "pnfs=$(pnfs_type "$MP")"
	ktap_fail "v4.2 mount negotiates pnfs=LAYOUT_BLOCK_VOLUME"
fi

for tst in test_seq_direct_window test_sparse test_truncate_extend \
	   test_subpage test_concurrent test_beyond_4g test_fio \
	   test_small_appends test_hole_write test_small_export_churn \
	   test_mds_small_file test_conn_loss test_no_blkmapd \
	   test_nfsd_restart; do
	t0=$(now)
	$tst
	ktap_diag "$tst took $(awk -v s="$t0" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }')"
done

cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
umount "$MP"
kill "$BLKMAPD_PID" 2>/dev/null && wait "$BLKMAPD_PID"
if no_nfs_mounts && rmmod blocklayoutdriver; then
	ktap_pass "driver unloads"
else
	ktap_fail "driver unloads"
fi
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
