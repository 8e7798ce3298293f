/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/string.h>: the C library's, and memchr_inv. */
#ifndef _FUZZ_SHIM_LINUX_STRING_H
#define _FUZZ_SHIM_LINUX_STRING_H

#include <string.h>

#include <linux/types.h>

void *memchr_inv(const void *start, int c, size_t bytes);

#endif /* _FUZZ_SHIM_LINUX_STRING_H */
