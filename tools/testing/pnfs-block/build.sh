#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build our module out of tree against the pinned headers, with the NFS
# client's internal headers taken from the matching (patched) source, and
# run the static checks.
#
# Usage: build.sh module    build; print the path of blocklayoutdriver.ko
#        build.sh generic   build the patched generic client (nfs.ko,
#                           nfsv4.ko); print the directory holding them
#        build.sh fault     build the guest's fault-injection module
#        build.sh static    W=1 + sparse build, checkpatch --strict and
#                           kernel-doc on our files, every prefix of the
#                           generic series builds; KTAP on stdout
# PNFSBL_GENERIC=stock (default) builds the driver against the pristine
# NFS headers, =patched against those of the patched generic client.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] || "$PNFSBL_TDIR/deps.sh" source >&2
[ -f "$PNFSBL_KHDR/Makefile" ] || pnfsbl_die "missing headers $PNFSBL_KHDR (run deps.sh)"

generic=${PNFSBL_GENERIC:-stock}
case $generic in
stock)	objtop=$PNFSBL_OUT/obj ;;
patched) objtop=$PNFSBL_OUT/obj-patched ;;
*)	pnfsbl_die "PNFSBL_GENERIC must be stock or patched" ;;
esac
tree=$("$PNFSBL_TDIR/overlay.sh" "$PNFSBL_CACHE/src-tree")
obj=$objtop/fs/nfs/blocklayout
buildlog=$objtop/build.log

# build_generic [N]: fs/nfs of the pinned source with the first N patches
# of the series (all by default), built out of tree against the pinned
# headers and Debian's config; cached by the patches' contents.  Only the
# client's core modules are built.  Each module gets a MODULE_VERSION of
# the series' hash (a harness stamp, not a patch) that the guest checks.
# Prints the fs/nfs directory.
build_generic()
{
	local pl=() p hash dir log

	mapfile -t pl < <(series_patches "${1:-}")
	hash=$( { echo "$PNFSBL_KPKGVER"; cat "${pl[@]}" /dev/null; } |
		sha256sum | cut -c1-16)
	dir=$PNFSBL_CACHE/generic/$hash
	if [ ! -f "$dir/.pnfsbl-built" ]; then
		pnfsbl_log "building the generic client ($hash, ${#pl[@]} patches)"
		rm -rf "$dir" && mkdir -p "$dir/fs"
		cp -a "$PNFSBL_KSRC/fs/nfs" "$dir/fs/"
		for p in "${pl[@]}"; do
			patch -d "$dir" -p1 -s --no-backup-if-mismatch <"$p" ||
				pnfsbl_die "patch does not apply: $p"
		done
		for p in inode.c nfs4super.c; do
			printf '\nMODULE_VERSION("pnfsbl-%s");\n' "$hash" \
				>>"$dir/fs/nfs/$p"
		done
		log=$dir/build.log
		make -C "$PNFSBL_KHDR" M="$dir/fs/nfs" -j"$(nproc)" \
			CONFIG_NFS_V2= CONFIG_NFS_V3= CONFIG_PNFS_FILE_LAYOUT= \
			CONFIG_PNFS_BLOCK= CONFIG_PNFS_FLEXFILE_LAYOUT= \
			modules >"$log" 2>&1 || {
			tail -40 "$log" >&2
			pnfsbl_die "generic client build failed ($hash)"
		}
		echo "pnfsbl-$hash" >"$dir/fs/nfs/version"
		touch "$dir/.pnfsbl-built"
	fi
	echo "$dir/fs/nfs"
}

# build_module: a W=1, sparse (C=2) build; the log keeps every warning.
build_module()
{
	local hdrs=$PNFSBL_KSRC/fs/nfs extra=()

	if [ "$generic" = patched ]; then
		hdrs=$(build_generic)
		extra=(KBUILD_EXTRA_SYMBOLS="$hdrs/Module.symvers")
	fi
	mkdir -p "$obj"
	# The driver includes "../pnfs.h" and friends, as it does in-tree.
	cp -p "$hdrs"/*.h "$objtop/fs/nfs/"
	rsync -rl --checksum --delete \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
		--exclude='Module.symvers' --exclude='.tmp_*' \
		"$PNFSBL_TOP/fs/nfs/blocklayout/" "$obj/"
	make -C "$PNFSBL_KHDR" M="$obj" W=1 C=2 "${extra[@]}" modules \
		>"$buildlog" 2>&1 || {
		cat "$buildlog" >&2
		pnfsbl_die "module build failed"
	}
}

# new_warnings FILE: the W=1 and sparse warnings that the series adds to
# FILE (fs/nfs/X.c), compared by message with the pristine source (line
# numbers move).  Prints them; nothing if none.
new_warnings()
{
	local f=$1 o gdir d side src

	o=${f#fs/nfs/}
	o=${o%.c}.o
	gdir=$(build_generic)
	d=$PNFSBL_OUT/obj-series-warn
	for side in pristine patched; do
		src=$PNFSBL_KSRC/fs/nfs
		[ $side = patched ] && src=$gdir
		rm -rf "${d:?}/$side" && mkdir -p "$d/$side"
		rsync -a --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			--exclude='*.mod*' "$src/" "$d/$side/"
		make -C "$PNFSBL_KHDR" M="$d/$side" W=1 C=2 \
			"$o" >"$d/$side.log" 2>&1 ||
			{ cat "$d/$side.log"; return 1; }
		grep -E 'warning:|error:' "$d/$side.log" |
			sed -E 's|^[^:]*:[0-9]+:[0-9]+: ||' | sort >"$d/$side.warn"
	done
	comm -13 "$d/pristine.warn" "$d/patched.warn"
}

# build_fault: the guest's fault-injection module (fault/pnfsbl_fault.c).
build_fault()
{
	local d=$PNFSBL_OUT/obj-fault

	mkdir -p "$d"
	rsync -rl --checksum "$PNFSBL_TDIR/fault/" "$d/"
	make -C "$PNFSBL_KHDR" M="$d" W=1 modules >"$d/build.log" 2>&1 || {
		cat "$d/build.log" >&2
		pnfsbl_die "fault module build failed"
	}
	echo "$d/pnfsbl_fault.ko"
}

our_sources()
{
	find "$PNFSBL_TOP/fs/nfs/blocklayout" "$PNFSBL_TDIR/fault" \
		-name '*.[ch]' | sort
}

# The parts of static_checks: they share its locals (bash's dynamic
# scope), its file lists among them, and count in its n, pass and fail.

# static_builds: the module builds W=1 C=2 against both generic clients.
static_builds()
{
	st=0
	build_module 2>/dev/null || st=$?
	out=$(grep -E 'warning:|error:' "$buildlog" || true)
	[ -n "$out" ] && st=1
	ktap_report "$st" "W=1 C=2 (sparse) module build has no warnings" "$out"
	# The same against the patched generic client: other code paths.
	# Its progress lines on stderr (a cold build of the generic client
	# says so) are no warnings; a failed build without one shows its end.
	st=0
	PNFSBL_GENERIC=patched "$0" module >/dev/null \
		2>"$PNFSBL_OUT/obj-patched.stderr" || st=$?
	out=$(cat "$PNFSBL_OUT/obj-patched.stderr" \
		"$PNFSBL_OUT/obj-patched/build.log" 2>/dev/null |
		grep -E 'warning:|error:' || true)
	[ "$st" != 0 ] && [ -z "$out" ] &&
		out=$(tail -20 "$PNFSBL_OUT/obj-patched.stderr")
	[ -n "$out" ] && st=1
	ktap_report "$st" "W=1 C=2 (sparse) module build against the patched client has no warnings" "$out"
}

# static_sources: checkpatch and kernel-doc on every file of ours.
static_sources()
{
	for f in "${files[@]}"; do
		rel=${f#"$PNFSBL_TOP"/}
		# checkpatch cannot parse TRACE_EVENT() bodies; every trace
		# header in the kernel draws these two checks.
		local ign=()
		[ "${f##*/}" = trace.h ] &&
			ign=(--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE)
		st=0
		out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types "${ign[@]}" -f "$f" 2>&1) || st=$?
		ktap_report "$st" "checkpatch --strict ${ign[*]} $rel" "$out"
		st=0
		out=$("$tree/scripts/kernel-doc" -none -Wall "$f" 2>&1) || st=$?
		[ -n "$out" ] && st=1
		ktap_report "$st" "kernel-doc $rel" "$out"
	done
}

# static_series: the generic client's patches: checkpatch, bisectable
# builds, and no new warning in the C files they touch.
static_series()
{
	local k=0
	for f in "${patches[@]}"; do
		rel=${f#"$PNFSBL_TOP"/}
		k=$((k + 1))
		st=0
		out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types "$f" 2>&1) || st=$?
		ktap_report "$st" "checkpatch --strict $rel" "$out"
		# Bisectable: the series up to here builds.  A prefix that
		# touches no C file or header is Debian's own build.
		st=0
		if grep -qE '^\+\+\+ b/fs/nfs/[^[:space:]]*\.[ch]' \
			$(series_patches "$k"); then
			out=$(build_generic "$k" 2>&1 >/dev/null) || st=$?
		else
			out="no C file or header changed"
		fi
		ktap_report "$st" "the generic client builds with patches 1-$k" "$out"
	done
	for f in "${csrc[@]}"; do
		st=0
		out=$(new_warnings "$f" 2>&1) || st=$?
		[ -n "$out" ] && st=1
		ktap_report "$st" "W=1 C=2 (sparse): the series adds no warning to $f" "$out"
	done
}

static_checks()
{
	local f n=0 pass=0 fail=0 rel out st

	echo "KTAP version 1"
	local files=() patches=()
	mapfile -t files < <(our_sources)
	mapfile -t patches < <(series_patches)
	local csrc=()
	mapfile -t csrc < <(cat "${patches[@]}" /dev/null |
		sed -n 's|^+++ b/\(fs/nfs/[^[:space:]]*\.c\).*|\1|p' | sort -u)
	echo "1..$((2 + 2 * ${#files[@]} + 2 * ${#patches[@]} + ${#csrc[@]}))"
	static_builds
	static_sources
	static_series
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}

case ${1:-module} in
module)	build_module; echo "$obj/blocklayoutdriver.ko" ;;
generic) build_generic ;;
fault)	build_fault ;;
static)	static_checks ;;
*)	pnfsbl_die "usage: build.sh module|generic|fault|static" ;;
esac
