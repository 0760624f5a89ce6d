/*
 * nhwc.c — nhwc conv fallback and nhwc max-pool (contract in nhwc.h).  The
 * loops were the interpreter's (exec/op_systolic.c); they live here so the
 * generated C runs the very same code.
 */
#include "nhwc.h"
#include "qkern.h"

static int32_t
ld(const void *p, bool u8, int64_t k)
{
	return u8 ? ((const uint8_t *)p)[k] : ((const int8_t *)p)[k];
}

static void
st(void *p, bool u8, int64_t k, int32_t v)
{
	if (u8)
		((uint8_t *)p)[k] = (uint8_t)v;
	else
		((int8_t *)p)[k] = (int8_t)v;
}

/* weight element for output channel o, input channel i (within its group),
 * kernel position (a, b), in any of the weight layouts */
static int32_t
wat(const SqcConvNhwc *c, bool wu8, const void *w, int64_t o, int64_t i,
    int64_t a, int64_t b)
{
	int64_t k;

	switch (c->wl) {
	case SQC_W_HWIO:
		k = ((a * c->kw + b) * (c->ci / c->g) + i) * c->co + o;
		break;
	case SQC_W_CKK:
		k = (o * c->kh + a) * c->kw + b;
		break;
	default:	/* oihw */
		k = ((o * (c->ci / c->g) + i) * c->kh + a) * c->kw + b;
		break;
	}
	return ld(w, wu8, k);
}

size_t
sqc_conv_nhwc_work(const SqcConvNhwc *c)
{
	size_t e = (size_t)(c->n * c->oh * c->ow * c->co);

	return (e ? e : 1) * sizeof(int32_t);
}

/* the direct loop: any geometry, zero points, per-channel weights */
static void
convloop(const SqcConvNhwc *c, bool xu8, const void *x, int32_t zx, bool wu8,
    const void *w, const int32_t *wz, long nper, const int32_t *bias,
    const float *mult, int32_t zy, bool yu8, int32_t *out)
{
	int64_t b, y0, x0, o, g, i, a, bb, iy, ix, cpg = c->ci / c->g, opg = c->co / c->g;
	int64_t acc;
	int32_t v, zw;

	for (b = 0; b < c->n; b++)
		for (y0 = 0; y0 < c->oh; y0++)
			for (x0 = 0; x0 < c->ow; x0++)
				for (o = 0; o < c->co; o++) {
					g = o / opg;
					zw = wz[nper == 1 ? 0 : o];
					acc = bias ? bias[o] : 0;
					for (a = 0; a < c->kh; a++) {
						iy = y0 * c->s[0] + a * c->d[0] - c->p[0];
						if (iy < 0 || iy >= c->ih)
							continue;
						for (bb = 0; bb < c->kw; bb++) {
							ix = x0 * c->s[1] + bb * c->d[1] - c->p[1];
							if (ix < 0 || ix >= c->iw)
								continue;
							for (i = 0; i < cpg; i++)
								acc += (int64_t)(ld(x, xu8, ((b * c->ih + iy) * c->iw + ix) *
								    c->ci + g * cpg + i) - zx) *
								    (wat(c, wu8, w, o, i, a, bb) - zw);
						}
					}
					v = rq_requant((int32_t)(uint32_t)(uint64_t)acc,
					    mult[nper == 1 ? 0 : o], zy, yu8);
					if (c->relu && v < zy)
						v = zy;
					out[((b * c->oh + y0) * c->ow + x0) * c->co + o] = v;
				}
}

/* Gemmini's pool on requantized values: max over the window, cells in the
 * pool padding counting as the zero point */
static void
gpool(const SqcConvNhwc *c, const int32_t *v, int32_t zy, bool yu8, void *y)
{
	int64_t b, py, px, o, a, bb, iy, ix;
	int32_t mx;
	bool pad;

	for (b = 0; b < c->n; b++)
		for (py = 0; py < c->poh; py++)
			for (px = 0; px < c->pw; px++)
				for (o = 0; o < c->co; o++) {
					mx = yu8 ? 0 : -128;
					pad = false;
					for (a = 0; a < c->pk; a++)
						for (bb = 0; bb < c->pk; bb++) {
							iy = py * c->ps + a - c->pp;
							ix = px * c->ps + bb - c->pp;
							if (iy < 0 || iy >= c->oh || ix < 0 || ix >= c->ow) {
								pad = true;
								continue;
							}
							if (v[((b * c->oh + iy) * c->ow + ix) * c->co + o] > mx)
								mx = v[((b * c->oh + iy) * c->ow + ix) * c->co + o];
						}
					if (pad && mx < zy)
						mx = zy;
					st(y, yu8, ((b * c->poh + py) * c->pw + px) * c->co + o, mx);
				}
}

void
sqc_conv_nhwc(const SqcConvNhwc *c, bool xu8, const void *x, int32_t zx,
    bool wu8, const void *w, const int32_t *wz, long nper,
    const int32_t *bias, const float *mult, int32_t zy, bool yu8, void *y,
    int32_t *work)
{
	int64_t k, e = c->n * c->oh * c->ow * c->co;

	convloop(c, xu8, x, zx, wu8, w, wz, nper, bias, mult, zy, yu8, work);
	if (c->pool) {
		gpool(c, work, zy, yu8, y);
		return;
	}
	for (k = 0; k < e; k++)
		st(y, yu8, k, work[k]);
}

void
sqc_maxpool_nhwc(bool u8, const void *x, int64_t n, int64_t ih, int64_t iw,
    int64_t c, int64_t oh, int64_t ow, const int64_t *k, const int64_t *s,
    const int64_t *d, const int64_t *p, void *y)
{
	int64_t b, oy, ox, ch, a, bb, iy, ix;
	int32_t mx, v;

	for (b = 0; b < n; b++)
		for (oy = 0; oy < oh; oy++)
			for (ox = 0; ox < ow; ox++)
				for (ch = 0; ch < c; ch++) {
					mx = u8 ? 0 : -128;
					for (a = 0; a < k[0]; a++) {
						iy = oy * s[0] + a * d[0] - p[0];
						if (iy < 0 || iy >= ih)
							continue;
						for (bb = 0; bb < k[1]; bb++) {
							ix = ox * s[1] + bb * d[1] - p[1];
							if (ix < 0 || ix >= iw)
								continue;
							v = ld(x, u8, ((b * ih + iy) * iw + ix) * c + ch);
							if (v > mx)
								mx = v;
						}
					}
					st(y, u8, ((b * oh + oy) * ow + ox) * c + ch, mx);
				}
}
