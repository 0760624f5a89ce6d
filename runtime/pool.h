/*
 * pool.h — pooling, normalisation and reduction kernels over packed
 * row-major f32 tensors (MaxPool also u8/i8).  Plain C; no dependency on the
 * compiler.  Single-threaded, re-entrant, no state; outputs never alias
 * inputs.
 *
 *   RtPool              a pooling window over nsp (1..3) spatial dims: kernel
 *                       k, strides s, dilations d, pads before pb and after
 *                       pe.  The caller resolves auto_pad into pb/pe and gives
 *                       the output's spatial dims (ceil_mode is only in how
 *                       those were computed: windows are clipped to the
 *                       input).
 *   rt_maxpool          x [nc][in...] -> y [nc][out...]; the max over the
 *                       window's taps inside the input.  idx, if not NULL,
 *                       receives each max's flat index into x (the whole
 *                       tensor, plane offset included), in row-major order or
 *                       column-major over the spatial dims if colmajor
 *                       (ONNX storage_order = 1).  The first maximal tap wins.
 *                       dt: RT_F32, RT_U8 or RT_I8; false otherwise.
 *   rt_avgpool_f32      the mean over the window's taps inside the input;
 *                       with count_include_pad the divisor also counts taps
 *                       in the pads (but not beyond pe, as ONNX Runtime)
 *   rt_global_avgpool_f32  y[p] = mean of plane p of x ([nc][sp])
 *   rt_lrn_f32          x [n][c][inner]: y = x / (bias + alpha/size *
 *                       sum of x^2 over channels c-(size-1)/2 ..
 *                       c+ceil((size-1)/2))^beta
 *   rt_softmax_f32      x [outer][n][inner]: softmax along the middle axis
 *   rt_reduce_mean_f32  y = the mean of x (rank dims xdim) over the axes whose
 *                       bit is set in mask; y is packed as x with those dims
 *                       removed (keepdims does not change the layout)
 *   rt_batchnorm_f32    x [n][c][inner]: y = (x - mean) / sqrt(var + eps) *
 *                       scale + bias per channel
 *   rt_moments_f32      per channel c of x [n][c][inner]: mean and population
 *                       variance (BatchNormalization's training mode)
 */
#ifndef SQC_RT_POOL_H
#define SQC_RT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eltwise.h"

enum { RT_POOL_MAXSP = 3 };

typedef struct RtPool {
	int nsp;
	int64_t k[RT_POOL_MAXSP], s[RT_POOL_MAXSP], d[RT_POOL_MAXSP];
	int64_t pb[RT_POOL_MAXSP], pe[RT_POOL_MAXSP];
} RtPool;

bool rt_maxpool(RtType dt, const void *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, void *y, int64_t *idx,
    bool colmajor);
void rt_avgpool_f32(const float *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, bool count_include_pad, float *y);
void rt_global_avgpool_f32(const float *x, int64_t nc, int64_t sp, float *y);
void rt_lrn_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    int64_t size, float alpha, float beta, float bias, float *y);
void rt_softmax_f32(const float *x, int64_t outer, int64_t n, int64_t inner,
    float *y);
void rt_reduce_mean_f32(const float *x, const int64_t *xdim, int rank,
    unsigned mask, float *y);
void rt_batchnorm_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    const float *scale, const float *bias, const float *mean,
    const float *var, float eps, float *y);
void rt_moments_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    float *mean, float *var);

#endif
