/*
 * nhwc.h — the systolic back half's nhwc kernels that Gemmini's API does not
 * have (doc/systolic.md): a quantized conv of any geometry with Gemmini's
 * output stage and fused pool, and ONNX's MaxPool on nhwc codes.  Plain C99;
 * no dependency on the compiler; no heap, no I/O, no state; re-entrant.  The
 * interpreter (exec/op_systolic.c) and the generated C (--emit=c) call these
 * same functions, so the two agree by construction.
 *
 *   SqcConvNhwc     one conv: input [n][ih][iw][ci] (nhwc), output before
 *                   pooling [n][oh][ow][co], g groups, kernel kh x kw,
 *                   strides s, dilations d, pads p (top, left, bottom,
 *                   right; only top and left are read: oh, ow are given),
 *                   weight layout wl (SQC_W_OIHW: ONNX [co][ci/g][kh][kw];
 *                   SQC_W_HWIO: [kh][kw][ci/g][co]; SQC_W_CKK: [co][kh][kw],
 *                   depthwise), relu, and a fused max-pool (pool: kernel pk
 *                   x pk, stride ps, pad pp on every side, output [n][poh]
 *                   [pw][co]).
 *   sqc_conv_nhwc_work  bytes of int32 scratch sqc_conv_nhwc needs:
 *                   n*oh*ow*co*4 (at least 4).
 *   sqc_conv_nhwc   acc = bias[o] + sum (x - zx)(w - wz[o]) over the taps
 *                   inside the input (padding contributes 0), summed in
 *                   64 bits and wrapped to int32; v = rq_requant(acc,
 *                   mult[o], zy, yu8) (wz and mult: nper values, 1 or co);
 *                   relu: v = max(v, zy).  With pool, y is Gemmini's max-pool
 *                   of the v's (cells in the pool padding count as zy, i.e.
 *                   the max is floored at zy when the window touches
 *                   padding), else y = v.  xu8/wu8/yu8 select uint8 data;
 *                   bias may be NULL.  work: sqc_conv_nhwc_work bytes,
 *                   aligned for int32.
 *   sqc_maxpool_nhwc  ONNX MaxPool (2-D, no indices) on codes: x
 *                   [n][ih][iw][c], y [n][oh][ow][c]; kernel k, strides s,
 *                   dilations d, pads p (top, left; oh and ow given); the
 *                   max over the taps inside the input, or the type's
 *                   minimum for a window with none.
 */
#ifndef SQC_RT_NHWC_H
#define SQC_RT_NHWC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SQC_W_OIHW, SQC_W_HWIO, SQC_W_CKK };

typedef struct SqcConvNhwc {
	int64_t n, ih, iw, ci, oh, ow, co, kh, kw, g;	/* oh, ow before pooling */
	int64_t s[2], d[2], p[4];
	int wl;			/* SQC_W_OIHW, SQC_W_HWIO or SQC_W_CKK */
	bool relu, pool;
	int64_t pk, ps, pp, poh, pw;
} SqcConvNhwc;

size_t sqc_conv_nhwc_work(const SqcConvNhwc *c);
void sqc_conv_nhwc(const SqcConvNhwc *c, bool xu8, const void *x, int32_t zx,
    bool wu8, const void *w, const int32_t *wz, long nper,
    const int32_t *bias, const float *mult, int32_t zy, bool yu8, void *y,
    int32_t *work);

void sqc_maxpool_nhwc(bool u8, const void *x, int64_t n, int64_t ih,
    int64_t iw, int64_t c, int64_t oh, int64_t ow, const int64_t *k,
    const int64_t *s, const int64_t *d, const int64_t *p, void *y);

#endif
