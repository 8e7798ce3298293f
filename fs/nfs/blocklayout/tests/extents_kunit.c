// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pNFS block/SCSI extent cache (extents.c).
 *
 * Devices are counted: the cache never looks into a struct bl_dev, so
 * the tests' are zeroed ones whose references are counted by the test;
 * every case ends by destroying its cache and checking that every
 * reference taken was put exactly once.  Expected
 * LAYOUTCOMMIT bodies are built by hand from RFC 5663 section 2.3.2 and
 * RFC 8154 section 2.4.2; the first of each is the body nfsd's decoder
 * expects for one extent.  The last case drives the cache with a few
 * thousand random operations and compares it, sector by sector, with a
 * plain array model.
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>

#include "../dev.h"
#include "../extents.h"

#define BL_TEST_NR_DEVS	3

/**
 * struct bl_test_ctx - one test's cache and devices
 * @cache: the cache under test
 * @devs: the devices; device i has the device ID filled with i + 0xaa
 * @refs: references held by the cache and its snapshots, per device
 * @underflow: puts seen at zero references, per device
 */
struct bl_test_ctx {
	struct bl_ext_cache	cache;
	struct bl_dev		devs[BL_TEST_NR_DEVS];
	int			refs[BL_TEST_NR_DEVS];
	int			underflow[BL_TEST_NR_DEVS];
};

static int bl_test_dev_index(struct bl_test_ctx *ctx, const struct bl_dev *dev)
{
	return dev - ctx->devs;
}

static void bl_test_dev_get(struct bl_dev *dev)
{
	struct bl_test_ctx *ctx = kunit_get_current_test()->priv;

	ctx->refs[bl_test_dev_index(ctx, dev)]++;
}

static void bl_test_dev_put(struct bl_dev *dev)
{
	struct bl_test_ctx *ctx = kunit_get_current_test()->priv;
	int i = bl_test_dev_index(ctx, dev);

	if (ctx->refs[i])
		ctx->refs[i]--;
	else
		ctx->underflow[i]++;
}

static const struct bl_ext_dev_ops bl_test_dev_ops = {
	.get = bl_test_dev_get,
	.put = bl_test_dev_put,
};

static int bl_test_init(struct kunit *test)
{
	struct bl_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	bl_ext_cache_init(&ctx->cache, &bl_test_dev_ops);
	test->priv = ctx;
	return 0;
}

/* Destroy the cache and check that every reference was put once. */
static void bl_test_destroy(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	int i;

	bl_ext_cache_destroy(&ctx->cache);
	for (i = 0; i < BL_TEST_NR_DEVS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, ctx->refs[i], 0, "dev %d", i);
		KUNIT_EXPECT_EQ_MSG(test, ctx->underflow[i], 0,
				    "dev %d", i);
	}
}

/* Add one extent, in sectors, on device @dev. */
static int bl_test_add(struct kunit *test, int dev, sector_t f, sector_t len,
		       sector_t v, u32 state)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext_desc d = {
		.file_offset	= (u64)f << SECTOR_SHIFT,
		.len		= (u64)len << SECTOR_SHIFT,
		.storage_offset	= (u64)v << SECTOR_SHIFT,
		.state		= state,
	};
	struct bl_dev *devp = &ctx->devs[dev];

	memset(d.devid.data, 0xaa + dev, NFS4_DEVICEID4_SIZE);
	return bl_ext_cache_add(&ctx->cache, &d, 1, &devp, GFP_KERNEL);
}

/* Add one extent, as bl_test_add(), which must go in. */
static void bl_test_add_ok(struct kunit *test, int dev, sector_t f,
			   sector_t len, sector_t v, u32 state)
{
	KUNIT_ASSERT_EQ_MSG(test, bl_test_add(test, dev, f, len, v, state), 0,
			    "extent at sector %llu", (unsigned long long)f);
}

/* Mark @len sectors from @start written, with @lwb; it must succeed. */
static void bl_test_write_ok(struct kunit *test, sector_t start,
			     sector_t len, u64 lwb)
{
	struct bl_test_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ_MSG(test, bl_ext_mark_written(&ctx->cache, start, len,
						      lwb, GFP_KERNEL), 0,
			    "write at sector %llu", (unsigned long long)start);
}

/* Look up @isect and check the snapshot, then release it. */
static void bl_test_expect(struct kunit *test, sector_t isect, bool rw,
			   u32 state, u32 tag, int dev, sector_t f,
			   sector_t len, sector_t v)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext e;

	KUNIT_ASSERT_TRUE_MSG(test, bl_ext_lookup(&ctx->cache, isect, rw, &e,
						  NULL), "sector %llu",
			      (u64)isect);
	KUNIT_EXPECT_EQ(test, e.state, state);
	KUNIT_EXPECT_EQ(test, e.tag, tag);
	KUNIT_EXPECT_PTR_EQ(test, e.dev, &ctx->devs[dev]);
	KUNIT_EXPECT_EQ(test, e.devid.data[0], 0xaa + dev);
	KUNIT_EXPECT_EQ(test, e.f_offset, f);
	KUNIT_EXPECT_EQ(test, e.len, len);
	if (state != PNFS_BLOCK_NONE_DATA)
		KUNIT_EXPECT_EQ(test, e.v_offset, v);
	bl_ext_put_snapshot(&ctx->cache, &e);
}

static void bl_test_expect_none(struct kunit *test, sector_t isect, bool rw)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext e;

	KUNIT_EXPECT_FALSE_MSG(test, bl_ext_lookup(&ctx->cache, isect, rw, &e,
						   NULL), "sector %llu",
			       (u64)isect);
}

static void bl_ext_lookup_each_state(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 8, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 0, 8, 8, 200, PNFS_BLOCK_INVALID_DATA);
	bl_test_add_ok(test, 1, 16, 8, 300, PNFS_BLOCK_READ_DATA);
	bl_test_add_ok(test, 2, 24, 8, 0, PNFS_BLOCK_NONE_DATA);

	/* Writing: only the write tree answers. */
	bl_test_expect(test, 3, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 8, 100);
	bl_test_expect(test, 9, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 8, 8, 200);
	bl_test_expect_none(test, 16, true);
	bl_test_expect_none(test, 31, true);

	/* Reading: every state answers. */
	bl_test_expect(test, 0, false, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 8, 100);
	bl_test_expect(test, 15, false, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 8, 8, 200);
	bl_test_expect(test, 16, false, PNFS_BLOCK_READ_DATA, BL_EXT_CLEAN,
		       1, 16, 8, 300);
	bl_test_expect(test, 24, false, PNFS_BLOCK_NONE_DATA, BL_EXT_CLEAN,
		       2, 24, 8, 0);
	bl_test_expect_none(test, 32, false);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_lookup_borders(struct kunit *test)
{
	bl_test_add_ok(test, 0, 100, 100, 1000, PNFS_BLOCK_READWRITE_DATA);
	bl_test_expect_none(test, 99, true);
	bl_test_expect_none(test, 99, false);
	bl_test_expect(test, 100, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 100, 100, 1000);
	bl_test_expect(test, 199, false, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 100, 100, 1000);
	bl_test_expect_none(test, 200, true);
	bl_test_expect_none(test, 200, false);
	bl_test_destroy(test);
}

/*
 * A file sector maps to the volume by the extent's shift, both ways round
 * and past 2 TiB (2^32 sectors); a split extent keeps the shift.
 */
static void bl_ext_map_sector_shift(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	const struct bl_ext up = {
		.f_offset = 100, .len = 100, .v_offset = 1000,
	};
	const struct bl_ext down = {
		.f_offset = 5ULL << 32, .len = 8, .v_offset = 16,
	};
	struct bl_ext e;

	KUNIT_EXPECT_EQ(test, bl_ext_map_sector(&up, 100), 1000);
	KUNIT_EXPECT_EQ(test, bl_ext_map_sector(&up, 199), 1099);
	KUNIT_EXPECT_EQ(test, bl_ext_map_sector(&down, 5ULL << 32), 16);
	KUNIT_EXPECT_EQ(test, bl_ext_map_sector(&down, (5ULL << 32) + 7), 23);

	bl_test_add_ok(test, 0, 0, 16, 3ULL << 32, PNFS_BLOCK_INVALID_DATA);
	bl_test_write_ok(test, 4, 4, 0);
	KUNIT_ASSERT_TRUE(test, bl_ext_lookup(&ctx->cache, 6, true, &e, NULL));
	KUNIT_EXPECT_EQ(test, e.f_offset, 4);
	KUNIT_EXPECT_EQ(test, bl_ext_map_sector(&e, 6), (3ULL << 32) + 6);
	bl_ext_put_snapshot(&ctx->cache, &e);
	bl_test_destroy(test);
}

static void bl_ext_add_cached_wins(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 16, 1000, PNFS_BLOCK_INVALID_DATA);
	bl_test_write_ok(test, 4, 4, 0);
	/* The server hands out [0, 32) again, elsewhere: keep what we have. */
	bl_test_add_ok(test, 1, 0, 32, 5000, PNFS_BLOCK_INVALID_DATA);
	bl_test_expect(test, 0, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 0, 4, 1000);
	bl_test_expect(test, 5, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_WRITTEN,
		       0, 4, 4, 1004);
	bl_test_expect(test, 8, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 8, 8, 1008);
	bl_test_expect(test, 16, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       1, 16, 16, 5016);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_add_split(struct kunit *test)
{
	bl_test_add_ok(test, 0, 8, 8, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 0, 24, 4, 300, PNFS_BLOCK_READWRITE_DATA);
	/* Covers both cached extents: three pieces go in around them. */
	bl_test_add_ok(test, 1, 0, 40, 2000, PNFS_BLOCK_READWRITE_DATA);
	bl_test_expect(test, 0, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       1, 0, 8, 2000);
	bl_test_expect(test, 8, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 8, 8, 100);
	bl_test_expect(test, 16, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       1, 16, 8, 2016);
	bl_test_expect(test, 27, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 24, 4, 300);
	bl_test_expect(test, 39, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       1, 28, 12, 2028);
	bl_test_expect_none(test, 40, true);
	bl_test_destroy(test);
}

static void bl_ext_add_merge(struct kunit *test)
{
	bl_test_add_ok(test, 0, 0, 8, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 0, 16, 8, 116, PNFS_BLOCK_READWRITE_DATA);
	bl_test_expect(test, 0, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 8, 100);
	/* The middle piece joins both neighbours. */
	bl_test_add_ok(test, 0, 8, 8, 108, PNFS_BLOCK_READWRITE_DATA);
	bl_test_expect(test, 12, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 0, 24, 100);
	/* Not contiguous on the volume, other device, other state: apart. */
	bl_test_add_ok(test, 0, 24, 8, 500, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 1, 32, 8, 132, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 1, 40, 8, 140, PNFS_BLOCK_INVALID_DATA);
	bl_test_expect(test, 0, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 24, 100);
	bl_test_expect(test, 24, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 24, 8, 500);
	bl_test_expect(test, 32, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 1, 32, 8, 132);
	bl_test_expect(test, 40, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       1, 40, 8, 140);
	/* Holes merge whatever their storage offsets. */
	bl_test_add_ok(test, 2, 100, 8, 7, PNFS_BLOCK_NONE_DATA);
	bl_test_add_ok(test, 2, 108, 8, 900, PNFS_BLOCK_NONE_DATA);
	bl_test_expect(test, 100, false, PNFS_BLOCK_NONE_DATA, BL_EXT_CLEAN,
		       2, 100, 16, 0);
	bl_test_destroy(test);
}

/*
 * A copy-on-write pair: [0, 16) INVALID_DATA at 1000 on device 0, its
 * sectors [4, 12) with a READ_DATA source at 5000 on device 1.
 */
static void bl_test_add_cow_pair(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext_desc d[2] = {
		{ .file_offset = 0, .len = 16 << SECTOR_SHIFT,
		  .storage_offset = 1000 << SECTOR_SHIFT,
		  .state = PNFS_BLOCK_INVALID_DATA },
		{ .file_offset = 4 << SECTOR_SHIFT, .len = 8 << SECTOR_SHIFT,
		  .storage_offset = 5000 << SECTOR_SHIFT,
		  .state = PNFS_BLOCK_READ_DATA },
	};
	struct bl_dev *devs[2] = { &ctx->devs[0], &ctx->devs[1] };

	memset(d[0].devid.data, 0xaa, NFS4_DEVICEID4_SIZE);
	memset(d[1].devid.data, 0xab, NFS4_DEVICEID4_SIZE);
	KUNIT_ASSERT_EQ(test, bl_ext_cache_add(&ctx->cache, d, 2, devs,
					       GFP_KERNEL), 0);
}

static void bl_ext_lookup_cow(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext e, cow;

	bl_test_add_cow_pair(test);

	/* Inside the pair: both snapshots, clipped to the same range. */
	KUNIT_ASSERT_TRUE(test, bl_ext_lookup(&ctx->cache, 6, true, &e, &cow));
	KUNIT_EXPECT_EQ(test, e.state, PNFS_BLOCK_INVALID_DATA);
	KUNIT_EXPECT_EQ(test, e.f_offset, 4);
	KUNIT_EXPECT_EQ(test, e.len, 8);
	KUNIT_EXPECT_EQ(test, e.v_offset, 1004);
	KUNIT_EXPECT_EQ(test, cow.state, PNFS_BLOCK_READ_DATA);
	KUNIT_EXPECT_EQ(test, cow.f_offset, 4);
	KUNIT_EXPECT_EQ(test, cow.len, 8);
	KUNIT_EXPECT_EQ(test, cow.v_offset, 5000);
	KUNIT_EXPECT_PTR_EQ(test, cow.dev, &ctx->devs[1]);
	KUNIT_EXPECT_EQ(test, ctx->refs[1], 2);
	bl_ext_put_snapshot(&ctx->cache, &cow);
	bl_ext_put_snapshot(&ctx->cache, &e);

	/* Before the source: no source, and the answer stops where it starts. */
	KUNIT_ASSERT_TRUE(test, bl_ext_lookup(&ctx->cache, 1, true, &e, &cow));
	KUNIT_EXPECT_EQ(test, e.f_offset, 0);
	KUNIT_EXPECT_EQ(test, e.len, 4);
	KUNIT_EXPECT_EQ(test, cow.len, 0);
	KUNIT_EXPECT_NULL(test, cow.dev);
	bl_ext_put_snapshot(&ctx->cache, &e);

	/* Reading unwritten copy-on-write sectors reads the source. */
	bl_test_expect(test, 7, false, PNFS_BLOCK_READ_DATA, BL_EXT_CLEAN,
		       1, 4, 8, 5000);
	bl_test_expect(test, 0, false, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 0, 4, 1000);

	/* Once written, the destination holds the data. */
	bl_test_write_ok(test, 4, 8, 0);
	KUNIT_ASSERT_TRUE(test, bl_ext_lookup(&ctx->cache, 6, true, &e, &cow));
	KUNIT_EXPECT_EQ(test, e.tag, BL_EXT_WRITTEN);
	KUNIT_EXPECT_EQ(test, cow.len, 0);
	bl_ext_put_snapshot(&ctx->cache, &e);
	bl_test_expect(test, 7, false, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 4, 8, 1004);
	bl_test_destroy(test);
}

static void bl_ext_mark_written_splits(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 30, 100, PNFS_BLOCK_INVALID_DATA);
	bl_test_add_ok(test, 0, 30, 10, 130, PNFS_BLOCK_READWRITE_DATA);
	/* Middle. */
	bl_test_write_ok(test, 10, 10, 0);
	bl_test_expect(test, 0, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 0, 10, 100);
	bl_test_expect(test, 10, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 10, 10, 110);
	bl_test_expect(test, 20, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 20, 10, 120);
	/* Front. */
	bl_test_write_ok(test, 0, 3, 0);
	bl_test_expect(test, 2, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 0, 3, 100);
	bl_test_expect(test, 3, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 3, 7, 103);
	/* Tail, running into READ_WRITE_DATA, which stays as it is. */
	bl_test_write_ok(test, 27, 8, 0);
	bl_test_expect(test, 26, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 20, 7, 120);
	bl_test_expect(test, 27, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 27, 3, 127);
	bl_test_expect(test, 30, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 30, 10, 130);
	/* Filling the gap merges the written pieces. */
	bl_test_write_ok(test, 3, 7, 0);
	bl_test_expect(test, 0, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 0, 20, 100);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_mark_written_rw_only(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 30, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_write_ok(test, 5, 10, 0);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_expect(test, 5, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 30, 100);
	bl_test_destroy(test);
}

/*
 * What a LAYOUTCOMMIT does with the cache: tag the written extents
 * committing, then encode them; -ENOMEM untags them again.
 */
static int bl_test_prepare(struct bl_ext_cache *c, bool scsi, void **buf,
			   size_t *len, u64 *lwb, gfp_t gfp)
{
	int nr = bl_ext_commit_collect(c, lwb);

	if (nr < 0)
		return nr;
	nr = bl_ext_commit_encode(c, scsi, buf, len, gfp);
	if (nr < 0)
		bl_ext_commit_done(c, false);
	return nr;
}

/* Prepare a commit, check its body against @want, and return the count. */
static int bl_test_commit(struct kunit *test, bool scsi, const u8 *want,
			  size_t want_len)
{
	struct bl_test_ctx *ctx = test->priv;
	size_t len = 0;
	void *buf = NULL;
	int nr;

	nr = bl_test_prepare(&ctx->cache, scsi, &buf, &len, NULL, GFP_KERNEL);
	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_EXPECT_EQ(test, len, want_len);
	if (len == want_len)
		KUNIT_EXPECT_MEMEQ(test, buf, want, want_len);
	kvfree(buf);
	return nr;
}

/* One 4 KiB extent at file offset 0, storage 4 GiB. */
static const u8 bl_test_block_one[] = {
	0x00, 0x00, 0x00, 0x01,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static const u8 bl_test_scsi_one[] = {
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
};

/* One INVALID MiB at storage 4 GiB, as in the xdr_kunit.c vectors. */
static void bl_test_add_mib(struct kunit *test)
{
	bl_test_add_ok(test, 0, 0, SZ_1M >> SECTOR_SHIFT, SZ_4G >> SECTOR_SHIFT,
		       PNFS_BLOCK_INVALID_DATA);
}

static void bl_ext_commit_block_body(struct kunit *test)
{
	static const u8 zero[] = { 0x00, 0x00, 0x00, 0x00 };
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 0, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, bl_test_block_one,
					     sizeof(bl_test_block_one)), 1);
	bl_ext_commit_done(&ctx->cache, true);
	/* Rewriting committed sectors needs no further commit. */
	bl_test_write_ok(test, 0, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, zero, sizeof(zero)),
			0);
	bl_ext_commit_done(&ctx->cache, true);
	bl_test_destroy(test);
}

/*
 * The last byte written travels with the extents it covers: a commit
 * reports it, a later write raises it, and only a commit that covered
 * everything written clears it.  Without this a server clips the listed
 * extents to the old file size and leaves them unwritten.
 */
static void bl_ext_commit_lwb(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	size_t len;
	void *buf;
	u64 lwb;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 0, 8, 3000);
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, &lwb, GFP_KERNEL), 1);
	kvfree(buf);
	KUNIT_EXPECT_EQ(test, lwb, 3000);
	/* A write completing during the commit raises it again. */
	bl_test_write_ok(test, 8, 8, 8192);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, &lwb, GFP_KERNEL), 1);
	kvfree(buf);
	KUNIT_EXPECT_EQ(test, lwb, 8192);
	/* A failed commit keeps it; a good one that covered it clears it. */
	bl_ext_commit_done(&ctx->cache, false);
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, &lwb, GFP_KERNEL), 1);
	kvfree(buf);
	KUNIT_EXPECT_EQ(test, lwb, 8192);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, &lwb, GFP_KERNEL), 0);
	kvfree(buf);
	KUNIT_EXPECT_EQ(test, lwb, 0);
	bl_ext_commit_done(&ctx->cache, true);
	bl_test_destroy(test);
}

static void bl_ext_commit_block_two(struct kunit *test)
{
	static const u8 two[] = {
		0x00, 0x00, 0x00, 0x02,
		/* 4 KiB at 0 */
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
		/* 512 bytes at 64 KiB, storage 4 GiB + 64 KiB */
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 128, 1, 0);
	bl_test_write_ok(test, 0, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, two, sizeof(two)),
			2);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_commit_scsi_body(struct kunit *test)
{
	static const u8 two[] = {
		0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	};
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 0, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, true, bl_test_scsi_one,
					     sizeof(bl_test_scsi_one)), 1);
	bl_ext_commit_done(&ctx->cache, false);
	bl_test_write_ok(test, 128, 1, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, true, two, sizeof(two)), 2);
	bl_ext_commit_done(&ctx->cache, true);
	bl_test_destroy(test);
}

static void bl_ext_commit_empty(struct kunit *test)
{
	static const u8 zero[] = { 0x00, 0x00, 0x00, 0x00 };
	struct bl_test_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, zero, sizeof(zero)),
			0);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, true, zero, sizeof(zero)),
			0);
	bl_test_destroy(test);
}

static void bl_ext_commit_done_ok(struct kunit *test)
{
	static const u8 eight[] = {
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
	};
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 8, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 0, 8, 16, 108, PNFS_BLOCK_INVALID_DATA);
	bl_test_write_ok(test, 8, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, true, eight, sizeof(eight)),
			1);
	bl_test_expect(test, 8, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_COMMITTING, 0, 8, 8, 108);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	bl_ext_commit_done(&ctx->cache, true);
	/* Committed sectors join the READ_WRITE_DATA extent before them. */
	bl_test_expect(test, 8, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 16, 100);
	bl_test_expect(test, 16, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_CLEAN,
		       0, 16, 8, 116);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_commit_done_error(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	size_t len;
	void *buf;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 0, 8, 0);
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, bl_test_block_one,
					     sizeof(bl_test_block_one)), 1);
	/* One commit at a time. */
	KUNIT_EXPECT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, NULL, GFP_KERNEL), -EBUSY);
	/* A write landing meanwhile does not change committing sectors. */
	bl_test_write_ok(test, 0, 8, 0);
	bl_ext_commit_done(&ctx->cache, false);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_expect(test, 0, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_WRITTEN, 0, 0, 8, SZ_4G >> SECTOR_SHIFT);
	/* The retry lists the same extent again. */
	KUNIT_EXPECT_EQ(test, bl_test_commit(test, false, bl_test_block_one,
					     sizeof(bl_test_block_one)), 1);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_expect(test, 0, false, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 0, 8, SZ_4G >> SECTOR_SHIFT);
	bl_test_destroy(test);
}

static void bl_ext_commit_cap(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	sector_t i, nr = BL_EXT_COMMIT_MAX + 1;
	size_t len;
	void *buf;

	bl_test_add_ok(test, 0, 0, 2 * nr, 0, PNFS_BLOCK_INVALID_DATA);
	/* Every other sector: nr separate written extents. */
	for (i = 0; i < nr; i++)
		bl_test_write_ok(test, 2 * i, 1, 0);
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, NULL, GFP_KERNEL),
			BL_EXT_COMMIT_MAX);
	KUNIT_EXPECT_EQ(test, len, 4 + 44 * BL_EXT_COMMIT_MAX);
	/* One is left for another commit, the driver's cue to ask for it. */
	KUNIT_EXPECT_TRUE(test, bl_ext_has_written(&ctx->cache));
	kvfree(buf);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	/* The one left over is the last. */
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, true, &buf,
					      &len, NULL, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, len, 20);
	KUNIT_EXPECT_EQ(test, get_unaligned_be64((u8 *)buf + 4),
			(u64)(2 * (nr - 1)) << SECTOR_SHIFT);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_written(&ctx->cache));
	kvfree(buf);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	bl_test_destroy(test);
}

static void bl_ext_remove_ranges(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;

	bl_test_add_ok(test, 0, 0, 30, 100, PNFS_BLOCK_READWRITE_DATA);
	bl_test_add_ok(test, 1, 0, 30, 500, PNFS_BLOCK_READ_DATA);
	bl_test_add_ok(test, 0, 40, 10, 140, PNFS_BLOCK_INVALID_DATA);
	/* A middle range: both trees split. */
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 10, 20), 0);
	bl_test_expect_none(test, 10, true);
	bl_test_expect_none(test, 19, false);
	bl_test_expect(test, 9, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 10, 100);
	bl_test_expect(test, 20, true, PNFS_BLOCK_READWRITE_DATA,
		       BL_EXT_CLEAN, 0, 20, 10, 120);
	KUNIT_EXPECT_EQ(test, ctx->refs[1], 2);
	/* A whole extent and a border. */
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 5, 30), 0);
	bl_test_expect(test, 0, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 5, 100);
	bl_test_expect_none(test, 20, true);
	KUNIT_EXPECT_EQ(test, ctx->refs[1], 1);
	/* To the end of the file. */
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 3, ~(sector_t)0), 0);
	bl_test_expect(test, 0, true, PNFS_BLOCK_READWRITE_DATA, BL_EXT_CLEAN,
		       0, 0, 3, 100);
	bl_test_expect_none(test, 45, true);
	KUNIT_EXPECT_EQ(test, ctx->refs[0], 1);
	KUNIT_EXPECT_EQ(test, ctx->refs[1], 1);
	/* Everything. */
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 0, ~(sector_t)0), 0);
	KUNIT_EXPECT_EQ(test, ctx->refs[0], 0);
	KUNIT_EXPECT_EQ(test, ctx->refs[1], 0);
	bl_test_destroy(test);
}

/*
 * Written extents outlive a return of their range until they are
 * committed; the clean parts around them go.
 */
static void bl_ext_remove_written(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	void *buf;
	size_t len;

	bl_test_add_mib(test);
	bl_test_write_ok(test, 8, 8, 0);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&ctx->cache));
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 4, 20), 0);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_written(&ctx->cache));
	bl_test_expect_none(test, 4, true);
	bl_test_expect_none(test, 19, true);
	bl_test_expect(test, 8, true, PNFS_BLOCK_INVALID_DATA, BL_EXT_WRITTEN,
		       0, 8, 8, (SZ_4G >> SECTOR_SHIFT) + 8);
	/* The same while its LAYOUTCOMMIT is in flight. */
	KUNIT_ASSERT_EQ(test, bl_test_prepare(&ctx->cache, false, &buf,
					      &len, NULL, GFP_KERNEL), 1);
	kvfree(buf);
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 0, ~(sector_t)0), 0);
	bl_test_expect(test, 8, true, PNFS_BLOCK_INVALID_DATA,
		       BL_EXT_COMMITTING, 0, 8, 8, (SZ_4G >> SECTOR_SHIFT) + 8);
	bl_ext_commit_done(&ctx->cache, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&ctx->cache));
	/* Committed, it is clean and goes with the next return. */
	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, 0, ~(sector_t)0), 0);
	bl_test_expect_none(test, 8, true);
	bl_test_destroy(test);
}

/* The reference model: one slot per sector and tree. */
#define BL_MODEL_SECTORS	192
#define BL_MODEL_OPS		3000

struct bl_model_slot {
	s8	state;		/* -1: nothing cached */
	u8	tag;
	u8	dev;
	u32	v;
};

struct bl_model {
	struct bl_model_slot	w[BL_MODEL_SECTORS];
	struct bl_model_slot	r[BL_MODEL_SECTORS];
	u32			seed;
	bool			in_flight;
};

static u32 bl_model_rand(struct bl_model *m, u32 bound)
{
	/* xorshift32: deterministic on every architecture. */
	m->seed ^= m->seed << 13;
	m->seed ^= m->seed >> 17;
	m->seed ^= m->seed << 5;
	return m->seed % bound;
}

/* What the cache does with added extents: the sectors it had not cached. */
static void bl_model_note_added(struct bl_model *m,
				const struct bl_ext_desc *d, u32 nr)
{
	u32 i, s;

	for (i = 0; i < nr; i++) {
		u32 f0 = d[i].file_offset >> SECTOR_SHIFT;
		u32 end = f0 + (d[i].len >> SECTOR_SHIFT);
		bool w = d[i].state == PNFS_BLOCK_READWRITE_DATA ||
			 d[i].state == PNFS_BLOCK_INVALID_DATA;

		for (s = f0; s < end; s++) {
			struct bl_model_slot *slot = w ? &m->w[s] : &m->r[s];

			if (slot->state >= 0)
				continue;
			slot->state = d[i].state;
			slot->tag = BL_EXT_CLEAN;
			slot->dev = d[i].devid.data[0] - 0xaa;
			slot->v = (d[i].storage_offset >> SECTOR_SHIFT) + s - f0;
		}
	}
}

static void bl_model_add(struct kunit *test, struct bl_model *m)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_ext_desc d[4];
	struct bl_dev *devs[4];
	u32 f = bl_model_rand(m, BL_MODEL_SECTORS), nr = 0;

	while (nr < 4 && f < BL_MODEL_SECTORS) {
		u32 len = 1 + bl_model_rand(m, 24), dev = bl_model_rand(m, 3);
		u32 state = bl_model_rand(m, 4);
		u32 v = bl_model_rand(m, 2) ? f + 1000 * dev :
					      bl_model_rand(m, 4096);

		len = min(len, BL_MODEL_SECTORS - f);
		memset(&d[nr], 0, sizeof(d[nr]));
		memset(d[nr].devid.data, 0xaa + dev, NFS4_DEVICEID4_SIZE);
		d[nr].file_offset = (u64)f << SECTOR_SHIFT;
		d[nr].len = (u64)len << SECTOR_SHIFT;
		d[nr].storage_offset = (u64)v << SECTOR_SHIFT;
		d[nr].state = state;
		devs[nr++] = &ctx->devs[dev];
		/* Sometimes a copy-on-write pair: INVALID plus its source. */
		if (state == PNFS_BLOCK_INVALID_DATA && nr < 4 &&
		    bl_model_rand(m, 2)) {
			d[nr] = d[nr - 1];
			d[nr].state = PNFS_BLOCK_READ_DATA;
			d[nr].storage_offset += (u64)5000 << SECTOR_SHIFT;
			devs[nr] = devs[nr - 1];
			nr++;
		}
		f += len;
	}
	KUNIT_ASSERT_EQ(test, bl_ext_cache_add(&ctx->cache, d, nr, devs,
					       GFP_KERNEL), 0);
	bl_model_note_added(m, d, nr);
}

static void bl_model_write(struct kunit *test, struct bl_model *m)
{
	u32 start = bl_model_rand(m, BL_MODEL_SECTORS);
	u32 len = 1 + bl_model_rand(m, 32), s;

	bl_test_write_ok(test, start, len, 0);
	for (s = start; s < start + len && s < BL_MODEL_SECTORS; s++) {
		if (m->w[s].state == PNFS_BLOCK_INVALID_DATA &&
		    m->w[s].tag == BL_EXT_CLEAN)
			m->w[s].tag = BL_EXT_WRITTEN;
		m->r[s].state = -1;
	}
}

static void bl_model_remove(struct kunit *test, struct bl_model *m)
{
	struct bl_test_ctx *ctx = test->priv;
	u32 start = bl_model_rand(m, BL_MODEL_SECTORS), s;
	sector_t end = bl_model_rand(m, 8) ? start + 1 + bl_model_rand(m, 40) :
					     ~(sector_t)0;

	KUNIT_ASSERT_EQ(test, bl_ext_remove(&ctx->cache, start, end), 0);
	for (s = start; s < end && s < BL_MODEL_SECTORS; s++) {
		/* Uncommitted written state stays (whole extents). */
		if (m->w[s].tag == BL_EXT_CLEAN)
			m->w[s].state = -1;
		m->r[s].state = -1;
	}
}

/* Check one listed range against the model and mark it committing. */
static void bl_model_commit_range(struct kunit *test, struct bl_model *m,
				  const u8 *p, bool scsi)
{
	u64 f, len, v = 0, s;

	if (!scsi)
		p += NFS4_DEVICEID4_SIZE;
	f = get_unaligned_be64(p) >> SECTOR_SHIFT;
	len = get_unaligned_be64(p + 8) >> SECTOR_SHIFT;
	if (!scsi) {
		v = get_unaligned_be64(p + 16) >> SECTOR_SHIFT;
		KUNIT_ASSERT_EQ(test, get_unaligned_be32(p + 24),
				PNFS_BLOCK_READWRITE_DATA);
	}
	KUNIT_ASSERT_LE(test, f + len, BL_MODEL_SECTORS);
	for (s = f; s < f + len; s++) {
		KUNIT_ASSERT_EQ_MSG(test, m->w[s].tag, BL_EXT_WRITTEN,
				    "sector %llu", s);
		if (!scsi) {
			KUNIT_ASSERT_EQ(test, m->w[s].v, v + s - f);
			KUNIT_ASSERT_EQ(test, p[-1], 0xaa + m->w[s].dev);
		}
		m->w[s].tag = BL_EXT_COMMITTING;
	}
}

static void bl_model_commit(struct kunit *test, struct bl_model *m)
{
	struct bl_test_ctx *ctx = test->priv;
	bool scsi = bl_model_rand(m, 2);
	size_t len, entry = scsi ? 16 : 44;
	int nr, i;
	void *buf;
	u32 s;

	nr = bl_test_prepare(&ctx->cache, scsi, &buf, &len, NULL, GFP_KERNEL);
	KUNIT_ASSERT_GE(test, nr, 0);
	KUNIT_ASSERT_EQ(test, len, 4 + entry * nr);
	KUNIT_ASSERT_EQ(test, get_unaligned_be32(buf), nr);
	for (i = 0; i < nr; i++)
		bl_model_commit_range(test, m, (u8 *)buf + 4 + entry * i, scsi);
	kvfree(buf);
	for (s = 0; s < BL_MODEL_SECTORS; s++)
		KUNIT_ASSERT_NE_MSG(test, m->w[s].tag, BL_EXT_WRITTEN,
				    "sector %u not listed", s);
	m->in_flight = true;
}

static void bl_model_done(struct kunit *test, struct bl_model *m)
{
	struct bl_test_ctx *ctx = test->priv;
	bool ok = bl_model_rand(m, 2);
	u32 s;

	bl_ext_commit_done(&ctx->cache, ok);
	for (s = 0; s < BL_MODEL_SECTORS; s++) {
		if (m->w[s].tag != BL_EXT_COMMITTING)
			continue;
		m->w[s].tag = ok ? BL_EXT_CLEAN : BL_EXT_WRITTEN;
		if (ok)
			m->w[s].state = PNFS_BLOCK_READWRITE_DATA;
	}
	m->in_flight = false;
}

/* What a lookup of sector @s should return, or %NULL. */
static const struct bl_model_slot *bl_model_expect(const struct bl_model *m,
						   u32 s, bool rw, bool *cow)
{
	const struct bl_model_slot *w = &m->w[s], *r = &m->r[s];
	bool clean_inval = w->state == PNFS_BLOCK_INVALID_DATA &&
			   w->tag == BL_EXT_CLEAN;

	*cow = clean_inval && r->state == PNFS_BLOCK_READ_DATA;
	if (rw)
		return w->state >= 0 ? w : NULL;
	if (w->state >= 0 && !*cow)
		return w;
	return r->state >= 0 ? r : NULL;
}

static void bl_model_check_slot(struct kunit *test,
				const struct bl_model_slot *want,
				const struct bl_ext *e, u32 s)
{
	struct bl_test_ctx *ctx = test->priv;

	KUNIT_ASSERT_EQ_MSG(test, e->state, want->state, "sector %u", s);
	KUNIT_ASSERT_EQ_MSG(test, e->tag, want->tag, "sector %u", s);
	KUNIT_ASSERT_PTR_EQ_MSG(test, e->dev, &ctx->devs[want->dev],
				"sector %u", s);
	KUNIT_ASSERT_EQ_MSG(test, e->devid.data[15], 0xaa + want->dev,
			    "sector %u", s);
	if (want->state != PNFS_BLOCK_NONE_DATA)
		KUNIT_ASSERT_EQ_MSG(test, e->v_offset + s - e->f_offset,
				    want->v, "sector %u", s);
}

/*
 * Walk the file from sector 0, one answer at a time: every sector of each
 * (possibly clipped) snapshot must agree with the model.
 */
static void bl_model_check(struct kunit *test, struct bl_model *m, bool rw)
{
	struct bl_test_ctx *ctx = test->priv;
	const struct bl_model_slot *want;
	struct bl_ext e, cow;
	u32 s = 0, t;
	bool want_cow;

	while (s < BL_MODEL_SECTORS) {
		want = bl_model_expect(m, s, rw, &want_cow);
		if (!bl_ext_lookup(&ctx->cache, s, rw, &e, &cow)) {
			KUNIT_ASSERT_NULL_MSG(test, want, "sector %u", s);
			s++;
			continue;
		}
		KUNIT_ASSERT_NOT_NULL_MSG(test, want, "sector %u", s);
		KUNIT_ASSERT_LE(test, e.f_offset, s);
		KUNIT_ASSERT_GT(test, e.f_offset + e.len, s);
		if (rw && want_cow) {
			KUNIT_ASSERT_EQ(test, cow.f_offset, e.f_offset);
			KUNIT_ASSERT_EQ(test, cow.len, e.len);
		} else {
			KUNIT_ASSERT_EQ_MSG(test, cow.len, 0, "sector %u", s);
		}
		for (t = s; t < e.f_offset + e.len && t < BL_MODEL_SECTORS;
		     t++) {
			want = bl_model_expect(m, t, rw, &want_cow);
			KUNIT_ASSERT_NOT_NULL_MSG(test, want, "sector %u", t);
			bl_model_check_slot(test, want, &e, t);
			if (rw && want_cow)
				bl_model_check_slot(test, &m->r[t], &cow, t);
			KUNIT_ASSERT_EQ(test, rw && want_cow, cow.len != 0);
		}
		s = t;
		bl_ext_put_snapshot(&ctx->cache, &e);
		bl_ext_put_snapshot(&ctx->cache, &cow);
	}
}

static bool bl_model_pending(const struct bl_model *m)
{
	u32 s;

	for (s = 0; s < BL_MODEL_SECTORS; s++)
		if (m->w[s].tag != BL_EXT_CLEAN && m->w[s].state >= 0)
			return true;
	return false;
}

static void bl_ext_random_vs_model(struct kunit *test)
{
	struct bl_test_ctx *ctx = test->priv;
	struct bl_model *m;
	u32 op, s;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->seed = 0x5eed1234;
	for (s = 0; s < BL_MODEL_SECTORS; s++) {
		m->w[s].state = -1;
		m->r[s].state = -1;
	}
	for (op = 0; op < BL_MODEL_OPS; op++) {
		u32 what = bl_model_rand(m, 100);

		if (what < 35)
			bl_model_add(test, m);
		else if (what < 65)
			bl_model_write(test, m);
		else if (what < 80 && !m->in_flight)
			bl_model_commit(test, m);
		else if (what < 80)
			bl_model_done(test, m);
		else
			bl_model_remove(test, m);
		bl_model_check(test, m, true);
		bl_model_check(test, m, false);
		KUNIT_ASSERT_EQ_MSG(test, bl_ext_has_pending(&ctx->cache),
				    bl_model_pending(m), "op %u", op);
	}
	if (m->in_flight)
		bl_model_done(test, m);
	bl_test_destroy(test);
}

static struct kunit_case bl_extents_cases[] = {
	KUNIT_CASE(bl_ext_lookup_each_state),
	KUNIT_CASE(bl_ext_lookup_borders),
	KUNIT_CASE(bl_ext_map_sector_shift),
	KUNIT_CASE(bl_ext_add_cached_wins),
	KUNIT_CASE(bl_ext_add_split),
	KUNIT_CASE(bl_ext_add_merge),
	KUNIT_CASE(bl_ext_lookup_cow),
	KUNIT_CASE(bl_ext_mark_written_splits),
	KUNIT_CASE(bl_ext_mark_written_rw_only),
	KUNIT_CASE(bl_ext_commit_block_body),
	KUNIT_CASE(bl_ext_commit_block_two),
	KUNIT_CASE(bl_ext_commit_lwb),
	KUNIT_CASE(bl_ext_commit_scsi_body),
	KUNIT_CASE(bl_ext_commit_empty),
	KUNIT_CASE(bl_ext_commit_done_ok),
	KUNIT_CASE(bl_ext_commit_done_error),
	KUNIT_CASE(bl_ext_commit_cap),
	KUNIT_CASE(bl_ext_remove_ranges),
	KUNIT_CASE(bl_ext_remove_written),
	KUNIT_CASE(bl_ext_random_vs_model),
	{}
};

static struct kunit_suite bl_extents_suite = {
	.name = "pnfs_block_extents",
	.init = bl_test_init,
	.test_cases = bl_extents_cases,
};

kunit_test_suite(bl_extents_suite);
