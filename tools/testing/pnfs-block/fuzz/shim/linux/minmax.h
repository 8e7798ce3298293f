/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/minmax.h>; each argument is evaluated once. */
#ifndef _FUZZ_SHIM_LINUX_MINMAX_H
#define _FUZZ_SHIM_LINUX_MINMAX_H

#define min(a, b) ({							\
	__typeof__(a) __min_a = (a);					\
	__typeof__(b) __min_b = (b);					\
	__min_a < __min_b ? __min_a : __min_b;				\
})
#define max(a, b) ({							\
	__typeof__(a) __max_a = (a);					\
	__typeof__(b) __max_b = (b);					\
	__max_a > __max_b ? __max_a : __max_b;				\
})
#define min_t(type, a, b)	min((type)(a), (type)(b))
#define max_t(type, a, b)	max((type)(a), (type)(b))
#define clamp(val, lo, hi)	min(max(val, lo), hi)

#endif /* _FUZZ_SHIM_LINUX_MINMAX_H */
