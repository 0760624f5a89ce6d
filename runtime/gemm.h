/*
 * gemm.h — single-precision matrix multiply, the hot path under conv and
 * matmul.  Plain C (C11), no dependency on the compiler's headers.
 *
 * All matrices are row-major with a leading dimension (elements between the
 * starts of consecutive rows).
 *
 *   rt_sgemm        C[m][n] = alpha * op(A)[m][k] * op(B)[k][n] + beta * C.
 *                   op(A) = A (m x k, lda >= k) or, with ta, A^T where A is
 *                   k x m (lda >= m); likewise B with tb.  beta == 0 means C
 *                   is not read (it may hold garbage, even NaN).
 *   rt_sgemm_ex     the general form: A is any strided view (element (i, p)
 *                   at a[i*rs + p*cs]: rs = lda, cs = 1 for a row-major
 *                   matrix, rs = 1, cs = lda for a transposed one); B is
 *                   produced panel by panel by a packing callback; an
 *                   optional per-row bias is added: C = alpha*A*B + beta*C
 *                   + bias[i].
 *   rt_packb_rows   the packer for a B whose rows are contiguous: row k
 *                   starts at p + off[k] (conv: a table of shifted views of
 *                   the image), or at p + k*ld when off is NULL
 *   rt_packb_trans  the packer for B^T stored row-major: element (k, n) at
 *                   p[n*ld + k]
 *   rt_sgemm_work   bytes of scratch either call needs for these sizes; the
 *                   caller passes a block at least that big as work (any
 *                   alignment).  The bound is small (about 1 MiB), and
 *                   the same whichever kernel set the CPU picks.
 *
 * The blocking follows Goto/BLIS: B is packed into kc x nc blocks cut into
 * nr-wide micro-panels for a register-tiled kernel (mr x nr accumulators);
 * A is read in place.  Tile sizes depend on the CPU: on x86-64 with GCC
 * or Clang the kernel is compiled for AVX-512, AVX2+FMA and the baseline and
 * picked at run time; elsewhere it is plain C with GCC vector extensions or,
 * lacking those, scalar C.  Results may therefore differ in the last bits
 * between CPUs (FMA vs separate multiply and add), never between runs.
 *
 * Single-threaded and re-entrant: no mutable static state; every call uses
 * only its arguments and its work block.
 */
#ifndef SQC_RT_GEMM_H
#define SQC_RT_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* Packs rows k0..k0+kc-1, columns n0..n0+nc-1 of B into panels of nr
 * columns: panel q (columns n0+q*nr ...) starts at dst + q*kc*nr and holds
 * kc rows of nr floats; columns past n0+nc are zero.  arg is the callback's
 * description of B. */
typedef void (*RtPackB)(const void *arg, size_t k0, size_t kc, size_t n0,
    size_t nc, size_t nr, float *dst);

/* a B operand of contiguous rows, for rt_packb_rows and rt_packb_trans */
typedef struct RtRows {
	const float *p;
	size_t ld;
	const ptrdiff_t *off;	/* rt_packb_rows: row offsets, or NULL */
} RtRows;

size_t rt_sgemm_work(size_t m, size_t n, size_t k);
void rt_sgemm(bool ta, bool tb, size_t m, size_t n, size_t k, float alpha,
    const float *a, size_t lda, const float *b, size_t ldb, float beta,
    float *c, size_t ldc, void *work);
void rt_sgemm_ex(size_t m, size_t n, size_t k, float alpha, const float *a,
    size_t rs, size_t cs, RtPackB packb, const void *barg, float beta,
    const float *bias, const float *clamp, float *c, size_t ldc, void *work);
void rt_packb_rows(const void *arg, size_t k0, size_t kc, size_t n0,
    size_t nc, size_t nr, float *dst);
void rt_packb_trans(const void *arg, size_t k0, size_t kc, size_t n0,
    size_t nc, size_t nr, float *dst);

#endif
