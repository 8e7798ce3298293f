/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/lockdep.h>, over the shim's spinlock_t. */
#ifndef _FUZZ_SHIM_LINUX_LOCKDEP_H
#define _FUZZ_SHIM_LINUX_LOCKDEP_H

#include <linux/spinlock.h>

#define lockdep_assert_held(lock)	WARN_ON_ONCE(!(lock)->held)
#define lockdep_assert_not_held(lock)	WARN_ON_ONCE((lock)->held)

#endif /* _FUZZ_SHIM_LINUX_LOCKDEP_H */
