// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the signature check of the disk blkmapd names (sig.c).
 *
 * The disk is a buffer in memory; its reader refuses anything but whole
 * aligned blocks inside the disk, and counts the reads.  The first
 * signature is that of xdr_kunit.c's SIMPLE vector (16 bytes at 32).
 */

#include <kunit/test.h>
#include <linux/blkdev.h>
#include <linux/string.h>

#include "../dev.h"

#define BL_TEST_DISK	(64 * 1024)

static u8 bl_sig_vec[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static u8 bl_sig_tail[4] = { 0xde, 0xad, 0xbe, 0xef };

struct bl_fake_disk {
	struct kunit	*test;
	u8		*data;
	u64		size;
	u32		blksize;
	unsigned int	reads;
	int		fail;		/* error to return from every read */
};

static int bl_fake_read(void *ctx, u64 pos, void *buf, u32 len)
{
	struct bl_fake_disk *d = ctx;

	d->reads++;
	KUNIT_EXPECT_EQ(d->test, len, d->blksize);
	KUNIT_EXPECT_EQ(d->test, pos % d->blksize, 0ULL);
	KUNIT_EXPECT_LE(d->test, pos + len, d->size);
	if (d->fail)
		return d->fail;
	if (pos % d->blksize || len != d->blksize || pos + len > d->size)
		return -EIO;
	memcpy(buf, d->data + pos, len);
	return 0;
}

/* A disk carrying the vector at 32 and the tail signature in its end. */
static struct bl_fake_disk *bl_fake_disk_new(struct kunit *test, u32 blksize)
{
	struct bl_fake_disk *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->data = kunit_kzalloc(test, BL_TEST_DISK, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->data);
	d->test = test;
	d->size = BL_TEST_DISK;
	d->blksize = blksize;
	memcpy(d->data + 32, bl_sig_vec, sizeof(bl_sig_vec));
	memcpy(d->data + BL_TEST_DISK - 508, bl_sig_tail, sizeof(bl_sig_tail));
	return d;
}

static void bl_simple_init(struct bl_vol_desc *v, struct bl_sig_desc *sigs,
			   u32 nr)
{
	memset(v, 0, sizeof(*v));
	v->type = PNFS_BLOCK_VOLUME_SIMPLE;
	v->simple.nr_sigs = nr;
	v->simple.sigs = sigs;
}

/*
 * @v: the two components bl_fake_disk_new() writes, in @sigs: the vector
 * at 32 and the tail 508 bytes back from the end (the last sector, at 4).
 */
static void bl_simple_init_disk(struct bl_vol_desc *v,
				struct bl_sig_desc sigs[2])
{
	sigs[0] = (struct bl_sig_desc){
		.offset = 32, .len = 16, .contents = bl_sig_vec,
	};
	sigs[1] = (struct bl_sig_desc){
		.offset = -508, .len = 4, .contents = bl_sig_tail,
	};
	bl_simple_init(v, sigs, 2);
}

static int bl_check(struct kunit *test, struct bl_fake_disk *d,
		    const struct bl_vol_desc *v, u32 *bad)
{
	void *buf = kunit_kzalloc(test, d->blksize, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	return bl_sig_check(v, d->size, d->blksize, bl_fake_read, d, buf, bad);
}

static void bl_sig_match(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, SECTOR_SIZE);
	struct bl_sig_desc sigs[2];
	struct bl_vol_desc v;
	u32 bad = 99;

	bl_simple_init_disk(&v, sigs);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), 0);
	KUNIT_EXPECT_EQ(test, d->reads, 2U);
}

/* The answer named another disk: same size, other contents. */
static void bl_sig_other_disk(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, SECTOR_SIZE);
	struct bl_sig_desc sigs[2];
	struct bl_vol_desc v;
	u32 bad = 99;

	bl_simple_init_disk(&v, sigs);
	memset(d->data, 0, d->size);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), -ENODEV);
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, d->reads, 1U);

	/* One byte off in the second component is enough. */
	d = bl_fake_disk_new(test, SECTOR_SIZE);
	d->data[BL_TEST_DISK - 505] ^= 1;
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), -ENODEV);
	KUNIT_EXPECT_EQ(test, bad, 1U);
	KUNIT_EXPECT_EQ(test, d->reads, 2U);
}

/* 4 KiB logical blocks: aligned reads; one read for two components. */
static void bl_sig_large_blocks(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, 4096);
	struct bl_sig_desc sigs[3] = {
		{ .offset = 32, .len = 16, .contents = bl_sig_vec },
		{ .offset = 32, .len = 4, .contents = bl_sig_vec },
		{ .offset = -508, .len = 4, .contents = bl_sig_tail },
	};
	struct bl_vol_desc v;
	u32 bad = 99;

	memcpy(d->data + 3000, bl_sig_tail, sizeof(bl_sig_tail));
	bl_simple_init(&v, sigs, 3);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), 0);
	KUNIT_EXPECT_EQ(test, d->reads, 2U);

	sigs[1] = (struct bl_sig_desc){
		.offset = 3000, .len = 4, .contents = bl_sig_tail,
	};
	d->reads = 0;
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), 0);
	KUNIT_EXPECT_EQ(test, d->reads, 2U);
}

/* A component outside this disk refuses it without reading there. */
static void bl_sig_outside_disk(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, SECTOR_SIZE);
	struct bl_sig_desc sig = { .len = 4, .contents = bl_sig_tail };
	static const s64 outside[] = {
		BL_TEST_DISK, BL_TEST_DISK - 3, BL_TEST_DISK + 512,
		S64_MAX, -(BL_TEST_DISK + 512), -3, S64_MIN,
	};
	struct bl_vol_desc v;
	unsigned int i;
	u32 bad = 99;

	bl_simple_init(&v, &sig, 1);
	for (i = 0; i < ARRAY_SIZE(outside); i++) {
		sig.offset = outside[i];
		KUNIT_EXPECT_EQ_MSG(test, bl_check(test, d, &v, &bad), -ENODEV,
				    "offset %lld", outside[i]);
	}
	KUNIT_EXPECT_EQ(test, d->reads, 0U);

	/* The very first and the very last bytes are inside. */
	sig.offset = -4;
	memcpy(d->data + BL_TEST_DISK - 4, bl_sig_tail, 4);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), 0);
	sig.offset = 0;
	memcpy(d->data, bl_sig_tail, 4);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), 0);
}

static void bl_sig_read_error(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, SECTOR_SIZE);
	struct bl_sig_desc sig = {
		.offset = 32, .len = 16, .contents = bl_sig_vec,
	};
	struct bl_vol_desc v;
	u32 bad = 99;

	bl_simple_init(&v, &sig, 1);
	d->fail = -EIO;
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), -EIO);
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

static void bl_sig_not_simple(struct kunit *test)
{
	struct bl_fake_disk *d = bl_fake_disk_new(test, SECTOR_SIZE);
	struct bl_vol_desc v;
	u32 bad;

	bl_simple_init(&v, NULL, 0);
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), -EINVAL);
	v.type = PNFS_BLOCK_VOLUME_SLICE;
	KUNIT_EXPECT_EQ(test, bl_check(test, d, &v, &bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, d->reads, 0U);
}

static void bl_sig_locate_cases(struct kunit *test)
{
	struct bl_sig_desc sig = { .offset = -512, .len = 16 };
	u64 block;
	u32 skip;

	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 4096, &block, &skip), 0);
	KUNIT_EXPECT_EQ(test, block, (u64)(1 << 20) - 4096);
	KUNIT_EXPECT_EQ(test, skip, 4096U - 512);

	sig.offset = 4100;
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 4096, &block, &skip), 0);
	KUNIT_EXPECT_EQ(test, block, 4096ULL);
	KUNIT_EXPECT_EQ(test, skip, 4U);

	/* Crossing a block, or a block size that is no power of two. */
	sig.offset = 4090;
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 4096, &block, &skip),
			-EINVAL);
	sig.offset = 0;
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 1536, &block, &skip),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 256, &block, &skip),
			-EINVAL);
	/* A disk smaller than one block, or a length the decoder refuses. */
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 2048, 4096, &block, &skip),
			-EINVAL);
	sig.len = 0;
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 512, &block, &skip),
			-EINVAL);
	sig.len = BL_MAX_SIG_LEN + 1;
	KUNIT_EXPECT_EQ(test, bl_sig_locate(&sig, 1 << 20, 4096, &block, &skip),
			-EINVAL);
}

static struct kunit_case bl_sig_cases[] = {
	KUNIT_CASE(bl_sig_match),
	KUNIT_CASE(bl_sig_other_disk),
	KUNIT_CASE(bl_sig_large_blocks),
	KUNIT_CASE(bl_sig_outside_disk),
	KUNIT_CASE(bl_sig_read_error),
	KUNIT_CASE(bl_sig_not_simple),
	KUNIT_CASE(bl_sig_locate_cases),
	{}
};

static struct kunit_suite bl_sig_suite = {
	.name = "pnfs_block_sig",
	.test_cases = bl_sig_cases,
};

kunit_test_suite(bl_sig_suite);
