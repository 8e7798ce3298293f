/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's version: the one place it is set.  The module carries it
 * (MODULE_VERSION, "modinfo -F version"), and the DKMS tree and the Debian
 * package take theirs from here (tools/testing/pnfs-block/dkms.sh).  DKMS
 * needs it: without a version it refuses to install a module over an
 * in-tree one of the same name and no version.
 */
#ifndef FS_NFS_BLOCKLAYOUT_VERSION_H
#define FS_NFS_BLOCKLAYOUT_VERSION_H

#define BL_VERSION "0.1.0"

#endif /* FS_NFS_BLOCKLAYOUT_VERSION_H */
