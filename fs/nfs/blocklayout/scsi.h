/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS SCSI layout client (RFC 8154): finding the logical unit of a BASE
 * volume by its designator, and the reservation key the server gave us
 * (scsi.c).
 */
#ifndef _FS_NFS_BLOCKLAYOUT_SCSI_H
#define _FS_NFS_BLOCKLAYOUT_SCSI_H

#include <linux/types.h>

#include "blocklayout.h"

struct block_device;
struct file;

/* Most /dev/disk/by-id names bl_scsi_names() gives for one designator. */
#define BL_SCSI_MAX_NAMES	4

/* scsi.c */
struct file *bl_scsi_open(const struct bl_vol_desc *desc);
int bl_pr_register(struct block_device *bdev, u64 key);
void bl_pr_unregister(struct block_device *bdev, u64 key);

#if IS_ENABLED(CONFIG_KUNIT)
/* Static without CONFIG_KUNIT: called from outside only by tests/. */
int bl_scsi_names(const struct bl_vol_desc *desc,
		  char *names[BL_SCSI_MAX_NAMES], gfp_t gfp);
#endif

#endif /* _FS_NFS_BLOCKLAYOUT_SCSI_H */
