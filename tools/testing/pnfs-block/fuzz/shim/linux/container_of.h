/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/container_of.h>. */
#ifndef _FUZZ_SHIM_LINUX_CONTAINER_OF_H
#define _FUZZ_SHIM_LINUX_CONTAINER_OF_H

#include <linux/types.h>

#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	((type *)((char *)__mptr - offsetof(type, member)));		\
})

#endif /* _FUZZ_SHIM_LINUX_CONTAINER_OF_H */
