/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/compiler.h>, for the fuzz targets: the
 * annotations the driver and lib/rbtree.c use, and READ_ONCE/WRITE_ONCE
 * as plain volatile accesses (the targets are single-threaded).
 */
#ifndef _FUZZ_SHIM_LINUX_COMPILER_H
#define _FUZZ_SHIM_LINUX_COMPILER_H

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#undef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define fallthrough		__attribute__((__fallthrough__))
#define __noreturn		__attribute__((__noreturn__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
/* clang 14 has no counted_by attribute; the kernel defines it empty too. */
#define __counted_by(member)
#define __rcu
/* sparse's lock context annotations. */
#define __acquires(x)
#define __releases(x)

#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)					\
	do {							\
		*(volatile __typeof__(x) *)&(x) = (val);	\
	} while (0)

#endif /* _FUZZ_SHIM_LINUX_COMPILER_H */
