/*
 * test_qparams.c — the quantization formulas of passes/qparams.c against
 * values worked out by hand in the comments (doc/quantization.md has the
 * formulas; § numbers are the seed reference's).  Hex floats make the
 * exact values visible: 1/127 = 2^-7 (1 + 2^-7 + 2^-14 + 2^-21 + 2^-28 ...)
 * rounds down to the float 0x1.020408p-7, and 6/255 = 2^-6 * 0x1.818181...
 * rounds up to 0x1.818182p-6.  The QuantizeLinear tables were also
 * checked against ONNX Runtime 1.30 (tests/oracle/run.js), the NumPy-side
 * numbers (seed formulas) against Debian's NumPy 1.24.
 */
#include <math.h>
#include <stdint.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "passes/qparams.h"

#define ONE_127 0x1.020408p-7f	/* the float nearest 1/127 */

static void
range_is(QMode mode, float lo, float hi, float scale, int32_t zero)
{
	float s = -1;
	int32_t z = -1;

	cr_assert(qp_range(mode, lo, hi, &s, &z), "range [%a, %a]", lo, hi);
	cr_assert(eq(flt, s, scale), "scale of [%a, %a]: %a", lo, hi, s);
	cr_assert(eq(i32, z, zero), "zero point of [%a, %a]", lo, hi);
}

/* ---- activations, int8 (§2.3): scale = max(|min(lo,0)|, max(hi,0)) / 127 */

Test(qparams, range_i8_exact_scales)
{
	range_is(Qi8, -63.5f, 63.5f, 0.5f, 0);	/* 63.5 / 127 */
	range_is(Qi8, -127, 127, 1, 0);
	range_is(Qi8, -254, 10, 2, 0);	/* the larger magnitude wins */
	range_is(Qi8, -1, 127, 1, 0);
}

Test(qparams, range_i8_scale_is_the_nearest_float)
{
	range_is(Qi8, -1, 1, ONE_127, 0);
	range_is(Qi8, -4, 0.5f, 0x1.020408p-5f, 0);	/* 4 * 1/127 */
}

Test(qparams, range_i8_range_without_zero_is_extended_to_zero)
{
	range_is(Qi8, 2, 63.5f, 0.5f, 0);	/* [0, 63.5] */
	range_is(Qi8, -63.5f, -2, 0.5f, 0);	/* [-63.5, 0] */
	/* [0, 5]: 5/127 = 2^-5 * 1.25 * (1 + 2^-7 + 2^-14 + ...) =
	 * 2^-5 * 0x1.42850a14..., rounded down: 0x1.42850ap-5 */
	range_is(Qi8, 5, 5, 0x1.42850ap-5f, 0);
}

Test(qparams, range_i8_all_zero_and_tiny_ranges_get_scale_1)
{
	/* the seed: m = 0 within abs_tol 1e-8 gives scale 1.0, never 0
	 * (sqc keeps 1.0: every value then quantizes to 0) */
	range_is(Qi8, 0, 0, 1, 0);
	range_is(Qi8, -0.0f, 0, 1, 0);
	range_is(Qi8, -0x1p-27f, 0x1p-28f, 1, 0);	/* m = 7.45e-9 */
	/* the float nearest 1e-8 is 0x1.5798eep-27 = 9.99999994e-9 <= 1e-8;
	 * the next float 0x1.5798f0p-27 = 1.00000008e-8 is above it and gets
	 * m / 127 = 0x1.5a4d8cp-34 (NumPy: np.float32(m) / 127) */
	range_is(Qi8, 0, 0x1.5798eep-27f, 1, 0);
	range_is(Qi8, 0, 0x1.5798f0p-27f, 0x1.5a4d8cp-34f, 0);
	/* m = 2^-26 = 1.49e-8: 2^-26 / 127 = 2^-26 * 0x1.020408p-7 */
	range_is(Qi8, -0x1p-26f, 0, 0x1.020408p-33f, 0);
}

Test(qparams, range_not_finite_is_refused)
{
	float s = 7;
	int32_t z = 7;

	cr_assert(not(qp_range(Qi8, -INFINITY, 1, &s, &z)));
	cr_assert(not(qp_range(Qu8, 0, INFINITY, &s, &z)));
	cr_assert(not(qp_range(Qi8, NAN, 1, &s, &z)));
	cr_assert(not(qp_range(Qu8, 0, NAN, &s, &z)));
	cr_assert(eq(flt, s, 7));
	cr_assert(eq(i32, z, 7));
}

/* ---- activations, uint8 (§2.3): scale = (hi - lo) / 255 in double,
 * zero = round((0 - lo) / scale) clamped to [0, 255], ties to even */

Test(qparams, range_u8_zero_point_ties_to_even)
{
	range_is(Qu8, -2.5f, 252.5f, 1, 2);	/* 255/255; round(2.5) = 2 */
	range_is(Qu8, -3.5f, 251.5f, 1, 4);	/* round(3.5) = 4 */
	range_is(Qu8, -1.5f, 253.5f, 1, 2);	/* round(1.5) = 2 */
	range_is(Qu8, -127.5f, 127.5f, 1, 128);	/* round(127.5) = 128 */
	range_is(Qu8, -0.5f, 254.5f, 1, 0);	/* round(0.5) = 0 */
	range_is(Qu8, -51, 76.5f, 0.5f, 102);	/* 127.5/255; 51/0.5 */
}

Test(qparams, range_u8_range_without_zero_is_extended_to_zero)
{
	/* [0, 6]: 6/255 rounds up to 0x1.818182p-6; zero point 0 */
	range_is(Qu8, 2, 6, 0x1.818182p-6f, 0);
	/* [-6, 0]: same scale; 6 / scale = 255 / (1 + d), d > 0 tiny:
	 * 254.99999 (NumPy: 254.9999950127677), which rounds to 255 */
	range_is(Qu8, -6, -2, 0x1.818182p-6f, 255);
}

Test(qparams, range_u8_all_zero_and_tiny_ranges_get_scale_1)
{
	range_is(Qu8, 0, 0, 1, 0);
	range_is(Qu8, -0x1p-28f, 0x1p-28f, 1, 0);	/* width 7.45e-9 */
	range_is(Qu8, 0, 0x1.5798eep-27f, 1, 0);	/* width <= 1e-8 */
}

Test(qparams, range_u8_scale_is_computed_in_double)
{
	/* lo = -255 * 2^-24 (a float), hi = 255.  In double hi - lo =
	 * 255 + 255 * 2^-24 exactly, / 255 = 1 + 2^-24, exactly halfway
	 * between the floats 1 and 1 + 2^-23: ties to even give 1.0.  A float32
	 * subtraction would first round 255 + 255 * 2^-24 up to 255 + 2^-16
	 * (spacing 2^-16 there), and (255 + 2^-16) / 255 = 1 + 2^-24 * 256/255
	 * rounds to 0x1.000002p0.  zero point: round(255 * 2^-24) = 0. */
	range_is(Qu8, -0x1.fep-17f, 255, 1, 0);
}

Test(qparams, zero_point_is_rounded_then_clamped)
{
	cr_assert(eq(i32, qp_zeropoint(-2.5f, 1), 2));
	cr_assert(eq(i32, qp_zeropoint(-3.5f, 1), 4));
	cr_assert(eq(i32, qp_zeropoint(-0.5f, 1), 0));
	cr_assert(eq(i32, qp_zeropoint(-254.5f, 1), 254));
	cr_assert(eq(i32, qp_zeropoint(-1.25f, 0.5f), 2));	/* 2.5 */
	cr_assert(eq(i32, qp_zeropoint(-255.5f, 1), 255));	/* 256 */
	cr_assert(eq(i32, qp_zeropoint(-300, 1), 255));
	cr_assert(eq(i32, qp_zeropoint(-200, 0.5f), 255));	/* 400 */
	cr_assert(eq(i32, qp_zeropoint(5, 1), 0));		/* -5 -> 0 */
	cr_assert(eq(i32, qp_zeropoint(0, 1), 0));
}

/* ---- QuantizeLinear: sat(rne(x / scale) + zero), float32 division.
 * Every row below is what ONNX Runtime 1.30 computes (checked). */

Test(qparams, quantize_i8_ties_saturation_and_nan)
{
	static const struct { float x; int32_t q; } t[] = {
		{2.5f, 2}, {3.5f, 4}, {-2.5f, -2}, {-3.5f, -4},
		{0.5f, 0}, {-0.5f, 0}, {1.5f, 2}, {-1.5f, -2},
		{127.5f, 127},		/* rne 128, saturated */
		{126.5f, 126},
		{-128.5f, -128},	/* rne -128 (even) */
		{-129.5f, -128},	/* rne -130, saturated */
		{300, 127}, {-300, -128}, {1e30f, 127}, {-1e30f, -128},
		{INFINITY, 127}, {-INFINITY, -128},
		{NAN, -128},		/* ONNX Runtime: the minimum */
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		cr_assert(eq(i32, qp_quantize(Qi8, t[i].x, 1, 0), t[i].q),
		    "x = %g", t[i].x);
}

Test(qparams, quantize_u8_adds_the_zero_point_after_rounding)
{
	static const struct { float x; int32_t zero, q; } t[] = {
		{2.5f, 128, 130}, {3.5f, 128, 132}, {-2.5f, 128, 126},
		{-3.5f, 128, 124}, {0.5f, 128, 128}, {-0.5f, 128, 128},
		{127.5f, 128, 255},	/* 128 + 128 = 256, saturated */
		{-128.5f, 128, 0},	/* -128 + 128 */
		{-129.5f, 128, 0},	/* -130 + 128, saturated */
		{INFINITY, 128, 255}, {-INFINITY, 128, 0}, {NAN, 128, 0},
		/* rne(2.5) + 3 = 5, not rne(2.5 + 3) = 6 */
		{2.5f, 3, 5}, {3.5f, 3, 7}, {-2.5f, 3, 1},
		{-3.5f, 3, 0},		/* -4 + 3 = -1, saturated */
		{252.5f, 3, 255},	/* 252 + 3 */
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		cr_assert(eq(i32, qp_quantize(Qu8, t[i].x, 1, t[i].zero),
		    t[i].q), "x = %g, zero = %d", t[i].x, t[i].zero);
}

Test(qparams, quantize_with_scale_one_half)
{
	/* x / 0.5 = 2.5, 3.5, -2.5, 127.5 (128 saturated), -128.5, -129.5 */
	cr_assert(eq(i32, qp_quantize(Qi8, 1.25f, 0.5f, 0), 2));
	cr_assert(eq(i32, qp_quantize(Qi8, 1.75f, 0.5f, 0), 4));
	cr_assert(eq(i32, qp_quantize(Qi8, -1.25f, 0.5f, 0), -2));
	cr_assert(eq(i32, qp_quantize(Qi8, 63.75f, 0.5f, 0), 127));
	cr_assert(eq(i32, qp_quantize(Qi8, -64.25f, 0.5f, 0), -128));
	cr_assert(eq(i32, qp_quantize(Qi8, -64.75f, 0.5f, 0), -128));
}

Test(qparams, quantize_divides_in_float32)
{
	/* s = 0.1f = 13421773 * 2^-27 = 0.100000001490116.  0.75 / s =
	 * 7.49999988824 exactly; the float32 quotient is 7.5 (floats in [4, 8)
	 * are 2^-21 = 4.77e-7 apart and 7.5 is 1.12e-7 away), a tie, so 8.
	 * Exact or double arithmetic would give 7.  Likewise 0.35f =
	 * 0x1.666666p-2 = 0.349999994: / s = 3.49999988824, float32 3.5
	 * (1.118e-7 < half the spacing 2^-22), so 4, not 3. */
	cr_assert(eq(i32, qp_quantize(Qi8, 0.75f, 0.1f, 0), 8));
	cr_assert(eq(i32, qp_quantize(Qi8, 0x1.666666p-2f, 0.1f, 0), 4));
}

Test(qparams, dequantize)
{
	cr_assert(eq(flt, qp_dequantize(5, 0.5f, 3), 1.0f));
	cr_assert(eq(flt, qp_dequantize(0, 0.5f, 128), -64.0f));
	cr_assert(eq(flt, qp_dequantize(255, 0.5f, 128), 63.5f));
	cr_assert(eq(flt, qp_dequantize(-128, ONE_127, 0), -0x1.020408p0f));
	cr_assert(eq(flt, qp_dequantize(-127, 1, 0), -127.0f));
}

/* ---- weights (§3.3) */

static void
weight_is(QMode mode, const float *w, const int64_t *dim, int rank, int axis,
    const float *scale, const int32_t *zero, const int *q)
{
	float s[8];
	int32_t z[8];
	int8_t q8[64];
	uint8_t qu8[64];
	int64_t n = 1, nc = axis < 0 ? 1 : dim[axis], k;
	int d;

	for (d = 0; d < rank; d++)
		n *= dim[d];
	cr_assert(qp_weight(mode, w, dim, rank, axis, s, z,
	    mode == Qi8 ? (void *)q8 : (void *)qu8));
	for (k = 0; k < nc; k++) {
		cr_assert(eq(flt, s[k], scale[k]), "scale[%lld] = %a",
		    (long long)k, s[k]);
		cr_assert(eq(i32, z[k], zero[k]), "zero[%lld]", (long long)k);
	}
	for (k = 0; k < n; k++)
		cr_assert(eq(int, mode == Qi8 ? q8[k] : qu8[k], q[k]),
		    "q[%lld] (w = %g)", (long long)k, w[k]);
}

Test(qparams, weight_i8_per_tensor_ties)
{
	/* m = 127: scale = 2 * 127 / 254 = 1 exactly; q = rne(w) */
	float w[] = {127, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -127, 0, -0.5f};
	int64_t dim[] = {9};
	float s[] = {1};
	int32_t z[] = {0};
	int q[] = {127, 2, 4, -2, -4, 0, -127, 0, 0};

	weight_is(Qi8, w, dim, 1, -1, s, z, q);
}

Test(qparams, weight_i8_range_without_zero)
{
	/* m = 4: scale_d = 8/254 = 4/127 (stored 0x1.020408p-5); w * 127/4 =
	 * 31.75, 63.5, 127.  scale_d lies below 4/127 (1/127's double mantissa
	 * is rounded down), so 2 / scale_d >= 63.5 and the tie goes to 64
	 * either way */
	float w[] = {1, 2, 4}, wn[] = {-1, -2, -4};
	int64_t dim[] = {3};
	float s[] = {0x1.020408p-5f};
	int32_t z[] = {0};
	int q[] = {32, 64, 127}, qn[] = {-32, -64, -127};

	weight_is(Qi8, w, dim, 1, -1, s, z, q);
	weight_is(Qi8, wn, dim, 1, -1, s, z, qn);
}

Test(qparams, weight_q_uses_the_double_scale)
{
	/* m = 1: scale_d = 2/254, stored as 0x1.020408p-7 = 16909320 * 2^-31.
	 * w = 0x1.83060cp-7 = 25363980 * 2^-31 = 1.5 * 16909320 * 2^-31, so
	 * w / stored scale = 1.5 exactly (would round to 2), but the seed
	 * divides by the double scale: w * 127 = 3221225460 * 2^-31 =
	 * 1.5 - 12 * 2^-31, which rounds to 1 */
	float w[] = {1, 0x1.83060cp-7f};
	int64_t dim[] = {2};
	float s[] = {ONE_127};
	int32_t z[] = {0};
	int q[] = {127, 1};

	weight_is(Qi8, w, dim, 1, -1, s, z, q);
}

Test(qparams, weight_all_zero_tensor)
{
	float w[] = {0, -0.0f, 0, 0};
	float tiny[] = {1e-9f, -5e-9f, 0, 2e-9f};	/* m <= 1e-8 */
	int64_t dim[] = {2, 2};
	float s[] = {1};
	int32_t z[] = {0};
	int q[] = {0, 0, 0, 0};

	weight_is(Qi8, w, dim, 2, -1, s, z, q);
	weight_is(Qu8, w, dim, 2, -1, s, z, q);
	weight_is(Qi8, tiny, dim, 2, -1, s, z, q);
	weight_is(Qu8, tiny, dim, 2, -1, s, z, q);
}

Test(qparams, weight_u8_per_tensor)
{
	/* [0, 255]: scale 1, zero 0; rne(127.5) = 128, rne(0.5) = 0 */
	float w[] = {63.75f, 127.5f, 255, 0.5f, 1.5f};
	int64_t dim[] = {5};
	float s[] = {1};
	int32_t z[] = {0};
	int q[] = {64, 128, 255, 0, 2};

	weight_is(Qu8, w, dim, 1, -1, s, z, q);
}

Test(qparams, weight_u8_saturates_where_the_seed_wraps)
{
	/* [-1.5, 253.5]: scale 255/255 = 1, zero = round(1.5) = 2.
	 * -1.5 -> rne(-1.5) + 2 = -2 + 2 = 0; -0.5 -> 0 + 2 = 2;
	 * 253.5 -> rne(253.5) + 2 = 254 + 2 = 256: the seed stores it
	 * unclipped as uint8, i.e. 0; sqc saturates to 255 */
	float w[] = {-1.5f, 0, 253.5f, -0.5f};
	int64_t dim[] = {4};
	float s[] = {1};
	int32_t z[] = {2};
	int q[] = {0, 2, 255, 2};

	weight_is(Qu8, w, dim, 1, -1, s, z, q);
}

Test(qparams, weight_scalar)
{
	float w[] = {-63.5f};	/* m = 63.5: scale 0.5, q = -127 */
	float s[] = {0.5f};
	int32_t z[] = {0};
	int q[] = {-127};

	weight_is(Qi8, w, NULL, 0, -1, s, z, q);
}

Test(qparams, weight_i8_per_channel_conv_axis0_with_a_zero_channel)
{
	/* conv weight [M=3, C=1, 1, 2], one scale per output channel:
	 * channel 0 {127, -2.5}: m = 127, scale 1, q {127, -2}
	 * channel 1 {0, 0}: all zero, scale 1 (the seed's rule per slice)
	 * channel 2 {-63.5, 1.75}: m = 63.5, scale 0.5, q {-127, rne(3.5) = 4}
	 * Per tensor the scale would be 1 and channel 2 would get {-64, 2}. */
	float w[] = {127, -2.5f, 0, 0, -63.5f, 1.75f};
	int64_t dim[] = {3, 1, 1, 2};
	float s[] = {1, 1, 0.5f};
	int32_t z[] = {0, 0, 0};
	int q[] = {127, -2, 0, 0, -127, 4};
	float s1[] = {1};
	int q1[] = {127, -2, 0, 0, -64, 2};	/* rne(-63.5) = -64 */

	weight_is(Qi8, w, dim, 4, 0, s, z, q);
	weight_is(Qi8, w, dim, 4, -1, s1, z, q1);
}

Test(qparams, weight_i8_per_channel_gemm_b_axis1)
{
	/* Gemm B [K=2, N=3] with transB = 0: one scale per column (axis 1)
	 * column 0 {127, 2.5}: scale 1, q {127, 2}
	 * column 1 {-63.5, 0.25}: scale 0.5, q {-127, rne(0.5) = 0}
	 * column 2 {0, 0}: scale 1, q {0, 0} */
	float w[] = {127, -63.5f, 0, 2.5f, 0.25f, 0};
	int64_t dim[] = {2, 3};
	float s[] = {1, 0.5f, 1};
	int32_t z[] = {0, 0, 0};
	int q[] = {127, -127, 0, 2, 0, 0};

	weight_is(Qi8, w, dim, 2, 1, s, z, q);
}

Test(qparams, weight_u8_per_channel)
{
	/* [2, 2], axis 0.  channel 0 {-1.5, 253.5}: scale 1, zero 2, q {0,
	 * 255 (256 saturated)}.  channel 1 {2, 6}: [0, 6], scale 6/255 (stored
	 * 0x1.818182p-6), zero 0, q {rne(85.0), rne(255.0)} = {85, 255} */
	float w[] = {-1.5f, 253.5f, 2, 6};
	int64_t dim[] = {2, 2};
	float s[] = {1, 0x1.818182p-6f};
	int32_t z[] = {2, 0};
	int q[] = {0, 255, 85, 255};

	weight_is(Qu8, w, dim, 2, 0, s, z, q);
}

Test(qparams, weight_not_finite_is_refused)
{
	float w[] = {1, NAN, 2}, wi[] = {1, 2, -INFINITY};
	int64_t dim[] = {3};
	float s[3];
	int32_t z[3];
	int8_t q[3];

	cr_assert(not(qp_weight(Qi8, w, dim, 1, -1, s, z, q)));
	cr_assert(not(qp_weight(Qu8, wi, dim, 1, 0, s, z, q)));
}

/* ---- bias (§3.4): q = rne(f32(b / f32(sx * sw))), saturated to int32 */

Test(qparams, bias_ties)
{
	/* sx * sw = 0.5 * 0.25 = 0.125; b / 0.125 = 2.5, 3.5, -2.5, -3.5,
	 * 8, 0.5, 1.5 */
	float b[] = {0.3125f, 0.4375f, -0.3125f, -0.4375f, 1, 0.0625f, 0.1875f};
	float sw[] = {0.25f};
	int32_t q[7], want[] = {2, 4, -2, -4, 8, 0, 2};
	int i;

	cr_assert(eq(i64, qp_bias(b, 7, 0.5f, sw, 1, q), 0));
	for (i = 0; i < 7; i++)
		cr_assert(eq(i32, q[i], want[i]), "b = %g", b[i]);
}

Test(qparams, bias_per_channel)
{
	/* sx = 0.5, sw = {0.25, 1}: scales {0.125, 0.5}.  1-D bias:
	 * 0.3125 / 0.125 = 2.5 -> 2; 0.3125 / 0.5 = 0.625 -> 1.  Gemm C of
	 * [2, 2], channel = column: 0.4375 / 0.125 = 3.5 -> 4, 0.75 / 0.5 =
	 * 1.5 -> 2 */
	float b[] = {0.3125f, 0.3125f};
	float c[] = {0.3125f, 0.3125f, 0.4375f, 0.75f};
	float sw[] = {0.25f, 1};
	int32_t q[4];

	cr_assert(eq(i64, qp_bias(b, 2, 0.5f, sw, 2, q), 0));
	cr_assert(eq(i32, q[0], 2));
	cr_assert(eq(i32, q[1], 1));
	cr_assert(eq(i64, qp_bias(c, 4, 0.5f, sw, 2, q), 0));
	cr_assert(eq(i32, q[0], 2));
	cr_assert(eq(i32, q[1], 1));
	cr_assert(eq(i32, q[2], 4));
	cr_assert(eq(i32, q[3], 2));
}

Test(qparams, bias_divides_in_float32)
{
	/* 12582914 / 3 = 4194304.667; floats in [2^22, 2^23) are 0.5 apart,
	 * so the float32 quotient is 4194304.5, a tie, and rne gives 4194304.
	 * Double arithmetic would give 4194305. */
	float b[] = {12582914};
	float sw[] = {1};
	int32_t q[1];

	cr_assert(eq(i64, qp_bias(b, 1, 3, sw, 1, q), 0));
	cr_assert(eq(i32, q[0], 4194304));
}

Test(qparams, bias_overflow_saturates_and_is_counted)
{
	/* sx * sw = 2^-20 * 2^-20 = 2^-40.
	 * 1 -> 2^40: INT32_MAX, counted; -1 -> INT32_MIN, counted;
	 * 2^-9 -> 2^31: one above INT32_MAX, counted;
	 * -2^-9 -> -2^31 = INT32_MIN exactly, fits;
	 * 0x1.fffffep-10 = 2^-9 - 2^-33 -> 2^31 - 2^7 = 2147483520, the
	 * largest float below 2^31, fits */
	float b[] = {1, -1, 0x1p-9f, -0x1p-9f, 0x1.fffffep-10f};
	float sw[] = {0x1p-20f};
	int32_t q[5];

	cr_assert(eq(i64, qp_bias(b, 5, 0x1p-20f, sw, 1, q), 3));
	cr_assert(eq(i32, q[0], INT32_MAX));
	cr_assert(eq(i32, q[1], INT32_MIN));
	cr_assert(eq(i32, q[2], INT32_MAX));
	cr_assert(eq(i32, q[3], INT32_MIN));
	cr_assert(eq(i32, q[4], 2147483520));
}

Test(qparams, bias_with_a_zero_scale)
{
	/* a zero scale cannot come from qp_range/qp_weight; if it did:
	 * 0/0 gives 0, 1/0 = inf gives INT32_MAX, both counted */
	float b[] = {0, 1};
	float sw[] = {0};
	int32_t q[2];

	cr_assert(eq(i64, qp_bias(b, 2, 0.5f, sw, 1, q), 2));
	cr_assert(eq(i32, q[0], 0));
	cr_assert(eq(i32, q[1], INT32_MAX));
}

Test(qparams, bias_not_finite_is_refused)
{
	float b[] = {1, NAN}, bi[] = {INFINITY};
	float sw[] = {1};
	int32_t q[2];

	cr_assert(eq(i64, qp_bias(b, 2, 1, sw, 1, q), -1));
	cr_assert(eq(i64, qp_bias(bi, 1, 1, sw, 1, q), -1));
}

/* ---- the systolic target (§5.3) */

Test(qparams, multiplier)
{
	cr_assert(eq(flt, qp_multiplier(0.5f, 0.25f, 0.125f), 1));
	cr_assert(eq(flt, qp_multiplier(0.5f, 0.5f, 2), 0.125f));
	/* 1/3 = 0x1.5555...p-2 rounds up to 0x1.555556p-2 */
	cr_assert(eq(flt, qp_multiplier(1, 1, 3), 0x1.555556p-2f));
}

Test(qparams, multiplier_rounds_the_product_first)
{
	/* sx = sw = 1 + 2^-12, sy = 1 - 2^-23.  sx * sw = 1 + 2^-11 + 2^-24,
	 * a tie between floats, rounds to even: 1 + 2^-11.  Divided by sy:
	 * (1 + 2^-11)(1 + 2^-23 + 2^-46 ...) = 1 + 2^-11 + 2^-23 + 2^-34 ...,
	 * rounds to 1 + 2^-11 + 2^-23 = 0x1.002002p0.  The exact quotient
	 * 1 + 2^-11 + 3 * 2^-24 + ... would round to 0x1.002004p0, and so
	 * would sx * (sw / sy). */
	cr_assert(eq(flt, qp_multiplier(0x1.001p0f, 0x1.001p0f,
	    0x1.fffffcp-1f), 0x1.002002p0f));
}

Test(qparams, requant_ties_and_saturation)
{
	/* m = 0.5: acc * m, rne, saturate to [-128, 127] */
	static const struct { int32_t acc; int y; } t[] = {
		{5, 2}, {7, 4}, {-5, -2}, {-7, -4},	/* 2.5 3.5 -2.5 */
		{1, 0}, {3, 2}, {-1, 0}, {-3, -2},	/* 0.5 1.5 -0.5 */
		{254, 127}, {255, 127}, {256, 127},	/* 127 127.5 128 */
		{-256, -128}, {-257, -128},		/* -128 -128.5 */
		{-258, -128}, {-259, -128},		/* -129 -129.5 */
		{INT32_MAX, 127}, {INT32_MIN, -128}, {0, 0},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cr_assert(eq(i8, qp_requant(t[i].acc, 0.5f, false, QRrne),
		    t[i].y), "acc = %d", t[i].acc);
		cr_assert(eq(i8, qp_requant(t[i].acc, 0.5f, false, QRgemmini),
		    t[i].y), "acc = %d (gemmini)", t[i].acc);
	}
}

Test(qparams, requant_relu_after_saturation)
{
	QRound r;

	for (r = QRrne; r <= QRgemmini; r++) {
		cr_assert(eq(i8, qp_requant(-7, 0.5f, true, r), 0));
		cr_assert(eq(i8, qp_requant(-300, 0.5f, true, r), 0));
		cr_assert(eq(i8, qp_requant(-1, 0.5f, true, r), 0));
		cr_assert(eq(i8, qp_requant(7, 0.5f, true, r), 4));
		cr_assert(eq(i8, qp_requant(300, 0.5f, true, r), 127));
	}
}

Test(qparams, requant_converts_the_accumulator_to_float32)
{
	/* 65536001 = 62.5 * 2^20 + 1.  As a float (spacing 4 in [2^25, 2^26))
	 * it is 65536000, so acc * 2^-20 = 62.5, a tie: 62.  In exact
	 * arithmetic 62.50000095 would give 63. */
	cr_assert(eq(i8, qp_requant(65536001, 0x1p-20f, false, QRrne), 62));
	cr_assert(eq(i8, qp_requant(65536001, 0x1p-20f, false, QRgemmini),
	    62));
	cr_assert(eq(i8, qp_requant(-65536001, 0x1p-20f, false, QRrne), -62));
	/* m = 5 * 2^-26 = 0x1.4p-24 (not a power of two).  acc = 2^25 + 2 is
	 * a tie between the floats 2^25 and 2^25 + 4, so (float)acc = 2^25
	 * and the float product is exactly 2.5: rne 2.  The exact product
	 * 2.5 + 10 * 2^-26 = 2.5 + 0.625 * 2^-22 rounds to the float
	 * 2.5 + 2^-22 and then to 3; so does a double product. */
	cr_assert(eq(i8, qp_requant(33554434, 0x1.4p-24f, false, QRrne), 2));
	cr_assert(eq(i8, qp_requant(33554434, 0x1.4p-24f, false, QRgemmini),
	    2));
	cr_assert(eq(i8, qp_requant(-33554434, 0x1.4p-24f, false, QRrne), -2));
}

Test(qparams, requant_gemmini_rounding_quirk)
{
	/* m = the float nearest 1/41: 2^30/41 = 26188824.195, so m =
	 * 26188824 * 2^-30 = 0x1.8f9c18p-6.  41 m = (2^30 - 40) * 2^-30 =
	 * 1 - 5 * 2^-27, whose nearest float is 1 - 2^-24 = 0x1.fffffep-1.
	 * True rne gives 1.  The macro: i = 0, |rem| > 0.5, next = trunc(p +
	 * 1.0f) where p + 1 = 2 - 2^-24 is a tie between 2 - 2^-23 and 2 and
	 * rounds to 2.0: the result is 2.  Symmetric for -41. */
	float m = 0x1.8f9c18p-6f;

	cr_assert(eq(i8, qp_requant(41, m, false, QRrne), 1));
	cr_assert(eq(i8, qp_requant(41, m, false, QRgemmini), 2));
	cr_assert(eq(i8, qp_requant(-41, m, false, QRrne), -1));
	cr_assert(eq(i8, qp_requant(-41, m, false, QRgemmini), -2));
	cr_assert(eq(i8, qp_requant(-41, m, true, QRgemmini), 0));
	/* 82 m = 2 - 5 * 2^-26 -> the float 2 - 2^-23 (spacing 2^-23 below 2);
	 * rne gives 2, but p + 1 = 3 - 2^-23 is a tie between 3 - 2^-22 (odd
	 * mantissa) and 3, rounds to 3.0, so the macro gives 3 */
	cr_assert(eq(i8, qp_requant(82, m, false, QRrne), 2));
	cr_assert(eq(i8, qp_requant(82, m, false, QRgemmini), 3));
	/* an ordinary value: 30 m = 785664720 * 2^-30 = 0.7317, frac > 0.5
	 * and p + 1 = 1.7317 truncates to 1: both give 1 */
	cr_assert(eq(i8, qp_requant(30, m, false, QRgemmini), 1));
	cr_assert(eq(i8, qp_requant(30, m, false, QRrne), 1));
}
