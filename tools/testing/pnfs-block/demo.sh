#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build the module, boot the guest with nfsd serving XFS with
# pnfs, mount it with the selected block layout driver, do I/O and print
# where the bytes went.  PNFSBL_DRIVER=ours (default) or mainline.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export PNFSBL_DRIVER=${PNFSBL_DRIVER:-ours}
status=0
"$PNFSBL_TDIR/e2e.sh" demo || status=$?
if [ "$status" = 0 ]; then
	echo "demo: passed"
else
	echo "demo: FAILED (status $status)"
fi
exit "$status"
