/*
 * test_systolic.c — runtime/systolic.c, the Gemmini kernel API's CPU
 * semantics (shared reference gemmini-kernels.md §3, §4, §7), against
 * values computed by hand in the comments.  Built with the default
 * rounding (exact round half to even); test_systolic_macro.c checks the
 * SQC_GEMMINI_MACRO_ROUNDING and SQC_GEMMINI_HW_GLOBAL_AVERAGE builds.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/systolic.h"

/* got[0 .. number of values) == the values (int8) */
#define EQ8(got, ...) do { \
	static const elem_t want_[] = {__VA_ARGS__}; \
	cr_assert_arr_eq((got), want_, sizeof want_); \
} while (0)

#define FILL(a, v) memset((a), (v), sizeof (a))

/* --- constants and the output pipeline --------------------------------- */

Test(systolic, constants)
{
	double mi = MVIN_SCALE_IDENTITY, ai = ACC_SCALE_IDENTITY;

	cr_assert(eq(int, OS, 0));
	cr_assert(eq(int, WS, 1));
	cr_assert(eq(int, CPU, 2));
	cr_assert(eq(int, NO_ACTIVATION, 0));
	cr_assert(eq(int, RELU, 1));
	cr_assert(eq(int, LAYERNORM, 2));
	cr_assert(eq(int, IGELU, 3));
	cr_assert(eq(int, SOFTMAX, 4));
	cr_assert(eq(int, DIM, 16));
	cr_assert(eq(sz, sizeof(elem_t), 1));
	cr_assert(eq(sz, sizeof(acc_t), 4));
	cr_assert(eq(int, elem_t_max, 127));
	cr_assert(eq(int, elem_t_min, -128));
	cr_assert(mi == 1.0 && ai == 1.0);
}

Test(systolic, rounding_ties_to_even)
{
	/* x * 0.5: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -3.5 -> -4, 1.5 -> 2,
	 * 0.5 -> 0, -0.5 -> 0, 4.5 -> 4 */
	cr_assert(eq(int, scale_and_sat(5, NO_ACTIVATION, 0.5f, 0), 2));
	cr_assert(eq(int, scale_and_sat(7, NO_ACTIVATION, 0.5f, 0), 4));
	cr_assert(eq(int, scale_and_sat(-5, NO_ACTIVATION, 0.5f, 0), -2));
	cr_assert(eq(int, scale_and_sat(-7, NO_ACTIVATION, 0.5f, 0), -4));
	cr_assert(eq(int, scale_and_sat(3, NO_ACTIVATION, 0.5f, 0), 2));
	cr_assert(eq(int, scale_and_sat(1, NO_ACTIVATION, 0.5f, 0), 0));
	cr_assert(eq(int, scale_and_sat(-1, NO_ACTIVATION, 0.5f, 0), 0));
	cr_assert(eq(int, scale_and_sat(9, NO_ACTIVATION, 0.5f, 0), 4));
	/* not ties: 10 * 0.26f = 2.6 -> 3, -10 * 0.24f = -2.4 -> -2 */
	cr_assert(eq(int, scale_and_sat(10, NO_ACTIVATION, 0.26f, 0), 3));
	cr_assert(eq(int, scale_and_sat(-10, NO_ACTIVATION, 0.24f, 0), -2));
	/* the macro quirk case: 41 * f32(1/41) = 0.99999994f -> 1 (rne) */
	cr_assert(eq(int, scale_and_sat(41, NO_ACTIVATION, 1.0f / 41, 0), 1));
	cr_assert(eq(int, scale_and_sat(-41, NO_ACTIVATION, 1.0f / 41, 0),
	    -1));
}

Test(systolic, saturation_and_relu)
{
	cr_assert(eq(int, scale_and_sat(1000, NO_ACTIVATION, 1.0f, 0), 127));
	cr_assert(eq(int, scale_and_sat(-1000, NO_ACTIVATION, 1.0f, 0), -128));
	/* 127.5 -> 128 (even) -> 127; -128.5 -> -128 (even) */
	cr_assert(eq(int, scale_and_sat(255, NO_ACTIVATION, 0.5f, 0), 127));
	cr_assert(eq(int, scale_and_sat(-257, NO_ACTIVATION, 0.5f, 0), -128));
	cr_assert(eq(int, scale_and_sat(INT32_MAX, NO_ACTIVATION, 1.0f, 0),
	    127));
	cr_assert(eq(int, scale_and_sat(INT32_MIN, NO_ACTIVATION, 1.0f, 0),
	    -128));
	cr_assert(eq(int, scale_and_sat(5, NO_ACTIVATION, 1e30f, 0), 127));
	cr_assert(eq(int, scale_and_sat(-5, NO_ACTIVATION, INFINITY, 0),
	    -128));
	/* a NaN product gives -128 (QuantizeLinear's convention) */
	cr_assert(eq(int, scale_and_sat(5, NO_ACTIVATION, NAN, 0), -128));
	cr_assert(eq(int, scale_and_sat(0, NO_ACTIVATION, INFINITY, 0),
	    -128));
	/* relu after saturation */
	cr_assert(eq(int, scale_and_sat(-1000, RELU, 1.0f, 0), 0));
	cr_assert(eq(int, scale_and_sat(1000, RELU, 1.0f, 0), 127));
	cr_assert(eq(int, scale_and_sat(-1, RELU, 0.5f, 0), 0));
	cr_assert(eq(int, scale_and_sat(9, RELU, 0.5f, 0), 4));
	/* LAYERNORM, IGELU, SOFTMAX and unknown values: NO_ACTIVATION */
	cr_assert(eq(int, scale_and_sat(-9, LAYERNORM, 0.5f, 0.1f), -4));
	cr_assert(eq(int, scale_and_sat(-9, IGELU, 0.5f, 0.1f), -4));
	cr_assert(eq(int, scale_and_sat(-9, SOFTMAX, 0.5f, 0.1f), -4));
	cr_assert(eq(int, scale_and_sat(-9, 77, 0.5f, 0), -4));
}

Test(systolic, scale_macros)
{
	cr_assert(eq(int, MVIN_SCALE(5, 0.5f), 2));
	cr_assert(eq(int, MVIN_SCALE(-7, 0.5f), -4));
	cr_assert(eq(int, MVIN_SCALE(100, 2.0f), 127));
	cr_assert(eq(int, MVIN_SCALE(-100, 2.0f), -128));
	cr_assert(eq(int, ACC_SCALE(300, 0.25f), 75));
	cr_assert(eq(int, ACC_SCALE(3000, 0.25f), 127));
	cr_assert(eq(int, ACC_SCALE(-3, 0.5f), -2));
}

/* --- matmul ------------------------------------------------------------ */

/* A = [[1,2],[3,4]], B = [[1,0,-1],[2,1,0]]: A·B = [[5,2,-1],[11,4,-3]] */
static const elem_t mA[] = {1, 2, 3, 4};
static const elem_t mB[] = {1, 0, -1, 2, 1, 0};

Test(systolic, matmul_plain_and_types)
{
	elem_t c[6];
	enum tiled_matmul_type_t t[] = {OS, WS, CPU};
	int i;

	for (i = 0; i < 3; i++) {
		FILL(c, 99);
		tiled_matmul_auto(2, 3, 2, mA, mB, NULL, c, 2, 3, 3, 3,
		    MVIN_SCALE_IDENTITY, MVIN_SCALE_IDENTITY, 0,
		    NO_ACTIVATION, ACC_SCALE_IDENTITY, 0, false, false, false,
		    false, false, 0, t[i]);
		EQ8(c, 5, 2, -1, 11, 4, -3);
	}
	/* explicit tiles, full_C / low_D ignored on the CPU path */
	FILL(c, 99);
	tiled_matmul(2, 3, 2, mA, mB, NULL, c, 2, 3, 3, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, 1, 1, 1, false, false, true, true, 3,
	    CPU);
	EQ8(c, 5, 2, -1, 11, 4, -3);
}

Test(systolic, matmul_bias_full_vs_repeating)
{
	/* D has stride 4; its row 1 is [40,50,60] */
	static const acc_t d[] = {10, 20, 30, 7, 40, 50, 60, 7};
	elem_t c[6];

	/* full D: [[15,22,29],[51,54,57]] */
	tiled_matmul_auto(2, 3, 2, mA, mB, d, c, 2, 3, 4, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 15, 22, 29, 51, 54, 57);
	/* repeating: row 0 for both rows: [[15,22,29],[21,24,27]] */
	tiled_matmul_auto(2, 3, 2, mA, mB, d, c, 2, 3, 4, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, true, false, false, false, false, 0, CPU);
	EQ8(c, 15, 22, 29, 21, 24, 27);
}

Test(systolic, matmul_relu_and_scale)
{
	static const acc_t d[] = {-6, 0, 0};
	elem_t c[6];

	/* [[-1,2,-1],[5,4,-3]] -> relu [[0,2,0],[5,4,0]] */
	tiled_matmul_auto(2, 3, 2, mA, mB, d, c, 2, 3, 0, 3, 1, 1, 0, RELU,
	    1, 0, true, false, false, false, false, 0, CPU);
	EQ8(c, 0, 2, 0, 5, 4, 0);
	/* scale 0.5: 2.5 -> 2, 1, -0.5 -> 0, 5.5 -> 6, 2, -1.5 -> -2 */
	tiled_matmul_auto(2, 3, 2, mA, mB, NULL, c, 2, 3, 0, 3, 1, 1, 0,
	    NO_ACTIVATION, 0.5f, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 2, 1, 0, 6, 2, -2);
}

Test(systolic, matmul_strides)
{
	/* A stride 3, B stride 4, C stride 5; padding cells hold 99 */
	static const elem_t a[] = {1, 2, 99, 3, 4, 99};
	static const elem_t b[] = {1, 0, -1, 99, 2, 1, 0, 99};
	elem_t c[10];

	FILL(c, 99);
	tiled_matmul_auto(2, 3, 2, a, b, NULL, c, 3, 4, 0, 5, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 5, 2, -1, 99, 99, 11, 4, -3, 99, 99);
}

Test(systolic, matmul_transposes)
{
	/* A stored K x I: [[1,3],[2,4]];
	 * B stored J x K: [[1,2],[0,1],[-1,0]] */
	static const elem_t at[] = {1, 3, 2, 4};
	static const elem_t bt[] = {1, 2, 0, 1, -1, 0};
	elem_t c[6];

	FILL(c, 99);
	tiled_matmul_auto(2, 3, 2, at, mB, NULL, c, 2, 3, 0, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, true, false, false, false, 0, CPU);
	EQ8(c, 5, 2, -1, 11, 4, -3);
	FILL(c, 99);
	tiled_matmul_auto(2, 3, 2, mA, bt, NULL, c, 2, 2, 0, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, false, true, false, false, 0, CPU);
	EQ8(c, 5, 2, -1, 11, 4, -3);
	FILL(c, 99);
	tiled_matmul_auto(2, 3, 2, at, bt, NULL, c, 2, 2, 0, 3, 1, 1, 0,
	    NO_ACTIVATION, 1, 0, false, true, true, false, false, 0, CPU);
	EQ8(c, 5, 2, -1, 11, 4, -3);
}

Test(systolic, matmul_input_scale_factors)
{
	static const elem_t a1[] = {100}, b1[] = {1};
	elem_t c[6];

	/* A_scale 0.5: [[1,2],[3,4]] -> [[0.5->0, 1], [1.5->2, 2]];
	 * A'·B = [[2,1,0],[6,2,-2]] */
	tiled_matmul_auto(2, 3, 2, mA, mB, NULL, c, 2, 3, 0, 3, 0.5f, 1, 0,
	    NO_ACTIVATION, 1, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 2, 1, 0, 6, 2, -2);
	/* B_scale 1.5: [[1,0,-1],[2,1,0]] -> [[1.5->2,0,-2],[3,1.5->2,0]];
	 * A·B' = [[2+6, 4, -2], [6+12, 8, -6]] */
	tiled_matmul_auto(2, 3, 2, mA, mB, NULL, c, 2, 3, 0, 3, 1, 1.5f, 0,
	    NO_ACTIVATION, 1, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 8, 4, -2, 18, 8, -6);
	/* the scaled operand saturates before the multiply: 100*2 -> 127,
	 * 127 * 1 * 0.25 = 31.75 -> 32 (not 200 * 0.25 = 50) */
	tiled_matmul_auto(1, 1, 1, a1, b1, NULL, c, 1, 1, 0, 1, 2.0f, 1, 0,
	    NO_ACTIVATION, 0.25f, 0, false, false, false, false, false, 0, CPU);
	EQ8(c, 32);
	/* with a transposed B and a B scale */
	tiled_matmul_auto(1, 1, 1, b1, a1, NULL, c, 1, 1, 0, 1, 1, 2.0f, 0,
	    NO_ACTIVATION, 0.25f, 0, false, false, true, false, false, 0, CPU);
	EQ8(c, 32);
}

Test(systolic, matmul_int32_wraparound)
{
	static const elem_t one[] = {1}, big[] = {127, 127};
	static const acc_t dmax[] = {INT32_MAX}, dmin[] = {INT32_MIN + 1};
	static const elem_t neg[] = {-128, -128};
	elem_t c[1];

	/* INT32_MAX + 1 wraps to INT32_MIN: -2^31 * 2^-24 = -128 (a
	 * saturating sum would give 2^31 * 2^-24 = 128 -> 127) */
	tiled_matmul_auto(1, 1, 1, one, one, dmax, c, 1, 1, 1, 1, 1, 1, 0,
	    NO_ACTIVATION, 1.0f / 16777216, 0, false, false, false, false,
	    false, 0, CPU);
	EQ8(c, -128);
	/* (INT32_MIN + 1) + 127*(-128) + 127*(-128) = INT32_MIN + 1 - 32512
	 * wraps to INT32_MAX - 32510 = 2147451137; * 2^-24 = 127.998 -> 127 */
	tiled_matmul_auto(1, 1, 2, big, neg, dmin, c, 2, 1, 1, 1, 1, 1, 0,
	    NO_ACTIVATION, 1.0f / 16777216, 0, false, false, false, false,
	    false, 0, CPU);
	EQ8(c, 127);
}

Test(systolic, matmul_unimplemented_acts_are_plain)
{
	elem_t c[6];
	int acts[] = {LAYERNORM, IGELU, SOFTMAX};
	int i;

	for (i = 0; i < 3; i++) {
		tiled_matmul_auto(2, 3, 2, mA, mB, NULL, c, 2, 3, 0, 3, 1, 1, 0,
		    acts[i], 0.5f, 0.05f, false, false, false, false, false, 0,
		    CPU);
		EQ8(c, 2, 1, 0, 6, 2, -2);
	}
}

/* --- conv -------------------------------------------------------------- */

/* 1 batch, 1 channel, square kernel; no pool unless given */
static void
conv1(int ih, int iw, int oh, int ow, int stride, int idil, int kdil,
    int pad, int k, bool rot, const elem_t *in, const elem_t *w,
    const acc_t *bias, elem_t *out, int act, float scale)
{
	tiled_conv_auto(1, ih, iw, 1, 1, oh, ow, stride, idil, kdil, pad, k,
	    rot, false, false, false, false, in, w, bias, out, act, scale,
	    3, 0, 1, CPU);
}

/* 3x3 [[1,2,3],[4,5,6],[7,8,9]] */
static const elem_t in33[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const elem_t w22[] = {1, 2, 3, 4};

Test(systolic, conv_basic_bias_null_bias)
{
	static const acc_t bias[] = {3};
	elem_t out[4];

	/* out(r,c) = v(r,c) + 2 v(r,c+1) + 3 v(r+1,c) + 4 v(r+1,c+1):
	 * 1+4+12+20 = 37, 2+6+15+24 = 47, 4+10+21+32 = 67, 5+12+24+36 = 77 */
	conv1(3, 3, 2, 2, 1, 1, 1, 0, 2, false, in33, w22, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 37, 47, 67, 77);
	conv1(3, 3, 2, 2, 1, 1, 1, 0, 2, false, in33, w22, bias, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 40, 50, 70, 80);
	/* the types give the same result */
	tiled_conv_auto(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 0, 2, false, false,
	    false, false, false, in33, w22, bias, out, NO_ACTIVATION, 1, 0, 0,
	    0, OS);
	EQ8(out, 40, 50, 70, 80);
	tiled_conv_auto(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 0, 2, false, false,
	    false, false, false, in33, w22, bias, out, NO_ACTIVATION, 1, 0, 0,
	    0, WS);
	EQ8(out, 40, 50, 70, 80);
}

Test(systolic, conv_rot180)
{
	elem_t out[4];

	/* kernel read as [[4,3],[2,1]]: 4+6+8+5 = 23, 8+9+10+6 = 33,
	 * 16+15+14+8 = 53, 20+18+16+9 = 63 */
	conv1(3, 3, 2, 2, 1, 1, 1, 0, 2, true, in33, w22, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 23, 33, 53, 63);
}

Test(systolic, conv_stride_padding)
{
	elem_t in[16], w[9], out[4];
	int i;

	/* 4x4 v = 1..16, 3x3 ones, stride 2, pad 1 -> 2x2 window sums:
	 * (0,0): 1+2+5+6 = 14; (0,1): 2+3+4+6+7+8 = 30;
	 * (1,0): 5+6+9+10+13+14 = 57; (1,1): 6+7+8+10+11+12+14+15+16 = 99 */
	for (i = 0; i < 16; i++)
		in[i] = (elem_t)(i + 1);
	FILL(w, 1);
	conv1(4, 4, 2, 2, 2, 1, 1, 1, 3, false, in, w, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 14, 30, 57, 99);
}

Test(systolic, conv_kernel_dilation)
{
	elem_t in[25], out[9];
	int i;

	/* 5x5 v(r,c) = 5r+c+1, kernel [[1,2],[3,4]] dilated by 2 (3x3 span):
	 * v(r,c) + 2 v(r,c+2) + 3 v(r+2,c) + 4 v(r+2,c+2)
	 * = 10 v(r,c) + 4 + 30 + 48 = 10(5r+c+1) + 82; scale 0.5 */
	for (i = 0; i < 25; i++)
		in[i] = (elem_t)(i + 1);
	conv1(5, 5, 3, 3, 1, 1, 2, 0, 2, false, in, w22, NULL, out,
	    NO_ACTIVATION, 0.5f);
	EQ8(out, 46, 51, 56, 71, 76, 81, 96, 101, 106);
}

Test(systolic, conv_input_dilation)
{
	static const elem_t in[] = {1, 2, 3, 4};
	elem_t out[16];

	/* [[1,2],[3,4]] dilated by 2 is D = [[1,0,2],[0,0,0],[3,0,4]];
	 * kernel [[1,2],[3,4]], pad 1 -> 4x4,
	 * out(r,c) = Σ w[kr][kc] D[r+kr-1][c+kc-1] */
	conv1(2, 2, 4, 4, 1, 2, 1, 1, 2, false, in, w22, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 4, 3, 8, 6, 2, 1, 4, 2, 12, 9, 16, 12, 6, 3, 8, 4);
}

Test(systolic, conv_relu_scale_rounding)
{
	static const elem_t in[] = {1, -2, 3, -4, 5, -7};
	static const elem_t w[] = {1};
	elem_t out[6];

	/* 1x1, scale 0.5: 0.5 -> 0, -1, 1.5 -> 2, -2, 2.5 -> 2, -3.5 -> -4 */
	conv1(2, 3, 2, 3, 1, 1, 1, 0, 1, false, in, w, NULL, out,
	    NO_ACTIVATION, 0.5f);
	EQ8(out, 0, -1, 2, -2, 2, -4);
	conv1(2, 3, 2, 3, 1, 1, 1, 0, 1, false, in, w, NULL, out, RELU, 0.5f);
	EQ8(out, 0, 0, 2, 0, 2, 0);
}

Test(systolic, conv_int32_wraparound)
{
	static const elem_t one[] = {1};
	static const acc_t bias[] = {INT32_MAX};
	elem_t out[1];

	conv1(1, 1, 1, 1, 1, 1, 1, 0, 1, false, one, one, bias, out,
	    NO_ACTIVATION, 1);
	EQ8(out, -128);
}

/*
 * Weight and input layouts: input 2x2, 2 in channels, values
 * in(r,c,ci) = ((r*2+c)*2+ci)+1 = p+1 (p = the HWIO row index for a 2x2
 * kernel), batch 1 = batch 0 negated; 2 out channels, logical weights
 * W(p,0) = p%3 - 1 = [-1,0,1,-1,0,1,-1,0], W(p,1) = [1,1,1,1,-1,-1,-1,-1].
 * out0 = -1+3-4+6-7 = -3, out1 = (1+2+3+4) - (5+6+7+8) = -16.
 */
static const elem_t lw0[] = {-1, 0, 1, -1, 0, 1, -1, 0};
static const elem_t lw1[] = {1, 1, 1, 1, -1, -1, -1, -1};

static elem_t
lw(int kr, int kc, int ci, int o)
{
	int p = (kr * 2 + kc) * 2 + ci;

	return o == 0 ? lw0[p] : lw1[p];
}

static void
layout_conv(bool tin, bool tw1203, bool tw0132, const elem_t *in,
    const elem_t *w, elem_t *out)
{
	tiled_conv_auto(2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 2, false, false, tin,
	    tw1203, tw0132, in, w, NULL, out, NO_ACTIVATION, 1, 0, 0, 0, CPU);
}

Test(systolic, conv_weight_and_input_layouts)
{
	elem_t nhwc[16], chwn[16], hwio[16], ihwo[16], hwoi[16], junk[16];
	elem_t out[4];
	int b, r, c, ci, o;

	for (b = 0; b < 2; b++)
	for (r = 0; r < 2; r++)
	for (c = 0; c < 2; c++)
	for (ci = 0; ci < 2; ci++) {
		int p = (r * 2 + c) * 2 + ci;
		elem_t v = (elem_t)((b ? -1 : 1) * (p + 1));

		nhwc[((b * 2 + r) * 2 + c) * 2 + ci] = v;	/* NHWC */
		chwn[((ci * 2 + r) * 2 + c) * 2 + b] = v;	/* CHWN */
	}
	for (r = 0; r < 2; r++)
	for (c = 0; c < 2; c++)
	for (ci = 0; ci < 2; ci++)
	for (o = 0; o < 2; o++) {
		hwio[((r * 2 + c) * 2 + ci) * 2 + o] = lw(r, c, ci, o);
		ihwo[((ci * 2 + r) * 2 + c) * 2 + o] = lw(r, c, ci, o);
		hwoi[((r * 2 + c) * 2 + o) * 2 + ci] = lw(r, c, ci, o);
	}
	FILL(junk, 55);
	layout_conv(false, false, false, nhwc, hwio, out);
	EQ8(out, -3, -16, 3, 16);
	layout_conv(true, false, false, chwn, hwio, out);
	EQ8(out, -3, -16, 3, 16);
	layout_conv(false, true, false, nhwc, ihwo, out);
	EQ8(out, -3, -16, 3, 16);
	layout_conv(false, false, true, nhwc, hwoi, out);
	EQ8(out, -3, -16, 3, 16);
	layout_conv(true, false, true, chwn, hwoi, out);
	EQ8(out, -3, -16, 3, 16);
	/* both weight flags: trans_weight_1203 wins (upstream conv_cpu) */
	layout_conv(false, true, true, nhwc, ihwo, out);
	EQ8(out, -3, -16, 3, 16);
	/* the layouts really differ: HWIO read as HWOI gives other values */
	layout_conv(false, false, true, nhwc, hwio, out);
	cr_assert(out[0] != -3 || out[1] != -16);
	(void)junk;
}

Test(systolic, conv_trans_output_1203)
{
	/* 1x1, N=2, 1x2 image, 1 in channel, w = [1, 2] (2 out channels):
	 * out(b,c,o) = in(b,c) * w[o]; b0 = [1,2], b1 = [3,4] */
	static const elem_t in[] = {1, 2, 3, 4};
	static const elem_t w[] = {1, 2};
	elem_t out[8];

	tiled_conv_auto(2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 0, 0, 0,
	    CPU);
	EQ8(out, 1, 2, 2, 4, 3, 6, 4, 8);	/* NHWC */
	tiled_conv_auto(2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 0, 1, false, true,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 0, 0, 0,
	    CPU);
	EQ8(out, 1, 2, 3, 6, 2, 4, 4, 8);	/* HWNC */
}

Test(systolic, conv_in_weight_out_strides)
{
	/* the 1x1 case above with in_stride 2 (junk channel 9), weight
	 * stride 3 (junk column 9), out_stride 3 (cell 2 untouched) */
	static const elem_t in[] = {1, 9, 2, 9, 3, 9, 4, 9};
	static const elem_t w[] = {1, 2, 9};
	elem_t out[12];

	FILL(out, 77);
	tiled_conv_stride_auto(2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 0, 1, 2, 3, 3,
	    false, false, false, false, false, in, w, NULL, out,
	    NO_ACTIVATION, 1, 0, 0, 0, CPU);
	EQ8(out, 1, 2, 77, 2, 4, 77, 3, 6, 77, 4, 8, 77);
	/* tiled_conv: the same, tile sizes ignored */
	FILL(out, 77);
	tiled_conv(2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 0, 1, 2, 3, 3, false, false,
	    false, false, false, 1, 1, 1, 1, 1, 1, 1, in, w, NULL, out,
	    NO_ACTIVATION, 1, 0, 0, 0, WS);
	EQ8(out, 1, 2, 77, 2, 4, 77, 3, 6, 77, 4, 8, 77);
}

Test(systolic, conv_pool_padding_counts_as_zero)
{
	/* 1x1 identity conv, then max-pool 3x3 stride 1 pad 1 on negative
	 * values: every window but the centre touches the padding, so its
	 * max is 0; the centre window is the whole image, max -1.  (ONNX
	 * MaxPool would give -2 at (0,0).) */
	static const elem_t in[] = {-5, -3, -7, -2, -9, -4, -8, -6, -1};
	static const elem_t w[] = {1};
	elem_t out[9];

	tiled_conv_auto(1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 3, 1, 1,
	    CPU);
	EQ8(out, 0, 0, 0, 0, -1, 0, 0, 0, 0);
	/* no padding: a 2x2 pool, stride 1 -> 2x2, plain max of negatives */
	tiled_conv_auto(1, 3, 3, 1, 1, 3, 3, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 2, 1, 0,
	    CPU);
	EQ8(out, -2, -3, -2, -1);
}

Test(systolic, conv_pool_resnet_like)
{
	elem_t in[16], out[4];
	static const elem_t w[] = {1};
	int i;

	/* 4x4 v = 1..16, pool 3 stride 2 pad 1 -> 2x2:
	 * (0,0) rows/cols -1..1 -> v(1,1) = 6; (0,1) -> v(1,3) = 8;
	 * (1,0) -> v(3,1) = 14; (1,1) -> v(3,3) = 16 */
	for (i = 0; i < 16; i++)
		in[i] = (elem_t)(i + 1);
	tiled_conv_auto(1, 4, 4, 1, 1, 4, 4, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, RELU, 1, 3, 2, 1, CPU);
	EQ8(out, 6, 8, 14, 16);
	/* pool_stride 0 disables pooling even with pool_size 3 */
	{
		elem_t full[16];

		tiled_conv_auto(1, 4, 4, 1, 1, 4, 4, 1, 1, 1, 0, 1, false,
		    false, false, false, false, in, w, NULL, full, RELU, 1, 3,
		    0, 1, CPU);
		EQ8(full, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
		    16);
	}
}

Test(systolic, conv_pool_after_relu_and_trans_output)
{
	/* conv 1x1 weight -1 over [[1,-2],[3,-4]] = [-1,2,-3,4], relu ->
	 * [0,2,0,4]; 2 channels (weights -1 and 1: [1,-2,3,-4] relu ->
	 * [1,0,3,0]); pool 2x2 stride 2 -> ch0 4, ch1 3 */
	static const elem_t in[] = {1, -2, 3, -4};
	static const elem_t w[] = {-1, 1};
	elem_t out[2];

	tiled_conv_auto(1, 2, 2, 1, 2, 2, 2, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, RELU, 1, 2, 2, 0, CPU);
	EQ8(out, 4, 3);
	/* without relu the pool sees [-1,2,-3,4] and [1,-2,3,-4] */
	tiled_conv_auto(1, 2, 2, 1, 2, 2, 2, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 2, 2, 0,
	    CPU);
	EQ8(out, 4, 3);
	/* the padded 3x3/1/1 pool over a 2x2 image: every window touches the
	 * padding, ch1 [1,-2,3,-4] -> max(0, ...) */
	{
		elem_t o4[8];

		tiled_conv_auto(1, 2, 2, 1, 2, 2, 2, 1, 1, 1, 0, 1, false,
		    false, false, false, false, in, w, NULL, o4,
		    NO_ACTIVATION, 1, 3, 1, 1, CPU);
		EQ8(o4, 4, 3, 4, 3, 4, 3, 4, 3);
	}
}

Test(systolic, conv_many_channels_chunks)
{
	/* 1x1 conv, 1 pixel, 70 in channels of 1, 130 out channels: weight
	 * (ci, o) = 1 if ci <= o % 70 else 0 -> out o = o % 70 + 1, scale
	 * 1; crosses the 64-channel chunks */
	elem_t in[70], w[70 * 130], out[130];
	int ci, o;

	for (ci = 0; ci < 70; ci++) {
		in[ci] = 1;
		for (o = 0; o < 130; o++)
			w[ci * 130 + o] = ci <= o % 70;
	}
	tiled_conv_auto(1, 1, 1, 70, 130, 1, 1, 1, 1, 1, 0, 1, false, false,
	    false, false, false, in, w, NULL, out, NO_ACTIVATION, 1, 0, 0, 0,
	    CPU);
	for (o = 0; o < 130; o++)
		cr_assert(eq(int, out[o], o % 70 + 1));
}

Test(systolic, conv_downsample)
{
	/* 1x1 stride 2 on a 4x4 image v = 1..16, weight 2, bias 1:
	 * pixels (0,0),(0,2),(2,0),(2,2) = 1,3,9,11 -> 3,7,19,23 */
	elem_t in[16], out[4];
	static const elem_t w[] = {2};
	static const acc_t bias[] = {1};
	int i;

	for (i = 0; i < 16; i++)
		in[i] = (elem_t)(i + 1);
	tiled_conv_downsample(1, 4, 4, 1, 1, 2, 2, 1, 1, 1, in, w, bias, out,
	    NO_ACTIVATION, 1, WS);
	EQ8(out, 3, 7, 19, 23);
}

Test(systolic, conv_invalid_writes_nothing)
{
	elem_t out[4];

	FILL(out, 42);
	/* stride 0 */
	conv1(3, 3, 2, 2, 0, 1, 1, 0, 2, false, in33, w22, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 42, 42, 42, 42);
	/* input_dilation 0 */
	conv1(3, 3, 2, 2, 1, 0, 1, 0, 2, false, in33, w22, NULL, out,
	    NO_ACTIVATION, 1);
	EQ8(out, 42, 42, 42, 42);
	/* pooling with a window larger than the padded output */
	tiled_conv_auto(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 0, 2, false, false,
	    false, false, false, in33, w22, NULL, out, NO_ACTIVATION, 1, 5, 1,
	    0, CPU);
	EQ8(out, 42, 42, 42, 42);
}

/* --- depthwise --------------------------------------------------------- */

Test(systolic, conv_dw_basic)
{
	/* 3x3, 2 channels: ch0 = 1..9, ch1 = -(1..9); weights [C][2][2]:
	 * ch0 [[1,2],[3,4]] -> 37,47,67,77 (as conv_basic); ch1 [[1,0],[0,1]]
	 * -> -(1+5), -(2+6), -(4+8), -(5+9); bias [0, 100] */
	elem_t in[18], out[8];
	elem_t w[] = {1, 2, 3, 4, 1, 0, 0, 1};
	acc_t bias[] = {0, 100};
	int i;

	for (i = 0; i < 9; i++) {
		in[2 * i] = (elem_t)(i + 1);
		in[2 * i + 1] = (elem_t)-(i + 1);
	}
	tiled_conv_dw_auto(1, 3, 3, 2, 2, 2, 1, 0, 2, in, w, bias, out,
	    NO_ACTIVATION, 1, 0, 0, 0, CPU);
	EQ8(out, 37, 94, 47, 92, 67, 88, 77, 86);
	/* NULL bias, relu: ch1 all negative -> 0 */
	tiled_conv_dw_auto(1, 3, 3, 2, 2, 2, 1, 0, 2, in, w, NULL, out, RELU,
	    1, 0, 0, 0, OS);
	EQ8(out, 37, 0, 47, 0, 67, 0, 77, 0);
	/* tiled_conv_dw: tiles ignored; scale 0.5 on ch0: 18.5 -> 18,
	 * 23.5 -> 24, 33.5 -> 34, 38.5 -> 38 */
	tiled_conv_dw(1, 3, 3, 2, 2, 2, 1, 0, 2, 1, 1, 1, 1, 1, in, w, NULL,
	    out, NO_ACTIVATION, 0.5f, 0, 0, 0, CPU);
	EQ8(out, 18, -3, 24, -4, 34, -6, 38, -7);
}

Test(systolic, conv_dw_stride_padding_pool)
{
	elem_t in[16], w[9], out[4], one[1] = {1};
	elem_t neg[] = {-5, -3, -7, -2, -9, -4, -8, -6, -1};
	elem_t p[9];
	int i;

	/* as conv_stride_padding, depthwise with 1 channel */
	for (i = 0; i < 16; i++)
		in[i] = (elem_t)(i + 1);
	FILL(w, 1);
	tiled_conv_dw_auto(1, 4, 4, 1, 2, 2, 2, 1, 3, in, w, NULL, out,
	    NO_ACTIVATION, 1, 0, 0, 0, CPU);
	EQ8(out, 14, 30, 57, 99);
	/* pool 3/1/1 padding counts as 0 */
	tiled_conv_dw_auto(1, 3, 3, 1, 3, 3, 1, 0, 1, neg, one, NULL, p,
	    NO_ACTIVATION, 1, 3, 1, 1, CPU);
	EQ8(p, 0, 0, 0, 0, -1, 0, 0, 0, 0);
}

/* --- resadd ------------------------------------------------------------ */

Test(systolic, resadd)
{
	static const elem_t a[] = {10, -10, 100, -100};
	static const elem_t b[] = {5, 5, 100, -100};
	elem_t c[4];

	tiled_resadd_auto(2, 2, 1, 1, 1, a, b, c, false, CPU);
	EQ8(c, 15, -5, 127, -128);
	tiled_resadd_auto(2, 2, 1, 1, 1, a, b, c, true, WS);
	EQ8(c, 15, 0, 127, 0);
	/* A_scale 0.5: A' = [5, -5, 50, -50] */
	tiled_resadd_auto(2, 2, 0.5f, 1, 1, a, b, c, false, OS);
	EQ8(c, 10, 0, 127, -128);
	/* C_scale 0.5: 15 -> 7.5 -> 8, -5 -> -2.5 -> -2, 200 -> 100,
	 * -200 -> -100 */
	tiled_resadd_auto(2, 2, 1, 1, 0.5f, a, b, c, false, CPU);
	EQ8(c, 8, -2, 100, -100);
}

Test(systolic, resadd_operands_saturate_first)
{
	/* 100 * 2 -> 127 before the add: 127 - 100 = 27 (not 100) */
	static const elem_t a[] = {100}, b[] = {-100};
	elem_t c[1];

	tiled_resadd_auto(1, 1, 2.0f, 1, 1, a, b, c, false, CPU);
	EQ8(c, 27);
	tiled_resadd_auto(1, 1, 1, 2.0f, 1, b, a, c, false, CPU);
	EQ8(c, 27);
}

Test(systolic, resadd_stride_in_place)
{
	/* I=2, J=2, stride 3; C is A; the junk column stays */
	elem_t a[] = {1, 2, 99, 3, 4, 99};
	static const elem_t b[] = {10, 20, 0, 30, 40, 0};

	tiled_resadd_stride_auto(2, 2, 1, 1, 1, 3, a, b, a, false, CPU);
	EQ8(a, 11, 22, 99, 33, 44, 99);
}

/* --- global average, pool ---------------------------------------------- */

Test(systolic, global_average_cpu_formula)
{
	/* dim 2, 2 channels, NHWC: ch0 {3,3,2,2} sum 10: (10+2)/4 = 3 (the
	 * hardware would give 2.5 -> 2); ch1 {-3,-3,-2,0} sum -8:
	 * (-8+2)/4 = -1.5 -> -1 (truncation; hardware -2) */
	static const elem_t in[] = {3, -3, 3, -3, 2, -2, 2, 0};
	/* batch 2, dim 3, 1 channel: {1..9} sum 45 (45+4)/9 = 5;
	 * {-1 x 9} = -9: (-9+4)/9 = 0 */
	static const elem_t in2[] = {1, 2, 3, 4, 5, 6, 7, 8, 9,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1};
	elem_t out[2];

	tiled_global_average_auto(in, out, 1, 2, 2, CPU);
	EQ8(out, 3, -1);
	tiled_global_average_auto(in2, out, 2, 1, 3, WS);
	EQ8(out, 5, 0);
}

Test(systolic, pool_standalone)
{
	static const elem_t neg[] = {-5, -3, -7, -2, -9, -4, -8, -6, -1};
	elem_t in[32], out[9];
	int i;

	FILL(out, 42);
	tiled_pool_auto(1, 3, 3, 1, 1, 1, 3, 1, 1, neg, out, CPU);
	EQ8(out, 0, 0, 0, 0, -1, 0, 0, 0, 0);
	/* 4x4, 2 channels (ch1 = -ch0), pool 2/2/0, in_stride 2, out_stride
	 * 2: ch0 maxima v(1,1)=6, 8, 14, 16; ch1 maxima -1, -3, -9, -11 */
	for (i = 0; i < 16; i++) {
		in[2 * i] = (elem_t)(i + 1);
		in[2 * i + 1] = (elem_t)-(i + 1);
	}
	tiled_pool_auto(1, 4, 4, 2, 2, 2, 2, 2, 0, in, out, CPU);
	EQ8(out, 6, -1, 8, -3, 14, -9, 16, -11);
	/* in_stride 2, out_stride 1, one channel: only ch0 */
	tiled_pool_auto(1, 4, 4, 1, 2, 1, 2, 2, 0, in, out, CPU);
	EQ8(out, 6, 8, 14, 16);
	/* pool_stride 0 copies */
	tiled_pool_auto(1, 2, 2, 1, 2, 1, 3, 0, 1, in, out, CPU);
	EQ8(out, 1, 2, 3, 4);
}

/* --- random shapes against reference loops ----------------------------- */

/*
 * The kernels (whichever fast path this CPU runs, and the plain loops with
 * SQC_ISA=base) against loops written here from the spec (shared reference
 * gemmini-kernels.md §3, §4.3, §4.5, §4.6): sums modulo 2^32, then
 * round(x * scale) half to even (rintf in the default rounding mode),
 * saturation to int8, relu; the pool's padding cells count as 0.  Shapes
 * are drawn from a fixed-seed generator: odd channel counts, 1x1 to 7x7
 * kernels, strides 1-2, padding, dilation, pools, batch > 1, strided rows.
 */

static uint32_t rng_state;

static uint32_t
rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

/* uniform in [lo, hi] */
static int
rndi(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static elem_t *
rnd8(long n)
{
	elem_t *p = malloc((size_t)(n > 0 ? n : 1));
	long i;

	cr_assert(p != NULL);
	for (i = 0; i < n; i++)
		p[i] = (elem_t)rndi(-128, 127);
	return p;
}

/* a bias: mostly small, sometimes near the int32 limits (wraparound) */
static acc_t *
rnd_bias(long n)
{
	acc_t *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
	long i;
	int big = rndi(0, 3) == 0;

	cr_assert(p != NULL);
	for (i = 0; i < n; i++)
		p[i] = big ? (acc_t)(rndi(0, 1) ? INT32_MAX - rndi(0, 40000) :
		    INT32_MIN + rndi(0, 40000)) : rndi(-30000, 30000);
	return p;
}

/* scales: round numbers (many ties), random ones, and the odd NaN */
static float
rnd_scale(void)
{
	static const float fixed[] = {0.5f, 0.25f, 1.0f / 64, 1.0f / 512,
	    1.0f / 4096, 0.0f, 3.0f};

	switch (rndi(0, 9)) {
	case 0:
		return NAN;
	case 1: case 2: case 3:
		return fixed[rndi(0, 6)];
	default:
		return (float)rndi(1, 100000) / (float)(1 << rndi(12, 22));
	}
}

static int
ref_sat(uint32_t sum, float scale, int act)
{
	/* the sum read as int32 (two's complement) */
	int32_t x = sum <= INT32_MAX ? (int32_t)sum :
	    (int32_t)(sum - 0x80000000u) + INT32_MIN;
	float p = (float)x * scale;
	int y;

	if (isnan(p))
		y = -128;
	else if (p >= 128.0f)
		y = 127;
	else if (p <= -129.0f)
		y = -128;
	else
		y = (int)rintf(p);
	y = y > 127 ? 127 : y < -128 ? -128 : y;
	if (act == RELU && y < 0)
		y = 0;
	return y;
}

typedef struct RConv {
	int n, ih, iw, ci, co, oh, ow, stride, idil, kdil, pad, k;
	int ins, ws, outs, act, psize, pstride, ppad, poh, pow;
	bool tout, dw;
	float scale;
	elem_t *in, *w;
	acc_t *bias;
} RConv;

/* conv output (b, r, c, o) per §4.3 / §4.5, before the pool */
static int
ref_conv_at(const RConv *c, int b, int r, int col, int o)
{
	uint32_t s = c->bias ? (uint32_t)c->bias[o] : 0;
	int kr, kc, ich, y, x;

	for (kr = 0; kr < c->k; kr++)
		for (kc = 0; kc < c->k; kc++) {
			y = r * c->stride + kr * c->kdil - c->pad;
			x = col * c->stride + kc * c->kdil - c->pad;
			if (y < 0 || x < 0 || y % c->idil || x % c->idil)
				continue;
			y /= c->idil, x /= c->idil;
			if (y >= c->ih || x >= c->iw)
				continue;
			if (c->dw) {
				s += (uint32_t)(c->in[((b * c->ih + y) * c->iw
				    + x) * c->ci + o] * c->w[(o * c->k + kr) *
				    c->k + kc]);
				continue;
			}
			for (ich = 0; ich < c->ci; ich++)
				s += (uint32_t)(c->in[((b * c->ih + y) * c->iw
				    + x) * c->ins + ich] * c->w[((kr * c->k +
				    kc) * c->ci + ich) * c->ws + o]);
		}
	return ref_sat(s, c->scale, c->act);
}

static long
ref_out_index(const RConv *c, int b, int r, int col, int o)
{
	if (c->tout)
		return (((long)r * c->pow + col) * c->n + b) * c->co + o;
	return (((long)b * c->poh + r) * c->pow + col) * c->outs + o;
}

/* run the kernel on c and compare every output cell; the cells between
 * rows (out_stride > co) must keep their canary */
static void
check_conv(RConv *c, const char *what)
{
	long size, i, bad = 0;
	elem_t *got, *want;
	int b, r, col, o, wr, wc, m, v, orow, ocol;

	c->poh = c->oh, c->pow = c->ow;
	if (c->pstride) {
		c->poh = (c->oh + 2 * c->ppad - c->psize) / c->pstride + 1;
		c->pow = (c->ow + 2 * c->ppad - c->psize) / c->pstride + 1;
	}
	size = (long)c->n * c->poh * c->pow * (c->tout ? c->co : c->outs);
	got = malloc((size_t)size + 1);
	want = malloc((size_t)size + 1);
	cr_assert(got && want);
	memset(got, 0x5a, (size_t)size + 1);
	memset(want, 0x5a, (size_t)size + 1);
	for (b = 0; b < c->n; b++)
	for (r = 0; r < c->poh; r++)
	for (col = 0; col < c->pow; col++)
	for (o = 0; o < c->co; o++) {
		if (!c->pstride) {
			want[ref_out_index(c, b, r, col, o)] =
			    (elem_t)ref_conv_at(c, b, r, col, o);
			continue;
		}
		m = -1000;
		for (wr = 0; wr < c->psize; wr++)
		for (wc = 0; wc < c->psize; wc++) {
			orow = r * c->pstride + wr - c->ppad;
			ocol = col * c->pstride + wc - c->ppad;
			v = orow < 0 || orow >= c->oh || ocol < 0 ||
			    ocol >= c->ow ? 0 :
			    ref_conv_at(c, b, orow, ocol, o);
			m = v > m ? v : m;
		}
		want[ref_out_index(c, b, r, col, o)] = (elem_t)m;
	}
	if (c->dw)
		tiled_conv_dw_auto(c->n, c->ih, c->iw, c->ci, c->oh, c->ow,
		    c->stride, c->pad, c->k, c->in, c->w, c->bias, got, c->act,
		    c->scale, c->psize, c->pstride, c->ppad, CPU);
	else
		tiled_conv_stride_auto(c->n, c->ih, c->iw, c->ci, c->co, c->oh,
		    c->ow, c->stride, c->idil, c->kdil, c->pad, c->k, c->ins,
		    c->ws, c->outs, false, c->tout, false, false, false, c->in,
		    c->w, c->bias, got, c->act, c->scale, c->psize,
		    c->pstride, c->ppad, WS);
	for (i = 0; i <= size; i++)
		if (got[i] != want[i] && bad++ < 5)
			cr_log_error("%s: n%d %dx%dx%d -> %dx%dx%d k%d s%d "
			    "p%d kd%d id%d pool %d/%d/%d tout%d: [%ld] %d, "
			    "want %d", what, c->n, c->ih, c->iw, c->ci, c->oh,
			    c->ow, c->co, c->k, c->stride, c->pad, c->kdil,
			    c->idil, c->psize, c->pstride, c->ppad, c->tout, i,
			    got[i], want[i]);
	cr_assert(eq(long, bad, 0), "%s: %ld cells differ", what, bad);
	free(got);
	free(want);
}

/* a random conv (dw: depthwise); big: wide enough for several K slices
 * and output-channel chunks */
static void
rnd_conv(RConv *c, bool dw, bool big)
{
	static const int ks[] = {1, 1, 2, 3, 3, 5, 7};

	memset(c, 0, sizeof *c);
	c->dw = dw;
	c->n = rndi(1, 3);
	c->k = ks[rndi(0, 6)];
	c->stride = rndi(1, 2);
	c->idil = dw || rndi(0, 5) ? 1 : 2;
	c->kdil = dw || rndi(0, 4) ? 1 : 2;
	c->pad = rndi(0, c->k);
	c->ih = rndi(1, 12);
	c->iw = rndi(1, 12);
	c->ci = big ? rndi(60, 300) : rndi(1, 40);
	c->co = dw ? c->ci : big ? rndi(200, 600) : rndi(1, 70);
	{
		int dih = c->ih + (c->ih - 1) * (c->idil - 1);
		int diw = c->iw + (c->iw - 1) * (c->idil - 1);
		int dk = c->k + (c->k - 1) * (c->kdil - 1);

		c->oh = (dih + 2 * c->pad - dk) / c->stride + 1;
		c->ow = (diw + 2 * c->pad - dk) / c->stride + 1;
		if (dih + 2 * c->pad < dk || diw + 2 * c->pad < dk)
			c->oh = c->ow = rndi(1, 3);	/* all padding */
	}
	c->ins = dw ? c->ci : c->ci + rndi(0, 1) * rndi(1, 5);
	c->ws = dw ? 0 : c->co + rndi(0, 1) * rndi(1, 5);
	c->outs = dw ? c->co : c->co + rndi(0, 1) * rndi(1, 5);
	c->tout = !dw && rndi(0, 5) == 0;
	if (c->tout)
		c->outs = c->co;
	c->act = rndi(0, 1) ? RELU : NO_ACTIVATION;
	c->scale = rnd_scale();
	if (rndi(0, 2) == 0 && c->oh >= 1 && c->ow >= 1) {
		c->psize = rndi(1, 3);
		c->pstride = rndi(1, 2);
		c->ppad = rndi(0, c->psize - 1);
		if (c->oh + 2 * c->ppad < c->psize ||
		    c->ow + 2 * c->ppad < c->psize)
			c->pstride = 0;
	}
	c->in = rnd8((long)c->n * c->ih * c->iw * c->ins);
	c->w = dw ? rnd8((long)c->ci * c->k * c->k) :
	    rnd8((long)c->k * c->k * c->ci * c->ws);
	c->bias = rndi(0, 5) == 0 ? NULL : rnd_bias(c->co);
}

static void
free_conv(RConv *c)
{
	free(c->in);
	free(c->w);
	free(c->bias);
}

static void
conv_random(bool dw, bool big, int count, uint32_t seed)
{
	static const char *isa[] = {"base", "avx2", "avx512"};
	RConv c;
	int t, i;

	for (i = 0; i < 3; i++) {
		setenv("SQC_ISA", isa[i], 1);
		rng_state = seed;
		for (t = 0; t < count; t++) {
			rnd_conv(&c, dw, big);
			check_conv(&c, isa[i]);
			free_conv(&c);
		}
	}
	unsetenv("SQC_ISA");
}

Test(systolic, random_conv)
{
	conv_random(false, false, 300, 1);
}

Test(systolic, random_conv_wide)
{
	conv_random(false, true, 12, 2);
}

Test(systolic, random_conv_dw)
{
	conv_random(true, false, 300, 3);
	conv_random(true, true, 10, 4);
}

/* rows wider than the fast path's pool buffer (8192 cells: 300 x 40
 * needs several channel chunks, 9000 columns the plain loops) */
Test(systolic, random_conv_pool_wide_rows)
{
	static const int iw[] = {300, 40, 40, 9000}, ci[] = {3, 5, 7, 2};
	static const int co[] = {40, 33, 7, 3};
	RConv c;
	int i;

	rng_state = 5;
	for (i = 0; i < 4; i++) {
		memset(&c, 0, sizeof c);
		c.dw = i == 2;
		c.n = 1, c.k = 3, c.stride = 1, c.pad = 1, c.idil = c.kdil = 1;
		c.ih = 3, c.iw = iw[i], c.ci = ci[i], c.co = co[i];
		c.oh = c.ih, c.ow = c.iw;
		c.ins = c.ci, c.ws = c.dw ? 0 : c.co, c.outs = c.co;
		c.psize = 3, c.pstride = 2, c.ppad = 1;
		c.act = i == 1 ? RELU : NO_ACTIVATION;
		c.scale = 1.0f / 256;
		c.in = rnd8((long)c.ih * c.iw * c.ci);
		c.w = rnd8((long)c.k * c.k * c.ci * (c.dw ? 1 : c.co));
		c.bias = rnd_bias(c.co);
		check_conv(&c, "wide");
		free_conv(&c);
	}
}

Test(systolic, random_resadd)
{
	static const char *isa[] = {"base", "avx2", "avx512"};
	int t, i, relu;
	size_t r, j, dim_I, dim_J, stride, e;
	float as, bs, cs;
	elem_t *a, *b, *got, *want;

	for (i = 0; i < 3; i++) {
		setenv("SQC_ISA", isa[i], 1);
		rng_state = 6;
		for (t = 0; t < 200; t++) {
			dim_I = (size_t)rndi(1, 9);
			dim_J = (size_t)rndi(1, 70);
			stride = dim_J + (size_t)rndi(0, 3);
			as = rndi(0, 2) ? 1.0f : rnd_scale();
			bs = rndi(0, 2) ? 1.0f : rnd_scale();
			cs = rndi(0, 2) ? 1.0f : rnd_scale();
			relu = rndi(0, 1);
			a = rnd8((long)(dim_I * stride));
			b = rnd8((long)(dim_I * stride));
			got = rnd8((long)(dim_I * stride));
			want = malloc(dim_I * stride);
			cr_assert(want != NULL);
			memcpy(want, got, dim_I * stride);
			for (r = 0; r < dim_I; r++)
				for (j = 0; j < dim_J; j++) {
					int x, y;

					e = r * stride + j;
					x = as == 1.0f ? a[e] :
					    ref_sat((uint32_t)(int32_t)a[e], as,
					    NO_ACTIVATION);
					y = bs == 1.0f ? b[e] :
					    ref_sat((uint32_t)(int32_t)b[e], bs,
					    NO_ACTIVATION);
					want[e] = (elem_t)ref_sat(
					    (uint32_t)(int32_t)(x + y), cs,
					    relu ? RELU : NO_ACTIVATION);
				}
			tiled_resadd_stride_auto(dim_I, dim_J, as, bs, cs,
			    stride, a, b, got, relu, CPU);
			cr_assert_arr_eq(got, want, dim_I * stride, "%s %d",
			    isa[i], t);
			/* in place: C = A */
			tiled_resadd_stride_auto(dim_I, dim_J, as, bs, cs,
			    stride, a, b, a, relu, CPU);
			for (r = 0; r < dim_I; r++)
				cr_assert_arr_eq(a + r * stride,
				    want + r * stride, dim_J);
			free(a), free(b), free(got), free(want);
		}
	}
	unsetenv("SQC_ISA");
}
