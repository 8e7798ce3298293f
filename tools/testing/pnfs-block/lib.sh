# SPDX-License-Identifier: GPL-2.0
#
# Common settings for the pNFS block layout client harness.  Sourced, not run.

# The pinned kernel trio (Debian bookworm-security).
PNFSBL_KVER=${PNFSBL_KVER:-6.12.117+deb12-amd64}
PNFSBL_KPKGVER=${PNFSBL_KPKGVER:-6.12.117-1~deb12u1}
PNFSBL_KSRC_PKG=linux-source-6.12

# Everything downloaded or built once lives outside the clone.
PNFSBL_CACHE=${PNFSBL_CACHE:-/var/cache/pnfs-block}
PNFSBL_KSRC=${PNFSBL_KSRC:-$PNFSBL_CACHE/linux-source-$PNFSBL_KPKGVER}
PNFSBL_KHDR=${PNFSBL_KHDR:-/usr/src/linux-headers-$PNFSBL_KVER}
PNFSBL_KIMG=${PNFSBL_KIMG:-/boot/vmlinuz-$PNFSBL_KVER}
PNFSBL_KMODS=${PNFSBL_KMODS:-/lib/modules/$PNFSBL_KVER}

PNFSBL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PNFSBL_TDIR=$PNFSBL_TOP/tools/testing/pnfs-block
PNFSBL_OUT=${PNFSBL_OUT:-$PNFSBL_TOP/.out}

pnfsbl_die()
{
	echo "pnfs-block: error: $*" >&2
	exit 1
}

pnfsbl_log()
{
	echo "pnfs-block: $*" >&2
}

# series_patches [N]: the first N patches of the series (all by default),
# one path per line.
series_patches()
{
	local n=0 p

	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		[ -n "${1:-}" ] && [ "$n" -ge "$1" ] && break
		n=$((n + 1))
		echo "$PNFSBL_TOP/fs/nfs/pnfs/$p"
	done <"$PNFSBL_TOP/fs/nfs/pnfs/series"
}

# ktap_report STATUS NAME [OUTPUT]: one KTAP result line, numbered and
# counted in the caller's n, pass and fail; a failure shows OUTPUT, if
# any, as diagnostics.
ktap_report()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "ok $n $2"
	else
		fail=$((fail + 1)); echo "not ok $n $2"
		[ -z "$3" ] || printf '%s\n' "$3" | sed 's/^/# /'
	fi
}
