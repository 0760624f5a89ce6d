/*
 * test_pool.c — runtime/pool.c: pools (indices, pads, ceil-mode windows,
 * dilations, count_include_pad), LRN, softmax, reduce-mean and batch
 * normalisation against values computed by hand from the ONNX definitions.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/pool.h"

static void
near(const float *got, const float *want, size_t n, float tol)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert(fabsf(got[i] - want[i]) <= tol,
		    "element %zu: got %g, want %g", i, got[i], want[i]);
}

static RtPool
pool1(int nsp, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe)
{
	RtPool p;
	int i;

	memset(&p, 0, sizeof p);
	p.nsp = nsp;
	for (i = 0; i < nsp; i++) {
		p.k[i] = k;
		p.s[i] = s;
		p.d[i] = d;
		p.pb[i] = pb;
		p.pe[i] = pe;
	}
	return p;
}

Test(pool, maxpool_2x2_with_indices)
{
	float x[32] = {
		1, 9, 2, 3,
		4, 5, 8, 0,
		7, 6, 1, 1,
		2, 3, 4, 9,
	}, y[8];
	float want[8] = {9, 8, 7, 9, 109, 108, 107, 109};
	int64_t idx[8], in[] = {4, 4}, out[] = {2, 2};
	int64_t wi[8] = {1, 6, 8, 15, 17, 22, 24, 31};
	int64_t wc[8] = {4, 9, 2, 15, 20, 25, 18, 31};
	RtPool p = pool1(2, 2, 2, 1, 0, 0);
	int i;

	for (i = 0; i < 16; i++)
		x[16 + i] = x[i] + 100;
	cr_assert(rt_maxpool(RT_F32, x, 2, in, out, &p, y, idx, false));
	near(y, want, 8, 0);
	for (i = 0; i < 8; i++)
		cr_assert(eq(i64, idx[i], wi[i]));
	/* storage_order = 1: column-major within the plane */
	cr_assert(rt_maxpool(RT_F32, x, 2, in, out, &p, y, idx, true));
	for (i = 0; i < 8; i++)
		cr_assert(eq(i64, idx[i], wc[i]));
}

Test(pool, maxpool_ceil_window_is_clipped)
{
	float x[] = {1, 3, 2, 5, 4}, y[3], want[] = {3, 5, 4};
	int64_t in[] = {5}, out[] = {3};
	RtPool p = pool1(1, 2, 2, 1, 0, 0);

	cr_assert(rt_maxpool(RT_F32, x, 1, in, out, &p, y, NULL, false));
	near(y, want, 3, 0);
}

Test(pool, maxpool_dilated_and_u8)
{
	float x[] = {1, 5, 2, 4, 3, 0}, y[4], want[] = {2, 5, 3, 4};
	uint8_t u[] = {1, 5, 2, 4, 3, 0}, uy[4];
	int64_t in[] = {6}, out[] = {4};
	RtPool p = pool1(1, 2, 1, 2, 0, 0);

	cr_assert(rt_maxpool(RT_F32, x, 1, in, out, &p, y, NULL, false));
	near(y, want, 4, 0);
	cr_assert(rt_maxpool(RT_U8, u, 1, in, out, &p, uy, NULL, false));
	cr_assert(eq(u8, uy[1], 5));
	cr_assert(eq(u8, uy[3], 4));
	cr_assert(not(rt_maxpool(RT_F64, x, 1, in, out, &p, y, NULL, false)));
}

Test(pool, maxpool_3d_and_padding)
{
	float x[8] = {0, 1, 2, 3, 4, 5, 6, -1}, y[1];
	float z[4] = {-4, -3, -2, -1}, zy[4];
	int64_t in[] = {2, 2, 2}, out[] = {1, 1, 1}, idx[1];
	int64_t in2[] = {2, 2}, out2[] = {2, 2};
	RtPool p = pool1(3, 2, 1, 1, 0, 0);
	RtPool q = pool1(2, 2, 1, 1, 1, 0);	/* pads (1,1) before */
	float zw[4] = {-4, -3, -2, -1};

	cr_assert(rt_maxpool(RT_F32, x, 1, in, out, &p, y, idx, false));
	cr_assert(eq(flt, y[0], 6.0f));
	cr_assert(eq(i64, idx[0], 6));
	/* pads are not values: all-negative input stays negative */
	cr_assert(rt_maxpool(RT_F32, z, 1, in2, out2, &q, zy, NULL, false));
	near(zy, zw, 4, 0);
}

Test(pool, avgpool_count_include_pad)
{
	float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[9];
	float excl[9] = {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7};
	float incl[9] = {12.0f / 9, 21.0f / 9, 16.0f / 9, 27.0f / 9, 5,
	    33.0f / 9, 24.0f / 9, 39.0f / 9, 28.0f / 9};
	int64_t in[] = {3, 3}, out[] = {3, 3};
	RtPool p = pool1(2, 3, 1, 1, 1, 1);

	rt_avgpool_f32(x, 1, in, out, &p, false, y);
	near(y, excl, 9, 1e-6f);
	rt_avgpool_f32(x, 1, in, out, &p, true, y);
	near(y, incl, 9, 1e-6f);
}

Test(pool, avgpool_ceil_window_past_the_pads)
{
	/* k2 s2 over 5 with ceil_mode: the last window holds only x[4] */
	float x[] = {1, 2, 3, 4, 5}, y[3], want[] = {1.5f, 3.5f, 5};
	int64_t in[] = {5}, out[] = {3};
	RtPool p = pool1(1, 2, 2, 1, 0, 0);

	rt_avgpool_f32(x, 1, in, out, &p, true, y);
	near(y, want, 3, 0);
	rt_avgpool_f32(x, 1, in, out, &p, false, y);
	near(y, want, 3, 0);
}

Test(pool, global_average)
{
	float x[] = {1, 2, 3, 4, -1, -1, -1, 3}, y[2], want[] = {2.5f, 0};

	rt_global_avgpool_f32(x, 2, 4, y);
	near(y, want, 2, 0);
}

Test(pool, lrn_by_hand)
{
	float x[] = {1, 2, 3}, y[3];
	float w3[] = {1.0f / 6, 2.0f / 15, 3.0f / 14};
	float w2[] = {1.0f / 6, 2.0f / 14, 3.0f / 10};

	/* size 3, alpha/size = 1, beta 1, bias 1: x / (1 + window sum) */
	rt_lrn_f32(x, 1, 3, 1, 3, 3, 1, 1, y);
	near(y, w3, 3, 1e-7f);
	/* size 2: the window is [c, c+1] */
	rt_lrn_f32(x, 1, 3, 1, 2, 2, 1, 1, y);
	near(y, w2, 3, 1e-7f);
}

Test(pool, softmax_rows_and_strided_axis)
{
	float x[] = {1, 2, 3}, y[4];
	float want[] = {0.09003057f, 0.24472847f, 0.66524096f};
	float x2[] = {0, 1, 0, 3};
	float w2[] = {0.5f, 0.11920292f, 0.5f, 0.88079708f};
	float big[] = {1000, 1000}, wb[] = {0.5f, 0.5f};

	rt_softmax_f32(x, 1, 3, 1, y);
	near(y, want, 3, 1e-7f);
	rt_softmax_f32(x2, 1, 2, 2, y);
	near(y, w2, 4, 1e-7f);
	rt_softmax_f32(big, 1, 2, 1, y);
	near(y, wb, 2, 0);
}

Test(pool, reduce_mean_axes)
{
	float x[6] = {1, 2, 3, 4, 5, 6}, y[12];
	float x3[12];
	int64_t d2[] = {2, 3}, d3[] = {2, 3, 2};
	float w0[] = {2.5f, 3.5f, 4.5f}, w1[] = {2, 5}, wm[] = {2, 3, 8, 9};
	float wo[] = {3.5f, 5.5f, 7.5f};
	int i;

	rt_reduce_mean_f32(x, d2, 2, 1, y);
	near(y, w0, 3, 0);
	rt_reduce_mean_f32(x, d2, 2, 2, y);
	near(y, w1, 2, 0);
	rt_reduce_mean_f32(x, d2, 2, 3, y);
	cr_assert(eq(flt, y[0], 3.5f));
	for (i = 0; i < 12; i++)
		x3[i] = (float)i;
	rt_reduce_mean_f32(x3, d3, 3, 2, y);
	near(y, wm, 4, 0);
	rt_reduce_mean_f32(x3, d3, 3, 5, y);
	near(y, wo, 3, 0);
	/* an empty mask reduces nothing: a copy */
	rt_reduce_mean_f32(x, d2, 2, 0, y);
	near(y, x, 6, 0);
}

Test(pool, batchnorm_and_moments)
{
	float x[] = {1, 2, 3, 4}, y[4], want[] = {0, 0.5f, 1, 3};
	float sc[] = {1, 2}, b[] = {0, 1}, mean[] = {1, 3}, var[] = {4, 1};
	float z[] = {1, 2, 3, 6}, m, v;

	rt_batchnorm_f32(x, 1, 2, 2, sc, b, mean, var, 0, y);
	near(y, want, 4, 1e-7f);
	rt_moments_f32(z, 2, 1, 2, &m, &v);
	cr_assert(eq(flt, m, 3.0f));
	cr_assert(eq(flt, v, 3.5f));
}

/* 3x3, stride 1, pads 1 on a 4x4 plane of 1..16 (the whole-plane fast
 * path): each output is the max of its clipped 3x3 neighbourhood, worked by
 * hand.  A NaN is skipped like the direct loop skips it: with NaN in place
 * of 6, the top-left window's max becomes 5 and nothing else changes. */
Test(pool, maxpool_3x3_same_plane)
{
	float x[32], y[32];
	float want[16] = {6, 7, 8, 8, 10, 11, 12, 12, 14, 15, 16, 16, 14, 15, 16, 16};
	int64_t in[] = {4, 4}, out[] = {4, 4};
	RtPool p = pool1(2, 3, 1, 1, 1, 1);
	int i;

	for (i = 0; i < 16; i++) {
		x[i] = (float)(i + 1);
		x[16 + i] = (float)(i + 1);
	}
	x[16 + 5] = NAN;
	cr_assert(rt_maxpool(RT_F32, x, 2, in, out, &p, y, NULL, false));
	near(y, want, 16, 0);
	want[0] = 5;
	near(y + 16, want, 16, 0);
}
