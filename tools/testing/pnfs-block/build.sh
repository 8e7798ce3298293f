#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build our module out of tree against the pinned headers, with the NFS
# client's internal headers taken from the matching (patched) source, and
# run the static checks.
#
# Usage: build.sh module    build; print the path of blocklayoutdriver.ko
#        build.sh static    W=1 + sparse build, checkpatch --strict and
#                           kernel-doc on our files; KTAP on stdout
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] || "$PNFSBL_TDIR/deps.sh" source >&2
[ -f "$PNFSBL_KHDR/Makefile" ] || pnfsbl_die "missing headers $PNFSBL_KHDR (run deps.sh)"

tree=$("$PNFSBL_TDIR/overlay.sh" "$PNFSBL_CACHE/src-tree")
obj=$PNFSBL_OUT/obj/fs/nfs/blocklayout
buildlog=$PNFSBL_OUT/obj/build.log

# build_module: a W=1, sparse (C=2) build; the log keeps every warning.
build_module()
{
	mkdir -p "$obj"
	# The driver includes "../pnfs.h" and friends, as it does in-tree.
	cp -p "$tree"/fs/nfs/*.h "$PNFSBL_OUT/obj/fs/nfs/"
	rsync -rl --checksum --delete \
		--exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
		--exclude='Module.symvers' --exclude='.tmp_*' \
		"$PNFSBL_TOP/fs/nfs/blocklayout/" "$obj/"
	make -C "$PNFSBL_KHDR" M="$obj" W=1 C=2 modules >"$buildlog" 2>&1 || {
		cat "$buildlog" >&2
		pnfsbl_die "module build failed"
	}
}

our_sources()
{
	find "$PNFSBL_TOP/fs/nfs/blocklayout" -name '*.[ch]' | sort
}

static_checks()
{
	local f n=0 pass=0 fail=0 rel out

	echo "KTAP version 1"
	local files=() patches=()
	mapfile -t files < <(our_sources)
	mapfile -t patches < <(ls "$PNFSBL_TOP"/fs/nfs/pnfs/*.patch 2>/dev/null || true)
	echo "1..$((1 + 2 * ${#files[@]} + ${#patches[@]}))"

	report()	# STATUS NAME OUTPUT
	{
		n=$((n + 1))
		if [ "$1" = 0 ]; then
			pass=$((pass + 1)); echo "ok $n $2"
		else
			fail=$((fail + 1)); echo "not ok $n $2"
			printf '%s\n' "$3" | sed 's/^/# /'
		fi
	}

	local st=0
	build_module 2>/dev/null || st=$?
	out=$(grep -E 'warning:|error:' "$buildlog" || true)
	[ -n "$out" ] && st=1
	report "$st" "W=1 C=2 (sparse) module build has no warnings" "$out"

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
		report "$st" "checkpatch --strict ${ign[*]} $rel" "$out"
		st=0
		out=$("$tree/scripts/kernel-doc" -none -Wall "$f" 2>&1) || st=$?
		[ -n "$out" ] && st=1
		report "$st" "kernel-doc $rel" "$out"
	done
	for f in "${patches[@]}"; do
		rel=${f#"$PNFSBL_TOP"/}
		st=0
		out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types "$f" 2>&1) || st=$?
		report "$st" "checkpatch --strict $rel" "$out"
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}

case ${1:-module} in
module)	build_module; echo "$obj/blocklayoutdriver.ko" ;;
static)	static_checks ;;
*)	pnfsbl_die "usage: build.sh module|static" ;;
esac
