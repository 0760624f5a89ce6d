/*
 * test_qkern.c — the quantized kernels of runtime/qkern.c against values
 * worked out by hand in the comments: ties of every rounding (2.5 -> 2,
 * 3.5 -> 4, -2.5 -> -2, the zero point added after rounding), saturation at
 * both ends, zero points of x, w and y, padding (contributes 0: the input's
 * zero point), groups and depthwise with per-channel weights, the systolic
 * residual add, QLinearAdd / QLinearMul, the lookup tables and the pools.
 * rq_requant and rq_quantize are also swept against passes/qparams.c's
 * qp_requant (QRrne) and qp_quantize, written independently from
 * doc/quantization.md.  Bit-exactness against ONNX Runtime is the lit
 * tests' job (tests/run/quant/).
 */
#include <math.h>
#include <stdint.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "passes/qparams.h"
#include "runtime/qkern.h"

/* ---- requantization, quantize ------------------------------------------- */

Test(qkern, requant_ties_and_saturation)
{
	cr_assert(eq(i32, rq_requant(5, 0.5f, 0, false), 2));	/* 2.5 */
	cr_assert(eq(i32, rq_requant(7, 0.5f, 0, false), 4));	/* 3.5 */
	cr_assert(eq(i32, rq_requant(-5, 0.5f, 0, false), -2));	/* -2.5 */
	cr_assert(eq(i32, rq_requant(1000, 1, 0, false), 127));
	cr_assert(eq(i32, rq_requant(-1000, 1, 0, false), -128));
	/* zero point after rounding: rne(2.5) + 3 = 5, not rne(5.5) = 6 */
	cr_assert(eq(i32, rq_requant(10, 0.25f, 3, true), 5));
	cr_assert(eq(i32, rq_requant(-300, 1, 100, true), 0));
	cr_assert(eq(i32, rq_requant(200, 1, 100, true), 255));
	cr_assert(eq(i32, rq_requant(1, NAN, 7, true), 0));	/* NaN: min */
	cr_assert(eq(i32, rq_requant(1, NAN, 0, false), -128));
	/* acc converted to float first: 2^24 + 1 -> 2^24 */
	cr_assert(eq(i32, rq_requant(16777217, 0x1p-24f, 0, false), 1));
}

Test(qkern, requant_is_qp_requant_rne)
{
	static const float ms[] = {0.5f, 0x1.002002p0f, 0.1f, 1.0f / 3,
	    0x1.fffffep-1f, 7.25f, 1e-4f};
	size_t k;
	int32_t acc;

	for (k = 0; k < sizeof ms / sizeof ms[0]; k++)
		for (acc = -70000; acc <= 70000; acc += 7)
			cr_assert(eq(i32, rq_requant(acc, ms[k], 0, false),
			    qp_requant(acc, ms[k], false, QRrne)),
			    "acc %d m %a", acc, ms[k]);
}

Test(qkern, quantize_is_qp_quantize)
{
	static const float ss[] = {0.1f, 0.5f, 1.0f / 3, 0x1p-7f};
	static const int32_t zs[] = {0, 3, -7, 128, 255};
	size_t i, j;
	float x;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 5; j++)
			for (x = -300; x <= 300; x += 0.0625f) {
				if (zs[j] >= 0)
					cr_assert(eq(i32, rq_quantize(x, ss[i],
					    zs[j], true), qp_quantize(Qu8, x,
					    ss[i], zs[j])));
				if (zs[j] <= 127 && zs[j] >= -128)
					cr_assert(eq(i32, rq_quantize(x, ss[i],
					    zs[j], false), qp_quantize(Qi8, x,
					    ss[i], zs[j])));
			}
	/* 0.75 / 0.1f is 7.5 in float32: 8 */
	cr_assert(eq(i32, rq_quantize(0.75f, 0.1f, 0, false), 8));
	cr_assert(eq(i32, rq_quantize(NAN, 1, 100, true), 0));
	cr_assert(eq(i32, rq_quantize(INFINITY, 1, 0, false), 127));
	cr_assert(eq(flt, rq_dequantize(130, 0.5f, 128), 1.0f));
}

/* ---- convolution -------------------------------------------------------- */

static unsigned char work[1 << 16];

/* x (u8, zero 1) holds 0..8 after the zero point, 3x3; pads 1 top and left;
 * w 2x2 = [[1, 0], [0, -1]], stride 2: y(oy, ox) = x[2oy-1][2ox-1] -
 * x[2oy][2ox] (0 outside):
 *   (0,0): 0 - 0 = 0   (0,1): 0 - 2 = -2   (1,0): 0 - 6 = -6
 *   (1,1): 4 - 8 = -4
 * bias 1 -> 1, -1, -5, -3; times 0.5 -> 0.5, -0.5, -2.5, -1.5 ->
 * 0, 0, -2, -2 (ties to even); + 10 -> 10, 10, 8, 8 */
Test(qkern, conv_padding_stride_ties)
{
	uint8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[4];
	int8_t w[4] = {1, 0, 0, -1};
	int32_t wz = 0, b = 1;
	float m = 0.5f;
	RtConv p = {.n = 1, .c = 1, .h = 3, .w = 3, .m = 1, .oh = 2, .ow = 2,
	    .group = 1, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .dh = 1, .dw = 1,
	    .pt = 1, .pl = 1};

	cr_assert(rq_conv2d_work(&p) <= sizeof work);
	rq_conv2d(&p, true, x, 1, false, w, &wz, &b, &m, 1, true, 10, y, work);
	cr_assert_arr_eq(y, ((uint8_t[]){10, 10, 8, 8}), 4 * sizeof *(y));
}

/* depthwise (group 2), per-channel weights: raw w [2, -2] with zero points
 * [0, 1] are 2 and -3; multipliers [1, 0.5]; x i8 ch0 [1, -1], ch1 [2, 3]:
 * ch0 [2, -2]; ch1 [-6, -9] * 0.5 = [-3, -4.5] -> [-3, -4] */
Test(qkern, conv_depthwise_per_channel)
{
	int8_t x[4] = {1, -1, 2, 3}, w[2] = {2, -2}, y[4];
	int32_t wz[2] = {0, 1};
	float m[2] = {1, 0.5f};
	RtConv p = {.n = 1, .c = 2, .h = 1, .w = 2, .m = 2, .oh = 1, .ow = 2,
	    .group = 2, .kh = 1, .kw = 1, .sh = 1, .sw = 1, .dh = 1, .dw = 1};

	rq_conv2d(&p, false, x, 0, false, w, wz, NULL, m, 2, false, 0, y, work);
	cr_assert_arr_eq(y, ((int8_t[]){2, -2, -3, -4}), 4 * sizeof *(y));
}

/* group 2 of 2 input channels each, 2 outputs per group, dilation 2 over a
 * 1x5 row: output ox sees x[ox] and x[ox + 2].  x ch0..3 = rows
 * [1 2 3 4 5], [0 0 0 0 1], [5 4 3 2 1], [2 2 2 2 2]; w (per output, taps
 * over its group's 2 channels) out0: [1,1 | 0,0] -> x0[ox] + x0[ox+2];
 * out1: [0,0 | 1,-1] -> x1[ox] - x1[ox+2]; out2: [1,0 | 0,0] -> x2[ox];
 * out3: [0,0 | 0,100] -> 100 * x3[ox+2] = 200 saturates to 127. */
Test(qkern, conv_groups_dilation_saturation)
{
	int8_t x[20] = {1, 2, 3, 4, 5, 0, 0, 0, 0, 1, 5, 4, 3, 2, 1,
	    2, 2, 2, 2, 2};
	int8_t w[16] = {1, 1, 0, 0, 0, 0, 1, -1, 1, 0, 0, 0, 0, 0, 0, 100};
	int8_t y[12];
	int32_t wz = 0;
	float m = 1;
	RtConv p = {.n = 1, .c = 4, .h = 1, .w = 5, .m = 4, .oh = 1, .ow = 3,
	    .group = 2, .kh = 1, .kw = 2, .sh = 1, .sw = 1, .dh = 1, .dw = 2};

	rq_conv2d(&p, false, x, 0, false, w, &wz, NULL, &m, 1, false, 0, y,
	    work);
	cr_assert_arr_eq(y, ((int8_t[]){4, 6, 8, 0, 0, -1, 5, 4, 3,
	    127, 127, 127}), 12 * sizeof *(y));
}

/* ---- matrix product ----------------------------------------------------- */

/* a (u8, zero 128) = [[129, 130, 128], [127, 128, 131]] -> [[1, 2, 0],
 * [-1, 0, 3]]; b (i8) [[1, -1], [2, 0], [3, 5]] with per-column zero
 * points [1, 0] -> [[0, -1], [1, 0], [2, 5]]; c = [10, -10] per column:
 * row 0: [2, -1] + c = [12, -11]; row 1: [6, 16] + c = [16, 6];
 * multipliers [0.25, 0.5], y zero 100 (u8): [3, -5.5 -> -6] + 100 =
 * [103, 94]; [4, 3] + 100 = [104, 103] */
Test(qkern, gemm_zero_points_per_column)
{
	uint8_t a[6] = {129, 130, 128, 127, 128, 131}, y[4];
	int8_t b[6] = {1, -1, 2, 0, 3, 5};
	int32_t bz[2] = {1, 0}, c[2] = {10, -10};
	float m[2] = {0.25f, 0.5f};
	RqGemm g = {.m = 2, .n = 2, .k = 3, .au8 = true, .bu8 = false,
	    .yu8 = true, .a = a, .ars = 3, .acs = 1, .b = b, .brs = 2,
	    .bcs = 1, .c = c, .crs = 0, .ccs = 1, .az = 128, .bz = bz,
	    .mult = m, .nper = 2, .yz = 100, .y = y};

	cr_assert(rq_gemm_work(&g) <= sizeof work);
	rq_gemm(&g, work);
	cr_assert_arr_eq(y, ((uint8_t[]){103, 94, 104, 103}), 4 * sizeof *(y));
}

/* the same product with b stored transposed ([N][K]) */
Test(qkern, gemm_transposed_b)
{
	uint8_t a[6] = {129, 130, 128, 127, 128, 131}, y[4];
	int8_t b[6] = {1, 2, 3, -1, 0, 5};
	int32_t bz[2] = {1, 0}, c[2] = {10, -10};
	float m[2] = {0.25f, 0.5f};
	RqGemm g = {.m = 2, .n = 2, .k = 3, .au8 = true, .yu8 = true, .a = a,
	    .ars = 3, .acs = 1, .b = b, .brs = 1, .bcs = 3, .c = c, .crs = 0,
	    .ccs = 1, .az = 128, .bz = bz, .mult = m, .nper = 2, .yz = 100,
	    .y = y};

	rq_gemm(&g, work);
	cr_assert_arr_eq(y, ((uint8_t[]){103, 94, 104, 103}), 4 * sizeof *(y));
}

/* ---- elementwise -------------------------------------------------------- */

/* a' = rne(a * 0.5): 10 -> 5, 100 -> 50, -128 -> -64, 5 -> 2.5 -> 2;
 * b' = b; sums 8, 150 -> 127, -192 -> -128, 2 + 3 = 5 */
Test(qkern, resadd)
{
	int8_t a[4] = {10, 100, -128, 5}, b[4] = {3, 100, -128, 3}, y[4];

	rq_resadd(4, a, 0.5f, b, 1, false, y);
	cr_assert_arr_eq(y, ((int8_t[]){8, 127, -128, 5}), 4 * sizeof *(y));
	rq_resadd(4, a, 0.5f, b, 1, true, y);	/* b scalar: 3 */
	cr_assert_arr_eq(y, ((int8_t[]){8, 53, -61, 5}), 4 * sizeof *(y));
}

/* scales 0.5, 0.5 -> 1, zero points 128: y = 0.5 (a - 128) + 0.5 (b - 128)
 * + 128: (129, 128) -> 128.5 -> 128; (131, 128) -> 129.5 -> 130;
 * (255, 255) -> 255; (0, 0) -> 0 */
Test(qkern, qladd)
{
	uint8_t a[4] = {129, 131, 255, 0}, b[4] = {128, 128, 255, 0}, y[4];
	int8_t c[2] = {100, -100}, d[2] = {100, -100}, z[2];

	rq_qladd(4, true, a, 0.5f, 128, b, 0.5f, 128, false, 1, 128, y);
	cr_assert_arr_eq(y, ((uint8_t[]){128, 130, 255, 0}), 4 * sizeof *(y));
	rq_qladd(2, false, c, 1, 0, d, 1, 0, false, 1, 0, z);
	cr_assert_arr_eq(z, ((int8_t[]){127, -128}), 2 * sizeof *(z));
}

/* sa = sb = 1, sy = 2: 3*3 = 9 -> 4.5 -> 4; 5*3 -> 7.5 -> 8; -5*3 ->
 * -7.5 -> -8; 127*127 -> 127; with zy = 1 the zero point is added before
 * rounding: 4.5 + 1 = 5.5 -> 6 */
Test(qkern, qlmul)
{
	int8_t a[4] = {3, 5, -5, 127}, b[4] = {3, 3, 3, 127}, y[4];

	rq_qlmul(4, false, a, 1, 0, b, 1, 0, false, 2, 0, y);
	cr_assert_arr_eq(y, ((int8_t[]){4, 8, -8, 127}), 4 * sizeof *(y));
	rq_qlmul(1, false, a, 1, 0, b, 1, 0, false, 2, 1, y);
	cr_assert(eq(i8, y[0], 6));
}

/* ---- lookup tables ------------------------------------------------------ */

Test(qkern, lut_leaky_relu)
{
	uint8_t t[256];
	int8_t x[4] = {-3, -5, 7, -128}, y[4];

	/* alpha 0.5, scales 1: -1.5 -> -2, -2.5 -> -2, 7, -64 */
	rq_lut_leaky_relu(t, false, 1, 0, 1, 0, 0.5f);
	rq_lut(t, x, y, 4);
	cr_assert_arr_eq(y, ((int8_t[]){-2, -2, 7, -64}), 4 * sizeof *(y));
}

Test(qkern, lut_sigmoid)
{
	uint8_t t[256];
	int8_t x[3] = {0, 127, -128}, y[3];

	cr_assert(eq(flt, rq_logistic(0), 0.5f));
	cr_assert(eq(flt, rq_logistic(-100), rq_logistic(-18)));
	/* sy = 1/256, zero -128: 0.5 -> 128 - 128 = 0; ~1 -> 127 (sat);
	 * ~0 -> -128 */
	rq_lut_sigmoid(t, false, 1, 0, 1.0f / 256, -128);
	rq_lut(t, x, y, 3);
	cr_assert_arr_eq(y, ((int8_t[]){0, 127, -128}), 3 * sizeof *(y));
}

/* ---- pools -------------------------------------------------------------- */

/* planes [1, 2], [1, 4], [0, 255]; sx = sy = 1: scale 0.5: 1.5 -> 2,
 * 2.5 -> 2, 127.5 -> 128; with x zero 1 and y zero 3: sums - 2 = [1, 3,
 * 253] * 0.5 = 0.5 -> 0, 1.5 -> 2, 126.5 -> 126, + 3 */
Test(qkern, gavgpool)
{
	uint8_t x[6] = {1, 2, 1, 4, 0, 255}, y[3];

	rq_gavgpool(true, x, 3, 2, 1, 0, 1, 0, y);
	cr_assert_arr_eq(y, ((uint8_t[]){2, 2, 128}), 3 * sizeof *(y));
	rq_gavgpool(true, x, 3, 2, 1, 1, 1, 3, y);
	cr_assert_arr_eq(y, ((uint8_t[]){3, 5, 129}), 3 * sizeof *(y));
}

/* 1-D [2, 5, 4], kernel 2, stride 1, pad 1 at the start: windows [pad, 2],
 * [2, 5], [5, 4]: without count_include_pad 2, 3.5 -> 4, 4.5 -> 4; with
 * it 1, 3.5 -> 4, 4.5 -> 4 */
Test(qkern, avgpool)
{
	int8_t x[3] = {2, 5, 4}, y[3];
	int64_t in[1] = {3}, out[1] = {3};
	RtPool p = {.nsp = 1, .k = {2}, .s = {1}, .d = {1}, .pb = {1}};
	float wk[3];

	rq_avgpool(false, x, 1, in, out, &p, false, 1, 0, 1, 0, y, wk);
	cr_assert_arr_eq(y, ((int8_t[]){2, 4, 4}), 3 * sizeof *(y));
	rq_avgpool(false, x, 1, in, out, &p, true, 1, 0, 1, 0, y, wk);
	cr_assert_arr_eq(y, ((int8_t[]){1, 4, 4}), 3 * sizeof *(y));
	/* y zero 1 is added before rounding: 3.5 + 1 = 4.5 -> 4 */
	rq_avgpool(false, x, 1, in, out, &p, false, 1, 0, 1, 1, y, wk);
	cr_assert_arr_eq(y, ((int8_t[]){3, 4, 6}), 3 * sizeof *(y));
}
