/*
 * qkern.h — int8/uint8 kernels of the quantized IR (doc/quantization.md
 * section 8): int32-accumulating convolution and matrix product with
 * requantization, the systolic target's residual add, ONNX Runtime's
 * QLinearAdd / QLinearMul, 256-entry lookup tables (LeakyRelu, Sigmoid),
 * QLinearAveragePool / QLinearGlobalAveragePool, and quantize / dequantize /
 * requantize.  Plain C; no dependency on the compiler; single-threaded,
 * re-entrant, outputs never alias inputs (except where said).
 *
 * Element types: `u8` selects uint8_t data, otherwise int8_t.  Zero points
 * and saturation bounds follow the element type ([0, 255] or [-128, 127]).
 * The float arithmetic is exactly the one spelled out (float32, round to
 * nearest even, no contraction except the explicit fmaf calls): these
 * kernels are bit-exact references, not approximations.
 *
 *   rq_requant    sat(rne(f32((float)acc * m)) + z): the output stage of
 *                 every accumulating op, for both targets (ONNX Runtime's
 *                 MlasRequantizeOutput clamps before rounding, which is the
 *                 same for finite values; the systolic target's QRrne
 *                 rounding is the same with z = 0).  NaN gives the minimum.
 *   rq_quantize   sat(rne(x / s) + z), the division in float32 (MLAS
 *                 QuantizeLinear; NaN gives the minimum).
 *   rq_dequantize (float)(q - z) * s.
 *   rq_conv2d     y[n][m][oy][ox] = requant(bias[m] + sum (x - xz) *
 *                 (w[m] - wz[m]), mult[m], yz): RtConv geometry, groups,
 *                 dilations; padding contributes 0 (x padded with xz).  The
 *                 accumulator wraps modulo 2^32 as the targets' int32 does.
 *                 wz and mult have one value per output channel when
 *                 nper == p->m, else one for all (nper == 1).  bias may be
 *                 NULL.  work: rq_conv2d_work(p) bytes.
 *   rq_gemm       y[i][j] = requant(c[i*crs + j*ccs] + sum_k (a[i][k] - az)
 *                 * (b[k][j] - bz[j]), mult[j], yz) with element strides
 *                 for a and b (transposition) and c (broadcast; c NULL for
 *                 none); bz and mult per column when nper == n.  work:
 *                 rq_gemm_work(g) bytes.
 *   rq_resadd     the systolic residual add: a' = requant(a, ma, 0),
 *                 b' = requant(b, mb, 0), y = sat8(a' + b'); int8 only.
 *   rq_qladd      ONNX Runtime 1.30's QLinearAdd on x86-64 with AVX2
 *                 (MlasQLinearAddKernelAvx2Helper): with rA = f32(sa/sy),
 *                 rB = f32(sb/sy), fixed = (float)zy - f32(rA*za + rB*zb)
 *                 (one fused multiply-add), y = sat(rne(fma(a, rA, fma(b,
 *                 rB, fixed)))); bscalar: b is one element, fixed' =
 *                 fma(b, rB, fixed), y = sat(rne(fma(a, rA, fixed')))
 *                 (each fused step measured against ONNX Runtime with
 *                 parameters where the unfused order differs).
 *   rq_qlmul      ONNX Runtime's QLinearMul (SSE2 MlasQLinearMulKernel):
 *                 r = f32(f32(sa*sb)/sy), y = sat(rne(f32(f32((float)((a -
 *                 za) * (b - zb)) * r) + (float)zy))); bscalar as above.
 *   rq_lut_*      256-entry tables indexed by the code's byte, as ONNX
 *                 Runtime's QlinearBuildLookupTable: v = f32(sx * (float)(q -
 *                 zx)), y = rq_quantize(f(v), sy, zy) with f LeakyRelu
 *                 (v >= 0 ? v : f32(alpha * v)) or MLAS's logistic
 *                 (rq_logistic).  rq_lut applies a table.
 *   rq_logistic   MLAS's rational logistic approximation as its FMA3 kernel
 *                 computes it (clamp to [-18, 18], fused multiply-adds,
 *                 p/q + 0.5 clamped to [0, 1]).
 *   rq_gavgpool   ONNX Runtime's QLinearGlobalAveragePool: per plane of sp
 *                 codes, acc = sum x - xz*sp (int32), scale = f32(sx /
 *                 f32(sy * (float)sp)), y = requant(acc, scale, yz).
 *   rq_avgpool    ONNX Runtime's QLinearAveragePool (1 to 3 spatial dims,
 *                 dilations 1): dequantize every code, sum the window's taps
 *                 inside the input in float32, divide by the tap count (or
 *                 the kernel size with count_include_pad), y =
 *                 sat(rne(f32(f32(v / sy) + (float)yz))).  The caller falls
 *                 back to rq_gavgpool when the window is the whole unpadded
 *                 plane, as ONNX Runtime does.
 */
#ifndef SQC_RT_QKERN_H
#define SQC_RT_QKERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conv.h"
#include "pool.h"

int32_t rq_requant(int32_t acc, float m, int32_t z, bool u8);
int32_t rq_quantize(float x, float s, int32_t z, bool u8);
float rq_dequantize(int32_t q, float s, int32_t z);

size_t rq_conv2d_work(const RtConv *p);
void rq_conv2d(const RtConv *p, bool xu8, const void *x, int32_t xz,
    bool wu8, const void *w, const int32_t *wz, const int32_t *bias,
    const float *mult, long nper, bool yu8, int32_t yz, void *y, void *work);

typedef struct RqGemm {
	long m, n, k;
	bool au8, bu8, yu8;
	const void *a;
	long ars, acs;		/* element (i, k) of a: a[i*ars + k*acs] */
	const void *b;
	long brs, bcs;		/* element (k, j) of b: b[k*brs + j*bcs] */
	const int32_t *c;	/* NULL, or c[i*crs + j*ccs] */
	long crs, ccs;
	int32_t az;
	const int32_t *bz;	/* nper values */
	const float *mult;	/* nper values */
	long nper;		/* 1 or n */
	int32_t yz;
	void *y;		/* [m][n] */
} RqGemm;

size_t rq_gemm_work(const RqGemm *g);
void rq_gemm(const RqGemm *g, void *work);

void rq_resadd(size_t n, const int8_t *a, float ma, const int8_t *b,
    float mb, bool bscalar, int8_t *y);
void rq_qladd(size_t n, bool u8, const void *a, float sa, int32_t za,
    const void *b, float sb, int32_t zb, bool bscalar, float sy, int32_t zy,
    void *y);
void rq_qlmul(size_t n, bool u8, const void *a, float sa, int32_t za,
    const void *b, float sb, int32_t zb, bool bscalar, float sy, int32_t zy,
    void *y);

float rq_logistic(float x);
void rq_lut_leaky_relu(uint8_t *table, bool u8, float sx, int32_t zx,
    float sy, int32_t zy, float alpha);
void rq_lut_sigmoid(uint8_t *table, bool u8, float sx, int32_t zx, float sy,
    int32_t zy);
void rq_lut(const uint8_t *table, const void *x, void *y, size_t n);

void rq_gavgpool(bool u8, const void *x, int64_t nc, int64_t sp, float sx,
    int32_t xz, float sy, int32_t yz, void *y);
void rq_avgpool(bool u8, const void *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, bool count_include_pad, float sx,
    int32_t xz, float sy, int32_t yz, void *y, float *work);

#endif
