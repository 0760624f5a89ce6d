/*
 * movement.h — data movement kernels: transpose, slice, gather, pad, concat,
 * resize and dtype casts.  Plain C; no dependency on the compiler.  Tensors
 * are packed row-major; except for resize's arithmetic modes and cast, the
 * kernels move elements of any type, given their size esz in bytes.  All are
 * single-threaded, re-entrant and keep no state; outputs never alias inputs.
 *
 *   rt_transpose  y = x with dims permuted: y dim i is x dim perm[i]
 *   rt_slice      y[i...] = x[start + i*step ...] per dim (step may be
 *                 negative; the caller has clamped start and computed ydim)
 *   rt_gather     x viewed as [outer][n][inner]; y [outer][nidx][inner] takes
 *                 rows idx[] (already normalised into [0, n))
 *   rt_pad        y = x with pads[i] elements before and pads[rank+i] after
 *                 dim i (negative pads crop); the new elements are cval
 *                 (constant, esz bytes), or reflect x without repeating the
 *                 edge, or repeat the edge, or wrap around.  scratch holds
 *                 sum(ydim) int64s.
 *   rt_concat     x[k] viewed as [outer][len[k]][inner]; y [outer][sum len]
 *                 [inner]
 *   rt_resize     ONNX Resize over every dim (scale[i], roi[i]/roi[rank+i] for
 *                 tf_crop_and_resize, else roi may be NULL).  Separable: one
 *                 1-D pass per dim whose mapping is not the identity
 *                 (downsampling dims first), through two buffers in scratch
 *                 (rt_resize_scratch bytes).  Nearest works for any dtype;
 *                 linear and cubic need RT_F32.  False if unsupported.
 *                 Coordinates follow ONNX Runtime's float arithmetic, except
 *                 that align_corners divides by scale*xdim - 1 as ONNX's
 *                 reference does (not ydim - 1: they differ when scales
 *                 give a fractional output length).
 *   rt_cast       n elements of xdt converted to ydt: any of f32 f64 f16 bf16
 *                 i8..i64 u8..u64 bool.  Floats to f16 round half to even;
 *                 to bf16 truncate (as ONNX's reference and test data do);
 *                 floats to integers truncate toward zero (NaN and
 *                 out-of-range values become the 64-bit minimum, then wrap
 *                 to the width); integers narrow by wrapping; anything to
 *                 bool is x != 0.  False for an unsupported dtype.
 *   rt_f16_from_f64 / rt_f32_from_f16 / rt_bf16_from_f32 / rt_f32_from_bf16
 *                 the scalar conversions rt_cast uses
 */
#ifndef SQC_RT_MOVEMENT_H
#define SQC_RT_MOVEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eltwise.h"

void rt_transpose(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int *perm, void *y);
void rt_slice(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int64_t *start, const int64_t *step, const int64_t *ydim, void *y);
void rt_gather(const void *x, size_t esz, int64_t outer, int64_t n,
    int64_t inner, const int64_t *idx, int64_t nidx, void *y);

typedef enum RtPadMode {
	RT_PAD_CONSTANT, RT_PAD_REFLECT, RT_PAD_EDGE, RT_PAD_WRAP
} RtPadMode;
void rt_pad(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int64_t *pads, RtPadMode mode, const void *cval,
    const int64_t *ydim, void *y, int64_t *scratch);

void rt_concat(int nx, const void *const *x, const int64_t *len, size_t esz,
    int64_t outer, int64_t inner, void *y);

typedef enum RtResizeMode {
	RT_RESIZE_NEAREST, RT_RESIZE_LINEAR, RT_RESIZE_CUBIC
} RtResizeMode;
typedef enum RtCoord {
	RT_COORD_HALF_PIXEL, RT_COORD_HALF_PIXEL_SYMMETRIC,
	RT_COORD_PYTORCH_HALF_PIXEL, RT_COORD_ALIGN_CORNERS,
	RT_COORD_ASYMMETRIC, RT_COORD_TF_HALF_PIXEL_FOR_NN,
	RT_COORD_TF_CROP_AND_RESIZE
} RtCoord;
typedef enum RtNearest {
	RT_NEAREST_ROUND_PREFER_FLOOR, RT_NEAREST_ROUND_PREFER_CEIL,
	RT_NEAREST_FLOOR, RT_NEAREST_CEIL,
	RT_NEAREST_SIMPLE	/* opset 10: ceil when downsampling, else trunc */
} RtNearest;
typedef struct RtResize {
	RtResizeMode mode;
	RtCoord coord;
	RtNearest nearest;
	float cubic_a;		/* ONNX cubic_coeff_a, -0.75 by default */
	bool exclude_outside;
	float extrapolation;	/* tf_crop_and_resize outside the input */
} RtResize;
size_t rt_resize_scratch(size_t esz, int rank, const int64_t *xdim,
    const int64_t *ydim);
bool rt_resize(RtType dt, const void *x, int rank, const int64_t *xdim,
    const int64_t *ydim, const float *scale, const float *roi,
    const RtResize *p, void *y, void *scratch);

bool rt_cast(const void *x, RtType xdt, void *y, RtType ydt, size_t n);
uint16_t rt_f16_from_f64(double d);
float rt_f32_from_f16(uint16_t h);
uint16_t rt_bf16_from_f32(float f);
float rt_f32_from_bf16(uint16_t h);

#endif
