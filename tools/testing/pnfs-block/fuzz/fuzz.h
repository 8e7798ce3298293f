/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fuzz targets and the seed generator: the shim's fault
 * injection, reading an input field by field, and an xdr_stream over a
 * private copy of exactly the bytes of a body.
 */
#ifndef _PNFSBL_FUZZ_H
#define _PNFSBL_FUZZ_H

#include <linux/sunrpc/xdr.h>
#include <linux/types.h>

/* shim.c */
void fuzz_alloc_reset(unsigned int fail_nth);
bool fuzz_alloc_injected(void);
__noreturn __printf(1, 2) void fuzz_fail(const char *fmt, ...);

/* A broken invariant: say which, and abort so that libFuzzer keeps it. */
#define FUZZ_CHECK(cond, fmt, ...) do {					\
		if (!(cond))						\
			fuzz_fail("%s:%d: %s: " fmt, __FILE__, __LINE__,	\
				  #cond, ##__VA_ARGS__);		\
	} while (0)

/**
 * struct fuzz_in - the unread part of an input
 * @p: next byte
 * @left: bytes from @p
 */
struct fuzz_in {
	const u8	*p;
	size_t		left;
};

bool fuzz_get(struct fuzz_in *in, void *out, size_t len);
bool fuzz_get_u8(struct fuzz_in *in, u8 *val);
bool fuzz_get_u16(struct fuzz_in *in, u16 *val);
bool fuzz_get_u32(struct fuzz_in *in, u32 *val);
bool fuzz_get_u64(struct fuzz_in *in, u64 *val);

/**
 * struct fuzz_xdr - a decode stream over a private copy of a body
 * @buf: the xdr_buf; its head is the copy, allocated to the exact size so
 *	that ASan catches any read past the end
 * @xdr: the stream
 */
struct fuzz_xdr {
	struct xdr_buf		buf;
	struct xdr_stream	xdr;
};

struct xdr_stream *fuzz_xdr_init(struct fuzz_xdr *fx, const u8 *bytes,
				 size_t len);
void fuzz_xdr_release(struct fuzz_xdr *fx);

#endif /* _PNFSBL_FUZZ_H */
