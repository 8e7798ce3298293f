/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/nfs_fs.h>: struct pnfs_layout_range, also
 * extracted from the pinned kernel (see <linux/nfs4.h>).  The kernel's
 * header brings in most of the kernel, and xdr.c relies on it for
 * div_u64_rem().
 */
#ifndef _FUZZ_SHIM_LINUX_NFS_FS_H
#define _FUZZ_SHIM_LINUX_NFS_FS_H

#include <linux/math64.h>
#include <linux/nfs4.h>

#endif /* _FUZZ_SHIM_LINUX_NFS_FS_H */
