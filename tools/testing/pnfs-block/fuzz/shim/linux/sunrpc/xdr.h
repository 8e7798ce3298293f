/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/sunrpc/xdr.h>: decoding from one flat
 * buffer (the head kvec of an xdr_buf, no pages, no tail), with the
 * kernel's semantics (net/sunrpc/xdr.c):
 * - the stream holds XDR_QUADLEN(len) words, which is what
 *   xdr_stream_remaining() reports, even if @len is not a multiple of 4;
 * - xdr_inline_decode() of n bytes consumes XDR_QUADLEN(n) words and
 *   returns NULL if they do not all lie inside the buffer, and the
 *   current position for n == 0.
 */
#ifndef _FUZZ_SHIM_LINUX_SUNRPC_XDR_H
#define _FUZZ_SHIM_LINUX_SUNRPC_XDR_H

#include <string.h>

#include <linux/types.h>

#define XDR_QUADLEN(l)		(((l) + 3) >> 2)

struct rpc_rqst;

struct kvec {
	void	*iov_base;
	size_t	iov_len;
};

struct xdr_buf {
	struct kvec	head[1];
	struct kvec	tail[1];
	unsigned int	page_len;
	unsigned int	buflen;
	unsigned int	len;
};

struct xdr_stream {
	__be32		*p;
	__be32		*end;
	struct xdr_buf	*buf;
	unsigned int	nwords;
};

static inline u32 be32_to_cpup(const __be32 *p)
{
	return __builtin_bswap32(*p);
}

static inline __be32 cpu_to_be32(u32 val)
{
	return __builtin_bswap32(val);
}

static inline u64 get_unaligned_be64(const void *p)
{
	u64 val;

	memcpy(&val, p, sizeof(val));
	return __builtin_bswap64(val);
}

static inline void put_unaligned_be64(u64 val, void *p)
{
	val = __builtin_bswap64(val);
	memcpy(p, &val, sizeof(val));
}

static inline __be32 *xdr_encode_hyper(__be32 *p, __u64 val)
{
	put_unaligned_be64(val, p);
	return p + 2;
}

static inline __be32 *xdr_decode_hyper(__be32 *p, __u64 *valp)
{
	*valp = get_unaligned_be64(p);
	return p + 2;
}

void xdr_init_decode(struct xdr_stream *xdr, struct xdr_buf *buf, __be32 *p,
		     struct rpc_rqst *rqst);
__be32 *xdr_inline_decode(struct xdr_stream *xdr, size_t nbytes);

static inline size_t xdr_stream_remaining(const struct xdr_stream *xdr)
{
	return xdr->nwords << 2;
}

static inline ssize_t xdr_stream_decode_u32(struct xdr_stream *xdr, __u32 *ptr)
{
	__be32 *p = xdr_inline_decode(xdr, sizeof(*ptr));

	if (unlikely(!p))
		return -EBADMSG;
	*ptr = be32_to_cpup(p);
	return 0;
}

static inline ssize_t xdr_stream_decode_u64(struct xdr_stream *xdr, __u64 *ptr)
{
	__be32 *p = xdr_inline_decode(xdr, sizeof(*ptr));

	if (unlikely(!p))
		return -EBADMSG;
	xdr_decode_hyper(p, ptr);
	return 0;
}

#endif /* _FUZZ_SHIM_LINUX_SUNRPC_XDR_H */
