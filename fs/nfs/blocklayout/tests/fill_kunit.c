// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for writes of part of a server block larger than a page
 * (fill.c): the blocks a write claims, which writes wait for which, and
 * what fills the rest of a block.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/nfs4.h>

#include "../extents.h"
#include "../fill.h"

#define K64	SZ_64K

static void bl_fill_range_blocks(struct kunit *test)
{
	struct bl_wr_range r;

	/* One page inside a fresh 64 KiB block. */
	bl_wr_range_init(&r, 4 * SZ_4K, SZ_4K, K64);
	KUNIT_EXPECT_EQ(test, r.start, 0ULL);
	KUNIT_EXPECT_EQ(test, r.end, (u64)K64);
	KUNIT_EXPECT_TRUE(test, r.partial);
	KUNIT_EXPECT_FALSE(test, r.claimed);

	/* Across a block boundary: two blocks, partial at both ends. */
	bl_wr_range_init(&r, K64 - SZ_4K, 2 * SZ_4K, K64);
	KUNIT_EXPECT_EQ(test, r.start, 0ULL);
	KUNIT_EXPECT_EQ(test, r.end, 2ULL * K64);
	KUNIT_EXPECT_TRUE(test, r.partial);

	/* Whole blocks. */
	bl_wr_range_init(&r, 3ULL * K64, 2 * K64, K64);
	KUNIT_EXPECT_EQ(test, r.start, 3ULL * K64);
	KUNIT_EXPECT_EQ(test, r.end, 5ULL * K64);
	KUNIT_EXPECT_FALSE(test, r.partial);

	/* Past 4 GiB, 16 KiB blocks, the last page of a block. */
	bl_wr_range_init(&r, (5ULL << 32) + 3 * SZ_4K, SZ_4K, SZ_16K);
	KUNIT_EXPECT_EQ(test, r.start, 5ULL << 32);
	KUNIT_EXPECT_EQ(test, r.end, (5ULL << 32) + SZ_16K);
	KUNIT_EXPECT_TRUE(test, r.partial);

	/* A page-sized block: every page write is whole blocks. */
	bl_wr_range_init(&r, 7 * SZ_4K, 3 * SZ_4K, SZ_4K);
	KUNIT_EXPECT_FALSE(test, r.partial);
}

static void bl_fill_claim_conflicts(struct kunit *test)
{
	struct bl_wr_tracker t;
	struct bl_wr_range a, b, c, d, e;

	bl_wr_tracker_init(&t);
	bl_wr_range_init(&a, 0, K64, K64);		/* whole block 0 */
	bl_wr_range_init(&b, 0, K64, K64);		/* whole block 0 */
	bl_wr_range_init(&c, SZ_4K, SZ_4K, K64);	/* part of block 0 */
	bl_wr_range_init(&d, K64 + SZ_4K, SZ_4K, K64);	/* part of block 1 */
	bl_wr_range_init(&e, 2 * SZ_4K, SZ_4K, K64);	/* part of block 0 */

	/* Whole-block writes of one block never wait for each other. */
	KUNIT_EXPECT_TRUE(test, bl_wr_try_claim(&t, &a));
	KUNIT_EXPECT_TRUE(test, bl_wr_try_claim(&t, &b));
	/* A partial write waits for every write of its block... */
	KUNIT_EXPECT_FALSE(test, bl_wr_try_claim(&t, &c));
	KUNIT_EXPECT_FALSE(test, c.claimed);
	/* ...but not for writes of other blocks. */
	KUNIT_EXPECT_TRUE(test, bl_wr_try_claim(&t, &d));
	bl_wr_release(&t, &a);
	KUNIT_EXPECT_FALSE(test, a.claimed);
	KUNIT_EXPECT_FALSE(test, bl_wr_try_claim(&t, &c));
	bl_wr_release(&t, &b);
	KUNIT_EXPECT_TRUE(test, bl_wr_try_claim(&t, &c));
	/* Two partial writes of one block exclude each other. */
	KUNIT_EXPECT_FALSE(test, bl_wr_try_claim(&t, &e));
	/* A whole-block write waits for a partial one of its block. */
	KUNIT_EXPECT_FALSE(test, bl_wr_try_claim(&t, &a));
	bl_wr_release(&t, &c);
	KUNIT_EXPECT_TRUE(test, bl_wr_try_claim(&t, &e));
	bl_wr_release(&t, &e);
	bl_wr_release(&t, &d);
	/* Releasing what is not claimed does nothing. */
	bl_wr_release(&t, &d);
	KUNIT_EXPECT_TRUE(test, list_empty(&t.list));
}

struct bl_fill_waiter {
	struct bl_wr_tracker	*t;
	struct bl_wr_range	*r;
	struct completion	done;
};

static int bl_fill_waiter_fn(void *data)
{
	struct bl_fill_waiter *w = data;

	bl_wr_claim(w->t, w->r);
	complete(&w->done);
	return 0;
}

/* bl_wr_claim() sleeps until the conflicting write is released. */
static void bl_fill_claim_waits(struct kunit *test)
{
	struct bl_wr_tracker t;
	struct bl_wr_range a, c;
	struct bl_fill_waiter w = { .t = &t, .r = &c };
	struct task_struct *task;

	bl_wr_tracker_init(&t);
	init_completion(&w.done);
	bl_wr_range_init(&a, 0, K64, K64);
	bl_wr_range_init(&c, SZ_4K, SZ_4K, K64);
	KUNIT_ASSERT_TRUE(test, bl_wr_try_claim(&t, &a));
	task = kthread_run(bl_fill_waiter_fn, &w, "bl_fill_waiter");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&w.done, HZ / 5),
			0UL);
	bl_wr_release(&t, &a);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&w.done, 10 * HZ),
			0UL);
	KUNIT_EXPECT_TRUE(test, c.claimed);
	bl_wr_release(&t, &c);
}

static void bl_fill_sources(struct kunit *test)
{
	struct bl_ext e = { .len = 128, .state = PNFS_BLOCK_INVALID_DATA,
			    .tag = BL_EXT_CLEAN };
	struct bl_ext none = {};
	struct bl_ext cow = { .len = 128, .state = PNFS_BLOCK_READ_DATA };

	KUNIT_EXPECT_EQ(test, bl_fill_source(&e, &none), BL_FILL_ZERO);
	KUNIT_EXPECT_EQ(test, bl_fill_source(&e, &cow), BL_FILL_COW);
	/* Written by us (whole blocks, with their fill): on disk. */
	e.tag = BL_EXT_WRITTEN;
	KUNIT_EXPECT_EQ(test, bl_fill_source(&e, &cow), BL_FILL_NONE);
	e.tag = BL_EXT_COMMITTING;
	KUNIT_EXPECT_EQ(test, bl_fill_source(&e, &none), BL_FILL_NONE);
	e.tag = BL_EXT_CLEAN;
	e.state = PNFS_BLOCK_READWRITE_DATA;
	KUNIT_EXPECT_EQ(test, bl_fill_source(&e, &none), BL_FILL_NONE);
}

static struct kunit_case bl_fill_cases[] = {
	KUNIT_CASE(bl_fill_range_blocks),
	KUNIT_CASE(bl_fill_claim_conflicts),
	KUNIT_CASE(bl_fill_claim_waits),
	KUNIT_CASE(bl_fill_sources),
	{}
};

static struct kunit_suite bl_fill_suite = {
	.name = "pnfs_block_fill",
	.test_cases = bl_fill_cases,
};

kunit_test_suite(bl_fill_suite);
