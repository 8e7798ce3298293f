/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/mm.h>: the kvmalloc() family is in slab.h. */
#ifndef _FUZZ_SHIM_LINUX_MM_H
#define _FUZZ_SHIM_LINUX_MM_H

#include <linux/slab.h>

#endif /* _FUZZ_SHIM_LINUX_MM_H */
