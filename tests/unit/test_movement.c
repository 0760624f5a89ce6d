/*
 * test_movement.c — runtime/movement.c: transpose, slice, gather, pad,
 * concat, resize and casts.  Expected values are computed by hand from the
 * ONNX definitions, or (for the larger transposes) by a naive index loop
 * written here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/movement.h"

static void
near(const float *got, const float *want, size_t n, float tol)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert(fabsf(got[i] - want[i]) <= tol,
		    "element %zu: got %g, want %g", i, got[i], want[i]);
}

Test(movement, transpose_2d)
{
	float x[6] = {0, 1, 2, 3, 4, 5}, y[6], want[6] = {0, 3, 1, 4, 2, 5};
	int64_t d[] = {2, 3};
	int perm[] = {1, 0};

	rt_transpose(x, sizeof(float), 2, d, perm, y);
	near(y, want, 6, 0);
}

/* a naive transpose: for every output index, the input offset */
static void
naive(const int32_t *x, int rank, const int64_t *xd, const int *perm,
    int32_t *y)
{
	int64_t idx[8] = {0}, yd[8], xs[8], n = 1, o, off, r;
	int i;

	for (i = rank - 1; i >= 0; i--) {
		xs[i] = n;
		n *= xd[i];
	}
	for (i = 0; i < rank; i++)
		yd[i] = xd[perm[i]];
	for (o = 0; o < n; o++) {
		r = o;
		for (i = rank - 1; i >= 0; i--) {
			idx[i] = r % yd[i];
			r /= yd[i];
		}
		off = 0;
		for (i = 0; i < rank; i++)
			off += idx[i] * xs[perm[i]];
		y[o] = x[off];
	}
}

Test(movement, transpose_matches_naive_loop)
{
	static const struct {
		int rank;
		int64_t d[4];
		int perm[4];
	} c[] = {
		{4, {2, 40, 5, 7}, {0, 2, 3, 1}},	/* NCHW -> NHWC */
		{4, {2, 5, 7, 40}, {0, 3, 1, 2}},	/* NHWC -> NCHW */
		{3, {3, 4, 5}, {1, 0, 2}},
		{3, {3, 4, 5}, {2, 1, 0}},
		{4, {1, 3, 1, 4}, {3, 2, 1, 0}},
		{2, {70, 33}, {1, 0}},
	};
	int32_t *x, *y, *w;
	size_t k, n, i;
	int j;

	x = malloc(70 * 33 * 4 * sizeof *x);
	y = malloc(70 * 33 * 4 * sizeof *y);
	w = malloc(70 * 33 * 4 * sizeof *w);
	for (i = 0; i < 70 * 33 * 4; i++)
		x[i] = (int32_t)i;
	for (k = 0; k < sizeof c / sizeof c[0]; k++) {
		n = 1;
		for (j = 0; j < c[k].rank; j++)
			n *= (size_t)c[k].d[j];
		rt_transpose(x, sizeof *x, c[k].rank, c[k].d, c[k].perm, y);
		naive(x, c[k].rank, c[k].d, c[k].perm, w);
		for (i = 0; i < n; i++)
			cr_assert(eq(i32, y[i], w[i]), "case %zu element %zu", k, i);
	}
	free(x);
	free(y);
	free(w);
}

Test(movement, slice_negative_steps)
{
	float x[12], y[4], want[] = {11, 9, 7, 5};
	int64_t xd[] = {3, 4}, st[] = {2, 3}, sp[] = {-1, -2}, yd[] = {2, 2};
	int i;

	for (i = 0; i < 12; i++)
		x[i] = (float)i;
	rt_slice(x, sizeof(float), 2, xd, st, sp, yd, y);
	near(y, want, 4, 0);
}

Test(movement, slice_inner_run)
{
	/* x [2,3,2]: keep middle index 1..2 */
	int64_t x[12], y[8], xd[] = {2, 3, 2}, st[] = {0, 1, 0};
	int64_t sp[] = {1, 1, 1}, yd[] = {2, 2, 2};
	int64_t want[] = {2, 3, 4, 5, 8, 9, 10, 11};
	int i;

	for (i = 0; i < 12; i++)
		x[i] = i;
	rt_slice(x, sizeof(int64_t), 3, xd, st, sp, yd, y);
	for (i = 0; i < 8; i++)
		cr_assert(eq(i64, y[i], want[i]));
}

Test(movement, gather_axis1)
{
	float x[] = {0, 1, 2, 3, 4, 5}, y[4], want[] = {2, 0, 5, 3};
	int64_t idx[] = {2, 0};

	rt_gather(x, sizeof(float), 2, 3, 1, idx, 2, y);
	near(y, want, 4, 0);
}

Test(movement, pad_modes_1d)
{
	float x[] = {1, 2, 3}, y[7], zero = 0;
	float refl[] = {3, 2, 1, 2, 3, 2, 1}, edge[] = {1, 1, 1, 2, 3, 3, 3};
	float wrap[] = {2, 3, 1, 2, 3, 1, 2}, cst[] = {0, 0, 1, 2, 3, 0, 0};
	int64_t xd[] = {3}, yd[] = {7}, pads[] = {2, 2}, map[8];

	rt_pad(x, sizeof(float), 1, xd, pads, RT_PAD_REFLECT, &zero, yd, y, map);
	near(y, refl, 7, 0);
	rt_pad(x, sizeof(float), 1, xd, pads, RT_PAD_EDGE, &zero, yd, y, map);
	near(y, edge, 7, 0);
	rt_pad(x, sizeof(float), 1, xd, pads, RT_PAD_WRAP, &zero, yd, y, map);
	near(y, wrap, 7, 0);
	rt_pad(x, sizeof(float), 1, xd, pads, RT_PAD_CONSTANT, &zero, yd, y,
	    map);
	near(y, cst, 7, 0);
}

Test(movement, pad_2d_constant_and_crop)
{
	float x[] = {1, 2, 3, 4}, y[9], c = 9;
	float want[] = {9, 9, 9, 1, 2, 9, 3, 4, 9};
	float v[] = {1, 2, 3, 4, 5}, w[5], wc[] = {2, 3, 4, 5, 5};
	int64_t xd[] = {2, 2}, yd[] = {3, 3}, pads[] = {1, 0, 0, 1}, map[8];
	int64_t vd[] = {5}, wd[] = {5}, vp[] = {-1, 1};

	rt_pad(x, sizeof(float), 2, xd, pads, RT_PAD_CONSTANT, &c, yd, y, map);
	near(y, want, 9, 0);
	rt_pad(v, sizeof(float), 1, vd, vp, RT_PAD_EDGE, &c, wd, w, map);
	near(w, wc, 5, 0);
}

Test(movement, concat_axis1)
{
	float a[] = {1, 2}, b[] = {3, 4, 5, 6}, y[6];
	float want[] = {1, 3, 4, 2, 5, 6};
	const void *x[] = {a, b};
	int64_t len[] = {1, 2};

	rt_concat(2, x, len, sizeof(float), 2, 1, y);
	near(y, want, 6, 0);
}

static void
resize1(const RtResize *p, const float *x, int64_t nin, float *y,
    int64_t nout, float scale, const float *roi)
{
	int64_t xd[] = {1, nin}, yd[] = {1, nout};
	float sc[] = {1, scale};
	void *s = malloc(rt_resize_scratch(4, 2, xd, yd));

	cr_assert(rt_resize(RT_F32, x, 2, xd, yd, sc, roi, p, y, s));
	free(s);
}

Test(movement, resize_nearest_modes)
{
	RtResize p = {RT_RESIZE_NEAREST, RT_COORD_ASYMMETRIC,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, 0};
	float x[] = {1, 2}, y[4];
	float floor_[] = {1, 1, 2, 2}, ceil_[] = {1, 2, 2, 2};
	float hp[] = {1, 1, 2, 2};

	/* asymmetric coords 0, .5, 1, 1.5 */
	resize1(&p, x, 2, y, 4, 2, NULL);
	near(y, floor_, 4, 0);
	p.nearest = RT_NEAREST_ROUND_PREFER_CEIL;
	resize1(&p, x, 2, y, 4, 2, NULL);
	near(y, ceil_, 4, 0);
	/* half_pixel coords -.25, .25, .75, 1.25 */
	p.coord = RT_COORD_HALF_PIXEL;
	p.nearest = RT_NEAREST_ROUND_PREFER_FLOOR;
	resize1(&p, x, 2, y, 4, 2, NULL);
	near(y, hp, 4, 0);
}

Test(movement, resize_linear_1d)
{
	RtResize p = {RT_RESIZE_LINEAR, RT_COORD_ALIGN_CORNERS,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, 0};
	float x[] = {0, 3}, y[4], ac[] = {0, 1, 2, 3};
	float x2[] = {0, 4}, hp[] = {0, 1, 3, 4};

	resize1(&p, x, 2, y, 4, 2, NULL);
	near(y, ac, 4, 1e-6f);
	p.coord = RT_COORD_HALF_PIXEL;
	resize1(&p, x2, 2, y, 4, 2, NULL);
	near(y, hp, 4, 1e-6f);
}

Test(movement, resize_bilinear_2d)
{
	/* f(r, c) = 2r + c is reproduced exactly by bilinear interpolation;
	 * half_pixel coords per dim: 0 (clamped), .25, .75, 1 (clamped) */
	RtResize p = {RT_RESIZE_LINEAR, RT_COORD_HALF_PIXEL,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, 0};
	float x[] = {0, 1, 2, 3}, y[16], sc[] = {1, 1, 2, 2}, want[16];
	float r[] = {0, 0.25f, 0.75f, 1};
	int64_t xd[] = {1, 1, 2, 2}, yd[] = {1, 1, 4, 4};
	void *s = malloc(rt_resize_scratch(4, 4, xd, yd));
	int i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			want[i * 4 + j] = 2 * r[i] + r[j];
	cr_assert(rt_resize(RT_F32, x, 4, xd, yd, sc, NULL, &p, y, s));
	near(y, want, 16, 1e-6f);
	free(s);
}

Test(movement, resize_cubic_1d)
{
	/* a = -0.75, s = .5: weights -.09375 .59375 .59375 -.09375 */
	RtResize p = {RT_RESIZE_CUBIC, RT_COORD_ASYMMETRIC,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, 0};
	float x[] = {0, 1, 2, 3}, y[8];

	resize1(&p, x, 4, y, 8, 2, NULL);
	cr_assert(fabsf(y[1] - 0.40625f) < 1e-6f);	/* taps 0 0 1 2 */
	cr_assert(fabsf(y[2] - 1) < 1e-6f);
	cr_assert(fabsf(y[3] - 1.5f) < 1e-6f);
}

Test(movement, resize_tf_crop_and_resize_extrapolates)
{
	RtResize p = {RT_RESIZE_LINEAR, RT_COORD_TF_CROP_AND_RESIZE,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, -7};
	float x[] = {10, 20, 30}, y[3], want[] = {20, 30, -7};
	float roi[] = {0, 0.5f, 1, 1.5f};	/* starts, then ends */

	/* coords 1 + o: 1, 2, 3 (outside) */
	resize1(&p, x, 3, y, 3, 1, roi);
	near(y, want, 3, 1e-6f);
}

Test(movement, resize_identity_and_refusals)
{
	RtResize p = {RT_RESIZE_LINEAR, RT_COORD_HALF_PIXEL,
	    RT_NEAREST_ROUND_PREFER_FLOOR, -0.75f, false, 0};
	float x[] = {1, 2, 3}, y[3], sc[] = {1};
	uint8_t u[] = {1, 2, 3}, uy[3];
	int64_t d[] = {3};
	uint64_t s[32];

	cr_assert(rt_resize(RT_F32, x, 1, d, d, sc, NULL, &p, y, s));
	near(y, x, 3, 0);
	cr_assert(not(rt_resize(RT_U8, u, 1, d, d, sc, NULL, &p, uy, s)));
	p.mode = RT_RESIZE_NEAREST;
	cr_assert(rt_resize(RT_U8, u, 1, d, d, sc, NULL, &p, uy, s));
	cr_assert(eq(u8, uy[2], 3));
}

Test(movement, cast_f16_rounds_half_to_even)
{
	cr_assert(eq(u16, rt_f16_from_f64(1.0), 0x3c00));
	cr_assert(eq(u16, rt_f16_from_f64(-2.0), 0xc000));
	cr_assert(eq(u16, rt_f16_from_f64(65504.0), 0x7bff));
	cr_assert(eq(u16, rt_f16_from_f64(65520.0), 0x7c00));	/* tie -> inf */
	cr_assert(eq(u16, rt_f16_from_f64(65519.0), 0x7bff));
	cr_assert(eq(u16, rt_f16_from_f64(1 + 0x1p-11), 0x3c00));	/* tie, even */
	cr_assert(eq(u16, rt_f16_from_f64(1 + 3 * 0x1p-11), 0x3c02));	/* tie, up */
	cr_assert(eq(u16, rt_f16_from_f64(0x1p-24), 0x0001));
	cr_assert(eq(u16, rt_f16_from_f64(0x1p-25), 0x0000));	/* tie, even */
	cr_assert(eq(u16, rt_f16_from_f64(1.5 * 0x1p-25), 0x0001));
	cr_assert(eq(u16, rt_f16_from_f64(0x1p-14), 0x0400));
	cr_assert(eq(u16, rt_f16_from_f64((double)INFINITY), 0x7c00));
	cr_assert(eq(u16, rt_f16_from_f64(NAN) & 0x7c00, 0x7c00));
	cr_assert(ne(int, rt_f16_from_f64(NAN) & 0x3ff, 0));
	cr_assert(eq(flt, rt_f32_from_f16(0x3555), 0x1.554p-2f));
	cr_assert(eq(flt, rt_f32_from_f16(0x0001), 0x1p-24f));
	cr_assert(eq(flt, rt_f32_from_f16(0xfbff), -65504.0f));
	cr_assert(isinf(rt_f32_from_f16(0x7c00)));
}

Test(movement, cast_between_types)
{
	float f[] = {-2.7f, 2.7f, 0, 300}, back[4];
	int32_t i[4];
	int64_t big[] = {257, -1};
	uint8_t u[2], b[4], one = 1;
	uint16_t bf[1];
	double d[1];

	cr_assert(rt_cast(f, RT_F32, i, RT_I32, 4));
	cr_assert(eq(i32, i[0], -2));
	cr_assert(eq(i32, i[1], 2));
	cr_assert(eq(i32, i[3], 300));
	cr_assert(rt_cast(big, RT_I64, u, RT_U8, 2));
	cr_assert(eq(u8, u[0], 1));	/* 257 mod 256 */
	cr_assert(eq(u8, u[1], 255));
	cr_assert(rt_cast(f, RT_F32, b, RT_BOOL, 4));
	cr_assert(eq(u8, b[0], 1));
	cr_assert(eq(u8, b[2], 0));
	cr_assert(rt_cast(&one, RT_BOOL, back, RT_F32, 1));
	cr_assert(eq(flt, back[0], 1.0f));
	/* bf16 truncates: 1 + 2^-7 + 2^-8 keeps only 1 + 2^-7 */
	back[0] = 1 + 0x1p-7f + 0x1p-8f;
	cr_assert(rt_cast(back, RT_F32, bf, RT_BF16, 1));
	cr_assert(eq(u16, bf[0], 0x3f81));
	cr_assert(rt_cast(bf, RT_BF16, d, RT_F64, 1));
	cr_assert(eq(dbl, d[0], 1 + 0x1p-7));
	cr_assert(not(rt_cast(f, (RtType)8, i, RT_I32, 1)));
}
