/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/bug.h>.  A WARN is a fuzzer finding: it
 * prints where it fired and aborts, so that libFuzzer keeps the input.
 */
#ifndef _FUZZ_SHIM_LINUX_BUG_H
#define _FUZZ_SHIM_LINUX_BUG_H

#include <stdbool.h>

#include <linux/compiler.h>

__noreturn void fuzz_warn(const char *file, int line, const char *cond);

#define WARN_ON_ONCE(cond) ({						\
	bool __warn_cond = !!(cond);					\
	if (unlikely(__warn_cond))					\
		fuzz_warn(__FILE__, __LINE__, #cond);			\
	__warn_cond;							\
})
#define WARN_ON(cond)		WARN_ON_ONCE(cond)

#endif /* _FUZZ_SHIM_LINUX_BUG_H */
