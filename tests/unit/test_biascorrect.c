/*
 * test_biascorrect.c — the arithmetic of empirical bias correction
 * (passes/biascorrect.h) against values worked out by hand in the comments:
 * which input element each kernel offset reads at each output position
 * (strides, padding, dilations, auto_pad, groups; gemm columns), the sums S
 * and position counts over samples, the correction E[conv(x, W - Wq)] per
 * output channel, and the dequantized weight Wq.  Each conv case is also
 * checked in the comment by the direct route: conv(x, dW) at every output
 * position, then the mean.  All inputs and weights are small binary
 * fractions, so every expected value is exact in float and double (but
 * the 2-D dilated case's -16/9, one correctly rounded division both ways).
 * tests/ir/quantize/bias-correction.test covers the pass end to end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "frontend/frontend.h"
#include "passes/biascorrect.h"

/* a module from IR text (the parser reads files) */
static Module *
parse(const char *text)
{
	char path[] = "/tmp/sqc-test-biascorrect-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	Module *m;

	cr_assert(f != NULL);
	fputs(text, f);
	fclose(f);
	m = text_read(path);
	remove(path);
	ir_infer(m);
	return m;
}

/* the plan of m's first instruction */
static void
plan(Module *m, BcPlan *p, Arena *a)
{
	cr_assert(eq(int, m->nins, 1));
	bc_plan(m, &m->ins[0], p, a);
}

static void
sums_are(const BcPlan *p, const double *want, int n, double npos)
{
	int j;

	for (j = 0; j < n; j++)
		cr_assert(eq(dbl, p->sum[j], want[j]), "S[%d] = %g, want %g", j,
		    p->sum[j], want[j]);
	cr_assert(eq(dbl, p->npos, npos), "npos = %g, want %g", p->npos, npos);
}

static void
corr_is(const BcPlan *p, const float *w, const float *wq, const double *want)
{
	double e[8];
	int64_t o;

	cr_assert(p->cout <= 8);
	bc_correction(p, w, wq, e);
	for (o = 0; o < p->cout; o++)
		cr_assert(eq(dbl, e[o], want[o]), "e[%lld] = %.17g, want %.17g",
		    (long long)o, e[o], want[o]);
}

/*
 * 1x1 conv, 2 input and 2 output channels, x [1,2,1,2], two samples:
 *   sample 1: channel 0 [1, 2], channel 1 [3, 4]
 *   sample 2: channel 0 [5, 6], channel 1 [7, 8]
 * A 1x1 kernel reads each input element once per sample:
 *   S[c0] = 1+2+5+6 = 14,  S[c1] = 3+4+7+8 = 22,  npos = 2 samples x 2 = 4.
 * W = [[0.5, -0.25], [1, 2]], Wq = [[0.25, 0], [1.5, 2]]:
 *   dW = W - Wq = [[0.25, -0.25], [-0.5, 0]]
 *   e0 = (0.25*14 - 0.25*22) / 4 = -2/4 = -0.5
 *   e1 = (-0.5*14) / 4 = -1.75
 * Directly: out0 = 0.25 x0 - 0.25 x1 at the 4 positions (1,3) (2,4) (5,7)
 * (6,8) = -0.5 each; out1 = -0.5 x0 = -0.5, -1, -2.5, -3, mean -7/4.
 */
static const char conv1x1[] =
    "module opset \"\" 13\n"
    "const $w : f32[2,2,1,1] = [0.5, -0.25, 1.0, 2.0]\n"
    "func @main(%x: f32[1,2,1,2]) {\n"
    "  %y: f32[1,2,1,2] = conv @c %x, $w {kernel_shape = [1, 1]}\n"
    "  ret %y\n"
    "}\n";

Test(biascorrect, conv_1x1)
{
	Module *m = parse(conv1x1);
	Arena *a = arena_new();
	BcPlan p;
	const float s1[4] = {1, 2, 3, 4}, s2[4] = {5, 6, 7, 8};
	const float w[4] = {0.5f, -0.25f, 1, 2}, wq[4] = {0.25f, 0, 1.5f, 2};
	const double S[2] = {14, 22}, e[2] = {-0.5, -1.75};

	plan(m, &p, a);
	cr_assert(eq(i64, p.cin, 2));
	cr_assert(eq(i64, p.cout, 2));
	cr_assert(eq(i64, p.kvol, 1));
	bc_add(&p, s1, 1);
	bc_add(&p, s2, 1);
	sums_are(&p, S, 2, 4);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/* the same two samples as one batch of 2 ([2,2,1,2], n = 2): the same S,
 * npos 4 (the batch counts as positions) */
Test(biascorrect, conv_batch_counts_as_positions)
{
	Module *m = parse(conv1x1);
	Arena *a = arena_new();
	BcPlan p;
	const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const double S[2] = {14, 22};

	plan(m, &p, a);
	bc_add(&p, x, 2);
	sums_are(&p, S, 2, 4);
	arena_free(a);
	ir_free(m);
}

/*
 * 3x3 conv, pads 1, strides 2, x [1,1,4,4] with x[h][w] = 4h + w + 1:
 *    1  2  3  4
 *    5  6  7  8
 *    9 10 11 12
 *   13 14 15 16
 * Output: floor((4 + 1 + 1 - 3) / 2) + 1 = 2 per axis, 2x2 positions.
 * Output row oh reads input row ih = 2*oh + kh - 1:
 *   kh = 0: ih = -1 (padding: 0), 1      kh = 1: ih = 0, 2
 *   kh = 2: ih = 1, 3
 * and the same for columns (kw, iw).  S[kh][kw] = sum of x[ih][iw]:
 *   S[0][0] = x11                 = 6
 *   S[0][1] = x10 + x12           = 5 + 7           = 12
 *   S[0][2] = x11 + x13           = 6 + 8           = 14
 *   S[1][0] = x01 + x21           = 2 + 10          = 12
 *   S[1][1] = x00 + x02 + x20 + x22 = 1 + 3 + 9 + 11 = 24
 *   S[1][2] = x01 + x03 + x21 + x23 = 2 + 4 + 10 + 12 = 28
 *   S[2][0] = x11 + x31           = 6 + 14          = 20
 *   S[2][1] = x10 + x12 + x30 + x32 = 5 + 7 + 13 + 15 = 40
 *   S[2][2] = x11 + x13 + x31 + x33 = 6 + 8 + 14 + 16 = 44
 * npos = 4.  dW = [[1, 0, 0], [0, 0.5, 0], [0, 0, -0.25]] (W all 1, Wq =
 * 1 - dW): e = (1*6 + 0.5*24 - 0.25*44) / 4 = (6 + 12 - 11) / 4 = 1.75.
 * Directly, conv(x, dW) = dW00 x[ih0][iw0] + 0.5 x[ih0+1][iw0+1] - 0.25
 * x[ih0+2][iw0+2] with ih0 = 2 oh - 1, iw0 = 2 ow - 1:
 *   (0,0): 0 (padding) + 0.5*x00 - 0.25*x11 = 0.5 - 1.5 = -1
 *   (0,1): 0 (padding) + 0.5*x02 - 0.25*x13 = 1.5 - 2   = -0.5
 *   (1,0): 0 (padding) + 0.5*x20 - 0.25*x31 = 4.5 - 3.5 = 1
 *   (1,1): x11         + 0.5*x22 - 0.25*x33 = 6 + 5.5 - 4 = 7.5
 * mean (-1 - 0.5 + 1 + 7.5) / 4 = 1.75.
 */
Test(biascorrect, conv_3x3_pad1_stride2)
{
	Module *m = parse(
	    "module opset \"\" 13\n"
	    "const $w : f32[1,1,3,3] = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]\n"
	    "func @main(%x: f32[1,1,4,4]) {\n"
	    "  %y: f32[1,1,2,2] = conv @c %x, $w {kernel_shape = [3, 3], "
	    "pads = [1, 1, 1, 1], strides = [2, 2]}\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	float x[16], w[9], wq[9] = {0, 1, 1, 1, 0.5f, 1, 1, 1, 1.25f};
	const double S[9] = {6, 12, 14, 12, 24, 28, 20, 40, 44}, e[1] = {1.75};
	int j;

	for (j = 0; j < 16; j++)
		x[j] = (float)(j + 1);	/* 4h + w + 1 */
	for (j = 0; j < 9; j++)
		w[j] = 1;
	plan(m, &p, a);
	cr_assert(eq(i64, p.kvol, 9));
	cr_assert(eq(i64, p.ox[1], 2));
	cr_assert(eq(i64, p.ox[2], 2));
	bc_add(&p, x, 1);
	sums_are(&p, S, 9, 4);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/*
 * Grouped conv: 4 input channels, 2 outputs, group 2 (output 0 reads
 * channels 0 and 1, output 1 channels 2 and 3), 1x1, x [1,4,1,1] =
 * [1, 2, 3, 4]: S = [1, 2, 3, 4], npos 1.  W [2,2,1,1], Wq 0:
 *   dW0 = [1, 1]  on channels 0, 1: e0 = 1 + 2   = 3
 *   dW1 = [2, -1] on channels 2, 3: e1 = 6 - 4   = 2
 * (read from channels 0, 1 instead, output 1 would be 2 - 2 = 0)
 */
Test(biascorrect, conv_grouped)
{
	Module *m = parse(
	    "module opset \"\" 13\n"
	    "const $w : f32[2,2,1,1] = [1.0, 1.0, 2.0, -1.0]\n"
	    "func @main(%x: f32[1,4,1,1]) {\n"
	    "  %y: f32[1,2,1,1] = conv @c %x, $w {group = 2, kernel_shape = [1, 1]}\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	const float x[4] = {1, 2, 3, 4}, w[4] = {1, 1, 2, -1}, wq[4] = {0};
	const double S[4] = {1, 2, 3, 4}, e[2] = {3, 2};

	plan(m, &p, a);
	cr_assert(eq(i64, p.cing, 2));
	cr_assert(eq(i64, p.coutg, 1));
	bc_add(&p, x, 1);
	sums_are(&p, S, 4, 1);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/*
 * Depthwise conv with channel multiplier 2: 2 input channels, group 2, 4
 * outputs (0 and 1 read channel 0, 2 and 3 channel 1), kernel 1x2 over x
 * [1,2,1,3]: channel 0 [1, 2, 3], channel 1 [10, 20, 30].  Output width
 * 3 - 2 + 1 = 2; ow reads iw = ow + kw:
 *   S[c0][kw0] = x0 + x1 = 3      S[c0][kw1] = x1 + x2 = 5
 *   S[c1][kw0] = 10 + 20 = 30     S[c1][kw1] = 20 + 30 = 50
 * npos = 2.  dW per output [kw0, kw1] (W = dW, Wq = 0):
 *   o0 [1, 0]      e0 = 3 / 2            = 1.5
 *   o1 [0, 1]      e1 = 5 / 2            = 2.5
 *   o2 [0.5, 0.5]  e2 = (15 + 25) / 2    = 20
 *   o3 [1, -1]     e3 = (30 - 50) / 2    = -10
 * Directly, o3 = x[ow] - x[ow+1] on channel 1: -10, -10, mean -10.
 */
Test(biascorrect, conv_depthwise)
{
	Module *m = parse(
	    "module opset \"\" 13\n"
	    "const $w : f32[4,1,1,2] = [1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, -1.0]\n"
	    "func @main(%x: f32[1,2,1,3]) {\n"
	    "  %y: f32[1,4,1,2] = conv @c %x, $w {group = 2, kernel_shape = [1, 2]}\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	const float x[6] = {1, 2, 3, 10, 20, 30};
	const float w[8] = {1, 0, 0, 1, 0.5f, 0.5f, 1, -1}, wq[8] = {0};
	const double S[4] = {3, 5, 30, 50}, e[4] = {1.5, 2.5, 20, -10};

	plan(m, &p, a);
	cr_assert(eq(i64, p.cing, 1));
	cr_assert(eq(i64, p.coutg, 2));
	bc_add(&p, x, 1);
	sums_are(&p, S, 4, 2);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/*
 * 1-D dilated conv: x [1,1,5] = [1, 2, 3, 4, 5], kernel 2, dilations 3, no
 * pads: extent (2-1)*3 + 1 = 4, output 5 - 4 + 1 = 2; ow reads iw = ow +
 * 3 kw: kw0 -> x0, x1: S = 3;  kw1 -> x3, x4: S = 9;  npos 2.
 * dW = [1, 0.5]: e = (3 + 4.5) / 2 = 3.75.  Directly: ow 0: 1 + 0.5*4 = 3,
 * ow 1: 2 + 0.5*5 = 4.5, mean 3.75.
 */
Test(biascorrect, conv_dilated_1d)
{
	Module *m = parse(
	    "module opset \"\" 13\n"
	    "const $w : f32[1,1,2] = [1.0, 0.5]\n"
	    "func @main(%x: f32[1,1,5]) {\n"
	    "  %y: f32[1,1,2] = conv @c %x, $w {dilations = [3], kernel_shape = [2]}\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	const float x[5] = {1, 2, 3, 4, 5}, w[2] = {1, 0.5f}, wq[2] = {0};
	const double S[2] = {3, 9}, e[1] = {3.75};

	plan(m, &p, a);
	bc_add(&p, x, 1);
	sums_are(&p, S, 2, 2);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/*
 * 2-D dilated conv with padding: x [1,1,3,3], x[h][w] = 3h + w + 1 (1..9),
 * kernel 2x2, dilations 2, pads 1: extent 3, output 3 + 2 - 3 + 1 = 3 per
 * axis (9 positions); oh reads ih = oh + 2 kh - 1:
 *   kh = 0: ih = -1 (padding), 0, 1        kh = 1: ih = 1, 2, 3 (padding)
 * likewise columns, so
 *   S[0][0] = x00 + x01 + x10 + x11 = 1 + 2 + 4 + 5 = 12
 *   S[0][1] = x01 + x02 + x11 + x12 = 2 + 3 + 5 + 6 = 16
 *   S[1][0] = x10 + x11 + x20 + x21 = 4 + 5 + 7 + 8 = 24
 *   S[1][1] = x11 + x12 + x21 + x22 = 5 + 6 + 8 + 9 = 28
 * npos 9.  dW = [[1, 0], [0, -1]]: e = (12 - 28) / 9 = -16/9.
 */
Test(biascorrect, conv_dilated_2d_padded)
{
	Module *m = parse(
	    "module opset \"\" 13\n"
	    "const $w : f32[1,1,2,2] = [1.0, 0.0, 0.0, -1.0]\n"
	    "func @main(%x: f32[1,1,3,3]) {\n"
	    "  %y: f32[1,1,3,3] = conv @c %x, $w {dilations = [2, 2], "
	    "kernel_shape = [2, 2], pads = [1, 1, 1, 1]}\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	const float w[4] = {1, 0, 0, -1}, wq[4] = {0};
	const double S[4] = {12, 16, 24, 28}, e[1] = {-16.0 / 9.0};

	plan(m, &p, a);
	bc_add(&p, x, 1);
	sums_are(&p, S, 4, 9);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

/*
 * auto_pad, 1-D, x [1,1,4] = [1, 2, 3, 4], kernel 2, stride 1: output
 * ceil(4 / 1) = 4, total padding (4-1)*1 + 2 - 4 = 1.
 *   SAME_UPPER: the odd pad at the end, pb = 0, iw = ow + kw:
 *     kw0 -> x0..x3 = 10;  kw1 -> x1, x2, x3, padding = 9
 *   SAME_LOWER: at the beginning, pb = 1, iw = ow + kw - 1:
 *     kw0 -> padding, x0, x1, x2 = 6;  kw1 -> x0..x3 = 10
 *   VALID: no padding, output 3: kw0 -> x0..x2 = 6; kw1 -> x1..x3 = 9
 */
static void
autopad_is(const char *mode, int out, const double *S)
{
	char text[512];
	Module *m;
	Arena *a = arena_new();
	BcPlan p;
	const float x[4] = {1, 2, 3, 4};

	snprintf(text, sizeof text,
	    "module opset \"\" 13\n"
	    "const $w : f32[1,1,2] = [1.0, 1.0]\n"
	    "func @main(%%x: f32[1,1,4]) {\n"
	    "  %%y: f32[1,1,%d] = conv @c %%x, $w {auto_pad = \"%s\", "
	    "kernel_shape = [2]}\n"
	    "  ret %%y\n"
	    "}\n", out, mode);
	m = parse(text);
	plan(m, &p, a);
	bc_add(&p, x, 1);
	sums_are(&p, S, 2, out);
	arena_free(a);
	ir_free(m);
}

Test(biascorrect, conv_auto_pad)
{
	const double up[2] = {10, 9}, lo[2] = {6, 10}, valid[2] = {6, 9};

	autopad_is("SAME_UPPER", 4, up);
	autopad_is("SAME_LOWER", 4, lo);
	autopad_is("VALID", 3, valid);
}

/*
 * 3-D, through bc_conv directly: x [1,1,2,2,2], x[d][h][w] = 4d + 2h + w +
 * 1 (1..8), kernel [2,1,1]: output [1,2,2], od = 0 reads id = kd:
 *   kd0 -> the d = 0 plane 1 + 2 + 3 + 4 = 10;  kd1 -> 5 + 6 + 7 + 8 = 26
 * npos = 1*2*2 = 4.  dW = [0.25, -0.25]: e = (2.5 - 6.5) / 4 = -1.
 */
Test(biascorrect, conv_3d_explicit)
{
	Arena *a = arena_new();
	BcPlan p;
	const int64_t ix[3] = {2, 2, 2}, ox[3] = {1, 2, 2}, k[3] = {2, 1, 1};
	const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	const float w[2] = {0.25f, -0.25f}, wq[2] = {0};
	const double S[2] = {10, 26}, e[1] = {-1};

	bc_conv(&p, 3, 1, 1, 1, ix, ox, k, NULL, NULL, NULL, a);
	bc_add(&p, x, 1);
	sums_are(&p, S, 2, 4);
	corr_is(&p, w, wq, e);
	arena_free(a);
}

/* no sample: S = 0, npos = 0, and the correction is 0 (not 0/0) */
Test(biascorrect, no_samples_no_correction)
{
	Arena *a = arena_new();
	BcPlan p;
	const int64_t ix[1] = {3}, ox[1] = {3}, k[1] = {1};
	const float w[1] = {1}, wq[1] = {0};
	const double e[1] = {0};

	bc_conv(&p, 1, 1, 1, 1, ix, ox, k, NULL, NULL, NULL, a);
	corr_is(&p, w, wq, e);
	arena_free(a);
}

/*
 * Gemm, A [rows, 3] x W -> [rows, 2].  Samples: A = [[1, 2, 3], [4, 5, 6]]
 * (2 rows) and [[7, 8, 9]] (1 row): per column S = [1+4+7, 2+5+8, 3+6+9] =
 * [12, 15, 18], npos = 3 rows.  dW as [K=3, N=2] (W = dW + 1, Wq = 1):
 *   [[1, 0], [0, 0.5], [-1, 0.25]]
 *   e0 = (12 - 18) / 3           = -2
 *   e1 = (0.5*15 + 0.25*18) / 3  = (7.5 + 4.5) / 3 = 4
 * Directly, column 0 of A dW = a0 - a2 = -2 for every row; column 1 =
 * 0.5 a1 + 0.25 a2 = 1.75, 4, 6.25, mean 4.  transB = 1 stores W as [N, K]
 * (dW transposed: [[1, 0, -1], [0, 0.5, 0.25]]): the same e.
 */
static void
gemm_case(bool transb)
{
	Module *m = parse(transb ?
	    "module opset \"\" 13\n"
	    "const $w : f32[2,3] = [2.0, 1.0, 0.0, 1.0, 1.5, 1.25]\n"
	    "func @main(%a: f32[2,3]) {\n"
	    "  %y: f32[2,2] = gemm @g %a, $w {transB = 1}\n"
	    "  ret %y\n"
	    "}\n" :
	    "module opset \"\" 13\n"
	    "const $w : f32[3,2] = [2.0, 1.0, 1.0, 1.5, 0.0, 1.25]\n"
	    "func @main(%a: f32[2,3]) {\n"
	    "  %y: f32[2,2] = gemm @g %a, $w\n"
	    "  ret %y\n"
	    "}\n");
	Arena *a = arena_new();
	BcPlan p;
	const float s1[6] = {1, 2, 3, 4, 5, 6}, s2[3] = {7, 8, 9};
	const float wq[6] = {1, 1, 1, 1, 1, 1};
	const float *w = m->cst[0].data;
	const double S[3] = {12, 15, 18}, e[2] = {-2, 4};

	plan(m, &p, a);
	cr_assert(p.gemm);
	cr_assert(eq(int, p.transb, transb));
	cr_assert(eq(i64, p.cin, 3));
	cr_assert(eq(i64, p.cout, 2));
	bc_add(&p, s1, 2);
	bc_add(&p, s2, 1);
	sums_are(&p, S, 3, 3);
	corr_is(&p, w, wq, e);
	arena_free(a);
	ir_free(m);
}

Test(biascorrect, gemm)
{
	gemm_case(false);
}

Test(biascorrect, gemm_transb)
{
	gemm_case(true);
}

/*
 * Wq, int8 per tensor: max |w| = 1.984375 = 127/64, scale 1/64 exactly:
 *   1.984375     * 64 = 127     -> 127 -> 1.984375
 *   0.51953125   * 64 = 33.25   -> 33  -> 0.515625
 *   -0.166015625 * 64 = -10.625 -> -11 -> -0.171875
 */
Test(biascorrect, dequantized_per_tensor)
{
	Arena *a = arena_new();
	const float w[3] = {1.984375f, 0.51953125f, -0.166015625f};
	const float want[3] = {1.984375f, 0.515625f, -0.171875f};
	const int64_t dim[4] = {3, 1, 1, 1};
	float wq[3];
	int j;

	cr_assert(bc_dequantized(Qi8, w, dim, 4, -1, wq, a));
	for (j = 0; j < 3; j++)
		cr_assert(eq(flt, wq[j], want[j]), "wq[%d] = %a", j, wq[j]);
	arena_free(a);
}

/*
 * Wq, int8 per column (axis 1) of B [2,2] = [[1.984375, -0.166015625],
 * [0.51953125, 0.9921875]]:
 *   column 0: max 1.984375 = 127/64 -> scale 1/64: 127 -> 1.984375,
 *             33.25 -> 33 -> 0.515625
 *   column 1: max 0.9921875 = 127/128 -> scale 1/128: -21.25 -> -21 ->
 *             -0.1640625, 127 -> 0.9921875
 * Then the gemm correction with S = [2, 4], npos 1 (one row [2, 4]):
 *   dW = [[0, -0.001953125], [0.00390625, 0]] (-1/512, 1/256)
 *   e0 = 4/256 = 0.015625,  e1 = -2/512 = -0.00390625
 * A NaN weight cannot be quantized: false.
 */
Test(biascorrect, dequantized_per_channel_and_gemm)
{
	Arena *a = arena_new();
	BcPlan p;
	const float w[4] = {1.984375f, -0.166015625f, 0.51953125f, 0.9921875f};
	const float want[4] = {1.984375f, -0.1640625f, 0.515625f, 0.9921875f};
	const float x[2] = {2, 4}, bad[2] = {1, NAN};
	const int64_t dim[2] = {2, 2}, dim1[1] = {2};
	const double e[2] = {0.015625, -0.00390625};
	float wq[4];
	int j;

	cr_assert(bc_dequantized(Qi8, w, dim, 2, 1, wq, a));
	for (j = 0; j < 4; j++)
		cr_assert(eq(flt, wq[j], want[j]), "wq[%d] = %a", j, wq[j]);
	bc_gemm(&p, 2, 2, false, a);
	bc_add(&p, x, 1);
	corr_is(&p, w, wq, e);
	cr_assert(not(bc_dequantized(Qi8, bad, dim1, 1, -1, wq, a)));
	arena_free(a);
}
