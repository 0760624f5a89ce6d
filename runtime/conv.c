/*
 * conv.c — 2-D convolution and its transpose over the GEMM of gemm.c
 * (contract in conv.h).
 *
 * Stride-phase planes: an input plane, zero-padded as the convolution
 * pads it, is split by stride: padded element (py, px) goes to plane
 * (py % sh, px % sw) at (py / sh, px / sw), every plane hq x wq.  Then tap
 * (ky, kx) of output (oy, ox) is element oy*wq + ox + off[tap] of the
 * buffer: a constant offset per tap.  Computing the output wq wide instead
 * of ow (the extra columns are discarded), every row of the im2col matrix
 * is a contiguous slice of the planes — no im2col, and copying the input
 * once costs c*h*w, not c*kh*kw*oh*ow.  Only the phases some tap reads are
 * built; a stride-1 unpadded convolution uses the input itself.
 *
 * General convolution: per image and group, y_g[mpg][nq] = w_g[mpg][K] *
 * B[K][nq] with K = cpg*kh*kw, nq = (oh-1)*wq + ow, B's row (c, ky, kx) the
 * slice of channel c's planes at off[ky][kx]; the GEMM packs B panel by
 * panel with vector copies and reads the weights in place.  Results go to y
 * directly when wq == ow, else through a buffer that drops the extra
 * columns.
 *
 * Depthwise (one input channel per group): the same planes per channel;
 * the output is a sum of kh*kw shifted slices scaled by the weights —
 * contiguous loads, vectorised in registers over 4 vectors, the fused
 * activation applied in registers.  Rows at least a vector wide are
 * computed straight into y (the last vector of a row overlaps its
 * predecessor rather than spilling past the row); narrower ones as one
 * flat run over the planes' width, then compacted.  The padding's zeros sit
 * at the same places in every channel's planes, so they are written once
 * per call; rows are copied with inline vector moves, not memcpy calls
 * (which dominate on 7x7 planes).
 *
 * Transposed convolution: col[mpg*kh*kw][h*w] = w_g^T * x_g (a GEMM with A
 * transposed), then col2im adds each column entry into its output pixel.
 *
 * 3-D: direct loops over the definition.
 */
#include <stdint.h>
#include <string.h>

#include "conv.h"
#include "gemm.h"
#include "simd.h"

enum {
	DWBLK = 64,	/* the most floats a depthwise kernel block covers */
	DWSLACK = 64,	/* floats past the planes the depthwise kernel reads */
};

static long
minl(long a, long b)
{
	return a < b ? a : b;
}

static long
maxl(long a, long b)
{
	return a > b ? a : b;
}

/* ceil(a / b) for b > 0 and any a */
static long
cdiv(long a, long b)
{
	return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

static void *
align64(void *p)
{
	return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* bytes of n floats, rounded up to whole cache lines */
static size_t
lines(long n)
{
	return ((size_t)n + 15) / 16 * 16 * sizeof(float);
}

/* The t in [0, len) for which ix0 + t*s lies in [0, w): [*lo, *hi). */
static void
inrange(long ix0, long s, long w, long len, long *lo, long *hi)
{
	long a = ix0 >= 0 ? 0 : cdiv(-ix0, s);
	long b = ix0 >= w ? 0 : (w - 1 - ix0) / s + 1;

	*lo = minl(a, len);
	*hi = maxl(*lo, minl(b, len));
}

/* ---- vector kernels, one set per instruction set ------------------------ */

/* out[q] = bias + sum_t wt[t] * src[off[t] + q] for q < nq, clamped to
 * [clamp[0], clamp[1]] unless clamp is NULL: blocks of 4 vectors, then one
 * of 1 to 4 whose last vector is moved back to end at nq, overlapping its
 * predecessor (recomputing an output repeats the same operations: the
 * same value).  nq < VW goes through a buffer.  src is read up to
 * max(nq, VW) + off[t]; out is written in [0, nq). */
#define DWBLOCK(VT, VTU, VW, CLAMP, NV)                                      \
	do {                                                                 \
		VT acc[NV];                                                  \
		long at[NV];                                                 \
                                                                             \
		RT_UNROLL                                                    \
		for (v = 0; v < NV; v++) {                                   \
			at[v] = q + v * VW;                                  \
			if (at[v] + VW > nq && nq >= VW)                     \
				at[v] = nq - VW;                             \
			acc[v] = (VT){0} + bias;                             \
		}                                                            \
		for (t = 0; t < ntap; t++) {                                 \
			const float *s = src + off[t];                       \
			float wv = wt[t];                                    \
                                                                             \
			RT_UNROLL                                            \
			for (v = 0; v < NV; v++)                             \
				acc[v] += wv * *(const VTU *)(s + at[v]);    \
		}                                                            \
		RT_UNROLL                                                    \
		for (v = 0; v < NV; v++) {                                   \
			if (clamp)                                           \
				CLAMP(acc[v], lo, hi);                       \
			if (nq >= VW)                                        \
				*(VTU *)(out + at[v]) = acc[v];              \
			else                                                 \
				*(VTU *)tmp = acc[v];                        \
		}                                                            \
	} while (0)

#define DWKERN(NAME, ATTR, VT, VTU, VW, CLAMP)                               \
static ATTR void                                                             \
NAME(const float *src, const long *off, const float *wt, long ntap,          \
    float bias, long nq, const float *clamp, float *out)                     \
{                                                                            \
	VT lo = (VT){0} + (clamp ? clamp[0] : 0);                            \
	VT hi = (VT){0} + (clamp ? clamp[1] : 0);                            \
	float tmp[VW];                                                       \
	long q, t;                                                           \
	int v;                                                               \
                                                                             \
	for (q = 0; q + 4 * VW <= nq; q += 4 * VW)                           \
		DWBLOCK(VT, VTU, VW, CLAMP, 4);                              \
	switch ((nq - q + VW - 1) / VW) {                                    \
	case 4:                                                              \
		DWBLOCK(VT, VTU, VW, CLAMP, 4);                              \
		break;                                                       \
	case 3:                                                              \
		DWBLOCK(VT, VTU, VW, CLAMP, 3);                              \
		break;                                                       \
	case 2:                                                              \
		DWBLOCK(VT, VTU, VW, CLAMP, 2);                              \
		break;                                                       \
	case 1:                                                              \
		DWBLOCK(VT, VTU, VW, CLAMP, 1);                              \
		for (t = 0; nq < VW && t < nq; t++)                          \
			out[t] = tmp[t];                                     \
		break;                                                       \
	}                                                                    \
}

/* d[r*ldd + i] = s[r*lds + i] for r < rows, i < n, by vectors (no call to
 * memcpy for short rows): whole vectors and one more overlapping the last
 * at the end; NARROW(d, s, n) copies rows narrower than a vector */
#define COPYROWS(NAME, ATTR, VTU, VW, NARROW)                                \
static ATTR void                                                             \
NAME(float *d, long ldd, const float *s, long lds, long rows, long n)        \
{                                                                            \
	long i, r;                                                           \
                                                                             \
	for (r = 0; r < rows; r++, d += ldd, s += lds) {                     \
		if (n < VW) {                                                \
			NARROW(d, s, n);                                     \
			continue;                                            \
		}                                                            \
		for (i = 0; i + VW <= n; i += VW)                            \
			*(VTU *)(d + i) = *(const VTU *)(s + i);             \
		if (i < n)                                                   \
			*(VTU *)(d + n - VW) = *(const VTU *)(s + n - VW);   \
	}                                                                    \
}

/* n < 16 floats: two overlapping vectors of 8 or 4, else one by one */
#define NARROW16(d, s, n)                                                    \
	do {                                                                 \
		if ((n) >= 8) {                                              \
			*(rt_v8u *)(d) = *(const rt_v8u *)(s);               \
			*(rt_v8u *)((d) + (n) - 8) =                         \
			    *(const rt_v8u *)((s) + (n) - 8);                \
		} else {                                                     \
			NARROW8(d, s, n);                                    \
		}                                                            \
	} while (0)
#define NARROW8(d, s, n)                                                     \
	do {                                                                 \
		if ((n) >= 4) {                                              \
			*(rt_v4u *)(d) = *(const rt_v4u *)(s);               \
			*(rt_v4u *)((d) + (n) - 4) =                         \
			    *(const rt_v4u *)((s) + (n) - 4);                \
		} else {                                                     \
			NARROW4(d, s, n);                                    \
		}                                                            \
	} while (0)
#define NARROW4(d, s, n)                                                     \
	do {                                                                 \
		for (i = 0; i < (n); i++)                                    \
			(d)[i] = (s)[i];                                     \
	} while (0)

#define CLAMPV4(v, lo, hi) RT_VCLAMP(rt_v4, rt_i4, v, lo, hi)
#define CLAMPV8(v, lo, hi) RT_VCLAMP(rt_v8, rt_i8, v, lo, hi)
#define CLAMPV16(v, lo, hi) RT_VCLAMP(rt_v16, rt_i16, v, lo, hi)

/* even[i] = s[2i], odd[i] = s[2i+1] for i < n */
#define DEINT(NAME, ATTR, VT, VTU, VW, EVEN, ODD)                            \
static ATTR void                                                             \
NAME(const float *s, float *even, float *odd, long n)                        \
{                                                                            \
	long i = 0;                                                          \
                                                                             \
	for (; i + VW <= n; i += VW) {                                       \
		VT a = *(const VTU *)(s + 2 * i);                            \
		VT b = *(const VTU *)(s + 2 * i + VW);                       \
                                                                             \
		*(VTU *)(even + i) = __builtin_shufflevector(a, b, EVEN);    \
		*(VTU *)(odd + i) = __builtin_shufflevector(a, b, ODD);      \
	}                                                                    \
	for (; i < n; i++) {                                                 \
		even[i] = s[2 * i];                                          \
		odd[i] = s[2 * i + 1];                                       \
	}                                                                    \
}

#if defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define RT_SHUFFLE 1
#endif
#endif

#define EVEN4 0, 2, 4, 6
#define ODD4 1, 3, 5, 7
#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define EVEN16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define ODD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31

typedef struct Isa {
	long vw;	/* floats per vector */
	void (*dw)(const float *, const long *, const float *, long, float,
	    long, const float *, float *);
	void (*deint)(const float *, float *, float *, long);
	void (*copy)(float *, long, const float *, long, long, long);
} Isa;

#if RT_VEC
DWKERN(dwbase, RT_CONTRACT, rt_v4, rt_v4u, 4, CLAMPV4)
COPYROWS(copybase, , rt_v4u, 4, NARROW4)
#else
DWKERN(dwbase, RT_CONTRACT, float, float, 1, RT_SCLAMP)
COPYROWS(copybase, , float, 1, NARROW4)
#endif
#if RT_VEC && RT_SHUFFLE
DEINT(deintbase, , rt_v4, rt_v4u, 4, EVEN4, ODD4)
#else
static void
deintbase(const float *s, float *even, float *odd, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		even[i] = s[2 * i];
		odd[i] = s[2 * i + 1];
	}
}
#endif
#if RT_VEC
static const Isa isabase = {4, dwbase, deintbase, copybase};
#else
static const Isa isabase = {1, dwbase, deintbase, copybase};
#endif

#if RT_X86
DWKERN(dwavx2, RT_CONTRACT RT_AVX2, rt_v8, rt_v8u, 8, CLAMPV8)
DWKERN(dwavx512, RT_CONTRACT RT_AVX512, rt_v16, rt_v16u, 16, CLAMPV16)
COPYROWS(copyavx2, RT_AVX2, rt_v8u, 8, NARROW8)
COPYROWS(copyavx512, RT_AVX512, rt_v16u, 16, NARROW16)
#if RT_SHUFFLE
DEINT(deintavx2, RT_AVX2, rt_v8, rt_v8u, 8, EVEN8, ODD8)
DEINT(deintavx512, RT_AVX512, rt_v16, rt_v16u, 16, EVEN16, ODD16)
#else
#define deintavx2 deintbase
#define deintavx512 deintbase
#endif
static const Isa isaavx2 = {8, dwavx2, deintavx2, copyavx2};
static const Isa isaavx512 = {16, dwavx512, deintavx512, copyavx512};
#endif

static const Isa *
pick(void)
{
#if RT_X86
	switch (rt_isa()) {
	case RT_ISA_AVX512:
		return &isaavx512;
	case RT_ISA_AVX2:
		return &isaavx2;
	}
#endif
	return &isabase;
}

/* ---- stride-phase planes ------------------------------------------------ */

typedef struct Ph {
	long hq, wq;		/* a phase plane */
	long size;		/* floats of one channel's planes */
	long nq;		/* flat outputs: (oh-1)*wq + ow */
	bool direct;		/* the input is its own plane (wq = w) */
	unsigned used;		/* bit ry: some tap reads row phase ry */
} Ph;

static Ph
phgeom(const RtConv *p)
{
	Ph d;
	long hp = (p->oh - 1) * p->sh + (p->kh - 1) * p->dh + 1;
	long wp = (p->ow - 1) * p->sw + (p->kw - 1) * p->dw + 1;
	long ky;

	d.direct = p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
	    wp == p->w && hp <= p->h;
	d.hq = cdiv(hp, p->sh);
	d.wq = cdiv(wp, p->sw);
	d.size = d.direct ? p->h * p->w : p->sh * p->sw * d.hq * d.wq;
	d.nq = (p->oh - 1) * d.wq + p->ow;
	d.used = 0;
	for (ky = 0; ky < p->kh; ky++)
		if (ky * p->dh % p->sh < 32)
			d.used |= 1u << (ky * p->dh % p->sh);
	return d;
}

/* offset of tap t (ky*kw + kx) in a channel's planes */
static long
tapoff(const RtConv *p, const Ph *d, long t)
{
	long a = t / p->kw * p->dh, b = t % p->kw * p->dw;

	return ((a % p->sh) * p->sw + b % p->sw) * d->hq * d->wq +
	    a / p->sh * d->wq + b / p->sw;
}

/* floats of the row buffer planes() needs */
static long
rowbuf(const Ph *d, const RtConv *p)
{
	return p->sw * d->wq + DWBLK;
}

/* Stride 2: padded row columns [lo, hi) are s[0 .. hi-lo); split into
 * the even (d0) and odd (d1) columns, wq each, zero outside [lo, hi). */
static void
split2(const Isa *isa, const float *s, long lo, long hi, long wq, float *d0,
    float *d1, bool zero)
{
	long n = hi - lo, t;
	float *e = lo % 2 ? d1 + lo / 2 : d0 + lo / 2;	/* gets s[0], s[2].. */
	float *o = lo % 2 ? d0 + (lo + 1) / 2 : d1 + lo / 2;

	isa->deint(s, e, o, n / 2);
	if (n % 2)
		e[n / 2] = s[n - 1];
	if (!zero)
		return;
	for (t = 0; t < (lo + 1) / 2; t++)
		d0[t] = 0;
	for (t = 0; t < lo / 2; t++)
		d1[t] = 0;
	for (t = (hi + 1) / 2; t < wq; t++)
		d0[t] = 0;
	for (t = hi / 2; t < wq; t++)
		d1[t] = 0;
}

/* The used phase planes of input plane x (h x w) into buf; row is scratch
 * of rowbuf() floats.  The zeros of the padding sit at the same places for
 * every plane: zero says to write them (else buf and row already hold
 * them from an earlier call with the same geometry). */
static void
planes(const RtConv *p, const Isa *isa, const Ph *d, const float *x,
    float *buf, float *row, bool zero)
{
	long plane = d->hq * d->wq, wp = p->sw * d->wq;
	long ry, rx, yq, lo, hi, y0, y1, j;

	/* padded columns [lo, hi) hold x's row */
	inrange(-p->pl, 1, p->w, wp, &lo, &hi);
	for (ry = 0; ry < p->sh; ry++) {
		if (ry < 32 && !(d->used >> ry & 1))
			continue;
		/* rows yq in [y0, y1) hold x's row yq*sh + ry - pt */
		inrange(ry - p->pt, p->sh, p->h, d->hq, &y0, &y1);
		for (yq = 0; zero && yq < d->hq; yq++) {
			float *dr = buf + ry * p->sw * plane + yq * d->wq;

			for (rx = 0; rx < p->sw; rx++)
				if (yq < y0 || yq >= y1)
					memset(dr + rx * plane, 0,
					    (size_t)d->wq * sizeof *dr);
				else if (p->sw == 1) {
					memset(dr, 0, (size_t)lo * sizeof *dr);
					memset(dr + hi, 0, (size_t)(wp - hi) *
					    sizeof *dr);
				}
		}
		if (p->sw == 1) {
			isa->copy(buf + ry * plane + y0 * d->wq + lo, d->wq,
			    x + (y0 * p->sh + ry - p->pt) * p->w + lo - p->pl,
			    p->sh * p->w, y1 - y0, hi - lo);
			continue;
		}
		for (yq = y0; yq < y1; yq++) {
			long iy = yq * p->sh + ry - p->pt;
			float *dr = buf + ry * p->sw * plane + yq * d->wq;

			if (p->sw == 2) {
				split2(isa, x + iy * p->w + lo - p->pl, lo, hi,
				    d->wq, dr, dr + plane, zero);
				continue;
			}
			/* the padded row, then split by column phase */
			if (zero) {
				memset(row, 0, (size_t)lo * sizeof *row);
				memset(row + hi, 0, (size_t)(wp - hi) *
				    sizeof *row);
			}
			isa->copy(row + lo, 0, x + iy * p->w + lo - p->pl, 0, 1,
			    hi - lo);
			for (rx = 0; rx < p->sw; rx++)
				for (j = 0; j < d->wq; j++)
					dr[rx * plane + j] = row[j * p->sw + rx];
		}
	}
}

/* ---- depthwise ---------------------------------------------------------- */

static size_t
dwwork(const RtConv *p)
{
	Ph d = phgeom(p);

	return lines(p->sh * p->sw * d.hq * d.wq + DWSLACK) + lines(d.nq) +
	    lines(rowbuf(&d, p)) + (size_t)(p->kh * p->kw) * sizeof(long) +
	    64;
}

static void
depthwise(const RtConv *p, const float *x, const float *w, const float *bias,
    float *y, void *work)
{
	const Isa *isa = pick();
	Ph d = phgeom(p);
	long ntap = p->kh * p->kw, mpg = p->m / p->group, nb, g, j, t, oy;
	long np = p->sh * p->sw * d.hq * d.wq;
	char *base = align64(work);
	float *buf = (float *)base;
	float *out = (float *)(base + lines(np + DWSLACK));
	float *row = (float *)((char *)out + lines(d.nq));
	long *off = (long *)((char *)row + lines(rowbuf(&d, p)));
	float clampv[2] = {p->lo, p->hi};
	const float *clamp = p->act ? clampv : NULL;
	/* output rows wide enough for whole vectors are computed straight
	 * into y, row by row; narrow ones as one flat run over the planes'
	 * width, then compacted */
	bool rowwise = d.wq != p->ow && p->ow >= isa->vw;

	for (t = 0; t < ntap; t++)
		off[t] = tapoff(p, &d, t);
	/* the padding, unused phases and the slack: zero once */
	memset(buf, 0, lines(np + DWSLACK));
	for (nb = 0; nb < p->n; nb++)
		for (g = 0; g < p->group; g++) {
			planes(p, isa, &d, x + (nb * p->c + g) * p->h * p->w,
			    buf, row, nb == 0 && g == 0);
			for (j = 0; j < mpg; j++) {
				long co = g * mpg + j;
				float *yc = y + (nb * p->m + co) * p->oh * p->ow;
				const float *wc = w + co * ntap;
				float b0 = bias ? bias[co] : 0;

				if (d.wq == p->ow) {
					isa->dw(buf, off, wc, ntap, b0, d.nq,
					    clamp, yc);
				} else if (rowwise) {
					for (oy = 0; oy < p->oh; oy++)
						isa->dw(buf + oy * d.wq, off, wc,
						    ntap, b0, p->ow, clamp,
						    yc + oy * p->ow);
				} else {
					isa->dw(buf, off, wc, ntap, b0, d.nq,
					    clamp, out);
					isa->copy(yc, p->ow, out, d.wq, p->oh,
					    p->ow);
				}
			}
		}
}

/* ---- convolution -------------------------------------------------------- */

static bool
isdepthwise(const RtConv *p)
{
	return p->c == p->group;
}

/* scratch of the general convolution: planes, row buffer, tap offsets,
 * output buffer, GEMM work (byte offsets from the aligned base) */
typedef struct Layout {
	size_t planes, row, off, out, gemm, size;
} Layout;

static Layout
layout(const RtConv *p, const Ph *d)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long k = cpg * p->kh * p->kw;
	Layout l;

	l.planes = 0;
	l.row = l.planes + (d->direct ? 0 : lines(cpg * d->size));
	l.off = l.row + (d->direct ? 0 : lines(rowbuf(d, p)));
	l.out = l.off + lines(k * (long)(sizeof(ptrdiff_t) / sizeof(float)));
	l.gemm = l.out + (d->wq == p->ow ? 0 : lines(mpg * d->nq));
	l.size = l.gemm + rt_sgemm_work((size_t)mpg, (size_t)d->nq,
	    (size_t)k) + 64;
	return l;
}

size_t
rt_conv2d_work(const RtConv *p)
{
	Ph d = phgeom(p);

	if (isdepthwise(p))
		return dwwork(p);
	return layout(p, &d).size;
}

void
rt_conv2d(const RtConv *p, const float *x, const float *w, const float *bias,
    float *y, void *work)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long k = cpg * p->kh * p->kw, khw = p->kh * p->kw, nb, g, ci, t, co;
	const Isa *isa = pick();
	Ph d = phgeom(p);
	Layout l = layout(p, &d);
	char *base = align64(work);
	float *pl = (float *)(base + l.planes);
	float *row = (float *)(base + l.row);
	ptrdiff_t *off = (ptrdiff_t *)(base + l.off);
	float *out = (float *)(base + l.out);
	float clamp[2] = {p->lo, p->hi};
	RtRows rows;

	if (p->n == 0 || p->m == 0 || p->oh * p->ow == 0)
		return;
	if (isdepthwise(p)) {
		depthwise(p, x, w, bias, y, work);
		return;
	}
	for (ci = 0; ci < cpg; ci++)
		for (t = 0; t < khw; t++)
			off[ci * khw + t] = ci * d.size + tapoff(p, &d, t);
	/* a 1x1 convolution on the input itself: B is rows h*w apart */
	rows.ld = (size_t)d.size;
	rows.off = d.direct && khw == 1 ? NULL : off;
	for (nb = 0; nb < p->n; nb++)
		for (g = 0; g < p->group; g++) {
			const float *xg = x + (nb * p->c + g * cpg) * p->h * p->w;
			const float *bg = bias ? bias + g * mpg : NULL;
			float *yg = y + (nb * p->m + g * mpg) * p->oh * p->ow;
			float *c = d.wq == p->ow ? yg : out;

			if (d.direct) {
				rows.p = xg;
			} else {
				for (ci = 0; ci < cpg; ci++)
					planes(p, isa, &d, xg + ci * p->h * p->w,
					    pl + ci * d.size, row,
					    nb == 0 && g == 0);
				rows.p = pl;
			}
			rt_sgemm_ex((size_t)mpg, (size_t)d.nq, (size_t)k, 1,
			    w + g * mpg * k, (size_t)k, 1, rt_packb_rows,
			    &rows, 0, bg, p->act ? clamp : NULL, c, (size_t)d.nq,
			    base + l.gemm);
			if (c == yg)
				continue;
			for (co = 0; co < mpg; co++)
				isa->copy(yg + co * p->oh * p->ow, p->ow,
				    out + co * d.nq, d.wq, p->oh, p->ow);
		}
}

/* ---- transposed convolution --------------------------------------------- */

size_t
rt_convt2d_work(const RtConv *p)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	size_t rows = (size_t)(mpg * p->kh * p->kw), hw = (size_t)(p->h * p->w);

	return (rows * hw + 16) * sizeof(float) + 64 +
	    rt_sgemm_work(rows, hw, (size_t)cpg);
}

void
rt_convt2d(const RtConv *p, const float *x, const float *w, const float *bias,
    float *y, void *work)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long khw = p->kh * p->kw, rows = mpg * khw, hw = p->h * p->w;
	long nb, g, co, r, iy, ix, lo, hi, t;
	float *col = align64(work);
	void *gw = col + ((size_t)(rows * hw) + 16) / 16 * 16;

	if (p->n == 0 || p->m == 0 || p->oh * p->ow == 0)
		return;
	for (nb = 0; nb < p->n; nb++)
		for (g = 0; g < p->group; g++) {
			const float *xg = x + (nb * p->c + g * cpg) * hw;
			const float *wg = w + g * cpg * rows;

			rt_sgemm(true, false, (size_t)rows, (size_t)hw,
			    (size_t)cpg, 1, wg, (size_t)rows, xg, (size_t)hw,
			    0, col, (size_t)hw, gw);
			for (co = 0; co < mpg; co++) {
				long m = g * mpg + co;
				float *ym = y + (nb * p->m + m) * p->oh * p->ow;
				float b0 = bias ? bias[m] : 0;

				for (t = 0; t < p->oh * p->ow; t++)
					ym[t] = b0;
				for (r = 0; r < khw; r++) {
					const float *cr = col + (co * khw + r) * hw;
					long offy = r / p->kw * p->dh - p->pt;
					long offx = r % p->kw * p->dw - p->pl;

					inrange(offx, p->sw, p->ow, p->w, &lo,
					    &hi);
					/* ix*sw + offx in [0, ow) for ix in
					 * [lo, hi) */
					for (iy = 0; iy < p->h; iy++) {
						long oy = iy * p->sh + offy;
						long o = oy * p->ow + offx;

						if (oy < 0 || oy >= p->oh)
							continue;
						for (ix = lo; ix < hi; ix++)
							ym[o + ix * p->sw] +=
							    cr[iy * p->w + ix];
					}
				}
			}
		}
}

/* ---- 3-D, direct -------------------------------------------------------- */

static long
prod3(const long *v)
{
	return v[0] * v[1] * v[2];
}

/* the input index of output o and tap t along every axis, -1 outside */
static long
tap3(const RtConv3 *p, long o, long t)
{
	long i[3], j, r = 0;

	for (j = 2; j >= 0; j--) {
		i[j] = o % p->out[j] * p->s[j] - p->pb[j] + t % p->k[j] * p->d[j];
		if (i[j] < 0 || i[j] >= p->in[j])
			return -1;
		o /= p->out[j];
		t /= p->k[j];
	}
	for (j = 0; j < 3; j++)
		r = r * p->in[j] + i[j];
	return r;
}

void
rt_conv3d(const RtConv3 *p, const float *x, const float *w, const float *bias,
    float *y)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long ni = prod3(p->in), no = prod3(p->out), nk = prod3(p->k);
	long n, m, o, c, t, i;

	for (n = 0; n < p->n; n++)
		for (m = 0; m < p->m; m++)
			for (o = 0; o < no; o++) {
				const float *xg = x + (n * p->c + m / mpg * cpg) * ni;
				float s = bias ? bias[m] : 0;

				for (c = 0; c < cpg; c++)
					for (t = 0; t < nk; t++)
						if ((i = tap3(p, o, t)) >= 0)
							s += xg[c * ni + i] *
							    w[(m * cpg + c) * nk + t];
				y[(n * p->m + m) * no + o] = s;
			}
}

/* the output index input i and tap t write, -1 outside */
static long
tapt3(const RtConv3 *p, long i, long t)
{
	long o[3], j, r = 0;

	for (j = 2; j >= 0; j--) {
		o[j] = i % p->in[j] * p->s[j] - p->pb[j] + t % p->k[j] * p->d[j];
		if (o[j] < 0 || o[j] >= p->out[j])
			return -1;
		i /= p->in[j];
		t /= p->k[j];
	}
	for (j = 0; j < 3; j++)
		r = r * p->out[j] + o[j];
	return r;
}

void
rt_convt3d(const RtConv3 *p, const float *x, const float *w, const float *bias,
    float *y)
{
	long cpg = p->c / p->group, mpg = p->m / p->group;
	long ni = prod3(p->in), no = prod3(p->out), nk = prod3(p->k);
	long n, c, j, i, t, k;

	for (k = 0; k < p->n * p->m * no; k++)
		y[k] = bias ? bias[k / no % p->m] : 0;
	/* y[o] += x[i] * w[tap] where i is the input tap t of o reads: the
	 * transpose of rt_conv3d's access pattern */
	for (n = 0; n < p->n; n++)
		for (c = 0; c < p->c; c++)
			for (j = 0; j < mpg; j++) {
				long m = c / cpg * mpg + j;
				float *ym = y + (n * p->m + m) * no;
				const float *xc = x + (n * p->c + c) * ni;
				const float *wc = w + (c * mpg + j) * nk;

				for (i = 0; i < ni; i++)
					for (t = 0; t < nk; t++) {
						long o = tapt3(p, i, t);

						if (o >= 0)
							ym[o] += xc[i] * wc[t];
					}
			}
}
