/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <kunit/visibility.h>: the host build runs the
 * KUnit suites (../kunit.c), so the symbols are visible, as with
 * CONFIG_KUNIT, and nothing is exported.
 */
#ifndef _FUZZ_SHIM_KUNIT_VISIBILITY_H
#define _FUZZ_SHIM_KUNIT_VISIBILITY_H

#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(sym)	extern int __fuzz_export_##sym

#endif /* _FUZZ_SHIM_KUNIT_VISIBILITY_H */
