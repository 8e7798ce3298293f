/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/slab.h>, for the fuzz targets.
 *
 * Every allocation goes through fuzz_alloc() (shim.c), which can fail the
 * n-th allocation of an input (fault injection) and turns the kernel's own
 * warnings into findings: kmalloc() above KMALLOC_MAX_SIZE and kvmalloc()
 * above INT_MAX warn in the kernel (mm/page_alloc.c, mm/util.c), and
 * kfree() of kvmalloc() memory is a bug there.  ASan finds leaks, double
 * frees and overruns.
 */
#ifndef _FUZZ_SHIM_LINUX_SLAB_H
#define _FUZZ_SHIM_LINUX_SLAB_H

#include <linux/overflow.h>
#include <linux/types.h>

#define GFP_KERNEL	0x01u
#define GFP_NOFS	0x02u
#define GFP_NOIO	0x04u
#define GFP_ATOMIC	0x08u
#define __GFP_NOWARN	0x100u
#define __GFP_ZERO	0x200u

/* 6.12 SLUB: 1 << (MAX_PAGE_ORDER + PAGE_SHIFT). */
#define KMALLOC_MAX_SIZE	(1UL << (10 + 12))

void *fuzz_alloc(size_t size, gfp_t gfp, bool kv);
void fuzz_free(const void *p, bool kv);

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return fuzz_alloc(size, gfp, false);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return fuzz_alloc(size, gfp | __GFP_ZERO, false);
}

/* The *_array and *calloc allocators: NULL if n * size overflows. */
static inline void *fuzz_alloc_array(size_t n, size_t size, gfp_t gfp,
				     bool kv)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	return fuzz_alloc(bytes, gfp, kv);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return fuzz_alloc_array(n, size, gfp, false);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return fuzz_alloc_array(n, size, gfp | __GFP_ZERO, false);
}

void *kmemdup(const void *src, size_t len, gfp_t gfp);

static inline void kfree(const void *p)
{
	fuzz_free(p, false);
}

static inline void *kvmalloc(size_t size, gfp_t gfp)
{
	return fuzz_alloc(size, gfp, true);
}

static inline void *kvzalloc(size_t size, gfp_t gfp)
{
	return fuzz_alloc(size, gfp | __GFP_ZERO, true);
}

static inline void *kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	return fuzz_alloc_array(n, size, gfp, true);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return fuzz_alloc_array(n, size, gfp | __GFP_ZERO, true);
}

static inline void kvfree(const void *p)
{
	fuzz_free(p, true);
}

#endif /* _FUZZ_SHIM_LINUX_SLAB_H */
