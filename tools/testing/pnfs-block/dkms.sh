#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS source tree and the Debian package (packaging/ here), and
# their test.
#
# Usage: dkms.sh src      assemble the DKMS source tree in .out/dkms-src/
#                         (for dkms add DIR); print its path
#        dkms.sh deb      build pnfs-blocklayout-dkms_VERSION_all.deb into
#                         .out/deb/; print its path
#        dkms.sh module   build the package from the tree as it is now,
#                         then the module from its payload with DKMS in a
#                         scratch DKMS tree under .out/deb/ (nothing on
#                         the host is touched); print the .ko
#        dkms.sh check    install the package on this host, check which
#                         blocklayoutdriver modinfo finds for the pinned
#                         kernel, purge it; KTAP on stdout
#
# The version is BL_VERSION of fs/nfs/blocklayout/version.h.  The DKMS
# tree is laid out as a kernel tree, so that the driver's "../pnfs.h"
# finds the NFS client's internal headers: those are copied unmodified
# from the pristine pinned source ($PNFSBL_KSRC, not build.sh's patched
# tree: DKMS builds for the stock kernel), the three the driver includes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NAME=pnfs-blocklayout
PKG=$NAME-dkms
NFS_HDRS=(internal.h nfs4_fs.h pnfs.h)
DEB_OUT=$PNFSBL_OUT/deb
VERSION=$(sed -n 's/^#define BL_VERSION "\(.*\)"$/\1/p' \
	"$PNFSBL_TOP/fs/nfs/blocklayout/version.h")
[ -n "$VERSION" ] || pnfsbl_die "no BL_VERSION in fs/nfs/blocklayout/version.h"
DEB=$DEB_OUT/${PKG}_${VERSION}_all.deb

# kernel_re: the BUILD_EXCLUSIVE_KERNEL regex for kernels built from the
# pinned source: 6.12.117+deb12-amd64 gives ^6\.12\.117\+deb12-
# (every flavour of that build, nothing else).
kernel_re()
{
	printf '^%s-\n' "${PNFSBL_KVER%%-*}" | sed 's/[.+]/\\&/g'
}

# make_src DIR: assemble the DKMS source tree in DIR, which is replaced.
make_src()
{
	local dir=$1 h

	[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] || "$PNFSBL_TDIR/deps.sh" source >&2
	rm -rf "$dir"
	mkdir -p "$dir/fs/nfs/blocklayout"
	cp -p "$PNFSBL_TOP"/fs/nfs/blocklayout/*.[ch] \
		"$PNFSBL_TOP/fs/nfs/blocklayout/Makefile" "$dir/fs/nfs/blocklayout/"
	for h in "${NFS_HDRS[@]}"; do
		cp -p "$PNFSBL_KSRC/fs/nfs/$h" "$dir/fs/nfs/$h"
	done
	{
		echo "fs/nfs/*.h here are copied unmodified from the Linux kernel"
		echo "source: Debian package $PNFSBL_KSRC_PKG $PNFSBL_KPKGVER"
		echo "(kernel $PNFSBL_KVER), GPL-2.0; pnfs.h also carries the"
		echo "University of Michigan notice it has there.  SHA-256:"
		(cd "$dir/fs/nfs" && sha256sum "${NFS_HDRS[@]}")
	} >"$dir/fs/nfs/HEADERS-ORIGIN"
	sed -e "s/@VERSION@/$VERSION/" -e "s/@KERNEL_RE@/$(kernel_re | sed 's/\\/\\\\/g')/" \
		"$PNFSBL_TDIR/packaging/dkms.conf" >"$dir/dkms.conf"
}

# make_pkg_src DIR: the DKMS source tree plus the package's debian/, with
# a changelog naming this version and commit.
make_pkg_src()
{
	local dir=$1 commit

	make_src "$dir"
	cp -rp "$PNFSBL_TDIR/packaging/debian" "$dir/debian"
	commit=$(git -C "$PNFSBL_TOP" describe --always --dirty 2>/dev/null || echo unknown)
	cat >"$dir/debian/changelog" <<EOC
$NAME ($VERSION) unstable; urgency=medium

  * Built from commit $commit, for kernel $PNFSBL_KVER (NFS headers from
    $PNFSBL_KSRC_PKG $PNFSBL_KPKGVER).

 -- $(sed -n 's/^Maintainer: //p' "$dir/debian/control")  $(date -R)
EOC
}

# build_deb: the binary package, from a fresh source tree; the log stays
# in .out/deb/build.log.
build_deb()
{
	local src=$DEB_OUT/src/$NAME-$VERSION

	mkdir -p "$DEB_OUT"
	make_pkg_src "$src"
	rm -f "$DEB_OUT"/src/*.deb "$DEB"
	(cd "$src" && dpkg-buildpackage -b -us -uc) >"$DEB_OUT/build.log" 2>&1 ||
		{ tail -30 "$DEB_OUT/build.log" >&2; pnfsbl_die "dpkg-buildpackage failed"; }
	mv "$DEB_OUT/src/$(basename "$DEB")" "$DEB"
}

# scratch_build: DKMS builds the module from the payload of the .deb
# build_deb made, in its own DKMS tree, source tree and module signing
# key under .out/deb/dkms/, so that nothing in /var/lib/dkms, /usr/src or
# /lib/modules changes.
scratch_build()
{
	local w=$DEB_OUT/dkms ko

	[ -f "$DEB" ] || pnfsbl_die "no ${DEB##*/}: build_deb first"
	rm -rf "$w" && mkdir -p "$w/tree"
	dpkg-deb -x "$DEB" "$w/root"
	mok_signing_key=$w/mok.key mok_certificate=$w/mok.pub \
		dkms build -m "$NAME" -v "$VERSION" -k "$PNFSBL_KVER" \
		--sourcetree "$w/root/usr/src" --dkmstree "$w/tree" \
		--installtree "$w/lib-modules" >"$w/build.log" 2>&1 ||
		{ tail -30 "$w/build.log" >&2; pnfsbl_die "dkms build failed"; }
	ko=("$w/tree/$NAME/$VERSION/$PNFSBL_KVER"/*/module/blocklayoutdriver.ko*)
	[ -f "${ko[0]}" ] || pnfsbl_die "dkms build left no module"
	echo "${ko[0]}"
}

MARK=$PNFSBL_CACHE/dkms-check.active
HOST_LOG=$DEB_OUT/host.log
DEBIAN_KO=$PNFSBL_KMODS/kernel/fs/nfs/blocklayout/blocklayoutdriver.ko.xz

# The host check installs the package for real, so it must leave the host
# as it found it, even when killed:
# - $MARK exists from before the install until the host is restored; a
#   run that finds it restores first (a run killed with SIGKILL);
# - host_restore runs on every exit and on INT, TERM and HUP;
# - DKMS installs into updates/dkms/ of the pinned kernel's module
#   directory, and mkguest.sh copies only kernel/... (and the depmod
#   inputs modules.order and modules.builtin*) into the guest image, so
#   not even a module left behind could reach a guest; test 6 checks that
#   path.  Nothing else in the harness reads the host's /lib/modules.

# host_state: what the check must leave unchanged: every path of the
# pinned kernel's module directory with its type (and a file's size), the
# checksums of depmod's output and of Debian's blocklayoutdriver, DKMS's
# own tree, our /usr/src entry and the package's status.  A directory's
# size is left out: some file systems never shrink one.
host_state()
{
	(cd "$PNFSBL_KMODS" &&
	 find . -path ./build -prune -o -path ./source -prune -o \
		-type d -printf '%p d\n' -o -printf '%p %y %s\n' | sort &&
	 sha256sum modules.* "${DEBIAN_KO#"$PNFSBL_KMODS"/}")
	find /var/lib/dkms -type d -printf '%p d\n' -o -printf '%p %y %s\n' \
		2>/dev/null | sort
	ls -d /usr/src/"$NAME"-* 2>/dev/null || true
	dpkg-query -W -f='${Status}\n' "$PKG" 2>/dev/null || echo "$PKG unknown to dpkg"
}

# pkg_present: dpkg knows the package in any state but purged.
pkg_present()
{
	local st

	st=$(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null) || return 1
	[ "${st##* }" != not-installed ]
}

# apt_do ARGS...: apt-get, non-interactive, waiting for the dpkg lock;
# the module signing key of the DKMS build goes to .out/deb/, not
# /var/lib/dkms.
apt_do()
{
	DEBIAN_FRONTEND=noninteractive \
	mok_signing_key=$DEB_OUT/host-mok.key mok_certificate=$DEB_OUT/host-mok.pub \
		apt-get -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "$@" >>"$HOST_LOG" 2>&1
}

# host_restore: undo whatever a check run (this one or a killed one) did
# to the host; a no-op without $MARK.  Idempotent.
host_restore()
{
	[ -f "$MARK" ] || return 0
	if pkg_present; then
		apt_do purge "$PKG" || dpkg --purge --force-all "$PKG" >>"$HOST_LOG" 2>&1 || true
	fi
	if [ -d "/var/lib/dkms/$NAME" ]; then
		dkms remove -m "$NAME" --all >>"$HOST_LOG" 2>&1 || true
		rm -rf "/var/lib/dkms/$NAME"
	fi
	rm -rf "/usr/src/$NAME-$VERSION"
	rm -f "$PNFSBL_KMODS"/updates/dkms/blocklayoutdriver.ko*
	rmdir "$PNFSBL_KMODS/updates/dkms" 2>/dev/null || true
	if grep -qx had_updates=0 "$MARK"; then
		rmdir "$PNFSBL_KMODS/updates" 2>/dev/null || true
	fi
	depmod -a "$PNFSBL_KVER"
	rm -f "$MARK"
}

# host_check_package: tests 1-4, the package and what DKMS builds from it.
host_check_package()
{
	path=$(modinfo_k -n)
	st=0; [ "$path" = "$DEBIAN_KO" ] || st=1
	ktap_report "$st" "before: modinfo -k $PNFSBL_KVER -n blocklayoutdriver is Debian's, $path" ""

	st=0
	out=$(build_deb 2>&1) || st=$?
	ktap_report "$st" "make deb: ${DEB#"$PNFSBL_TOP"/}" "$out"

	st=0
	out=$(dpkg-deb -c "$DEB" 2>&1 | awk '{ print $6 }')
	for f in dkms.conf fs/nfs/blocklayout/Makefile fs/nfs/blocklayout/main.c \
		 fs/nfs/blocklayout/version.h fs/nfs/HEADERS-ORIGIN \
		 "${NFS_HDRS[@]/#/fs/nfs/}"; do
		grep -qx "./usr/src/$NAME-$VERSION/$f" <<<"$out" || st=1
	done
	grep -qE '\.(ko|o)(\.xz)?$' <<<"$out" && st=1
	ktap_report "$st" "the package holds dkms.conf, the driver's sources and fs/nfs/{${NFS_HDRS[*]}}, no objects" \
		"$([ "$st" = 0 ] || echo "$out")"

	st=0
	ko=$(scratch_build 2>&1) || st=$?
	ver=$(modinfo -F version "$ko" 2>&1 || true)
	[ "$ver" = "$VERSION" ] || st=1
	[ "$(modinfo -F vermagic "$ko" 2>&1 | cut -d' ' -f1)" = "$PNFSBL_KVER" ] || st=1
	ktap_report "$st" "DKMS builds it from the package alone (scratch tree): version $ver" "$ko"
}

# host_check_install: tests 5-7, installed; BEFORE is the host's state.
host_check_install()
{
	before=$(host_state)
	if [ -d "$PNFSBL_KMODS/updates" ]; then
		echo had_updates=1 >"$MARK"
	else
		echo had_updates=0 >"$MARK"
	fi
	st=0
	apt_do install "$DEB" || st=$?
	out=$(dkms status -m "$NAME" 2>/dev/null || true)
	grep -q "^$NAME/$VERSION, $PNFSBL_KVER, [^:]*: installed" <<<"$out" || st=1
	ktap_report "$st" "apt-get install ./${DEB##*/}: dkms status '$out'" \
		"$([ "$st" = 0 ] || tail -30 "$HOST_LOG")"

	path=$(modinfo_k -n)
	ver=$(modinfo_k -F version)
	st=0
	case $path in
	"$PNFSBL_KMODS"/updates/*/blocklayoutdriver.ko*) ;;
	*) st=1 ;;
	esac
	[ "$ver" = "$VERSION" ] || st=1
	ktap_report "$st" "installed: modinfo -k finds ours, $path, version '$ver'" ""

	# What mkguest.sh takes from here besides kernel/...: unchanged too.
	st=0
	(cd "$PNFSBL_KMODS" && sha256sum -c --quiet --strict \
		<(grep -E "^[0-9a-f]{64}  (${DEBIAN_KO#"$PNFSBL_KMODS"/}|modules\.order|modules\.builtin.*)\$" \
			<<<"$before")) >/dev/null 2>&1 || st=1
	ktap_report "$st" "installed: Debian's module, modules.order and modules.builtin* unchanged" ""
}

# host_check_purge: tests 8-10, purged, and the host as BEFORE.
host_check_purge()
{
	st=0
	apt_do purge "$PKG" || st=$?
	out=$(dkms status -m "$NAME" 2>/dev/null || true)
	[ -z "$out" ] || st=1
	[ ! -e "/usr/src/$NAME-$VERSION" ] && [ ! -e "/var/lib/dkms/$NAME" ] || st=1
	ls "$PNFSBL_KMODS"/updates/*/blocklayoutdriver.ko* >/dev/null 2>&1 && st=1
	ktap_report "$st" "apt-get purge $PKG: no DKMS state, no source, no module left" \
		"$([ "$st" = 0 ] || { echo "$out"; tail -20 "$HOST_LOG"; })"

	path=$(modinfo_k -n)
	ver=$(modinfo_k -F version)
	st=0; [ "$path" = "$DEBIAN_KO" ] && [ -z "$ver" ] || st=1
	ktap_report "$st" "purged: modinfo -k finds Debian's again, $path, version '$ver'" ""

	host_restore
	after=$(host_state)
	st=0; [ "$before" = "$after" ] || st=1
	ktap_report "$st" "the host is as before: /lib/modules/$PNFSBL_KVER, /var/lib/dkms, /usr/src, dpkg" \
		"$(diff <(echo "$before") <(echo "$after") || true)"
}

# host_check: KTAP; the package built, installed, looked at and purged.
# Its three phases below share its locals (bash's dynamic scope) and
# count their results in its n, pass and fail.
host_check()
{
	local n=0 pass=0 fail=0 before after st out ko path ver f i

	# modinfo_k OPTION...: modinfo of blocklayoutdriver for the pinned
	# kernel (which need not be running).
	modinfo_k()
	{
		modinfo -k "$PNFSBL_KVER" "$@" blocklayoutdriver 2>&1 || true
	}

	echo "KTAP version 1"
	echo "1..10"
	mkdir -p "$DEB_OUT" "$PNFSBL_CACHE"
	: >"$HOST_LOG"
	exec 8>"$PNFSBL_CACHE/dkms-check.lock"
	flock 8
	if [ -f "$MARK" ]; then
		echo "# restoring the host after an interrupted run"
		host_restore
	fi
	if pkg_present || [ -d "/var/lib/dkms/$NAME" ]; then
		echo "# $PKG or its DKMS module is installed here, not by this test"
		for i in $(seq 1 10); do
			echo "ok $i # SKIP the host has $PKG installed already"
		done
		echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:10 error:0"
		return 0
	fi

	host_check_package
	host_check_install
	host_check_purge
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}

case ${1:-} in
src)	make_src "$PNFSBL_OUT/dkms-src/$NAME-$VERSION"
	echo "$PNFSBL_OUT/dkms-src/$NAME-$VERSION" ;;
deb)	build_deb; echo "$DEB" ;;
module)	build_deb; scratch_build ;;
check)	trap host_restore EXIT
	trap 'exit 130' INT TERM HUP
	host_check ;;
*)	pnfsbl_die "usage: dkms.sh src|deb|module|check" ;;
esac
