// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: bl_vol_tree_build(), bl_vol_map() and bl_vol_contains()
 * (volume.c) on a device address decoded by bl_decode_deviceaddr()
 * (xdr.c), with leaves resolved by fake disks whose sizes come from the
 * input.
 *
 * Input:
 *   a selector byte, as for fuzz_deviceaddr (bits 0-1 the layout type,
 *   bits 2-7 make the n-th allocation fail);
 *   the body's length (u16) and the body;
 *   a count (u8) and that many disk sizes (u64): the n-th leaf in wire
 *   order gets the n-th size (1 GiB past the end, and U64_MAX means the
 *   disk cannot be found);
 *   ranges to map until the input ends: offset (u64), length (u32).
 * More ranges are drawn from a generator seeded by the input, and the
 * volume's borders are mapped too.
 *
 * The build's outcome (the error, its reason and volume, or every
 * volume's size) must match a model of the rules at the top of volume.c.
 * Every mapped piece must be a leaf's: non-empty, inside the leaf
 * (offset + len <= leaf size), and where a plain recursive walk of the
 * table puts it.  Every resolved disk must be released exactly once.
 */

#include <stdlib.h>

#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blocklayout.h"
#include "fuzz.h"

#define FUZZ_DISK_SIZE		BIT_ULL(30)
#define FUZZ_DISK_MISSING	U64_MAX
#define FUZZ_MAX_PIECES		64
#define FUZZ_RANDOM_RANGES	8

static const u32 fuzz_layout_types[] = {
	LAYOUT_BLOCK_VOLUME, LAYOUT_SCSI, LAYOUT_FLEX_FILES, 0,
};

struct fuzz_leaf {
	u64	size;
	bool	live;
};

/**
 * struct fuzz_disks - the fake storage behind the leaves
 * @sizes: sizes from the input
 * @nr_sizes: entries in @sizes
 * @nr_leaves: leaves resolved or refused so far, in wire order
 * @leaves: the disk of the n-th leaf; the handle is its address
 * @resolved: successful resolves
 * @released: releases
 */
struct fuzz_disks {
	u64			sizes[256];
	u32			nr_sizes;
	u32			nr_leaves;
	struct fuzz_leaf	leaves[BL_MAX_VOLUMES];
	u32			resolved;
	u32			released;
};

static u64 fuzz_disk_size(const struct fuzz_disks *d, u32 n)
{
	return n < d->nr_sizes ? d->sizes[n] : FUZZ_DISK_SIZE;
}

static bool fuzz_is_leaf(u32 type)
{
	return type == PNFS_BLOCK_VOLUME_SIMPLE ||
	       type == PNFS_BLOCK_VOLUME_SCSI;
}

static int fuzz_resolve(const struct bl_vol_desc *desc, void *ctx,
			void **handle, u64 *size)
{
	struct fuzz_disks *d = ctx;
	u32 n = d->nr_leaves++;

	FUZZ_CHECK(fuzz_is_leaf(desc->type), "resolve of type %u",
		   desc->type);
	FUZZ_CHECK(n < BL_MAX_VOLUMES, "leaf %u", n);
	if (fuzz_disk_size(d, n) == FUZZ_DISK_MISSING)
		return -ENODEV;
	d->leaves[n].size = fuzz_disk_size(d, n);
	d->leaves[n].live = true;
	d->resolved++;
	*handle = &d->leaves[n];
	*size = d->leaves[n].size;
	return 0;
}

static struct fuzz_leaf *fuzz_leaf(struct fuzz_disks *d, void *handle)
{
	struct fuzz_leaf *leaf = handle;

	FUZZ_CHECK(leaf >= d->leaves && leaf < d->leaves + d->nr_leaves,
		   "handle %p is not a disk", handle);
	FUZZ_CHECK(leaf->live, "disk %td used after release",
		   leaf - d->leaves);
	return leaf;
}

static void fuzz_release(void *handle, void *ctx)
{
	struct fuzz_disks *d = ctx;

	fuzz_leaf(d, handle)->live = false;
	d->released++;
}

static const struct bl_vol_ops fuzz_vol_ops = {
	.resolve	= fuzz_resolve,
	.release	= fuzz_release,
};

/* RFC 5663 section 2.2: a negative signature offset counts from the end. */
static bool fuzz_sigs_inside(const struct bl_vol_desc *v, u64 size)
{
	const struct bl_sig_desc *sig;
	u64 start;
	u32 i;

	if (v->type != PNFS_BLOCK_VOLUME_SIMPLE)
		return true;
	for (i = 0; i < v->simple.nr_sigs; i++) {
		sig = &v->simple.sigs[i];
		if (sig->offset >= 0) {
			start = sig->offset;
		} else {
			if ((u64)-(sig->offset + 1) >= size)
				return false;
			start = size - (u64)-(sig->offset + 1) - 1;
		}
		if (start > size || sig->len > size - start)
			return false;
	}
	return true;
}

/**
 * struct fuzz_model - what a build of a table must give
 * @ret: its return value
 * @why: its reason on failure
 * @bad: the volume it fails at
 * @size: the size of every volume, on success
 */
struct fuzz_model {
	int		ret;
	const char	*why;
	u32		bad;
	u64		size[BL_MAX_VOLUMES];
};

static int fuzz_model_fail(struct fuzz_model *m, int ret, const char *why)
{
	m->ret = ret;
	m->why = why;
	return ret;
}

static int fuzz_model_one(struct fuzz_model *m, const struct bl_vol_desc *v,
			  const struct fuzz_disks *d, u32 *leaves, u64 *size)
{
	u64 member, sum = 0;
	u32 i;

	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
	case PNFS_BLOCK_VOLUME_SCSI:
		*size = fuzz_disk_size(d, (*leaves)++);
		if (*size == FUZZ_DISK_MISSING)
			return fuzz_model_fail(m, -ENODEV, BL_WHY_RESOLVE);
		if (!*size || *size % SECTOR_SIZE)
			return fuzz_model_fail(m, -EINVAL, BL_WHY_LEAF_SIZE);
		if (!fuzz_sigs_inside(v, *size))
			return fuzz_model_fail(m, -EINVAL,
					       BL_WHY_SIG_PAST_END);
		return 0;
	case PNFS_BLOCK_VOLUME_SLICE:
		if (v->slice.len > m->size[v->slice.child] ||
		    v->slice.start > m->size[v->slice.child] - v->slice.len)
			return fuzz_model_fail(m, -EINVAL,
					       BL_WHY_SLICE_PAST_END);
		*size = v->slice.len;
		return 0;
	case PNFS_BLOCK_VOLUME_CONCAT:
		for (i = 0; i < v->members.nr; i++)
			if (check_add_overflow(sum, m->size[v->members.idx[i]],
					       &sum))
				return fuzz_model_fail(m, -EINVAL,
						       BL_WHY_CONCAT_OVERFLOW);
		*size = sum;
		return 0;
	default:
		if (v->members.stripe_unit < 4096)
			return fuzz_model_fail(m, -EOPNOTSUPP,
					       BL_WHY_STRIPE_UNIT_SMALL);
		member = m->size[v->members.idx[0]];
		for (i = 1; i < v->members.nr; i++)
			if (m->size[v->members.idx[i]] != member)
				return fuzz_model_fail(m, -EINVAL,
						       BL_WHY_STRIPE_UNEQUAL);
		if (member % v->members.stripe_unit)
			return fuzz_model_fail(m, -EINVAL, BL_WHY_STRIPE_ROWS);
		if (check_mul_overflow(member, (u64)v->members.nr, size))
			return fuzz_model_fail(m, -EINVAL,
					       BL_WHY_STRIPE_OVERFLOW);
		return 0;
	}
}

static void fuzz_model(struct fuzz_model *m, const struct bl_vol_table *t,
		       const struct fuzz_disks *d)
{
	u32 i, leaves = 0;

	m->ret = 0;
	for (i = 0; i < t->nr; i++) {
		if (fuzz_model_one(m, &t->vols[i], d, &leaves, &m->size[i])) {
			m->bad = i;
			return;
		}
	}
}

static void fuzz_check_build(int ret, const struct bl_err *err,
			     const struct fuzz_model *m,
			     const struct bl_vol_tree *tree, u32 nr)
{
	u32 i;

	if (fuzz_alloc_injected()) {
		FUZZ_CHECK(ret == -ENOMEM, "build: %d after a failed allocation",
			   ret);
		return;
	}
	FUZZ_CHECK(ret == m->ret, "build: %d, model %d (%s at %u)", ret,
		   m->ret, m->why, m->bad);
	if (ret) {
		FUZZ_CHECK(err->reason && !strcmp(err->reason, m->why) &&
			   err->index == m->bad, "build: %s at %u, model %s at %u",
			   err->reason, err->index, m->why, m->bad);
		return;
	}
	FUZZ_CHECK(!err->reason, "reason %s on success", err->reason);
	FUZZ_CHECK(tree->nr == nr, "%u volumes of %u", tree->nr, nr);
	for (i = 0; i < nr; i++)
		FUZZ_CHECK(tree->vols[i].size == m->size[i],
			   "volume %u: size %llu, model %llu", i,
			   (unsigned long long)tree->vols[i].size,
			   (unsigned long long)m->size[i]);
}

/*
 * The mapping rules, walked recursively over the table: the leaf
 * (*@leaf) and its offset (*@leaf_off) behind @off of volume @i, and
 * *@len clipped at every border on the way down.
 */
static void fuzz_ref_map(const struct bl_vol_table *t, const u64 *size, u32 i,
			 u64 off, u64 *len, u32 *leaf, u64 *leaf_off)
{
	const struct bl_vol_desc *v = &t->vols[i];
	u64 unit, chunk, within;
	u32 m;

	*len = min(*len, size[i] - off);
	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SLICE:
		fuzz_ref_map(t, size, v->slice.child, off + v->slice.start,
			     len, leaf, leaf_off);
		return;
	case PNFS_BLOCK_VOLUME_CONCAT:
		for (m = 0; off >= size[v->members.idx[m]]; m++)
			off -= size[v->members.idx[m]];
		fuzz_ref_map(t, size, v->members.idx[m], off, len, leaf,
			     leaf_off);
		return;
	case PNFS_BLOCK_VOLUME_STRIPE:
		unit = v->members.stripe_unit;
		chunk = off / unit;
		within = off % unit;
		*len = min(*len, unit - within);
		m = v->members.idx[chunk % v->members.nr];
		fuzz_ref_map(t, size, m, chunk / v->members.nr * unit + within,
			     len, leaf, leaf_off);
		return;
	default:
		*leaf = i;
		*leaf_off = off;
	}
}

/* A mapping of @off lands inside a leaf, in bytes and in sectors. */
static void fuzz_check_leaf(struct fuzz_disks *d, const struct bl_vol_map *map,
			    u64 off)
{
	struct fuzz_leaf *leaf;

	FUZZ_CHECK(fuzz_is_leaf(map->leaf->type) &&
		   map->handle == map->leaf->leaf.handle,
		   "map %llu: not a leaf", (unsigned long long)off);
	leaf = fuzz_leaf(d, map->handle);
	FUZZ_CHECK(map->len > 0 && map->offset < leaf->size &&
		   map->len <= leaf->size - map->offset,
		   "map %llu: %llu +%llu outside a leaf of %llu",
		   (unsigned long long)off, (unsigned long long)map->offset,
		   (unsigned long long)map->len,
		   (unsigned long long)leaf->size);
	FUZZ_CHECK(map->sector == map->offset >> SECTOR_SHIFT &&
		   map->nr_sectors == map->len >> SECTOR_SHIFT, "sector");
}

/* Map [@off, @off + @len) piece by piece, as the I/O path does. */
static void fuzz_map_range(const struct bl_vol_table *t,
			   const struct fuzz_model *m,
			   const struct bl_vol_tree *tree,
			   struct fuzz_disks *d, u64 off, u64 len)
{
	u64 top = bl_vol_top(tree)->size, want_len, want_off, end;
	struct bl_vol_map map;
	u32 pieces, want_leaf;
	int ret;

	FUZZ_CHECK(bl_vol_contains(tree, off, len) ==
		   (!check_add_overflow(off, len, &end) && end <= top),
		   "contains %llu +%llu of %llu", (unsigned long long)off,
		   (unsigned long long)len, (unsigned long long)top);
	if (off >= top) {
		FUZZ_CHECK(bl_vol_map(tree, off, &map) == -EINVAL,
			   "map past the end");
		return;
	}
	len = min(len, top - off);
	for (pieces = 0; len && pieces < FUZZ_MAX_PIECES; pieces++) {
		ret = bl_vol_map(tree, off, &map);
		FUZZ_CHECK(!ret, "map %llu of %llu: %d",
			   (unsigned long long)off, (unsigned long long)top,
			   ret);
		fuzz_check_leaf(d, &map, off);
		want_len = U64_MAX;
		fuzz_ref_map(t, m->size, t->nr - 1, off, &want_len, &want_leaf,
			     &want_off);
		FUZZ_CHECK(map.leaf == &tree->vols[want_leaf] &&
			   map.offset == want_off && map.len == want_len,
			   "map %llu: volume %td at %llu +%llu, model %u at %llu +%llu",
			   (unsigned long long)off, map.leaf - tree->vols,
			   (unsigned long long)map.offset,
			   (unsigned long long)map.len, want_leaf,
			   (unsigned long long)want_off,
			   (unsigned long long)want_len);
		want_len = min(map.len, len);
		off += want_len;
		len -= want_len;
	}
}

/* splitmix64, for ranges the input does not spell out. */
static u64 fuzz_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 fuzz_hash(const u8 *data, size_t size)
{
	u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	return h;
}

static void fuzz_map_all(const struct bl_vol_table *t,
			 const struct fuzz_model *m,
			 const struct bl_vol_tree *tree, struct fuzz_disks *d,
			 struct fuzz_in *in, u64 seed)
{
	u64 top = bl_vol_top(tree)->size, off, state = seed;
	u32 len, i;

	while (fuzz_get_u64(in, &off) && fuzz_get_u32(in, &len))
		fuzz_map_range(t, m, tree, d, off, len ? len : 1);
	fuzz_map_range(t, m, tree, d, 0, top);
	fuzz_map_range(t, m, tree, d, top - 1, 1);
	fuzz_map_range(t, m, tree, d, top, 1);
	fuzz_map_range(t, m, tree, d, U64_MAX, 1);
	for (i = 0; i < FUZZ_RANDOM_RANGES; i++) {
		off = fuzz_rand(&state) % top;
		fuzz_map_range(t, m, tree, d, off,
			       fuzz_rand(&state) % (top - off) + 1);
	}
}

static bool fuzz_get_disks(struct fuzz_in *in, struct fuzz_disks *d)
{
	u8 nr;
	u32 i;

	if (!fuzz_get_u8(in, &nr))
		return true;
	for (i = 0; i < nr; i++)
		if (!fuzz_get_u64(in, &d->sizes[i]))
			return false;
	d->nr_sizes = nr;
	return true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = { .p = data, .left = size };
	static struct fuzz_disks disks;
	static struct fuzz_model model;
	struct bl_vol_table *table = NULL;
	struct bl_vol_tree *tree = NULL;
	struct fuzz_xdr fx;
	struct bl_err err;
	u16 len;
	u8 sel;
	int ret;

	if (!fuzz_get_u8(&in, &sel) || !fuzz_get_u16(&in, &len) ||
	    in.left < len)
		return 0;
	memset(&disks, 0, sizeof(disks));
	fuzz_alloc_reset(sel >> 2);
	ret = bl_decode_deviceaddr(fuzz_xdr_init(&fx, in.p, len),
				   fuzz_layout_types[sel & 3], GFP_KERNEL,
				   &table, &err);
	fuzz_xdr_release(&fx);
	if (ret)
		return 0;
	in.p += len;
	in.left -= len;
	if (!fuzz_get_disks(&in, &disks))
		goto out_free_table;

	fuzz_model(&model, table, &disks);
	ret = bl_vol_tree_build(table, &fuzz_vol_ops, &disks, GFP_KERNEL,
				&tree, &err);
	fuzz_check_build(ret, &err, &model, tree, table->nr);
	if (ret) {
		FUZZ_CHECK(!tree, "tree set on error %d", ret);
		FUZZ_CHECK(disks.released == disks.resolved,
			   "%u disks released of %u", disks.released,
			   disks.resolved);
		goto out_free_table;
	}
	fuzz_map_all(table, &model, tree, &disks, &in, fuzz_hash(data, size));
	bl_vol_tree_free(tree);
	FUZZ_CHECK(disks.released == disks.resolved,
		   "%u disks released of %u", disks.released, disks.resolved);
out_free_table:
	bl_free_vol_table(table);
	return 0;
}
