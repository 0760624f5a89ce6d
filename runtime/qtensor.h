/*
 * qtensor.h — the quantized IR's edge and code ops over whole tensors
 * (doc/quantization.md section 8.2): quantize, dequantize, requantize, and
 * clamping codes (quantized relu and clip, the `relu = 1` of a matmul, gemm
 * or add).  Plain C99; no dependency on the compiler; no heap, no I/O, no
 * state.  The generated C (--emit=c) calls these; their arithmetic is the
 * interpreter's (qp_quantize and qp_dequantize in passes/qparams.c equal
 * rq_quantize and rq_dequantize of qkern.h for every input).
 *
 * Per-axis parameters: the tensor is viewed as [outer][n][inner] and element
 * (o, c, i) uses scale[c], zero[c] (per tensor: n = 1).
 *
 *   sqc_quantize    y = rq_quantize(x, scale[c], zero[c], u8): float32 to
 *                   int8 (u8: uint8) codes.
 *   sqc_dequantize  y = rq_dequantize(x, scale[c], zero[c]); x is int8,
 *                   uint8 or int32 (xdt SQC_Q_I8, SQC_Q_U8, SQC_Q_I32).
 *   sqc_requantize  n codes: y = rq_quantize(rq_dequantize(x, sx, zx), sy,
 *                   zy, yu8), the DequantizeLinear -> QuantizeLinear pair.
 *   sqc_clamp_codes n codes: y = min(max(x, lo), hi); y may be x.
 */
#ifndef SQC_RT_QTENSOR_H
#define SQC_RT_QTENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { SQC_Q_I8, SQC_Q_U8, SQC_Q_I32 };

void sqc_quantize(const float *x, size_t outer, size_t n, size_t inner,
    const float *scale, const int32_t *zero, bool u8, void *y);
void sqc_dequantize(const void *x, int xdt, size_t outer, size_t n,
    size_t inner, const float *scale, const int32_t *zero, float *y);
void sqc_requantize(size_t n, bool xu8, const void *x, float sx, int32_t zx,
    bool yu8, float sy, int32_t zy, void *y);
void sqc_clamp_codes(size_t n, bool u8, const void *x, int32_t lo,
    int32_t hi, void *y);

#endif
