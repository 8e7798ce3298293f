// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block/SCSI layout client: the extent cache of one layout header.
 *
 * Two rb-trees keyed by file sector (see extents.h for the glossary and
 * the lock).  Every operation follows one pattern: count under the lock
 * how many new extents it may need, drop the lock to allocate them if the
 * preallocated pool is short (bl_ext_lock_reserve(), with a count
 * function per operation), then change the trees without failing, and
 * free merged or removed extents (putting their device references) after
 * the lock is dropped.  So every operation is all-or-nothing on %-ENOMEM.
 */

#include <kunit/visibility.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "extents.h"

/**
 * struct bl_ext_node - one cached extent
 * @node: in bl_ext_cache.rw_root or bl_ext_cache.ro_root
 * @list: in a preallocation pool or a list of extents to free
 * @ext: the extent
 */
struct bl_ext_node {
	struct rb_node		node;
	struct list_head	list;
	struct bl_ext		ext;
};

/* Extents allocated outside the lock, holding no device reference yet. */
struct bl_ext_pool {
	struct list_head	list;
	unsigned int		nr;
};

#define BL_EXT_POOL_INIT(name) { .list = LIST_HEAD_INIT((name).list) }

static struct bl_ext_node *bl_ext_node(struct rb_node *rb)
{
	return rb ? rb_entry(rb, struct bl_ext_node, node) : NULL;
}

static struct bl_ext_node *bl_ext_next(struct bl_ext_node *n)
{
	return bl_ext_node(rb_next(&n->node));
}

static struct bl_ext_node *bl_ext_prev(struct bl_ext_node *n)
{
	return bl_ext_node(rb_prev(&n->node));
}

static struct rb_root *bl_ext_root(struct bl_ext_cache *c, u32 state)
{
	return bl_ext_state_writable(state) ? &c->rw_root : &c->ro_root;
}

static void bl_ext_dev_get(struct bl_ext_cache *c, struct bl_dev *dev)
{
	if (dev && c->ops && c->ops->get)
		c->ops->get(dev);
}

static void bl_ext_dev_put(struct bl_ext_cache *c, struct bl_dev *dev)
{
	if (dev && c->ops && c->ops->put)
		c->ops->put(dev);
}

/* The first extent ending after @sect: the one holding it, or the next. */
static struct bl_ext_node *bl_ext_first_after(struct rb_root *root,
					      sector_t sect)
{
	struct rb_node *rb = root->rb_node;
	struct bl_ext_node *found = NULL;

	while (rb) {
		struct bl_ext_node *n = bl_ext_node(rb);

		if (sect >= bl_ext_end(&n->ext)) {
			rb = rb->rb_right;
			continue;
		}
		found = n;
		if (sect >= n->ext.f_offset)
			break;
		rb = rb->rb_left;
	}
	return found;
}

/* The extent holding @sect, or %NULL. */
static struct bl_ext_node *bl_ext_find(struct rb_root *root, sector_t sect)
{
	struct bl_ext_node *n = bl_ext_first_after(root, sect);

	return n && n->ext.f_offset <= sect ? n : NULL;
}

static void bl_ext_count_tag(struct bl_ext_cache *c, u32 tag, long delta)
{
	if (tag == BL_EXT_WRITTEN)
		c->nr_written += delta;
	else if (tag == BL_EXT_COMMITTING)
		c->nr_committing += delta;
}

static void __bl_ext_set_tag(struct bl_ext_cache *c, struct bl_ext_node *n,
			     u32 tag)
{
	lockdep_assert_held(&c->lock);
	bl_ext_count_tag(c, n->ext.tag, -1);
	n->ext.tag = tag;
	bl_ext_count_tag(c, tag, 1);
}

static void __bl_ext_link(struct bl_ext_cache *c, struct rb_root *root,
			  struct bl_ext_node *n)
{
	struct rb_node **p = &root->rb_node, *parent = NULL;

	lockdep_assert_held(&c->lock);
	while (*p) {
		parent = *p;
		if (n->ext.f_offset < bl_ext_node(parent)->ext.f_offset)
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&n->node, parent, p);
	rb_insert_color(&n->node, root);
	bl_ext_count_tag(c, n->ext.tag, 1);
}

/* Take @n out of @root; it is freed, with its reference, from @free. */
static void __bl_ext_unlink(struct bl_ext_cache *c, struct rb_root *root,
			    struct bl_ext_node *n, struct list_head *free)
{
	lockdep_assert_held(&c->lock);
	rb_erase(&n->node, root);
	bl_ext_count_tag(c, n->ext.tag, -1);
	list_add_tail(&n->list, free);
}

/* Free extents taken out of the trees, and put their references. */
static void bl_ext_release(struct bl_ext_cache *c, struct list_head *free)
{
	struct bl_ext_node *n, *tmp;

	lockdep_assert_not_held(&c->lock);
	list_for_each_entry_safe(n, tmp, free, list) {
		list_del(&n->list);
		bl_ext_dev_put(c, n->ext.dev);
		kfree(n);
	}
}

static int bl_ext_pool_fill(struct bl_ext_pool *pool, unsigned int want,
			    gfp_t gfp)
{
	while (pool->nr < want) {
		struct bl_ext_node *n = kmalloc(sizeof(*n), gfp);

		if (!n)
			return -ENOMEM;
		list_add(&n->list, &pool->list);
		pool->nr++;
	}
	return 0;
}

static struct bl_ext_node *bl_ext_pool_take(struct bl_ext_pool *pool)
{
	struct bl_ext_node *n;

	/* Callers count their needs first: running dry is a bug. */
	if (WARN_ON_ONCE(!pool->nr))
		return NULL;
	n = list_first_entry(&pool->list, struct bl_ext_node, list);
	list_del(&n->list);
	pool->nr--;
	return n;
}

static void bl_ext_pool_drain(struct bl_ext_pool *pool)
{
	struct bl_ext_node *n, *tmp;

	list_for_each_entry_safe(n, tmp, &pool->list, list)
		kfree(n);
	INIT_LIST_HEAD(&pool->list);
	pool->nr = 0;
}

/*
 * Take the cache lock with enough extents in @pool for an update: count
 * them under the lock with @count(@c, @arg), and while @pool holds fewer,
 * drop the lock to allocate with @gfp and count again, since the trees
 * may have changed meanwhile.  The caller then changes the trees without
 * a failure path.  (Not kernel-doc: scripts/kernel-doc cannot parse the
 * function pointer parameter next to __acquires().)
 * Return: %0, or %-ENOMEM if an allocation failed; the lock is held on
 * return either way.
 */
static int bl_ext_lock_reserve(struct bl_ext_cache *c, struct bl_ext_pool *pool,
			       unsigned int (*count)(struct bl_ext_cache *c,
						     const void *arg),
			       const void *arg, gfp_t gfp)
	__acquires(&c->lock)
{
	unsigned int need;
	int err;

	spin_lock(&c->lock);
	while ((need = count(c, arg)) > pool->nr) {
		spin_unlock(&c->lock);
		err = bl_ext_pool_fill(pool, need, gfp);
		spin_lock(&c->lock);
		if (err)
			return err;
	}
	return 0;
}

/* Drop the first @at - e->f_offset sectors of a value copy. */
static void bl_ext_trim_front(struct bl_ext *e, sector_t at)
{
	sector_t delta = at - e->f_offset;

	e->f_offset = at;
	e->len -= delta;
	e->v_offset += delta;
}

/* Clip a value copy to [@start, @end); the ranges must intersect. */
static void bl_ext_clip(struct bl_ext *e, sector_t start, sector_t end)
{
	if (e->f_offset < start)
		bl_ext_trim_front(e, start);
	if (bl_ext_end(e) > end)
		e->len = end - e->f_offset;
}

/**
 * __bl_ext_split - split a cached extent in two
 * @c: the cache
 * @root: the tree holding @n
 * @n: the extent, which must hold @at and start before it
 * @at: first sector of the second part
 * @pool: where the new extent comes from
 *
 * @n keeps the sectors before @at; a new extent with the same state, tag
 * and device (and its own device reference) takes the rest.
 *
 * Return: the new extent, or %NULL (with a warning) if @pool is empty.
 */
static struct bl_ext_node *__bl_ext_split(struct bl_ext_cache *c,
					  struct rb_root *root,
					  struct bl_ext_node *n, sector_t at,
					  struct bl_ext_pool *pool)
{
	struct bl_ext_node *r;

	lockdep_assert_held(&c->lock);
	r = bl_ext_pool_take(pool);
	if (!r)
		return NULL;
	r->ext = n->ext;
	bl_ext_trim_front(&r->ext, at);
	n->ext.len = at - n->ext.f_offset;
	bl_ext_dev_get(c, r->ext.dev);
	__bl_ext_link(c, root, r);
	return r;
}

/*
 * Two extents merge when the second continues the first in the file and,
 * except for holes, on the same volume, with the same state and tag:
 * a written extent must not absorb an unwritten one, or LAYOUTCOMMIT would
 * declare data valid that was never written.
 */
static bool bl_ext_can_merge(const struct bl_ext *a, const struct bl_ext *b)
{
	if (a->state != b->state || a->tag != b->tag || a->dev != b->dev)
		return false;
	if (memcmp(&a->devid, &b->devid, sizeof(a->devid)))
		return false;
	if (bl_ext_end(a) != b->f_offset)
		return false;
	return a->state == PNFS_BLOCK_NONE_DATA ||
	       a->v_offset + a->len == b->v_offset;
}

/**
 * __bl_ext_merge_range - merge neighbours around a changed range
 * @c: the cache
 * @root: the tree
 * @start: first changed sector
 * @end: one past the last changed sector (may be ~0)
 * @free: where extents absorbed by a neighbour go
 *
 * Looks at every extent touching [@start, @end] and at its neighbours.
 */
static void __bl_ext_merge_range(struct bl_ext_cache *c, struct rb_root *root,
				 sector_t start, sector_t end,
				 struct list_head *free)
{
	struct bl_ext_node *n, *next, *prev;

	lockdep_assert_held(&c->lock);
	n = bl_ext_first_after(root, start);
	if (!n)
		return;
	prev = bl_ext_prev(n);
	if (prev)
		n = prev;
	while (n && n->ext.f_offset <= end) {
		next = bl_ext_next(n);
		if (next && bl_ext_can_merge(&n->ext, &next->ext)) {
			n->ext.len += next->ext.len;
			__bl_ext_unlink(c, root, next, free);
			continue;
		}
		n = next;
	}
}

/**
 * bl_ext_cache_init - set up an empty extent cache
 * @c: the cache
 * @ops: how to take and drop device references; may be %NULL when every
 *	device passed to bl_ext_cache_add() is %NULL
 */
void bl_ext_cache_init(struct bl_ext_cache *c, const struct bl_ext_dev_ops *ops)
{
	spin_lock_init(&c->lock);
	c->rw_root = RB_ROOT;
	c->ro_root = RB_ROOT;
	c->nr_written = 0;
	c->nr_committing = 0;
	c->ops = ops;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_cache_init);

/**
 * bl_ext_cache_destroy - free every extent of a cache
 * @c: the cache, no longer used by anyone else
 *
 * Puts the device reference of every extent, written ones included: the
 * caller must have committed (or given up on) pending writes first.
 * The cache may be reused after bl_ext_cache_init().
 */
void bl_ext_cache_destroy(struct bl_ext_cache *c)
{
	struct bl_ext_node *n, *tmp;
	LIST_HEAD(free);

	spin_lock(&c->lock);
	rbtree_postorder_for_each_entry_safe(n, tmp, &c->rw_root, node)
		list_add_tail(&n->list, &free);
	rbtree_postorder_for_each_entry_safe(n, tmp, &c->ro_root, node)
		list_add_tail(&n->list, &free);
	c->rw_root = RB_ROOT;
	c->ro_root = RB_ROOT;
	c->nr_written = 0;
	c->nr_committing = 0;
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_cache_destroy);

static bool bl_ext_desc_ok(const struct bl_ext_desc *d)
{
	u64 end;

	if (d->state > PNFS_BLOCK_NONE_DATA || !d->len)
		return false;
	if ((d->file_offset | d->len | d->storage_offset) & (SECTOR_SIZE - 1))
		return false;
	return !check_add_overflow(d->file_offset, d->len, &end);
}

/*
 * What bl_ext_cache_add() relies on: every extent is valid, and extents
 * going to one tree are sorted and disjoint, so the gaps counted before
 * inserting are exactly the pieces inserted.  These rules are a subset of
 * bl_decode_layout()'s (holes included: it gives them storage offset 0),
 * so no server reply can fail them; the check is for other callers.
 */
static int bl_ext_check_descs(const struct bl_ext_desc *d, u32 nr)
{
	u64 rw_end = 0, ro_end = 0, *end;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (!bl_ext_desc_ok(&d[i]))
			return -EINVAL;
		end = bl_ext_state_writable(d[i].state) ? &rw_end : &ro_end;
		if (d[i].file_offset < *end)
			return -EINVAL;
		*end = bl_ext_desc_end(&d[i]);
	}
	return 0;
}

static void bl_ext_from_desc(struct bl_ext *e, const struct bl_ext_desc *d,
			     struct bl_dev *dev)
{
	e->f_offset = d->file_offset >> SECTOR_SHIFT;
	e->len = d->len >> SECTOR_SHIFT;
	e->v_offset = d->storage_offset >> SECTOR_SHIFT;
	e->state = d->state;
	e->tag = BL_EXT_CLEAN;
	e->dev = dev;
	e->devid = d->devid;
}

/* How many runs of [@start, @end) no cached extent of @root covers. */
static unsigned int __bl_ext_count_gaps(struct bl_ext_cache *c,
					struct rb_root *root,
					sector_t start, sector_t end)
{
	struct bl_ext_node *n = bl_ext_first_after(root, start);
	unsigned int gaps = 0;
	sector_t cur = start;

	lockdep_assert_held(&c->lock);
	for (; n && n->ext.f_offset < end; n = bl_ext_next(n)) {
		if (n->ext.f_offset > cur)
			gaps++;
		cur = bl_ext_end(&n->ext);
	}
	if (cur < end)
		gaps++;
	return gaps;
}

/**
 * __bl_ext_fill_gaps - insert the parts of a new extent not yet cached
 * @c: the cache
 * @root: the tree for @e's state
 * @e: the new extent (a value; its reference is taken per piece)
 * @pool: preallocated extents, one per gap
 *
 * Cached extents win where they overlap @e: they may carry written state
 * the server does not know about yet.
 */
static void __bl_ext_fill_gaps(struct bl_ext_cache *c, struct rb_root *root,
			       const struct bl_ext *e, struct bl_ext_pool *pool)
{
	sector_t cur = e->f_offset, end = bl_ext_end(e), gap_end;
	struct bl_ext_node *n = bl_ext_first_after(root, cur), *piece;

	lockdep_assert_held(&c->lock);
	while (cur < end) {
		gap_end = n && n->ext.f_offset < end ? n->ext.f_offset : end;
		if (gap_end > cur) {
			piece = bl_ext_pool_take(pool);
			if (!piece)
				return;
			piece->ext = *e;
			bl_ext_clip(&piece->ext, cur, gap_end);
			bl_ext_dev_get(c, piece->ext.dev);
			__bl_ext_link(c, root, piece);
		}
		if (!n || n->ext.f_offset >= end)
			break;
		cur = bl_ext_end(&n->ext);
		n = bl_ext_next(n);
	}
}

/* The descriptors of one bl_ext_cache_add(). */
struct bl_ext_add_args {
	const struct bl_ext_desc	*d;
	u32				nr;
};

/* bl_ext_lock_reserve() count: one extent per gap each new one fills. */
static unsigned int __bl_ext_add_need(struct bl_ext_cache *c, const void *arg)
{
	const struct bl_ext_add_args *a = arg;
	unsigned int need = 0;
	struct bl_ext e;
	u32 i;

	for (i = 0; i < a->nr; i++) {
		bl_ext_from_desc(&e, &a->d[i], NULL);
		need += __bl_ext_count_gaps(c, bl_ext_root(c, e.state),
					    e.f_offset, bl_ext_end(&e));
	}
	return need;
}

/**
 * bl_ext_cache_add - cache the extents of one LAYOUTGET reply
 * @c: the cache
 * @d: the decoded extents, byte values (RFC 5663 section 2.3), sector
 *	aligned, sorted and disjoint per tree, as bl_decode_layout() leaves
 *	them
 * @nr: number of entries in @d and @devs
 * @devs: @devs[i] is the device of @d[i] (may be %NULL, e.g. for holes);
 *	the cache takes its own references, the caller keeps its own
 * @gfp: allocation flags
 *
 * Where a new extent overlaps a cached one of the same tree, the cached
 * one wins (it may carry written state); the rest of the new extent is
 * inserted, split around it.  Neighbours contiguous in the file and on the
 * volume, with the same state, tag and device, are merged.
 *
 * Return: %0 on success, %-ENOMEM (nothing cached) if an allocation
 * fails, %-EINVAL (nothing cached) if @d breaks the rules above, which a
 * list from bl_decode_layout() never does.
 */
int bl_ext_cache_add(struct bl_ext_cache *c, const struct bl_ext_desc *d,
		     u32 nr, struct bl_dev *const *devs, gfp_t gfp)
{
	const struct bl_ext_add_args args = { .d = d, .nr = nr };
	struct bl_ext_pool pool = BL_EXT_POOL_INIT(pool);
	struct bl_ext e;
	LIST_HEAD(free);
	int err;
	u32 i;

	err = bl_ext_check_descs(d, nr);
	if (err)
		return err;
	/* Usually every new extent lands in one gap: allocate that much. */
	err = bl_ext_pool_fill(&pool, nr, gfp);
	if (err)
		goto out_drain;
	err = bl_ext_lock_reserve(c, &pool, __bl_ext_add_need, &args, gfp);
	for (i = 0; !err && i < nr; i++) {
		struct rb_root *root = bl_ext_root(c, d[i].state);

		bl_ext_from_desc(&e, &d[i], devs[i]);
		__bl_ext_fill_gaps(c, root, &e, &pool);
		__bl_ext_merge_range(c, root, e.f_offset, bl_ext_end(&e), &free);
	}
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
out_drain:
	bl_ext_pool_drain(&pool);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_cache_add);

/* Take the references of the snapshots filled in by bl_ext_lookup(). */
static void bl_ext_get_snapshots(struct bl_ext_cache *c, struct bl_ext *out,
				 struct bl_ext *cow_out)
{
	bl_ext_dev_get(c, out->dev);
	if (cow_out)
		bl_ext_dev_get(c, cow_out->dev);
}

/*
 * Clip @e, which holds @isect, to end where the first extent of @root
 * starting after @isect starts: from there on that extent decides.
 */
static void __bl_ext_clip_to_next(struct bl_ext_cache *c, struct rb_root *root,
				  sector_t isect, struct bl_ext *e)
{
	struct bl_ext_node *n = bl_ext_first_after(root, isect);

	lockdep_assert_held(&c->lock);
	if (n && n->ext.f_offset <= isect)
		n = bl_ext_next(n);
	if (n && n->ext.f_offset < bl_ext_end(e))
		e->len = n->ext.f_offset - e->f_offset;
}

/* The write-tree answer: the extent, and the copy-on-write source. */
static bool __bl_ext_lookup_rw(struct bl_ext_cache *c, sector_t isect,
			       struct bl_ext *out, struct bl_ext *cow_out)
{
	struct bl_ext_node *w = bl_ext_find(&c->rw_root, isect), *r;

	lockdep_assert_held(&c->lock);
	if (!w)
		return false;
	*out = w->ext;
	if (w->ext.state != PNFS_BLOCK_INVALID_DATA ||
	    w->ext.tag != BL_EXT_CLEAN)
		return true;
	r = bl_ext_find(&c->ro_root, isect);
	if (!r || r->ext.state != PNFS_BLOCK_READ_DATA) {
		__bl_ext_clip_to_next(c, &c->ro_root, isect, out);
		return true;
	}
	if (cow_out) {
		*cow_out = r->ext;
		bl_ext_clip(cow_out, w->ext.f_offset, bl_ext_end(&w->ext));
	}
	bl_ext_clip(out, r->ext.f_offset, bl_ext_end(&r->ext));
	return true;
}

/* The read answer: where the current contents of @isect are. */
static bool __bl_ext_lookup_ro(struct bl_ext_cache *c, sector_t isect,
			       struct bl_ext *out)
{
	struct bl_ext_node *w = bl_ext_find(&c->rw_root, isect);
	struct bl_ext_node *r = bl_ext_find(&c->ro_root, isect);

	lockdep_assert_held(&c->lock);
	if (w && (w->ext.state == PNFS_BLOCK_READWRITE_DATA ||
		  w->ext.tag != BL_EXT_CLEAN)) {
		*out = w->ext;
		return true;
	}
	if (w && r && r->ext.state == PNFS_BLOCK_READ_DATA) {
		/* Copy-on-write, destination unwritten: read the source. */
		*out = r->ext;
		bl_ext_clip(out, w->ext.f_offset, bl_ext_end(&w->ext));
		return true;
	}
	if (w) {
		*out = w->ext;
		__bl_ext_clip_to_next(c, &c->ro_root, isect, out);
		return true;
	}
	if (!r)
		return false;
	*out = r->ext;
	__bl_ext_clip_to_next(c, &c->rw_root, isect, out);
	return true;
}

/**
 * bl_ext_lookup - snapshot the extent to use for one file sector
 * @c: the cache
 * @isect: the file sector
 * @rw: %true to write, %false to read
 * @out: the extent, by value
 * @cow_out: for @rw only, may be %NULL: the copy-on-write source, or
 *	@cow_out->len == 0 and @cow_out->dev == %NULL when there is none
 *
 * The snapshots may be clipped to the range over which the answer holds
 * (a write-tree and a read-tree extent may each cover part of it); the
 * caller looks up again at @out->f_offset + @out->len.  When @cow_out is
 * filled in, @out and @cow_out cover the same file sectors.
 *
 * What the caller does with @out, by state and tag, when writing:
 * READ_WRITE_DATA: write to the volume at @out->v_offset.
 * INVALID_DATA, %BL_EXT_CLEAN: sectors of a partly written server block
 * must be filled from @cow_out if it has a length, else zeroed; write the
 * whole blocks, then call bl_ext_mark_written() for them.
 * INVALID_DATA, written or committing: the data on disk is ours; write as
 * for READ_WRITE_DATA and call bl_ext_mark_written() (a no-op for them).
 * No extent (%false): get a read/write layout or write through the MDS.
 *
 * When reading:
 * READ_WRITE_DATA, READ_DATA, INVALID_DATA not %BL_EXT_CLEAN: read from
 * the volume at @out->v_offset.
 * INVALID_DATA %BL_EXT_CLEAN, NONE_DATA: the sectors read as zeros.
 * No extent (%false): get a layout or read through the MDS.
 *
 * Every snapshot returned holds a device reference: release @out (and
 * @cow_out) with bl_ext_put_snapshot().
 *
 * Return: %true if @out was filled in.
 */
bool bl_ext_lookup(struct bl_ext_cache *c, sector_t isect, bool rw,
		   struct bl_ext *out, struct bl_ext *cow_out)
{
	bool found;

	if (cow_out)
		memset(cow_out, 0, sizeof(*cow_out));
	spin_lock(&c->lock);
	if (rw)
		found = __bl_ext_lookup_rw(c, isect, out, cow_out);
	else
		found = __bl_ext_lookup_ro(c, isect, out);
	if (found)
		bl_ext_get_snapshots(c, out, rw ? cow_out : NULL);
	spin_unlock(&c->lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_lookup);

/**
 * bl_ext_put_snapshot - drop the device reference of a snapshot
 * @c: the cache the snapshot came from
 * @e: the snapshot; its @dev is cleared, so a second call does nothing
 */
void bl_ext_put_snapshot(struct bl_ext_cache *c, struct bl_ext *e)
{
	bl_ext_dev_put(c, e->dev);
	e->dev = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_put_snapshot);

static bool bl_ext_needs_tag(const struct bl_ext *e)
{
	return e->state == PNFS_BLOCK_INVALID_DATA && e->tag == BL_EXT_CLEAN;
}

/* Extents needed to split [@start, @end) out of the trees. */
static unsigned int __bl_ext_splits(struct bl_ext_cache *c,
				    struct rb_root *root, sector_t start,
				    sector_t end, bool untagged_only)
{
	struct bl_ext_node *first, *last;
	unsigned int need = 0;

	lockdep_assert_held(&c->lock);
	first = bl_ext_find(root, start);
	last = end > start ? bl_ext_find(root, end - 1) : NULL;
	if (first && first->ext.f_offset < start &&
	    (!untagged_only || bl_ext_needs_tag(&first->ext)))
		need++;
	if (last && bl_ext_end(&last->ext) > end &&
	    (!untagged_only || bl_ext_needs_tag(&last->ext)))
		need++;
	return need;
}

/* The range of one bl_ext_mark_written() or bl_ext_remove(). */
struct bl_ext_range {
	sector_t	start;
	sector_t	end;
};

/*
 * bl_ext_lock_reserve() count of bl_ext_mark_written(): splits of the
 * untagged write extents and of the read extents at the borders.
 */
static unsigned int __bl_ext_mark_need(struct bl_ext_cache *c,
				       const void *arg)
{
	const struct bl_ext_range *r = arg;

	return __bl_ext_splits(c, &c->rw_root, r->start, r->end, true) +
	       __bl_ext_splits(c, &c->ro_root, r->start, r->end, false);
}

/* bl_ext_lock_reserve() count of bl_ext_remove(): splits at the borders. */
static unsigned int __bl_ext_remove_need(struct bl_ext_cache *c,
					 const void *arg)
{
	const struct bl_ext_range *r = arg;

	return __bl_ext_splits(c, &c->rw_root, r->start, r->end, false) +
	       __bl_ext_splits(c, &c->ro_root, r->start, r->end, false);
}

/**
 * __bl_ext_remove_range - drop [@start, @end) from one tree
 * @c: the cache
 * @root: the tree
 * @start: first sector
 * @end: one past the last sector, or ~0
 * @keep_tagged: leave extents not tagged %BL_EXT_CLEAN whole and in place
 * @pool: holds an extent if one straddles the whole range
 * @free: where dropped extents go
 */
static void __bl_ext_remove_range(struct bl_ext_cache *c, struct rb_root *root,
				  sector_t start, sector_t end,
				  bool keep_tagged, struct bl_ext_pool *pool,
				  struct list_head *free)
{
	struct bl_ext_node *n = bl_ext_first_after(root, start), *next;

	lockdep_assert_held(&c->lock);
	for (; n && n->ext.f_offset < end; n = next) {
		next = bl_ext_next(n);
		if (keep_tagged && n->ext.tag != BL_EXT_CLEAN)
			continue;
		if (n->ext.f_offset < start && bl_ext_end(&n->ext) > end) {
			if (__bl_ext_split(c, root, n, end, pool))
				n->ext.len = start - n->ext.f_offset;
			return;
		}
		if (n->ext.f_offset < start)
			n->ext.len = start - n->ext.f_offset;
		else if (bl_ext_end(&n->ext) > end)
			bl_ext_trim_front(&n->ext, end);
		else
			__bl_ext_unlink(c, root, n, free);
	}
}

/**
 * bl_ext_mark_written - record a successful write into INVALID_DATA
 * @c: the cache
 * @start: first file sector written
 * @len: sectors written
 * @lwb: one past the last byte the write wrote (it may end inside the
 *	last sector), or 0 if unknown
 * @gfp: allocation flags
 *
 * Tags exactly the INVALID_DATA sectors of [@start, @start + @len) that
 * are not tagged yet as %BL_EXT_WRITTEN, splitting extents at the borders,
 * so the next LAYOUTCOMMIT lists them (RFC 5663 section 2.3.2).
 * READ_WRITE_DATA needs no commit and committing sectors stay committing.
 * The read tree's extents for the range (copy-on-write sources, holes)
 * are dropped: the current data is now on the write extent.
 * Sectors no extent covers (a layout returned meanwhile) are skipped.
 * @lwb is recorded under the same lock, so a commit that lists these
 * sectors also carries a last byte written that covers them: a server
 * clips committed extents to the new file size (XFS does).
 *
 * Return: %0, or %-ENOMEM with the cache unchanged.
 */
int bl_ext_mark_written(struct bl_ext_cache *c, sector_t start, sector_t len,
			u64 lwb, gfp_t gfp)
{
	const struct bl_ext_range range = { .start = start, .end = start + len };
	struct bl_ext_pool pool = BL_EXT_POOL_INIT(pool);
	sector_t end = range.end;
	struct bl_ext_node *n;
	LIST_HEAD(free);
	int err;

	if (!len)
		return 0;
	err = bl_ext_lock_reserve(c, &pool, __bl_ext_mark_need, &range, gfp);
	if (err)
		goto out_unlock;
	n = bl_ext_first_after(&c->rw_root, start);
	for (; n && n->ext.f_offset < end; n = bl_ext_next(n)) {
		if (!bl_ext_needs_tag(&n->ext))
			continue;
		if (n->ext.f_offset < start) {
			n = __bl_ext_split(c, &c->rw_root, n, start, &pool);
			if (!n)
				break;
		}
		if (bl_ext_end(&n->ext) > end &&
		    !__bl_ext_split(c, &c->rw_root, n, end, &pool))
			break;
		__bl_ext_set_tag(c, n, BL_EXT_WRITTEN);
	}
	__bl_ext_merge_range(c, &c->rw_root, start, end, &free);
	__bl_ext_remove_range(c, &c->ro_root, start, end, false, &pool,
			      &free);
	c->lwb = max(c->lwb, lwb);
out_unlock:
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
	bl_ext_pool_drain(&pool);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_mark_written);

/* Fill one commit entry from a written extent. */
static void bl_ext_commit_entry(void *tmp, u32 i, bool scsi,
				const struct bl_ext *e)
{
	if (scsi) {
		struct bl_scsi_range *r = &((struct bl_scsi_range *)tmp)[i];

		r->offset = (u64)e->f_offset << SECTOR_SHIFT;
		r->len = (u64)e->len << SECTOR_SHIFT;
	} else {
		struct bl_ext_desc *d = &((struct bl_ext_desc *)tmp)[i];

		d->devid = e->devid;
		d->file_offset = (u64)e->f_offset << SECTOR_SHIFT;
		d->len = (u64)e->len << SECTOR_SHIFT;
		d->storage_offset = (u64)e->v_offset << SECTOR_SHIFT;
		d->state = PNFS_BLOCK_READWRITE_DATA;
	}
}

/* Fill up to @max entries of @tmp from the committing extents, in file order. */
static u32 __bl_ext_fill_committing(struct bl_ext_cache *c, void *tmp,
				    u32 max, bool scsi)
{
	struct bl_ext_node *n;
	u32 nr = 0;

	lockdep_assert_held(&c->lock);
	for (n = bl_ext_node(rb_first(&c->rw_root)); n && nr < max;
	     n = bl_ext_next(n))
		if (n->ext.tag == BL_EXT_COMMITTING)
			bl_ext_commit_entry(tmp, nr++, scsi, &n->ext);
	return nr;
}

/**
 * bl_ext_commit_collect - choose the extents of the next LAYOUTCOMMIT
 * @c: the cache
 * @lwb: if not %NULL, set to one past the last byte written so far (0 if
 *	unknown): the LAYOUTCOMMIT's last byte written must cover it
 *
 * Tags the written extents %BL_EXT_COMMITTING, at most
 * %BL_EXT_COMMIT_MAX of them, lowest file offsets first; the rest stay
 * written for the next commit (bl_ext_has_written() stays %true).
 * Only one commit may be in flight: call bl_ext_commit_done() before
 * collecting again.
 *
 * Return: the number of extents tagged, or %-EBUSY if a commit is in
 * flight.
 */
int bl_ext_commit_collect(struct bl_ext_cache *c, u64 *lwb)
{
	struct bl_ext_node *n;
	int nr = 0;

	spin_lock(&c->lock);
	if (c->nr_committing) {
		spin_unlock(&c->lock);
		return -EBUSY;
	}
	for (n = bl_ext_node(rb_first(&c->rw_root));
	     n && nr < BL_EXT_COMMIT_MAX; n = bl_ext_next(n)) {
		if (n->ext.tag != BL_EXT_WRITTEN)
			continue;
		__bl_ext_set_tag(c, n, BL_EXT_COMMITTING);
		nr++;
	}
	c->commit_lwb = c->lwb;
	if (lwb)
		*lwb = c->lwb;
	spin_unlock(&c->lock);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_commit_collect);

/**
 * bl_ext_commit_forget - drop a device's extents from the commit
 * @c: the cache
 * @dev: the device whose written data cannot be called durable
 *
 * Takes every extent on @dev tagged %BL_EXT_COMMITTING out of the cache:
 * the server never hears of them, and until a new LAYOUTGET brings the
 * range back, reads and writes of it go through the metadata server,
 * which knows what is there (the old data of a copy-on-write range, or
 * zeros).  Device references are put after the lock is dropped.
 *
 * Return: the number of extents dropped.
 */
unsigned int bl_ext_commit_forget(struct bl_ext_cache *c,
				  const struct bl_dev *dev)
{
	struct bl_ext_node *n, *next;
	unsigned int nr = 0;
	LIST_HEAD(free);

	spin_lock(&c->lock);
	for (n = bl_ext_node(rb_first(&c->rw_root)); n && c->nr_committing;
	     n = next) {
		next = bl_ext_next(n);
		if (n->ext.tag != BL_EXT_COMMITTING || n->ext.dev != dev)
			continue;
		__bl_ext_unlink(c, &c->rw_root, n, &free);
		nr++;
	}
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
	return nr;
}

/**
 * bl_ext_commit_encode - encode the body of a LAYOUTCOMMIT
 * @c: the cache
 * @scsi: %true for a SCSI layout (RFC 8154 section 2.4.2: a list of file
 *	ranges), %false for a block layout (RFC 5663 section 2.3.2: a list
 *	of extents sent as READ_WRITE_DATA)
 * @buf: set to the encoded body, allocated with kvmalloc(); the caller
 *	frees it with kvfree()
 * @len: set to the length of the body in bytes
 * @gfp: allocation flags (GFP_KERNEL compatible, for kvmalloc())
 *
 * Lists the extents tagged %BL_EXT_COMMITTING by bl_ext_commit_collect()
 * and not forgotten since, in file order.  With none the body is a count
 * of zero (4 bytes), which is valid.
 *
 * Return: the number of extents listed, or %-ENOMEM (the tags are left
 * as they are).
 */
int bl_ext_commit_encode(struct bl_ext_cache *c, bool scsi, void **buf,
			 size_t *len, gfp_t gfp)
{
	size_t entry = scsi ? sizeof(struct bl_scsi_range) :
			      sizeof(struct bl_ext_desc);
	void *tmp = NULL, *body;
	ssize_t size;
	u32 max, nr;

	spin_lock(&c->lock);
	max = c->nr_committing;
	spin_unlock(&c->lock);

	size = scsi ? bl_scsi_layoutupdate_size(max) :
		      bl_layoutupdate_size(max);
	body = kvmalloc(size, gfp);
	if (!body)
		return -ENOMEM;
	if (max) {
		tmp = kvmalloc_array(max, entry, gfp);
		if (!tmp)
			goto out_free_body;
	}

	spin_lock(&c->lock);
	nr = __bl_ext_fill_committing(c, tmp, max, scsi);
	spin_unlock(&c->lock);

	if (scsi)
		size = bl_encode_scsi_layoutupdate(body, size, tmp, nr);
	else
		size = bl_encode_layoutupdate(body, size, tmp, nr);
	kvfree(tmp);
	/* Cannot happen: nr <= max and the body was sized for max. */
	if (WARN_ON_ONCE(size < 0))
		goto out_free_body;
	*buf = body;
	*len = size;
	return nr;

out_free_body:
	kvfree(body);
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_commit_encode);

/**
 * bl_ext_commit_done - record the outcome of a LAYOUTCOMMIT
 * @c: the cache
 * @ok: %true if the server accepted it
 *
 * On success the committing extents become READ_WRITE_DATA and merge with
 * their neighbours.  On failure they go back to %BL_EXT_WRITTEN so the
 * next bl_ext_commit_collect() lists them again: they are never taken as
 * committed on an error.
 */
void bl_ext_commit_done(struct bl_ext_cache *c, bool ok)
{
	struct bl_ext_node *n;
	LIST_HEAD(free);

	spin_lock(&c->lock);
	for (n = bl_ext_node(rb_first(&c->rw_root)); n && c->nr_committing;
	     n = bl_ext_next(n)) {
		if (n->ext.tag != BL_EXT_COMMITTING)
			continue;
		if (ok) {
			n->ext.state = PNFS_BLOCK_READWRITE_DATA;
			__bl_ext_set_tag(c, n, BL_EXT_CLEAN);
		} else {
			__bl_ext_set_tag(c, n, BL_EXT_WRITTEN);
		}
	}
	__bl_ext_merge_range(c, &c->rw_root, 0, ~(sector_t)0, &free);
	/* Nothing written since: the file size on the server covers it all. */
	if (ok && c->lwb == c->commit_lwb)
		c->lwb = 0;
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_commit_done);

/**
 * bl_ext_remove - forget the extents of a returned or recalled range
 * @c: the cache
 * @start: first file sector
 * @end: one past the last file sector, or ~0 for "to the end of the file"
 *
 * Drops [@start, @end) from both trees, splitting extents at the borders.
 * Extents written but not yet committed (tagged %BL_EXT_WRITTEN or
 * %BL_EXT_COMMITTING) stay whole: the generic client may answer a
 * CB_LAYOUTRECALL with NFS4ERR_NOMATCHING_LAYOUT, and call this, while a
 * segment it already gave back still waits for its LAYOUTCOMMIT, and
 * dropping the written state then would leave those blocks uncommitted
 * for good.  The next LAYOUTCOMMIT lists them.  Device references are put
 * after the lock is dropped.  An extent reaching past
 * both borders needs a new extent for its tail, allocated with %GFP_NOFS.
 *
 * Return: %0, or %-ENOMEM if that allocation fails: then the cache is
 * unchanged and the caller may retry, or widen the range to whole extents
 * if losing them is acceptable.
 */
int bl_ext_remove(struct bl_ext_cache *c, sector_t start, sector_t end)
{
	const struct bl_ext_range range = { .start = start, .end = end };
	struct bl_ext_pool pool = BL_EXT_POOL_INIT(pool);
	LIST_HEAD(free);
	int err;

	if (end <= start)
		return 0;
	err = bl_ext_lock_reserve(c, &pool, __bl_ext_remove_need, &range,
				  GFP_NOFS);
	if (!err) {
		__bl_ext_remove_range(c, &c->rw_root, start, end, true, &pool,
				      &free);
		__bl_ext_remove_range(c, &c->ro_root, start, end, false, &pool,
				      &free);
	}
	spin_unlock(&c->lock);
	bl_ext_release(c, &free);
	bl_ext_pool_drain(&pool);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_remove);

/**
 * bl_ext_has_written - is some written extent not in any LAYOUTCOMMIT?
 * @c: the cache
 *
 * Return: %true if an extent is tagged %BL_EXT_WRITTEN: after
 * bl_ext_commit_collect(), more than one commit could list.
 */
bool bl_ext_has_written(struct bl_ext_cache *c)
{
	bool written;

	spin_lock(&c->lock);
	written = c->nr_written;
	spin_unlock(&c->lock);
	return written;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_has_written);

/**
 * bl_ext_nr_pending - how many extents have writes to commit
 * @c: the cache
 *
 * Return: the number of extents written and not yet committed, or in a
 * LAYOUTCOMMIT now in flight.
 */
unsigned long bl_ext_nr_pending(struct bl_ext_cache *c)
{
	unsigned long nr;

	spin_lock(&c->lock);
	nr = c->nr_written + c->nr_committing;
	spin_unlock(&c->lock);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_nr_pending);

/**
 * bl_ext_has_pending - are there writes to commit?
 * @c: the cache
 *
 * Return: %true if some extent is written and not yet committed, or in a
 * LAYOUTCOMMIT now in flight.
 */
bool bl_ext_has_pending(struct bl_ext_cache *c)
{
	return bl_ext_nr_pending(c) != 0;
}
EXPORT_SYMBOL_IF_KUNIT(bl_ext_has_pending);
