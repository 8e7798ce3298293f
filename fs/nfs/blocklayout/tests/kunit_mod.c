// SPDX-License-Identifier: GPL-2.0
/*
 * The module of the pNFS block/SCSI layout driver's KUnit suites.
 *
 * Each tests/ file registers its own suites; this one holds what the
 * module says once: the driver's functions the suites call are exported
 * only to EXPORTED_FOR_KUNIT_TESTING (EXPORT_SYMBOL_IF_KUNIT()).
 */

#include <linux/module.h>

MODULE_DESCRIPTION("KUnit tests for the pNFS block and SCSI layout client");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
