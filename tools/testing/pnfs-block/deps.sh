#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the harness needs on a Debian 12 host, idempotently:
# host packages, the pinned kernel trio, and the extracted kernel source
# in the cache.  Usage: deps.sh [host|source|deb|all]
#   deb: only what make deb needs and the DKMS build on install (the
#   kernel trio, the package tools), not the harness's QEMU and clang.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# clang-14 alone cannot link -fsanitize=fuzzer: libFuzzer and the ASan
# and UBSan runtimes are in libclang-rt-14-dev, which it only recommends;
# llvm-14 has llvm-symbolizer for the fuzz targets' stack traces.
# dkms, debhelper and dh-dkms build and test the Debian package
# (tools/testing/pnfs-block/packaging/, check.sh's dkms step).
# python3-ply and python3-git: checkpatch.pl runs spdxcheck.py on a
# patch in a tree (patches.sh check).
HOST_PKGS=(build-essential bc flex bison libelf-dev libssl-dev dwarves
	   sparse python3 cpio xz-utils zstd kmod debootstrap
	   qemu-system-x86 e2fsprogs util-linux rsync gnuplot-nox
	   clang-14 libclang-rt-14-dev llvm-14 dkms debhelper dh-dkms
	   python3-ply python3-git)
DEB_PKGS=(build-essential xz-utils kmod dkms debhelper dh-dkms)
KERNEL_PKGS=("linux-image-$PNFSBL_KVER=$PNFSBL_KPKGVER"
	     "linux-headers-$PNFSBL_KVER=$PNFSBL_KPKGVER"
	     "$PNFSBL_KSRC_PKG=$PNFSBL_KPKGVER")

pkg_installed()
{
	local name=${1%%=*} want=${1#*=} have

	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null) ||
		return 1
	case $have in
	"install ok installed "*) ;;
	*) return 1 ;;
	esac
	[ "$want" = "$1" ] || [ "${have##* }" = "$want" ]
}

install_pkgs()
{
	local missing=() p

	for p in "$@"; do
		pkg_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || pnfsbl_die "need root to install: ${missing[*]}"
	pnfsbl_log "installing: ${missing[*]}"
	apt-get update -q >/dev/null ||
		pnfsbl_die "apt-get update failed"
	for p in "${missing[@]}"; do
		apt-cache show "$p" >/dev/null 2>&1 ||
			pnfsbl_die "package not available from apt: $p"
	done
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >"$PNFSBL_CACHE/apt.log" 2>&1 ||
		{ tail -20 "$PNFSBL_CACHE/apt.log" >&2;
		  pnfsbl_die "apt-get install failed: ${missing[*]}"; }
}

extract_source()
{
	local tarball=/usr/src/$PNFSBL_KSRC_PKG.tar.xz tmp

	[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] && return 0
	[ -f "$tarball" ] || pnfsbl_die "missing $tarball ($PNFSBL_KSRC_PKG)"
	pnfsbl_log "extracting $tarball into $PNFSBL_KSRC"
	tmp=$PNFSBL_KSRC.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	tar -C "$tmp" --strip-components=1 -xf "$tarball" ||
		pnfsbl_die "cannot extract $tarball"
	rm -rf "$PNFSBL_KSRC" && mv "$tmp" "$PNFSBL_KSRC"
	touch "$PNFSBL_KSRC/.pnfsbl-extracted"
}

mkdir -p "$PNFSBL_CACHE"
case ${1:-all} in
host)	install_pkgs "${HOST_PKGS[@]}" ;;
source)	install_pkgs "${KERNEL_PKGS[@]}"; extract_source ;;
deb)	install_pkgs "${DEB_PKGS[@]}" "${KERNEL_PKGS[@]}"; extract_source ;;
all)	install_pkgs "${HOST_PKGS[@]}" "${KERNEL_PKGS[@]}"; extract_source ;;
*)	pnfsbl_die "usage: deps.sh [host|source|deb|all]" ;;
esac
