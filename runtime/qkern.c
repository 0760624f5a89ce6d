/*
 * qkern.c — int8/uint8 kernels of the quantized IR (contract in qkern.h).
 *
 * The accumulating ops (conv, gemm) first subtract the zero points into
 * int16 copies (x padded with 0 = its zero point, which is what padding
 * contributes), then accumulate in uint32 so that overflow wraps modulo 2^32
 * as the targets' int32 accumulators do, without undefined behaviour; the
 * inner loops run over contiguous int16 rows and vectorise.  The float
 * arithmetic of the requantizing and ONNX Runtime ops is written one
 * operation per statement in the order the references use; fmaf appears
 * exactly where those compute a fused multiply-add.
 */
#include <math.h>
#include <string.h>

#include "qkern.h"

static inline int32_t
ld(const void *p, bool u8, size_t k)
{
	return u8 ? ((const uint8_t *)p)[k] : ((const int8_t *)p)[k];
}

static inline void
st(void *p, bool u8, size_t k, int32_t v)
{
	if (u8)
		((uint8_t *)p)[k] = (uint8_t)v;
	else
		((int8_t *)p)[k] = (int8_t)v;
}

static inline int32_t
satq(int32_t v, bool u8)
{
	int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;

	return v < lo ? lo : v > hi ? hi : v;
}

/* x86's cvtps2dq: round to nearest even; NaN and out of range give
 * INT32_MIN */
static inline int32_t
cvtps(float v)
{
	if (!(v > -2147483648.0f && v < 2147483648.0f))
		return INT32_MIN;
	return (int32_t)nearbyintf(v);
}

int32_t
rq_requant(int32_t acc, float m, int32_t z, bool u8)
{
	float lo = u8 ? 0.0f : -128.0f, hi = u8 ? 255.0f : 127.0f;
	float v = (float)acc * m;

	lo -= (float)z;
	hi -= (float)z;
	if (!(v >= lo))
		v = lo;
	if (v > hi)
		v = hi;
	return (int32_t)nearbyintf(v) + z;
}

int32_t
rq_quantize(float x, float s, int32_t z, bool u8)
{
	float lo = u8 ? 0.0f : -128.0f, hi = u8 ? 255.0f : 127.0f;
	float v = x / s;

	lo -= (float)z;
	hi -= (float)z;
	if (!(v >= lo))
		v = lo;
	if (v > hi)
		v = hi;
	return (int32_t)nearbyintf(v) + z;
}

float
rq_dequantize(int32_t q, float s, int32_t z)
{
	return (float)(q - z) * s;
}

/* ---- convolution -------------------------------------------------------- */

/* rows and columns of the zero-padded input copy */
static void
padded(const RtConv *p, long *hp, long *wp)
{
	long need;

	need = (p->oh - 1) * p->sh + (p->kh - 1) * p->dh + 1;
	*hp = p->pt + p->h > need ? p->pt + p->h : need;
	need = (p->ow - 1) * p->sw + (p->kw - 1) * p->dw + 1;
	*wp = p->pl + p->w > need ? p->pl + p->w : need;
}

static size_t
up(size_t n)
{
	return (n + 63) / 64 * 64;
}

size_t
rq_conv2d_work(const RtConv *p)
{
	long hp, wp, cpg = p->c / p->group;

	padded(p, &hp, &wp);
	return up((size_t)(cpg * hp * wp) * sizeof(int16_t)) +
	    up((size_t)(p->m * cpg * p->kh * p->kw) * sizeof(int16_t)) +
	    up((size_t)(p->oh * p->ow) * sizeof(uint32_t)) + 64;
}

void
rq_conv2d(const RtConv *p, bool xu8, const void *x, int32_t xz,
    bool wu8, const void *w, const int32_t *wz, const int32_t *bias,
    const float *mult, long nper, bool yu8, int32_t yz, void *y, void *work)
{
	long hp, wp, cpg = p->c / p->group, mpg = p->m / p->group;
	long nk = p->kh * p->kw, npix = p->oh * p->ow;
	long n, g, co, ci, ky, kx, oy, ox, i, j;
	int16_t *xp, *wq;
	uint32_t *acc;
	unsigned char *wk = work;

	padded(p, &hp, &wp);
	wk = (unsigned char *)(((uintptr_t)wk + 63) & ~(uintptr_t)63);
	xp = (int16_t *)wk;
	wk += up((size_t)(cpg * hp * wp) * sizeof(int16_t));
	wq = (int16_t *)wk;
	wk += up((size_t)(p->m * cpg * nk) * sizeof(int16_t));
	acc = (uint32_t *)wk;

	for (co = 0; co < p->m; co++) {
		int32_t z = wz[nper == 1 ? 0 : co];

		for (i = 0; i < cpg * nk; i++)
			wq[co * cpg * nk + i] = (int16_t)(ld(w, wu8,
			    (size_t)(co * cpg * nk + i)) - z);
	}
	for (n = 0; n < p->n; n++)
		for (g = 0; g < p->group; g++) {
			memset(xp, 0, (size_t)(cpg * hp * wp) * sizeof *xp);
			for (ci = 0; ci < cpg; ci++) {
				size_t xo = (size_t)((n * p->c + g * cpg + ci) *
				    p->h * p->w);

				for (i = 0; i < p->h; i++) {
					int16_t *r = xp + (ci * hp + p->pt + i) *
					    wp + p->pl;

					for (j = 0; j < p->w; j++)
						r[j] = (int16_t)(ld(x, xu8, xo +
						    (size_t)(i * p->w + j)) - xz);
				}
			}
			for (co = g * mpg; co < (g + 1) * mpg; co++) {
				const int16_t *wc = wq + co * cpg * nk;
				uint32_t b0 = bias ? (uint32_t)bias[co] : 0;
				float mc = mult[nper == 1 ? 0 : co];
				size_t yo = (size_t)((n * p->m + co) * npix);

				for (i = 0; i < npix; i++)
					acc[i] = b0;
				for (ci = 0; ci < cpg; ci++)
					for (ky = 0; ky < p->kh; ky++)
						for (kx = 0; kx < p->kw; kx++) {
							int32_t wv = wc[(ci * p->kh +
							    ky) * p->kw + kx];

							if (wv == 0)
								continue;
							for (oy = 0; oy < p->oh; oy++) {
								const int16_t *r = xp +
								    (ci * hp + oy * p->sh
								    + ky * p->dh) * wp +
								    kx * p->dw;
								uint32_t *a = acc + oy *
								    p->ow;

								if (p->sw == 1)
									for (ox = 0; ox <
									    p->ow; ox++)
										a[ox] += (uint32_t)
										    (wv * r[ox]);
								else
									for (ox = 0; ox <
									    p->ow; ox++)
										a[ox] += (uint32_t)
										    (wv * r[ox *
										    p->sw]);
							}
						}
				for (i = 0; i < npix; i++)
					st(y, yu8, yo + (size_t)i, rq_requant(
					    (int32_t)acc[i], mc, yz, yu8));
			}
		}
}

/* ---- matrix product ----------------------------------------------------- */

size_t
rq_gemm_work(const RqGemm *g)
{
	return up((size_t)(g->k * g->n) * sizeof(int16_t)) +
	    up((size_t)g->n * sizeof(uint32_t)) + 64;
}

void
rq_gemm(const RqGemm *g, void *work)
{
	unsigned char *wk = work;
	int16_t *bq;
	uint32_t *acc;
	long i, j, k;

	wk = (unsigned char *)(((uintptr_t)wk + 63) & ~(uintptr_t)63);
	bq = (int16_t *)wk;
	acc = (uint32_t *)(wk + up((size_t)(g->k * g->n) * sizeof(int16_t)));
	for (k = 0; k < g->k; k++)
		for (j = 0; j < g->n; j++)
			bq[k * g->n + j] = (int16_t)(ld(g->b, g->bu8,
			    (size_t)(k * g->brs + j * g->bcs)) -
			    g->bz[g->nper == 1 ? 0 : j]);
	for (i = 0; i < g->m; i++) {
		for (j = 0; j < g->n; j++)
			acc[j] = g->c ? (uint32_t)g->c[i * g->crs + j * g->ccs]
			    : 0;
		for (k = 0; k < g->k; k++) {
			int32_t av = ld(g->a, g->au8, (size_t)(i * g->ars +
			    k * g->acs)) - g->az;
			const int16_t *br = bq + k * g->n;

			if (av == 0)
				continue;
			for (j = 0; j < g->n; j++)
				acc[j] += (uint32_t)(av * br[j]);
		}
		for (j = 0; j < g->n; j++)
			st(g->y, g->yu8, (size_t)(i * g->n + j),
			    rq_requant((int32_t)acc[j],
			    g->mult[g->nper == 1 ? 0 : j], g->yz, g->yu8));
	}
}

/* ---- elementwise -------------------------------------------------------- */

void
rq_resadd(size_t n, const int8_t *a, float ma, const int8_t *b, float mb,
    bool bscalar, int8_t *y)
{
	int32_t bv = bscalar ? rq_requant(b[0], mb, 0, false) : 0;
	size_t k;

	for (k = 0; k < n; k++) {
		int32_t av = rq_requant(a[k], ma, 0, false);

		if (!bscalar)
			bv = rq_requant(b[k], mb, 0, false);
		y[k] = (int8_t)satq(av + bv, false);
	}
}

void
rq_qladd(size_t n, bool u8, const void *a, float sa, int32_t za,
    const void *b, float sb, int32_t zb, bool bscalar, float sy, int32_t zy,
    void *y)
{
	float ra = sa / sy, rb = sb / sy;
	float bz = rb * (float)zb;
	float fixed = (float)zy - fmaf(ra, (float)za, bz);
	float t;

	size_t k;

	if (bscalar)
		fixed = fmaf((float)ld(b, u8, 0), rb, fixed);
	for (k = 0; k < n; k++) {
		if (bscalar) {
			t = fmaf((float)ld(a, u8, k), ra, fixed);
		} else {
			t = fmaf((float)ld(b, u8, k), rb, fixed);
			t = fmaf((float)ld(a, u8, k), ra, t);
		}
		st(y, u8, k, satq(cvtps(t), u8));
	}
}

void
rq_qlmul(size_t n, bool u8, const void *a, float sa, int32_t za,
    const void *b, float sb, int32_t zb, bool bscalar, float sy, int32_t zy,
    void *y)
{
	float r = sa * sb;
	size_t k;

	r = r / sy;
	for (k = 0; k < n; k++) {
		int32_t pa = ld(a, u8, k) - za;
		int32_t pb = ld(b, u8, bscalar ? 0 : k) - zb;
		float v = (float)(pa * pb) * r;

		v = v + (float)zy;
		st(y, u8, k, satq(cvtps(v), u8));
	}
}

/* ---- lookup tables ------------------------------------------------------ */

/* Eigen's logistic coefficients, as MLAS uses them */
static const float lg_lo = -18.0f, lg_hi = 18.0f;
static const float lg_a9 = 4.37031012579801e-11f;
static const float lg_a7 = 1.15627324459942e-07f;
static const float lg_a5 = 6.08574864600143e-05f;
static const float lg_a3 = 8.51377133304701e-03f;
static const float lg_a1 = 2.48287947061529e-01f;
static const float lg_b10 = 6.10247389755681e-13f;
static const float lg_b8 = 5.76102136993427e-09f;
static const float lg_b6 = 6.29106785017040e-06f;
static const float lg_b4 = 1.70198817374094e-03f;
static const float lg_b2 = 1.16817656904453e-01f;
static const float lg_b0 = 9.93151921023180e-01f;

float
rq_logistic(float x)
{
	float v = x < lg_lo ? lg_lo : x, x2, p, q, r;

	v = v > lg_hi ? lg_hi : v;
	x2 = v * v;
	p = fmaf(x2, lg_a9, lg_a7);
	p = fmaf(p, x2, lg_a5);
	p = fmaf(p, x2, lg_a3);
	p = fmaf(p, x2, lg_a1);
	p = p * v;
	q = fmaf(x2, lg_b10, lg_b8);
	q = fmaf(q, x2, lg_b6);
	q = fmaf(q, x2, lg_b4);
	q = fmaf(q, x2, lg_b2);
	q = fmaf(q, x2, lg_b0);
	r = p / q;
	r = r + 0.5f;
	return r < 0.0f ? 0.0f : r > 1.0f ? 1.0f : r;
}

/* the dequantized value of table entry i */
static float
lutin(int i, bool u8, float sx, int32_t zx)
{
	int32_t q = u8 ? (int32_t)(uint8_t)i : (int32_t)(int8_t)(uint8_t)i;

	return sx * (float)(q - zx);
}

void
rq_lut_leaky_relu(uint8_t *table, bool u8, float sx, int32_t zx, float sy,
    int32_t zy, float alpha)
{
	int i;

	for (i = 0; i < 256; i++) {
		float v = lutin(i, u8, sx, zx);

		if (!(v >= 0.0f))
			v = alpha * v;
		table[i] = (uint8_t)rq_quantize(v, sy, zy, u8);
	}
}

void
rq_lut_sigmoid(uint8_t *table, bool u8, float sx, int32_t zx, float sy,
    int32_t zy)
{
	int i;

	for (i = 0; i < 256; i++)
		table[i] = (uint8_t)rq_quantize(rq_logistic(lutin(i, u8, sx,
		    zx)), sy, zy, u8);
}

void
rq_lut(const uint8_t *table, const void *x, void *y, size_t n)
{
	const uint8_t *xs = x;
	uint8_t *ys = y;
	size_t k;

	for (k = 0; k < n; k++)
		ys[k] = table[xs[k]];
}

/* ---- pools -------------------------------------------------------------- */

void
rq_gavgpool(bool u8, const void *x, int64_t nc, int64_t sp, float sx,
    int32_t xz, float sy, int32_t yz, void *y)
{
	float scale = sy * (float)sp;
	uint32_t bias = (uint32_t)(-(int64_t)xz * sp);
	int64_t c, k;

	scale = sx / scale;
	for (c = 0; c < nc; c++) {
		uint32_t acc = bias;

		for (k = 0; k < sp; k++)
			acc += (uint32_t)ld(x, u8, (size_t)(c * sp + k));
		st(y, u8, (size_t)c, rq_requant((int32_t)acc, scale, yz, u8));
	}
}

void
rq_avgpool(bool u8, const void *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, bool count_include_pad, float sx,
    int32_t xz, float sy, int32_t yz, void *y, float *work)
{
	int64_t isz[3] = {1, 1, 1}, osz[3] = {1, 1, 1}, k[3] = {1, 1, 1};
	int64_t s[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
	int64_t nin, nout, c, o0, o1, o2, i0, i1, i2, kall;
	float lo = u8 ? 0.0f : -128.0f, hi = u8 ? 255.0f : 127.0f;
	int j;

	for (j = 0; j < p->nsp; j++) {
		isz[j] = in[j];
		osz[j] = out[j];
		k[j] = p->k[j];
		s[j] = p->s[j];
		pb[j] = p->pb[j];
	}
	nin = isz[0] * isz[1] * isz[2];
	nout = osz[0] * osz[1] * osz[2];
	kall = k[0] * k[1] * k[2];
	for (c = 0; c < nc * nin; c++)
		work[c] = sx * (float)(ld(x, u8, (size_t)c) - xz);
	for (c = 0; c < nc; c++) {
		const float *xc = work + c * nin;

		for (o0 = 0; o0 < osz[0]; o0++) {
			int64_t a0 = o0 * s[0] - pb[0], e0 = a0 + k[0];

			e0 = e0 < isz[0] ? e0 : isz[0];
			a0 = a0 > 0 ? a0 : 0;
			for (o1 = 0; o1 < osz[1]; o1++) {
				int64_t a1 = o1 * s[1] - pb[1], e1 = a1 + k[1];

				e1 = e1 < isz[1] ? e1 : isz[1];
				a1 = a1 > 0 ? a1 : 0;
				for (o2 = 0; o2 < osz[2]; o2++) {
					int64_t a2 = o2 * s[2] - pb[2];
					int64_t e2 = a2 + k[2], cnt;
					float v = 0.0f;

					e2 = e2 < isz[2] ? e2 : isz[2];
					a2 = a2 > 0 ? a2 : 0;
					for (i0 = a0; i0 < e0; i0++)
						for (i1 = a1; i1 < e1; i1++)
							for (i2 = a2; i2 < e2; i2++)
								v += xc[(i0 * isz[1] +
								    i1) * isz[2] + i2];
					cnt = count_include_pad ? kall :
					    (e0 - a0) * (e1 - a1) * (e2 - a2);
					v = v / (float)cnt;
					v = v / sy;
					v = v + (float)yz;
					if (!(v >= lo))
						v = lo;
					if (v > hi)
						v = hi;
					st(y, u8, (size_t)(c * nout + (o0 *
					    osz[1] + o1) * osz[2] + o2),
					    (int32_t)nearbyintf(v));
				}
			}
		}
	}
}
