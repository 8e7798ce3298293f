// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pNFS block/SCSI volume trees (volume.c).
 *
 * Leaves are fake disks: a SIMPLE leaf names its disk by the first byte
 * of its first signature, a BASE leaf by its reservation key; the disk
 * sizes come from the test.  Expected mappings are worked out by hand
 * with the dm-linear and dm-stripe rules, written next to each case.
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include "../blocklayout.h"

#define BL_TEST_DISKS	8

struct bl_fake_disks {
	u64	size[BL_TEST_DISKS];
	int	fail_id;
	int	resolved;
	int	released;
};

static u32 bl_fake_id(const struct bl_vol_desc *desc)
{
	if (desc->type == PNFS_BLOCK_VOLUME_SIMPLE)
		return desc->simple.sigs[0].contents[0];
	return desc->base.pr_key;
}

static int bl_fake_resolve(const struct bl_vol_desc *desc, void *ctx,
			   void **handle, u64 *size)
{
	struct bl_fake_disks *disks = ctx;
	u32 id = bl_fake_id(desc);

	if (id >= BL_TEST_DISKS || id == disks->fail_id)
		return -ENODEV;
	disks->resolved++;
	*handle = &disks->size[id];
	*size = disks->size[id];
	return 0;
}

static void bl_fake_release(void *handle, void *ctx)
{
	struct bl_fake_disks *disks = ctx;

	disks->released++;
}

static const struct bl_vol_ops bl_fake_ops = {
	.resolve = bl_fake_resolve,
	.release = bl_fake_release,
};

static struct bl_fake_disks *bl_test_disks(struct kunit *test)
{
	struct bl_fake_disks *disks;

	disks = kunit_kzalloc(test, sizeof(*disks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, disks);
	disks->fail_id = -1;
	return disks;
}

static struct bl_vol_table *bl_test_table(struct kunit *test, u32 nr)
{
	struct bl_vol_table *t;

	t = kunit_kzalloc(test, struct_size(t, vols, nr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	t->nr = nr;
	return t;
}

/* A SIMPLE volume on fake disk @id, with a 1-byte signature at @offset. */
static void bl_set_simple_sig(struct kunit *test, struct bl_vol_table *t,
			      u32 i, u8 id, s64 offset)
{
	struct bl_sig_desc *sig;

	sig = kunit_kzalloc(test, sizeof(*sig), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sig);
	sig->contents = kunit_kzalloc(test, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sig->contents);
	sig->contents[0] = id;
	sig->len = 1;
	sig->offset = offset;
	t->vols[i].type = PNFS_BLOCK_VOLUME_SIMPLE;
	t->vols[i].simple.nr_sigs = 1;
	t->vols[i].simple.sigs = sig;
}

static void bl_set_simple(struct kunit *test, struct bl_vol_table *t, u32 i,
			  u8 id)
{
	bl_set_simple_sig(test, t, i, id, 0);
}

static void bl_set_base(struct bl_vol_table *t, u32 i, u64 key)
{
	t->vols[i].type = PNFS_BLOCK_VOLUME_SCSI;
	t->vols[i].base.pr_key = key;
}

static void bl_set_slice(struct bl_vol_table *t, u32 i, u32 child, u64 start,
			 u64 len)
{
	t->vols[i].type = PNFS_BLOCK_VOLUME_SLICE;
	t->vols[i].slice.child = child;
	t->vols[i].slice.start = start;
	t->vols[i].slice.len = len;
}

static void bl_set_members(struct kunit *test, struct bl_vol_table *t, u32 i,
			   u32 type, u64 unit, u32 nr, const u32 *idx)
{
	u32 *copy;

	copy = kunit_kmalloc_array(test, nr, sizeof(*copy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, idx, nr * sizeof(*copy));
	t->vols[i].type = type;
	t->vols[i].members.nr = nr;
	t->vols[i].members.idx = copy;
	t->vols[i].members.stripe_unit = unit;
}

/* Disks 0 and 1, the members of a bl_test_pair(), of @size bytes each. */
static void bl_set_pair_size(struct bl_fake_disks *disks, u64 size)
{
	disks->size[0] = size;
	disks->size[1] = size;
}

/* Volumes 0 and 1 SIMPLE on disks 0 and 1, volume 2 of @type over them. */
static struct bl_vol_table *bl_test_pair(struct kunit *test, u32 type,
					 u64 unit)
{
	static const u32 members[] = { 0, 1 };
	struct bl_vol_table *t = bl_test_table(test, 3);

	bl_set_simple(test, t, 0, 0);
	bl_set_simple(test, t, 1, 1);
	bl_set_members(test, t, 2, type, unit, 2, members);
	return t;
}

KUNIT_DEFINE_ACTION_WRAPPER(bl_test_free_tree, bl_vol_tree_free,
			    struct bl_vol_tree *);

static struct bl_vol_tree *bl_test_build(struct kunit *test,
					 const struct bl_vol_table *t,
					 struct bl_fake_disks *disks)
{
	struct bl_vol_tree *tree = NULL;
	struct bl_err err;
	int ret;

	ret = bl_vol_tree_build(t, &bl_fake_ops, disks, GFP_KERNEL, &tree,
				&err);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_NULL(test, err.reason);
	ret = kunit_add_action_or_reset(test, bl_test_free_tree, tree);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return tree;
}

/* Build must fail with @ret and @why, releasing every resolved leaf. */
static void bl_expect_build_fails(struct kunit *test,
				  const struct bl_vol_table *t,
				  struct bl_fake_disks *disks, int ret,
				  const char *why, u32 index)
{
	struct bl_vol_tree *tree = NULL;
	struct bl_err err;

	KUNIT_EXPECT_EQ(test, bl_vol_tree_build(t, &bl_fake_ops, disks,
						GFP_KERNEL, &tree, &err),
			ret);
	KUNIT_EXPECT_NULL(test, tree);
	KUNIT_EXPECT_STREQ(test, err.reason, why);
	KUNIT_EXPECT_EQ(test, err.index, index);
	KUNIT_EXPECT_EQ(test, disks->released, disks->resolved);
}

/* Build must succeed; free at once, releasing every resolved leaf. */
static void bl_expect_build_ok(struct kunit *test,
			       const struct bl_vol_table *t,
			       struct bl_fake_disks *disks)
{
	struct bl_vol_tree *tree = NULL;
	struct bl_err err;

	KUNIT_EXPECT_EQ(test, bl_vol_tree_build(t, &bl_fake_ops, disks,
						GFP_KERNEL, &tree, &err),
			0);
	bl_vol_tree_free(tree);
	KUNIT_EXPECT_EQ(test, disks->released, disks->resolved);
}

struct bl_map_want {
	u64	offset;		/* in the top volume */
	u32	disk;
	u64	leaf_offset;
	u64	len;
};

/*
 * From a whole sector, bl_vol_map_sectors() maps as bl_vol_map() does,
 * in exact sectors.
 */
static void bl_expect_map_sectors(struct kunit *test,
				  const struct bl_vol_tree *tree,
				  const struct bl_map_want *want,
				  const struct bl_vol_map *bytes)
{
	struct bl_vol_map map;

	if (want->offset & (SECTOR_SIZE - 1))
		return;
	KUNIT_ASSERT_EQ_MSG(test,
			    bl_vol_map_sectors(tree,
					       want->offset >> SECTOR_SHIFT,
					       &map),
			    0, "offset %llu", want->offset);
	KUNIT_EXPECT_PTR_EQ(test, map.handle, bytes->handle);
	KUNIT_EXPECT_EQ_MSG(test, (u64)map.sector << SECTOR_SHIFT,
			    want->leaf_offset, "offset %llu", want->offset);
	KUNIT_EXPECT_EQ_MSG(test, (u64)map.nr_sectors << SECTOR_SHIFT,
			    want->len, "offset %llu", want->offset);
}

static void bl_expect_maps(struct kunit *test, const struct bl_vol_tree *tree,
			   const struct bl_fake_disks *disks,
			   const struct bl_map_want *want, size_t nr)
{
	struct bl_vol_map map;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = bl_vol_map(tree, want[i].offset, &map);
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "offset %llu",
				    want[i].offset);
		KUNIT_EXPECT_PTR_EQ_MSG(test, map.handle,
					(void *)&disks->size[want[i].disk],
					"offset %llu", want[i].offset);
		KUNIT_EXPECT_PTR_EQ(test, map.handle, map.leaf->leaf.handle);
		KUNIT_EXPECT_EQ_MSG(test, map.offset, want[i].leaf_offset,
				    "offset %llu", want[i].offset);
		KUNIT_EXPECT_EQ_MSG(test, map.sector,
				    want[i].leaf_offset >> SECTOR_SHIFT,
				    "offset %llu", want[i].offset);
		KUNIT_EXPECT_EQ_MSG(test, map.len, want[i].len,
				    "offset %llu", want[i].offset);
		KUNIT_EXPECT_EQ_MSG(test, map.nr_sectors,
				    want[i].len >> SECTOR_SHIFT,
				    "offset %llu", want[i].offset);
		bl_expect_map_sectors(test, tree, &want[i], &map);
	}
}

/*
 * A stripe of disks 0 and 1, @size bytes each, with stripe unit @unit:
 * twice @size in all, mapped as @want says.
 */
static void bl_expect_stripe_maps(struct kunit *test, u64 unit, u64 size,
				  const struct bl_map_want *want, size_t nr)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_pair(test, PNFS_BLOCK_VOLUME_STRIPE,
					      unit);
	struct bl_vol_tree *tree;

	bl_set_pair_size(disks, size);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, 2 * size);
	bl_expect_maps(test, tree, disks, want, nr);
}

static void bl_vol_map_simple(struct kunit *test)
{
	static const struct bl_map_want want[] = {
		{ 0, 0, 0, SZ_1G },
		{ SZ_1G - 512, 0, SZ_1G - 512, 512 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 1);
	struct bl_vol_tree *tree;
	struct bl_vol_map map;

	disks->size[0] = SZ_1G;
	bl_set_simple(test, t, 0, 0);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, SZ_1G);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, bl_vol_map(tree, SZ_1G, &map), -EINVAL);
	KUNIT_EXPECT_EQ(test, bl_vol_map(tree, U64_MAX, &map), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			bl_vol_map_sectors(tree, SZ_1G >> SECTOR_SHIFT, &map),
			-EINVAL);
	/* Past what a byte offset can hold: refused, not wrapped to 0. */
	KUNIT_EXPECT_EQ(test,
			bl_vol_map_sectors(tree, 1ULL << (64 - SECTOR_SHIFT),
					   &map),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bl_vol_map_sectors(tree, U64_MAX, &map),
			-EINVAL);
}

/*
 * Slice [2.5 TiB, 3.5 TiB) of a 4 TiB disk, as dm-linear: leaf offset =
 * offset + 2.5 TiB, contiguous to the slice end.
 */
static void bl_vol_map_slice_past_2tib(struct kunit *test)
{
	static const struct bl_map_want want[] = {
		{ 0, 1, 5 * SZ_512G, SZ_1T },
		{ SZ_1T - 512, 1, 7 * SZ_512G - 512, 512 },
		{ SZ_512G + 4096, 1, 6 * SZ_512G + 4096, SZ_512G - 4096 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 2);
	struct bl_vol_tree *tree;
	struct bl_vol_map map;

	disks->size[1] = 4 * SZ_1T;
	bl_set_simple(test, t, 0, 1);
	bl_set_slice(t, 1, 0, 5 * SZ_512G, SZ_1T);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, SZ_1T);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, bl_vol_map(tree, SZ_1T, &map), -EINVAL);
}

/*
 * Concat of 1 GiB (disk 0), 2 GiB (disk 1), 3 TiB (disk 2): members
 * start at 0, 1 GiB and 3 GiB; size 3 TiB + 3 GiB.  Leaf offset =
 * offset - member start, contiguous to the member end.
 */
static void bl_vol_map_concat(struct kunit *test)
{
	static const u32 members[] = { 0, 1, 2 };
	static const struct bl_map_want want[] = {
		{ 0, 0, 0, SZ_1G },
		{ SZ_1G - 512, 0, SZ_1G - 512, 512 },
		{ SZ_1G, 1, 0, SZ_2G },
		{ 3ULL * SZ_1G - 512, 1, SZ_2G - 512, 512 },
		{ 3ULL * SZ_1G, 2, 0, 3 * SZ_1T },
		{ 3ULL * SZ_1G + 5 * SZ_512G, 2, 5 * SZ_512G, SZ_512G },
		{ 3 * SZ_1T + 3ULL * SZ_1G - 512, 2, 3 * SZ_1T - 512, 512 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 4);
	struct bl_vol_tree *tree;
	struct bl_vol_map map;

	disks->size[0] = SZ_1G;
	disks->size[1] = SZ_2G;
	disks->size[2] = 3 * SZ_1T;
	bl_set_simple(test, t, 0, 0);
	bl_set_simple(test, t, 1, 1);
	bl_set_simple(test, t, 2, 2);
	bl_set_members(test, t, 3, PNFS_BLOCK_VOLUME_CONCAT, 0, 3, members);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size,
			3 * SZ_1T + 3ULL * SZ_1G);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test,
			bl_vol_map(tree, 3 * SZ_1T + 3ULL * SZ_1G, &map),
			-EINVAL);
}

/*
 * Stripe of disks 0, 1, 2 (1 GiB each), unit 64 KiB: chunk c = off / 64K
 * lives on disk c % 3 at (c / 3) * 64K + off % 64K, contiguous to the
 * chunk end.  Last byte: c = (3G - 1) / 64K = 49151 = 3 * 16383 + 2, so
 * disk 2 at 16383 * 64K + 65535 = 1G - 1.
 */
static void bl_vol_map_stripe_pow2(struct kunit *test)
{
	static const u32 members[] = { 0, 1, 2 };
	static const struct bl_map_want want[] = {
		{ 0, 0, 0, SZ_64K },
		{ SZ_64K - 512, 0, SZ_64K - 512, 512 },
		{ SZ_64K, 1, 0, SZ_64K },
		{ SZ_128K + 512, 2, 512, SZ_64K - 512 },
		{ 3 * SZ_64K, 0, SZ_64K, SZ_64K },
		{ 7 * SZ_64K + 4096, 1, 2 * SZ_64K + 4096, SZ_64K - 4096 },
		{ 3ULL * SZ_1G - 1, 2, SZ_1G - 1, 1 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 4);
	struct bl_vol_tree *tree;

	disks->size[0] = SZ_1G;
	disks->size[1] = SZ_1G;
	disks->size[2] = SZ_1G;
	bl_set_simple(test, t, 0, 0);
	bl_set_simple(test, t, 1, 1);
	bl_set_simple(test, t, 2, 2);
	bl_set_members(test, t, 3, PNFS_BLOCK_VOLUME_STRIPE, SZ_64K, 3,
		       members);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, 3ULL * SZ_1G);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
}

/*
 * Stripe of disks 0 and 1 (960 KiB = 10 units each), unit 96 KiB (not a
 * power of two: the division path).  200K: c = 2, within 8K, disk 0,
 * row 1: 96K + 8K = 104K, 88K left in the chunk.  1920K - 512: c = 19,
 * disk 1, row 9: 9 * 96K + 96K - 512 = 960K - 512.
 */
static void bl_vol_map_stripe_odd_unit(struct kunit *test)
{
	static const struct bl_map_want want[] = {
		{ 0, 0, 0, 96 * SZ_1K },
		{ 96 * SZ_1K, 1, 0, 96 * SZ_1K },
		{ 200 * SZ_1K, 0, 104 * SZ_1K, 88 * SZ_1K },
		{ 1920 * SZ_1K - 512, 1, 960 * SZ_1K - 512, 512 },
	};

	bl_expect_stripe_maps(test, 96 * SZ_1K, 960 * SZ_1K, want,
			      ARRAY_SIZE(want));
}

/*
 * Stripe of disks 0 and 1 (2 TiB each), unit 1 MiB.
 * 3T + 1.5M: c = 3 * 2^20 + 1 (odd: disk 1), row = 3 * 2^19, within
 * 512K: leaf offset 3 * 2^19 * 2^20 + 512K = 1.5T + 512K.
 * 4T - 512: c = 2^22 - 1 (disk 1), row 2^21 - 1: 2T - 1M + 1M - 512.
 */
static void bl_vol_map_stripe_past_2tib(struct kunit *test)
{
	static const struct bl_map_want want[] = {
		{ 3 * SZ_1T + SZ_1M + SZ_512K, 1, 3 * SZ_512G + SZ_512K,
		  SZ_512K },
		{ 4 * SZ_1T - 512, 1, 2 * SZ_1T - 512, 512 },
		{ 2 * SZ_1T, 0, SZ_1T, SZ_1M },
	};

	bl_expect_stripe_maps(test, SZ_1M, 2 * SZ_1T, want, ARRAY_SIZE(want));
}

/*
 * Stripes within a concat within a slice.  Disks 0-3 of 1 GiB each;
 * 4 = stripe(0, 1) unit 64K, 2 GiB; 5 = stripe(2, 3) unit 128K, 2 GiB;
 * 6 = concat(4, 5), 4 GiB; 7 = slice of 6 from 1G + 32K, 2 GiB (top).
 * Top offset X is 6's offset X + 1G + 32K.
 * X = 0: 4 at 1G + 32K, c = 16384 (disk 0), row 8192: 512M + 32K;
 *   32K left in the chunk.
 * X = 1G - 32K - 512: 4 at 2G - 512, c = 32767 (disk 1), row 16383:
 *   1G - 512; 512 left in member 4.
 * X = 1G - 32K: 5 at 0: disk 2 at 0, a whole 128K chunk.
 * X = 2G - 512: 5 at 1G + 32K - 512, c = 8192 (disk 2), row 4096:
 *   512M + 32K - 512; 512 left in the slice.
 */
static void bl_vol_map_nested(struct kunit *test)
{
	static const u32 s4[] = { 0, 1 }, s5[] = { 2, 3 }, c6[] = { 4, 5 };
	static const struct bl_map_want want[] = {
		{ 0, 0, SZ_512M + SZ_32K, SZ_32K },
		{ SZ_1G - SZ_32K - 512, 1, SZ_1G - 512, 512 },
		{ SZ_1G - SZ_32K, 2, 0, SZ_128K },
		{ SZ_2G - 512, 2, SZ_512M + SZ_32K - 512, 512 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 8);
	struct bl_vol_tree *tree;
	u32 i;

	for (i = 0; i < 4; i++) {
		disks->size[i] = SZ_1G;
		bl_set_simple(test, t, i, i);
	}
	bl_set_members(test, t, 4, PNFS_BLOCK_VOLUME_STRIPE, SZ_64K, 2, s4);
	bl_set_members(test, t, 5, PNFS_BLOCK_VOLUME_STRIPE, SZ_128K, 2, s5);
	bl_set_members(test, t, 6, PNFS_BLOCK_VOLUME_CONCAT, 0, 2, c6);
	bl_set_slice(t, 7, 6, SZ_1G + SZ_32K, SZ_2G);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, SZ_2G);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
}

/*
 * A chain of BL_MAX_VOLUMES volumes: a 1 GiB disk, then slices each
 * dropping the first sector of the one before.  The top starts
 * (BL_MAX_VOLUMES - 1) sectors into the disk.  Mapping must not recurse.
 */
static void bl_vol_map_deep_chain(struct kunit *test)
{
	const u64 skip = (BL_MAX_VOLUMES - 1) * 512ULL;
	struct bl_map_want want[] = {
		{ 0, 0, skip, SZ_1G - skip },
		{ SZ_1G - skip - 512, 0, SZ_1G - 512, 512 },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, BL_MAX_VOLUMES);
	struct bl_vol_tree *tree;
	u64 size = SZ_1G;
	u32 i;

	disks->size[0] = SZ_1G;
	bl_set_simple(test, t, 0, 0);
	for (i = 1; i < BL_MAX_VOLUMES; i++) {
		size -= 512;
		bl_set_slice(t, i, i - 1, 512, size);
	}
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, bl_vol_top(tree)->size, SZ_1G - skip);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
}

/*
 * Two slices of one disk, concatenated in reverse order: the disk is
 * resolved once and released once.
 */
static void bl_vol_map_shared_leaf(struct kunit *test)
{
	static const u32 members[] = { 2, 1 };
	static const struct bl_map_want want[] = {
		{ 0, 3, SZ_512M, SZ_512M },
		{ SZ_512M, 3, 0, SZ_512M },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 4);
	struct bl_vol_tree *tree = NULL;
	struct bl_err err;

	disks->size[3] = SZ_1G;
	bl_set_simple(test, t, 0, 3);
	bl_set_slice(t, 1, 0, 0, SZ_512M);
	bl_set_slice(t, 2, 0, SZ_512M, SZ_512M);
	bl_set_members(test, t, 3, PNFS_BLOCK_VOLUME_CONCAT, 0, 2, members);
	KUNIT_ASSERT_EQ(test, bl_vol_tree_build(t, &bl_fake_ops, disks,
						GFP_KERNEL, &tree, &err),
			0);
	KUNIT_EXPECT_EQ(test, disks->resolved, 1);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
	bl_vol_tree_free(tree);
	KUNIT_EXPECT_EQ(test, disks->released, 1);
}

/* BASE leaves carry their reservation key into the tree. */
static void bl_vol_map_scsi_base(struct kunit *test)
{
	static const u32 members[] = { 0, 1 };
	static const struct bl_map_want want[] = {
		{ 0, 1, 0, SZ_1G },
		{ SZ_1G, 2, 0, SZ_1G },
	};
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 3);
	struct bl_vol_tree *tree;

	disks->size[1] = SZ_1G;
	disks->size[2] = SZ_1G;
	bl_set_base(t, 0, 1);
	bl_set_base(t, 1, 2);
	bl_set_members(test, t, 2, PNFS_BLOCK_VOLUME_CONCAT, 0, 2, members);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_EQ(test, tree->vols[0].leaf.pr_key, 1);
	KUNIT_EXPECT_EQ(test, tree->vols[1].leaf.pr_key, 2);
	bl_expect_maps(test, tree, disks, want, ARRAY_SIZE(want));
}

static void bl_vol_contains_bounds(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 1);
	struct bl_vol_tree *tree;

	disks->size[0] = SZ_1G;
	bl_set_simple(test, t, 0, 0);
	tree = bl_test_build(test, t, disks);
	KUNIT_EXPECT_TRUE(test, bl_vol_contains(tree, 0, SZ_1G));
	KUNIT_EXPECT_TRUE(test, bl_vol_contains(tree, SZ_1G - 512, 512));
	KUNIT_EXPECT_TRUE(test, bl_vol_contains(tree, SZ_1G, 0));
	KUNIT_EXPECT_FALSE(test, bl_vol_contains(tree, 512, SZ_1G));
	KUNIT_EXPECT_FALSE(test, bl_vol_contains(tree, SZ_1G, 512));
	KUNIT_EXPECT_FALSE(test, bl_vol_contains(tree, U64_MAX - 511, 1024));
}

static void bl_vol_build_slice_past_end(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 2);

	disks->size[0] = SZ_1G;
	bl_set_simple(test, t, 0, 0);
	bl_set_slice(t, 1, 0, 512, SZ_1G);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_SLICE_PAST_END,
			      1);
}

static void bl_vol_build_stripe_rules(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_pair(test, PNFS_BLOCK_VOLUME_STRIPE,
					      SZ_64K);

	/* Members of unequal size. */
	disks->size[0] = SZ_1G;
	disks->size[1] = SZ_2G;
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_STRIPE_UNEQUAL,
			      2);

	/* Equal, but the last row would be partial. */
	bl_set_pair_size(disks, SZ_1G + 512);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_STRIPE_ROWS, 2);

	/* Smaller than one unit. */
	bl_set_pair_size(disks, SZ_32K);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_STRIPE_ROWS, 2);

	/* 2 * 2^63 does not fit in 64 bits. */
	bl_set_pair_size(disks, 1ULL << 63);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_STRIPE_OVERFLOW,
			      2);
}

/*
 * A stripe unit below 4 KiB is refused: a 512-byte unit would cost one
 * volume walk and one bio per sector of every request.  4 KiB is taken.
 */
static void bl_vol_build_stripe_unit_min(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_pair(test, PNFS_BLOCK_VOLUME_STRIPE,
					      512);

	bl_set_pair_size(disks, SZ_1M);
	bl_expect_build_fails(test, t, disks, -EOPNOTSUPP,
			      BL_WHY_STRIPE_UNIT_SMALL, 2);

	t->vols[2].members.stripe_unit = SZ_4K - 512;
	bl_expect_build_fails(test, t, disks, -EOPNOTSUPP,
			      BL_WHY_STRIPE_UNIT_SMALL, 2);

	t->vols[2].members.stripe_unit = SZ_4K;
	bl_expect_build_ok(test, t, disks);
}

static void bl_vol_build_concat_overflow(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_pair(test, PNFS_BLOCK_VOLUME_CONCAT,
					      0);

	bl_set_pair_size(disks, 1ULL << 63);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_CONCAT_OVERFLOW,
			      2);
}

static void bl_vol_build_leaf_rules(struct kunit *test)
{
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 1);

	bl_set_simple(test, t, 0, 0);
	disks->size[0] = 0;
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_LEAF_SIZE, 0);
	disks->size[0] = SZ_1G + 1;
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_LEAF_SIZE, 0);

	/* The last byte of the disk holds a signature; the next does not. */
	disks->size[0] = SZ_1G;
	bl_set_simple_sig(test, t, 0, 0, SZ_1G - 1);
	bl_expect_build_ok(test, t, disks);
	bl_set_simple_sig(test, t, 0, 0, SZ_1G);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_SIG_PAST_END, 0);

	/* From the end: the first sector holds one; before it does not. */
	bl_set_simple_sig(test, t, 0, 0, -(s64)SZ_1G);
	bl_expect_build_ok(test, t, disks);
	bl_set_simple_sig(test, t, 0, 0, -(s64)SZ_2G);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_SIG_PAST_END, 0);
	bl_set_simple_sig(test, t, 0, 0, S64_MIN);
	bl_expect_build_fails(test, t, disks, -EINVAL, BL_WHY_SIG_PAST_END, 0);
}

/* A leaf that cannot be found fails the build and releases the others. */
static void bl_vol_build_resolve_fails(struct kunit *test)
{
	static const u32 members[] = { 0, 1, 2 };
	struct bl_fake_disks *disks = bl_test_disks(test);
	struct bl_vol_table *t = bl_test_table(test, 4);

	disks->size[0] = SZ_1G;
	disks->size[1] = SZ_1G;
	disks->size[2] = SZ_1G;
	disks->fail_id = 2;
	bl_set_simple(test, t, 0, 0);
	bl_set_simple(test, t, 1, 1);
	bl_set_simple(test, t, 2, 2);
	bl_set_members(test, t, 3, PNFS_BLOCK_VOLUME_CONCAT, 0, 3, members);
	bl_expect_build_fails(test, t, disks, -ENODEV, BL_WHY_RESOLVE, 2);
	KUNIT_EXPECT_EQ(test, disks->resolved, 2);
}

static struct kunit_case bl_volume_cases[] = {
	KUNIT_CASE(bl_vol_map_simple),
	KUNIT_CASE(bl_vol_map_slice_past_2tib),
	KUNIT_CASE(bl_vol_map_concat),
	KUNIT_CASE(bl_vol_map_stripe_pow2),
	KUNIT_CASE(bl_vol_map_stripe_odd_unit),
	KUNIT_CASE(bl_vol_map_stripe_past_2tib),
	KUNIT_CASE(bl_vol_map_nested),
	KUNIT_CASE(bl_vol_map_deep_chain),
	KUNIT_CASE(bl_vol_map_shared_leaf),
	KUNIT_CASE(bl_vol_map_scsi_base),
	KUNIT_CASE(bl_vol_contains_bounds),
	KUNIT_CASE(bl_vol_build_slice_past_end),
	KUNIT_CASE(bl_vol_build_stripe_rules),
	KUNIT_CASE(bl_vol_build_stripe_unit_min),
	KUNIT_CASE(bl_vol_build_concat_overflow),
	KUNIT_CASE(bl_vol_build_leaf_rules),
	KUNIT_CASE(bl_vol_build_resolve_fails),
	{}
};

static struct kunit_suite bl_volume_suite = {
	.name = "pnfs_block_volume",
	.test_cases = bl_volume_cases,
};

kunit_test_suite(bl_volume_suite);
