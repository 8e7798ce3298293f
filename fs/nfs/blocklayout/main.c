// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: module glue.
 */
#include <linux/module.h>

static int __init bl_init(void)
{
	return 0;
}

static void __exit bl_exit(void)
{
}

module_init(bl_init);
module_exit(bl_exit);

MODULE_DESCRIPTION("pNFS block and SCSI layout client");
MODULE_LICENSE("GPL");
