/*
 * test_conv.c — runtime/conv.c: hand-computed convolutions for every
 * parameter (padding, stride, dilation, groups, depthwise with a
 * multiplier, bias, 1-D) and transposed convolutions (stride, pads,
 * output padding, groups), then random geometries, some with a fused
 * activation clamp, against direct loops written here from the
 * definitions.  Every test runs once per kernel set
 * this CPU has (SQC_ISA=base, avx2, avx512) and checks that no call writes
 * past the scratch size the work query reported.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/conv.h"

enum { CANARY = 256 };

static RtConv
geom(long c, long h, long w, long m, long group, long kh, long kw, long s,
    long d, long pad, long oh, long ow)
{
	RtConv p = {
		.n = 1, .c = c, .h = h, .w = w, .m = m, .oh = oh, .ow = ow,
		.group = group, .kh = kh, .kw = kw, .sh = s, .sw = s,
		.dh = d, .dw = d, .pt = pad, .pl = pad,
	};

	return p;
}

/* run rt_conv2d (or rt_convt2d) with a checked scratch block */
static void
run(const RtConv *p, bool transpose, const float *x, const float *w,
    const float *b, float *y)
{
	size_t ws = transpose ? rt_convt2d_work(p) : rt_conv2d_work(p), k;
	unsigned char *wk = malloc(ws + CANARY);

	memset(wk, 0x5a, ws + CANARY);
	if (transpose)
		rt_convt2d(p, x, w, b, y, wk);
	else
		rt_conv2d(p, x, w, b, y, wk);
	for (k = 0; k < CANARY; k++)
		cr_assert(eq(int, wk[ws + k], 0x5a), "scratch overrun");
	free(wk);
}

static void
expect(const float *got, const float *want, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		cr_assert(eq(flt, got[k], want[k]), "element %zu: %g, not %g",
		    k, got[k], want[k]);
}

static const float x3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};	/* 3x3 */
static float x5[25];						/* 5x5: 1..25 */

static void
init5(void)
{
	int k;

	for (k = 0; k < 25; k++)
		x5[k] = (float)(k + 1);
}

static void
plain(void)
{
	/* y[i][j] = x[i][j] - x[i+1][j+1] */
	const float w[] = {1, 0, 0, -1};
	RtConv p = geom(1, 3, 3, 1, 1, 2, 2, 1, 1, 0, 2, 2);
	float y[4];

	run(&p, false, x3, w, NULL, y);
	expect(y, (float[]){-4, -4, -4, -4}, 4);
}

static void
padded(void)
{
	/* y[oy][ox] = x[oy-1][ox-1] - x[oy][ox], zero outside x */
	const float w[] = {1, 0, 0, -1};
	const float want[] = {
		-1, -2, -3, 0,
		-4, -4, -4, 3,
		-7, -4, -4, 6,
		0, 7, 8, 9,
	};
	RtConv p = geom(1, 3, 3, 1, 1, 2, 2, 1, 1, 1, 4, 4);
	float y[16];

	run(&p, false, x3, w, NULL, y);
	expect(y, want, 16);
}

static void
strided(void)
{
	/* 3x3 sums of the 5x5 ramp at stride 2 */
	const float w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	RtConv p = geom(1, 5, 5, 1, 1, 3, 3, 2, 1, 0, 2, 2);
	float y[4];

	init5();
	run(&p, false, x5, w, NULL, y);
	expect(y, (float[]){63, 81, 153, 171}, 4);
	/* stride 2 with padding 1: 3x3 outputs; corner (0,0) sums x[0..1][0..1] */
	p = geom(1, 5, 5, 1, 1, 3, 3, 2, 1, 1, 3, 3);
	{
		float z[9];
		const float want[] = {
			16, 33, 28,
			69, 117, 87,
			76, 123, 88,
		};

		run(&p, false, x5, w, NULL, z);
		expect(z, want, 9);
	}
}

static void
dilated(void)
{
	/* 2x2 ones at dilation 2: x[i][j] + x[i][j+2] + x[i+2][j] + x[i+2][j+2] */
	const float w[] = {1, 1, 1, 1};
	const float want[] = {28, 32, 36, 48, 52, 56, 68, 72, 76};
	RtConv p = geom(1, 5, 5, 1, 1, 2, 2, 1, 2, 0, 3, 3);
	float y[9];

	init5();
	run(&p, false, x5, w, NULL, y);
	expect(y, want, 9);
}

static void
grouped(void)
{
	/* two groups of one channel each (depthwise), 1x1, with bias */
	const float x[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const float w[] = {2, 3};
	const float b[] = {1, -1};
	const float want[] = {3, 5, 7, 9, 14, 17, 20, 23};
	RtConv p = geom(2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 2, 2);
	float y[8];

	run(&p, false, x, w, b, y);
	expect(y, want, 8);
}

static void
groups_gemm(void)
{
	/* 4 channels in 2 groups of 2 (GEMM path): y_g = w_g . x_g, 1x1 */
	const float x[] = {1, 2, 3, 4, 5, 6, 7, 8};	/* 4 channels of 1x2 */
	const float w[] = {1, 1, 1, -1, 2, 0, 0, 3};	/* [4][2][1][1] */
	const float want[] = {4, 6, -2, -2, 10, 12, 21, 24};
	RtConv p = geom(4, 1, 2, 4, 2, 1, 1, 1, 1, 0, 1, 2);
	float y[8];

	run(&p, false, x, w, NULL, y);
	expect(y, want, 8);
}

static void
multiplier(void)
{
	/* depthwise with 2 outputs per channel */
	const float x[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const float w[] = {1, 2, 3, 4};
	const float want[] = {1, 2, 3, 4, 2, 4, 6, 8, 15, 18, 21, 24,
	    20, 24, 28, 32};
	RtConv p = geom(2, 2, 2, 4, 2, 1, 1, 1, 1, 0, 2, 2);
	float y[16];

	run(&p, false, x, w, NULL, y);
	expect(y, want, 16);
}

static void
onedim(void)
{
	/* a 1-D convolution as h = kh = oh = 1, with bias; both paths */
	const float x[] = {1, 2, 3, 4, 5};
	const float w[] = {1, 1, 1};
	const float b[] = {0.5f};
	const float want[] = {3.5f, 6.5f, 9.5f, 12.5f, 9.5f};
	RtConv p = geom(1, 1, 5, 1, 1, 1, 3, 1, 1, 0, 1, 5);
	float y[5];

	p.pl = 1;
	run(&p, false, x, w, b, y);
	expect(y, want, 5);
	{
		/* two channels, one group: the GEMM path */
		const float x2[] = {1, 2, 3, 4, 5, 0, 0, 0, 0, 0};
		const float w2[] = {1, 1, 1, 0, 0, 0};
		RtConv q = geom(2, 1, 5, 1, 1, 1, 3, 1, 1, 0, 1, 5);

		q.pl = 1;
		run(&q, false, x2, w2, b, y);
		expect(y, want, 5);
	}
}

static void
transposed(void)
{
	const float x[] = {1, 2, 3, 4};
	const float w[] = {1, 1, 1, 1};
	float y[25];
	RtConv p;

	/* stride 1: each input spreads over a 2x2 block */
	p = geom(1, 2, 2, 1, 1, 2, 2, 1, 1, 0, 3, 3);
	run(&p, true, x, w, NULL, y);
	expect(y, (float[]){1, 3, 2, 4, 10, 6, 3, 7, 4}, 9);
	/* stride 2: disjoint blocks */
	p = geom(1, 2, 2, 1, 1, 2, 2, 2, 1, 0, 4, 4);
	run(&p, true, x, w, NULL, y);
	expect(y, (float[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4},
	    16);
	/* pads 1 crop one pixel at each side */
	p = geom(1, 2, 2, 1, 1, 2, 2, 2, 1, 1, 2, 2);
	run(&p, true, x, w, NULL, y);
	expect(y, (float[]){1, 2, 3, 4}, 4);
	/* output padding: one more row and column, only the bias there */
	p = geom(1, 2, 2, 1, 1, 2, 2, 2, 1, 0, 5, 5);
	run(&p, true, x, w, (float[]){0.5f}, y);
	expect(y, (float[]){
		1.5f, 1.5f, 2.5f, 2.5f, 0.5f,
		1.5f, 1.5f, 2.5f, 2.5f, 0.5f,
		3.5f, 3.5f, 4.5f, 4.5f, 0.5f,
		3.5f, 3.5f, 4.5f, 4.5f, 0.5f,
		0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
	}, 25);
	/* dilation 2, stride 1: the 2x2 kernel's taps are 2 apart */
	p = geom(1, 2, 2, 1, 1, 2, 2, 1, 2, 0, 4, 4);
	run(&p, true, x, w, NULL, y);
	expect(y, (float[]){1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4},
	    16);
	/* two groups: y_g = w_g * x_g for 1x1 kernels */
	{
		const float x2[] = {1, 2, 3, 4, 5, 6, 7, 8};
		const float w2[] = {2, 3};

		p = geom(2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 2, 2);
		run(&p, true, x2, w2, NULL, y);
		expect(y, (float[]){2, 4, 6, 8, 15, 18, 21, 24}, 8);
	}
}

static void
threed(void)
{
	/* 2x2x2 ones over the 2x2x2 ramp, padded by 1 in depth only: three
	 * outputs, the sums of slices 0, 0+1, 1 */
	const float x[] = {1, 2, 3, 4, 5, 6, 7, 8};
	const float w[] = {1, 1, 1, 1, 1, 1, 1, 1};
	RtConv3 p = {
		.n = 1, .c = 1, .m = 1, .group = 1, .in = {2, 2, 2},
		.out = {3, 1, 1}, .k = {2, 2, 2}, .s = {1, 1, 1},
		.d = {1, 1, 1}, .pb = {1, 0, 0},
	};
	float y[8];

	rt_conv3d(&p, x, w, (float[]){0.5f}, y);
	expect(y, (float[]){10.5f, 36.5f, 26.5f}, 3);
	/* transposed, 1x1x2 input and kernel, stride 2 in width: disjoint */
	p = (RtConv3){
		.n = 1, .c = 1, .m = 1, .group = 1, .in = {1, 1, 2},
		.out = {1, 1, 4}, .k = {1, 1, 2}, .s = {1, 1, 2},
		.d = {1, 1, 1}, .pb = {0, 0, 0},
	};
	rt_convt3d(&p, (float[]){1, 2}, (float[]){1, 3}, NULL, y);
	expect(y, (float[]){1, 3, 2, 6}, 4);
}

/* ---- random geometries against direct loops ---------------------------- */

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static long
pick(uint32_t *s, long n)
{
	return (long)(lcg(s) % (uint32_t)n);
}

static void
direct(const RtConv *p, const float *x, const float *w, const float *b,
    double *y, double *mag)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long n, m, oy, ox, c, ky, kx;

	for (n = 0; n < p->n; n++)
		for (m = 0; m < p->m; m++)
			for (oy = 0; oy < p->oh; oy++)
				for (ox = 0; ox < p->ow; ox++) {
					double s = b ? b[m] : 0, g = fabs(s);

					for (c = 0; c < cpg; c++)
						for (ky = 0; ky < p->kh; ky++)
							for (kx = 0; kx < p->kw; kx++) {
								long iy = oy * p->sh - p->pt + ky * p->dh;
								long ix = ox * p->sw - p->pl + kx * p->dw;
								double v;

								if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
									continue;
								v = (double)x[((n * p->c + m / mpg * cpg + c) * p->h + iy) * p->w + ix]
								    * w[((m * cpg + c) * p->kh + ky) * p->kw + kx];
								s += v;
								g += fabs(v);
							}
					y[((n * p->m + m) * p->oh + oy) * p->ow + ox] = s;
					mag[((n * p->m + m) * p->oh + oy) * p->ow + ox] = g;
				}
}

static void
directt(const RtConv *p, const float *x, const float *w, const float *b,
    double *y, double *mag)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long n, c, iy, ix, j, ky, kx, k, plane = p->oh * p->ow;

	for (k = 0; k < p->n * p->m * plane; k++) {
		y[k] = b ? b[k / plane % p->m] : 0;
		mag[k] = fabs(y[k]);
	}
	for (n = 0; n < p->n; n++)
		for (c = 0; c < p->c; c++)
			for (iy = 0; iy < p->h; iy++)
				for (ix = 0; ix < p->w; ix++)
					for (j = 0; j < mpg; j++)
						for (ky = 0; ky < p->kh; ky++)
							for (kx = 0; kx < p->kw; kx++) {
								long oy = iy * p->sh - p->pt + ky * p->dh;
								long ox = ix * p->sw - p->pl + kx * p->dw;
								long m = c / cpg * mpg + j, o;
								double v;

								if (oy < 0 || oy >= p->oh || ox < 0 || ox >= p->ow)
									continue;
								o = ((n * p->m + m) * p->oh + oy) * p->ow + ox;
								v = (double)x[((n * p->c + c) * p->h + iy) * p->w + ix]
								    * w[((c * mpg + j) * p->kh + ky) * p->kw + kx];
								y[o] += v;
								mag[o] += fabs(v);
							}
}

/* the fused activation on expected values */
static void
clampd(double *y, size_t n, float lo, float hi)
{
	size_t k;

	for (k = 0; k < n; k++)
		y[k] = y[k] < lo ? lo : y[k] > hi ? hi : y[k];
}

static void
random1(uint32_t seed, bool transpose, bool big)
{
	uint32_t s = seed;
	RtConv p;
	long pb, pr, eh, ew, cpg, mpg;
	size_t nx, nw, ny, k;
	float *x, *w, *b, *y;
	double *want, *mag;
	bool hasbias;

	do {
		memset(&p, 0, sizeof p);
		p.n = 1 + pick(&s, 2);
		p.group = pick(&s, 3) == 0 ? 1 + pick(&s, 6) : 1;
		cpg = big ? 8 + pick(&s, 40) : 1 + pick(&s, 4);
		if (!transpose && pick(&s, 3) == 0)
			cpg = 1;	/* depthwise */
		mpg = big ? 8 + pick(&s, 60) : 1 + pick(&s, 20);
		p.c = p.group * cpg;
		p.m = p.group * mpg;
		p.h = 1 + pick(&s, big ? 30 : 12);
		p.w = 1 + pick(&s, big ? 70 : 12);
		p.kh = 1 + pick(&s, 4);
		p.kw = 1 + pick(&s, 4);
		p.sh = 1 + pick(&s, 3);
		p.sw = 1 + pick(&s, 3);
		p.dh = 1 + pick(&s, 2);
		p.dw = 1 + pick(&s, 2);
		eh = (p.kh - 1) * p.dh + 1;
		ew = (p.kw - 1) * p.dw + 1;
		if (!transpose) {
			p.pt = pick(&s, 3);
			p.pl = pick(&s, 3);
			pb = pick(&s, 3);
			pr = pick(&s, 3);
			p.oh = (p.h + p.pt + pb - eh) / p.sh + 1;
			p.ow = (p.w + p.pl + pr - ew) / p.sw + 1;
			if (p.h + p.pt + pb < eh || p.w + p.pl + pr < ew)
				p.oh = 0;
		} else {
			/* pads from -1 (a larger output) to 1, output padding
			 * below the stride */
			p.pt = pick(&s, 3) - 1;
			p.pl = pick(&s, 3) - 1;
			pb = pick(&s, 2);
			pr = pick(&s, 2);
			p.oh = p.sh * (p.h - 1) + pick(&s, p.sh) + eh - p.pt - pb;
			p.ow = p.sw * (p.w - 1) + pick(&s, p.sw) + ew - p.pl - pr;
		}
	} while (p.oh < 1 || p.ow < 1);
	nx = (size_t)(p.n * p.c * p.h * p.w);
	nw = (size_t)(transpose ? p.c * mpg : p.m * cpg) *
	    (size_t)(p.kh * p.kw);
	ny = (size_t)(p.n * p.m * p.oh * p.ow);
	x = malloc(nx * sizeof *x);
	w = malloc(nw * sizeof *w);
	b = malloc((size_t)p.m * sizeof *b);
	y = malloc(ny * sizeof *y);
	want = malloc(ny * sizeof *want);
	mag = malloc(ny * sizeof *mag);
	for (k = 0; k < nx; k++)
		x[k] = (float)pick(&s, 2001) / 1000.0f - 1.0f;
	for (k = 0; k < nw; k++)
		w[k] = (float)pick(&s, 2001) / 1000.0f - 1.0f;
	for (k = 0; k < (size_t)p.m; k++)
		b[k] = (float)pick(&s, 2001) / 1000.0f - 1.0f;
	hasbias = pick(&s, 2);
	for (k = 0; k < ny; k++)
		y[k] = NAN;
	if (transpose)
		directt(&p, x, w, hasbias ? b : NULL, want, mag);
	else
		direct(&p, x, w, hasbias ? b : NULL, want, mag);
	/* a fused activation on every third convolution: Relu or [-0.3,
	 * 0.4] */
	if (!transpose && pick(&s, 3) == 0) {
		p.act = true;
		p.lo = pick(&s, 2) ? 0 : -0.3f;
		p.hi = p.lo == 0 ? INFINITY : 0.4f;
		clampd(want, ny, p.lo, p.hi);
	}
	run(&p, transpose, x, w, hasbias ? b : NULL, y);
	for (k = 0; k < ny; k++)
		cr_assert(fabs(y[k] - want[k]) <= 1e-5 * mag[k] + 1e-6,
		    "seed %u%s: n%ld c%ld %ldx%ld m%ld g%ld k%ldx%ld s%ld,%ld "
		    "d%ld,%ld p%ld,%ld -> %ldx%ld act %d: y[%zu] = %g, not %g",
		    seed, transpose ? " (transposed)" : "", p.n, p.c, p.h, p.w,
		    p.m,
		    p.group, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl,
		    p.oh, p.ow, p.act, k, y[k], want[k]);
	free(x);
	free(w);
	free(b);
	free(y);
	free(want);
	free(mag);
}

static void
randomconv(void)
{
	uint32_t seed;

	for (seed = 1; seed <= 150; seed++)
		random1(seed, false, false);
	for (seed = 1; seed <= 12; seed++)
		random1(1000 + seed, false, true);
}

static void
randomconvt(void)
{
	uint32_t seed;

	for (seed = 1; seed <= 100; seed++)
		random1(seed, true, false);
	for (seed = 1; seed <= 6; seed++)
		random1(1000 + seed, true, true);
}

static void
bigdepthwise(void)
{
	/* MobileNet-like planes: 3x3 depthwise, stride 1 and 2; widths that
	 * end on every kind of vector block (rows computed straight into y
	 * or through a flat buffer), some with a fused Relu6 */
	static const long shape[][5] = {	/* c, h=w, stride, pad, act */
		{8, 56, 1, 1, 0}, {8, 57, 2, 1, 1}, {4, 112, 2, 0, 0},
		{16, 7, 1, 1, 1}, {3, 112, 1, 1, 1}, {5, 20, 1, 1, 0},
		{6, 14, 1, 1, 1}, {2, 3, 1, 1, 1}, {4, 28, 2, 1, 1},
		{3, 66, 1, 1, 0},
	};
	size_t t, k, nx, ny;

	for (t = 0; t < sizeof shape / sizeof shape[0]; t++) {
		long c = shape[t][0], h = shape[t][1], s = shape[t][2];
		long pad = shape[t][3], o = (h + 2 * pad - 3) / s + 1;
		RtConv p = geom(c, h, h, c, c, 3, 3, s, 1, pad, o, o);
		float *x, *w, *b, *y;
		double *want, *mag;
		uint32_t r = (uint32_t)t;

		nx = (size_t)(c * h * h);
		ny = (size_t)(c * o * o);
		x = malloc(nx * sizeof *x);
		w = malloc((size_t)c * 9 * sizeof *w);
		b = malloc((size_t)c * sizeof *b);
		y = malloc(ny * sizeof *y);
		want = malloc(ny * sizeof *want);
		mag = malloc(ny * sizeof *mag);
		for (k = 0; k < nx; k++)
			x[k] = (float)pick(&r, 2001) / 1000.0f - 1.0f;
		for (k = 0; k < (size_t)c * 9; k++)
			w[k] = (float)pick(&r, 2001) / 1000.0f - 1.0f;
		for (k = 0; k < (size_t)c; k++)
			b[k] = (float)pick(&r, 2001) / 1000.0f - 1.0f;
		direct(&p, x, w, b, want, mag);
		if (shape[t][4]) {
			p.act = true;
			p.lo = 0;
			p.hi = 0.6f;	/* Relu6 at this scale */
			clampd(want, ny, p.lo, p.hi);
		}
		run(&p, false, x, w, b, y);
		for (k = 0; k < ny; k++)
			cr_assert(fabs(y[k] - want[k]) <= 1e-5 * mag[k] + 1e-6,
			    "shape %zu: y[%zu] = %g, not %g", t, k, y[k],
			    want[k]);
		free(x);
		free(w);
		free(b);
		free(y);
		free(want);
		free(mag);
	}
}

#define FORISA(name, fn)                                                     \
	Test(conv, name##_base) { setenv("SQC_ISA", "base", 1); fn(); }       \
	Test(conv, name##_avx2) { setenv("SQC_ISA", "avx2", 1); fn(); }       \
	Test(conv, name##_avx512) { setenv("SQC_ISA", "avx512", 1); fn(); }

FORISA(plain, plain)
FORISA(padded, padded)
FORISA(strided, strided)
FORISA(dilated, dilated)
FORISA(depthwise_bias, grouped)
FORISA(groups, groups_gemm)
FORISA(depthwise_multiplier, multiplier)
FORISA(one_dimensional, onedim)
FORISA(transposed, transposed)
FORISA(three_d, threed)
FORISA(random_conv, randomconv)
FORISA(random_conv_transpose, randomconvt)
FORISA(big_depthwise, bigdepthwise)
