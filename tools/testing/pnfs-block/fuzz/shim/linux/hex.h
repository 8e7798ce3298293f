/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for <linux/hex.h>, for the KUnit files. */
#ifndef _FUZZ_SHIM_LINUX_HEX_H
#define _FUZZ_SHIM_LINUX_HEX_H

#include <linux/types.h>

int hex2bin(u8 *dst, const char *src, size_t count);

#endif /* _FUZZ_SHIM_LINUX_HEX_H */
