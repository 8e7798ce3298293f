// SPDX-License-Identifier: GPL-2.0
/*
 * The seed generator.  Runs the driver's xdr and volume KUnit suites on
 * the host (kunit.c), and writes every vector they hand to the decoders
 * or the tree builder as an input of the fuzz target that takes it:
 * device addresses for fuzz_deviceaddr (and, when accepted, for
 * fuzz_volume with default disks), layouts for fuzz_layout, and the
 * volume suite's tables, disk sizes and mapped offsets for fuzz_volume.
 * Vectors refused as truncated are left out: the fuzzer finds those
 * at once.
 *
 * Usage: seeds DIR    writes DIR/TARGET/HASH; exits 1 if a KUnit
 *                     test failed: the shim or the driver is wrong.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <linux/minmax.h>
#include <linux/string.h>

#include "fuzz.h"
#include "seeds.h"

static const u32 seed_layout_types[] = {
	LAYOUT_BLOCK_VOLUME, LAYOUT_SCSI, LAYOUT_FLEX_FILES, 0,
};

/* A growing byte string, big-endian like the inputs. */
struct seed_buf {
	u8	*data;
	size_t	len;
	size_t	cap;
};

static void seed_put(struct seed_buf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			abort();
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

static void seed_u8(struct seed_buf *b, u8 v)
{
	seed_put(b, &v, 1);
}

static void seed_u16(struct seed_buf *b, u16 v)
{
	seed_u8(b, v >> 8);
	seed_u8(b, v);
}

static void seed_u32(struct seed_buf *b, u32 v)
{
	__be32 be = cpu_to_be32(v);

	seed_put(b, &be, sizeof(be));
}

static void seed_u64(struct seed_buf *b, u64 v)
{
	seed_u32(b, v >> 32);
	seed_u32(b, v);
}

static void seed_opaque(struct seed_buf *b, const u8 *p, u32 len)
{
	static const u8 pad[3];

	seed_u32(b, len);
	seed_put(b, p, len);
	seed_put(b, pad, XDR_QUADLEN(len) * 4 - len);
}

static const char *seed_dir;
static unsigned int seed_count;

static void seed_write(const char *target, const struct seed_buf *b)
{
	u64 h = 0xcbf29ce484222325ULL;
	char path[4096];
	FILE *f;
	size_t i;

	for (i = 0; i < b->len; i++)
		h = (h ^ b->data[i]) * 0x100000001b3ULL;
	snprintf(path, sizeof(path), "%s/%s/%016llx", seed_dir, target,
		 (unsigned long long)h);
	f = fopen(path, "wbx");
	if (!f)
		return;		/* the same vector again */
	if (fwrite(b->data, 1, b->len, f) != b->len || fclose(f))
		abort();
	seed_count++;
}

static int seed_selector(u32 layout_type)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seed_layout_types); i++)
		if (seed_layout_types[i] == layout_type)
			return i;
	return -1;
}

/* The stream is fresh: its buffer holds exactly the body. */
static const u8 *seed_body(const struct xdr_stream *xdr, size_t *len)
{
	*len = xdr->buf->len;
	return (const u8 *)xdr->p;
}

static void seed_volume_input(struct seed_buf *b, int sel, const u8 *body,
			      size_t len)
{
	seed_u8(b, sel);
	seed_u16(b, len);
	seed_put(b, body, len);
}

int seed_decode_deviceaddr(struct xdr_stream *xdr, u32 layout_type, gfp_t gfp,
			   struct bl_vol_table **tablep, struct bl_err *err)
{
	struct seed_buf b = {};
	int sel = seed_selector(layout_type);
	const u8 *body;
	size_t len;
	int ret;

	body = seed_body(xdr, &len);
	ret = bl_decode_deviceaddr(xdr, layout_type, gfp, tablep, err);
	if (ret == -EBADMSG || sel < 0)
		return ret;
	seed_u8(&b, sel);
	seed_put(&b, body, len);
	seed_write("fuzz_deviceaddr", &b);
	if (!ret && len <= U16_MAX) {
		b.len = 0;
		seed_volume_input(&b, sel, body, len);
		seed_write("fuzz_volume", &b);
	}
	free(b.data);
	return ret;
}

int seed_decode_layout(struct xdr_stream *xdr,
		       const struct pnfs_layout_range *range, u32 blksize,
		       gfp_t gfp, struct bl_ext_list **listp,
		       struct bl_err *err)
{
	struct seed_buf b = {};
	const u8 *body;
	size_t len;
	int ret;

	body = seed_body(xdr, &len);
	ret = bl_decode_layout(xdr, range, blksize, gfp, listp, err);
	if (ret == -EBADMSG || len > U16_MAX)
		return ret;
	seed_u8(&b, 0);		/* flags: no failure, no devices */
	seed_u8(&b, 0);		/* LAYOUT */
	seed_u32(&b, range->iomode);
	seed_u64(&b, range->offset);
	seed_u64(&b, range->length);
	seed_u32(&b, blksize);
	seed_u16(&b, len);
	seed_put(&b, body, len);
	seed_write("fuzz_layout", &b);
	free(b.data);
	return ret;
}

/* RFC 8154 section 2.3: a BASE volume the tests describe by key only. */
static void seed_encode_base(struct seed_buf *b, const struct bl_vol_desc *v)
{
	static const u8 naa[8] = { 0x50, 0, 0, 0, 0, 0, 0, 1 };

	if (v->base.desig_len) {
		seed_u32(b, v->base.code_set);
		seed_u32(b, v->base.desig_type);
		seed_opaque(b, v->base.desig, v->base.desig_len);
	} else {
		seed_u32(b, PS_CODE_SET_BINARY);
		seed_u32(b, PS_DESIGNATOR_NAA);
		seed_opaque(b, naa, sizeof(naa));
	}
	seed_u64(b, v->base.pr_key);
}

/* A table as the pnfs_block_deviceaddr4 of RFC 5663 section 2.2. */
static void seed_encode_table(struct seed_buf *b, const struct bl_vol_table *t)
{
	const struct bl_vol_desc *v;
	u32 i, j;

	seed_u32(b, t->nr);
	for (i = 0; i < t->nr; i++) {
		v = &t->vols[i];
		seed_u32(b, v->type);
		switch (v->type) {
		case PNFS_BLOCK_VOLUME_SIMPLE:
			seed_u32(b, v->simple.nr_sigs);
			for (j = 0; j < v->simple.nr_sigs; j++) {
				seed_u64(b, v->simple.sigs[j].offset);
				seed_opaque(b, v->simple.sigs[j].contents,
					    v->simple.sigs[j].len);
			}
			break;
		case PNFS_BLOCK_VOLUME_SLICE:
			seed_u64(b, v->slice.start);
			seed_u64(b, v->slice.len);
			seed_u32(b, v->slice.child);
			break;
		case PNFS_BLOCK_VOLUME_STRIPE:
			seed_u64(b, v->members.stripe_unit);
			fallthrough;
		case PNFS_BLOCK_VOLUME_CONCAT:
			seed_u32(b, v->members.nr);
			for (j = 0; j < v->members.nr; j++)
				seed_u32(b, v->members.idx[j]);
			break;
		default:
			seed_encode_base(b, v);
		}
	}
}

/*
 * The fuzz_volume input being recorded: the table, then the disk sizes
 * its build resolved, then the offsets mapped in it.  Written out when
 * the next build starts, and at the end.
 */
static struct {
	bool			active;
	struct seed_buf		head;
	struct seed_buf		sizes;
	u8			nr_sizes;
	struct seed_buf		ranges;
	const struct bl_vol_ops	*ops;
} seed_vol;

static void seed_vol_flush(void)
{
	if (seed_vol.active) {
		seed_u8(&seed_vol.head, seed_vol.nr_sizes);
		seed_put(&seed_vol.head, seed_vol.sizes.data,
			 seed_vol.sizes.len);
		seed_put(&seed_vol.head, seed_vol.ranges.data,
			 seed_vol.ranges.len);
		seed_write("fuzz_volume", &seed_vol.head);
	}
	seed_vol.active = false;
	seed_vol.head.len = 0;
	seed_vol.sizes.len = 0;
	seed_vol.ranges.len = 0;
	seed_vol.nr_sizes = 0;
}

static int seed_resolve(const struct bl_vol_desc *desc, void *ctx,
			void **handle, u64 *size)
{
	int ret = seed_vol.ops->resolve(desc, ctx, handle, size);

	if (seed_vol.nr_sizes < U8_MAX) {
		seed_u64(&seed_vol.sizes, ret ? U64_MAX : *size);
		seed_vol.nr_sizes++;
	}
	return ret;
}

static void seed_release(void *handle, void *ctx)
{
	seed_vol.ops->release(handle, ctx);
}

/* Every tree of the volume suite is built with the same fake ops. */
static const struct bl_vol_ops seed_vol_ops = {
	.resolve	= seed_resolve,
	.release	= seed_release,
};

int seed_vol_tree_build(const struct bl_vol_table *table,
			const struct bl_vol_ops *ops, void *ctx, gfp_t gfp,
			struct bl_vol_tree **treep, struct bl_err *err)
{
	struct seed_buf body = {};
	bool scsi = false;
	u32 i;

	seed_vol_flush();
	for (i = 0; i < table->nr; i++)
		scsi |= table->vols[i].type == PNFS_BLOCK_VOLUME_SCSI;
	seed_encode_table(&body, table);
	if (body.len <= U16_MAX) {
		seed_volume_input(&seed_vol.head, scsi, body.data, body.len);
		seed_vol.active = true;
	}
	free(body.data);
	seed_vol.ops = ops;
	return bl_vol_tree_build(table, &seed_vol_ops, ctx, gfp, treep, err);
}

int seed_vol_map(const struct bl_vol_tree *tree, u64 offset,
		 struct bl_vol_map *map)
{
	int ret = bl_vol_map(tree, offset, map);

	if (seed_vol.active) {
		seed_u64(&seed_vol.ranges, offset);
		seed_u32(&seed_vol.ranges, ret ? 1 : min_t(u64, map->len,
							   U32_MAX));
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const targets[] = {
		"fuzz_deviceaddr", "fuzz_layout", "fuzz_volume",
	};
	unsigned int passed = 0, failed = 0, i;
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	seed_dir = argv[1];
	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		snprintf(path, sizeof(path), "%s/%s", seed_dir, targets[i]);
		mkdir(seed_dir, 0755);
		mkdir(path, 0755);
	}
	kunit_run_suite(seed_xdr_suite, &passed, &failed);
	kunit_run_suite(seed_volume_suite, &passed, &failed);
	seed_vol_flush();
	free(seed_vol.head.data);
	free(seed_vol.sizes.data);
	free(seed_vol.ranges.data);
	printf("# seeds: %u KUnit tests passed on the host, %u failed; %u seeds in %s\n",
	       passed, failed, seed_count, seed_dir);
	return failed ? 1 : 0;
}
