// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only fault injection for the guest harness: make a kernel function
 * return an error without running it.
 *
 * Debian's kernel has no CONFIG_FUNCTION_ERROR_INJECTION, so this does by
 * hand what that option would: a kprobe on the function's entry points
 * the saved instruction pointer at a stub that returns the error to the
 * function's caller.  The function must return an int or a pointer and
 * have no side effect its caller relies on before it fails.
 *
 *   insmod pnfsbl_fault.ko func=bl_prepare_layoutcommit err=-12 times=1
 *
 * /sys/module/pnfsbl_fault/parameters/times counts down the failures
 * left; /sys/module/pnfsbl_fault/parameters/hits counts those injected.
 * Never load it outside a test guest.
 */
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>

static char *func;
module_param(func, charp, 0444);
MODULE_PARM_DESC(func, "the function to fail");

static int err = -ENOMEM;
module_param(err, int, 0644);
MODULE_PARM_DESC(err, "the (negative) errno it returns");

static atomic_t times = ATOMIC_INIT(1);
module_param_named(times, times.counter, int, 0644);
MODULE_PARM_DESC(times, "how many calls fail from now on");

static atomic_t hits = ATOMIC_INIT(0);
module_param_named(hits, hits.counter, int, 0444);
MODULE_PARM_DESC(hits, "how many calls were failed");

/* Entered in place of the probed function: its caller gets @err. */
static noinline notrace long pnfsbl_fault_return(void)
{
	return READ_ONCE(err);
}

static int pnfsbl_fault_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (atomic_dec_if_positive(&times) < 0)
		return 0;
	atomic_inc(&hits);
	instruction_pointer_set(regs, (unsigned long)pnfsbl_fault_return);
	/* Non-zero: the kprobe core resumes at the new instruction pointer. */
	return 1;
}

static struct kprobe pnfsbl_fault_kp = {
	.pre_handler	= pnfsbl_fault_pre,
};

static int __init pnfsbl_fault_init(void)
{
	if (!func || !*func)
		return -EINVAL;
	pnfsbl_fault_kp.symbol_name = func;
	return register_kprobe(&pnfsbl_fault_kp);
}

static void __exit pnfsbl_fault_exit(void)
{
	unregister_kprobe(&pnfsbl_fault_kp);
}

module_init(pnfsbl_fault_init);
module_exit(pnfsbl_fault_exit);
MODULE_DESCRIPTION("pNFS block harness: fail a kernel function on demand");
MODULE_LICENSE("GPL");
