// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: bl_decode_layout() (xdr.c) and the extent cache
 * (extents.c), fed the way bl_alloc_lseg() in layout.c feeds them, then
 * driven through lookups, writes, LAYOUTCOMMITs and returns.
 *
 * Input: a flags byte, then operations until the input ends.
 *   flags bits 0-5: make the n-th allocation fail (0: none);
 *   flags bit 6: extents get counted fake devices, one per device ID
 *         (bl_get_ext_devs() shares them so), instead of %NULL.
 * Each operation is a byte (taken modulo 8) and its arguments:
 *   0 LAYOUT  iomode u32, offset u64, length u64, blksize u32, body
 *             length u16, body: a LAYOUTGET reply, decoded and added to
 *             the cache as bl_alloc_lseg() does
 *   1 LOOKUP  mode u8 (bit 0 write, bit 1 no copy-on-write snapshot),
 *             sector u32
 *   2 WRITTEN sector u32, sectors u16, u8 n: last byte written n bytes
 *             before the end (255: unknown)
 *   3 COLLECT
 *   4 ENCODE  u8 (bit 0: SCSI)
 *   5 DONE    u8 (bit 0: the server accepted it)
 *   6 REMOVE  sector u32, sectors u32 (U32_MAX: to the end of the file)
 *   7 FORGET  device u8
 * Sectors count from the first layout's offset.  After the last
 * operation an epilogue walks the last accepted layout: lookups in each
 * extent, a write over the whole range, a commit that succeeds, another
 * that fails, a return of the range and of everything; then the cache is
 * destroyed.  Every answer is checked against the documented contracts,
 * and every device reference must be dropped in the end.
 */

#include <stdlib.h>

#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blocklayout.h"
#include "extents.h"
#include "fuzz.h"

#define FUZZ_DEVS		8
/* The epilogue looks into this many extents of the last layout. */
#define FUZZ_EPILOGUE_EXTS	64
/* ... and writes at most this many sectors of its range. */
#define FUZZ_EPILOGUE_SECTORS	BIT(20)

enum {
	FUZZ_OP_LAYOUT,
	FUZZ_OP_LOOKUP,
	FUZZ_OP_WRITTEN,
	FUZZ_OP_COLLECT,
	FUZZ_OP_ENCODE,
	FUZZ_OP_DONE,
	FUZZ_OP_REMOVE,
	FUZZ_OP_FORGET,
	FUZZ_NR_OPS,
};

/*
 * The target's own device node: extents.c only passes pointers to it
 * (extents.h declares struct bl_dev without defining it).
 */
struct bl_dev {
	long	refs;
};

/**
 * struct fuzz_state - one input's run
 * @cache: the extent cache under test
 * @devs: fake devices, when counted
 * @counted: extents get devices from @devs, else %NULL
 * @base: sector that operation arguments count from
 * @have_base: @base is set
 * @last: copy of the last accepted layout, or %NULL
 * @last_range: its range
 * @in_flight: extents tagged by the last collect not yet done (upper bound)
 */
struct fuzz_state {
	struct bl_ext_cache	cache;
	struct bl_dev		devs[FUZZ_DEVS];
	bool			counted;
	sector_t		base;
	bool			have_base;
	struct bl_ext_list	*last;
	struct pnfs_layout_range last_range;
	long			in_flight;
};

static void fuzz_dev_get(struct bl_dev *dev)
{
	dev->refs++;
}

static void fuzz_dev_put(struct bl_dev *dev)
{
	FUZZ_CHECK(dev->refs > 0, "put of a device with no reference");
	dev->refs--;
}

static const struct bl_ext_dev_ops fuzz_dev_ops = {
	.get	= fuzz_dev_get,
	.put	= fuzz_dev_put,
};

/* Only an injected failure may end in -ENOMEM; nothing else may fail. */
static void fuzz_check_ret(int ret, const char *what)
{
	FUZZ_CHECK(!ret || (ret == -ENOMEM && fuzz_alloc_injected()),
		   "%s: %d", what, ret);
}

static bool fuzz_is_cow(const struct bl_ext_desc *e, u32 iomode)
{
	return iomode == IOMODE_RW && e->state == PNFS_BLOCK_READ_DATA;
}

/* What bl_decode_layout() promises about an accepted list. */
static void fuzz_check_list(const struct bl_ext_list *list,
			    const struct pnfs_layout_range *r, u32 blksize)
{
	u64 next = r->offset, prev_start = 0;
	const struct bl_ext_desc *e;
	u32 i;

	FUZZ_CHECK(list->nr >= 1, "no extents");
	for (i = 0; i < list->nr; i++) {
		e = &list->exts[i];
		FUZZ_CHECK(e->state <= PNFS_BLOCK_NONE_DATA && e->len,
			   "extent %u", i);
		FUZZ_CHECK(!((e->file_offset | e->len) & (SECTOR_SIZE - 1)),
			   "extent %u", i);
		FUZZ_CHECK(!blksize || (e->file_offset % blksize == 0 &&
					e->len % blksize == 0),
			   "extent %u", i);
		FUZZ_CHECK(e->file_offset + e->len > e->file_offset,
			   "extent %u", i);
		if (r->iomode == IOMODE_READ)
			FUZZ_CHECK(e->state == PNFS_BLOCK_READ_DATA ||
				   e->state == PNFS_BLOCK_NONE_DATA,
				   "extent %u", i);
		else
			FUZZ_CHECK(e->state != PNFS_BLOCK_NONE_DATA,
				   "extent %u", i);
		FUZZ_CHECK(e->file_offset >= prev_start, "extent %u", i);
		prev_start = e->file_offset;
		if (fuzz_is_cow(e, r->iomode)) {
			FUZZ_CHECK(e->file_offset >= r->offset,
				   "extent %u", i);
			continue;
		}
		FUZZ_CHECK(e->file_offset == next, "extent %u", i);
		next += e->len;
	}
	if (r->length != NFS4_MAX_UINT64)
		FUZZ_CHECK(next == r->offset + r->length, "range not covered");
}

static void fuzz_check_refusal(int ret, const struct bl_err *err)
{
	if (ret == -ENOMEM) {
		FUZZ_CHECK(fuzz_alloc_injected(), "ENOMEM without a failure");
		return;
	}
	FUZZ_CHECK(ret == -EBADMSG || ret == -EINVAL, "ret %d", ret);
	FUZZ_CHECK(err->reason, "no reason for %d", ret);
	FUZZ_CHECK((ret == -EBADMSG) == !strcmp(err->reason, BL_WHY_TRUNCATED),
		   "%d with reason %s", ret, err->reason);
}

static int fuzz_decode(const u8 *body, size_t len,
		       const struct pnfs_layout_range *r, u32 blksize,
		       struct bl_ext_list **listp, struct bl_err *err)
{
	struct fuzz_xdr fx;
	int ret;

	ret = bl_decode_layout(fuzz_xdr_init(&fx, body, len), r, blksize,
			       GFP_KERNEL, listp, err);
	fuzz_xdr_release(&fx);
	return ret;
}

/* As bl_get_ext_devs(): no device for a hole, one per device ID. */
static struct bl_dev *fuzz_ext_dev(struct fuzz_state *s,
				   const struct bl_ext_desc *e)
{
	if (!s->counted || e->state == PNFS_BLOCK_NONE_DATA)
		return NULL;
	return &s->devs[(u8)e->devid.data[0] % FUZZ_DEVS];
}

/* The extent cache half of bl_alloc_lseg(), with its device references. */
static void fuzz_add(struct fuzz_state *s, const struct bl_ext_list *list)
{
	struct bl_dev **devs;
	u32 i;
	int ret;

	devs = kcalloc(list->nr, sizeof(*devs), GFP_KERNEL);
	if (!devs) {
		fuzz_check_ret(-ENOMEM, "kcalloc");
		return;
	}
	for (i = 0; i < list->nr; i++) {
		devs[i] = fuzz_ext_dev(s, &list->exts[i]);
		if (devs[i])
			fuzz_dev_get(devs[i]);
	}
	ret = bl_ext_cache_add(&s->cache, list->exts, list->nr, devs,
			       GFP_KERNEL);
	fuzz_check_ret(ret, "bl_ext_cache_add");
	for (i = 0; i < list->nr; i++)
		if (devs[i])
			fuzz_dev_put(devs[i]);
	kfree(devs);
}

static void fuzz_keep_last(struct fuzz_state *s, const struct bl_ext_list *l,
			   const struct pnfs_layout_range *r)
{
	size_t size = sizeof(*l) + l->nr * sizeof(l->exts[0]);

	free(s->last);
	s->last = malloc(size);
	if (!s->last)
		abort();
	memcpy(s->last, l, size);
	s->last_range = *r;
}

static void fuzz_op_layout(struct fuzz_state *s, struct fuzz_in *in)
{
	struct pnfs_layout_range r;
	struct bl_ext_list *list = NULL, *prefix = NULL;
	struct bl_err err;
	const u8 *body;
	u32 blksize;
	u16 len;
	int ret;

	if (!fuzz_get_u32(in, &r.iomode) || !fuzz_get_u64(in, &r.offset) ||
	    !fuzz_get_u64(in, &r.length) || !fuzz_get_u32(in, &blksize) ||
	    !fuzz_get_u16(in, &len) || in->left < len)
		return;
	body = in->p;
	in->p += len;
	in->left -= len;
	if (!s->have_base) {
		s->base = r.offset >> SECTOR_SHIFT;
		s->have_base = true;
	}

	ret = fuzz_decode(body, len, &r, blksize, &list, &err);
	if (ret) {
		FUZZ_CHECK(!list, "list set on error %d", ret);
		fuzz_check_refusal(ret, &err);
		return;
	}
	FUZZ_CHECK(!err.reason, "reason %s on success", err.reason);
	fuzz_check_list(list, &r, blksize);
	if (!fuzz_alloc_injected()) {
		/* A proper prefix of an accepted body is truncated. */
		ret = fuzz_decode(body, len - 4, &r, blksize, &prefix, &err);
		FUZZ_CHECK(ret == -EBADMSG || (ret == -ENOMEM &&
					       fuzz_alloc_injected()),
			   "prefix: %d", ret);
		FUZZ_CHECK(!prefix, "list set on error");
	}
	fuzz_add(s, list);
	fuzz_keep_last(s, list, &r);
	bl_free_ext_list(list);
}

static void fuzz_lookup(struct fuzz_state *s, sector_t isect, bool rw,
			bool want_cow)
{
	struct bl_ext out, cow;

	memset(&out, 0, sizeof(out));
	if (!bl_ext_lookup(&s->cache, isect, rw, &out,
			   want_cow ? &cow : NULL))
		return;
	FUZZ_CHECK(out.len && out.f_offset <= isect &&
		   isect - out.f_offset < out.len,
		   "sector %llu in [%llu, +%llu)", (unsigned long long)isect,
		   (unsigned long long)out.f_offset,
		   (unsigned long long)out.len);
	FUZZ_CHECK(out.state <= PNFS_BLOCK_NONE_DATA, "state %u", out.state);
	if (rw)
		FUZZ_CHECK(out.state == PNFS_BLOCK_READWRITE_DATA ||
			   out.state == PNFS_BLOCK_INVALID_DATA,
			   "state %u for a write", out.state);
	if (rw && want_cow && cow.len) {
		FUZZ_CHECK(cow.state == PNFS_BLOCK_READ_DATA &&
			   out.state == PNFS_BLOCK_INVALID_DATA,
			   "copy-on-write from %u to %u", cow.state,
			   out.state);
		FUZZ_CHECK(cow.f_offset == out.f_offset && cow.len == out.len,
			   "copy-on-write source does not match");
	} else if (rw && want_cow) {
		FUZZ_CHECK(!cow.dev, "device without a source");
	}
	bl_ext_put_snapshot(&s->cache, &out);
	if (rw && want_cow)
		bl_ext_put_snapshot(&s->cache, &cow);
}

static void fuzz_written(struct fuzz_state *s, sector_t start, sector_t len,
			 u8 short_by)
{
	u64 end = (u64)(start + len) << SECTOR_SHIFT;
	u64 lwb = short_by == 0xff || !len ? 0 : end - short_by;

	fuzz_check_ret(bl_ext_mark_written(&s->cache, start, len, lwb,
					   GFP_NOFS), "mark_written");
}

static void fuzz_collect(struct fuzz_state *s)
{
	bool written = bl_ext_has_written(&s->cache);
	int nr = bl_ext_commit_collect(&s->cache, NULL);

	if (nr == -EBUSY) {
		FUZZ_CHECK(s->in_flight > 0, "busy without a commit in flight");
		FUZZ_CHECK(bl_ext_has_pending(&s->cache), "busy, not pending");
		return;
	}
	FUZZ_CHECK(nr >= 0 && nr <= BL_EXT_COMMIT_MAX, "collect: %d", nr);
	FUZZ_CHECK((nr > 0) == written, "collected %d, written %d", nr,
		   written);
	FUZZ_CHECK(nr == BL_EXT_COMMIT_MAX || !bl_ext_has_written(&s->cache),
		   "written extents left after collecting %d", nr);
	FUZZ_CHECK(!nr || bl_ext_has_pending(&s->cache), "not pending");
	s->in_flight = nr;
}

static u32 fuzz_be32(const u8 *p)
{
	__be32 be;

	memcpy(&be, p, sizeof(be));
	return be32_to_cpup(&be);
}

/* The body must list what was collected: sorted, disjoint, aligned. */
static void fuzz_check_body(const u8 *body, size_t len, int nr, bool scsi)
{
	size_t entry = scsi ? BL_SCSI_RANGE_XDR_SIZE : BL_EXTENT_XDR_SIZE;
	const u8 *e = body + 4;
	u64 off, elen, prev_end = 0;
	int i;

	FUZZ_CHECK(len == 4 + (size_t)nr * entry, "body of %zu for %d", len,
		   nr);
	FUZZ_CHECK(fuzz_be32(body) == (u32)nr, "count does not match %d", nr);
	for (i = 0; i < nr; i++, e += entry) {
		const u8 *q = scsi ? e : e + NFS4_DEVICEID4_SIZE;

		off = get_unaligned_be64(q);
		elen = get_unaligned_be64(q + 8);
		FUZZ_CHECK(elen && !((off | elen) & (SECTOR_SIZE - 1)),
			   "entry %d", i);
		FUZZ_CHECK(off >= prev_end, "entry %d overlaps", i);
		prev_end = off + elen;
		if (!scsi)
			FUZZ_CHECK(fuzz_be32(q + 24) ==
				   PNFS_BLOCK_READWRITE_DATA, "entry %d", i);
	}
}

static void fuzz_encode(struct fuzz_state *s, bool scsi)
{
	void *body = NULL;
	size_t len = 0;
	int nr;

	nr = bl_ext_commit_encode(&s->cache, scsi, &body, &len, GFP_NOFS);
	if (nr == -ENOMEM) {
		fuzz_check_ret(nr, "commit_encode");
		return;
	}
	FUZZ_CHECK(nr >= 0 && nr <= s->in_flight, "encode: %d of %ld", nr,
		   s->in_flight);
	fuzz_check_body(body, len, nr, scsi);
	kvfree(body);
}

static void fuzz_done(struct fuzz_state *s, bool ok)
{
	bl_ext_commit_done(&s->cache, ok);
	s->in_flight = 0;
}

static void fuzz_remove(struct fuzz_state *s, sector_t start, sector_t end)
{
	fuzz_check_ret(bl_ext_remove(&s->cache, start, end), "remove");
}

static void fuzz_forget(struct fuzz_state *s, u8 dev)
{
	struct bl_dev *d = s->counted ? &s->devs[dev % FUZZ_DEVS] : NULL;
	unsigned int nr = bl_ext_commit_forget(&s->cache, d);

	FUZZ_CHECK(nr <= s->in_flight, "forgot %u of %ld", nr, s->in_flight);
}

/* Run one operation; %false when the input ends inside it. */
static bool fuzz_op(struct fuzz_state *s, struct fuzz_in *in)
{
	u8 op, b;
	u16 n16;
	u32 a, n;

	if (!fuzz_get_u8(in, &op))
		return false;
	switch (op % FUZZ_NR_OPS) {
	case FUZZ_OP_LAYOUT:
		fuzz_op_layout(s, in);
		break;
	case FUZZ_OP_LOOKUP:
		if (!fuzz_get_u8(in, &b) || !fuzz_get_u32(in, &a))
			return false;
		fuzz_lookup(s, s->base + a, b & 1, !(b & 2));
		break;
	case FUZZ_OP_WRITTEN:
		if (!fuzz_get_u32(in, &a) || !fuzz_get_u16(in, &n16) ||
		    !fuzz_get_u8(in, &b))
			return false;
		fuzz_written(s, s->base + a, n16, b);
		break;
	case FUZZ_OP_COLLECT:
		fuzz_collect(s);
		break;
	case FUZZ_OP_ENCODE:
		if (!fuzz_get_u8(in, &b))
			return false;
		fuzz_encode(s, b & 1);
		break;
	case FUZZ_OP_DONE:
		if (!fuzz_get_u8(in, &b))
			return false;
		fuzz_done(s, b & 1);
		break;
	case FUZZ_OP_REMOVE:
		if (!fuzz_get_u32(in, &a) || !fuzz_get_u32(in, &n))
			return false;
		fuzz_remove(s, s->base + a,
			    n == U32_MAX ? ~(sector_t)0 : s->base + a + n);
		break;
	case FUZZ_OP_FORGET:
		if (!fuzz_get_u8(in, &b))
			return false;
		fuzz_forget(s, b);
		break;
	}
	return true;
}

static void fuzz_commit(struct fuzz_state *s, bool ok)
{
	fuzz_collect(s);
	fuzz_encode(s, false);
	fuzz_encode(s, true);
	fuzz_done(s, ok);
}

/* Walk the last accepted layout the way I/O and the commit path would. */
static void fuzz_epilogue(struct fuzz_state *s)
{
	const struct pnfs_layout_range *r = &s->last_range;
	const struct bl_ext_desc *e;
	sector_t start, len, f, n;
	u32 i;

	if (!s->last) {
		fuzz_lookup(s, s->base, true, true);
		fuzz_lookup(s, s->base, false, false);
		return;
	}
	for (i = 0; i < s->last->nr && i < FUZZ_EPILOGUE_EXTS; i++) {
		e = &s->last->exts[i];
		f = e->file_offset >> SECTOR_SHIFT;
		n = e->len >> SECTOR_SHIFT;
		fuzz_lookup(s, f, true, true);
		fuzz_lookup(s, f + n / 2, false, false);
		fuzz_lookup(s, f + n - 1, true, false);
		fuzz_lookup(s, f + n - 1, false, false);
	}
	start = r->offset >> SECTOR_SHIFT;
	len = r->length == NFS4_MAX_UINT64 ? FUZZ_EPILOGUE_SECTORS :
		min_t(u64, r->length >> SECTOR_SHIFT, FUZZ_EPILOGUE_SECTORS);
	fuzz_written(s, start, len, 1);
	fuzz_commit(s, true);
	fuzz_written(s, start, len / 2, 0xff);
	fuzz_commit(s, false);
	fuzz_lookup(s, start, false, false);
	fuzz_remove(s, start, start + len);
	fuzz_remove(s, 0, ~(sector_t)0);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = { .p = data, .left = size };
	static struct fuzz_state s;
	u8 flags;
	int i;

	if (!fuzz_get_u8(&in, &flags))
		return 0;
	memset(&s, 0, sizeof(s));
	s.counted = flags & 0x40;
	bl_ext_cache_init(&s.cache, &fuzz_dev_ops);
	fuzz_alloc_reset(flags & 0x3f);
	while (fuzz_op(&s, &in))
		;
	fuzz_epilogue(&s);
	bl_ext_cache_destroy(&s.cache);
	for (i = 0; i < FUZZ_DEVS; i++)
		FUZZ_CHECK(!s.devs[i].refs, "device %d: %ld references left", i,
			   s.devs[i].refs);
	free(s.last);
	return 0;
}
