/*
 * gemm.c — blocked single-precision GEMM (contract in gemm.h).
 *
 * Loop nest (Goto/BLIS): for each nc-wide column block of B, for each
 * kc-deep slice of K, pack B[kc][nc] into nr-wide panels (L2-resident);
 * for each mc-tall row block of A, run the micro-kernel over every (nr
 * panel, mr rows) pair, the B panel staying in L1 while A streams past it.
 * A is never packed: the kernel reads it in place through a row stride and
 * a column stride, so transposed and strided A cost nothing extra, and
 * small-N products (late conv layers: N = 49) do not pay for packing A.
 * Nor is B when at most two row panels read it (M <= 2*mr) and its rows
 * are evenly spaced: packing would copy each element to use it once.
 * The first K slice applies beta and the bias; later slices accumulate.
 * A fused activation (clamp = {lo, hi}) is applied by the kernel with the
 * last K slice, before the tile is stored.
 * C = A B^T with fewer than 8 rows (fully connected layers at batch 1) is
 * a set of dot products instead: packing B^T would be a transpose of the
 * whole weight matrix to use each element once per row.
 *
 * Kernel sets (tile rows x columns):
 *   avx512   12 x 32  (24 zmm accumulators)
 *   avx2      6 x 16  (12 ymm accumulators)
 *   base      6 x 8   (SSE2, NEON or any 16-byte vector unit)
 *   scalar    4 x 4   (no GCC vector extensions)
 * Row panels are balanced (64 rows are 11+11+11+11+10+10, not 5*12+4) and
 * each set has a kernel for every row count up to its tile, so no kernel
 * computes rows of zeros.
 */
#include <stdint.h>
#include <string.h>

#include "gemm.h"
#include "simd.h"

typedef void KernFn(size_t kc, const float *restrict a, size_t rs,
    size_t cs, const float *restrict b, size_t ldb, float *restrict c,
    size_t ldc, size_t nr, float alpha, float beta, const float *bias,
    const float *clamp);

enum { MAXMR = 12 };

typedef struct KernSet {
	size_t mr, nr;		/* the full tile */
	size_t mc, kc, nc;	/* cache blocks: mc % mr == 0, nc % nr == 0 */
	KernFn *fn[MAXMR];	/* fn[r-1]: kernel for r rows */
} KernSet;

/* ---- kernel instantiations ---------------------------------------------- */

#if RT_VEC

#define KATTR RT_CONTRACT
#define KVT rt_v4
#define KVTU rt_v4u
#define KVW 4
#define KNV 2
#define KCLAMP(v, lo, hi) RT_VCLAMP(rt_v4, rt_i4, v, lo, hi)
#define KNAME kbase1
#define KMR 1
#include "gemmkern.h"
#define KNAME kbase2
#define KMR 2
#include "gemmkern.h"
#define KNAME kbase3
#define KMR 3
#include "gemmkern.h"
#define KNAME kbase4
#define KMR 4
#include "gemmkern.h"
#define KNAME kbase5
#define KMR 5
#include "gemmkern.h"
#define KNAME kbase6
#define KMR 6
#include "gemmkern.h"
#undef KATTR
#undef KVT
#undef KVTU
#undef KVW
#undef KNV
#undef KCLAMP

static const KernSet ksbase = {
	6, 8, 120, 256, 2048,
	{kbase1, kbase2, kbase3, kbase4, kbase5, kbase6},
};

#else

#define KATTR 
#define KVT float
#define KVTU float
#define KVW 1
#define KNV 4
#define KCLAMP RT_SCLAMP
#define KNAME kscalar1
#define KMR 1
#include "gemmkern.h"
#define KNAME kscalar2
#define KMR 2
#include "gemmkern.h"
#define KNAME kscalar3
#define KMR 3
#include "gemmkern.h"
#define KNAME kscalar4
#define KMR 4
#include "gemmkern.h"
#undef KATTR
#undef KVT
#undef KVTU
#undef KVW
#undef KNV
#undef KCLAMP

static const KernSet ksbase = {
	4, 4, 128, 256, 1024,
	{kscalar1, kscalar2, kscalar3, kscalar4},
};

#endif

#if RT_X86

#define KATTR RT_CONTRACT RT_AVX2
#define KVT rt_v8
#define KVTU rt_v8u
#define KVW 8
#define KNV 2
#define KCLAMP(v, lo, hi) RT_VCLAMP(rt_v8, rt_i8, v, lo, hi)
#define KNAME kavx2_1
#define KMR 1
#include "gemmkern.h"
#define KNAME kavx2_2
#define KMR 2
#include "gemmkern.h"
#define KNAME kavx2_3
#define KMR 3
#include "gemmkern.h"
#define KNAME kavx2_4
#define KMR 4
#include "gemmkern.h"
#define KNAME kavx2_5
#define KMR 5
#include "gemmkern.h"
#define KNAME kavx2_6
#define KMR 6
#include "gemmkern.h"
#undef KATTR
#undef KVT
#undef KVTU
#undef KVW
#undef KNV
#undef KCLAMP

#define KATTR RT_CONTRACT RT_AVX512
#define KVT rt_v16
#define KVTU rt_v16u
#define KVW 16
#define KNV 2
#define KCLAMP(v, lo, hi) RT_VCLAMP(rt_v16, rt_i16, v, lo, hi)
#define KNAME kavx512_1
#define KMR 1
#include "gemmkern.h"
#define KNAME kavx512_2
#define KMR 2
#include "gemmkern.h"
#define KNAME kavx512_3
#define KMR 3
#include "gemmkern.h"
#define KNAME kavx512_4
#define KMR 4
#include "gemmkern.h"
#define KNAME kavx512_5
#define KMR 5
#include "gemmkern.h"
#define KNAME kavx512_6
#define KMR 6
#include "gemmkern.h"
#define KNAME kavx512_7
#define KMR 7
#include "gemmkern.h"
#define KNAME kavx512_8
#define KMR 8
#include "gemmkern.h"
#define KNAME kavx512_9
#define KMR 9
#include "gemmkern.h"
#define KNAME kavx512_10
#define KMR 10
#include "gemmkern.h"
#define KNAME kavx512_11
#define KMR 11
#include "gemmkern.h"
#define KNAME kavx512_12
#define KMR 12
#include "gemmkern.h"
#undef KATTR
#undef KVT
#undef KVTU
#undef KVW
#undef KNV
#undef KCLAMP

static const KernSet ksavx2 = {
	6, 16, 120, 256, 2048,
	{kavx2_1, kavx2_2, kavx2_3, kavx2_4, kavx2_5, kavx2_6},
};

static const KernSet ksavx512 = {
	12, 32, 96, 256, 1024,
	{
	kavx512_1, kavx512_2, kavx512_3, kavx512_4, kavx512_5, kavx512_6,
	kavx512_7, kavx512_8, kavx512_9, kavx512_10, kavx512_11, kavx512_12,
	},
};

#endif

/* ---- dot products: C = A * B^T for a few rows of A ---------------------- */

/* c[j] = alpha * sum_p a[p] * b[j*ldb + p] + beta * c[j] for j < n (beta
 * == 0: c not read); four rows of B at a time share each load of a */
#define DOTKERN(NAME, ATTR, VT, VTU, VW)                                     \
static ATTR void                                                             \
NAME(size_t k, const float *a, const float *b, size_t ldb, size_t n,         \
    float alpha, float beta, float *c)                                       \
{                                                                            \
	size_t j, p, q;                                                      \
	int v, i;                                                            \
                                                                             \
	for (j = 0; j < n; j += 4) {                                         \
		size_t nv = n - j < 4 ? n - j : 4;                           \
		const float *br[4];                                          \
		VT acc[4];                                                   \
		float t[VW], s;                                              \
                                                                             \
		RT_UNROLL                                                    \
		for (v = 0; v < 4; v++) {                                    \
			br[v] = b + (j + ((size_t)v < nv ? (size_t)v : 0)) * \
			    ldb;                                             \
			acc[v] = (VT){0};                                    \
		}                                                            \
		for (p = 0; p + VW <= k; p += VW) {                          \
			VT av = *(const VTU *)(a + p);                       \
                                                                             \
			RT_UNROLL                                            \
			for (v = 0; v < 4; v++)                              \
				acc[v] += av * *(const VTU *)(br[v] + p);    \
		}                                                            \
		for (v = 0; (size_t)v < nv; v++) {                           \
			*(VTU *)t = acc[v];                                  \
			s = 0;                                               \
			for (i = 0; i < VW; i++)                             \
				s += t[i];                                   \
			for (q = p; q < k; q++)                              \
				s += a[q] * br[v][q];                        \
			c[j + v] = beta == 0 ? alpha * s :                   \
			    alpha * s + beta * c[j + v];                     \
		}                                                            \
	}                                                                    \
}

typedef void DotFn(size_t k, const float *a, const float *b, size_t ldb,
    size_t n, float alpha, float beta, float *c);

#if RT_VEC
DOTKERN(dotbase, RT_CONTRACT, rt_v4, rt_v4u, 4)
#else
DOTKERN(dotbase, RT_CONTRACT, float, float, 1)
#endif
#if RT_X86
DOTKERN(dotavx2, RT_CONTRACT RT_AVX2, rt_v8, rt_v8u, 8)
DOTKERN(dotavx512, RT_CONTRACT RT_AVX512, rt_v16, rt_v16u, 16)
#endif

static DotFn *
pickdot(void)
{
#if RT_X86
	switch (rt_isa()) {
	case RT_ISA_AVX512:
		return dotavx512;
	case RT_ISA_AVX2:
		return dotavx2;
	}
#endif
	return dotbase;
}

static const KernSet *
pick(void)
{
#if RT_X86
	switch (rt_isa()) {
	case RT_ISA_AVX512:
		return &ksavx512;
	case RT_ISA_AVX2:
		return &ksavx2;
	}
#endif
	return &ksbase;
}

static size_t
minz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t
roundup(size_t a, size_t b)
{
	return (a + b - 1) / b * b;
}

/* ---- packing B ---------------------------------------------------------- */

/* Copy w <= nr floats of each of kc rows into a panel of nr columns,
 * zero-filling the rest.  Constant-size copies, so the compiler emits
 * vector moves. */
static void
panel(const float *const *row, size_t off, size_t kc, size_t w, size_t nr,
    float *d)
{
	size_t p;

	for (p = 0; p < kc; p++, d += nr) {
		const float *s = row[p] + off;

		if (w == nr && nr == 32)
			memcpy(d, s, 32 * sizeof *d);
		else if (w == nr && nr == 16)
			memcpy(d, s, 16 * sizeof *d);
		else if (w == nr && nr == 8)
			memcpy(d, s, 8 * sizeof *d);
		else {
			memcpy(d, s, w * sizeof *d);
			memset(d + w, 0, (nr - w) * sizeof *d);
		}
	}
}

enum { ROWCHUNK = 64 };	/* row pointers resolved at a time */

void
rt_packb_rows(const void *arg, size_t k0, size_t kc, size_t n0, size_t nc,
    size_t nr, float *dst)
{
	const RtRows *b = arg;
	const float *row[ROWCHUNK];
	size_t p0, p, n, jr;

	for (p0 = 0; p0 < kc; p0 += ROWCHUNK) {
		n = minz(ROWCHUNK, kc - p0);
		for (p = 0; p < n; p++)
			row[p] = b->p + (b->off ? (size_t)b->off[k0 + p0 + p] :
			    (k0 + p0 + p) * b->ld) + n0;
		for (jr = 0; jr < nc; jr += nr)
			panel(row, jr, n, minz(nr, nc - jr), nr,
			    dst + jr * kc + p0 * nr);
	}
}

void
rt_packb_trans(const void *arg, size_t k0, size_t kc, size_t n0, size_t nc,
    size_t nr, float *dst)
{
	const RtRows *b = arg;
	size_t jr, w, p, j;

	for (jr = 0; jr < nc; jr += nr, dst += kc * nr) {
		w = minz(nr, nc - jr);
		for (j = 0; j < w; j++) {
			const float *s = b->p + (n0 + jr + j) * b->ld + k0;

			for (p = 0; p < kc; p++)
				dst[p * nr + j] = s[p];
		}
		for (p = 0; p < kc; p++)
			for (j = w; j < nr; j++)
				dst[p * nr + j] = 0;
	}
}

/* ---- the driver --------------------------------------------------------- */

static size_t
work(const KernSet *ks, size_t n, size_t k)
{
	size_t kc = minz(ks->kc, k);
	size_t nc = minz(ks->nc, roundup(n, ks->nr));

	return kc * nc * sizeof(float) + 64;
}

enum { DOTROWS = 8 };	/* rt_sgemm: A*B^T with fewer rows is dot products */

size_t
rt_sgemm_work(size_t m, size_t n, size_t k)
{
	size_t w = work(&ksbase, n, k);

	/* the most any kernel set needs, so that a size computed on one CPU
	 * (the C backend plans its arena at compile time) holds on another */
#if RT_X86
	if (work(&ksavx2, n, k) > w)
		w = work(&ksavx2, n, k);
	if (work(&ksavx512, n, k) > w)
		w = work(&ksavx512, n, k);
#endif

	return w > k * sizeof(float) + 64 ? w : k * sizeof(float) + 64;
}

/* C = beta*C + bias for K = 0 */
static void
scale(size_t m, size_t n, float beta, const float *bias, float *c,
    size_t ldc)
{
	size_t i, j;

	for (i = 0; i < m; i++) {
		float br = bias ? bias[i] : 0;

		for (j = 0; j < n; j++)
			c[i * ldc + j] = (beta == 0 ? 0 : beta * c[i * ldc + j])
			    + br;
	}
}

/* a fused activation: clamp an m x n tile of C to [lo, hi] */
static void
clamptile(size_t m, size_t n, const float *clamp, float *c, size_t ldc)
{
	float lo = clamp[0], hi = clamp[1], v;
	size_t i, j;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			v = c[i * ldc + j];
			v = v < lo ? lo : v;
			c[i * ldc + j] = v > hi ? hi : v;
		}
}

void
rt_sgemm_ex(size_t m, size_t n, size_t k, float alpha, const float *a,
    size_t rs, size_t cs, RtPackB packb, const void *barg, float beta,
    const float *bias, const float *clamp, float *c, size_t ldc, void *wk)
{
	const KernSet *ks = pick();
	const RtRows *rows = packb == rt_packb_rows ? barg : NULL;
	float *bbuf;
	const float *bp;
	size_t jc, pc, ic, jr, ir, nc, kc, mc, nr, r, np, t, ldb, jp;
	bool direct;

	if (m == 0 || n == 0)
		return;
	if (k == 0) {
		scale(m, n, beta, bias, c, ldc);
		if (clamp)
			clamptile(m, n, clamp, c, ldc);
		return;
	}
	/* A B of evenly spaced rows that at most two row panels read is
	 * read in place: packing it would copy every element to use it once
	 * or twice.  Only a last, partial panel is packed (the kernel reads
	 * whole panels). */
	direct = rows && !rows->off && m <= 2 * ks->mr;
	bbuf = (float *)(((uintptr_t)wk + 63) & ~(uintptr_t)63);
	for (jc = 0; jc < n; jc += ks->nc) {
		nc = minz(ks->nc, n - jc);
		jp = direct ? nc / ks->nr * ks->nr : 0;	/* first packed col */
		for (pc = 0; pc < k; pc += ks->kc) {
			float be = pc == 0 ? beta : 1;
			const float *bi = pc == 0 ? bias : NULL;
			/* the activation goes with the last K slice */
			const float *cl = pc + ks->kc >= k ? clamp : NULL;

			kc = minz(ks->kc, k - pc);
			if (jp < nc)
				packb(barg, pc, kc, jc + jp, nc - jp, ks->nr,
				    bbuf);
			for (ic = 0; ic < m; ic += ks->mc) {
				mc = minz(ks->mc, m - ic);
				/* np row panels of balanced heights: 64
				 * rows are 11+11+11+11+10+10, not 5*12+4 */
				np = (mc + ks->mr - 1) / ks->mr;
				for (jr = 0; jr < nc; jr += ks->nr) {
					nr = minz(ks->nr, nc - jr);
					if (jr < jp) {
						bp = rows->p + pc * rows->ld +
						    jc + jr;
						ldb = rows->ld;
					} else {
						bp = bbuf + (jr - jp) * kc;
						ldb = ks->nr;
					}
					for (ir = 0, t = 0; ir < mc; ir += r, t++) {
						r = mc / np + (t < mc % np);
						ks->fn[r - 1](kc,
						    a + (ic + ir) * rs + pc * cs,
						    rs, cs, bp, ldb,
						    c + (ic + ir) * ldc + jc + jr,
						    ldc, nr, alpha, be,
						    bi ? bi + ic + ir : NULL, cl);
					}
				}
			}
		}
	}
}

void
rt_sgemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha,
    const float *a, size_t lda, const float *b, size_t ldb, float beta,
    float *c, size_t ldc, void *wk)
{
	RtRows bm = {b, ldb, NULL};
	size_t i, p;

	if (tb && m < DOTROWS && k > 0) {
		DotFn *dot = pickdot();
		float *col = (float *)(((uintptr_t)wk + 63) & ~(uintptr_t)63);

		for (i = 0; i < m; i++) {
			const float *ar = a + i * lda;

			if (ta) {
				for (p = 0; p < k; p++)
					col[p] = a[p * lda + i];
				ar = col;
			}
			dot(k, ar, b, ldb, n, alpha, beta, c + i * ldc);
		}
		return;
	}
	rt_sgemm_ex(m, n, k, alpha, a, ta ? 1 : lda, ta ? lda : 1,
	    tb ? rt_packb_trans : rt_packb_rows, &bm, beta, NULL, NULL, c, ldc,
	    wk);
}
