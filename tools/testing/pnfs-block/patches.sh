#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The upstream series: the driver as a git format-patch series against
# the pinned linux-source-6.12, then the generic client patches of
# fs/nfs/pnfs/series that are meant for upstream.
#
# Usage: patches.sh [series]   write the series into .out/patches/
#        patches.sh check      the series applies with git am onto the
#                              pinned source, its result holds this
#                              tree's files, every patch is checkpatch
#                              --strict clean, and every prefix builds
#                              fs/nfs/ in-tree with the driver =m and =y
#                              (minimal x86_64 configs); KTAP on stdout
# The series is made from the files of this tree by the table below, in
# a scratch git repository over the pristine source, cached in
# $PNFSBL_CACHE/patches/ (one user at a time: patches.lock) with the
# configured build trees of the check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pdir=$PNFSBL_CACHE/patches
repo=$pdir/tree
outdir=$PNFSBL_OUT/patches
BASE=pnfsbl-baseline
BL=fs/nfs/blocklayout

# The identity of the generic client patches signs the whole series.
ident=$(sed -n '1s/^From: //p' "$(series_patches 1)")
[ -n "$ident" ] || pnfsbl_die "no From: line in the first patch of fs/nfs/pnfs/series"
ident_name=${ident% <*}
ident_mail=${ident##*<}
ident_mail=${ident_mail%>}
export GIT_AUTHOR_NAME=$ident_name GIT_AUTHOR_EMAIL=$ident_mail
export GIT_COMMITTER_NAME=$ident_name GIT_COMMITTER_EMAIL=$ident_mail
# Commit dates make the hashes: one fixed date, that of the last commit
# of this tree that changed what goes into the series (SOURCE_DATE_EPOCH
# wins), so the same files give the same series byte for byte.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$PNFSBL_TOP" log -1 --format=%ct -- \
			    fs/nfs Documentation MAINTAINERS 2>/dev/null)
	SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1764547200}
fi
export GIT_AUTHOR_DATE="@$SOURCE_DATE_EPOCH +0000"
export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C

g()
{
	git -C "$repo" "$@"
}

# lock: the scratch repository and the build trees are shared by every
# clone on this host.
lock()
{
	mkdir -p "$pdir"
	exec 7>"$PNFSBL_CACHE/patches.lock"
	flock -n 7 || { pnfsbl_log "waiting for another patches.sh"; flock 7; }
}

# baseline: the pristine pinned source as one commit, tagged $BASE.  The
# work tree starts as a hard-linked copy; git replaces files, never
# writes them in place, so the pristine source is not modified.
baseline()
{
	local tmp=$pdir/tree.tmp

	[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] ||
		"$PNFSBL_TDIR/deps.sh" source >&2
	[ -f "$repo/.git/pnfsbl-baseline" ] && return 0
	pnfsbl_log "making the baseline repository $repo (a few minutes)"
	rm -rf "$tmp" "$repo"
	cp -al "$PNFSBL_KSRC" "$tmp"
	rm -f "$tmp/.pnfsbl-extracted"
	git -C "$tmp" init -q
	git -C "$tmp" config core.abbrev 12
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" add -A -f
	git -C "$tmp" commit -q -m "linux-source-6.12 $PNFSBL_KPKGVER (Debian)" \
		--date="@0 +0000"
	git -C "$tmp" tag "$BASE"
	echo "$PNFSBL_KPKGVER" >"$tmp/.git/pnfsbl-baseline"
	mv "$tmp" "$repo"
}

# ---- building the series in a private index --------------------------

# put PATH [SRC]: PATH in the index takes the contents of SRC (this
# tree's PATH by default).
put()
{
	local blob

	blob=$(g hash-object -w "${2:-$PNFSBL_TOP/$1}")
	g update-index --add --cacheinfo "100644,$blob,$1"
}

# base_file PATH: PATH as it is in the index now, on stdout.
cur_file()
{
	g cat-file blob ":$1"
}

# commit SUBJECT: commit the index with SUBJECT and the body on stdin.
commit()
{
	local tree parent msg

	tree=$(g write-tree)
	parent=$(g rev-parse HEAD_SERIES)
	msg=$(cat)
	parent=$(printf '%s\n\n%s\n\nSigned-off-by: %s\n' "$1" "$msg" "$ident" |
		g commit-tree "$tree" -p "$parent")
	g update-ref HEAD_SERIES "$parent"
}

tmpf()
{
	mktemp "$pdir/tmp.XXXXXX"
}

# Step 1: take mainline's driver out.
step_remove()
{
	local f t

	for f in $(g ls-tree --name-only "$BASE" "$BL/"); do
		g update-index --force-remove "$f"
	done
	t=$(tmpf)
	cur_file fs/nfs/Makefile | grep -vF 'obj-$(CONFIG_PNFS_BLOCK) += blocklayout/' >"$t"
	put fs/nfs/Makefile "$t"
	rm -f "$t"
	commit "pNFS/blocklayout: remove the block and SCSI layout driver" <<'EOF'
The block and SCSI layout client is rewritten from scratch in the
patches that follow, in smaller files that can each be tested alone:
decoding apart from the volume tree apart from the I/O path, the extent
cache with its own locking rules, LAYOUTCOMMIT as its own state
machine.  Hardly a line of the old driver survives, so converting it
piece by piece would only be harder to review.

Remove it first.  Until the new driver is wired into the build at the
end of the next patches, CONFIG_PNFS_BLOCK builds nothing and the
client sends the I/O of block and SCSI layout files to the metadata
server, as it does whenever no layout driver module can be loaded.
EOF
}

# step_add SUBJECT FILE...: add this tree's FILEs; the body on stdin.
step_add()
{
	local s=$1 f

	shift
	for f in "$@"; do
		[ -f "$PNFSBL_TOP/$f" ] || pnfsbl_die "patches.sh: no $f in the tree"
		put "$f"
	done
	commit "$s"
}

# The driver's Makefile without the KUnit part, for the step that wires
# the driver in before its tests come.
makefile_no_kunit()
{
	sed '/^# The KUnit tests/,$d' "$PNFSBL_TOP/$BL/Makefile" |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

step_wire()
{
	local t

	t=$(tmpf)
	makefile_no_kunit >"$t"
	grep -q 'blocklayoutdriver-y' "$t" && ! grep -q KUNIT "$t" ||
		pnfsbl_die "patches.sh: cannot split $BL/Makefile"
	put "$BL/Makefile" "$t"
	cur_file fs/nfs/Makefile >"$t"
	sed -i '/^obj-$(CONFIG_PNFS_FLEXFILE_LAYOUT)/i obj-$(CONFIG_PNFS_BLOCK) += blocklayout/' "$t"
	grep -qF 'obj-$(CONFIG_PNFS_BLOCK) += blocklayout/' "$t" ||
		pnfsbl_die "patches.sh: cannot place blocklayout/ in fs/nfs/Makefile"
	put fs/nfs/Makefile "$t"
	rm -f "$t"
	step_add "pNFS/blocklayout: register the block and SCSI layout drivers" \
		$BL/main.c $BL/version.h <<'EOF'
Add the two pnfs_layoutdriver_type tables, LAYOUT_BLOCK_VOLUME and
LAYOUT_SCSI, which share every method but the layout header allocation,
the checks of the server's layout block size at mount time, and module
init and exit, and build the driver again: blocklayoutdriver.ko, with
the module aliases the generic client asks for (nfs-layouttype4-3 and
nfs-layouttype4-5), as before.

The module carries a version (version.h): a driver that is also
shipped out of tree for older kernels must be told apart from this one,
and DKMS refuses to install over an in-tree module that has none.
EOF
}

step_kunit()
{
	local f files=()

	put "$BL/Makefile"
	# Folded in: fs/nfs/pnfs/0001 sources the driver's Kconfig.
	g apply --cached "$PNFSBL_TOP/fs/nfs/pnfs/0001-nfs-source-blocklayout-Kconfig.patch" ||
		pnfsbl_die "patches.sh: 0001 does not apply to fs/nfs/Kconfig"
	mapfile -t files < <(cd "$PNFSBL_TOP" && ls $BL/tests/*.c)
	step_add "pNFS/blocklayout: add KUnit tests" \
		$BL/Kconfig $BL/.kunitconfig "${files[@]}" <<'EOF'
Everything a server sends passes through the decoders, the volume
tree and the extent cache before the driver trusts it, so test them
with hostile input: truncated and oversized GETDEVICEINFO and LAYOUTGET
replies, unknown types, volume trees that loop or point past their
table, extents that overlap or leave gaps.  Test the LAYOUTCOMMIT state
machine (what is listed, what a failed or lost commit leaves behind),
the blkmapd upcall's encoding and reply matching, the signature check,
the SCSI designator names and the NOFS scope of the disk lookup as
well.

The suites are a module of their own, blocklayout_kunit.ko, under
CONFIG_PNFS_BLOCK_KUNIT_TEST, which lives in the driver's own Kconfig,
sourced right after PNFS_BLOCK so that it appears under it.  The
driver's functions they call are exported to them alone with
EXPORT_SYMBOL_IF_KUNIT(); those only the tests call from outside their
file are VISIBLE_IF_KUNIT, static without CONFIG_KUNIT.  Run them with

  ./tools/testing/kunit/kunit.py run --kunitconfig=fs/nfs/blocklayout
EOF
}

step_docs()
{
	local t

	t=$(tmpf)
	cur_file Documentation/admin-guide/nfs/index.rst |
		sed '/^    pnfs-block-server$/i \    pnfs-block-client' >"$t"
	put Documentation/admin-guide/nfs/index.rst "$t"
	cur_file Documentation/filesystems/nfs/index.rst |
		sed '/^   pnfs$/a \   pnfs-block-client-design' >"$t"
	put Documentation/filesystems/nfs/index.rst "$t"
	rm -f "$t"
	[ "$(g diff --cached --numstat HEAD_SERIES -- Documentation/ | awk '{s += $1} END {print s}')" = 2 ] ||
		pnfsbl_die "patches.sh: cannot place the documents in their index.rst"
	step_add "Documentation: pNFS block and SCSI layout client" \
		Documentation/admin-guide/nfs/pnfs-block-client.rst \
		Documentation/filesystems/nfs/pnfs-block-client-design.rst <<'EOF'
An admin guide for the client side of the block and SCSI layouts,
next to the server's: what a client needs (blkmapd for block volumes,
persistent reservations for SCSI), a worked example, how to check
that pNFS is in use, what happens on errors, and the known limits.

A design document for reviewers: the objects and their locks, how a
LAYOUTGET is sized, the extent cache and the LAYOUTCOMMIT state
machine, how a disk is found and checked, and what the driver does
when a disk fails or a server sends something it must refuse.
EOF
}

# The overlay's MAINTAINERS entry, without what is not in the series.
maintainers_entry()
{
	echo "PNFS BLOCK AND SCSI LAYOUT CLIENT"
	grep -E '^(M|R|L):' "$PNFSBL_TOP/MAINTAINERS"
	echo "S:	Maintained"
	echo "F:	Documentation/admin-guide/nfs/pnfs-block-client.rst"
	echo "F:	Documentation/filesystems/nfs/pnfs-block-client-design.rst"
	echo "F:	$BL/"
}

step_maintainers()
{
	local t e

	t=$(tmpf)
	e=$(tmpf)
	maintainers_entry >"$e"
	# Before the first section whose title sorts after ours.
	cur_file MAINTAINERS | awk -v entry="$e" -v title="$(head -1 "$e")" '
		function flush() { while ((getline l < entry) > 0) print l; print ""; done = 1 }
		!done && started && prev == "" && /^[A-Z0-9]/ && $0 > title { flush() }
		/^Maintainers List/ { started = 1 }
		{ print; prev = $0 }' >"$t"
	grep -qx "$(head -1 "$e")" "$t" ||
		pnfsbl_die "patches.sh: cannot place the MAINTAINERS entry"
	put MAINTAINERS "$t"
	rm -f "$t" "$e"
	commit "MAINTAINERS: add an entry for the pNFS block and SCSI layout client" <<'EOF'
The driver and its documents get their own entry, on linux-nfs, so
that changes to them reach the people who test them against block and
SCSI layout servers.
EOF
}

# commit_c_in_tree: commit.c as an in-tree driver has it once the
# generic client gives back the segments of an unsent LAYOUTCOMMIT
# (fs/nfs/pnfs/0002): no feature macro, the error is returned.  Fails
# when commit.c no longer has the text this edits.
commit_c_in_tree()
{
	python3 - "$PNFSBL_TOP/$BL/commit.c" <<'PYEOF'
import sys
s = open(sys.argv[1]).read()
edits = [
(""" * The generic client of 6.12 (pnfs_layoutcommit_inode()) accepts only two
 * answers from ->prepare_layoutcommit: %0, and %-ENOSPC, which sends the
 * commit and keeps the inode marked for another.  On any other error it
 * frees the commit without putting the layout segments it had pinned for
 * it, so the layout header is never freed and unmount waits for ever.
 * Every failure here therefore still gives a valid body (at worst one
 * listing nothing) and %-ENOSPC.  A generic client that gives those
 * segments back (PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL, fs/nfs/pnfs/) is
 * told the error instead, and sends nothing.
""",
""" * ->prepare_layoutcommit answers %0, %-ENOSPC, which sends the commit
 * and keeps the inode marked for another, or the error that left the
 * body empty: pnfs_layoutcommit_inode() then sends nothing and keeps the
 * layout segments pinned for the next commit.
"""),
(""" * Return: %0, or %-ENOSPC when written extents are left for another
 * commit (more than one commit lists, or this one could list nothing):
 * the generic client sends this one and keeps the inode marked.  On a
 * stock 6.12 generic client never anything else (see the top of this
 * file); on one that allows it, the error that left the body empty.
""",
""" * Return: %0, %-ENOSPC when written extents are left for another commit
 * (more than one commit lists): the generic client sends this one and
 * keeps the inode marked; or the error that left the body empty, and
 * nothing is sent.
"""),
("""#ifdef PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL
""", ""),
("""		return nr;
	}
#endif
	if (nr < 0 || bl_ext_has_written(&bl->ext))
""",
"""		return nr;
	}
	if (bl_ext_has_written(&bl->ext))
"""),
]
for a, b in edits:
    if s.count(a) != 1:
        sys.exit("patches.sh: commit.c changed; update commit_c_in_tree: " + a.splitlines()[0])
    s = s.replace(a, b)
sys.stdout.write(s)
PYEOF
}

step_commit_may_fail()
{
	local t

	t=$(tmpf)
	commit_c_in_tree >"$t" || { rm -f "$t"; pnfsbl_die "cannot edit commit.c"; }
	put "$BL/commit.c" "$t"
	rm -f "$t"
	commit "pNFS/blocklayout: report a LAYOUTCOMMIT body that cannot be built" <<'EOF'
Now that pnfs_layoutcommit_inode() gives the layout segments of a
LAYOUTCOMMIT that is not sent back for the next one, a failed
->prepare_layoutcommit no longer leaks them.  Return the error that
left the body empty (memory ran out, or another commit still owns the
written extents) instead of sending a LAYOUTCOMMIT that lists nothing
and answering -ENOSPC: nothing is sent, fsync reports the error, and
the next commit lists what this one could not.
EOF
}

# generic_patches: the patches of fs/nfs/pnfs/series, in order, as
# "PATCH|why it is not in the series" (empty: in the series).
generic_patches()
{
	local p why

	while read -r p; do
		why=
		case ${p##*/} in
		0001-nfs-source-blocklayout-Kconfig.patch)
			why="folded into \"pNFS/blocklayout: add KUnit tests\"" ;;
		esac
		if [ -z "$why" ] && sed -n '/^---$/q;p' "$p" | grep -q '^Not for upstream'; then
			why="left out, its message says it is not for upstream"
		fi
		echo "$p|$why"
	done < <(series_patches)
}

# step_generic PATCH: a patch of fs/nfs/pnfs/ with its own message.
step_generic()
{
	local p=$1 subj body

	g apply --cached "$p" || pnfsbl_die "patches.sh: does not apply: $p"
	subj=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\?//p' "$p" | head -1)
	body=$(sed -n '/^Subject:/,/^---$/p' "$p" | sed '1d;$d' |
		sed '/^Signed-off-by: /d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' |
		sed '/./,$!d')
	commit "$subj" <<<"$body"
}

make_series()
{
	local idx p why

	baseline
	idx=$(tmpf)
	export GIT_INDEX_FILE=$idx
	g read-tree "$BASE"
	g update-ref HEAD_SERIES "$BASE"

	step_remove
	step_add "pNFS/blocklayout: decode GETDEVICEINFO and LAYOUTGET replies" \
		$BL/blocklayout.h $BL/xdr.c <<'EOF'
Decode the block and SCSI layouts' device addresses (RFC 5663 section
2.2, RFC 8154 section 2.3) and layout bodies (RFC 5663 section 2.3)
into plain tables that nothing else needs to check again.  Every count
from the wire is checked against the bytes left before anything is
allocated, every refusal carries a constant reason for the tracepoint
and one errno per class, and a hole's storage offset, which the RFC
gives no meaning, is made zero rather than refused.

Nothing is built yet: the driver is wired into the build once it is
complete.
EOF
	step_add "pNFS/blocklayout: build and map volume trees" $BL/volume.c <<'EOF'
Build the volume tree of a device address (SIMPLE, SLICE, CONCAT,
STRIPE and SCSI volumes, RFC 5663 section 2.2) over opened disks,
with the size of every volume checked against its children, and map a
byte range of the top volume piece by piece onto the disks below it.
The mapping carries sectors from end to end and has a shift fast path
for stripe units that are powers of two.
EOF
	step_add "pNFS/blocklayout: add the extent cache" \
		$BL/extents.h $BL/extents.c <<'EOF'
Keep the extents of a file's layout in two rbtrees, one for the
extents that can be written and one for those that can only be read
(READ_DATA and holes), and tag what was written to INVALID_DATA
extents until a LAYOUTCOMMIT has listed it and the server has
answered.

An update counts what it needs under the lock, drops the lock to
allocate, and then changes the trees without a failure path, so that a
failed allocation leaves the cache as it was; the old driver allocated
with GFP_ATOMIC under its spinlock and could fail halfway through.
EOF
	step_add "pNFS/blocklayout: add tracepoints" $BL/trace.h $BL/trace.c <<'EOF'
Replace dprintk with tracepoints: every refused server reply with its
reason and errno, disk resolution and the signature check, I/O
refused or failed over to the metadata server, LAYOUTGET sizing and
LAYOUTCOMMIT.  An administrator who sees I/O go to the metadata server
can tell why without rebuilding anything.
EOF
	step_add "pNFS/blocklayout: ask blkmapd for the disks of block volumes" \
		$BL/dev.h $BL/pipe.c <<'EOF'
A block volume names its disk by a signature that only user space can
search for: the driver asks blkmapd through the rpc_pipefs pipe
"blocklayout", as the old driver did, with the same message format.

A reply carries no request ID: blkmapd answers in the order it read
the requests.  So a reply is given to the oldest request that the
writing process itself read, and a second writer of the pipe, or a new
blkmapd while the old one still holds it open, never takes an answer
meant for another reader's request.
EOF
	step_add "pNFS/blocklayout: check the signature of the disk blkmapd names" \
		$BL/sig.c <<'EOF'
Read the signature components of a SIMPLE volume (RFC 5663 section
2.2) from the disk blkmapd answered with and refuse the disk if they
differ.  An answer meant for another request, or a blkmapd that found
the wrong disk, would otherwise have the client write a file's blocks
over some other disk.
EOF
	step_add "pNFS/blocklayout: open the disks of block and SCSI volumes" \
		$BL/disk.h $BL/disk.c $BL/scsi.h $BL/scsi.c $BL/dev.c <<'EOF'
Turn a GETDEVICEINFO reply into a device: decode it, find and open
every disk (blkmapd and the signature check for block volumes; the
logical unit found by its designator for SCSI volumes, a dm-multipath
map first), build the volume tree over them, and register the client's
persistent reservation key through pr_ops for SCSI (RFC 8154).

A disk that something else holds open exclusively is refused, a device
that cannot be set up is remembered as unavailable for a while and
retried after that, and the disks are opened in a NOFS allocation
scope, since GETDEVICEINFO runs in writeback.
EOF
	step_add "pNFS/blocklayout: flush and commit what was written" \
		$BL/layout.h $BL/commit.c <<'EOF'
A write over the layout is part of the file only once the disks have
flushed their caches and a LAYOUTCOMMIT has listed its extents.  Keep
the devices a layout wrote to, flush them before each commit, and build
the commit body from the extent cache; an extent is only forgotten once
the server has answered the commit that listed it, so a lost or failed
commit is retried, and a failed flush is reported to fsync once.

The generic client of 6.12 accepts only 0 and -ENOSPC from
->prepare_layoutcommit, so every failure still gives a valid body and
-ENOSPC.  fsync commits until nothing written is left (at most 16
rounds, so that writes that keep landing cannot hold it for ever).
EOF
	step_add "pNFS/blocklayout: read and write over the layout" $BL/io.c <<'EOF'
Map each page of a read or write through the extent cache and the
volume tree onto bios, zero what reads from holes and NONE_DATA
extents, record what was written to INVALID extents for the next
LAYOUTCOMMIT, and send a request to the metadata server instead when a
device is unavailable or a mapping is refused.  A request may span any
number of devices.

When a bio fails, the request fails as a whole and the generic client
returns the layout (PNFS_LAYOUTRET_ON_ERROR) and resends the pages
through the metadata server; what was written before the failure is
committed first, or blocks written just before it would read back as
zeros.
EOF
	step_add "pNFS/blocklayout: layout segments, LAYOUTGET sizing and returns" \
		$BL/layout.c <<'EOF'
Allocate layout headers and segments from decoded LAYOUTGET replies,
with their extents checked against the segment and its devices, and
size LAYOUTGETs: ask ahead only for a stream that has already written
sequentially, and never further than it has written (at most 64 MiB),
since a server such as nfsd over XFS allocates the whole range asked
for, and what is never written stays allocated.  A sequential 256 MiB
O_DIRECT write in 1 MiB writes takes 10 LAYOUTGETs where the old
driver sent 256.

Decide which requests may use the layout at all, and what a returned
range leaves behind in the extent cache.
EOF
	step_wire
	step_kunit
	step_docs
	step_maintainers
	while IFS='|' read -r p why; do
		[ -z "$why" ] || continue
		step_generic "$p"
	done < <(generic_patches)
	step_commit_may_fail
	unset GIT_INDEX_FILE
	rm -f "$idx"
}

# patch_no SUBJECT: the number in the series of the patch whose subject
# starts with SUBJECT.
patch_no()
{
	g log --reverse --format=%s "$BASE..HEAD_SERIES" |
		awk -v s="$1" 'index($0, s) == 1 { print NR; f = 1; exit }
			       END { exit !f }' ||
		pnfsbl_die "patches.sh: no patch \"$1\" in the series"
}

# cover_blurb: the cover letter's text, which names three patches by
# their numbers in the series.
cover_blurb()
{
	local p why lseg devid mayfail

	lseg=$(patch_no "pNFS: put the lsegs of a LAYOUTCOMMIT")
	devid=$(patch_no "pNFS: let a layout driver keep device IDs cached")
	mayfail=$(patch_no "pNFS/blocklayout: report a LAYOUTCOMMIT body")
	sed -e "s/@LSEG@/$lseg/" -e "s/@DEVID@/$devid/" -e "s/@MAYFAIL@/$mayfail/" <<'EOF'
This series replaces the pNFS block (RFC 5663) and SCSI (RFC 8154)
layout client, fs/nfs/blocklayout/, with a rewrite, and fixes one bug
of the generic client that the rewrite ran into.  It is made against
v6.12 as Debian ships it (linux-source-6.12 PKGVER) and is
what the out-of-tree driver of the same name runs as a drop-in
blocklayoutdriver.ko on that kernel.

What it fixes against the current driver, measured on a 2-core host
under QEMU TCG (Debian 12 guest, nfsd exporting XFS with pnfs, the
client on guest loopback); under TCG only ratios within one run mean
something:

- Sequential O_DIRECT writes: a LAYOUTGET asks ahead for a stream that
  writes sequentially.  256 MiB in 1 MiB writes takes 10 LAYOUTGETs
  instead of 256; fio's sequential 1 MiB O_DIRECT write ran at 394
  MiB/s against 112 (3.51x, 28 LAYOUTGETs per GiB against 1024, a
  quarter of the system CPU per GiB), and at 1.73x over the SCSI
  layout (51.9 against 29.9 MiB/s over iSCSI).
- Device failure: when a disk fails under buffered writeback, the
  blocks written before the failure are committed before the layout is
  returned.  The current driver returns the layout without committing
  them and the generic client drops the pending LAYOUTCOMMIT, so they
  read back as zeros.  With this series no byte is lost and fsync took
  3.9 s for one file and 11 s for four.
- Device notifications: 32 CB_NOTIFY_DEVICEIDs during the 2 MiB
  O_DIRECT writes of one file cost 6 LAYOUTGETs and 3 GETDEVICEINFOs,
  against 32 and 15.
- SCSI layout: a dm-multipath map of the logical unit is preferred to
  one of its paths (the current driver leaves it unused), and the
  client finds its way back after being fenced: once the device retry
  time has passed, new I/O goes over the layout again with the
  reservation key registered anew.
- Hostile servers: every malformed LAYOUTGET and GETDEVICEINFO reply of
  a test server (ten LAYOUTGET and nine GETDEVICEINFO kinds) is
  refused with a tracepoint naming the reason, and the I/O goes to the
  metadata server with no byte lost.  A disk that is not the one the
  server named (by its signature), or that someone else holds, is
  refused rather than written over.
- Volumes: CONCAT, SLICE and nested STRIPE volumes are checked byte
  for byte against dm tables over the same disks, and one request may
  span any number of device IDs (the old limit made such writes fail
  with -E2BIG and go to the metadata server).

Where it is not faster: in the same benchmark run, small files (create,
write 64 KiB, fsync) ran at 0.93x the current driver over the block
layout and 0.98x over SCSI, four writers at 0.98x and 0.83x, and a
buffered sequential read over SCSI at 0.73x (the current driver's
repeats spread from 23.6 to 40.8 MiB/s there).

Patch @LSEG@ fixes the generic client: when ->prepare_layoutcommit()
fails with anything but -ENOSPC, pnfs_layoutcommit_inode() leaks the
layout segments it pinned for the commit, and umount then hangs in
pnfs_destroy_layout_final().  On the 6.12 client, a LAYOUTCOMMIT whose
preparation fails (fault injected) hangs umount; with the patch it no
longer does.  Until then the driver keeps to what 6.12 accepts (0 or
-ENOSPC, with a body that lists nothing); patch @MAYFAIL@ has it return the
error instead.

Patch @DEVID@ adds a layout driver flag, PNFS_DEVICEID_CACHED, with which
the generic client no longer marks the driver's device IDs
NFS_DEVICEID_NOCACHE when the server grants no device ID
notifications.  The driver of this series does not set it yet: it
tests for the flag with a macro that only its out-of-tree build has,
and otherwise clears the mark itself, as it must on a 6.12 client.

Patch 1 removes the current driver; patches 2-11 add the new one file
by file, in the order the files depend on each other, and patch 12
builds it again, so CONFIG_PNFS_BLOCK builds nothing in between (every
patch builds).  The KUnit suites (patch 13) cover decoding, volume
trees, the extent cache, the LAYOUTCOMMIT state machine, the upcall
and the signature check:

  ./tools/testing/kunit/kunit.py run --kunitconfig=fs/nfs/blocklayout

EOF
	echo "Of the generic client patches the driver is kept with out of tree:"
	while IFS='|' read -r p why; do
		[ -n "$why" ] || continue
		echo "- ${p##*/}: $why." | fold -s -w 72 | sed 's/ $//;2,$s/^/  /'
	done < <(generic_patches)
}

write_series()
{
	local n cover t

	lock
	make_series
	rm -rf "$outdir" && mkdir -p "$outdir"
	g -c core.abbrev=12 format-patch -q --cover-letter --no-signature \
		--no-numbered-files -o "$outdir" "$BASE..HEAD_SERIES" >/dev/null 2>&1 ||
		g format-patch -q --cover-letter --no-signature -o "$outdir" \
			"$BASE..HEAD_SERIES" >/dev/null
	cover=$(ls "$outdir"/0000-*.patch)
	n=$(ls "$outdir"/*.patch | wc -l)
	n=$((n - 1))
	t=$(tmpf)
	cover_blurb | sed "s/PKGVER/$PNFSBL_KPKGVER/" >"$t"
	awk -v blurb="$t" '
		/\*\*\* SUBJECT HERE \*\*\*/ {
			sub(/\*\*\* SUBJECT HERE \*\*\*/, "pNFS/blocklayout: a new block and SCSI layout client")
		}
		/^\*\*\* BLURB HERE \*\*\*$/ { while ((getline l < blurb) > 0) print l; next }
		{ print }' "$cover" >"$t.cover"
	mv "$t.cover" "$cover"
	rm -f "$t"
	# Keep the names stable: NNNN-subject.patch.
	pnfsbl_log "$n patches and a cover letter in $outdir"
}

# ---- the check ----------------------------------------------------------

KMAKE=(make -s -j2 ARCH=x86_64)

# config_tree KIND: the build directory of KIND (m or y), configured
# from allnoconfig with what NFS_V4_1 and PNFS_BLOCK need, once.  KUnit
# is on (KUNIT_ALL_TESTS), so the driver's tests build as well once the
# series adds them.
config_tree()
{
	local k=$1 b=$pdir/build-$1 frag

	case $k in
	y)	frag=(-e NET -e INET -e NETWORK_FILESYSTEMS -e MD -e BLK_DEV_DM
		      -e NFS_FS -e NFS_V4 -e NFS_V4_1 -e KUNIT -e KUNIT_ALL_TESTS) ;;
	m)	frag=(-e MODULES -e NET -e INET -e NETWORK_FILESYSTEMS -e MD
		      -m BLK_DEV_DM -m NFS_FS -m NFS_V4 -e NFS_V4_1 -m KUNIT
		      -m KUNIT_ALL_TESTS) ;;
	esac
	if [ "$(cat "$b/.pnfsbl-config" 2>/dev/null)" != "${frag[*]}" ]; then
		pnfsbl_log "configuring $b (allnoconfig + ${frag[*]})"
		rm -rf "$b" && mkdir -p "$b"
		"${KMAKE[@]}" -C "$repo" O="$b" allnoconfig >"$b/config.log" 2>&1 &&
		"$repo/scripts/config" --file "$b/.config" "${frag[@]}" &&
		"${KMAKE[@]}" -C "$repo" O="$b" olddefconfig >>"$b/config.log" 2>&1 &&
		grep -qx "CONFIG_PNFS_BLOCK=$k" "$b/.config" &&
		"${KMAKE[@]}" -C "$repo" O="$b" prepare >>"$b/config.log" 2>&1 || {
			tail -20 "$b/config.log"
			return 1
		}
		echo "${frag[*]}" >"$b/.pnfsbl-config"
	fi
}

# build_prefix KIND: build fs/nfs/ of the checked-out commit in KIND's
# tree; the module too for =m.  Fails on any error or warning, or when a
# symbol of the driver is left undefined.
build_prefix()
{
	local k=$1 b=$pdir/build-$1 objs=() st=0 d=fs/nfs/blocklayout kos=()

	# Two runs: a directory goal and a module goal in one make race
	# over modules.order.  With no vmlinux, modpost can only warn about
	# undefined symbols (KBUILD_MODPOST_WARN); it still checks the rest,
	# the test module's import of EXPORTED_FOR_KUNIT_TESTING too.
	"${KMAKE[@]}" -C "$repo" O="$b" fs/nfs/ >"$b/build.log" 2>&1 || st=$?
	if [ "$st" = 0 ] && [ -f "$repo/$d/Makefile" ] && [ "$k" = m ]; then
		kos=("$d/blocklayoutdriver.ko")
		[ ! -d "$repo/$d/tests" ] || kos+=("$d/blocklayout_kunit.ko")
		"${KMAKE[@]}" -C "$repo" O="$b" KBUILD_MODPOST_WARN=1 \
			"${kos[@]}" >>"$b/build.log" 2>&1 || st=$?
	fi
	grep -E 'warning:|error:' "$b/build.log" | grep -v 'modpost: .* undefined!$' ||
		true
	[ "$st" = 0 ] || { tail -20 "$b/build.log"; return 1; }
	! grep -E 'warning:|error:' "$b/build.log" | grep -qv 'modpost: .* undefined!$' ||
		return 1
	[ -f "$repo/$d/Makefile" ] || return 0
	# A single-module build knows no vmlinux symbols, so modpost only
	# warns about undefined ones: look for the driver's own instead.
	if [ "$k" = m ]; then
		[ -f "$b/$d/blocklayoutdriver.ko" ] || { echo "# no blocklayoutdriver.ko"; return 1; }
		objs=("$b/$d/blocklayoutdriver.o")
		# The tests' module takes the driver's functions from its
		# exports (EXPORT_SYMBOL_IF_KUNIT) alone.
		if [ ${#kos[@]} -gt 1 ]; then
			[ -f "$b/$d/blocklayout_kunit.ko" ] || { echo "# no blocklayout_kunit.ko"; return 1; }
			comm -23 <(nm -u "$b/$d/blocklayout_kunit.ko" | awk '{print $2}' |
				   grep -E '^_*bl_' | sort -u) \
				<(nm "$b/$d/blocklayoutdriver.ko" |
				  sed -n 's/.* __ksymtab_//p' | sort -u) |
				sed 's/^/# not exported to the tests: /' | grep . && return 1
		fi
	else
		mapfile -t objs < <(ar t "$b/$d/built-in.a" | sed "s|^|$b/|;s|$b/$b/|$b/|")
		[ ${#objs[@]} -gt 0 ] || { echo "# nothing in $d/built-in.a"; return 1; }
	fi
	comm -23 <(nm -u "${objs[@]}" 2>/dev/null | awk '{print $2}' | sort -u) \
		<(nm --defined-only "${objs[@]}" 2>/dev/null | awk '{print $3}' | sort -u) |
		grep -E '^(bl_|__SCK__tp_func_pnfs_block|__tracepoint_pnfs_block|__traceiter_pnfs_block)' |
		sed 's/^/# undefined: /' | grep . && return 1
	return 0
}

# checkpatch_one PATCH OUT: checkpatch --strict on PATCH in the tree;
# OUT.st, OUT.ign and OUT.out get its status, ignored types and output.
checkpatch_one()
{
	local p=$1 o=$2 st=0 ign=FILE_PATH_CHANGES

	# checkpatch cannot parse TRACE_EVENT() bodies (as in build.sh);
	# FILE_PATH_CHANGES: MAINTAINERS gets its entry in the series.
	grep -q '^+++ b/.*/trace\.h$' "$p" &&
		ign+=,PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE
	# Debian's python3 for spdxcheck.py (python3-ply), whatever else
	# PATH finds first; a traceback there fails the patch.
	(cd "$repo" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--terse --show-types --ignore "$ign" "$p") >"$o.out" 2>&1 || st=$?
	! grep -q Traceback "$o.out" || st=1
	echo "$ign" >"$o.ign"
	echo "$st" >"$o.st"
}

check_series()
{
	local n=0 pass=0 fail=0 out st p k i np commits=() files=()

	echo "KTAP version 1"
	mapfile -t files < <(ls "$outdir"/*.patch | grep -v '/0000-')
	np=${#files[@]}
	echo "1..$((3 + 3 * np))"

	st=0
	out=$(g checkout -q -f --detach "$BASE" 2>&1 && g clean -fdq 2>&1 &&
	      g am -q --keep-cr "${files[@]}" 2>&1) || { st=1; g am --abort >/dev/null 2>&1 || true; }
	ktap_report "$st" "the $np patches apply with git am onto $BASE" "$out"
	mapfile -t commits < <(g rev-list --reverse "$BASE..HEAD")
	[ "$st" = 0 ] && [ ${#commits[@]} = "$np" ] || commits=()

	# The result holds this tree's driver, tests and documents.
	st=0
	out=$(for f in $(cd "$PNFSBL_TOP" && git ls-files 2>/dev/null $BL Documentation ||
			 find $BL Documentation -type f); do
		if [ "$f" = "$BL/commit.c" ]; then
			commit_c_in_tree | cmp -s - "$repo/$f" ||
				echo "differs from commit_c_in_tree: $f"
		else
			cmp -s "$PNFSBL_TOP/$f" "$repo/$f" || echo "differs: $f"
		fi
	done; [ -z "$(g ls-files $BL | while read -r f; do [ -e "$PNFSBL_TOP/$f" ] || echo "$f"; done)" ] ||
		echo "the series adds files this tree does not have") 2>&1
	[ -z "$out" ] && [ ${#commits[@]} -gt 0 ] || st=1
	ktap_report "$st" "the series ends with this tree's $BL/ (commit.c: in-tree edit) and Documentation/" "$out"

	# Two checkpatch runs at a time, reported in order.
	local cpd running=0
	cpd=$(mktemp -d "$pdir/checkpatch.XXXXXX")
	for p in "${files[@]}"; do
		checkpatch_one "$p" "$cpd/${p##*/}" &
		running=$((running + 1))
		[ "$running" -lt 2 ] || { wait -n || true; running=$((running - 1)); }
	done
	wait
	for p in "${files[@]}"; do
		ktap_report "$(cat "$cpd/${p##*/}.st")" \
			"checkpatch --strict --ignore $(cat "$cpd/${p##*/}.ign") ${p##*/}" \
			"$(cat "$cpd/${p##*/}.out")"
	done
	rm -rf "$cpd"

	for k in m y; do
		st=0
		out=$(config_tree $k 2>&1) || st=$?
		[ "$k" = y ] && ktap_report "$st" "configure =m and =y build trees" "$outm$out"
		[ "$k" = m ] && { outm=$out; stm=$st; }
		[ "$k" = y ] && [ "$stm" != 0 ] && commits=()
	done
	i=0
	for p in "${files[@]}"; do
		i=$((i + 1))
		for k in m y; do
			st=1
			out="not applied"
			if [ ${#commits[@]} -gt 0 ]; then
				st=0
				out=$(g checkout -q --detach "${commits[$((i - 1))]}" 2>&1 &&
				      build_prefix $k 2>&1) || st=$?
			fi
			ktap_report "$st" "patches 1-$i build fs/nfs/ with PNFS_BLOCK=$k" "$out"
		done
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}

case ${1:-series} in
series)	write_series; ls "$outdir"/*.patch ;;
check)	write_series >/dev/null; check_series ;;
*)	pnfsbl_die "usage: patches.sh [series|check]" ;;
esac
