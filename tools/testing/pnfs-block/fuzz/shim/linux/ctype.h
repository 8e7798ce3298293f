/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/ctype.h>, for the KUnit files. */
#ifndef _FUZZ_SHIM_LINUX_CTYPE_H
#define _FUZZ_SHIM_LINUX_CTYPE_H

#include <ctype.h>

#endif /* _FUZZ_SHIM_LINUX_CTYPE_H */
