#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test metadata server's suite (mds-e2e.sh) with a layout block size
# of 64 KiB, above the page size: every write of part of a fresh block,
# copy-on-write ones included, must fill the rest of it (fill.h), and
# LAYOUTGET must start at a block boundary (the test MDS refuses one
# inside a block, as nfsd does).  Not in the default make check (it
# repeats mds-e2e's 29 tests): check.sh e2e-mds64-ours.
MDS_BLKSIZE=65536 exec /t/mds-e2e.sh "$@"
