/*
 * movement.c — data movement kernels (contract in movement.h).
 *
 * Transpose and slice first drop size-1 dims and merge dims that stay
 * adjacent, so the common cases become long contiguous copies (memcpy) or a
 * batched 2-D transpose, which runs in cache-sized tiles.  Whatever is left
 * walks an odometer over the outer dims with a strided inner loop.
 */
#include <math.h>
#include <string.h>

#include "movement.h"

enum { MAXR = 8, TILE = 32 };

/* y[i] = x[i * stride] for i < n, elements of esz bytes */
static void
gather1(const char *x, int64_t stride, char *y, int64_t n, size_t esz)
{
	int64_t i;

	switch (esz) {
	case 1:
		for (i = 0; i < n; i++)
			y[i] = x[i * stride];
		break;
	case 2:
		for (i = 0; i < n; i++)
			((uint16_t *)y)[i] = ((const uint16_t *)x)[i * stride];
		break;
	case 4:
		for (i = 0; i < n; i++)
			((uint32_t *)y)[i] = ((const uint32_t *)x)[i * stride];
		break;
	case 8:
		for (i = 0; i < n; i++)
			((uint64_t *)y)[i] = ((const uint64_t *)x)[i * stride];
		break;
	default:
		for (i = 0; i < n; i++)
			memcpy(y + (size_t)i * esz, x + (size_t)(i * stride) * esz, esz);
		break;
	}
}

/* drop size-1 dims and merge dim i into i+1 where s[i] == s[i+1] * n[i+1];
 * returns the new rank (0 for a single element) */
static int
collapse(int r, int64_t *n, int64_t *s)
{
	int i, k;

	k = 0;
	for (i = 0; i < r; i++) {
		if (n[i] == 1)
			continue;
		if (k > 0 && s[k - 1] == s[i] * n[i]) {
			n[k - 1] *= n[i];
			s[k - 1] = s[i];
			continue;
		}
		n[k] = n[i];
		s[k] = s[i];
		k++;
	}
	return k;
}

/* y (contiguous, dims n[0..r)) = x at element strides s[]; y is walked in
 * order.  Batched 2-D transposes (s[r-2] == 1) go tile by tile. */
static void
strided_copy(const char *x, size_t esz, int r, const int64_t *n,
    const int64_t *s, char *y)
{
	int64_t idx[MAXR], off, a0, b0, a, na, nb, sb, ea, eb;
	size_t oy;
	int d, outer;

	if (r == 0) {
		memcpy(y, x, esz);
		return;
	}
	for (d = 0; d < r; d++)
		if (n[d] == 0)
			return;
	memset(idx, 0, sizeof idx);
	off = 0;
	oy = 0;
	if (r >= 2 && s[r - 1] != 1 && s[r - 2] == 1) {
		outer = r - 2;
		na = n[r - 2];
		nb = n[r - 1];
		sb = s[r - 1];
	} else {
		outer = r - 1;
		na = nb = sb = 0;
	}
	for (;;) {
		if (outer == r - 1) {
			if (s[r - 1] == 1)
				memcpy(y + oy * esz, x + (size_t)off * esz,
				    (size_t)n[r - 1] * esz);
			else
				gather1(x + (size_t)off * esz, s[r - 1],
				    y + oy * esz, n[r - 1], esz);
			oy += (size_t)n[r - 1];
		} else {
			/* y[a][b] = x[off + a + b*sb] */
			const char *xo = x + (size_t)off * esz;
			char *yo = y + oy * esz;

			for (a0 = 0; a0 < na; a0 += TILE) {
				ea = a0 + TILE < na ? a0 + TILE : na;
				for (b0 = 0; b0 < nb; b0 += TILE) {
					eb = b0 + TILE < nb ? b0 + TILE : nb;
					for (a = a0; a < ea; a++)
						gather1(xo + (size_t)(a + b0 * sb) * esz,
						    sb, yo + (size_t)(a * nb + b0) * esz,
						    eb - b0, esz);
				}
			}
			oy += (size_t)(na * nb);
		}
		for (d = outer - 1; d >= 0; d--) {
			off += s[d];
			if (++idx[d] < n[d])
				break;
			off -= s[d] * n[d];
			idx[d] = 0;
		}
		if (d < 0)
			break;
	}
}

void
rt_transpose(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int *perm, void *y)
{
	int64_t xs[MAXR], n[MAXR], s[MAXR], st;
	int i, r;

	st = 1;
	for (i = rank - 1; i >= 0; i--) {
		xs[i] = st;
		st *= xdim[i];
	}
	if (st == 0)
		return;
	for (i = 0; i < rank; i++) {
		n[i] = xdim[perm[i]];
		s[i] = xs[perm[i]];
	}
	r = collapse(rank, n, s);
	strided_copy(x, esz, r, n, s, y);
}

void
rt_slice(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int64_t *start, const int64_t *step, const int64_t *ydim, void *y)
{
	int64_t xs[MAXR], n[MAXR], s[MAXR], st, off;
	int i, r;

	st = 1;
	off = 0;
	for (i = rank - 1; i >= 0; i--) {
		if (ydim[i] == 0)
			return;
		xs[i] = st;
		st *= xdim[i];
	}
	for (i = 0; i < rank; i++) {
		off += start[i] * xs[i];
		n[i] = ydim[i];
		s[i] = step[i] * xs[i];
	}
	r = collapse(rank, n, s);
	strided_copy((const char *)x + (size_t)off * esz, esz, r, n, s, y);
}

void
rt_gather(const void *x, size_t esz, int64_t outer, int64_t n,
    int64_t inner, const int64_t *idx, int64_t nidx, void *y)
{
	const char *px = x;
	char *py = y;
	size_t row = (size_t)inner * esz;
	int64_t o, j;

	for (o = 0; o < outer; o++)
		for (j = 0; j < nidx; j++) {
			memcpy(py, px + (size_t)(o * n + idx[j]) * row, row);
			py += row;
		}
}

/* the source index along a dim of length n for padded position p (already
 * shifted by the leading pad), or -1 for the constant */
static int64_t
padsrc(int64_t p, int64_t n, RtPadMode mode)
{
	int64_t period;

	if (p >= 0 && p < n)
		return p;
	if (n == 0)
		return -1;
	switch (mode) {
	case RT_PAD_CONSTANT:
		return -1;
	case RT_PAD_EDGE:
		return p < 0 ? 0 : n - 1;
	case RT_PAD_WRAP:
		p %= n;
		return p < 0 ? p + n : p;
	case RT_PAD_REFLECT:
		if (n == 1)
			return 0;
		period = 2 * (n - 1);
		p %= period;
		if (p < 0)
			p += period;
		return p < n ? p : period - p;
	}
	return -1;
}

void
rt_pad(const void *x, size_t esz, int rank, const int64_t *xdim,
    const int64_t *pads, RtPadMode mode, const void *cval,
    const int64_t *ydim, void *y, int64_t *scratch)
{
	int64_t *map[MAXR], xs[MAXR], idx[MAXR], st, o, off, nl, j, src;
	const char *px = x;
	char *py = y;
	size_t oy;
	int i, d;
	bool hole;

	if (rank == 0) {
		memcpy(y, x, esz);
		return;
	}
	st = 1;
	for (i = rank - 1; i >= 0; i--) {
		if (ydim[i] == 0)
			return;
		xs[i] = st;
		st *= xdim[i];
	}
	for (i = 0; i < rank; i++) {
		map[i] = scratch;
		for (o = 0; o < ydim[i]; o++)
			map[i][o] = padsrc(o - pads[i], xdim[i], mode);
		scratch += ydim[i];
	}
	nl = ydim[rank - 1];
	memset(idx, 0, sizeof idx);
	oy = 0;
	for (;;) {
		hole = false;
		off = 0;
		for (d = 0; d < rank - 1; d++) {
			src = map[d][idx[d]];
			if (src < 0)
				hole = true;
			off += src * xs[d];
		}
		for (j = 0; j < nl; j++) {
			src = hole ? -1 : map[rank - 1][j];
			if (src < 0)
				memcpy(py + (oy + (size_t)j) * esz, cval, esz);
			else if (j + 1 < nl && map[rank - 1][j + 1] == src + 1) {
				/* a run of consecutive sources */
				int64_t e = j + 1;

				while (e < nl && map[rank - 1][e] == src + (e - j))
					e++;
				memcpy(py + (oy + (size_t)j) * esz,
				    px + (size_t)(off + src) * esz,
				    (size_t)(e - j) * esz);
				j = e - 1;
			} else {
				memcpy(py + (oy + (size_t)j) * esz,
				    px + (size_t)(off + src) * esz, esz);
			}
		}
		oy += (size_t)nl;
		for (d = rank - 2; d >= 0; d--) {
			if (++idx[d] < ydim[d])
				break;
			idx[d] = 0;
		}
		if (d < 0)
			break;
	}
}

void
rt_concat(int nx, const void *const *x, const int64_t *len, size_t esz,
    int64_t outer, int64_t inner, void *y)
{
	char *py = y;
	size_t row;
	int64_t o;
	int k;

	for (o = 0; o < outer; o++)
		for (k = 0; k < nx; k++) {
			row = (size_t)(len[k] * inner) * esz;
			memcpy(py, (const char *)x[k] + (size_t)o * row, row);
			py += row;
		}
}

/* --- resize --------------------------------------------------------------- */

static int
ntaps(RtResizeMode m)
{
	return m == RT_RESIZE_NEAREST ? 1 : m == RT_RESIZE_LINEAR ? 2 : 4;
}

/* the pass order: downsampling dims first, then the rest, each in order */
static int
passorder(int rank, const int64_t *xdim, const int64_t *ydim, int *ord)
{
	int i, k;

	k = 0;
	for (i = 0; i < rank; i++)
		if (ydim[i] < xdim[i])
			ord[k++] = i;
	for (i = 0; i < rank; i++)
		if (ydim[i] >= xdim[i])
			ord[k++] = i;
	return k;
}

static size_t
align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/* Resize runs one pass per axis in passorder: the largest intermediate
 * (elements) and the longest output axis, which size the scratch */
static void
passsizes(int rank, const int64_t *xdim, const int64_t *ydim, size_t *mx,
    size_t *maxn)
{
	int64_t cur[MAXR];
	int ord[MAXR], i, k;
	size_t sz;

	memcpy(cur, xdim, (size_t)rank * sizeof *cur);
	passorder(rank, xdim, ydim, ord);
	*mx = 0;
	*maxn = 1;
	for (k = 0; k < rank; k++) {
		cur[ord[k]] = ydim[ord[k]];
		sz = 1;
		for (i = 0; i < rank; i++)
			sz *= (size_t)cur[i];
		*mx = sz > *mx ? sz : *mx;
		*maxn = (size_t)ydim[k] > *maxn ? (size_t)ydim[k] : *maxn;
	}
}

size_t
rt_resize_scratch(size_t esz, int rank, const int64_t *xdim,
    const int64_t *ydim)
{
	size_t mx, maxn;

	passsizes(rank, xdim, ydim, &mx, &maxn);
	return 2 * align16(mx * esz) + align16(maxn * 4 * sizeof(int64_t))
	    + align16(maxn * 4 * sizeof(float));
}

/* input coordinate of output index o, as ONNX Runtime computes it (in
 * float) */
static float
coord(RtCoord c, float o, float scale, int64_t nin, int64_t nout, float r0,
    float r1)
{
	float adj, off, len;

	switch (c) {
	case RT_COORD_HALF_PIXEL:
		return (o + 0.5f) / scale - 0.5f;
	case RT_COORD_HALF_PIXEL_SYMMETRIC:
		adj = (float)nout / (scale * (float)nin);
		off = (float)nin / 2 * (1 - adj);
		return off + (o + 0.5f) / scale - 0.5f;
	case RT_COORD_PYTORCH_HALF_PIXEL:
		return nout > 1 ? (o + 0.5f) / scale - 0.5f : 0;
	case RT_COORD_ALIGN_CORNERS:
		/* ONNX's reference takes the resized length as scale * nin,
		 * not nout: they differ when scales give a fractional size
		 * (ONNX Runtime uses nout) */
		len = scale * (float)nin;
		return nout == 1 || len == 1 ? 0
		    : o * (float)(nin - 1) / (len - 1);
	case RT_COORD_ASYMMETRIC:
		return o / scale;
	case RT_COORD_TF_HALF_PIXEL_FOR_NN:
		return (o + 0.5f) / scale;
	case RT_COORD_TF_CROP_AND_RESIZE:
		if (nout > 1)
			return r0 * (float)(nin - 1) + o * (r1 - r0)
			    * (float)(nin - 1) / (float)(nout - 1);
		return 0.5f * (r0 + r1) * (float)(nin - 1);
	}
	return 0;
}

static int64_t
nearest(RtNearest m, float v, bool down)
{
	switch (m) {
	case RT_NEAREST_ROUND_PREFER_FLOOR:
		if (v == floorf(v) + 0.5f)
			return (int64_t)floorf(v);
		return (int64_t)roundf(v);
	case RT_NEAREST_ROUND_PREFER_CEIL:
		if (v == floorf(v) + 0.5f)
			return (int64_t)ceilf(v);
		return (int64_t)roundf(v);
	case RT_NEAREST_FLOOR:
		return (int64_t)floorf(v);
	case RT_NEAREST_CEIL:
		return (int64_t)ceilf(v);
	case RT_NEAREST_SIMPLE:
		return down ? (int64_t)ceilf(v) : (int64_t)v;
	}
	return 0;
}

static int64_t
clampi(int64_t v, int64_t n)
{
	return v < 0 ? 0 : v >= n ? n - 1 : v;
}

/* taps of one dim: idx[o*nt + t], w[o*nt + t]; idx[o*nt] = -1 marks an
 * extrapolated output.  Returns true if the mapping is the identity. */
static bool
dimtaps(const RtResize *p, int64_t nin, int64_t nout, float scale, float r0,
    float r1, int64_t *idx, float *w)
{
	int nt = ntaps(p->mode), t;
	int64_t o, i1, i2, xi, j;
	float v, d1, d2, s, a, c[4], sum;
	bool ident = nin == nout;

	for (o = 0; o < nout; o++) {
		int64_t *id = idx + o * nt;
		float *wt = w + o * nt;

		v = coord(p->coord, (float)o, scale, nin, nout, r0, r1);
		if (p->coord == RT_COORD_TF_CROP_AND_RESIZE
		    && (v < 0 || v > (float)(nin - 1))) {
			id[0] = -1;
			ident = false;
			continue;
		}
		switch (p->mode) {
		case RT_RESIZE_NEAREST:
			id[0] = clampi(nearest(p->nearest, v, scale < 1), nin);
			wt[0] = 1;
			break;
		case RT_RESIZE_LINEAR:
			v = v < 0 ? 0 : v > (float)(nin - 1) ? (float)(nin - 1) : v;
			i1 = (int64_t)v < nin - 1 ? (int64_t)v : nin - 1;
			i2 = i1 + 1 < nin - 1 ? i1 + 1 : nin - 1;
			d1 = fabsf(v - (float)i1);
			d2 = fabsf(v - (float)i2);
			if (i1 == i2)
				d1 = d2 = 0.5f;
			id[0] = i1;
			id[1] = i2;
			wt[0] = d2;
			wt[1] = d1;
			break;
		case RT_RESIZE_CUBIC:
			xi = (int64_t)floorf(v);
			s = v - (float)xi;
			a = p->cubic_a;
			c[0] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
			c[1] = ((a + 2) * s - (a + 3)) * s * s + 1;
			c[2] = ((a + 2) * (1 - s) - (a + 3)) * (1 - s) * (1 - s) + 1;
			c[3] = ((a * (2 - s) - 5 * a) * (2 - s) + 8 * a) * (2 - s) - 4 * a;
			sum = 0;
			for (t = 0; t < 4; t++) {
				j = xi - 1 + t;
				if (p->exclude_outside && (j < 0 || j >= nin))
					c[t] = 0;
				sum += c[t];
			}
			for (t = 0; t < 4; t++) {
				id[t] = clampi(xi - 1 + t, nin);
				wt[t] = p->exclude_outside && sum != 0
				    ? c[t] / sum : c[t];
			}
			break;
		}
		if (ident) {
			/* weight 1 on o itself, 0 elsewhere */
			sum = 0;
			for (t = 0; t < nt; t++)
				if (id[t] == o)
					sum += wt[t];
				else if (wt[t] != 0)
					ident = false;
			if (sum != 1)
				ident = false;
		}
	}
	return ident;
}

/* one 1-D pass: src [outer][nin][inner] -> dst [outer][nout][inner] */
static void
rpass(const RtResize *p, size_t esz, const char *src, char *dst,
    int64_t outer, int64_t nin, int64_t nout, int64_t inner,
    const int64_t *idx, const float *w)
{
	int nt = ntaps(p->mode), t;
	size_t row = (size_t)inner * esz;
	int64_t o, j, i;

	for (o = 0; o < outer; o++) {
		const char *s = src + (size_t)(o * nin) * row;
		char *d = dst + (size_t)(o * nout) * row;

		for (j = 0; j < nout; j++, d += row) {
			const int64_t *id = idx + j * nt;
			const float *wt = w + j * nt;
			float *fd = (float *)d;

			if (id[0] < 0) {
				for (i = 0; i < inner; i++)
					fd[i] = p->extrapolation;
				continue;
			}
			if (nt == 1) {
				if (esz == 4 && inner == 1)
					memcpy(d, s + (size_t)id[0] * 4, 4);
				else
					memcpy(d, s + (size_t)id[0] * row, row);
				continue;
			}
			{
				const float *s0 = (const float *)(s + (size_t)id[0] * row);
				float w0 = wt[0];

				for (i = 0; i < inner; i++)
					fd[i] = w0 * s0[i];
			}
			for (t = 1; t < nt; t++) {
				const float *st = (const float *)(s + (size_t)id[t] * row);
				float wv = wt[t];

				for (i = 0; i < inner; i++)
					fd[i] += wv * st[i];
			}
		}
	}
}

bool
rt_resize(RtType dt, const void *x, int rank, const int64_t *xdim,
    const int64_t *ydim, const float *scale, const float *roi,
    const RtResize *p, void *y, void *scratch)
{
	int64_t cur[MAXR], outer, inner, *idx;
	size_t esz, bufsz, maxn, sz;
	int ord[MAXR], todo[MAXR], ntodo, i, k, d;
	char *buf[2];
	const char *src;
	char *dst;
	float *w, r0, r1;

	switch (dt) {
	case RT_U8: case RT_I8: case RT_BOOL: esz = 1; break;
	case RT_U16: case RT_I16: case RT_F16: case RT_BF16: esz = 2; break;
	case RT_F32: case RT_I32: case RT_U32: esz = 4; break;
	case RT_F64: case RT_I64: case RT_U64: esz = 8; break;
	default: return false;
	}
	if (dt != RT_F32 && (p->mode != RT_RESIZE_NEAREST
	    || p->coord == RT_COORD_TF_CROP_AND_RESIZE))
		return false;
	if (p->coord == RT_COORD_TF_CROP_AND_RESIZE && !roi)
		return false;
	sz = 1;
	for (i = 0; i < rank; i++)
		sz *= (size_t)ydim[i];
	if (sz == 0)
		return true;
	for (i = 0; i < rank; i++)
		if (xdim[i] == 0)
			return false;

	/* carve scratch as rt_resize_scratch sized it */
	passsizes(rank, xdim, ydim, &bufsz, &maxn);
	passorder(rank, xdim, ydim, ord);
	buf[0] = scratch;
	buf[1] = buf[0] + align16(bufsz * esz);
	idx = (int64_t *)(buf[1] + align16(bufsz * esz));
	w = (float *)((char *)idx + align16(maxn * 4 * sizeof(int64_t)));

	/* which dims need a pass */
	ntodo = 0;
	for (k = 0; k < rank; k++) {
		d = ord[k];
		r0 = roi ? roi[d] : 0;
		r1 = roi ? roi[rank + d] : 1;
		if (!dimtaps(p, xdim[d], ydim[d], scale[d], r0, r1, idx, w))
			todo[ntodo++] = d;
	}
	if (ntodo == 0) {
		memcpy(y, x, bufsz * esz);
		return true;
	}
	memcpy(cur, xdim, (size_t)rank * sizeof *cur);
	src = x;
	for (k = 0; k < ntodo; k++) {
		d = todo[k];
		r0 = roi ? roi[d] : 0;
		r1 = roi ? roi[rank + d] : 1;
		dimtaps(p, xdim[d], ydim[d], scale[d], r0, r1, idx, w);
		outer = inner = 1;
		for (i = 0; i < d; i++)
			outer *= cur[i];
		for (i = d + 1; i < rank; i++)
			inner *= cur[i];
		dst = k == ntodo - 1 ? y : buf[k % 2];
		rpass(p, esz, src, dst, outer, xdim[d], ydim[d], inner, idx, w);
		cur[d] = ydim[d];
		src = dst;
	}
	return true;
}

/* --- casts ---------------------------------------------------------------- */

uint16_t
rt_f16_from_f64(double d)
{
	uint64_t b, mant, m, rem, half, r;
	uint16_t sign;
	int exp, e, shift;

	memcpy(&b, &d, sizeof b);
	sign = (uint16_t)((b >> 48) & 0x8000);
	exp = (int)((b >> 52) & 0x7ff);
	mant = b & ((UINT64_C(1) << 52) - 1);
	if (exp == 0x7ff)
		return sign | 0x7c00 | (mant ? 0x200 : 0);
	e = exp - 1023 + 15;
	if (e >= 31)
		return sign | 0x7c00;
	if (e <= 0) {
		if (exp == 0 || e < -10)
			return sign;
		m = mant | (UINT64_C(1) << 52);
		shift = 43 - e;
		r = m >> shift;
		rem = m & ((UINT64_C(1) << shift) - 1);
		half = UINT64_C(1) << (shift - 1);
		if (rem > half || (rem == half && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	r = ((uint64_t)e << 10) | (mant >> 42);
	rem = mant & ((UINT64_C(1) << 42) - 1);
	half = UINT64_C(1) << 41;
	if (rem > half || (rem == half && (r & 1)))
		r++;	/* may carry into the exponent, up to infinity */
	return (uint16_t)(sign | r);
}

float
rt_f32_from_f16(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ff, b;
	float f;

	if (exp == 0x1f) {
		b = sign | 0x7f800000 | (mant << 13);
	} else if (exp == 0) {
		f = ldexpf((float)mant, -24);
		return sign ? -f : f;
	} else {
		b = sign | ((exp + 112) << 23) | (mant << 13);
	}
	memcpy(&f, &b, sizeof f);
	return f;
}

uint16_t
rt_bf16_from_f32(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof b);
	if (isnan(f))
		return (uint16_t)((b >> 16) | 0x40);
	return (uint16_t)(b >> 16);
}

float
rt_f32_from_bf16(uint16_t h)
{
	uint32_t b = (uint32_t)h << 16;
	float f;

	memcpy(&f, &b, sizeof f);
	return f;
}

static bool
isfloat(RtType t)
{
	return t == RT_F32 || t == RT_F64 || t == RT_F16 || t == RT_BF16;
}

static double
loadf(RtType t, const void *p, size_t i)
{
	switch (t) {
	case RT_F32: return ((const float *)p)[i];
	case RT_F64: return ((const double *)p)[i];
	case RT_F16: return rt_f32_from_f16(((const uint16_t *)p)[i]);
	default: return rt_f32_from_bf16(((const uint16_t *)p)[i]);
	}
}

/* integers and bool as uint64 bit patterns (signed sign-extended) */
static uint64_t
loadi(RtType t, const void *p, size_t i)
{
	switch (t) {
	case RT_I8: return (uint64_t)(int64_t)((const int8_t *)p)[i];
	case RT_U8: case RT_BOOL: return ((const uint8_t *)p)[i];
	case RT_I16: return (uint64_t)(int64_t)((const int16_t *)p)[i];
	case RT_U16: return ((const uint16_t *)p)[i];
	case RT_I32: return (uint64_t)(int64_t)((const int32_t *)p)[i];
	case RT_U32: return ((const uint32_t *)p)[i];
	case RT_I64: return (uint64_t)((const int64_t *)p)[i];
	default: return ((const uint64_t *)p)[i];
	}
}

static void
storei(RtType t, void *p, size_t i, uint64_t v)
{
	switch (t) {
	case RT_I8: case RT_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case RT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	case RT_I16: case RT_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case RT_I32: case RT_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	default: ((uint64_t *)p)[i] = v; break;
	}
}

static void
storef(RtType t, void *p, size_t i, double v)
{
	switch (t) {
	case RT_F32: ((float *)p)[i] = (float)v; break;
	case RT_F64: ((double *)p)[i] = v; break;
	case RT_F16: ((uint16_t *)p)[i] = rt_f16_from_f64(v); break;
	default: ((uint16_t *)p)[i] = rt_bf16_from_f32((float)v); break;
	}
}

/* a float truncated to an integer bit pattern: NaN and out of range give
 * the 64-bit minimum (what x86's cvttsd2si does) */
static uint64_t
ftoi(double v, RtType t)
{
	if (t == RT_U64 && v >= 9223372036854775808.0
	    && v < 18446744073709551616.0)
		return (uint64_t)v;
	if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
		return UINT64_C(1) << 63;
	return (uint64_t)(int64_t)v;
}

bool
rt_cast(const void *x, RtType xdt, void *y, RtType ydt, size_t n)
{
	size_t i, es;

	switch (xdt) {
	case RT_F32: case RT_U8: case RT_I8: case RT_U16: case RT_I16:
	case RT_I32: case RT_I64: case RT_BOOL: case RT_F16: case RT_F64:
	case RT_U32: case RT_U64: case RT_BF16:
		break;
	default:
		return false;
	}
	switch (ydt) {
	case RT_F32: case RT_U8: case RT_I8: case RT_U16: case RT_I16:
	case RT_I32: case RT_I64: case RT_BOOL: case RT_F16: case RT_F64:
	case RT_U32: case RT_U64: case RT_BF16:
		break;
	default:
		return false;
	}
	if (xdt == ydt) {
		es = xdt == RT_F64 || xdt == RT_I64 || xdt == RT_U64 ? 8
		    : xdt == RT_F32 || xdt == RT_I32 || xdt == RT_U32 ? 4
		    : xdt == RT_U8 || xdt == RT_I8 || xdt == RT_BOOL ? 1 : 2;
		memcpy(y, x, n * es);
		return true;
	}
	if (xdt == RT_F16 && ydt == RT_F32) {
		for (i = 0; i < n; i++)
			((float *)y)[i] = rt_f32_from_f16(((const uint16_t *)x)[i]);
		return true;
	}
	if (xdt == RT_F32 && ydt == RT_F16) {
		for (i = 0; i < n; i++)
			((uint16_t *)y)[i] = rt_f16_from_f64(((const float *)x)[i]);
		return true;
	}
	for (i = 0; i < n; i++) {
		if (isfloat(xdt)) {
			double v = loadf(xdt, x, i);

			if (isfloat(ydt))
				storef(ydt, y, i, v);
			else if (ydt == RT_BOOL)
				((uint8_t *)y)[i] = v != 0;
			else
				storei(ydt, y, i, ftoi(v, ydt));
		} else {
			uint64_t v = loadi(xdt, x, i);

			if (!isfloat(ydt))
				storei(ydt, y, i, v);
			else if (xdt == RT_U64)
				storef(ydt, y, i, (double)v);
			else
				storef(ydt, y, i, (double)(int64_t)v);
		}
	}
	return true;
}
