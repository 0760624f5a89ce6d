/*
 * test_gemm.c — runtime/gemm.c: hand-computed products (transposes, alpha,
 * beta, bias, leading dimensions, K = 0), then random shapes chosen to
 * cross every tile and cache-block edge, with and without a fused clamp,
 * against a triple loop written here (double accumulation).  Every test
 * runs once per kernel set this CPU has (SQC_ISA=base, avx2, avx512), and
 * checks that no call writes past the scratch size rt_sgemm_work
 * reported.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "runtime/gemm.h"

static const char *isas[] = {"base", "avx2", "avx512"};

enum { CANARY = 256 };

/* scratch of n bytes followed by a canary */
static unsigned char *
scratch(size_t n)
{
	unsigned char *w = malloc(n + CANARY);

	memset(w, 0x5a, n + CANARY);
	return w;
}

static void
checkcanary(const unsigned char *w, size_t n)
{
	size_t k;

	for (k = 0; k < CANARY; k++)
		cr_assert(eq(int, w[n + k], 0x5a), "scratch overrun at %zu", k);
}

/* C = alpha op(A) op(B) + beta C with a checked scratch block */
static void
gemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha,
    const float *a, size_t lda, const float *b, size_t ldb, float beta,
    float *c, size_t ldc)
{
	size_t ws = rt_sgemm_work(m, n, k);
	unsigned char *w = scratch(ws);

	rt_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, w);
	checkcanary(w, ws);
	free(w);
}

static void
expect(const float *got, const float *want, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		cr_assert(eq(flt, got[k], want[k]), "element %zu: %g, not %g",
		    k, got[k], want[k]);
}

/* A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12], AB = [58 64; 139 154] */
static const float A[] = {1, 2, 3, 4, 5, 6};
static const float At[] = {1, 4, 2, 5, 3, 6};
static const float B[] = {7, 8, 9, 10, 11, 12};
static const float Bt[] = {7, 9, 11, 8, 10, 12};
static const float AB[] = {58, 64, 139, 154};

static void
byhand(void)
{
	float c[4];
	const float *a, *b;
	int t;

	for (t = 0; t < 4; t++) {
		a = t & 1 ? At : A;
		b = t & 2 ? Bt : B;
		gemm(t & 1, t & 2, 2, 2, 3, 1, a, t & 1 ? 2 : 3, b,
		    t & 2 ? 3 : 2, 0, c, 2);
		expect(c, AB, 4);
	}
}

static void
alphabeta(void)
{
	float c[4] = {1, 1, 1, 1};
	const float want[] = {116.5f, 128.5f, 278.5f, 308.5f};
	float nan4[4] = {NAN, NAN, NAN, NAN};

	gemm(false, false, 2, 2, 3, 2, A, 3, B, 2, 0.5f, c, 2);
	expect(c, want, 4);
	/* beta = 0: C is not read, so NaN in it does not propagate */
	gemm(false, false, 2, 2, 3, 1, A, 3, B, 2, 0, nan4, 2);
	expect(nan4, AB, 4);
	/* the dot-product path (B transposed, few rows) too */
	memcpy(c, (float[]){1, 1, 1, 1}, sizeof c);
	gemm(false, true, 2, 2, 3, 2, A, 3, Bt, 3, 0.5f, c, 2);
	expect(c, want, 4);
	nan4[0] = nan4[1] = nan4[2] = nan4[3] = NAN;
	gemm(true, true, 2, 2, 3, 1, At, 2, Bt, 3, 0, nan4, 2);
	expect(nan4, AB, 4);
}

static void
leading(void)
{
	/* A and B inside wider rows; C's padding column left alone */
	const float a[] = {1, 2, 3, -1, 4, 5, 6, -1};
	const float b[] = {7, 8, -1, 9, 10, -1, 11, 12, -1};
	float c[] = {0, 0, 99, 0, 0, 99};
	const float want[] = {58, 64, 99, 139, 154, 99};

	gemm(false, false, 2, 2, 3, 1, a, 4, b, 3, 0, c, 3);
	expect(c, want, 6);
}

static void
kzero(void)
{
	float c[] = {1, 2, 3, 4};
	const float want[] = {3, 6, 9, 12};

	gemm(false, false, 2, 2, 0, 1, A, 3, B, 2, 3, c, 2);
	expect(c, want, 4);
	gemm(false, true, 2, 2, 0, 1, A, 3, B, 2, 0, c, 2);
	expect(c, (float[]){0, 0, 0, 0}, 4);
}

static void
bias(void)
{
	/* rt_sgemm_ex: C = A B + bias[row], B through rt_packb_rows with
	 * an offset table (rows of B taken from a buffer in another order) */
	const float buf[] = {11, 12, 0, 7, 8, 0, 9, 10};
	const ptrdiff_t off[] = {3, 6, 0};
	const float bi[] = {10, 20};
	const float want[] = {68, 74, 159, 174};
	RtRows rows = {buf, 0, off};
	size_t ws = rt_sgemm_work(2, 2, 3);
	unsigned char *w = scratch(ws);
	float c[4];

	rt_sgemm_ex(2, 2, 3, 1, A, 3, 1, rt_packb_rows, &rows, 0, bi, NULL, c, 2, w);
	expect(c, want, 4);
	/* A as a strided view: element (i, p) at a[i*1 + p*2] is At */
	rt_sgemm_ex(2, 2, 3, 1, At, 1, 2, rt_packb_rows, &rows, 0, bi, NULL, c, 2,
	    w);
	expect(c, want, 4);
	/* a fused activation clamps the final values: [70, 160] */
	rt_sgemm_ex(2, 2, 3, 1, A, 3, 1, rt_packb_rows, &rows, 0, bi,
	    (const float[]){70, 160}, c, 2, w);
	expect(c, (float[]){70, 74, 159, 160}, 4);
	checkcanary(w, ws);
	free(w);
}

/* ---- random shapes against a triple loop ------------------------------- */

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static float
val(uint32_t *s)
{
	return (float)(lcg(s) % 2001) / 1000.0f - 1.0f;
}

static void
random1(size_t m, size_t n, size_t k, bool ta, bool tb, float alpha,
    float beta, uint32_t seed)
{
	size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
	size_t ra = ta ? k : m, rb = tb ? n : k, i, j, p;
	float *a = malloc((ra * lda + 1) * sizeof *a);
	float *b = malloc((rb * ldb + 1) * sizeof *b);
	float *c = malloc(m * ldc * sizeof *c);
	double *want = malloc(m * n * sizeof *want);
	double *mag = malloc(m * n * sizeof *mag);

	for (i = 0; i < ra * lda; i++)
		a[i] = val(&seed);
	for (i = 0; i < rb * ldb; i++)
		b[i] = val(&seed);
	for (i = 0; i < m * ldc; i++)
		c[i] = val(&seed);
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double s = 0, g = 0;

			for (p = 0; p < k; p++) {
				double x = ta ? a[p * lda + i] : a[i * lda + p];
				double y = tb ? b[j * ldb + p] : b[p * ldb + j];

				s += x * y;
				g += fabs(x * y);
			}
			want[i * n + j] = alpha * s + beta * c[i * ldc + j];
			mag[i * n + j] = fabs(alpha) * g +
			    fabs(beta * c[i * ldc + j]);
		}
	gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double d = fabs(c[i * ldc + j] - want[i * n + j]);

			cr_assert(d <= 1e-5 * mag[i * n + j] + 1e-6,
			    "%zux%zux%zu ta %d tb %d: C[%zu][%zu] = %g, "
			    "not %g", m, n, k, ta, tb, i, j, c[i * ldc + j],
			    want[i * n + j]);
		}
	free(a);
	free(b);
	free(c);
	free(want);
	free(mag);
}

static void
randomshapes(void)
{
	/* tile edges (12x32, 6x16, 6x8), K slices (256), row blocks (96,
	 * 120), column blocks (1024, 2048), the dot path (tb, m < 8) */
	static const size_t shape[][3] = {
		{1, 1, 1}, {1, 1000, 512}, {3, 5, 7}, {12, 32, 256},
		{13, 33, 257}, {25, 65, 300}, {97, 17, 40}, {121, 9, 3},
		{64, 49, 600}, {7, 2100, 19}, {5, 3, 600}, {40, 40, 0},
	};
	size_t s;
	int t;

	for (s = 0; s < sizeof shape / sizeof shape[0]; s++)
		for (t = 0; t < 4; t++)
			random1(shape[s][0], shape[s][1], shape[s][2], t & 1,
			    t & 2, t == 3 ? -0.5f : 1, t == 1 ? 0.25f : 0,
			    (uint32_t)(s * 4 + t));
}

/* rt_sgemm_ex with a bias and a fused activation clamp: the clamp applies
 * to the final sums only, however many K slices (256) they take */
static void
randomclamp(void)
{
	static const size_t shape[][3] = {
		{13, 33, 257}, {25, 65, 600}, {40, 1100, 20}, {3, 70, 9},
		{24, 100, 30},
	};
	static const float clamp[] = {-0.5f, 0.7f};
	size_t t, i, j, p;

	for (t = 0; t < sizeof shape / sizeof shape[0]; t++) {
		size_t m = shape[t][0], n = shape[t][1], k = shape[t][2];
		uint32_t seed = (uint32_t)t;
		float *a = malloc(m * k * sizeof *a);
		float *b = malloc(k * n * sizeof *b);
		float *bi = malloc(m * sizeof *bi);
		float *c = malloc(m * n * sizeof *c);
		size_t ws = rt_sgemm_work(m, n, k);
		unsigned char *w = scratch(ws);
		RtRows rows = {b, n, NULL};

		for (i = 0; i < m * k; i++)
			a[i] = val(&seed) / 8;
		for (i = 0; i < k * n; i++)
			b[i] = val(&seed);
		for (i = 0; i < m; i++)
			bi[i] = val(&seed);
		rt_sgemm_ex(m, n, k, 1, a, k, 1, rt_packb_rows, &rows, 0, bi,
		    clamp, c, n, w);
		checkcanary(w, ws);
		for (i = 0; i < m; i++)
			for (j = 0; j < n; j++) {
				double s = bi[i], g = fabs(s), want;

				for (p = 0; p < k; p++) {
					s += (double)a[i * k + p] * b[p * n + j];
					g += fabs((double)a[i * k + p] *
					    b[p * n + j]);
				}
				want = s < clamp[0] ? clamp[0] :
				    s > clamp[1] ? clamp[1] : s;
				cr_assert(fabs(c[i * n + j] - want) <=
				    1e-5 * g + 1e-6, "%zux%zux%zu: C[%zu][%zu] "
				    "= %g, not %g", m, n, k, i, j, c[i * n + j],
				    want);
			}
		free(a);
		free(b);
		free(bi);
		free(c);
		free(w);
	}
}

#define FORISA(name, fn)                                                     \
	Test(gemm, name##_base) { setenv("SQC_ISA", isas[0], 1); fn(); }      \
	Test(gemm, name##_avx2) { setenv("SQC_ISA", isas[1], 1); fn(); }      \
	Test(gemm, name##_avx512) { setenv("SQC_ISA", isas[2], 1); fn(); }

FORISA(byhand, byhand)
FORISA(alpha_beta, alphabeta)
FORISA(leading_dims, leading)
FORISA(k_zero, kzero)
FORISA(bias_rows, bias)
FORISA(random_shapes, randomshapes)
FORISA(random_clamp, randomclamp)
