/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for <kunit/test.h>: enough of KUnit to run the
 * driver's xdr and volume suites on the host against the shim, under
 * ASan and UBSan (kunit.c).  The seed generator runs them to record the
 * vectors they decode, and their expectations prove that the shim
 * behaves like the kernel for those vectors.
 *
 * A failed expectation is counted and the test goes on; a failed
 * assertion ends the test (longjmp).  Resources from kunit_kmalloc() and
 * actions from kunit_add_action_or_reset() are released when a test ends.
 */
#ifndef _FUZZ_SHIM_KUNIT_TEST_H
#define _FUZZ_SHIM_KUNIT_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <linux/slab.h>
#include <linux/types.h>

#define KUNIT_PARAM_DESC_SIZE	128

struct kunit_resource;

/**
 * struct kunit - one running test
 * @name: the case's name
 * @param_value: the current parameter of a parameterized case
 * @failures: expectations failed so far
 * @resources: what to release when the test ends, newest first
 * @abort: where a failed assertion jumps
 */
struct kunit {
	const char		*name;
	const void		*param_value;
	unsigned int		failures;
	struct kunit_resource	*resources;
	jmp_buf			abort;
};

struct kunit_case {
	void		(*run_case)(struct kunit *test);
	const char	*name;
	const void	*(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char		*name;
	struct kunit_case	*test_cases;
};

typedef void (kunit_action_t)(void *ctx);

#define KUNIT_CASE(fn)		{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_PARAM(fn, gen) \
	{ .run_case = fn, .name = #fn, .generate_params = gen }

/* The file including a suite names the pointer it is published under. */
#define kunit_test_suite(suite) \
	struct kunit_suite *const FUZZ_KUNIT_SUITE = &(suite)

#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)		\
	static const void *name##_gen_params(const void *prev, char *desc) \
	{								\
		__typeof__((array)[0]) *__next = prev ?		\
			((__typeof__(__next))prev) + 1 : (array);	\
		if (__next - (array) <					\
		    (long)(sizeof(array) / sizeof((array)[0]))) {	\
			snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",	\
				 __next->desc_member);			\
			return __next;					\
		}							\
		return NULL;						\
	}

#define KUNIT_DEFINE_ACTION_WRAPPER(wrapper, orig, arg_type)		\
	static void wrapper(void *in)					\
	{								\
		orig((arg_type)in);					\
	}

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx);
void *kunit_kmalloc(struct kunit *test, size_t size, gfp_t gfp);

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_kmalloc(test, size, gfp | __GFP_ZERO);
}

static inline void *kunit_kmalloc_array(struct kunit *test, size_t n,
					size_t size, gfp_t gfp)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	return kunit_kmalloc(test, bytes, gfp);
}

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	return kunit_kmalloc_array(test, n, size, gfp | __GFP_ZERO);
}

void kunit_fail(struct kunit *test, bool assert, const char *file, int line,
		const char *what);

#define KUNIT_CHECK(test, assert, ok, what) do {			\
		if (!(ok))						\
			kunit_fail(test, assert, __FILE__, __LINE__, what); \
	} while (0)

#define KUNIT_BINARY(test, assert, a, op, b) ({				\
	__typeof__(a) __kunit_a = (a);					\
	__typeof__(b) __kunit_b = (b);					\
	KUNIT_CHECK(test, assert, __kunit_a op __kunit_b, #a " " #op " " #b); \
})

#define KUNIT_STR_EQ(test, assert, a, b) ({				\
	const char *__kunit_sa = (a), *__kunit_sb = (b);		\
	KUNIT_CHECK(test, assert, __kunit_sa && __kunit_sb &&		\
		    !strcmp(__kunit_sa, __kunit_sb), #a " == " #b);	\
})

#define KUNIT_EXPECT_EQ(test, a, b)	KUNIT_BINARY(test, false, a, ==, b)
#define KUNIT_ASSERT_EQ(test, a, b)	KUNIT_BINARY(test, true, a, ==, b)
#define KUNIT_EXPECT_EQ_MSG(test, a, b, ...) KUNIT_EXPECT_EQ(test, a, b)
#define KUNIT_ASSERT_EQ_MSG(test, a, b, ...) KUNIT_ASSERT_EQ(test, a, b)
#define KUNIT_EXPECT_LE(test, a, b)	KUNIT_BINARY(test, false, a, <=, b)
#define KUNIT_EXPECT_LE_MSG(test, a, b, ...) KUNIT_EXPECT_LE(test, a, b)
#define KUNIT_EXPECT_GT(test, a, b)	KUNIT_BINARY(test, false, a, >, b)
#define KUNIT_EXPECT_GT_MSG(test, a, b, ...) KUNIT_EXPECT_GT(test, a, b)
#define KUNIT_EXPECT_PTR_EQ(test, a, b)	KUNIT_EXPECT_EQ(test, a, b)
#define KUNIT_EXPECT_PTR_EQ_MSG(test, a, b, ...) KUNIT_EXPECT_EQ(test, a, b)
#define KUNIT_EXPECT_TRUE(test, c)	KUNIT_CHECK(test, false, c, #c)
#define KUNIT_EXPECT_FALSE(test, c)	KUNIT_CHECK(test, false, !(c), "!" #c)
#define KUNIT_EXPECT_NULL(test, p)	KUNIT_CHECK(test, false, !(p), "!" #p)
#define KUNIT_EXPECT_NOT_NULL(test, p)	KUNIT_CHECK(test, false, p, #p)
#define KUNIT_ASSERT_NOT_NULL(test, p)	KUNIT_CHECK(test, true, p, #p)
#define KUNIT_EXPECT_STREQ(test, a, b)	KUNIT_STR_EQ(test, false, a, b)
#define KUNIT_EXPECT_STREQ_MSG(test, a, b, ...) KUNIT_EXPECT_STREQ(test, a, b)
#define KUNIT_EXPECT_MEMEQ(test, a, b, n) \
	KUNIT_CHECK(test, false, !memcmp(a, b, n), #a " == " #b)

int kunit_run_suite(const struct kunit_suite *suite, unsigned int *passed,
		    unsigned int *failed);

#endif /* _FUZZ_SHIM_KUNIT_TEST_H */
