/*
 * systolic.c — the Gemmini kernel API's CPU semantics (contract in
 * systolic.h).
 *
 * Sums are uint32_t (products added modulo 2^32, no signed overflow) and
 * read back as int32 by wrap32.  Rounding is round_sat: the float product is
 * range-checked first, so every float-to-integer conversion is defined; the
 * remainder p - trunc(p) is exact for |p| < 129, so the tie test is exact
 * without touching the floating-point environment.
 *
 * Convolutions: the blocked paths (rows_run with a RowsCore: on x86 with
 * AVX-512 VNNI systolic_x86.h's conv and depthwise cores, elsewhere a
 * portable depthwise core) produce output rows, a fused pool taking them
 * row by row; what they do not cover (other layouts, rotation, input
 * dilation, rows wider than their buffer, plain convs without VNNI) runs
 * conv_run: one output pixel at a time in chunks of CHUNK output channels,
 * a fused pool recomputing the conv outputs of each window cell.  All paths
 * give the same bits (exact integer sums, the same output pipeline).  No
 * heap; stack use is bounded (at most about 40 KiB per call).
 */
#include <limits.h>

#include "simd.h"
#include "systolic.h"

#ifndef SQC_GEMMINI_MACRO_ROUNDING
#define SQC_GEMMINI_MACRO_ROUNDING 0
#endif
#ifndef SQC_GEMMINI_HW_GLOBAL_AVERAGE
#define SQC_GEMMINI_HW_GLOBAL_AVERAGE 0
#endif

enum { CHUNK = 64, NONE = -129 };

static acc_t
wrap32(uint32_t v)
{
	if (v <= (uint32_t)INT32_MAX)
		return (acc_t)v;
	return (acc_t)(v - 0x80000000u) + INT32_MIN;
}

/* clamp(round(p), -128, 127); NaN gives -128 */
static int
round_sat(float p)
{
	long i, next, r;
	float rem;

	if (p != p)
		return -128;
	if (p >= 128.0f)
		return 127;
	if (p <= -129.0f)
		return -128;
	i = (long)p;			/* truncation, |p| < 129 */
	rem = p - (float)i;		/* exact */
	if (rem < 0)
		rem = -rem;
#if SQC_GEMMINI_MACRO_ROUNDING
	{
		/* ROUND_NEAR_EVEN: next = (long long)(x ± 1) formed in float */
		float q = p < 0 ? p - 1.0f : p + 1.0f;
		next = (long)q;
	}
#else
	next = p < 0 ? i - 1 : i + 1;
#endif
	if (rem < 0.5f)
		r = i;
	else if (rem > 0.5f)
		r = next;
	else
		r = i % 2 == 0 ? i : next;
	return r > 127 ? 127 : r < -128 ? -128 : (int)r;
}

acc_t
sqc_acc_scale(acc_t x, acc_scale_t scale)
{
	float p = (float)x * scale;

	return round_sat(p);
}

elem_t
sqc_mvin_scale(acc_t x, scale_t scale)
{
	float p = (float)x * scale;

	return (elem_t)round_sat(p);
}

static int
mvin(elem_t x, scale_t scale)
{
	if (scale == 1.0f)
		return x;
	return sqc_mvin_scale(x, scale);
}

elem_t
scale_and_sat(acc_t x, int act, acc_scale_t scale, acc_scale_t bert_scale)
{
	int y = sqc_acc_scale(x, scale);

	(void)bert_scale;
	if (act == RELU && y < 0)
		y = 0;
	return (elem_t)y;
}

/* --- matmul ------------------------------------------------------------- */

void
tiled_matmul_auto(size_t dim_I, size_t dim_J, size_t dim_K,
    const elem_t *A, const elem_t *B, const void *D, void *C,
    size_t stride_A, size_t stride_B, size_t stride_D, size_t stride_C,
    scale_t A_scale_factor, scale_t B_scale_factor,
    scale_acc_t D_scale_factor, int act, acc_scale_t scale,
    acc_scale_t bert_scale, bool repeating_bias, bool transpose_A,
    bool transpose_B, bool full_C, bool low_D, uint8_t weightA,
    enum tiled_matmul_type_t tiled_matmul_type)
{
	const acc_t *d = D;
	elem_t *c = C;
	uint32_t acc[CHUNK];
	size_t i, j, j0, k, n, row;
	int a;
	bool fastb = !transpose_B && B_scale_factor == 1.0f;

	(void)D_scale_factor, (void)full_C, (void)low_D, (void)weightA;
	(void)tiled_matmul_type;
	for (i = 0; i < dim_I; i++)
		for (j0 = 0; j0 < dim_J; j0 += n) {
			n = dim_J - j0 < CHUNK ? dim_J - j0 : CHUNK;
			row = repeating_bias ? 0 : i;
			for (j = 0; j < n; j++)
				acc[j] = d == NULL ? 0 :
				    (uint32_t)d[row * stride_D + j0 + j];
			for (k = 0; k < dim_K; k++) {
				a = mvin(transpose_A ? A[k * stride_A + i] :
				    A[i * stride_A + k], A_scale_factor);
				if (a == 0)
					continue;
				if (fastb) {
					const elem_t *b = B + k * stride_B + j0;

					for (j = 0; j < n; j++)
						acc[j] += (uint32_t)(a * b[j]);
				} else
					for (j = 0; j < n; j++)
						acc[j] += (uint32_t)(a * mvin(
						    transpose_B ?
						    B[(j0 + j) * stride_B + k] :
						    B[k * stride_B + j0 + j],
						    B_scale_factor));
			}
			for (j = 0; j < n; j++)
				c[i * stride_C + j0 + j] = scale_and_sat(
				    wrap32(acc[j]), act, scale, bert_scale);
		}
}

void
tiled_matmul(size_t dim_I, size_t dim_J, size_t dim_K,
    const elem_t *A, const elem_t *B, const void *D, void *C,
    size_t stride_A, size_t stride_B, size_t stride_D, size_t stride_C,
    scale_t A_scale_factor, scale_t B_scale_factor,
    scale_acc_t D_scale_factor, int act, acc_scale_t scale,
    acc_scale_t bert_scale, bool repeating_bias, size_t tile_I,
    size_t tile_J, size_t tile_K, bool transpose_A, bool transpose_B,
    bool full_C, bool low_D, uint8_t weightA,
    enum tiled_matmul_type_t tiled_matmul_type)
{
	(void)tile_I, (void)tile_J, (void)tile_K;
	tiled_matmul_auto(dim_I, dim_J, dim_K, A, B, D, C, stride_A, stride_B,
	    stride_D, stride_C, A_scale_factor, B_scale_factor,
	    D_scale_factor, act, scale, bert_scale, repeating_bias,
	    transpose_A, transpose_B, full_C, low_D, weightA,
	    tiled_matmul_type);
}

/* --- convolutions ------------------------------------------------------- */

typedef struct Conv {
	long N, IH, IW, CI, CO, OH, OW;
	long stride, idil, kdil, pad, k;
	long in_stride, w_stride, out_stride;
	bool rot, tout, tin, tw1203, tw0132, dw;
	const elem_t *in, *w;
	const acc_t *bias;
	elem_t *out;
	int act;
	acc_scale_t scale;
	long psize, pstride, ppad, POH, POW;	/* pstride 0: no pool */
} Conv;

/* q[0..n) = the quantized conv outputs (b, orow, ocol, o0..o0+n) */
static void
conv_pixel(const Conv *c, long b, long orow, long ocol, long o0, long n,
    int *q)
{
	uint32_t acc[CHUNK];
	long j, kr, kc, y, x, ir, ic, krr, kcc, ich, wb, os, pix;
	int v;

	for (j = 0; j < n; j++)
		acc[j] = c->bias == NULL ? 0 : (uint32_t)c->bias[o0 + j];
	for (kr = 0; kr < c->k; kr++) {
		y = orow * c->stride + kr * c->kdil - c->pad;
		if (y % c->idil != 0)
			continue;
		ir = y / c->idil;
		if (ir < 0 || ir >= c->IH)
			continue;
		for (kc = 0; kc < c->k; kc++) {
			x = ocol * c->stride + kc * c->kdil - c->pad;
			if (x % c->idil != 0)
				continue;
			ic = x / c->idil;
			if (ic < 0 || ic >= c->IW)
				continue;
			krr = c->rot ? c->k - 1 - kr : kr;
			kcc = c->rot ? c->k - 1 - kc : kc;
			pix = (b * c->IH + ir) * c->IW + ic;
			if (c->dw) {
				const elem_t *in = c->in + pix * c->CI + o0;
				const elem_t *w = c->w + krr * c->k + kcc;

				for (j = 0; j < n; j++)
					acc[j] += (uint32_t)(in[j] *
					    w[(o0 + j) * c->k * c->k]);
				continue;
			}
			for (ich = 0; ich < c->CI; ich++) {
				if (c->tin)
					v = c->in[((ich * c->IH + ir) * c->IW
					    + ic) * c->N + b];
				else
					v = c->in[pix * c->in_stride + ich];
				if (v == 0)
					continue;
				if (c->tw1203) {
					wb = ((ich * c->k + krr) * c->k + kcc)
					    * c->CO;
					os = 1;
				} else if (c->tw0132) {
					wb = (krr * c->k + kcc) * c->CO * c->CI
					    + ich;
					os = c->CI;
				} else {
					wb = ((krr * c->k + kcc) * c->CI + ich)
					    * c->w_stride;
					os = 1;
				}
				if (os == 1) {
					const elem_t *w = c->w + wb + o0;

					for (j = 0; j < n; j++)
						acc[j] += (uint32_t)(v * w[j]);
				} else
					for (j = 0; j < n; j++)
						acc[j] += (uint32_t)(v *
						    c->w[wb + (o0 + j) * os]);
			}
		}
	}
	for (j = 0; j < n; j++)
		q[j] = scale_and_sat(wrap32(acc[j]), c->act, c->scale, 0);
}

static void
conv_run(const Conv *c)
{
	int q[CHUNK], mx[CHUNK];
	long b, r, col, o0, n, j, wr, wc, orow, ocol;
	elem_t *o;

	for (b = 0; b < c->N; b++)
	for (r = 0; r < c->POH; r++)
	for (col = 0; col < c->POW; col++)
	for (o0 = 0; o0 < c->CO; o0 += n) {
		n = c->CO - o0 < CHUNK ? c->CO - o0 : CHUNK;
		if (c->pstride == 0)
			conv_pixel(c, b, r, col, o0, n, mx);
		else {
			for (j = 0; j < n; j++)
				mx[j] = NONE;
			for (wr = 0; wr < c->psize; wr++)
			for (wc = 0; wc < c->psize; wc++) {
				orow = r * c->pstride + wr - c->ppad;
				ocol = col * c->pstride + wc - c->ppad;
				if (orow < 0 || orow >= c->OH || ocol < 0 ||
				    ocol >= c->OW) {
					for (j = 0; j < n; j++)
						if (mx[j] < 0)
							mx[j] = 0;
					continue;
				}
				conv_pixel(c, b, orow, ocol, o0, n, q);
				for (j = 0; j < n; j++)
					if (q[j] > mx[j])
						mx[j] = q[j];
			}
		}
		if (c->tout)
			o = c->out + ((r * c->POW + col) * c->N + b) * c->CO;
		else
			o = c->out + ((b * c->POH + r) * c->POW + col)
			    * c->out_stride;
		for (j = 0; j < n; j++)
			o[o0 + j] = (elem_t)mx[j];
	}
}

#if RT_X86
#define SYS_X86 1
#include "systolic_x86.h"
#endif

/* --- blocked paths ------------------------------------------------------ */

/*
 * A RowsCore computes the conv outputs of image b at flattened output
 * pixels [p0, p0 + np) (p = orow * OW + ocol), channels [o0, o0 + nco):
 * output (p, j) goes to out[(p - p0) * ops + j - o0].  rows_run drives one
 * over a whole call.  The cores: systolic_x86.h's (AVX-512 VNNI: conv and
 * depthwise), and a portable depthwise one below, plain C for the loop
 * vectoriser (-O3), built as is and once more for AVX2 on x86: the weights
 * of PN channels transposed to [k*k][PN] on the stack (4 KiB with rows_run's
 * 24 KiB) so the channel loop is contiguous.  Without AVX-512 VNNI a plain
 * conv runs conv_run's loops (a portable blocked conv core was tried and
 * lost to them: GCC's vectoriser does not keep a block of sums in
 * registers).
 */
typedef void RowsCore(const Conv *c, long b, long p0, long np, long o0,
    long nco, elem_t *out, long ops);

enum { PN = 64, DWKK = 64, ROWB = 8192 };

#if defined(__GNUC__)
#define PC_INLINE static inline __attribute__((always_inline))
#else
#define PC_INLINE static inline
#endif

/* the layouts the cores read: NHWC, HWIO, no rotation or input dilation */
static bool
rows_conv_ok(const Conv *c)
{
	if (c->dw)
		return c->k * c->k <= DWKK;
	return !c->rot && !c->tin && !c->tw1203 && !c->tw0132 &&
	    c->idil == 1 && c->CI > 0;
}

PC_INLINE void
pc_dw_body(const Conv *c, long b, long p0, long np, long o0, long nco,
    elem_t *out, long ops)
{
	int16_t wt[DWKK][PN];
	uint32_t acc[PN];
	long kk = c->k * c->k, c0, n, t, j, p, orow, ocol, y, x, kr, kc;

	for (c0 = o0; c0 < o0 + nco; c0 += PN) {
		n = o0 + nco - c0 < PN ? o0 + nco - c0 : PN;
		for (t = 0; t < kk; t++)
			for (j = 0; j < n; j++)
				wt[t][j] = c->w[(c0 + j) * kk + t];
		for (p = p0; p < p0 + np; p++) {
			orow = p / c->OW, ocol = p % c->OW;
			for (j = 0; j < n; j++)
				acc[j] = c->bias == NULL ? 0 :
				    (uint32_t)c->bias[c0 + j];
			for (kr = 0; kr < c->k; kr++) {
				y = orow * c->stride + kr - c->pad;
				if (y < 0 || y >= c->IH)
					continue;
				for (kc = 0; kc < c->k; kc++) {
					const elem_t *s;
					const int16_t *w;

					x = ocol * c->stride + kc - c->pad;
					if (x < 0 || x >= c->IW)
						continue;
					s = c->in + ((b * c->IH + y) * c->IW +
					    x) * c->CI + c0;
					w = wt[kr * c->k + kc];
					for (j = 0; j < n; j++)
						acc[j] += (uint32_t)(s[j] * w[j]);
				}
			}
			for (j = 0; j < n; j++)
				out[(p - p0) * ops + c0 - o0 + j] = scale_and_sat(
				    wrap32(acc[j]), c->act, c->scale, 0);
		}
	}
}

static void
pc_dw(const Conv *c, long b, long p0, long np, long o0, long nco,
    elem_t *out, long ops)
{
	pc_dw_body(c, b, p0, np, o0, nco, out, ops);
}

#if RT_X86
static RT_AVX2 void
pc_dw_avx2(const Conv *c, long b, long p0, long np, long o0, long nco,
    elem_t *out, long ops)
{
	pc_dw_body(c, b, p0, np, o0, nco, out, ops);
}
#endif

/* the core for this CPU (SQC_ISA caps it, as for the float kernels);
 * NULL: conv_run */
static RowsCore *
rows_core(const Conv *c)
{
#if SYS_X86
	if (sx_usable())
		return c->dw ? sx_dw : sx_conv;
#endif
#if RT_X86
	if (rt_isa() >= RT_ISA_AVX2)
		return c->dw ? pc_dw_avx2 : NULL;
#endif
	return c->dw ? pc_dw : NULL;
}

/* the whole call through core, with the fused pool row by row: each conv
 * output row under a window row is computed once per pooled row that
 * needs it, into a bounded stack buffer (the windows' columns share it).
 * false: rows too wide for the buffer, use conv_run. */
static bool
rows_run(const Conv *c, RowsCore *core)
{
	elem_t row[ROWB];
	int16_t mx[ROWB];
	long b, o0, n, ncp, pr, pc, wr, wc, orow, ocol, j, w;
	int16_t v;

	if (c->pstride == 0) {
		for (b = 0; b < c->N; b++)
			if (c->tout)
				core(c, b, 0, c->OH * c->OW, 0, c->CO,
				    c->out + b * c->CO, c->N * c->CO);
			else
				core(c, b, 0, c->OH * c->OW, 0, c->CO,
				    c->out + b * c->OH * c->OW * c->out_stride,
				    c->out_stride);
		return true;
	}
	w = c->OW > c->POW ? c->OW : c->POW;
	if (w < 1 || w > ROWB)
		return false;
	ncp = ROWB / w < c->CO ? ROWB / w : c->CO;
	for (b = 0; b < c->N; b++)
	for (o0 = 0; o0 < c->CO; o0 += n) {
		n = c->CO - o0 < ncp ? c->CO - o0 : ncp;
		for (pr = 0; pr < c->POH; pr++) {
			for (j = 0; j < c->POW * n; j++)
				mx[j] = NONE;
			for (wr = 0; wr < c->psize; wr++) {
				orow = pr * c->pstride + wr - c->ppad;
				if (orow < 0 || orow >= c->OH) {
					for (j = 0; j < c->POW * n; j++)
						if (mx[j] < 0)
							mx[j] = 0;
					continue;
				}
				core(c, b, orow * c->OW, c->OW, o0, n, row, n);
				for (pc = 0; pc < c->POW; pc++)
				for (wc = 0; wc < c->psize; wc++) {
					ocol = pc * c->pstride + wc - c->ppad;
					for (j = 0; j < n; j++) {
						v = ocol < 0 || ocol >= c->OW ?
						    0 : row[ocol * n + j];
						if (v > mx[pc * n + j])
							mx[pc * n + j] = v;
					}
				}
			}
			for (pc = 0; pc < c->POW; pc++) {
				elem_t *o = c->tout ? c->out + ((pr * c->POW
				    + pc) * c->N + b) * c->CO : c->out + ((b *
				    c->POH + pr) * c->POW + pc) * c->out_stride;

				for (j = 0; j < n; j++)
					o[o0 + j] = (elem_t)mx[pc * n + j];
			}
		}
	}
	return true;
}


/* fill in the pooled dims; false if the arguments are invalid */
static bool
conv_check(Conv *c)
{
	if (c->N < 0 || c->IH < 0 || c->IW < 0 || c->CI < 0 || c->CO < 0 ||
	    c->OH < 0 || c->OW < 0 || c->pad < 0 || c->stride < 1 ||
	    c->k < 1 || c->idil < 1 || c->kdil < 1 || c->pstride < 0)
		return false;
	if (c->pstride == 0) {
		c->POH = c->OH;
		c->POW = c->OW;
		return true;
	}
	if (c->psize < 1 || c->ppad < 0)
		return false;
	c->POH = (c->OH + 2 * c->ppad - c->psize) / c->pstride + 1;
	c->POW = (c->OW + 2 * c->ppad - c->psize) / c->pstride + 1;
	if (c->OH + 2 * c->ppad < c->psize || c->OW + 2 * c->ppad < c->psize)
		return false;
	return true;
}

/* a checked conv: the blocked row path where it applies, else the loops */
static void
conv_exec(Conv *c)
{
	if (!conv_check(c))
		return;
	if (rows_conv_ok(c) && rows_core(c) && rows_run(c, rows_core(c)))
		return;
	conv_run(c);
}

void
tiled_conv_stride_auto(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, int in_stride, int weight_stride, int out_stride,
    bool wrot180, bool trans_output_1203, bool trans_input_3120,
    bool trans_weight_1203, bool trans_weight_0132,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type)
{
	Conv c;

	(void)tiled_conv_type;
	c.N = batch_size, c.IH = in_row_dim, c.IW = in_col_dim;
	c.CI = in_channels, c.CO = out_channels;
	c.OH = out_row_dim, c.OW = out_col_dim;
	c.stride = stride, c.idil = input_dilation, c.kdil = kernel_dilation;
	c.pad = padding, c.k = kernel_dim;
	c.in_stride = in_stride, c.w_stride = weight_stride;
	c.out_stride = out_stride;
	c.rot = wrot180, c.tout = trans_output_1203, c.tin = trans_input_3120;
	c.tw1203 = trans_weight_1203, c.tw0132 = trans_weight_0132;
	c.dw = false;
	c.in = input, c.w = weights, c.bias = bias, c.out = output;
	c.act = act, c.scale = scale;
	c.psize = pool_size, c.pstride = pool_stride, c.ppad = pool_padding;
	conv_exec(&c);
}

void
tiled_conv_auto(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, bool wrot180, bool trans_output_1203,
    bool trans_input_3120, bool trans_weight_1203, bool trans_weight_0132,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type)
{
	tiled_conv_stride_auto(batch_size, in_row_dim, in_col_dim,
	    in_channels, out_channels, out_row_dim, out_col_dim, stride,
	    input_dilation, kernel_dilation, padding, kernel_dim, in_channels,
	    out_channels, out_channels, wrot180, trans_output_1203,
	    trans_input_3120, trans_weight_1203, trans_weight_0132, input,
	    weights, bias, output, act, scale, pool_size, pool_stride,
	    pool_padding, tiled_conv_type);
}

void
tiled_conv(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int stride, int input_dilation, int kernel_dilation, int padding,
    int kernel_dim, int in_stride, int weight_stride, int out_stride,
    bool wrot180, bool trans_output_1203, bool trans_input_3120,
    bool trans_weight_1203, bool trans_weight_0132, int batches,
    int porows, int pocols, int pochs, int krows, int kcols, int kchs,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type)
{
	(void)batches, (void)porows, (void)pocols, (void)pochs;
	(void)krows, (void)kcols, (void)kchs;
	tiled_conv_stride_auto(batch_size, in_row_dim, in_col_dim,
	    in_channels, out_channels, out_row_dim, out_col_dim, stride,
	    input_dilation, kernel_dilation, padding, kernel_dim, in_stride,
	    weight_stride, out_stride, wrot180, trans_output_1203,
	    trans_input_3120, trans_weight_1203, trans_weight_0132, input,
	    weights, bias, output, act, scale, pool_size, pool_stride,
	    pool_padding, tiled_conv_type);
}

void
tiled_conv_downsample(int batch_size, int in_row_dim, int in_col_dim,
    int in_channels, int out_channels, int out_row_dim, int out_col_dim,
    int in_stride, int weight_stride, int out_stride,
    const elem_t *input, const elem_t *weights, const acc_t *bias,
    elem_t *output, int act, acc_scale_t scale,
    enum tiled_matmul_type_t tiled_conv_type)
{
	tiled_conv_stride_auto(batch_size, in_row_dim, in_col_dim,
	    in_channels, out_channels, out_row_dim, out_col_dim, 2, 1, 1, 0, 1,
	    in_stride, weight_stride, out_stride, false, false, false, false,
	    false, input, weights, bias, output, act, scale, 1, 0, 0,
	    tiled_conv_type);
}

void
tiled_conv_dw_auto(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int out_row_dim, int out_col_dim, int stride, int padding,
    int kernel_dim, elem_t *input, elem_t *weights, acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type)
{
	Conv c;

	(void)tiled_conv_type;
	c.N = batch_size, c.IH = in_row_dim, c.IW = in_col_dim;
	c.CI = channels, c.CO = channels;
	c.OH = out_row_dim, c.OW = out_col_dim;
	c.stride = stride, c.idil = 1, c.kdil = 1;
	c.pad = padding, c.k = kernel_dim;
	c.in_stride = channels, c.w_stride = 0, c.out_stride = channels;
	c.rot = c.tout = c.tin = c.tw1203 = c.tw0132 = false;
	c.dw = true;
	c.in = input, c.w = weights, c.bias = bias, c.out = output;
	c.act = act, c.scale = scale;
	c.psize = pool_size, c.pstride = pool_stride, c.ppad = pool_padding;
	conv_exec(&c);
}

void
tiled_conv_dw(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int out_row_dim, int out_col_dim, int stride, int padding,
    int kernel_dim, int batches, int porows, int pocols, int krows,
    int kcols, elem_t *input, elem_t *weights, acc_t *bias,
    elem_t *output, int act, acc_scale_t scale, int pool_size,
    int pool_stride, int pool_padding,
    enum tiled_matmul_type_t tiled_conv_type)
{
	(void)batches, (void)porows, (void)pocols, (void)krows, (void)kcols;
	tiled_conv_dw_auto(batch_size, in_row_dim, in_col_dim, channels,
	    out_row_dim, out_col_dim, stride, padding, kernel_dim, input,
	    weights, bias, output, act, scale, pool_size, pool_stride,
	    pool_padding, tiled_conv_type);
}

/* --- residual add, global average, pool -------------------------------- */

void
tiled_resadd_stride_auto(const size_t dim_I, const size_t dim_J,
    const scale_t A_scale, const scale_t B_scale,
    const acc_scale_t C_scale, const size_t stride, const elem_t *A,
    const elem_t *B, elem_t *C, bool relu,
    enum tiled_matmul_type_t matadd_type)
{
	size_t i, j, e;
	int r, lo = relu ? 0 : -128;

	(void)matadd_type;
#if SYS_X86 && !SQC_GEMMINI_MACRO_ROUNDING
	if (sx_usable()) {
		sx_resadd(dim_I, dim_J, A_scale, B_scale, C_scale, stride, A,
		    B, C, relu);
		return;
	}
#endif
	for (i = 0; i < dim_I; i++)
		for (j = 0; j < dim_J; j++) {
			e = i * stride + j;
			r = mvin(A[e], A_scale) + mvin(B[e], B_scale);
			r = sqc_acc_scale(r, C_scale);
			C[e] = (elem_t)(r < lo ? lo : r);
		}
}

void
tiled_resadd_auto(const size_t dim_I, const size_t dim_J,
    const scale_t A_scale, const scale_t B_scale,
    const acc_scale_t C_scale, const elem_t *A, const elem_t *B,
    elem_t *C, bool relu, enum tiled_matmul_type_t matadd_type)
{
	tiled_resadd_stride_auto(dim_I, dim_J, A_scale, B_scale, C_scale,
	    dim_J, A, B, C, relu, matadd_type);
}

void
tiled_global_average_auto(const elem_t *input, elem_t *output,
    int batches, int channels, int dim, enum tiled_matmul_type_t type)
{
	long b, ch, p, count = (long)dim * dim;
	int64_t sum;

	(void)type;
	if (batches < 0 || channels < 0 || dim < 1)
		return;
	for (b = 0; b < batches; b++)
		for (ch = 0; ch < channels; ch++) {
			sum = 0;
			for (p = 0; p < count; p++)
				sum += input[(b * count + p) * channels + ch];
#if SQC_GEMMINI_HW_GLOBAL_AVERAGE
			output[b * channels + ch] = (elem_t)sqc_acc_scale(
			    (acc_t)sum, (acc_scale_t)(1.0 / (double)count));
#else
			output[b * channels + ch] =
			    (elem_t)((sum + count / 2) / count);
#endif
		}
}

void
tiled_pool_auto(int batch_size, int in_row_dim, int in_col_dim,
    int channels, int in_stride, int out_stride, int pool_size,
    int pool_stride, int pool_padding, const elem_t *input, elem_t *output,
    enum tiled_matmul_type_t type)
{
	long b, r, c, ch, wr, wc, ir, ic, POH, POW;
	int m;

	(void)type;
	if (batch_size < 0 || in_row_dim < 0 || in_col_dim < 0 ||
	    channels < 0 || pool_stride < 0)
		return;
	if (pool_stride == 0) {
		pool_size = 1, pool_stride = 1, pool_padding = 0;
	}
	if (pool_size < 1 || pool_padding < 0 ||
	    in_row_dim + 2L * pool_padding < pool_size ||
	    in_col_dim + 2L * pool_padding < pool_size)
		return;
	POH = (in_row_dim + 2L * pool_padding - pool_size) / pool_stride + 1;
	POW = (in_col_dim + 2L * pool_padding - pool_size) / pool_stride + 1;
	for (b = 0; b < batch_size; b++)
	for (r = 0; r < POH; r++)
	for (c = 0; c < POW; c++)
	for (ch = 0; ch < channels; ch++) {
		m = NONE;
		for (wr = 0; wr < pool_size; wr++)
		for (wc = 0; wc < pool_size; wc++) {
			ir = r * pool_stride + wr - pool_padding;
			ic = c * pool_stride + wc - pool_padding;
			if (ir < 0 || ir >= in_row_dim || ic < 0 ||
			    ic >= in_col_dim) {
				if (m < 0)
					m = 0;
			} else if (input[((b * in_row_dim + ir) * in_col_dim
			    + ic) * in_stride + ch] > m)
				m = input[((b * in_row_dim + ir) * in_col_dim
				    + ic) * in_stride + ch];
		}
		output[((b * POH + r) * POW + c) * out_stride + ch] =
		    (elem_t)m;
	}
}
