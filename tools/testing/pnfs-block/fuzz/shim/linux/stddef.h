/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/stddef.h>: the C library's offsetof. */
#ifndef _FUZZ_SHIM_LINUX_STDDEF_H
#define _FUZZ_SHIM_LINUX_STDDEF_H

#include <linux/types.h>

#endif /* _FUZZ_SHIM_LINUX_STDDEF_H */
