#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one guest suite in QEMU and print its KTAP output.
# Usage: e2e.sh SUITE          (SUITE is a guest/SUITE.sh, e.g. block-e2e)
# Environment: PNFSBL_DRIVER=mainline|ours|dkms (default mainline; dkms is
# ours as DKMS builds it from the Debian package, dkms.sh module, loaded
# in the guest as ours),
# PNFSBL_GENERIC=stock|patched (default stock: Debian's nfs.ko and
# nfsv4.ko; patched: ours, built from fs/nfs/pnfs/series, with our driver
# built against them, or mainline's driver loaded on them), PNFSBL_SIZE
# (file size for the data tests, default 256m), PNFSBL_MULTI_CLIENTS and
# PNFSBL_MULTI_SIZE (multi-e2e: the client counts, default "1 2 4 8", and
# the size of each client's files, default 32m), and run-guest.sh's knobs
# (PNFSBL_TIMEOUT defaults to 1800 for multi-e2e: 15 client rounds of
# writes and reads under TCG).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: e2e.sh SUITE}
driver=${PNFSBL_DRIVER:-mainline}
[ -f "$PNFSBL_TDIR/guest/$suite.sh" ] || pnfsbl_die "no such suite: $suite"

generic=${PNFSBL_GENERIC:-stock}
case $driver-$generic in
mainline-stock|mainline-patched|ours-stock|ours-patched|dkms-stock) ;;
*)	pnfsbl_die "no such combination: PNFSBL_DRIVER=$driver PNFSBL_GENERIC=$generic" ;;
esac

tdir=$PNFSBL_OUT/e2e/$suite-$driver
[ "$generic" = stock ] || tdir=$tdir-$generic
rm -rf "$tdir" && mkdir -p "$tdir/t"
cp "$PNFSBL_TDIR"/guest/*.sh "$PNFSBL_TDIR"/guest/*.py "$PNFSBL_TDIR/guest-main.sh" \
	"$tdir/t/"
# The test metadata server (guest/mds-e2e.sh runs it from /t/mds).
mkdir -p "$tdir/t/mds" && cp "$PNFSBL_TDIR"/mds/*.py "$tdir/t/mds/"
gcc -O2 -Wall -static -o "$tdir/t/prng" "$PNFSBL_TDIR/prng.c" ||
	pnfsbl_die "cannot build prng (static glibc missing?)"
case $driver in
mainline)
	;;
ours)
	ko=$(PNFSBL_GENERIC=$generic "$PNFSBL_TDIR/build.sh" module)
	cp "$ko" "$tdir/t/blocklayoutdriver.ko"
	;;
dkms)
	ko=$("$PNFSBL_TDIR/dkms.sh" module)
	case $ko in
	*.xz)	xz -dc "$ko" >"$tdir/t/blocklayoutdriver.ko" ;;
	*)	cp "$ko" "$tdir/t/blocklayoutdriver.ko" ;;
	esac
	# What the guest must find loaded (check_dkms_driver), read here
	# from DKMS's own output, not from the copy: build.sh's module has
	# the same srcversion, only the bytes (DKMS signs what it builds)
	# tell the two apart.
	{
		printf 'DKMS_KO=%q\n' "$ko"
		printf 'DKMS_SHA256=%s\n' "$(case $ko in
			*.xz) xz -dc "$ko" ;;
			*) cat "$ko" ;;
			esac | sha256sum | cut -d' ' -f1)"
		printf 'DKMS_SRCVERSION=%q\n' "$(modinfo -F srcversion "$ko")"
		printf 'DKMS_VERSION=%q\n' "$(modinfo -F version "$ko")"
		printf 'DKMS_SIGNER=%q\n' "$(modinfo -F signer "$ko")"
	} >"$tdir/t/dkms-build"
	pnfsbl_log "dkms: $(tr '\n' ' ' <"$tdir/t/dkms-build")"
	;;
*)
	pnfsbl_die "PNFSBL_DRIVER must be mainline, ours or dkms"
	;;
esac
if [ "$generic" = patched ]; then
	gdir=$("$PNFSBL_TDIR/build.sh" generic)
	mkdir -p "$tdir/t/generic"
	cp "$gdir/nfs.ko" "$gdir/nfsv4.ko" "$gdir/version" "$tdir/t/generic/"
fi
ko=$("$PNFSBL_TDIR/build.sh" fault)
cp "$ko" "$tdir/t/"
cat >"$tdir/t/env" <<EOV
PNFSBL_SUITE=$suite
PNFSBL_DRIVER=${driver/dkms/ours}
PNFSBL_GENERIC=$generic
PNFSBL_SIZE=${PNFSBL_SIZE:-256m}
PNFSBL_MULTI_CLIENTS="${PNFSBL_MULTI_CLIENTS:-1 2 4 8}"
PNFSBL_MULTI_SIZE=${PNFSBL_MULTI_SIZE:-32m}
EOV
if [ "$suite" = multi-e2e ]; then
	export PNFSBL_TIMEOUT=${PNFSBL_TIMEOUT:-1800}
fi

status=0
"$PNFSBL_TDIR/run-guest.sh" "$tdir/t" "$tdir/results" >"$tdir/run.log" || status=$?
if [ -f "$tdir/results/ktap.txt" ]; then
	cat "$tdir/results/ktap.txt"
else
	echo "KTAP version 1"
	echo "1..1"
	echo "not ok 1 $suite: the guest produced no output"
fi
[ "$status" = 0 ] || { cat "$tdir/run.log"; echo "# $suite: guest status $status"; }
exit "$status"
