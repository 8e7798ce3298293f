// SPDX-License-Identifier: GPL-2.0
/*
 * Volume trees for the pNFS block and SCSI layouts, and the mapping of a
 * volume offset to the leaf that holds it (the arithmetic of dm-linear
 * and dm-stripe).
 *
 * A tree is built from a checked struct bl_vol_table in wire order.
 * Since every volume refers only to earlier ones (RFC 5663 section 2.2),
 * each node's children are built before it: no recursion, whatever the
 * nesting depth, and shared children (two slices of one disk) are built
 * and resolved once.  Mapping walks down from the top node in a loop
 * whose length is bounded by the number of volumes.
 *
 * Size rules enforced at build time:
 * - a leaf is as large as its storage, a non-zero multiple of the sector
 *   size, and holds all of its signature components;
 * - a slice lies inside its child;
 * - a concat is the sum of its members, without overflow;
 * - stripe members are all of one size, a multiple of the stripe unit, so
 *   every row is complete (dm-stripe refuses partial rows too; RFC 5663
 *   gives no rule for unequal members), and the stripe is that size times
 *   the number of members, without overflow.
 *
 * A limit of this client, not of the protocol: a stripe unit must be at
 * least BL_STRIPE_UNIT_MIN.  Mapping stops at every unit boundary, and
 * each piece costs a volume walk and a bio of its own: a 512-byte unit
 * would turn a 1 MiB request into 2048 of each.  With 4 KiB the work per
 * request is bounded by its pages, as it is for any other volume.  Such
 * a device is refused like a broken one (a tracepoint and a ratelimited
 * message), and its layouts go to the metadata server.
 */

#include <kunit/visibility.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "blocklayout.h"

/* Smallest stripe unit the client maps (see the top of this file). */
#define BL_STRIPE_UNIT_MIN	4096

static int bl_vol_reject(struct bl_err *err, const char *reason)
{
	err->reason = reason;
	return -EINVAL;
}

/*
 * A signature component must lie inside the disk; a negative offset
 * counts back from the end (RFC 5663 section 2.2).  The decoder already
 * ensured that a component stays inside one sector.
 */
static bool bl_sig_inside(const struct bl_sig_desc *sig, u64 size)
{
	u64 back;

	if (sig->offset >= 0)
		return (u64)sig->offset <= size &&
			sig->len <= size - (u64)sig->offset;
	/* Negate in u64: S64_MIN has no positive s64 twin. */
	back = 0 - (u64)sig->offset;
	return back <= size && sig->len <= back;
}

static int bl_vol_check_sigs(const struct bl_vol_desc *desc, u64 size,
			     struct bl_err *err)
{
	u32 i;

	if (desc->type != PNFS_BLOCK_VOLUME_SIMPLE)
		return 0;
	for (i = 0; i < desc->simple.nr_sigs; i++)
		if (!bl_sig_inside(&desc->simple.sigs[i], size))
			return bl_vol_reject(err, BL_WHY_SIG_PAST_END);
	return 0;
}

static int bl_vol_build_leaf(struct bl_vol_tree *tree,
			     const struct bl_vol_desc *desc,
			     struct bl_volume *vol, struct bl_err *err)
{
	void *handle = NULL;
	u64 size = 0;
	int ret;

	ret = tree->ops->resolve(desc, tree->ctx, &handle, &size);
	if (ret) {
		err->reason = BL_WHY_RESOLVE;
		return ret;
	}
	if (WARN_ON_ONCE(!handle)) {
		err->reason = BL_WHY_RESOLVE;
		return -ENODEV;
	}
	vol->leaf.handle = handle;
	vol->size = size;
	if (desc->type == PNFS_BLOCK_VOLUME_SCSI)
		vol->leaf.pr_key = desc->base.pr_key;

	if (size == 0 || (size & (SECTOR_SIZE - 1)))
		return bl_vol_reject(err, BL_WHY_LEAF_SIZE);
	return bl_vol_check_sigs(desc, size, err);
}

static int bl_vol_build_slice(struct bl_vol_tree *tree,
			      const struct bl_vol_desc *desc,
			      struct bl_volume *vol, struct bl_err *err)
{
	struct bl_volume *child = &tree->vols[desc->slice.child];

	/* The decoder checked that start + len does not overflow. */
	if (desc->slice.start + desc->slice.len > child->size)
		return bl_vol_reject(err, BL_WHY_SLICE_PAST_END);
	vol->slice.child = child;
	vol->slice.start = desc->slice.start;
	vol->size = desc->slice.len;
	return 0;
}

static int bl_vol_alloc_members(struct bl_vol_tree *tree,
				const struct bl_vol_desc *desc,
				struct bl_volume *vol, gfp_t gfp)
{
	u32 i;

	vol->parent.members = kcalloc(desc->members.nr,
				      sizeof(*vol->parent.members), gfp);
	if (!vol->parent.members)
		return -ENOMEM;
	vol->parent.nr = desc->members.nr;
	for (i = 0; i < desc->members.nr; i++)
		vol->parent.members[i].vol = &tree->vols[desc->members.idx[i]];
	return 0;
}

static int bl_vol_build_concat(struct bl_vol_tree *tree,
			       const struct bl_vol_desc *desc,
			       struct bl_volume *vol, gfp_t gfp,
			       struct bl_err *err)
{
	struct bl_vol_member *m;
	u64 size = 0;
	u32 i;
	int ret;

	ret = bl_vol_alloc_members(tree, desc, vol, gfp);
	if (ret)
		return ret;
	for (i = 0; i < vol->parent.nr; i++) {
		m = &vol->parent.members[i];
		m->start = size;
		if (check_add_overflow(size, m->vol->size, &size))
			return bl_vol_reject(err, BL_WHY_CONCAT_OVERFLOW);
	}
	vol->size = size;
	return 0;
}

static int bl_vol_build_stripe(struct bl_vol_tree *tree,
			       const struct bl_vol_desc *desc,
			       struct bl_volume *vol, gfp_t gfp,
			       struct bl_err *err)
{
	u64 unit = desc->members.stripe_unit;
	u64 member_size, rem;
	u32 i;
	int ret;

	if (unit < BL_STRIPE_UNIT_MIN) {
		err->reason = BL_WHY_STRIPE_UNIT_SMALL;
		return -EOPNOTSUPP;
	}
	ret = bl_vol_alloc_members(tree, desc, vol, gfp);
	if (ret)
		return ret;
	member_size = vol->parent.members[0].vol->size;
	for (i = 1; i < vol->parent.nr; i++)
		if (vol->parent.members[i].vol->size != member_size)
			return bl_vol_reject(err, BL_WHY_STRIPE_UNEQUAL);
	div64_u64_rem(member_size, unit, &rem);
	if (rem)
		return bl_vol_reject(err, BL_WHY_STRIPE_ROWS);
	if (check_mul_overflow(member_size, (u64)vol->parent.nr, &vol->size))
		return bl_vol_reject(err, BL_WHY_STRIPE_OVERFLOW);
	vol->parent.unit = unit;
	vol->parent.unit_shift = is_power_of_2(unit) ? ilog2(unit) : 0;
	return 0;
}

static int bl_vol_build_one(struct bl_vol_tree *tree,
			    const struct bl_vol_desc *desc,
			    struct bl_volume *vol, gfp_t gfp,
			    struct bl_err *err)
{
	vol->type = desc->type;
	switch (desc->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
	case PNFS_BLOCK_VOLUME_SCSI:
		return bl_vol_build_leaf(tree, desc, vol, err);
	case PNFS_BLOCK_VOLUME_SLICE:
		return bl_vol_build_slice(tree, desc, vol, err);
	case PNFS_BLOCK_VOLUME_CONCAT:
		return bl_vol_build_concat(tree, desc, vol, gfp, err);
	case PNFS_BLOCK_VOLUME_STRIPE:
		return bl_vol_build_stripe(tree, desc, vol, gfp, err);
	default:
		/* bl_decode_deviceaddr() lets no other type through. */
		WARN_ON_ONCE(1);
		return bl_vol_reject(err, BL_WHY_UNKNOWN_VOLUME);
	}
}

static void bl_vol_destroy_one(struct bl_vol_tree *tree, struct bl_volume *vol)
{
	switch (vol->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
	case PNFS_BLOCK_VOLUME_SCSI:
		if (vol->leaf.handle)
			tree->ops->release(vol->leaf.handle, tree->ctx);
		break;
	case PNFS_BLOCK_VOLUME_CONCAT:
	case PNFS_BLOCK_VOLUME_STRIPE:
		kfree(vol->parent.members);
		break;
	}
}

/**
 * bl_vol_tree_free - release the leaves of a tree and free it
 * @tree: the tree, or %NULL
 *
 * Calls bl_vol_ops.release for every resolved leaf.
 */
void bl_vol_tree_free(struct bl_vol_tree *tree)
{
	u32 i;

	if (!tree)
		return;
	for (i = 0; i < tree->nr_built; i++)
		bl_vol_destroy_one(tree, &tree->vols[i]);
	kfree(tree);
}
EXPORT_SYMBOL_IF_KUNIT(bl_vol_tree_free);

/**
 * bl_vol_tree_build - resolve the leaves of a volume table and size it
 * @table: a table from bl_decode_deviceaddr()
 * @ops: how to resolve and release leaves
 * @ctx: passed to @ops
 * @gfp: allocation flags
 * @treep: where to store the tree on success
 * @err: where to say why the topology was rejected
 *
 * Resolves every leaf once, in wire order, and checks the size rules
 * listed at the top of this file.  @table is not referenced afterwards.
 *
 * Return: %0 with *@treep set (free it with bl_vol_tree_free()); the
 * error of bl_vol_ops.resolve if a leaf cannot be resolved; %-EINVAL if
 * the sizes break a rule; %-EOPNOTSUPP for a stripe unit below
 * BL_STRIPE_UNIT_MIN; %-ENOMEM on allocation failure.  On failure
 * every leaf already resolved is released.
 */
int bl_vol_tree_build(const struct bl_vol_table *table,
		      const struct bl_vol_ops *ops, void *ctx, gfp_t gfp,
		      struct bl_vol_tree **treep, struct bl_err *err)
{
	struct bl_vol_tree *tree;
	u32 i;
	int ret;

	err->reason = NULL;
	err->index = 0;
	if (WARN_ON_ONCE(!table->nr))
		return bl_vol_reject(err, BL_WHY_NO_VOLUMES);

	tree = kzalloc(struct_size(tree, vols, table->nr), gfp);
	if (!tree)
		return -ENOMEM;
	tree->nr = table->nr;
	tree->ops = ops;
	tree->ctx = ctx;

	for (i = 0; i < table->nr; i++) {
		err->index = i;
		/* Count it first: a half-built node still needs undoing. */
		tree->nr_built = i + 1;
		ret = bl_vol_build_one(tree, &table->vols[i], &tree->vols[i],
				       gfp, err);
		if (ret)
			goto out_free_tree;
	}
	err->index = 0;
	*treep = tree;
	return 0;

out_free_tree:
	bl_vol_tree_free(tree);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(bl_vol_tree_build);

/* Like dm-linear: shift by the slice start. */
static struct bl_volume *bl_map_slice(const struct bl_volume *vol, u64 *off)
{
	*off += vol->slice.start;
	return vol->slice.child;
}

/* Binary search for the last member starting at or before *@off. */
static struct bl_volume *bl_map_concat(const struct bl_volume *vol, u64 *off)
{
	const struct bl_vol_member *m = vol->parent.members;
	u32 lo = 0, hi = vol->parent.nr - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (m[mid].start <= *off)
			lo = mid;
		else
			hi = mid - 1;
	}
	*off -= m[lo].start;
	return m[lo].vol;
}

/*
 * Like dm-stripe: chunk c = off / unit lives on member c % nr, in row
 * c / nr of that member.  A power-of-two unit takes a shift and a mask,
 * any other a 64-bit division.  The contiguous length stops at the end
 * of the chunk.
 */
static struct bl_volume *bl_map_stripe(const struct bl_volume *vol, u64 *off,
				       u64 *len)
{
	u64 unit = vol->parent.unit;
	u64 chunk, within, row;
	u32 member;

	if (vol->parent.unit_shift) {
		chunk = *off >> vol->parent.unit_shift;
		within = *off & (unit - 1);
	} else {
		chunk = div64_u64_rem(*off, unit, &within);
	}
	row = div_u64_rem(chunk, vol->parent.nr, &member);
	*len = min(*len, unit - within);
	*off = row * unit + within;
	return vol->parent.members[member].vol;
}

/**
 * bl_vol_map - find the leaf and leaf offset behind a volume offset
 * @tree: a built volume tree
 * @offset: byte offset in the top volume
 * @map: filled in on success
 *
 * Walks from the top volume down to a leaf, clipping the contiguous
 * length at each stripe unit, concat member, slice and volume end.
 *
 * Return: %0 on success, %-EINVAL if @offset is past the end of the top
 * volume, %-EIO if the tree is corrupt.
 */
int bl_vol_map(const struct bl_vol_tree *tree, u64 offset,
	       struct bl_vol_map *map)
{
	struct bl_volume *vol = bl_vol_top(tree);
	u64 len = U64_MAX;
	u32 steps;

	if (offset >= vol->size)
		return -EINVAL;
	/* Every step goes to an earlier volume: at most nr steps. */
	for (steps = 0; steps < tree->nr; steps++) {
		if (WARN_ON_ONCE(offset >= vol->size))
			return -EIO;
		len = min(len, vol->size - offset);
		switch (vol->type) {
		case PNFS_BLOCK_VOLUME_SLICE:
			vol = bl_map_slice(vol, &offset);
			break;
		case PNFS_BLOCK_VOLUME_CONCAT:
			vol = bl_map_concat(vol, &offset);
			break;
		case PNFS_BLOCK_VOLUME_STRIPE:
			vol = bl_map_stripe(vol, &offset, &len);
			break;
		default:
			map->leaf = vol;
			map->handle = vol->leaf.handle;
			map->offset = offset;
			map->len = len;
			map->sector = offset >> SECTOR_SHIFT;
			map->nr_sectors = len >> SECTOR_SHIFT;
			return 0;
		}
	}
	WARN_ON_ONCE(1);
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(bl_vol_map);

/**
 * bl_vol_map_sectors - bl_vol_map() in 512-byte sectors, for the I/O path
 * @tree: a built volume tree
 * @sector: sector in the top volume
 * @map: filled in on success; the I/O path reads @map->sector and
 *	@map->nr_sectors
 *
 * The tree keeps the protocol's bytes, whose boundaries are all whole
 * sectors; this is where the I/O path's sectors meet them.
 *
 * Return: as for bl_vol_map(); %-EINVAL also if @sector is too large for
 * a byte offset.
 */
int bl_vol_map_sectors(const struct bl_vol_tree *tree, sector_t sector,
		       struct bl_vol_map *map)
{
	if (sector > U64_MAX >> SECTOR_SHIFT)
		return -EINVAL;
	return bl_vol_map(tree, (u64)sector << SECTOR_SHIFT, map);
}
EXPORT_SYMBOL_IF_KUNIT(bl_vol_map_sectors);

/**
 * bl_vol_contains - check an extent's storage range against the volume
 * @tree: a built volume tree
 * @offset: storage offset in bytes
 * @len: length in bytes
 *
 * Return: %true if [@offset, @offset + @len) lies inside the top volume
 * and does not overflow.
 */
bool bl_vol_contains(const struct bl_vol_tree *tree, u64 offset, u64 len)
{
	u64 end;

	if (check_add_overflow(offset, len, &end))
		return false;
	return end <= bl_vol_top(tree)->size;
}
EXPORT_SYMBOL_IF_KUNIT(bl_vol_contains);
