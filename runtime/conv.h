/*
 * conv.h — 2-D convolution and transposed convolution, NCHW, float.
 * Plain C (C11), no dependency on the compiler's headers.  A 1-D
 * convolution is the 2-D one with h = kh = oh = 1.
 *
 * RtConv describes one call; the caller resolves auto_pad, output_shape and
 * the trailing pads into the output size (oh, ow) and the leading pads.
 *
 *   rt_conv2d     y[n][m][oh][ow] = bias[m] + sum over c in m's group, ky,
 *                 kx of w[m][c'][ky][kx] * x[n][c][oy*sh - pt + ky*dh]
 *                 [ox*sw - pl + kx*dw] (zero outside x).  w is
 *                 [m][c/group][kh][kw]; bias may be NULL.
 *   rt_convt2d    the transpose (ONNX ConvTranspose): every x[n][c][iy][ix]
 *                 adds x * w[c][m'][ky][kx] to y[n][m][iy*sh - pt + ky*dh]
 *                 [ix*sw - pl + kx*dw] when that lies inside y.  w is
 *                 [c][m/group][kh][kw].  Pads may be negative (an
 *                 output_shape larger than the natural one).
 *   rt_conv2d_work / rt_convt2d_work
 *                 bytes of scratch the call needs (pass at least that as
 *                 work, any alignment; 0 means work may be NULL).
 *   rt_conv3d / rt_convt3d
 *                 the same over three spatial dimensions (NCDHW), by
 *                 direct loops: for completeness, not speed; no scratch.
 *
 * Strategy: depthwise convolutions (one input channel per group) run a
 * direct vectorised kernel over a zero-padded copy of each input plane;
 * 1x1 stride-1 unpadded ones are a GEMM on the input as it is; the rest
 * are a GEMM whose B operand is packed straight from the image (im2col
 * done panel by panel, never materialised).  The transpose is a GEMM into
 * a column buffer followed by col2im.
 * Single-threaded and re-entrant.
 */
#ifndef SQC_RT_CONV_H
#define SQC_RT_CONV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct RtConv {
	long n, c, h, w;	/* input batch, channels, height, width */
	long m, oh, ow;		/* output channels, height, width */
	long group;		/* c % group == 0 && m % group == 0 */
	long kh, kw;		/* kernel */
	long sh, sw;		/* strides >= 1 */
	long dh, dw;		/* dilations >= 1 */
	long pt, pl;		/* leading (top, left) pads */
	bool act;		/* fused activation: clamp outputs to [lo, hi] */
	float lo, hi;		/* (Relu: 0, +inf; Relu6: 0, 6); 2-D only */
} RtConv;

/* a 3-D (transposed) convolution: sizes per spatial dimension (depth,
 * height, width), pb the leading pads */
typedef struct RtConv3 {
	long n, c, m, group;
	long in[3], out[3], k[3], s[3], d[3], pb[3];
} RtConv3;

size_t rt_conv2d_work(const RtConv *p);
void rt_conv2d(const RtConv *p, const float *x, const float *w,
    const float *bias, float *y, void *work);
size_t rt_convt2d_work(const RtConv *p);
void rt_convt2d(const RtConv *p, const float *x, const float *w,
    const float *bias, float *y, void *work);
void rt_conv3d(const RtConv3 *p, const float *x, const float *w,
    const float *bias, float *y);
void rt_convt3d(const RtConv3 *p, const float *x, const float *w,
    const float *bias, float *y);

#endif
