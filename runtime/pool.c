/*
 * pool.c — pooling, normalisation and reduction kernels (contract in pool.h).
 *
 * Pools run 1-D, 2-D and 3-D windows through one 3-D loop: missing leading
 * spatial dims have size 1 and a unit window.  For each output position the
 * range of window taps that land inside the input is computed per dim (no
 * per-tap bounds test), so a 3x3/s2 max pool is nine loads and compares.
 */
#include <math.h>
#include <string.h>

#include "pool.h"

/* A pooling problem widened to 3 spatial dims. */
typedef struct P3 {
	int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
} P3;

static void
widen(const int64_t *in, const int64_t *out, const RtPool *p, P3 *q)
{
	int i, j;

	for (i = 0; i < 3; i++) {
		j = i - (3 - p->nsp);
		q->in[i] = j < 0 ? 1 : in[j];
		q->out[i] = j < 0 ? 1 : out[j];
		q->k[i] = j < 0 ? 1 : p->k[j];
		q->s[i] = j < 0 ? 1 : p->s[j];
		q->d[i] = j < 0 ? 1 : p->d[j];
		q->pb[i] = j < 0 ? 0 : p->pb[j];
		q->pe[i] = j < 0 ? 0 : p->pe[j];
	}
}

/* taps [*lo, *hi) of the window at output o of dim i that fall inside the
 * input; *start = the input coordinate of tap 0.  Returns the number of taps
 * inside the padded extent [-pb, in + pe). */
static int64_t
taps(const P3 *q, int i, int64_t o, int64_t *start, int64_t *lo, int64_t *hi)
{
	int64_t st, d, k, n, l, h, c;

	st = o * q->s[i] - q->pb[i];
	d = q->d[i];
	k = q->k[i];
	n = q->in[i];
	if (d == 1) {
		l = st < 0 ? -st : 0;
		h = n - st < k ? n - st : k;
		c = n + q->pe[i] - st < k ? n + q->pe[i] - st : k;
	} else {
		l = st < 0 ? (-st + d - 1) / d : 0;
		h = n - st <= 0 ? 0 : (n - st + d - 1) / d;
		h = h < k ? h : k;
		c = n + q->pe[i] - st <= 0 ? 0 : (n + q->pe[i] - st + d - 1) / d;
		c = c < k ? c : k;
	}
	*start = st;
	*lo = l;
	*hi = h > l ? h : l;
	return c > 0 ? c : 0;
}

#define MAXPOOL(T, LOWEST)                                                   \
	do {                                                                 \
		const T *px = x;                                             \
		T *py = y, best, v;                                          \
		for (pl = 0; pl < nc; pl++) {                                \
		    const T *xp = px + pl * insz;                            \
		    for (o0 = 0; o0 < q.out[0]; o0++) {                      \
		    taps(&q, 0, o0, &st0, &l0, &h0);                         \
		    for (o1 = 0; o1 < q.out[1]; o1++) {                      \
		    taps(&q, 1, o1, &st1, &l1, &h1);                         \
		    for (o2 = 0; o2 < q.out[2]; o2++, op++) {                \
			taps(&q, 2, o2, &st2, &l2, &h2);                     \
			best = LOWEST;                                       \
			bi = -1;                                             \
			for (k0 = l0; k0 < h0; k0++) {                       \
			    i0 = st0 + k0 * q.d[0];                          \
			    for (k1 = l1; k1 < h1; k1++) {                   \
				i1 = st1 + k1 * q.d[1];                      \
				const T *row = xp + (i0 * q.in[1] + i1) * q.in[2]; \
				for (k2 = l2; k2 < h2; k2++) {               \
				    i2 = st2 + k2 * q.d[2];                  \
				    v = row[i2];                             \
				    if (v > best || bi < 0) {                \
					best = v;                            \
					bi = (i0 * q.in[1] + i1) * q.in[2] + i2; \
					if (colmajor)                        \
					    bi = (i2 * q.in[1] + i1) * q.in[0] + i0; \
				    }                                        \
				}                                            \
			    }                                                \
			}                                                    \
			py[op] = best;                                       \
			if (idx)                                             \
				idx[op] = bi < 0 ? -1 : pl * insz + bi;      \
		    }                                                        \
		    }                                                        \
		    }                                                        \
		}                                                            \
	} while (0)

/* The common CNN case: a 1-D or 2-D f32 window without dilation, max or
 * sum, computed one output row at a time.  Each input row in the window is
 * folded into the output row; columns whose window lies inside the input
 * (the interior) run without bounds, with the 2- and 3-wide windows
 * unrolled.  Sums are then divided by their counts. */
#define FOLD(OP)                                                             \
	do {                                                                 \
		switch (kw) {                                                \
		case 2:                                                      \
			for (ow = lo; ow < hi; ow++) {                       \
				const float *r = xr + ow * sw - pw;          \
				float m = yr[ow];                            \
				m = OP(m, r[0]);                             \
				yr[ow] = OP(m, r[1]);                        \
			}                                                    \
			break;                                               \
		case 3:                                                      \
			for (ow = lo; ow < hi; ow++) {                       \
				const float *r = xr + ow * sw - pw;          \
				float m = yr[ow];                            \
				m = OP(m, r[0]);                             \
				m = OP(m, r[1]);                             \
				yr[ow] = OP(m, r[2]);                        \
			}                                                    \
			break;                                               \
		default:                                                     \
			for (ow = lo; ow < hi; ow++) {                       \
				const float *r = xr + ow * sw - pw;          \
				float m = yr[ow];                            \
				for (j = 0; j < kw; j++)                     \
					m = OP(m, r[j]);                     \
				yr[ow] = m;                                  \
			}                                                    \
		}                                                            \
		for (ow = 0; ow < OW; ow++) {                                \
			if (ow == lo)                                        \
				ow = hi;                                     \
			if (ow >= OW)                                        \
				break;                                       \
			st = ow * sw - pw;                                   \
			l = st < 0 ? -st : 0;                                \
			h = W - st < kw ? W - st : kw;                       \
			for (j = l; j < h; j++)                              \
				yr[ow] = OP(yr[ow], xr[st + j]);             \
		}                                                            \
	} while (0)

#define MAXOP(a, b) ((b) > (a) ? (b) : (a))
#define SUMOP(a, b) ((a) + (b))

static void
pool2d_f32(const float *x, int64_t nc, const P3 *q, bool avg, bool incpad,
    float *y)
{
	const int64_t H = q->in[1], W = q->in[2], OH = q->out[1], OW = q->out[2];
	const int64_t kh = q->k[1], kw = q->k[2], sh = q->s[1], sw = q->s[2];
	const int64_t ph = q->pb[1], pw = q->pb[2];
	int64_t pl, oh, ow, i, j, sth, hl, hh, lo, hi, st, l, h, ch, cw;
	const float *xr;
	float *yr;

	/* interior: ow * sw - pw >= 0 and ow * sw - pw + kw <= W */
	lo = (pw + sw - 1) / sw;
	hi = W - kw + pw >= 0 ? (W - kw + pw) / sw + 1 : 0;
	hi = hi < OW ? hi : OW;
	lo = lo < hi ? lo : hi;
	for (pl = 0; pl < nc; pl++) {
		for (oh = 0; oh < OH; oh++) {
			sth = oh * sh - ph;
			hl = sth < 0 ? -sth : 0;
			hh = H - sth < kh ? H - sth : kh;
			yr = y + (pl * OH + oh) * OW;
			for (ow = 0; ow < OW; ow++)
				yr[ow] = avg ? 0 : -INFINITY;
			for (i = hl; i < hh; i++) {
				xr = x + (pl * H + sth + i) * W;
				if (avg)
					FOLD(SUMOP);
				else
					FOLD(MAXOP);
			}
			if (!avg)
				continue;
			/* divisors: taps inside the input, or inside the
			 * padded extent [-pb, in + pe) with count_include_pad */
			if (incpad)
				ch = H + q->pe[1] - sth < kh ? H + q->pe[1] - sth : kh;
			else
				ch = hh - hl;
			for (ow = 0; ow < OW; ow++) {
				st = ow * sw - pw;
				if (incpad) {
					cw = W + q->pe[2] - st < kw
					    ? W + q->pe[2] - st : kw;
				} else {
					l = st < 0 ? -st : 0;
					h = W - st < kw ? W - st : kw;
					cw = h - l;
				}
				yr[ow] = ch > 0 && cw > 0
				    ? yr[ow] / (float)(ch * cw) : 0;
			}
		}
	}
}

/*
 * 3x3 max pooling, stride 1, pads 1 (same-size output: Inception's branch
 * pools).  Small maps (14x14, 28x28) leave row loops too short to
 * vectorise, so each pass runs over the whole plane as one array: the
 * vertical max of rows r-1..r+1, then the horizontal max of columns
 * c-1..c+1, fixing the first and last column of every row afterwards.
 * Like the direct loop, every max starts at -inf and skips NaN, so the
 * results are identical.
 */
enum { MAX3PLANE = 16384 };

#define MAXNAN(a, b) ((b) > (a) ? (b) : (a))

static bool
maxpool3s1(const float *x, int64_t nc, const P3 *q, float *y)
{
	const int64_t H = q->in[1], W = q->in[2], n = H * W;
	float v[MAX3PLANE], m;
	int64_t pl, i, r;
	const float *xp;
	float *yp;

	if (q->k[1] != 3 || q->k[2] != 3 || q->s[1] != 1 || q->s[2] != 1 ||
	    q->pb[1] != 1 || q->pb[2] != 1 || q->out[1] != H || q->out[2] != W ||
	    H < 2 || W < 2 || n > MAX3PLANE)
		return false;
	for (pl = 0; pl < nc; pl++) {
		xp = x + pl * n;
		yp = y + pl * n;
		for (i = 0; i < W; i++)
			v[i] = MAXNAN(MAXNAN(-INFINITY, xp[i]), xp[i + W]);
		for (i = W; i < n - W; i++) {
			m = MAXNAN(-INFINITY, xp[i - W]);
			m = MAXNAN(m, xp[i]);
			v[i] = MAXNAN(m, xp[i + W]);
		}
		for (i = n - W; i < n; i++)
			v[i] = MAXNAN(MAXNAN(-INFINITY, xp[i - W]), xp[i]);
		for (i = 1; i < n - 1; i++)
			yp[i] = MAXNAN(MAXNAN(v[i - 1], v[i]), v[i + 1]);
		for (r = 0; r < H; r++) {
			i = r * W;
			yp[i] = MAXNAN(v[i], v[i + 1]);
			i += W - 1;
			yp[i] = MAXNAN(v[i - 1], v[i]);
		}
	}
	return true;
}

/* whether pool2d_f32 can run q */
static bool
simple2d(const P3 *q)
{
	return q->in[0] == 1 && q->out[0] == 1 && q->k[0] == 1
	    && q->pb[0] == 0 && q->d[1] == 1 && q->d[2] == 1;
}

bool
rt_maxpool(RtType dt, const void *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, void *y, int64_t *idx,
    bool colmajor)
{
	int64_t pl, o0, o1, o2, k0, k1, k2, i0, i1, i2, st0, st1, st2;
	int64_t l0, h0, l1, h1, l2, h2, insz, bi, op;
	P3 q;

	widen(in, out, p, &q);
	if (dt == RT_F32 && !idx && simple2d(&q)) {
		if (!maxpool3s1(x, nc, &q, y))
			pool2d_f32(x, nc, &q, false, false, y);
		return true;
	}
	insz = q.in[0] * q.in[1] * q.in[2];
	op = 0;
	switch (dt) {
	case RT_F32: MAXPOOL(float, -INFINITY); return true;
	case RT_U8: MAXPOOL(uint8_t, 0); return true;
	case RT_I8: MAXPOOL(int8_t, INT8_MIN); return true;
	default: return false;
	}
}

void
rt_avgpool_f32(const float *x, int64_t nc, const int64_t *in,
    const int64_t *out, const RtPool *p, bool count_include_pad, float *y)
{
	int64_t pl, o0, o1, o2, k0, k1, k2, i0, i1, i2, st0, st1, st2;
	int64_t l0, h0, l1, h1, l2, h2, c0, c1, c2, insz, op, cnt;
	const float *xp, *row;
	float sum;
	P3 q;

	widen(in, out, p, &q);
	if (simple2d(&q)) {
		pool2d_f32(x, nc, &q, true, count_include_pad, y);
		return;
	}
	insz = q.in[0] * q.in[1] * q.in[2];
	op = 0;
	for (pl = 0; pl < nc; pl++) {
		xp = x + pl * insz;
		for (o0 = 0; o0 < q.out[0]; o0++) {
			c0 = taps(&q, 0, o0, &st0, &l0, &h0);
			for (o1 = 0; o1 < q.out[1]; o1++) {
				c1 = taps(&q, 1, o1, &st1, &l1, &h1);
				for (o2 = 0; o2 < q.out[2]; o2++, op++) {
					c2 = taps(&q, 2, o2, &st2, &l2, &h2);
					sum = 0;
					for (k0 = l0; k0 < h0; k0++) {
						i0 = st0 + k0 * q.d[0];
						for (k1 = l1; k1 < h1; k1++) {
							i1 = st1 + k1 * q.d[1];
							row = xp + (i0 * q.in[1] + i1) * q.in[2];
							for (k2 = l2; k2 < h2; k2++) {
								i2 = st2 + k2 * q.d[2];
								sum += row[i2];
							}
						}
					}
					cnt = count_include_pad ? c0 * c1 * c2
					    : (h0 - l0) * (h1 - l1) * (h2 - l2);
					y[op] = cnt > 0 ? sum / (float)cnt : 0;
				}
			}
		}
	}
}

/* x[0] + ... + x[n-1] in eight interleaved partial sums (vectorisable) */
static float
sum8(const float *x, int64_t n)
{
	float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, s;
	int64_t i, j;

	for (i = 0; i + 8 <= n; i += 8)
		for (j = 0; j < 8; j++)
			acc[j] += x[i + j];
	s = ((acc[0] + acc[4]) + (acc[1] + acc[5]))
	    + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
	for (; i < n; i++)
		s += x[i];
	return s;
}

void
rt_global_avgpool_f32(const float *x, int64_t nc, int64_t sp, float *y)
{
	int64_t p;

	for (p = 0; p < nc; p++)
		y[p] = sp > 0 ? sum8(x + p * sp, sp) / (float)sp : 0;
}

void
rt_lrn_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    int64_t size, float alpha, float beta, float bias, float *y)
{
	int64_t b, ch, j, i, lo, hi;
	const float *xb, *xc;
	float *yb, v, a;

	a = alpha / (float)size;
	for (b = 0; b < n; b++) {
		xb = x + b * c * inner;
		yb = y + b * c * inner;
		for (ch = 0; ch < c; ch++) {
			lo = ch - (size - 1) / 2;
			hi = ch + size / 2;	/* ceil((size-1)/2) */
			lo = lo < 0 ? 0 : lo;
			hi = hi >= c ? c - 1 : hi;
			/* accumulate the squares into y, then scale */
			for (i = 0; i < inner; i++)
				yb[ch * inner + i] = 0;
			for (j = lo; j <= hi; j++) {
				xc = xb + j * inner;
				for (i = 0; i < inner; i++)
					yb[ch * inner + i] += xc[i] * xc[i];
			}
			for (i = 0; i < inner; i++) {
				v = bias + a * yb[ch * inner + i];
				yb[ch * inner + i] = xb[ch * inner + i]
				    / powf(v, beta);
			}
		}
	}
}

void
rt_softmax_f32(const float *x, int64_t outer, int64_t n, int64_t inner,
    float *y)
{
	int64_t o, j, i;
	const float *xo;
	float *yo, mx, sum;

	for (o = 0; o < outer; o++) {
		xo = x + o * n * inner;
		yo = y + o * n * inner;
		if (inner == 1) {
			mx = -INFINITY;
			for (j = 0; j < n; j++)
				mx = xo[j] > mx ? xo[j] : mx;
			sum = 0;
			for (j = 0; j < n; j++) {
				yo[j] = expf(xo[j] - mx);
				sum += yo[j];
			}
			for (j = 0; j < n; j++)
				yo[j] /= sum;
			continue;
		}
		for (i = 0; i < inner; i++) {
			mx = -INFINITY;
			for (j = 0; j < n; j++)
				mx = xo[j * inner + i] > mx ? xo[j * inner + i] : mx;
			sum = 0;
			for (j = 0; j < n; j++) {
				yo[j * inner + i] = expf(xo[j * inner + i] - mx);
				sum += yo[j * inner + i];
			}
			for (j = 0; j < n; j++)
				yo[j * inner + i] /= sum;
		}
	}
}

void
rt_reduce_mean_f32(const float *x, const int64_t *xdim, int rank,
    unsigned mask, float *y)
{
	int64_t n[8], sy[8], idx[8], run, ny, cnt, oy, k;
	int r, i, d, red[8];
	size_t px, total;
	float sum;

	/* merge adjacent dims of the same kind; drop size-1 dims */
	r = 0;
	cnt = 1;
	total = 1;
	for (i = 0; i < rank; i++) {
		total *= (size_t)xdim[i];
		if (mask >> i & 1)
			cnt *= xdim[i];
		if (xdim[i] == 1)
			continue;
		if (r > 0 && red[r - 1] == (int)(mask >> i & 1)) {
			n[r - 1] *= xdim[i];
			continue;
		}
		n[r] = xdim[i];
		red[r] = mask >> i & 1;
		r++;
	}
	ny = 1;
	for (i = 0; i < r; i++)
		if (!red[i])
			ny *= n[i];
	if (total == 0) {
		for (k = 0; k < ny; k++)
			y[k] = NAN;
		return;
	}
	if (r == 0 || (r == 1 && !red[0])) {
		memcpy(y, x, total * sizeof *x);
		return;
	}
	/* reducing trailing dims: one sum per output */
	if (red[r - 1] && r <= 2) {
		run = n[r - 1];
		if (r == 1)
			ny = 1;
		for (k = 0; k < ny; k++)
			y[k] = sum8(x + k * run, run) / (float)cnt;
		return;
	}
	/* general: walk x, accumulating into y */
	for (k = 0; k < ny; k++)
		y[k] = 0;
	k = 1;
	for (i = r - 1; i >= 0; i--) {
		sy[i] = red[i] ? 0 : k;
		if (!red[i])
			k *= n[i];
	}
	memset(idx, 0, sizeof idx);
	run = n[r - 1];
	oy = 0;
	for (px = 0; px < total; px += (size_t)run) {
		if (red[r - 1]) {
			sum = 0;
			for (i = 0; i < run; i++)
				sum += x[px + (size_t)i];
			y[oy] += sum;
		} else {
			for (i = 0; i < run; i++)
				y[oy + i] += x[px + (size_t)i];
		}
		for (d = r - 2; d >= 0; d--) {
			oy += sy[d];
			if (++idx[d] < n[d])
				break;
			oy -= sy[d] * n[d];
			idx[d] = 0;
		}
	}
	for (k = 0; k < ny; k++)
		y[k] /= (float)cnt;
}

void
rt_batchnorm_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    const float *scale, const float *bias, const float *mean,
    const float *var, float eps, float *y)
{
	int64_t b, ch, i;
	const float *xp;
	float *yp, a, s;

	for (b = 0; b < n; b++)
		for (ch = 0; ch < c; ch++) {
			a = scale[ch] / sqrtf(var[ch] + eps);
			s = bias[ch] - mean[ch] * a;
			xp = x + (b * c + ch) * inner;
			yp = y + (b * c + ch) * inner;
			for (i = 0; i < inner; i++)
				yp[i] = xp[i] * a + s;
		}
}

void
rt_moments_f32(const float *x, int64_t n, int64_t c, int64_t inner,
    float *mean, float *var)
{
	int64_t b, ch, i;
	const float *xp;
	double s, ss, m, cnt;

	cnt = (double)(n * inner);
	for (ch = 0; ch < c; ch++) {
		s = 0;
		for (b = 0; b < n; b++) {
			xp = x + (b * c + ch) * inner;
			for (i = 0; i < inner; i++)
				s += xp[i];
		}
		m = cnt > 0 ? s / cnt : 0;
		ss = 0;
		for (b = 0; b < n; b++) {
			xp = x + (b * c + ch) * inner;
			for (i = 0; i < inner; i++)
				ss += (xp[i] - m) * (xp[i] - m);
		}
		mean[ch] = (float)m;
		var[ch] = cnt > 0 ? (float)(ss / cnt) : 0;
	}
}
