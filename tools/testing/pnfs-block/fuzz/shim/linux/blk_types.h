/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/blk_types.h>: sector_t and the sector size. */
#ifndef _FUZZ_SHIM_LINUX_BLK_TYPES_H
#define _FUZZ_SHIM_LINUX_BLK_TYPES_H

#include <linux/types.h>

#define SECTOR_SHIFT	9
#define SECTOR_SIZE	(1 << SECTOR_SHIFT)

#endif /* _FUZZ_SHIM_LINUX_BLK_TYPES_H */
