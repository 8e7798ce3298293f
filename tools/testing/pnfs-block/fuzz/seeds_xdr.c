// SPDX-License-Identifier: GPL-2.0
/*
 * The xdr KUnit suite (tests/xdr_kunit.c) as it is, with its calls to
 * the two decoders going through the seed recorder (seeds.c).
 */

#include "seeds.h"

#define bl_decode_deviceaddr(...)	seed_decode_deviceaddr(__VA_ARGS__)
#define bl_decode_layout(...)		seed_decode_layout(__VA_ARGS__)
#define FUZZ_KUNIT_SUITE	seed_xdr_suite

#include "tests/xdr_kunit.c"
