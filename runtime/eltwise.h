/*
 * eltwise.h — elementwise kernels: NumPy-broadcasting binary arithmetic,
 * activations and (de)quantization.  Plain C; no dependency on the compiler.
 *
 * Element types are named by their ONNX TensorProto.DataType numbers (RtType
 * below).  Tensors are packed row-major.  Every kernel is single-threaded,
 * re-entrant, keeps no state, and allows its output to alias an input only
 * where it says so.
 *
 *   rt_broadcast_shape  the NumPy broadcast of two shapes; false if they are
 *                       incompatible (rank of the result = max of the ranks)
 *   rt_binary           c = a OP b, broadcasting a and b to c's shape (which
 *                       must be their broadcast).  a, b, c have dtype dt,
 *                       except for RT_POW, whose exponent b may have any
 *                       numeric dtype bdt (the result has the base's dtype).
 *                       Integer arithmetic wraps; integer division truncates
 *                       toward zero and x/0 is 0.  Returns false (computing
 *                       nothing) for a dtype it does not support:
 *                       add/sub/mul/div take f32 f64 i8 u8 i16 u16 i32 u32
 *                       i64 u64; pow takes f32 f64 i32 i64 (any numeric
 *                       exponent).  Same-shape and scalar/per-channel
 *                       broadcasts run as contiguous vectorisable loops.
 *   rt_<act>_f32        y = act(x) over n elements (y may equal x)
 *   rt_clip             y = min(max(x, lo), hi) for any numeric dtype except
 *                       f16/bf16; the bounds are given as doubles and taken
 *                       in the dtype; false if the dtype is unsupported
 *   rt_quantize_f32     y = saturate(round_half_even(x / scale) + zero) into
 *                       qdt (u8 i8 u16 i16); x viewed as [outer][n][inner],
 *                       scale/zero indexed by the middle index (n = 1 is
 *                       per-tensor).  zero may be NULL (0); it has dtype qdt.
 *   rt_dequantize_f32   y = (x - zero) * scale, x of dtype qdt (u8 i8 u16 i16
 *                       i32), same layout as rt_quantize_f32
 */
#ifndef SQC_RT_ELTWISE_H
#define SQC_RT_ELTWISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* element types: ONNX TensorProto.DataType numbers */
typedef enum RtType {
	RT_F32 = 1, RT_U8 = 2, RT_I8 = 3, RT_U16 = 4, RT_I16 = 5, RT_I32 = 6,
	RT_I64 = 7, RT_BOOL = 9, RT_F16 = 10, RT_F64 = 11, RT_U32 = 12,
	RT_U64 = 13, RT_BF16 = 16
} RtType;

typedef enum RtBinop { RT_ADD, RT_SUB, RT_MUL, RT_DIV, RT_POW } RtBinop;

bool rt_broadcast_shape(const int64_t *adim, int arank, const int64_t *bdim,
    int brank, int64_t *cdim, int *crank);
bool rt_binary(RtBinop op, RtType dt, const void *a, const int64_t *adim,
    int arank, const void *b, RtType bdt, const int64_t *bdim, int brank,
    void *c, const int64_t *cdim, int crank);

void rt_relu_f32(const float *x, float *y, size_t n);
void rt_leaky_relu_f32(const float *x, float *y, size_t n, float alpha);
void rt_sigmoid_f32(const float *x, float *y, size_t n);
void rt_hard_sigmoid_f32(const float *x, float *y, size_t n, float alpha,
    float beta);
void rt_hard_swish_f32(const float *x, float *y, size_t n);
void rt_tanh_f32(const float *x, float *y, size_t n);
void rt_sqrt_f32(const float *x, float *y, size_t n);
bool rt_clip(RtType dt, const void *x, void *y, size_t n, double lo,
    double hi);

bool rt_quantize_f32(const float *x, size_t outer, size_t n, size_t inner,
    const float *scale, const void *zero, RtType qdt, void *y);
bool rt_dequantize_f32(const void *x, RtType qdt, size_t outer, size_t n,
    size_t inner, const float *scale, const void *zero, float *y);

#endif
