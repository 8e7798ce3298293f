/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block and SCSI layout client: opening the disks under volumes
 * (disk.c), for the SIMPLE leaves of dev.c and the BASE leaves of scsi.c.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_DISK_H
#define _FS_NFS_BLOCKLAYOUT_DISK_H

#include <linux/types.h>

struct file;

/* disk.c */
struct file *bl_open_disk(dev_t dev);

#endif /* _FS_NFS_BLOCKLAYOUT_DISK_H */
