// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: bl_decode_deviceaddr() (xdr.c), the da_addr_body of a
 * GETDEVICEINFO reply for the block (RFC 5663) or SCSI (RFC 8154) layout.
 *
 * Input: a selector byte, then the body.
 *   bits 0-1: the layout type (block, SCSI, or one of two the decoder
 *             must refuse: flexfiles and 0);
 *   bits 2-7: make the n-th allocation fail (0: none).
 *
 * A decoded table is checked against everything the decoder promises
 * (its kernel-doc and struct bl_vol_desc); a refusal must carry a reason
 * and the errno its class calls for; every proper prefix of an accepted
 * body must be refused as truncated.  Then the table is freed, so
 * LeakSanitizer sees any leak.
 */

#include <stdlib.h>

#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blocklayout.h"
#include "fuzz.h"

static const u32 fuzz_layout_types[] = {
	LAYOUT_BLOCK_VOLUME, LAYOUT_SCSI, LAYOUT_FLEX_FILES, 0,
};

static int fuzz_decode(const u8 *body, size_t len, u32 layout_type,
		       struct bl_vol_table **tablep, struct bl_err *err)
{
	struct fuzz_xdr fx;
	int ret;

	ret = bl_decode_deviceaddr(fuzz_xdr_init(&fx, body, len), layout_type,
				   GFP_KERNEL, tablep, err);
	fuzz_xdr_release(&fx);
	return ret;
}

static void fuzz_check_sig(const struct bl_sig_desc *sig)
{
	FUZZ_CHECK(sig->len >= 1 && sig->len <= BL_MAX_SIG_LEN, "len %u",
		   sig->len);
	FUZZ_CHECK(((u64)sig->offset & (SECTOR_SIZE - 1)) + sig->len <=
		   SECTOR_SIZE, "offset %lld len %u", (long long)sig->offset,
		   sig->len);
	FUZZ_CHECK(sig->contents, "no contents");
}

static void fuzz_check_members(const struct bl_vol_desc *v, u32 idx)
{
	u32 i;

	FUZZ_CHECK(v->members.nr >= 1 && v->members.nr <= BL_MAX_VOLUMES,
		   "volume %u: %u members", idx, v->members.nr);
	for (i = 0; i < v->members.nr; i++)
		FUZZ_CHECK(v->members.idx[i] < idx, "volume %u member %u",
			   idx, v->members.idx[i]);
}

static void fuzz_check_volume(const struct bl_vol_desc *v, u32 idx,
			      u32 layout_type)
{
	u64 end;
	u32 i;

	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
		FUZZ_CHECK(layout_type == LAYOUT_BLOCK_VOLUME, "volume %u",
			   idx);
		FUZZ_CHECK(v->simple.nr_sigs >= 1 &&
			   v->simple.nr_sigs <= BL_MAX_SIG_COMPS,
			   "volume %u: %u signatures", idx, v->simple.nr_sigs);
		for (i = 0; i < v->simple.nr_sigs; i++)
			fuzz_check_sig(&v->simple.sigs[i]);
		break;
	case PNFS_BLOCK_VOLUME_SLICE:
		FUZZ_CHECK(v->slice.child < idx, "volume %u", idx);
		FUZZ_CHECK(!((v->slice.start | v->slice.len) &
			     (SECTOR_SIZE - 1)), "volume %u", idx);
		FUZZ_CHECK(v->slice.len, "volume %u", idx);
		FUZZ_CHECK(!check_add_overflow(v->slice.start, v->slice.len,
					       &end), "volume %u", idx);
		break;
	case PNFS_BLOCK_VOLUME_STRIPE:
		FUZZ_CHECK(v->members.stripe_unit &&
			   !(v->members.stripe_unit & (SECTOR_SIZE - 1)),
			   "volume %u", idx);
		fallthrough;
	case PNFS_BLOCK_VOLUME_CONCAT:
		fuzz_check_members(v, idx);
		break;
	case PNFS_BLOCK_VOLUME_SCSI:
		FUZZ_CHECK(layout_type == LAYOUT_SCSI, "volume %u", idx);
		FUZZ_CHECK(v->base.code_set >= PS_CODE_SET_BINARY &&
			   v->base.code_set <= PS_CODE_SET_UTF8, "volume %u",
			   idx);
		FUZZ_CHECK(v->base.desig_len >= 1 &&
			   v->base.desig_len <= BL_MAX_DESIGNATOR_LEN,
			   "volume %u", idx);
		FUZZ_CHECK(v->base.desig && v->base.pr_key, "volume %u", idx);
		break;
	default:
		FUZZ_CHECK(0, "volume %u: type %u", idx, v->type);
	}
}

/* Every volume but the top one is some later volume's child. */
static void fuzz_check_referenced(const struct bl_vol_table *t)
{
	const struct bl_vol_desc *v;
	u32 i, j, child;
	bool *used;

	used = calloc(t->nr, sizeof(*used));
	if (!used)
		abort();
	for (i = 0; i < t->nr; i++) {
		v = &t->vols[i];
		if (v->type == PNFS_BLOCK_VOLUME_SLICE)
			used[v->slice.child] = true;
		if (v->type != PNFS_BLOCK_VOLUME_CONCAT &&
		    v->type != PNFS_BLOCK_VOLUME_STRIPE)
			continue;
		for (j = 0; j < v->members.nr; j++) {
			child = v->members.idx[j];
			used[child] = true;
		}
	}
	for (i = 0; i + 1 < t->nr; i++)
		FUZZ_CHECK(used[i], "volume %u of %u unreferenced", i, t->nr);
	free(used);
}

static void fuzz_check_table(const struct bl_vol_table *t, u32 layout_type)
{
	u32 i;

	FUZZ_CHECK(t->nr >= 1 && t->nr <= BL_MAX_VOLUMES, "%u volumes",
		   t->nr);
	for (i = 0; i < t->nr; i++)
		fuzz_check_volume(&t->vols[i], i, layout_type);
	fuzz_check_referenced(t);
}

/* A refusal: the errno its class calls for, and a reason unless -ENOMEM. */
static void fuzz_check_refusal(int ret, const struct bl_err *err)
{
	switch (ret) {
	case -ENOMEM:
		FUZZ_CHECK(fuzz_alloc_injected(), "ENOMEM without a failure");
		return;
	case -EBADMSG:
		FUZZ_CHECK(err->reason &&
			   !strcmp(err->reason, BL_WHY_TRUNCATED),
			   "reason %s", err->reason);
		return;
	case -EINVAL:
		FUZZ_CHECK(err->reason &&
			   strcmp(err->reason, BL_WHY_TRUNCATED),
			   "reason %s", err->reason);
		return;
	default:
		FUZZ_CHECK(0, "ret %d", ret);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct bl_vol_table *table = NULL, *prefix = NULL;
	struct bl_err err;
	u32 layout_type;
	size_t cut;
	int ret;

	if (size < 1)
		return 0;
	layout_type = fuzz_layout_types[data[0] & 3];
	fuzz_alloc_reset(data[0] >> 2);
	ret = fuzz_decode(data + 1, size - 1, layout_type, &table, &err);
	if (ret) {
		FUZZ_CHECK(!table, "table set on error %d", ret);
		fuzz_check_refusal(ret, &err);
		return 0;
	}
	FUZZ_CHECK(!fuzz_alloc_injected(), "allocation failure ignored");
	FUZZ_CHECK(!err.reason, "reason %s on success", err.reason);
	fuzz_check_table(table, layout_type);
	bl_free_vol_table(table);

	fuzz_alloc_reset(0);
	/* Two proper prefixes: one word short, and one cut by the data. */
	for (cut = 1; cut <= 2; cut++) {
		size_t len = size - 1;

		len = cut == 1 ? (len >= 4 ? len - 4 : 0) :
			(data[size - 1] * 131u + size) % len;
		ret = fuzz_decode(data + 1, len, layout_type, &prefix, &err);
		FUZZ_CHECK(ret == -EBADMSG, "prefix of %zu of %zu bytes: %d",
			   len, size - 1, ret);
		FUZZ_CHECK(!prefix, "table set on error");
	}
	return 0;
}
