// SPDX-License-Identifier: GPL-2.0
/*
 * The volume KUnit suite (tests/volume_kunit.c) as it is, with its tree
 * builds and mappings going through the seed recorder (seeds.c).
 */

#include "seeds.h"

/* Function-like, so that struct bl_vol_map keeps its name. */
#define bl_vol_tree_build(...)	seed_vol_tree_build(__VA_ARGS__)
#define bl_vol_map(...)		seed_vol_map(__VA_ARGS__)
#define FUZZ_KUNIT_SUITE	seed_volume_suite

#include "tests/volume_kunit.c"
