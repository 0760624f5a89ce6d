/*
 * eltwise.c — elementwise kernels (contract in eltwise.h).
 *
 * Broadcasting: the operands' strides (0 along a broadcast dimension) are
 * laid over the result's dims, size-1 dims dropped and adjacent dims merged
 * wherever every operand stays linear across them.  What remains is an outer
 * odometer and an inner run whose operand strides are 0 or 1, so a same-shape
 * op is one contiguous loop and a per-channel bias over NCHW is a loop over
 * H*W with a scalar operand.  The inner loops are generated per type and
 * operator by KERN and specialised for each stride combination, which the
 * compiler vectorises.
 */
#include <math.h>
#include <string.h>

#include "eltwise.h"

enum { MAXR = 8 };

bool
rt_broadcast_shape(const int64_t *adim, int arank, const int64_t *bdim,
    int brank, int64_t *cdim, int *crank)
{
	int r, i;
	int64_t da, db;

	r = arank > brank ? arank : brank;
	if (r > MAXR)
		return false;
	for (i = 0; i < r; i++) {
		da = i < r - arank ? 1 : adim[i - (r - arank)];
		db = i < r - brank ? 1 : bdim[i - (r - brank)];
		if (da == db || db == 1)
			cdim[i] = da;
		else if (da == 1)
			cdim[i] = db;
		else
			return false;
	}
	*crank = r;
	return true;
}

/* Collapse the broadcast of a and b onto c's dims: n[], sa[], sb[] (element
 * strides, 0 where broadcast); returns the number of dims (>= 1). */
static int
plan(const int64_t *adim, int arank, const int64_t *bdim, int brank,
    const int64_t *cdim, int r, int64_t *n, int64_t *sa, int64_t *sb)
{
	int64_t da[MAXR], db[MAXR], ta[MAXR], tb[MAXR], ra, rb;
	int i, k;

	for (i = 0; i < r; i++) {
		da[i] = i < r - arank ? 1 : adim[i - (r - arank)];
		db[i] = i < r - brank ? 1 : bdim[i - (r - brank)];
	}
	ra = rb = 1;
	for (i = r - 1; i >= 0; i--) {
		ta[i] = da[i] == 1 ? 0 : ra;
		tb[i] = db[i] == 1 ? 0 : rb;
		ra *= da[i];
		rb *= db[i];
	}
	k = 0;
	for (i = 0; i < r; i++) {
		if (cdim[i] == 1)
			continue;
		if (k > 0 && sa[k - 1] == ta[i] * cdim[i]
		    && sb[k - 1] == tb[i] * cdim[i]) {
			n[k - 1] *= cdim[i];
			sa[k - 1] = ta[i];
			sb[k - 1] = tb[i];
			continue;
		}
		n[k] = cdim[i];
		sa[k] = ta[i];
		sb[k] = tb[i];
		k++;
	}
	if (k == 0) {
		n[0] = 1;
		sa[0] = sb[0] = 0;
		k = 1;
	}
	return k;
}

typedef void Kern(const void *a, int sa, const void *b, int sb, void *c,
    size_t n);

#define KERN(name, T, EXPR)                                                  \
static void                                                                  \
name(const void *va, int sa, const void *vb, int sb, void *vc, size_t n)     \
{                                                                            \
	const T *a = va, *b = vb;                                            \
	T *c = vc, x, y;                                                     \
	size_t i;                                                            \
                                                                             \
	if (sa && sb) {                                                      \
		for (i = 0; i < n; i++) {                                    \
			x = a[i];                                            \
			y = b[i];                                            \
			c[i] = (EXPR);                                       \
		}                                                            \
	} else if (sa) {                                                     \
		y = b[0];                                                    \
		for (i = 0; i < n; i++) {                                    \
			x = a[i];                                            \
			c[i] = (EXPR);                                       \
		}                                                            \
	} else if (sb) {                                                     \
		x = a[0];                                                    \
		for (i = 0; i < n; i++) {                                    \
			y = b[i];                                            \
			c[i] = (EXPR);                                       \
		}                                                            \
	} else {                                                             \
		x = a[0];                                                    \
		y = b[0];                                                    \
		for (i = 0; i < n; i++)                                      \
			c[i] = (EXPR);                                       \
	}                                                                    \
}

#define FLOATOPS(sfx, T)                                                     \
KERN(add_##sfx, T, x + y)                                                    \
KERN(sub_##sfx, T, x - y)                                                    \
KERN(mul_##sfx, T, x * y)                                                    \
KERN(div_##sfx, T, x / y)

/* integer ops wrap (computed in the unsigned type U); x/0 = 0 and
 * MIN/-1 = MIN instead of trapping */
#define INTOPS(sfx, T, U, MIN)                                               \
static inline T                                                              \
idiv_##sfx(T x, T y)                                                         \
{                                                                            \
	if (y == 0)                                                          \
		return 0;                                                    \
	if (MIN != 0 && x == (T)(MIN) && y == (T)-1)                         \
		return x;                                                    \
	return (T)(x / y);                                                   \
}                                                                            \
KERN(add_##sfx, T, (T)((U)x + (U)y))                                         \
KERN(sub_##sfx, T, (T)((U)x - (U)y))                                         \
KERN(mul_##sfx, T, (T)((U)x * (U)y))                                         \
KERN(div_##sfx, T, idiv_##sfx(x, y))

FLOATOPS(f32, float)
FLOATOPS(f64, double)
INTOPS(i8, int8_t, unsigned, INT8_MIN)
INTOPS(u8, uint8_t, unsigned, 0)
INTOPS(i16, int16_t, unsigned, INT16_MIN)
INTOPS(u16, uint16_t, unsigned, 0)
INTOPS(i32, int32_t, uint32_t, INT32_MIN)
INTOPS(u32, uint32_t, uint32_t, 0)
INTOPS(i64, int64_t, uint64_t, INT64_MIN)
INTOPS(u64, uint64_t, uint64_t, 0)

#define ROW(s) { add_##s, sub_##s, mul_##s, div_##s }

static Kern *
kernel(RtBinop op, RtType dt)
{
	static Kern *const tab[][4] = {
		ROW(f32), ROW(f64), ROW(i8), ROW(u8), ROW(i16), ROW(u16),
		ROW(i32), ROW(u32), ROW(i64), ROW(u64),
	};
	int row;

	switch (dt) {
	case RT_F32: row = 0; break;
	case RT_F64: row = 1; break;
	case RT_I8: row = 2; break;
	case RT_U8: row = 3; break;
	case RT_I16: row = 4; break;
	case RT_U16: row = 5; break;
	case RT_I32: row = 6; break;
	case RT_U32: row = 7; break;
	case RT_I64: row = 8; break;
	case RT_U64: row = 9; break;
	default: return NULL;
	}
	return tab[row][op];
}

static size_t
esize(RtType dt)
{
	switch (dt) {
	case RT_U8: case RT_I8: case RT_BOOL: return 1;
	case RT_U16: case RT_I16: case RT_F16: case RT_BF16: return 2;
	case RT_F32: case RT_I32: case RT_U32: return 4;
	case RT_F64: case RT_I64: case RT_U64: return 8;
	}
	return 0;
}

/* one element of a numeric type as a double (pow's generic path) */
static double
load(RtType dt, const void *p, size_t i)
{
	switch (dt) {
	case RT_F32: return ((const float *)p)[i];
	case RT_F64: return ((const double *)p)[i];
	case RT_I8: return ((const int8_t *)p)[i];
	case RT_U8: return ((const uint8_t *)p)[i];
	case RT_I16: return ((const int16_t *)p)[i];
	case RT_U16: return ((const uint16_t *)p)[i];
	case RT_I32: return ((const int32_t *)p)[i];
	case RT_U32: return ((const uint32_t *)p)[i];
	case RT_I64: return (double)((const int64_t *)p)[i];
	case RT_U64: return (double)((const uint64_t *)p)[i];
	default: return 0;
	}
}

/* pow over one inner run: base of dtype dt, exponent of dtype bdt */
static void
powrun(RtType dt, RtType bdt, const void *a, int sa, const void *b, int sb,
    void *c, size_t n)
{
	size_t i;
	double v;

	if (dt == RT_F32 && bdt == RT_F32) {
		const float *fa = a, *fb = b;
		float *fc = c;

		for (i = 0; i < n; i++)
			fc[i] = powf(fa[sa ? i : 0], fb[sb ? i : 0]);
		return;
	}
	for (i = 0; i < n; i++) {
		v = pow(load(dt, a, sa ? i : 0), load(bdt, b, sb ? i : 0));
		switch (dt) {
		case RT_F32: ((float *)c)[i] = (float)v; break;
		case RT_F64: ((double *)c)[i] = v; break;
		case RT_I32:
			((int32_t *)c)[i] = isnan(v) ? 0 : v >= 2147483647.0
			    ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN
			    : (int32_t)v;
			break;
		case RT_I64:
			((int64_t *)c)[i] = isnan(v) ? 0 : v >= 9.2233720368547758e18
			    ? INT64_MAX : v <= -9.2233720368547758e18 ? INT64_MIN
			    : (int64_t)v;
			break;
		default:
			break;
		}
	}
}

bool
rt_binary(RtBinop op, RtType dt, const void *a, const int64_t *adim,
    int arank, const void *b, RtType bdt, const int64_t *bdim, int brank,
    void *c, const int64_t *cdim, int crank)
{
	int64_t n[MAXR], sa[MAXR], sb[MAXR], idx[MAXR], oa, ob, inner;
	size_t ea, eb, ec, oc;
	Kern *k = NULL;
	int r, d, isa, isb;

	if (crank > MAXR)
		return false;
	if (op == RT_POW) {
		if (dt != RT_F32 && dt != RT_F64 && dt != RT_I32 && dt != RT_I64)
			return false;
		if (esize(bdt) == 0 || bdt == RT_BOOL || bdt == RT_F16
		    || bdt == RT_BF16)
			return false;
	} else {
		if (bdt != dt || !(k = kernel(op, dt)))
			return false;
	}
	ea = ec = esize(dt);
	eb = esize(bdt);
	for (d = 0; d < crank; d++)
		if (cdim[d] == 0)
			return true;
	r = plan(adim, arank, bdim, brank, cdim, crank, n, sa, sb);
	inner = n[r - 1];
	isa = sa[r - 1] != 0;
	isb = sb[r - 1] != 0;
	memset(idx, 0, sizeof idx);
	oa = ob = 0;
	oc = 0;
	for (;;) {
		const char *pa = (const char *)a + (size_t)oa * ea;
		const char *pb = (const char *)b + (size_t)ob * eb;
		char *pc = (char *)c + oc * ec;

		if (k)
			k(pa, isa, pb, isb, pc, (size_t)inner);
		else
			powrun(dt, bdt, pa, isa, pb, isb, pc, (size_t)inner);
		oc += (size_t)inner;
		for (d = r - 2; d >= 0; d--) {
			oa += sa[d];
			ob += sb[d];
			if (++idx[d] < n[d])
				break;
			oa -= sa[d] * n[d];
			ob -= sb[d] * n[d];
			idx[d] = 0;
		}
		if (d < 0)
			break;
	}
	return true;
}

void
rt_relu_f32(const float *x, float *y, size_t n)
{
	size_t i;
	float v;

	for (i = 0; i < n; i++) {
		v = x[i];
		y[i] = v < 0 ? 0 : v;
	}
}

void
rt_leaky_relu_f32(const float *x, float *y, size_t n, float alpha)
{
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = x[i] >= 0 ? x[i] : alpha * x[i];
}

void
rt_sigmoid_f32(const float *x, float *y, size_t n)
{
	size_t i;
	float e;

	for (i = 0; i < n; i++) {
		if (x[i] >= 0) {
			y[i] = 1 / (1 + expf(-x[i]));
		} else {
			e = expf(x[i]);
			y[i] = e / (1 + e);
		}
	}
}

void
rt_hard_sigmoid_f32(const float *x, float *y, size_t n, float alpha,
    float beta)
{
	size_t i;
	float v;

	for (i = 0; i < n; i++) {
		v = alpha * x[i] + beta;
		v = v < 0 ? 0 : v;
		y[i] = v > 1 ? 1 : v;
	}
}

void
rt_hard_swish_f32(const float *x, float *y, size_t n)
{
	size_t i;
	float v;

	for (i = 0; i < n; i++) {
		v = x[i] / 6 + 0.5f;
		v = v < 0 ? 0 : v;
		v = v > 1 ? 1 : v;
		y[i] = x[i] * v;
	}
}

void
rt_tanh_f32(const float *x, float *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = tanhf(x[i]);
}

void
rt_sqrt_f32(const float *x, float *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = sqrtf(x[i]);
}

/* a double bound taken into [lo, hi] of an integer type */
static double
bound(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

#define CLIP(T, LO, HI)                                                      \
	do {                                                                 \
		const T *px = x;                                             \
		T *py = y, l = (T)bound(lo, LO, HI), h = (T)bound(hi, LO, HI), v; \
		for (i = 0; i < n; i++) {                                    \
			v = px[i] < l ? l : px[i];                           \
			py[i] = v > h ? h : v;                               \
		}                                                            \
	} while (0)

bool
rt_clip(RtType dt, const void *x, void *y, size_t n, double lo, double hi)
{
	size_t i;

	switch (dt) {
	case RT_F32: {
		const float *px = x;
		float *py = y, l = (float)lo, h = (float)hi, v;

		for (i = 0; i < n; i++) {
			v = px[i] < l ? l : px[i];
			py[i] = v > h ? h : v;
		}
		return true;
	}
	case RT_F64: CLIP(double, -INFINITY, INFINITY); return true;
	case RT_I8: CLIP(int8_t, INT8_MIN, INT8_MAX); return true;
	case RT_U8: CLIP(uint8_t, 0, UINT8_MAX); return true;
	case RT_I16: CLIP(int16_t, INT16_MIN, INT16_MAX); return true;
	case RT_U16: CLIP(uint16_t, 0, UINT16_MAX); return true;
	case RT_I32: CLIP(int32_t, INT32_MIN, INT32_MAX); return true;
	case RT_U32: CLIP(uint32_t, 0, UINT32_MAX); return true;
	/* the largest doubles below 2^63 and 2^64 */
	case RT_I64: CLIP(int64_t, -9223372036854775808.0,
	    9223372036854774784.0); return true;
	case RT_U64: CLIP(uint64_t, 0, 18446744073709549568.0); return true;
	default: return false;
	}
}

static bool
qrange(RtType qdt, float *lo, float *hi)
{
	switch (qdt) {
	case RT_U8: *lo = 0; *hi = 255; return true;
	case RT_I8: *lo = -128; *hi = 127; return true;
	case RT_U16: *lo = 0; *hi = 65535; return true;
	case RT_I16: *lo = -32768; *hi = 32767; return true;
	default: return false;
	}
}

bool
rt_quantize_f32(const float *x, size_t outer, size_t n, size_t inner,
    const float *scale, const void *zero, RtType qdt, void *y)
{
	size_t o, c, i, p;
	float lo, hi, s, z, v;

	if (!qrange(qdt, &lo, &hi))
		return false;
	p = 0;
	for (o = 0; o < outer; o++)
		for (c = 0; c < n; c++) {
			s = scale[c];
			z = zero ? (float)load(qdt, zero, c) : 0;
			for (i = 0; i < inner; i++, p++) {
				/* rintf rounds half to even in the default
				 * rounding mode; NaN saturates to lo */
				v = rintf(x[p] / s) + z;
				v = v > hi ? hi : v;
				v = v >= lo ? v : lo;
				switch (qdt) {
				case RT_U8: ((uint8_t *)y)[p] = (uint8_t)v; break;
				case RT_I8: ((int8_t *)y)[p] = (int8_t)v; break;
				case RT_U16: ((uint16_t *)y)[p] = (uint16_t)v; break;
				default: ((int16_t *)y)[p] = (int16_t)v; break;
				}
			}
		}
	return true;
}

bool
rt_dequantize_f32(const void *x, RtType qdt, size_t outer, size_t n,
    size_t inner, const float *scale, const void *zero, float *y)
{
	size_t o, c, i, p;
	int64_t z;
	float s;

	switch (qdt) {
	case RT_U8: case RT_I8: case RT_U16: case RT_I16: case RT_I32:
		break;
	default:
		return false;
	}
	p = 0;
	for (o = 0; o < outer; o++)
		for (c = 0; c < n; c++) {
			s = scale[c];
			z = zero ? (int64_t)load(qdt, zero, c) : 0;
			for (i = 0; i < inner; i++, p++)
				y[p] = (float)((int64_t)load(qdt, x, p) - z) * s;
		}
	return true;
}
