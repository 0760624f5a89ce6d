/*
 * biascorrect.h — the arithmetic of empirical bias correction (Nagel et
 * al., "Data-Free Quantization", 2019, §4.2; --bias-correction, run by the
 * quantize pass, doc/passes.md).  A quantized conv or gemm computes with the
 * dequantized weight Wq instead of W, so each output channel o is off by
 *
 *     E[conv(x, W - Wq)][o] = sum_j (W - Wq)[o, j] * S[j] / npos
 *
 * where j runs over o's (input channel, kernel offset) pairs and S[j] is the
 * sum, over the samples and every output position, of the input element
 * that offset reads at that position (0 where it reads padding); npos counts
 * the output positions summed (batch x output spatial size per sample).
 * That is the conv's own arithmetic, regrouped: summing conv(x, dW) over the
 * positions and dividing by their count.  Gemm (Y = A B, or A B^T with
 * transB) is the same with j = k, a column of A, summed over A's rows.
 *
 * Use: bc_plan (or bc_conv / bc_gemm) once per layer, bc_add once per
 * sample's float input, then bc_dequantized for Wq and bc_correction for
 * the per-channel correction, which the caller adds to the f32 bias.
 * Sums and the contraction are in double, in a fixed order (input channel,
 * kernel offset, then output positions in row-major order; samples in the
 * order given), so the result does not depend on threads.  Pure functions
 * of their arguments, but for bc_plan's user errors (ir_error).
 */
#ifndef SQC_BIASCORRECT_H
#define SQC_BIASCORRECT_H

#include <stdbool.h>
#include <stdint.h>

#include "../ir/ir.h"
#include "qparams.h"

/* One layer's geometry and its sums.  Spatial arrays are 3-D with the
 * unused leading dimensions 1 (a 2-D conv uses [1], [2]; 1-D uses [2]). */
typedef struct BcPlan {
	bool gemm;
	bool transb;		/* gemm: W is [N, K] (else [K, N]) */
	int64_t cin;		/* conv: input channels C; gemm: K */
	int64_t cout;		/* conv: W's dim 0, M; gemm: N */
	int64_t cing, coutg;	/* conv: channels per group in, out (C/g, M/g) */
	int64_t kvol;		/* conv: kernel elements per channel; gemm: 1 */
	int64_t k[3];		/* kernel extent */
	int64_t s[3], d[3];	/* strides, dilations */
	int64_t pb[3];		/* padding at the beginning (the end's only
				 * shows in ox) */
	int64_t ix[3], ox[3];	/* input and output spatial extents */
	double *sum;		/* S: cin * kvol, index c * kvol + offset
				 * (offsets row-major over k) */
	double npos;		/* output positions summed (gemm: rows) */
} BcPlan;

/* A conv with n (1 to 3) spatial dimensions: x [N, cin, ix...] -> y [N,
 * cout, ox...], W [cout, cin/group, k...]; s, d, pb per spatial dimension
 * (NULL: strides and dilations 1, no padding).  Sums zeroed, allocated
 * from a. */
void bc_conv(BcPlan *p, int n, int64_t cin, int64_t cout, int64_t group,
    const int64_t *ix, const int64_t *ox, const int64_t *k, const int64_t *s,
    const int64_t *d, const int64_t *pb, Arena *a);
/* A gemm A [rows, K] x W -> [rows, N]: W [K, N], or [N, K] with transb */
void bc_gemm(BcPlan *p, int64_t K, int64_t N, bool transb, Arena *a);
/* The plan of conv or gemm instruction in of m (ir_infer'd): input 0 is
 * the float activation, input 1 the constant weight; strides, dilations,
 * pads, auto_pad (SAME_UPPER / SAME_LOWER / VALID), group, transB from its
 * attributes.  User errors: a conv without 1 to 3 spatial dimensions, an
 * input whose channel count (gemm: K) is not static. */
void bc_plan(Module *m, const Ins *in, BcPlan *p, Arena *a);

/* Add one sample's input: x row-major, [n, cin, ix...] for a conv (n the
 * batch), [n, K] for a gemm (n rows). */
void bc_add(BcPlan *p, const float *x, int64_t n);

/* The dequantized quantized weight: wq[e] = qp_dequantize of the element
 * that qp_weight(mode, w, dim, rank, axis, ...) makes of w[e], i.e. exactly
 * the weight the quantized layer computes with.  False if w has a NaN or
 * infinite element.  Scratch from a. */
bool bc_dequantized(QMode mode, const float *w, const int64_t *dim, int rank,
    int axis, float *wq, Arena *a);

/* The correction per output channel: e[o] = sum_j (W - Wq)[o, j] S[j] /
 * npos (not divided when npos is 0, when S is 0 too), in double;
 * w and wq in W's layout (conv [cout, cing, k...]; gemm as transb says). */
void bc_correction(const BcPlan *p, const float *w, const float *wq,
    double *e);

#endif
