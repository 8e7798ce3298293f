/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/const.h>, for the kernel's <linux/sizes.h>. */
#ifndef _FUZZ_SHIM_LINUX_CONST_H
#define _FUZZ_SHIM_LINUX_CONST_H

#define __AC(X, Y)	(X##Y)
#define _AC(X, Y)	__AC(X, Y)

#endif /* _FUZZ_SHIM_LINUX_CONST_H */
