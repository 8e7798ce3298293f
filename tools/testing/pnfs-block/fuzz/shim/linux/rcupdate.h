/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/rcupdate.h>: only what lib/rbtree.c and
 * <linux/rbtree.h> use.  The fuzz targets are single-threaded.
 */
#ifndef _FUZZ_SHIM_LINUX_RCUPDATE_H
#define _FUZZ_SHIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>

#define rcu_assign_pointer(p, v)	WRITE_ONCE(p, v)
#define rcu_dereference_raw(p)		READ_ONCE(p)

#endif /* _FUZZ_SHIM_LINUX_RCUPDATE_H */
