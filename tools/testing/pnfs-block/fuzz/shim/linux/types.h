/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <linux/types.h>, for the fuzz targets.  Like the
 * kernel's, every other header gets the basics through it: the fixed-size
 * types, bool, the errno values (the kernel's UAPI ones: not the C
 * library's <errno.h>, whose errno macro would clash), the
 * compiler annotations and WARN_ON_ONCE().
 */
#ifndef _FUZZ_SHIM_LINUX_TYPES_H
#define _FUZZ_SHIM_LINUX_TYPES_H

#include <asm-generic/errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/bug.h>

typedef uint8_t		u8;
typedef uint16_t	u16;
typedef uint32_t	u32;
typedef uint64_t	u64;
typedef int32_t		s32;
typedef int64_t		s64;
typedef uint32_t	__u32;
typedef uint64_t	__u64;
typedef uint32_t	__be32;
typedef uint64_t	__be64;
typedef u64		sector_t;
typedef unsigned int	gfp_t;

#define U8_MAX		UINT8_MAX
#define U16_MAX		UINT16_MAX
#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX
#define S64_MIN		INT64_MIN
#define S64_MAX		INT64_MAX

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

struct list_head {
	struct list_head *next, *prev;
};

#endif /* _FUZZ_SHIM_LINUX_TYPES_H */
