/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seed generator: the driver's xdr and volume KUnit suites, run on
 * the host against the shim, with their calls into xdr.c and volume.c
 * routed through recorders that write each vector as a fuzz input.
 */
#ifndef _PNFSBL_FUZZ_SEEDS_H
#define _PNFSBL_FUZZ_SEEDS_H

#include <kunit/test.h>

#include "blocklayout.h"

int seed_decode_deviceaddr(struct xdr_stream *xdr, u32 layout_type, gfp_t gfp,
			   struct bl_vol_table **tablep, struct bl_err *err);
int seed_decode_layout(struct xdr_stream *xdr,
		       const struct pnfs_layout_range *range, u32 blksize,
		       gfp_t gfp, struct bl_ext_list **listp,
		       struct bl_err *err);
int seed_vol_tree_build(const struct bl_vol_table *table,
			const struct bl_vol_ops *ops, void *ctx, gfp_t gfp,
			struct bl_vol_tree **treep, struct bl_err *err);
int seed_vol_map(const struct bl_vol_tree *tree, u64 offset,
		 struct bl_vol_map *map);

extern struct kunit_suite *const seed_xdr_suite;
extern struct kunit_suite *const seed_volume_suite;

#endif /* _PNFSBL_FUZZ_SEEDS_H */
