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
# The commit messages and the cover letter of the series.
SERIES=$PNFSBL_TDIR/packaging/series
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

# step_file FILE: a driver step of packaging/series/: its Subject: line,
# its Files: line (under $BL), a blank line, then the commit message.
step_file()
{
	local subj files f

	subj=$(sed -n '1s/^Subject: //p' "$1")
	files=$(sed -n '2s/^Files: //p' "$1")
	[ -n "$subj" ] && [ -n "$files" ] ||
		pnfsbl_die "patches.sh: $1: no Subject: or Files: line"
	# shellcheck disable=SC2046 # one word per file
	sed '1,3d' "$1" | step_add "$subj" $(for f in $files; do echo "$BL/$f"; done)
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
the SCSI designator names, the NOFS scope of the disk lookup and which
writes of part of a large server block wait for which as well.

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
	python3 "$SERIES/commit-c-in-tree.py" "$PNFSBL_TOP/$BL/commit.c"
}

step_commit_may_fail()
{
	local t

	t=$(tmpf)
	commit_c_in_tree >"$t" || { rm -f "$t"; pnfsbl_die "cannot edit commit.c"; }
	put "$BL/commit.c" "$t"
	rm -f "$t"
	sed '1,2d' "$SERIES/commit-may-fail.txt" |
		commit "$(sed -n '1s/^Subject: //p' "$SERIES/commit-may-fail.txt")"
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
	for p in "$SERIES"/[0-9]*.txt; do
		step_file "$p"
	done
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
	sed -e "s/@LSEG@/$lseg/" -e "s/@DEVID@/$devid/" -e "s/@MAYFAIL@/$mayfail/" \
		"$SERIES/cover.txt"
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
	# report.c must recognise -ENOTSUPP: it is what the NFS client's own
	# error table (fs/nfs/nfs4xdr.c) turns NFS4ERR_NOTSUPP into, and what
	# nfs42_layouterror_done() tests for; no patch of ours returns it.
	grep -q '^+++ b/.*/blocklayout/report\.c$' "$p" && ign+=,ENOTSUPP
	# Debian's python3 for spdxcheck.py (python3-ply), whatever else
	# PATH finds first; a traceback there fails the patch.
	(cd "$repo" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--terse --show-types --ignore "$ign" "$p") >"$o.out" 2>&1 || st=$?
	! grep -q Traceback "$o.out" || st=1
	echo "$ign" >"$o.ign"
	echo "$st" >"$o.st"
}

# check_apply: the series applies with git am onto the baseline; sets
# commits (check_series' local) to its commits, or empties it.
check_apply()
{
	local st=0 out

	out=$(g checkout -q -f --detach "$BASE" 2>&1 && g clean -fdq 2>&1 &&
	      g am -q --keep-cr "${files[@]}" 2>&1) || { st=1; g am --abort >/dev/null 2>&1 || true; }
	ktap_report "$st" "the $np patches apply with git am onto $BASE" "$out"
	mapfile -t commits < <(g rev-list --reverse "$BASE..HEAD")
	[ "$st" = 0 ] && [ ${#commits[@]} = "$np" ] || commits=()
}

# check_tree: the result holds this tree's driver, tests and documents.
check_tree()
{
	local st=0 out f

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
}

# check_checkpatch: checkpatch on every patch, two at a time, reported
# in order.
check_checkpatch()
{
	local cpd running=0 p

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
}

# check_builds: configure the =m and =y trees, then every prefix of the
# series builds fs/nfs/ in both.
check_builds()
{
	local k st out outm stm i=0 p

	for k in m y; do
		st=0
		out=$(config_tree $k 2>&1) || st=$?
		[ "$k" = y ] && ktap_report "$st" "configure =m and =y build trees" "$outm$out"
		[ "$k" = m ] && { outm=$out; stm=$st; }
		[ "$k" = y ] && [ "$stm" != 0 ] && commits=()
	done
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
}

check_series()
{
	local n=0 pass=0 fail=0 np commits=() files=()

	echo "KTAP version 1"
	mapfile -t files < <(ls "$outdir"/*.patch | grep -v '/0000-')
	np=${#files[@]}
	echo "1..$((3 + 3 * np))"
	check_apply
	check_tree
	check_checkpatch
	check_builds
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}

case ${1:-series} in
series)	write_series; ls "$outdir"/*.patch ;;
check)	write_series >/dev/null; check_series ;;
*)	pnfsbl_die "usage: patches.sh [series|check]" ;;
esac
