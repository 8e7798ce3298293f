/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block and SCSI layout client: server blocks larger than a page.
 *
 * A write covers whole pages, and with a server block of at most a page
 * whole blocks too.  With a larger block, a write may cover only part of
 * its first or last block.  When that block is INVALID_DATA and not yet
 * written by this client, the server will take the whole block as ours
 * at LAYOUTCOMMIT, so the rest of it must be written as well: from the
 * page cache where it holds the data, else zeros, or the copy-on-write
 * source's contents (RFC 5663 section 2.3.1).  Those fill pages go out
 * with the write, and the whole blocks are then tagged written.
 *
 * Two writes of one block must then not be on the disk at once: the
 * fill of one could land after the data of the other.  Every write on a
 * layout with blocks above a page claims its blocks in the layout's
 * bl_wr_tracker before it looks at the extents, and holds them until
 * its extents are tagged; a write that covers only part of a block
 * waits for every other write of that block, and one that covers whole
 * blocks only for such partial writes.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_FILL_H
#define _FS_NFS_BLOCKLAYOUT_FILL_H

#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct bl_ext;

/* The largest server block size used over the layout. */
#define BL_MAX_BLKSIZE		SZ_64K

/* Fill pages a write can need: less than a block on each side. */
#define BL_FILL_MAX_PAGES	(2 * (BL_MAX_BLKSIZE / PAGE_SIZE))

/**
 * struct bl_wr_range - a write in flight, rounded out to server blocks
 * @node: on bl_wr_tracker.list while claimed
 * @start: first byte of the write's first block
 * @end: byte after the write's last block
 * @partial: the write covers only part of its first or last block
 * @claimed: @node is on the list
 */
struct bl_wr_range {
	struct list_head	node;
	u64			start;
	u64			end;
	bool			partial;
	bool			claimed;
};

/**
 * struct bl_wr_tracker - the writes in flight of one layout
 * @lock: protects @list and every listed range's @claimed
 * @list: the claimed ranges, unsorted (a handful at a time)
 * @wait: woken when a range is released
 */
struct bl_wr_tracker {
	spinlock_t		lock;	/* see above */
	struct list_head	list;
	wait_queue_head_t	wait;
};

/**
 * enum bl_fill_src - what the part of a block a write leaves out holds
 * @BL_FILL_NONE: the disk holds it already: nothing to fill
 * @BL_FILL_ZERO: zeros, unless the page cache holds newer data
 * @BL_FILL_COW: the copy-on-write source's data, unless the page cache
 *	holds newer data
 */
enum bl_fill_src {
	BL_FILL_NONE,
	BL_FILL_ZERO,
	BL_FILL_COW,
};

void bl_wr_tracker_init(struct bl_wr_tracker *t);
void bl_wr_range_init(struct bl_wr_range *r, u64 offset, u64 len, u32 bs);
bool bl_wr_try_claim(struct bl_wr_tracker *t, struct bl_wr_range *r);
void bl_wr_claim(struct bl_wr_tracker *t, struct bl_wr_range *r);
void bl_wr_release(struct bl_wr_tracker *t, struct bl_wr_range *r);
enum bl_fill_src bl_fill_source(const struct bl_ext *e,
				const struct bl_ext *cow);

#endif /* _FS_NFS_BLOCKLAYOUT_FILL_H */
