// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for building device nodes from GETDEVICEINFO replies
 * (dev.c).
 *
 * A LAYOUTGET sent from writeback can end in bl_alloc_deviceid_node(),
 * whose disk lookups allocate deep in other subsystems (path walk, block
 * device open, SCSI commands) with GFP_KERNEL.  Reclaim entering the file
 * system from there could wait for the writeback that is waiting here, so
 * those lookups must run in a NOFS allocation scope.  A static stub stands
 * in for the SCSI disk lookup and records the scope it was called in.
 */

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "../dev.h"
#include "../scsi.h"

/* A SCSI deviceaddr (RFC 8154 section 2.3): one BASE volume, NAA. */
static const u8 bl_scsi_addr[] = {
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x10,
	0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12,
	0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12,
	0x00, 0x00, 0x00, 0x01, 0x65, 0xa0, 0xb1, 0xc2,
};

/**
 * struct bl_dev_test - what the disk lookup stub saw
 * @calls: how many times it was called
 * @nofs: %PF_MEMALLOC_NOFS was set in the calling task
 * @gfp: what a GFP_KERNEL allocation became there
 */
struct bl_dev_test {
	unsigned int	calls;
	bool		nofs;
	gfp_t		gfp;
};

static struct file *bl_scsi_open_stub(const struct bl_vol_desc *desc)
{
	struct kunit *test = kunit_get_current_test();
	struct bl_dev_test *seen = test->priv;

	seen->calls++;
	seen->nofs = current->flags & PF_MEMALLOC_NOFS;
	seen->gfp = current_gfp_context(GFP_KERNEL);
	return ERR_PTR(-ENODEV);
}

static void bl_free_page_action(void *page)
{
	__free_page(page);
}

/*
 * A SCSI volume whose disk is not found: the lookup runs with GFP_KERNEL
 * stripped of __GFP_FS, the scope ends with the call, and the reply gives
 * a negative entry.
 */
static void bl_dev_lookup_nofs(struct kunit *test)
{
	struct nfs4_deviceid_node *node;
	struct pnfs_device pdev = {};
	struct bl_dev_test *seen;
	struct nfs_server *server;
	struct nfs_client *clp;
	struct page *page;

	seen = kunit_kzalloc(test, sizeof(*seen), GFP_KERNEL);
	clp = kunit_kzalloc(test, sizeof(*clp), GFP_KERNEL);
	server = kunit_kzalloc(test, sizeof(*server), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, clp);
	KUNIT_ASSERT_NOT_NULL(test, server);
	clp->cl_hostname = kunit_kstrdup(test, "kunit-server", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, clp->cl_hostname);
	server->nfs_client = clp;
	test->priv = seen;

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							bl_free_page_action,
							page), 0);
	memcpy(page_address(page), bl_scsi_addr, sizeof(bl_scsi_addr));
	pdev.layout_type = LAYOUT_SCSI;
	pdev.pages = &page;
	pdev.pglen = PAGE_SIZE;
	pdev.mincount = sizeof(bl_scsi_addr);

	kunit_activate_static_stub(test, bl_scsi_open, bl_scsi_open_stub);
	KUNIT_ASSERT_FALSE(test, current->flags & PF_MEMALLOC_NOFS);
	node = bl_alloc_deviceid_node(server, &pdev, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, node);
	KUNIT_EXPECT_NULL(test, to_bl_dev(node)->tree);
	bl_free_deviceid_node(node);

	KUNIT_EXPECT_EQ(test, seen->calls, 1);
	KUNIT_EXPECT_TRUE_MSG(test, seen->nofs,
			      "the disk lookup ran outside a NOFS scope");
	KUNIT_EXPECT_FALSE_MSG(test, !!(seen->gfp & __GFP_FS),
			       "GFP_KERNEL kept __GFP_FS in the disk lookup");
	KUNIT_EXPECT_FALSE_MSG(test, current->flags & PF_MEMALLOC_NOFS,
			       "the NOFS scope outlived the call");
}

static struct kunit_case bl_dev_test_cases[] = {
	KUNIT_CASE(bl_dev_lookup_nofs),
	{}
};

static struct kunit_suite bl_dev_test_suite = {
	.name = "pnfs_block_dev",
	.test_cases = bl_dev_test_cases,
};

kunit_test_suite(bl_dev_test_suite);
