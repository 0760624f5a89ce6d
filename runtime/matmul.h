/*
 * matmul.h — ONNX Gemm and MatMul on f32 over rt_sgemm (gemm.h): the
 * broadcasts around the product.  Plain C; no dependency on the compiler.
 * Single-threaded, re-entrant, no state; y never aliases an operand.
 *
 *   RtGemm / rt_gemm_f32
 *           y[m][n] = alpha * op(A) op(B) + beta * C, op(A) = A [m][k]
 *           (row stride lda) or with ta A^T, A [k][m]; likewise B with tb.
 *           C (may be NULL: then beta must be 0) is broadcast to [m][n]:
 *           element (i, j) at c[i*crs + j*ccs] (a stride is 0 along a
 *           broadcast dim).  With beta == 0, C is not read.
 *   RtMatMul / rt_matmul_f32
 *           NumPy matmul as a batch of [m][k] x [k][n] products: the result
 *           has nb batch dims bd[]; batch t (row-major over bd) reads the
 *           matrices sa/sb (per batch dim: matrices to skip in a / b, 0
 *           where that operand broadcasts) and writes y's matrix t.  bflat:
 *           b has no batch dims, so a's batches are the rows of one product
 *           of nbatch*m rows.  1-D operands are the caller's: m or n is 1.
 *   rt_matmul_batch   batch t's matrix offsets into a and b
 *   rt_gemm_f32_work / rt_matmul_f32_work
 *           bytes of scratch work must hold (any alignment)
 */
#ifndef SQC_RT_MATMUL_H
#define SQC_RT_MATMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RT_MM_MAXB = 8 };

typedef struct RtGemm {
	bool ta, tb;
	int64_t m, n, k, lda, ldb;
	float alpha, beta;
	int64_t crs, ccs;
} RtGemm;

typedef struct RtMatMul {
	int64_t m, n, k, nbatch;
	int nb;
	int64_t bd[RT_MM_MAXB], sa[RT_MM_MAXB], sb[RT_MM_MAXB];
	bool bflat;
} RtMatMul;

size_t rt_gemm_f32_work(const RtGemm *p);
void rt_gemm_f32(const RtGemm *p, const float *a, const float *b,
    const float *c, float *y, void *work);
size_t rt_matmul_f32_work(const RtMatMul *p);
void rt_matmul_f32(const RtMatMul *p, const float *a, const float *b,
    float *y, void *work);
void rt_matmul_batch(const RtMatMul *p, int64_t t, int64_t *oa, int64_t *ob);

#endif
