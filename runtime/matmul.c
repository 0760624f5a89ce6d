/*
 * matmul.c — ONNX Gemm and MatMul on f32 (contract in matmul.h): C's
 * broadcast copied into y before the product accumulates onto it with
 * beta, and MatMul's batches one rt_sgemm each (a single one when b has no
 * batch dims).
 */
#include "gemm.h"
#include "matmul.h"

size_t
rt_gemm_f32_work(const RtGemm *p)
{
	return rt_sgemm_work((size_t)p->m, (size_t)p->n, (size_t)p->k);
}

void
rt_gemm_f32(const RtGemm *p, const float *a, const float *b, const float *c,
    float *y, void *work)
{
	int64_t i, j;
	float beta = p->beta;

	if (c && beta != 0) {
		for (i = 0; i < p->m; i++)
			for (j = 0; j < p->n; j++)
				y[i * p->n + j] = c[i * p->crs + j * p->ccs];
	} else {
		beta = 0;
	}
	rt_sgemm(p->ta, p->tb, (size_t)p->m, (size_t)p->n, (size_t)p->k,
	    p->alpha, a, (size_t)p->lda, b, (size_t)p->ldb, beta, y,
	    (size_t)p->n, work);
}

void
rt_matmul_batch(const RtMatMul *p, int64_t t, int64_t *oa, int64_t *ob)
{
	int k;

	*oa = *ob = 0;
	for (k = p->nb - 1; k >= 0; k--) {
		int64_t i = t % p->bd[k];

		t /= p->bd[k];
		*oa += i * p->sa[k];
		*ob += i * p->sb[k];
	}
}

size_t
rt_matmul_f32_work(const RtMatMul *p)
{
	int64_t m = p->bflat ? p->m * p->nbatch : p->m;

	return rt_sgemm_work((size_t)m, (size_t)p->n, (size_t)p->k);
}

void
rt_matmul_f32(const RtMatMul *p, const float *a, const float *b, float *y,
    void *work)
{
	int64_t t, oa, ob;

	if (p->bflat) {
		/* a's batches are contiguous rows of one product */
		rt_sgemm(false, false, (size_t)(p->m * p->nbatch),
		    (size_t)p->n, (size_t)p->k, 1, a, (size_t)p->k, b,
		    (size_t)p->n, 0, y, (size_t)p->n, work);
		return;
	}
	for (t = 0; t < p->nbatch; t++) {
		rt_matmul_batch(p, t, &oa, &ob);
		rt_sgemm(false, false, (size_t)p->m, (size_t)p->n, (size_t)p->k,
		    1, a + oa * p->m * p->k, (size_t)p->k,
		    b + ob * p->k * p->n, (size_t)p->n, 0,
		    y + t * p->m * p->n, (size_t)p->n, work);
	}
}
