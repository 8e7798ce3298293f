/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: the extent
 * cache of one layout header.
 *
 * Glossary:
 *
 * An *extent* maps a run of file sectors to a run of volume sectors in one
 * of the four states of RFC 5663 section 2.3 (enum pnfs_block_extent_state).
 * The *write tree* holds the extents usable for writing: READ_WRITE_DATA
 * and INVALID_DATA.
 * The *read tree* holds READ_DATA (also the copy-on-write source) and
 * NONE_DATA (a hole).
 * A copy-on-write range has a READ_DATA extent in the read tree and an
 * INVALID_DATA extent in the write tree for the same file sectors.
 * Within one tree extents never overlap.
 * A *tag* records local state of an INVALID_DATA extent: written by us but
 * not yet committed, or listed in a LAYOUTCOMMIT that is in flight.
 * A *snapshot* is a struct bl_ext copied out by value, holding its own
 * device reference until bl_ext_put_snapshot().
 *
 * All offsets and lengths in the cache are in 512-byte sectors; the
 * server's byte values (struct bl_ext_desc) are converted on insertion.
 *
 * Locking: bl_ext_cache.lock (a spinlock, process context only) protects
 * both trees, every extent in them and the two tag counters.  It may be
 * taken inside the inode's i_lock and never takes another lock itself.
 * Nothing is allocated or freed and no device reference is put under it.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_EXTENTS_H
#define _FS_NFS_BLOCKLAYOUT_EXTENTS_H

#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "blocklayout.h"

struct bl_dev;

/*
 * Most extents one LAYOUTCOMMIT lists: a block body of 4 + 44 * 1024 bytes
 * (45060) or a SCSI body of 4 + 16 * 1024 bytes stays far below the
 * smallest session request size a server is likely to grant once the rest
 * of the compound is added.  Further written extents go in the next
 * commit, which the driver asks for at once.
 */
#define BL_EXT_COMMIT_MAX	1024

/**
 * enum bl_ext_tag - local state of an INVALID_DATA extent
 * @BL_EXT_CLEAN: not written by us (always so for the other states)
 * @BL_EXT_WRITTEN: written and the data is on disk, not yet committed
 * @BL_EXT_COMMITTING: listed in the LAYOUTCOMMIT now in flight
 */
enum bl_ext_tag {
	BL_EXT_CLEAN,
	BL_EXT_WRITTEN,
	BL_EXT_COMMITTING,
};

/**
 * struct bl_ext - one extent, as cached or as a snapshot
 * @f_offset: first file sector
 * @len: length in sectors, never zero
 * @v_offset: first sector on the volume (meaningless for NONE_DATA:
 *	nothing maps a hole to the volume)
 * @state: enum pnfs_block_extent_state
 * @tag: enum bl_ext_tag
 * @dev: the device node (dev.h), may be %NULL; one reference is held
 *	through bl_ext_dev_ops for every cached extent and every snapshot
 * @devid: the device ID, for encoding LAYOUTCOMMIT
 */
struct bl_ext {
	sector_t		f_offset;
	sector_t		len;
	sector_t		v_offset;
	u32			state;
	u32			tag;
	struct bl_dev		*dev;
	struct nfs4_deviceid	devid;
};

/**
 * bl_ext_end - one past the last file sector of an extent
 * @e: the extent
 *
 * Return: @e->f_offset + @e->len.
 */
static inline sector_t bl_ext_end(const struct bl_ext *e)
{
	return e->f_offset + e->len;
}

/**
 * bl_ext_map_sector - the volume sector behind a file sector of an extent
 * @e: the extent, not NONE_DATA
 * @sector: a file sector inside @e
 *
 * Like dm-linear's linear_map_sector(): a shift by the extent's start.
 *
 * Return: @sector's sector on the volume.
 */
static inline sector_t bl_ext_map_sector(const struct bl_ext *e,
					 sector_t sector)
{
	return e->v_offset + (sector - e->f_offset);
}

/**
 * bl_ext_state_writable - does an extent state belong to the write tree?
 * @state: enum pnfs_block_extent_state
 *
 * Return: %true for READ_WRITE_DATA and INVALID_DATA (RFC 5663 section
 * 2.3.1), the states a client may write through.
 */
static inline bool bl_ext_state_writable(u32 state)
{
	return state == PNFS_BLOCK_READWRITE_DATA ||
	       state == PNFS_BLOCK_INVALID_DATA;
}

/**
 * bl_ext_writable - may an extent be written through?
 * @e: the extent
 *
 * Return: bl_ext_state_writable() of @e's state.
 */
static inline bool bl_ext_writable(const struct bl_ext *e)
{
	return bl_ext_state_writable(e->state);
}

/**
 * struct bl_ext_dev_ops - device reference counting for the cache
 * @get: take one reference on @dev; called under the cache lock, must not
 *	sleep
 * @put: drop one reference on @dev; never called under the cache lock
 *
 * Neither is called for a %NULL device.
 */
struct bl_ext_dev_ops {
	void	(*get)(struct bl_dev *dev);
	void	(*put)(struct bl_dev *dev);
};

/**
 * struct bl_ext_cache - the extents of one layout header
 * @lock: protects @rw_root, @ro_root, every extent in them, @nr_written,
 *	@nr_committing, @lwb and @commit_lwb
 * @rw_root: the write tree (READ_WRITE_DATA, INVALID_DATA), by file offset
 * @ro_root: the read tree (READ_DATA, NONE_DATA), by file offset
 * @nr_written: extents tagged %BL_EXT_WRITTEN
 * @nr_committing: extents tagged %BL_EXT_COMMITTING
 * @lwb: one past the last byte written (0: none since the last commit)
 * @commit_lwb: @lwb as listed by the commit in flight
 * @ops: device reference counting, set at init and never changed
 */
struct bl_ext_cache {
	spinlock_t			lock;	/* trees, extents, counters */
	struct rb_root			rw_root;
	struct rb_root			ro_root;
	unsigned long			nr_written;
	unsigned long			nr_committing;
	u64				lwb;
	u64				commit_lwb;
	const struct bl_ext_dev_ops	*ops;
};

/* extents.c */
void bl_ext_cache_init(struct bl_ext_cache *c, const struct bl_ext_dev_ops *ops);
void bl_ext_cache_destroy(struct bl_ext_cache *c);
int bl_ext_cache_add(struct bl_ext_cache *c, const struct bl_ext_desc *d,
		     u32 nr, struct bl_dev *const *devs, gfp_t gfp);
bool bl_ext_lookup(struct bl_ext_cache *c, sector_t isect, bool rw,
		   struct bl_ext *out, struct bl_ext *cow_out);
void bl_ext_put_snapshot(struct bl_ext_cache *c, struct bl_ext *e);
int bl_ext_mark_written(struct bl_ext_cache *c, sector_t start, sector_t len,
			u64 lwb, gfp_t gfp);
int bl_ext_commit_collect(struct bl_ext_cache *c, u64 *lwb);
unsigned int bl_ext_commit_forget(struct bl_ext_cache *c,
				  const struct bl_dev *dev);
int bl_ext_commit_encode(struct bl_ext_cache *c, bool scsi, void **buf,
			 size_t *len, gfp_t gfp);
void bl_ext_commit_done(struct bl_ext_cache *c, bool ok);
int bl_ext_remove(struct bl_ext_cache *c, sector_t start, sector_t end);
unsigned long bl_ext_nr_pending(struct bl_ext_cache *c);
bool bl_ext_has_pending(struct bl_ext_cache *c);
bool bl_ext_has_written(struct bl_ext_cache *c);

#endif /* _FS_NFS_BLOCKLAYOUT_EXTENTS_H */
