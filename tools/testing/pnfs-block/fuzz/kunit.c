// SPDX-License-Identifier: GPL-2.0
/*
 * The runner behind shim/kunit/test.h: runs every case of a suite (each
 * parameter of a parameterized one), releases what each test allocated,
 * and prints a KTAP-like line per case on stderr.
 */

#include <stdlib.h>

#include <kunit/test.h>

struct kunit_resource {
	kunit_action_t		*action;
	void			*ctx;
	struct kunit_resource	*next;
};

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx)
{
	struct kunit_resource *res = malloc(sizeof(*res));

	if (!res) {
		action(ctx);
		return -ENOMEM;
	}
	res->action = action;
	res->ctx = ctx;
	res->next = test->resources;
	test->resources = res;
	return 0;
}

static void kunit_free_action(void *p)
{
	kfree(p);
}

void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = kmalloc(size, gfp);

	if (p && kunit_add_action_or_reset(test, kunit_free_action, p))
		return NULL;
	return p;
}

void kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		const char *what)
{
	fprintf(stderr, "# %s: %s:%d: %s %s failed\n", test->name, file, line,
		assert ? "assertion" : "expectation", what);
	test->failures++;
	if (assert)
		longjmp(test->abort, 1);
}

static void kunit_release(struct kunit *test)
{
	struct kunit_resource *res;

	while ((res = test->resources)) {
		test->resources = res->next;
		res->action(res->ctx);
		free(res);
	}
}

/* Run one test; the kunit is static so that longjmp() cannot clobber it. */
static bool kunit_run_one(const struct kunit_case *c, const void *param)
{
	static struct kunit test;

	memset(&test, 0, sizeof(test));
	test.name = c->name;
	test.param_value = param;
	if (!setjmp(test.abort))
		c->run_case(&test);
	kunit_release(&test);
	return !test.failures;
}

/**
 * kunit_run_suite - run every test of a suite
 * @suite: the suite
 * @passed: incremented per passing test (each parameter counts)
 * @failed: incremented per failing test
 *
 * Return: %0 if every test passed, else %-EINVAL.
 */
int kunit_run_suite(const struct kunit_suite *suite, unsigned int *passed,
		    unsigned int *failed)
{
	char desc[KUNIT_PARAM_DESC_SIZE];
	const struct kunit_case *c;
	const void *param;
	bool ok;
	int ret = 0;

	for (c = suite->test_cases; c->run_case; c++) {
		param = NULL;
		do {
			desc[0] = '\0';
			if (c->generate_params) {
				param = c->generate_params(param, desc);
				if (!param)
					break;
			}
			ok = kunit_run_one(c, param);
			fprintf(stderr, "# %s %s.%s%s%s\n", ok ? "ok" : "not ok",
				suite->name, c->name, *desc ? " " : "", desc);
			if (ok) {
				(*passed)++;
			} else {
				(*failed)++;
				ret = -EINVAL;
			}
		} while (c->generate_params);
	}
	return ret;
}
