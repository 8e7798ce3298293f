/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/log2.h>. */
#ifndef _FUZZ_SHIM_LINUX_LOG2_H
#define _FUZZ_SHIM_LINUX_LOG2_H

#include <linux/types.h>

static inline bool is_power_of_2(unsigned long n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* As the kernel's: fls64(n) - 1, so -1 for zero. */
#define ilog2(n)	((n) ? 63 - __builtin_clzll((u64)(n)) : -1)

#endif /* _FUZZ_SHIM_LINUX_LOG2_H */
