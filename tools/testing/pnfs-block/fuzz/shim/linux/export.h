/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/export.h>: nothing is exported. */
#ifndef _FUZZ_SHIM_LINUX_EXPORT_H
#define _FUZZ_SHIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)	extern int __fuzz_export_##sym
#define EXPORT_SYMBOL_GPL(sym)	EXPORT_SYMBOL(sym)

#endif /* _FUZZ_SHIM_LINUX_EXPORT_H */
