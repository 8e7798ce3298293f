/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/spinlock.h>.  The fuzz targets are
 * single-threaded, so a lock only records whether it is held: taking a
 * held lock (a deadlock in the kernel) or releasing a free one warns, and
 * <linux/lockdep.h>'s assertions check the flag.
 */
#ifndef _FUZZ_SHIM_LINUX_SPINLOCK_H
#define _FUZZ_SHIM_LINUX_SPINLOCK_H

#include <linux/list.h>
#include <linux/types.h>

typedef struct {
	bool	held;
} spinlock_t;

#define spin_lock_init(lock)	((lock)->held = false)
#define spin_lock(lock)		do {					\
		WARN_ON_ONCE((lock)->held);				\
		(lock)->held = true;					\
	} while (0)
#define spin_unlock(lock)	do {					\
		WARN_ON_ONCE(!(lock)->held);				\
		(lock)->held = false;					\
	} while (0)

#endif /* _FUZZ_SHIM_LINUX_SPINLOCK_H */
