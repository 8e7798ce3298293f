// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line part of the userspace kernel shim: WARN, the allocator
 * with fault injection, and xdr_stream decoding over a flat buffer (see
 * shim/linux/sunrpc/xdr.h for the semantics copied from the kernel).
 */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/hex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sunrpc/xdr.h>

#include "fuzz.h"

/* Bytes of memory the kernel would hand out uninitialized. */
#define FUZZ_POISON	0xa5

void fuzz_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "WARNING: %s:%d: WARN_ON_ONCE(%s)\n", file, line, cond);
	abort();
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "INVARIANT BROKEN: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static unsigned int fuzz_alloc_calls;
static unsigned int fuzz_alloc_fail_at;
static bool fuzz_alloc_did_fail;

/**
 * fuzz_alloc_reset - start counting allocations for a new input
 * @fail_nth: make the @fail_nth-th allocation from now fail; 0: none
 */
void fuzz_alloc_reset(unsigned int fail_nth)
{
	fuzz_alloc_calls = 0;
	fuzz_alloc_fail_at = fail_nth;
	fuzz_alloc_did_fail = false;
}

/**
 * fuzz_alloc_injected - did an allocation fail since fuzz_alloc_reset()?
 *
 * Return: %true if the injected failure happened.
 */
bool fuzz_alloc_injected(void)
{
	return fuzz_alloc_did_fail;
}

/*
 * The live kvmalloc() blocks, to catch a kfree() of one.  Addresses are
 * kept masked so that LeakSanitizer does not count this list as a
 * reference: a leaked block must still be reported.
 */
#define FUZZ_KV_MASK	((uintptr_t)0x5a5a5a5a5a5a5a5aULL)

struct fuzz_kv {
	uintptr_t	masked;
	struct fuzz_kv	*next;
};

static struct fuzz_kv *fuzz_kv_list;

static bool fuzz_kv_forget(const void *p)
{
	uintptr_t masked = (uintptr_t)p ^ FUZZ_KV_MASK;
	struct fuzz_kv **pp, *kv;

	for (pp = &fuzz_kv_list; (kv = *pp); pp = &kv->next) {
		if (kv->masked != masked)
			continue;
		*pp = kv->next;
		free(kv);
		return true;
	}
	return false;
}

/**
 * fuzz_alloc - the kmalloc() and kvmalloc() families
 * @size: bytes
 * @gfp: allocation flags; %__GFP_ZERO zeroes, %__GFP_NOWARN silences the
 *	size warnings
 * @kv: kvmalloc(), not kmalloc()
 *
 * Return: the memory, or %NULL if the size is refused or the failure is
 * injected.
 */
void *fuzz_alloc(size_t size, gfp_t gfp, bool kv)
{
	struct fuzz_kv *rec = NULL;
	void *p;

	if (size > (kv ? (size_t)INT_MAX : KMALLOC_MAX_SIZE)) {
		WARN_ON_ONCE(!(gfp & __GFP_NOWARN));
		return NULL;
	}
	if (++fuzz_alloc_calls == fuzz_alloc_fail_at) {
		fuzz_alloc_did_fail = true;
		return NULL;
	}
	if (kv) {
		rec = malloc(sizeof(*rec));
		if (!rec)
			abort();
	}
	p = malloc(size);
	if (!p)
		abort();
	memset(p, gfp & __GFP_ZERO ? 0 : FUZZ_POISON, size);
	if (rec) {
		rec->masked = (uintptr_t)p ^ FUZZ_KV_MASK;
		rec->next = fuzz_kv_list;
		fuzz_kv_list = rec;
	}
	return p;
}

/**
 * fuzz_free - kfree() and kvfree()
 * @p: the memory, or %NULL
 * @kv: kvfree(), which takes both kinds
 */
void fuzz_free(const void *p, bool kv)
{
	if (!p)
		return;
	if (fuzz_kv_forget(p) && !kv)
		fuzz_warn(__FILE__, __LINE__, "kfree() of kvmalloc() memory");
	free((void *)p);
}

void *kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = kmalloc(len, gfp);

	if (p)
		memcpy(p, src, len);
	return p;
}

void *memchr_inv(const void *start, int c, size_t bytes)
{
	const u8 *p = start;
	size_t i;

	for (i = 0; i < bytes; i++)
		if (p[i] != (u8)c)
			return (void *)&p[i];
	return NULL;
}

static int fuzz_hex_to_bin(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

int hex2bin(u8 *dst, const char *src, size_t count)
{
	int hi, lo;

	while (count--) {
		hi = fuzz_hex_to_bin(*src++);
		if (hi < 0)
			return -EINVAL;
		lo = fuzz_hex_to_bin(*src++);
		if (lo < 0)
			return -EINVAL;
		*dst++ = (hi << 4) | lo;
	}
	return 0;
}

/* As net/sunrpc/xdr.c with only a head kvec: pages and tail are empty. */
void xdr_init_decode(struct xdr_stream *xdr, struct xdr_buf *buf, __be32 *p,
		     struct rpc_rqst *rqst)
{
	unsigned int len = buf->len;

	WARN_ON_ONCE(p || buf->page_len || buf->tail[0].iov_len);
	if (len > buf->head[0].iov_len)
		len = buf->head[0].iov_len;
	xdr->buf = buf;
	xdr->nwords = XDR_QUADLEN(buf->len);
	xdr->p = buf->head[0].iov_base;
	xdr->end = (__be32 *)((char *)buf->head[0].iov_base + len);
}

__be32 *xdr_inline_decode(struct xdr_stream *xdr, size_t nbytes)
{
	size_t nwords = XDR_QUADLEN(nbytes);
	__be32 *p = xdr->p;

	if (unlikely(nbytes == 0))
		return p;
	/* The kernel's q = p + nwords; q > end (in bytes, end may be odd). */
	if (nwords > xdr->nwords ||
	    nwords > (size_t)((char *)xdr->end - (char *)p) / 4)
		return NULL;
	xdr->p = p + nwords;
	xdr->nwords -= nwords;
	return p;
}

bool fuzz_get(struct fuzz_in *in, void *out, size_t len)
{
	if (in->left < len)
		return false;
	memcpy(out, in->p, len);
	in->p += len;
	in->left -= len;
	return true;
}

bool fuzz_get_u8(struct fuzz_in *in, u8 *val)
{
	return fuzz_get(in, val, sizeof(*val));
}

/* Multi-byte fields are big-endian, as on the wire. */
bool fuzz_get_u16(struct fuzz_in *in, u16 *val)
{
	u8 b[2];

	if (!fuzz_get(in, b, sizeof(b)))
		return false;
	*val = (u16)(b[0] << 8 | b[1]);
	return true;
}

bool fuzz_get_u32(struct fuzz_in *in, u32 *val)
{
	__be32 be;

	if (!fuzz_get(in, &be, sizeof(be)))
		return false;
	*val = be32_to_cpup(&be);
	return true;
}

bool fuzz_get_u64(struct fuzz_in *in, u64 *val)
{
	u8 b[8];

	if (!fuzz_get(in, b, sizeof(b)))
		return false;
	*val = get_unaligned_be64(b);
	return true;
}

/**
 * fuzz_xdr_init - a decode stream over a private copy of @bytes
 * @fx: where to keep the copy and the stream
 * @bytes: the body
 * @len: its length
 *
 * Return: the stream; release it with fuzz_xdr_release().
 */
struct xdr_stream *fuzz_xdr_init(struct fuzz_xdr *fx, const u8 *bytes,
				 size_t len)
{
	/* malloc() aligns the copy, as the kernel's buffers are aligned. */
	void *copy = malloc(len);

	if (!copy && len)
		abort();
	memcpy(copy, bytes, len);
	memset(fx, 0, sizeof(*fx));
	fx->buf.head[0].iov_base = copy;
	fx->buf.head[0].iov_len = len;
	fx->buf.len = len;
	fx->buf.buflen = len;
	xdr_init_decode(&fx->xdr, &fx->buf, NULL, NULL);
	return &fx->xdr;
}

void fuzz_xdr_release(struct fuzz_xdr *fx)
{
	free(fx->buf.head[0].iov_base);
}
