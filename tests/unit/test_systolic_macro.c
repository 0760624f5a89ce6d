/*
 * test_systolic_macro.c — runtime/systolic.c compiled with its two
 * compile-time switches, SQC_GEMMINI_MACRO_ROUNDING=1 (gemmini.h's
 * ROUND_NEAR_EVEN macro arithmetic, reference §1, §7.2) and
 * SQC_GEMMINI_HW_GLOBAL_AVERAGE=1 (the hardware's global average, §4.7).
 * The source is included here, so this binary's kernels (and any other
 * object's calls to them) are the switched build; libsqcrt.a's copy is not
 * linked in.  Expected values by hand in the comments.
 */
#define SQC_GEMMINI_MACRO_ROUNDING 1
#define SQC_GEMMINI_HW_GLOBAL_AVERAGE 1
#include "runtime/systolic.c"

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#define EQ8(got, ...) do { \
	static const elem_t want_[] = {__VA_ARGS__}; \
	cr_assert_arr_eq((got), want_, sizeof want_); \
} while (0)

Test(systolic_macro, quirk)
{
	/* f32(1/41) * 41 = 0.99999994f: i = 0, rem > .5, next = (long long)
	 * (0.99999994f + 1.0f) = (long long)2.0f = 2 (the float sum rounds
	 * up), so the macro gives 2 where rne gives 1 */
	cr_assert(eq(int, scale_and_sat(41, NO_ACTIVATION, 1.0f / 41, 0), 2));
	cr_assert(eq(int, scale_and_sat(-41, NO_ACTIVATION, 1.0f / 41, 0),
	    -2));
	cr_assert(eq(int, MVIN_SCALE(41, 1.0f / 41), 2));
	/* the same through a matmul: 41 * 1 summed, scale 1/41 */
	{
		static const elem_t a[] = {41}, b[] = {1};
		elem_t c[1];

		tiled_matmul_auto(1, 1, 1, a, b, NULL, c, 1, 1, 0, 1, 1, 1, 0,
		    NO_ACTIVATION, 1.0f / 41, 0, false, false, false, false,
		    false, 0, CPU);
		EQ8(c, 2);
	}
}

Test(systolic_macro, ties_and_saturation_unchanged)
{
	/* exact ties and exact products round as rne does */
	cr_assert(eq(int, scale_and_sat(5, NO_ACTIVATION, 0.5f, 0), 2));
	cr_assert(eq(int, scale_and_sat(7, NO_ACTIVATION, 0.5f, 0), 4));
	cr_assert(eq(int, scale_and_sat(-5, NO_ACTIVATION, 0.5f, 0), -2));
	cr_assert(eq(int, scale_and_sat(-7, NO_ACTIVATION, 0.5f, 0), -4));
	cr_assert(eq(int, scale_and_sat(10, NO_ACTIVATION, 0.26f, 0), 3));
	cr_assert(eq(int, scale_and_sat(255, NO_ACTIVATION, 0.5f, 0), 127));
	cr_assert(eq(int, scale_and_sat(-257, NO_ACTIVATION, 0.5f, 0), -128));
	cr_assert(eq(int, scale_and_sat(5, NO_ACTIVATION, NAN, 0), -128));
	cr_assert(eq(int, scale_and_sat(-9, RELU, 0.5f, 0), 0));
}

Test(systolic_macro, global_average_hardware)
{
	/* ch0 {3,3,2,2}: 10 * f32(1/4) = 2.5 -> 2 (CPU formula: 3);
	 * ch1 {-3,-3,-2,0}: -8 / 4 = -2 (CPU formula: -1) */
	static const elem_t in[] = {3, -3, 3, -3, 2, -2, 2, 0};
	elem_t out[2];

	tiled_global_average_auto(in, out, 1, 2, 2, CPU);
	EQ8(out, 2, -2);
}
