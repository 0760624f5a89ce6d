/*
 * systolic.h — the Gemmini kernel API (ucb-bar/gemmini-rocc-tests
 * include/gemmini.h, dev 2023-10), CPU semantics only, clean room.  Plain
 * C99/C11; no dependency on the compiler; no I/O, no heap, no static or
 * global state: every function is re-entrant.  Generated C (issue [4/5])
 * includes this header and links runtime/systolic.c; the interpreter calls
 * the same functions.  Spec: shared reference gemmini-kernels.md §1-§4, §7.
 *
 * Names, parameter order and C types, enums and constants are gemmini.h's
 * (default int8 config, gemmini_params.h), so a program written against
 * gemmini.h compiles against this header.  Differences:
 *
 *   - Every `type` argument (OS, WS, CPU) computes the CPU path of gemmini.h
 *     (matmul_cpu, conv_cpu, conv_dw_cpu, resadd_cpu, global_average_cpu).
 *     OS and WS are accepted and give the CPU result; where upstream exits
 *     (OS for conv/resadd, transposes with OS, ...) this library computes.
 *     The tile-size arguments of tiled_matmul/tiled_conv/tiled_conv_dw and
 *     matmul's weightA are ignored, as on upstream's CPU path.
 *   - Functions are extern, not static.  No row_align() (GNU attribute), no
 *     ISA macros, no tiled_norm (hardware only upstream).  Parameter names
 *     are upstream's except resadd's I, J, here dim_I, dim_J (<complex.h>
 *     defines a macro I).  Index arithmetic is done in long (64-bit on the
 *     LP64 hosts and rv64 targets this is for).
 *   - Outputs must not overlap inputs, except resadd's C, which may be A or
 *     B (Gemmini's examples add in place).
 *   - Arithmetic has no C undefined behaviour: products are summed modulo
 *     2^32 and read back as int32 (the hardware accumulator's wrap-around,
 *     where upstream C overflows a signed int); float-to-int conversions are
 *     range-checked (a NaN product gives -128, |p| too large saturates).
 *
 * Arithmetic (§3, §7.3).  Sums start at the int32 bias (D / bias, 0 if
 * NULL) and add int8 x int8 products.  A finished sum x becomes
 *     scale_and_sat(x, act, scale) = relu?(sat8(round((float)x * scale)))
 * with the product one float32 multiply.  round() is exact round half to
 * even (Gemmini's RTL), implemented with integer compares, independent of
 * the floating-point environment; compiling runtime/systolic.c with
 * -DSQC_GEMMINI_MACRO_ROUNDING=1 gives instead the arithmetic of gemmini.h's
 * ROUND_NEAR_EVEN macro (Gemmini's CPU path and Spike): next = trunc(p ± 1)
 * with p ± 1 formed in float, so e.g. 41 * (1.0f/41) rounds to 2, not 1
 * (§1, §7.2).  MVIN_SCALE(x, s) is the same rounding and int8 saturation;
 * it is applied to every A/B operand (matmul) and resadd operand whose scale
 * is not exactly 1.0f (with 1.0f it is the identity).
 *
 * Activations: NO_ACTIVATION and RELU (max(., 0) after saturation).
 * LAYERNORM, IGELU and SOFTMAX (the I-BERT approximations of §4.8) are NOT
 * implemented: they compute exactly what NO_ACTIVATION computes (bert_scale
 * is ignored).  Any other act value also means NO_ACTIVATION.
 *
 * Kernels (strides in elements; "invalid" arguments make the function
 * return without writing anything):
 *
 *   tiled_matmul_auto   C[i][j] = scale_and_sat(D[r][j] + Σ_k A(i,k)·B(k,j)),
 *                       r = repeating_bias ? 0 : i; A(i,k) = A[i*sA+k] or,
 *                       transpose_A, A[k*sA+i]; B(k,j) = B[k*sB+j] or,
 *                       transpose_B, B[j*sB+k].  D int32 (acc_t) or NULL,
 *                       C int8.  D_scale_factor is ignored (identity in the
 *                       default config); full_C and low_D are ignored: C is
 *                       always int8 and D int32, as upstream's matmul_cpu
 *                       does.  C must not overlap A, B or D.
 *   tiled_matmul        the same with tile_I/J/K (ignored).
 *   tiled_conv_auto     tiled_conv_stride_auto with in_stride = in_channels,
 *                       weight_stride = out_channels = out_stride.
 *   tiled_conv_stride_auto  conv + bias + scale_and_sat + max-pool (§4.3):
 *                       input NHWC [N][IH][IW][in_stride], weights HWIO
 *                       [k*k*cin][weight_stride], bias int32[cout] or NULL;
 *                       out_row_dim/out_col_dim are the conv output before
 *                       pooling (the caller computes them).  Kernel tap
 *                       (kr,kc) reads y = orow*stride + kr*kernel_dilation
 *                       - padding (x likewise); taps with y or x not a
 *                       multiple of input_dilation are skipped, others read
 *                       input row y/input_dilation (0 outside the input).
 *                       wrot180 reads weight tap (k-1-kr, k-1-kc).
 *                       trans_input_3120: input [cin][IH][IW][N] (in_stride
 *                       unused); trans_weight_1203: [cin][k][k][cout];
 *                       trans_weight_0132: [k][k][cout][cin] (if both weight
 *                       flags are set, 1203 wins, as in upstream conv_cpu);
 *                       trans_output_1203: output [OH][OW][N][cout]
 *                       (out_stride unused).  pool_stride == 0: no pool,
 *                       output [N][OH][OW][out_stride].  Otherwise a max-pool
 *                       of the int8 results, output [N][POH][POW][out_stride]
 *                       with POH = (OH + 2*pool_padding - pool_size) /
 *                       pool_stride + 1 (POW likewise); window cells in the
 *                       pool padding count as 0 (Gemmini's rule: the max is
 *                       floored at 0 whenever the window touches padding;
 *                       equals ONNX MaxPool only for results >= 0).  Invalid:
 *                       a negative size or padding, stride, kernel_dim,
 *                       dilations < 1, pool_stride < 0, or pooling with
 *                       pool_size < 1 or POH/POW < 1.
 *                       No heap: the fast paths compute conv output rows
 *                       into a bounded stack buffer and pool them row by
 *                       row (a row recomputed at most pool_size/pool_stride
 *                       times); other cases recompute the outputs under
 *                       each pool window.  Stack use at most about 40 KiB.
 *   tiled_conv          tiled_conv_stride_auto with explicit tile sizes
 *                       (ignored).
 *   tiled_conv_downsample  1x1, stride 2, no padding, no pool (§4.4); equal
 *                       to tiled_conv_stride_auto with those values (also for
 *                       non-square images, where upstream exits).
 *   tiled_conv_dw_auto  depthwise (§4.5): input/output NHWC with stride =
 *                       channels, weights [channels][k][k], bias int32[C] or
 *                       NULL, same pool as above.  The pointers are
 *                       non-const as upstream; nothing but output is written.
 *   tiled_conv_dw       the same with tile sizes (ignored).
 *   tiled_resadd_auto   tiled_resadd_stride_auto with stride = J.
 *   tiled_resadd_stride_auto  C[i*stride+j] = clamp(ACC_SCALE(MVIN_SCALE(A,
 *                       A_scale) + MVIN_SCALE(B, B_scale), C_scale),
 *                       relu ? 0 : -128, 127).  C may be A or B (in place).
 *   tiled_global_average_auto  input NHWC [batches][dim][dim][channels],
 *                       output [batches][channels]: upstream's CPU formula
 *                       (sum + count/2) / count, count = dim*dim, C division
 *                       (truncation toward 0).  Gemmini's hardware instead
 *                       computes ACC_SCALE(sum, (float)(1.0/count)); they
 *                       differ on ties ({3,3,2,2}: CPU 3, HW 2) and negative
 *                       sums ({-3,-3,-2,0}: CPU -1, HW -2).  Compiling
 *                       systolic.c with -DSQC_GEMMINI_HW_GLOBAL_AVERAGE=1
 *                       selects the hardware formula.  Invalid: dim < 1.
 *   tiled_pool_auto     (sqc's own name: gemmini.h has no standalone pool,
 *                       and gemmini_nn.h's pool() takes a struct ConvParams)
 *                       the fused conv's max-pool on its own: input
 *                       [N][IH][IW][in_stride], output [N][POH][POW]
 *                       [out_stride], POH/POW as above, padding cells count
 *                       as 0 (gemmini_nn.h pool()); pool_stride == 0 copies.
 *   scale_and_sat       the output pipeline above on one int32 value.
 *   ACC_SCALE, MVIN_SCALE  the rounding + int8 saturation as functions
 *                       (gemmini_params.h has GNU statement macros); the
 *                       results are int8 values of type acc_t / elem_t.
 */
#ifndef SQC_RT_SYSTOLIC_H
#define SQC_RT_SYSTOLIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gemmini_params.h, default int8 configuration */
#define DIM 16
#define ADDR_LEN 32
#define BANK_NUM 4
#define BANK_ROWS 4096
#define ACC_ROWS 1024
#define MAX_BYTES 64
#define MAX_BLOCK_LEN (MAX_BYTES / (DIM * 1))
#define MAX_BLOCK_LEN_ACC (MAX_BYTES / (DIM * 4))

typedef int8_t elem_t;
static const elem_t elem_t_max = 127;
static const elem_t elem_t_min = -128;
typedef int32_t acc_t;
typedef int64_t full_t;
typedef float scale_t;
typedef uint32_t scale_t_bits;
typedef int32_t scale_acc_t;
typedef uint32_t scale_acc_t_bits;
typedef float acc_scale_t;
typedef uint32_t acc_scale_t_bits;

#define MVIN_SCALE_IDENTITY 1.0
#define ACC_SCALE_IDENTITY 1.0

/* gemmini.h */
#define OUTPUT_STATIONARY 0
#define WEIGHT_STATIONARY 1

#define NO_ACTIVATION 0
#define RELU 1
#define LAYERNORM 2
#define IGELU 3
#define SOFTMAX 4

enum tiled_matmul_type_t { OS, WS, CPU };

acc_t sqc_acc_scale(acc_t x, acc_scale_t scale);
elem_t sqc_mvin_scale(acc_t x, scale_t scale);
#define ACC_SCALE(x, scale) sqc_acc_scale((acc_t)(x), (scale))
#define MVIN_SCALE(x, scale) sqc_mvin_scale((acc_t)(x), (scale))

elem_t scale_and_sat(acc_t x, int act, acc_scale_t scale,
    acc_scale_t bert_scale);

void tiled_matmul_auto(size_t dim_I, size_t dim_J, size_t dim_K,
    const elem_t *A, const elem_t *B, const void *D, void *C,
    size_t stride_A, size_t stride_B, size_t stride_D, size_t stride_C,
    scale_t A_scale_factor, scale_t B_scale_factor,
    scale_acc_t D_scale_factor, int act, acc_scale_t scale,
    acc_scale_t bert_scale, bool repeating_bias, bool transpose_A,
    bool transpose_B, bool full_C, bool low_D, uint8_t weightA,
    enum tiled_matmul_type_t tiled_matmul_type);

void tiled_matmul(size_t dim_I, size_t dim_J, size_t dim_K,
    const elem_t *A, const elem_t *B, const void *D, void *C,
    size_t stride_A, size_t stride_B, size_t stride_D, size_t stride_C,
    scale_t A_scale_factor, scale_t B_scale_factor,
    scale_acc_t D_scale_factor, int act, acc_scale_t scale,
    acc_scale_t bert_scale, bool repeating_bias, size_t tile_I,
    size_t tile_J, size_t tile_K, bool transpose_A, bool transpose_B,
    bool full_C, bool low_D, uint8_t weightA,
    enum tiled_matmul_type_t tiled_matmul_type);

void tiled_conv_auto(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, bool wrot180, bool trans_output_1203,
    bool trans_input_3120, bool trans_weight_1203, bool trans_weight_0132,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_conv_stride_auto(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, int in_stride, int weight_stride, int out_stride,
    bool wrot180, bool trans_output_1203, bool trans_input_3120,
    bool trans_weight_1203, bool trans_weight_0132,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_conv(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, int in_stride, int weight_stride, int out_stride,
    bool wrot180, bool trans_output_1203, bool trans_input_3120,
    bool trans_weight_1203, bool trans_weight_0132, int batches,
    int porows, int pocols, int pochs, int krows, int kcols, int kchs,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_conv_downsample(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int in_stride, int weight_stride, int out_stride,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_conv_dw_auto(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int out_row_dim, int out_col_dim, int stride, int padding,
    int kernel_dim, elem_t *input, elem_t *weights, acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_conv_dw(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int out_row_dim, int out_col_dim, int stride, int padding,
    int kernel_dim, int batches, int porows, int pocols, int krows,
    int kcols, elem_t *input, elem_t *weights, acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type);

void tiled_resadd_auto(const size_t dim_I, const size_t dim_J,
    const scale_t A_scale, const scale_t B_scale,
    const acc_scale_t C_scale, const elem_t *A, const elem_t *B,
    elem_t *C, bool relu, enum tiled_matmul_type_t matadd_type);

void tiled_resadd_stride_auto(const size_t dim_I, const size_t dim_J,
    const scale_t A_scale, const scale_t B_scale,
    const acc_scale_t C_scale, const size_t stride, const elem_t *A,
    const elem_t *B, elem_t *C, bool relu,
    enum tiled_matmul_type_t matadd_type);

void tiled_global_average_auto(const elem_t *input, elem_t *output,
    int batches, int channels, int dim, enum tiled_matmul_type_t type);

void tiled_pool_auto(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int in_stride, int out_stride, int pool_size,
    int pool_stride, int pool_padding, const elem_t *input, elem_t *output,
    enum tiled_matmul_type_t type);

#endif
