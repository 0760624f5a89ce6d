/*
 * gemmkern.h — the register-tiled GEMM micro-kernel, a template: gemm.c
 * includes it once per (instruction set, row count) after defining
 *
 *   KNAME   the function's name
 *   KATTR   function attributes (target ISA), may be empty
 *   KVT     the vector type (a GCC vector of floats, or plain float)
 *   KVTU    the same with 4-byte alignment, for loads and stores to C
 *   KVW     floats per KVT
 *   KNV     vectors per row of the tile: nr = KNV * KVW columns
 *   KMR     rows of the tile
 *   KCLAMP  KCLAMP(v, lo, hi) clamps a KVT lvalue to [lo, hi]
 *
 * The kernel computes a KMR x nr block of C (nr <= KNV*KVW) from kc steps
 * of A, read in place (element (i, p) is a[i*rs + p*cs]: row-major,
 * transposed or any strided view, never packed) and B (b[p*ldb + j]:
 * packed, ldb = NR, zero past the matrix edge, or read in place):
 *   C = alpha * sum_p A[i][p] * b[p][j] + beta * C + bias[i]
 * beta == 0: C is not read; bias may be NULL; clamp, unless NULL, is a
 * fused activation: the results are clamped to [clamp[0], clamp[1]].  The
 * KMR x KNV accumulators are a local array of vectors that the compiler
 * keeps in registers once every loop over them is unrolled.
 */

#define KNR (KNV * KVW)

static KATTR void
KNAME(size_t kc, const float *restrict a, size_t rs, size_t cs,
    const float *restrict b, size_t ldb, float *restrict c, size_t ldc,
    size_t nr, float alpha, float beta, const float *bias,
    const float *clamp)
{
	KVT acc[KMR][KNV], lo, hi;
	KVT bv[KNV];
	const float *ar[KMR];
	float t[KVW];
	size_t p, j;
	int r, v;

	RT_UNROLL
	for (r = 0; r < KMR; r++) {
		ar[r] = a + (size_t)r * rs;
		RT_UNROLL
		for (v = 0; v < KNV; v++)
			acc[r][v] = (KVT){0};
	}
	for (p = 0; p < kc; p++) {
		size_t o = p * cs;

		RT_UNROLL
		for (v = 0; v < KNV; v++)
			bv[v] = *(const KVTU *)(b + p * ldb + (size_t)v * KVW);
		RT_UNROLL
		for (r = 0; r < KMR; r++) {
			float x = ar[r][o];

			RT_UNROLL
			for (v = 0; v < KNV; v++)
				acc[r][v] += x * bv[v];
		}
	}
	/* the clamp's vectors only now: live across the loop, they would
	 * push accumulators out of registers */
	lo = (KVT){0} + (clamp ? clamp[0] : 0);
	hi = (KVT){0} + (clamp ? clamp[1] : 0);
	if (nr == KNR) {
		RT_UNROLL
		for (r = 0; r < KMR; r++) {
			float br = bias ? bias[r] : 0;

			RT_UNROLL
			for (v = 0; v < KNV; v++) {
				KVTU *cp = (KVTU *)(c + (size_t)r * ldc +
				    (size_t)v * KVW);
				KVT y;

				if (beta == 0)
					y = alpha * acc[r][v] + br;
				else
					y = alpha * acc[r][v] + beta * *cp + br;
				if (clamp)
					KCLAMP(y, lo, hi);
				*cp = y;
			}
		}
		return;
	}
	/* a partial tile: whole vectors where they fit, then the tail */
	RT_UNROLL
	for (r = 0; r < KMR; r++) {
		float br = bias ? bias[r] : 0;
		float *cr = c + (size_t)r * ldc;

		RT_UNROLL
		for (v = 0; v < KNV; v++) {
			size_t j0 = (size_t)v * KVW;

			if (j0 + KVW <= nr) {
				KVTU *cp = (KVTU *)(cr + j0);
				KVT y;

				if (beta == 0)
					y = alpha * acc[r][v] + br;
				else
					y = alpha * acc[r][v] + beta * *cp + br;
				if (clamp)
					KCLAMP(y, lo, hi);
				*cp = y;
			} else if (j0 < nr) {
				*(KVTU *)t = alpha * acc[r][v] + br;
				for (j = 0; j < nr - j0; j++) {
					float y = t[j];

					if (beta != 0)
						y += beta * cr[j0 + j];
					if (clamp)
						RT_SCLAMP(y, clamp[0], clamp[1]);
					cr[j0 + j] = y;
				}
			}
		}
	}
}

#undef KNR
#undef KNAME
#undef KMR
