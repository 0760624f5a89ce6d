/*
 * test_eltwise.c — runtime/eltwise.c: broadcasting arithmetic, activations
 * and (de)quantization against values computed by hand from the ONNX
 * operator definitions.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/eltwise.h"

static void
near(const float *got, const float *want, size_t n, float tol)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert(fabsf(got[i] - want[i]) <= tol,
		    "element %zu: got %g, want %g", i, got[i], want[i]);
}

Test(eltwise, broadcast_shapes)
{
	int64_t a[] = {2, 3, 4}, b[] = {3, 1}, c[8], d[] = {4};
	int64_t e[] = {2, 3};
	int r;

	cr_assert(rt_broadcast_shape(a, 3, b, 2, c, &r));
	cr_assert(eq(int, r, 3));
	cr_assert(eq(i64, c[0], 2));
	cr_assert(eq(i64, c[1], 3));
	cr_assert(eq(i64, c[2], 4));
	cr_assert(not(rt_broadcast_shape(e, 2, d, 1, c, &r)));
	cr_assert(rt_broadcast_shape(a, 0, a, 0, c, &r));
	cr_assert(eq(int, r, 0));
}

Test(eltwise, add_same_shape)
{
	float a[] = {1, 2, 3, 4, 5}, b[] = {10, 20, 30, 40, 50}, c[5];
	float want[] = {11, 22, 33, 44, 55};
	int64_t d[] = {5};

	cr_assert(rt_binary(RT_ADD, RT_F32, a, d, 1, b, RT_F32, d, 1, c, d, 1));
	near(c, want, 5, 0);
}

Test(eltwise, add_per_channel_nchw)
{
	/* x [1,2,2,2] + bias [2,1,1] */
	float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, bias[2] = {100, 200}, y[8];
	float want[8] = {100, 101, 102, 103, 204, 205, 206, 207};
	int64_t xd[] = {1, 2, 2, 2}, bd[] = {2, 1, 1};

	cr_assert(rt_binary(RT_ADD, RT_F32, x, xd, 4, bias, RT_F32, bd, 3, y,
	    xd, 4));
	near(y, want, 8, 0);
}

Test(eltwise, sub_scalar_first_and_outer_product)
{
	float s = 10, v[3] = {1, 2, 3}, y[6];
	float col[3] = {1, 2, 3}, row[2] = {10, 100};
	int64_t sd[1] = {1}, vd[] = {3}, cd[] = {3, 1}, rd[] = {1, 2};
	int64_t od[] = {3, 2};
	float w1[3] = {9, 8, 7}, w2[6] = {10, 100, 20, 200, 30, 300};

	cr_assert(rt_binary(RT_SUB, RT_F32, &s, sd, 0, v, RT_F32, vd, 1, y, vd,
	    1));
	near(y, w1, 3, 0);
	cr_assert(rt_binary(RT_MUL, RT_F32, col, cd, 2, row, RT_F32, rd, 2, y,
	    od, 2));
	near(y, w2, 6, 0);
}

Test(eltwise, broadcast_middle_dim)
{
	/* a [2,3,2] * b [2,1,2]: b's row repeats along the middle dim */
	float a[12], b[4] = {1, 2, 3, 4}, y[12];
	float want[12] = {0, 2, 2, 6, 4, 10, 18, 28, 24, 36, 30, 44};
	int64_t ad[] = {2, 3, 2}, bd[] = {2, 1, 2};
	int i;

	for (i = 0; i < 12; i++)
		a[i] = (float)i;
	cr_assert(rt_binary(RT_MUL, RT_F32, a, ad, 3, b, RT_F32, bd, 3, y, ad,
	    3));
	near(y, want, 12, 0);
}

Test(eltwise, integer_division_and_wrapping)
{
	int32_t a[] = {-7, 7, 5, INT32_MIN}, b[] = {2, -2, 0, -1}, c[4];
	uint8_t u[] = {250, 3}, v[] = {10, 5}, w[2];
	int64_t d[] = {4}, d2[] = {2};

	cr_assert(rt_binary(RT_DIV, RT_I32, a, d, 1, b, RT_I32, d, 1, c, d, 1));
	cr_assert(eq(i32, c[0], -3));	/* truncation toward zero */
	cr_assert(eq(i32, c[1], -3));
	cr_assert(eq(i32, c[2], 0));	/* x / 0 */
	cr_assert(eq(i32, c[3], INT32_MIN));
	cr_assert(rt_binary(RT_ADD, RT_U8, u, d2, 1, v, RT_U8, d2, 1, w, d2, 1));
	cr_assert(eq(u8, w[0], 4));	/* 260 mod 256 */
	cr_assert(eq(u8, w[1], 8));
	cr_assert(rt_binary(RT_SUB, RT_U8, u, d2, 1, v, RT_U8, d2, 1, w, d2, 1));
	cr_assert(eq(u8, w[1], 254));	/* 3 - 5 mod 256 */
}

Test(eltwise, int64_mul_broadcast)
{
	int64_t a[] = {1, 2, 3, 4, 5, 6}, b[] = {-1, 10}, c[6];
	int64_t ad[] = {3, 2}, bd[] = {2};

	cr_assert(rt_binary(RT_MUL, RT_I64, a, ad, 2, b, RT_I64, bd, 1, c, ad,
	    2));
	cr_assert(eq(i64, c[0], -1));
	cr_assert(eq(i64, c[1], 20));
	cr_assert(eq(i64, c[4], -5));
	cr_assert(eq(i64, c[5], 60));
}

Test(eltwise, pow_mixed_types)
{
	float base[] = {2, 3, 4}, y[3], half = 0.5f;
	int64_t e[] = {3, 2, -1}, d[] = {3}, sd[1] = {1};
	int32_t ib[] = {2, 3, 10}, iy[3];
	float want[] = {8, 9, 0.25f}, w2[] = {1.41421356f, 1.7320508f, 2};

	cr_assert(rt_binary(RT_POW, RT_F32, base, d, 1, e, RT_I64, d, 1, y, d,
	    1));
	near(y, want, 3, 1e-6f);
	cr_assert(rt_binary(RT_POW, RT_F32, base, d, 1, &half, RT_F32, sd, 0, y,
	    d, 1));
	near(y, w2, 3, 1e-6f);
	/* integer base, float exponent: truncated to the base's type */
	cr_assert(rt_binary(RT_POW, RT_I32, ib, d, 1, &half, RT_F32, sd, 0, iy,
	    d, 1));
	cr_assert(eq(i32, iy[0], 1));
	cr_assert(eq(i32, iy[1], 1));
	cr_assert(eq(i32, iy[2], 3));
}

Test(eltwise, unsupported_dtype_is_refused)
{
	uint8_t a[2] = {1, 0}, c[2];
	int64_t d[] = {2};

	cr_assert(not(rt_binary(RT_ADD, RT_BOOL, a, d, 1, a, RT_BOOL, d, 1, c, d,
	    1)));
	cr_assert(not(rt_binary(RT_ADD, RT_F32, a, d, 1, a, RT_I32, d, 1, c, d, 1)));
}

Test(eltwise, activations)
{
	float x[] = {-3, -1, 0, 1, 3, 6}, y[6];
	float relu[] = {0, 0, 0, 1, 3, 6};
	float leaky[] = {-0.3f, -0.1f, 0, 1, 3, 6};
	/* clamp(0.2x + 0.5, 0, 1) */
	float hsig[] = {0, 0.3f, 0.5f, 0.7f, 1, 1};
	/* x * clamp(x/6 + 1/2, 0, 1) */
	float hswish[] = {0, -1.0f / 3, 0, 2.0f / 3, 3, 6};

	rt_relu_f32(x, y, 6);
	near(y, relu, 6, 0);
	rt_leaky_relu_f32(x, y, 6, 0.1f);
	near(y, leaky, 6, 1e-7f);
	rt_hard_sigmoid_f32(x, y, 6, 0.2f, 0.5f);
	near(y, hsig, 6, 1e-7f);
	rt_hard_swish_f32(x, y, 6);
	near(y, hswish, 6, 1e-6f);
	rt_sigmoid_f32(x, y, 6);
	cr_assert(eq(flt, y[2], 0.5f));
	cr_assert(fabsf(y[3] - 0.7310586f) < 1e-6f);
	cr_assert(fabsf(y[0] - 0.0474259f) < 1e-6f);
	rt_tanh_f32(x, y, 6);
	cr_assert(fabsf(y[3] - 0.7615942f) < 1e-6f);
	rt_sqrt_f32(x + 3, y, 3);
	cr_assert(eq(flt, y[0], 1.0f));
	cr_assert(fabsf(y[1] - 1.7320508f) < 1e-6f);
}

Test(eltwise, sigmoid_extremes_do_not_overflow)
{
	float x[] = {-1000, 1000}, y[2];

	rt_sigmoid_f32(x, y, 2);
	cr_assert(eq(flt, y[0], 0.0f));
	cr_assert(eq(flt, y[1], 1.0f));
}

Test(eltwise, clip_typed)
{
	float f[] = {-2, 0.5f, 7}, fy[3], fw[] = {-1, 0.5f, 6};
	int8_t i[] = {-128, 3, 127}, iy[3];

	cr_assert(rt_clip(RT_F32, f, fy, 3, -1, 6));
	near(fy, fw, 3, 0);
	/* bounds beyond the type are the type's range */
	cr_assert(rt_clip(RT_I8, i, iy, 3, -INFINITY, 5));
	cr_assert(eq(i8, iy[0], -128));
	cr_assert(eq(i8, iy[1], 3));
	cr_assert(eq(i8, iy[2], 5));
	cr_assert(not(rt_clip(RT_F16, i, iy, 1, 0, 1)));
}

Test(eltwise, quantize_rounds_half_to_even_and_saturates)
{
	float x[] = {0.5f, 1.5f, 2.5f, -0.5f, 300, -300, NAN};
	float one = 1;
	uint8_t q[7];
	int8_t s[7], zp = -3;

	cr_assert(rt_quantize_f32(x, 1, 1, 7, &one, NULL, RT_U8, q));
	cr_assert(eq(u8, q[0], 0));
	cr_assert(eq(u8, q[1], 2));
	cr_assert(eq(u8, q[2], 2));
	cr_assert(eq(u8, q[3], 0));
	cr_assert(eq(u8, q[4], 255));
	cr_assert(eq(u8, q[5], 0));
	cr_assert(rt_quantize_f32(x, 1, 1, 6, &one, &zp, RT_I8, s));
	cr_assert(eq(i8, s[0], -3));	/* 0 + (-3) */
	cr_assert(eq(i8, s[1], -1));	/* 2 - 3 */
	cr_assert(eq(i8, s[3], -3));	/* -0 - 3 */
	cr_assert(eq(i8, s[4], 127));
	cr_assert(eq(i8, s[5], -128));
}

Test(eltwise, quantize_per_axis)
{
	/* x [2][2] (axis 1): column 0 scale 0.5 zp 10, column 1 scale 2 zp 0 */
	float x[] = {1, 4, -1, 5}, sc[] = {0.5f, 2};
	uint8_t zp[] = {10, 0}, q[4];
	float back[4], want[] = {1, 4, -1, 4};

	cr_assert(rt_quantize_f32(x, 2, 2, 1, sc, zp, RT_U8, q));
	cr_assert(eq(u8, q[0], 12));
	cr_assert(eq(u8, q[1], 2));
	cr_assert(eq(u8, q[2], 8));
	cr_assert(eq(u8, q[3], 2));	/* 2.5 -> 2 */
	cr_assert(rt_dequantize_f32(q, RT_U8, 2, 2, 1, sc, zp, back));
	near(back, want, 4, 0);
}

Test(eltwise, dequantize_int32)
{
	int32_t x[] = {-5, 0, 7};
	float s = 0.25f, y[3], want[] = {-1.25f, 0, 1.75f};

	cr_assert(rt_dequantize_f32(x, RT_I32, 1, 1, 3, &s, NULL, y));
	near(y, want, 3, 0);
	cr_assert(not(rt_dequantize_f32(x, RT_F32, 1, 1, 3, &s, NULL, y)));
}
