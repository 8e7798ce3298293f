#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SCSI layout suite (scsi-e2e.sh) over an export whose XFS has
# 16 KiB blocks, above the page size.  Not in the default make check
# (it repeats scsi-e2e): check.sh e2e-scsi16k-ours.
XFS_BLOCK=16384 exec /t/scsi-e2e.sh "$@"
