// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: writes of part of a server block
 * larger than a page (see fill.h): which writes must wait for which, and
 * what fills the rest of the block.
 */
#include <linux/math.h>
#include <linux/nfs4.h>
#include <kunit/visibility.h>

#include "extents.h"
#include "fill.h"

/**
 * bl_wr_tracker_init - set up a layout's tracker of writes in flight
 * @t: the tracker
 */
void bl_wr_tracker_init(struct bl_wr_tracker *t)
{
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->list);
	init_waitqueue_head(&t->wait);
}
EXPORT_SYMBOL_IF_KUNIT(bl_wr_tracker_init);

/**
 * bl_wr_range_init - the blocks a write touches
 * @r: the range to set up, not claimed
 * @offset: the write's first byte
 * @len: its length in bytes, not 0
 * @bs: the server's block size, a power of two
 */
void bl_wr_range_init(struct bl_wr_range *r, u64 offset, u64 len, u32 bs)
{
	INIT_LIST_HEAD(&r->node);
	r->start = round_down(offset, bs);
	r->end = round_up(offset + len, bs);
	r->partial = r->start != offset || r->end != offset + len;
	r->claimed = false;
}
EXPORT_SYMBOL_IF_KUNIT(bl_wr_range_init);

static bool bl_wr_conflict(const struct bl_wr_range *a,
			   const struct bl_wr_range *b)
{
	return (a->partial || b->partial) &&
	       a->start < b->end && b->start < a->end;
}

/**
 * bl_wr_try_claim - claim a write's blocks if no write in flight conflicts
 * @t: the layout's tracker
 * @r: the write's range, not claimed
 *
 * Return: %true if @r is now claimed.
 */
bool bl_wr_try_claim(struct bl_wr_tracker *t, struct bl_wr_range *r)
{
	struct bl_wr_range *other;
	bool ok = true;

	spin_lock(&t->lock);
	list_for_each_entry(other, &t->list, node) {
		if (bl_wr_conflict(r, other)) {
			ok = false;
			break;
		}
	}
	if (ok) {
		list_add_tail(&r->node, &t->list);
		r->claimed = true;
	}
	spin_unlock(&t->lock);
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(bl_wr_try_claim);

/**
 * bl_wr_claim - claim a write's blocks, waiting for conflicting writes
 * @t: the layout's tracker
 * @r: the write's range, not claimed
 *
 * Sleeps until every write @r conflicts with has been released; these
 * are in flight on the disks (their bios went out before they were
 * released), and the sleep submits any of them still plugged by this
 * task.
 */
void bl_wr_claim(struct bl_wr_tracker *t, struct bl_wr_range *r)
{
	wait_event(t->wait, bl_wr_try_claim(t, r));
}
EXPORT_SYMBOL_IF_KUNIT(bl_wr_claim);

/**
 * bl_wr_release - release a write's blocks, once its extents are tagged
 * @t: the layout's tracker
 * @r: the write's range; nothing happens if it is not claimed
 */
void bl_wr_release(struct bl_wr_tracker *t, struct bl_wr_range *r)
{
	bool was;

	spin_lock(&t->lock);
	was = r->claimed;
	if (was) {
		list_del_init(&r->node);
		r->claimed = false;
	}
	spin_unlock(&t->lock);
	if (was)
		wake_up_all(&t->wait);
}
EXPORT_SYMBOL_IF_KUNIT(bl_wr_release);

/**
 * bl_fill_source - what fills the rest of a block a write covers in part
 * @e: the write-tree extent holding the block (bl_ext_lookup(), @rw)
 * @cow: its copy-on-write source, @cow->len 0 if none
 *
 * Only a block that is INVALID_DATA and not yet written by this client
 * needs filling; in one that is READ_WRITE_DATA, or that this client
 * wrote (whole, with its fill) since the layout came, the disk holds the
 * rest of the block already.
 *
 * Return: the fill source.
 */
enum bl_fill_src bl_fill_source(const struct bl_ext *e,
				const struct bl_ext *cow)
{
	if (e->state != PNFS_BLOCK_INVALID_DATA || e->tag != BL_EXT_CLEAN)
		return BL_FILL_NONE;
	if (cow->len && cow->state == PNFS_BLOCK_READ_DATA)
		return BL_FILL_COW;
	return BL_FILL_ZERO;
}
EXPORT_SYMBOL_IF_KUNIT(bl_fill_source);
