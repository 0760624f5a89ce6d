/*
 * systolic_x86.h — runtime/systolic.c's fast CPU paths for x86 with
 * AVX-512 VNNI (private to systolic.c, which includes it once, after its
 * Conv struct, round_sat and scale_and_sat; GCC or Clang only).  Every
 * function here computes exactly the bits of systolic.c's reference loops:
 * integer sums are exact modulo 2^32 in any order, and the output pipeline
 * is the same float32 multiply followed by the same rounding.
 *
 * Conv (NHWC input, HWIO weights): an implicit GEMM [pixels x K] x
 * [K x cout], K = k*k*cin in HWIO row order.  For a block of SX_MR output
 * pixels and a slice of at most SX_KC rows of K, the A panel (SX_MR rows of
 * input bytes, the receptive fields gathered from the input, padding as
 * code 0) is copied with the sign bit flipped (a + 128, unsigned), so that
 * vpdpbusd (u8 x s8, 4 products summed into each int32 lane, wrapping)
 * multiplies it by the weights, read in place: 4 weight rows of 32 output
 * channels are interleaved into two vectors by byte and word unpacks.  The
 * + 128 is taken back by starting each sum at bias - 128 * (column sum of
 * the weights over all of K), so every lane ends at bias + sum a*w modulo
 * 2^32.  The unpacks leave the 32 channels of a tile in the order SX_PERM;
 * sums cross K slices in a stack buffer in that order and are put back in
 * channel order (vpermt2d) for the output pipeline.
 *
 * Output pipeline (default rounding): p = (float)x * scale in vectors (the
 * same float32 conversion and multiply as the scalar code, under the same
 * MXCSR), then max(p, -129) (NaN gives -129), min(., 128), conversion with
 * embedded round-to-nearest-even (independent of MXCSR), clamp to
 * [relu ? 0 : -128, 127]: equal to round_sat for every float.  Built with
 * SQC_GEMMINI_MACRO_ROUNDING the sums go through scale_and_sat instead.
 *
 * Depthwise: channels in vectors of 64 (NHWC makes them contiguous), the
 * [C][k][k] weights of a 64-channel slice transposed to [k*k][64] int16 in
 * a stack buffer, products int16 (|a*w| <= 2^14), summed in int32.
 *
 * Stack (no heap, no static state): sx_conv 14 KiB, sx_dw 9 KiB, under
 * systolic.c's rows_run (24 KiB).  Bounded and re-entrant.
 */
#include <immintrin.h>

#define SX_ATTR __attribute__((target( \
	"avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define SX_INLINE static inline __attribute__((always_inline)) SX_ATTR

enum {
	SX_MR = 8,		/* pixels per micro-tile */
	SX_NR = 32,		/* output channels per micro-tile */
	SX_KC = 512,		/* rows of K per A panel (multiple of 4) */
	SX_NCB = 256,		/* output channels per column-sum chunk */
	SX_DWC = 64,		/* depthwise channels per slice */
	SX_DWKK = 64		/* depthwise k*k bound */
};

/* lane l of a tile's two accumulators holds channel SX_PERM[l] */
static const int SX_PERM[32] = {
	0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23,
	8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31,
};

/* does this CPU (capped by SQC_ISA) run these paths? */
static int
sx_usable(void)
{
	return rt_isa() >= RT_ISA_AVX512 &&
	    __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512dq") &&
	    __builtin_cpu_supports("avx512vnni");
}

/* clamp(round_sat(x * scale), lo, 127) for 16 int32 lanes */
SX_INLINE __m512i
sx_rsat(__m512i x, float scale, int lo)
{
	__m512 p = _mm512_mul_ps(_mm512_cvtepi32_ps(x), _mm512_set1_ps(scale));
	__m512i r;

	p = _mm512_max_ps(p, _mm512_set1_ps(-129.0f));	/* NaN -> -129 */
	p = _mm512_min_ps(p, _mm512_set1_ps(128.0f));
	r = _mm512_cvt_roundps_epi32(p,
	    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm512_max_epi32(r, _mm512_set1_epi32(lo));
	return _mm512_min_epi32(r, _mm512_set1_epi32(127));
}

/* the output pipeline for 16 sums in channel order, n (<= 16) stored */
SX_INLINE void
sx_out16(__m512i x, const Conv *c, elem_t *dst, int n)
{
	__mmask16 m = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
#if SQC_GEMMINI_MACRO_ROUNDING
	int32_t t[16];
	int j;

	_mm512_storeu_si512(t, x);
	for (j = 0; j < n; j++)
		dst[j] = scale_and_sat(t[j], c->act, c->scale, 0);
	(void)m;
#else
	__m512i r = sx_rsat(x, c->scale, c->act == RELU ? 0 : -128);

	_mm_mask_storeu_epi8(dst, m, _mm512_cvtepi32_epi8(r));
#endif
}

/* four rows of 32 weights (rows past nrows are 0) -> two vectors whose
 * dword lane l holds the 4 rows of channel SX_PERM[l] (resp. 16 + l) */
SX_INLINE void
sx_wload(const elem_t *w, long ws, int nrows, __mmask32 cm, __m512i *w0,
    __m512i *w1)
{
	__m256i z = _mm256_setzero_si256();
	__m256i r0 = _mm256_maskz_loadu_epi8(cm, w);
	__m256i r1 = nrows > 1 ? _mm256_maskz_loadu_epi8(cm, w + ws) : z;
	__m256i r2 = nrows > 2 ? _mm256_maskz_loadu_epi8(cm, w + 2 * ws) : z;
	__m256i r3 = nrows > 3 ? _mm256_maskz_loadu_epi8(cm, w + 3 * ws) : z;
	__m256i t0 = _mm256_unpacklo_epi8(r0, r1);
	__m256i t1 = _mm256_unpackhi_epi8(r0, r1);
	__m256i t2 = _mm256_unpacklo_epi8(r2, r3);
	__m256i t3 = _mm256_unpackhi_epi8(r2, r3);

	*w0 = _mm512_inserti64x4(_mm512_castsi256_si512(
	    _mm256_unpacklo_epi16(t0, t2)), _mm256_unpackhi_epi16(t0, t2), 1);
	*w1 = _mm512_inserti64x4(_mm512_castsi256_si512(
	    _mm256_unpacklo_epi16(t1, t3)), _mm256_unpackhi_epi16(t1, t3), 1);
}

/* one micro-tile over one K slice: acc[i] (+)= panel row i . w, kc rows */
SX_INLINE void
sx_tile(__m512i acc[SX_MR][2], const uint8_t *panel, long kc,
    const elem_t *w, long ws, __mmask32 cm)
{
	__m512i w0, w1, a;
	long s;
	int i;

	for (s = 0; s + 4 <= kc; s += 4) {
		sx_wload(w + s * ws, ws, 4, cm, &w0, &w1);
		RT_UNROLL
		for (i = 0; i < SX_MR; i++) {
			int32_t v;

			memcpy(&v, panel + i * SX_KC + s, 4);
			a = _mm512_set1_epi32(v);
			acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], a, w0);
			acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], a, w1);
		}
	}
	if (s < kc) {
		/* the panel holds 128 (code 0) past kc; its rows are 0 here */
		sx_wload(w + s * ws, ws, (int)(kc - s), cm, &w0, &w1);
		RT_UNROLL
		for (i = 0; i < SX_MR; i++) {
			int32_t v;

			memcpy(&v, panel + i * SX_KC + s, 4);
			a = _mm512_set1_epi32(v);
			acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], a, w0);
			acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], a, w1);
		}
	}
}

/* panel row: K rows [k0, k0 + kc) of the receptive field at (iy, ix) of
 * image b, + 128, padded with 128 to a multiple of 4 */
SX_INLINE void
sx_fill(const Conv *c, long b, long iy, long ix, long k0, long kc,
    uint8_t *dst)
{
	long k = k0, end = k0 + kc, t = k0 / c->CI, ci = k0 % c->CI, len, j;
	long y, x;

	while (k < end) {
		len = c->CI - ci < end - k ? c->CI - ci : end - k;
		y = iy + t / c->k * c->kdil;
		x = ix + t % c->k * c->kdil;
		if (y >= 0 && y < c->IH && x >= 0 && x < c->IW) {
			const uint8_t *src = (const uint8_t *)c->in +
			    ((b * c->IH + y) * c->IW + x) * c->in_stride + ci;

			for (j = 0; j < len; j++)
				dst[j] = (uint8_t)(src[j] ^ 0x80u);
		} else
			memset(dst, 0x80, (size_t)len);
		dst += len, k += len, t++, ci = 0;
	}
	for (; (kc & 3) != 0; kc++)
		*dst++ = 0x80;
}

/*
 * Conv outputs of image b, flattened output pixels [p0, p0 + np) (p = orow
 * * OW + ocol), channels [o0, o0 + nco): the output of pixel p, channel j
 * goes to out[(p - p0) * ops + j - o0].  Needs the fast layout (see
 * sx_conv_ok) and K >= 1.
 */
static SX_ATTR void
sx_conv(const Conv *c, long b, long p0, long np, long o0, long nco,
    elem_t *out, long ops)
{
	uint32_t base[SX_NCB] __attribute__((aligned(64)));
	uint32_t accb[SX_MR][SX_NCB] __attribute__((aligned(64)));
	uint8_t panel[SX_MR * SX_KC] __attribute__((aligned(64)));
	uint32_t cs[SX_NCB];
	long K = c->k * c->k * c->CI, ws = c->w_stride;
	long j0, nc, nq, q, pb, m, i, k0, kc, k, j, l, iy[SX_MR], ix[SX_MR];
	__m512i acc[SX_MR][2];
	const __m512i inv0 = _mm512_setr_epi32(0, 1, 2, 3, 8, 9, 10, 11, 16,
	    17, 18, 19, 24, 25, 26, 27);
	const __m512i inv1 = _mm512_setr_epi32(4, 5, 6, 7, 12, 13, 14, 15,
	    20, 21, 22, 23, 28, 29, 30, 31);

	for (j0 = o0; j0 < o0 + nco; j0 += SX_NCB) {
		nc = o0 + nco - j0 < SX_NCB ? o0 + nco - j0 : SX_NCB;
		nq = (nc + SX_NR - 1) / SX_NR;
		/* bias - 128 * column sums, in each tile's lane order */
		for (j = 0; j < nc; j++)
			cs[j] = 0;
		for (k = 0; k < K; k++) {
			const elem_t *wr = c->w + k * ws + j0;

			for (j = 0; j < nc; j++)
				cs[j] += (uint32_t)wr[j];
		}
		for (q = 0; q < nq; q++)
			for (l = 0; l < SX_NR; l++) {
				j = q * SX_NR + SX_PERM[l];
				base[q * SX_NR + l] = j >= nc ? 0 :
				    (c->bias ? (uint32_t)c->bias[j0 + j] : 0) -
				    128u * cs[j];
			}
		for (pb = p0; pb < p0 + np; pb += SX_MR) {
			m = p0 + np - pb < SX_MR ? p0 + np - pb : SX_MR;
			for (i = 0; i < m; i++) {
				iy[i] = (pb + i) / c->OW * c->stride - c->pad;
				ix[i] = (pb + i) % c->OW * c->stride - c->pad;
			}
			for (k0 = 0; k0 < K; k0 += SX_KC) {
				kc = K - k0 < SX_KC ? K - k0 : SX_KC;
				for (i = 0; i < SX_MR; i++)
					if (i < m)
						sx_fill(c, b, iy[i], ix[i], k0,
						    kc, panel + i * SX_KC);
					else
						memset(panel + i * SX_KC, 0x80,
						    (size_t)((kc + 3) & ~3L));
				for (q = 0; q < nq; q++) {
					long n = nc - q * SX_NR;
					__mmask32 cm = n >= 32 ? ~(__mmask32)0
					    : (__mmask32)((1u << n) - 1);
					const uint32_t *src;

					RT_UNROLL
					for (i = 0; i < SX_MR; i++) {
						src = k0 == 0 ? base + q * SX_NR
						    : accb[i] + q * SX_NR;
						acc[i][0] = _mm512_load_si512(
						    src);
						acc[i][1] = _mm512_load_si512(
						    src + 16);
					}
					sx_tile(acc, panel, kc, c->w + k0 * ws
					    + j0 + q * SX_NR, ws, cm);
					if (k0 + kc < K) {
						RT_UNROLL
						for (i = 0; i < SX_MR; i++) {
							uint32_t *d = accb[i] +
							    q * SX_NR;

							_mm512_store_si512(d,
							    acc[i][0]);
							_mm512_store_si512(
							    d + 16, acc[i][1]);
						}
						continue;
					}
					for (i = 0; i < m; i++) {
						elem_t *d = out + (pb + i - p0)
						    * ops + j0 - o0 + q * SX_NR;
						__m512i x0 =
						    _mm512_permutex2var_epi32(
						    acc[i][0], inv0, acc[i][1]);
						__m512i x1 =
						    _mm512_permutex2var_epi32(
						    acc[i][0], inv1, acc[i][1]);

						sx_out16(x0, c, d, (int)n);
						if (n > 16)
							sx_out16(x1, c, d + 16,
							    (int)n - 16);
					}
				}
			}
		}
	}
}

/* depthwise (sx_conv's contract; channels [o0, o0 + nco)) */
static SX_ATTR void
sx_dw(const Conv *c, long b, long p0, long np, long o0, long nco,
    elem_t *out, long ops)
{
	int16_t wt[SX_DWKK][SX_DWC] __attribute__((aligned(64)));
	int32_t bs[SX_DWC] __attribute__((aligned(64)));
	long kk = c->k * c->k, c0, n, t, j, p, orow, ocol, y, x, kr, kc;
	__m512i acc[4], bv[4];
	__mmask64 m;

	for (c0 = o0; c0 < o0 + nco; c0 += SX_DWC) {
		n = o0 + nco - c0 < SX_DWC ? o0 + nco - c0 : SX_DWC;
		m = n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
		for (t = 0; t < kk; t++)
			for (j = 0; j < SX_DWC; j++)
				wt[t][j] = j < n ? c->w[(c0 + j) * kk + t] : 0;
		for (j = 0; j < SX_DWC; j++)
			bs[j] = j < n && c->bias ? c->bias[c0 + j] : 0;
		for (j = 0; j < 4; j++)
			bv[j] = _mm512_load_si512(bs + 16 * j);
		for (p = p0; p < p0 + np; p++) {
			orow = p / c->OW, ocol = p % c->OW;
			for (j = 0; j < 4; j++)
				acc[j] = bv[j];
			for (kr = 0; kr < c->k; kr++) {
				y = orow * c->stride + kr - c->pad;
				if (y < 0 || y >= c->IH)
					continue;
				for (kc = 0; kc < c->k; kc++) {
					__m512i v, lo, hi;

					x = ocol * c->stride + kc - c->pad;
					if (x < 0 || x >= c->IW)
						continue;
					v = _mm512_maskz_loadu_epi8(m, c->in +
					    ((b * c->IH + y) * c->IW + x) *
					    c->CI + c0);
					t = kr * c->k + kc;
					lo = _mm512_mullo_epi16(
					    _mm512_cvtepi8_epi16(
					    _mm512_castsi512_si256(v)),
					    _mm512_load_si512(wt[t]));
					hi = _mm512_mullo_epi16(
					    _mm512_cvtepi8_epi16(
					    _mm512_extracti64x4_epi64(v, 1)),
					    _mm512_load_si512(wt[t] + 32));
					acc[0] = _mm512_add_epi32(acc[0],
					    _mm512_cvtepi16_epi32(
					    _mm512_castsi512_si256(lo)));
					acc[1] = _mm512_add_epi32(acc[1],
					    _mm512_cvtepi16_epi32(
					    _mm512_extracti64x4_epi64(lo, 1)));
					acc[2] = _mm512_add_epi32(acc[2],
					    _mm512_cvtepi16_epi32(
					    _mm512_castsi512_si256(hi)));
					acc[3] = _mm512_add_epi32(acc[3],
					    _mm512_cvtepi16_epi32(
					    _mm512_extracti64x4_epi64(hi, 1)));
				}
			}
			for (j = 0; j < 4 && 16 * j < n; j++)
				sx_out16(acc[j], c, out + (p - p0) * ops + c0 -
				    o0 + 16 * j, (int)(n - 16 * j));
		}
	}
}

#if !SQC_GEMMINI_MACRO_ROUNDING
/* tiled_resadd_stride_auto in vectors of 16 */
static SX_ATTR void
sx_resadd(size_t dim_I, size_t dim_J, float as, float bs, float cs,
    size_t stride, const elem_t *A, const elem_t *B, elem_t *C, bool relu)
{
	size_t i, j;
	__m512i a, b;
	__mmask16 m;

	for (i = 0; i < dim_I; i++)
		for (j = 0; j < dim_J; j += 16) {
			m = dim_J - j >= 16 ? (__mmask16)0xffff :
			    (__mmask16)((1u << (dim_J - j)) - 1);
			a = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m,
			    A + i * stride + j));
			b = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m,
			    B + i * stride + j));
			if (as != 1.0f)
				a = sx_rsat(a, as, -128);
			if (bs != 1.0f)
				b = sx_rsat(b, bs, -128);
			a = sx_rsat(_mm512_add_epi32(a, b), cs, relu ? 0 : -128);
			_mm_mask_storeu_epi8(C + i * stride + j, m,
			    _mm512_cvtepi32_epi8(a));
		}
}
#endif
