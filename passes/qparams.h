/*
 * qparams.h — the numeric core of quantization: calibrated range -> (scale,
 * zero point), quantize/dequantize one value, weights (per tensor or per
 * channel), int32 bias, and the systolic target's requantization.  Pure
 * functions of their arguments: no IR, no I/O, no globals.  The quantize
 * pass and the interpreter of quantized IR call them; doc/quantization.md
 * is the specification (every formula, with the seed's section and every
 * deliberate difference from the seed).
 *
 * Conventions: real = scale * (q - zero).  Qi8 is --mode=int8 (symmetric,
 * zero point 0, q in [-128, 127], weights in [-127, 127]); Qu8 is
 * --mode=uint8 (asymmetric, q in [0, 255]).  Rounding is always to nearest,
 * ties to even, under the default floating-point environment; float32 or
 * float64 arithmetic is used exactly where the seed uses it.
 */
#ifndef SQC_QPARAMS_H
#define SQC_QPARAMS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum QMode { Qi8, Qu8 } QMode;

/* rounding of the systolic requantization: QRrne is true round half to even
 * (Gemmini's RTL); QRgemmini is Gemmini's ROUND_NEAR_EVEN C macro, which the
 * fork's CPU path and Spike use: the same except one step too far from zero
 * when |frac| > 0.5 and x +- 1.0f rounds to an integer two away */
typedef enum QRound { QRrne, QRgemmini } QRound;

/* activation (scale, zero point) from a calibrated range [lo, hi], the seed's
 * calculate_scale_zeropoint: the range is first extended to contain 0; a
 * range of width <= 1e-8 gives scale 1.  False (outputs untouched) if lo or
 * hi is not finite. */
bool qp_range(QMode mode, float lo, float hi, float *scale, int32_t *zero);
/* uint8 zero point for a given scale: round(-lo / scale) in double, clamped
 * to [0, 255].  scale must be finite and > 0. */
int32_t qp_zeropoint(float lo, float scale);

/* QuantizeLinear of one element: sat(rne(x / scale) + zero), the division in
 * float32 (ONNX, MLAS).  NaN gives the type's minimum (-128 or 0), as ONNX
 * Runtime 1.30 does on x86-64; +-inf saturate. */
int32_t qp_quantize(QMode mode, float x, float scale, int32_t zero);
/* DequantizeLinear of one element: (float)(q - zero) * scale */
float qp_dequantize(int32_t q, float scale, int32_t zero);

/* Quantize a constant weight tensor w (row-major, rank dims) per tensor
 * (axis < 0: scale[0], zero[0]) or per slice along axis (dim[axis] entries
 * in scale[] and zero[]), the seed's quantize_data per slice: scale from the
 * slice's min/max extended to 0 (int8: max|w| / 127), computed in double;
 * q = rne(w / scale_double) (+ zero), saturated; scale stored as float32.
 * q is int8_t[] (Qi8) or uint8_t[] (Qu8) with w's element count.  False if
 * some element is NaN or infinite (then q, scale and zero are unspecified). */
bool qp_weight(QMode mode, const float *w, const int64_t *dim, int rank,
    int axis, float *scale, int32_t *zero, void *q);

/* Quantize a bias to int32: scale_i = f32(sx * sw[i % nsw]), q_i =
 * rne(f32(b_i / scale_i)), both in float32 (the seed's quantize_bias).  nsw
 * is 1 (per-tensor weights) or the channel count, with channels the fastest
 * varying index of b (1-D conv bias; Gemm C of shape [N] or [M, N]).  Values
 * outside int32 saturate to INT32_MIN/INT32_MAX.  Returns how many saturated
 * (the caller warns), or -1 if some b_i is NaN or infinite. */
int64_t qp_bias(const float *b, int64_t n, float sx, const float *sw,
    int64_t nsw, int32_t *q);

/* the systolic kernels' requantization multiplier f32(f32(sx * sw) / sy) */
float qp_multiplier(float sx, float sw, float sy);
/* the systolic output of an int32 accumulator (bias included):
 * sat8(round(f32((float)acc * m))), then max(y, 0) if relu (after the
 * saturation, as the target does).  With acc an int8 operand it is also the
 * per-operand rescale of the target's QLinearAdd (MVIN_SCALE). */
int8_t qp_requant(int32_t acc, float m, bool relu, QRound r);

#endif
