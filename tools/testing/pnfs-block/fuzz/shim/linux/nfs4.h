/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/nfs4.h>.  The protocol constants are not
 * copied here: the fuzz Makefile extracts them from the pinned kernel's
 * own headers into <pnfsbl-fuzz-nfs.h>, so they cannot drift.
 */
#ifndef _FUZZ_SHIM_LINUX_NFS4_H
#define _FUZZ_SHIM_LINUX_NFS4_H

#include <linux/types.h>

#include <pnfsbl-fuzz-nfs.h>

#endif /* _FUZZ_SHIM_LINUX_NFS4_H */
