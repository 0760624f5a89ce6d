/*
 * qparams.c — scales, zero points, quantized weights and biases, and the
 * systolic requantization (see qparams.h; doc/quantization.md gives every
 * formula with the seed reference's section).
 *
 * The arithmetic mirrors the seed's Python/NumPy line by line: Python floats
 * are C doubles, np.float32 values and operations are C floats (assigned to
 * float variables, so no excess precision survives), Python round() and
 * np.round() are nearbyint() under the default rounding mode (ties to even).
 * What the seed leaves undefined (NaN, overflow, uint8 wrap-around) is
 * defined here (saturation, refusal); doc/quantization.md section 6
 * lists each case.
 */
#include <math.h>
#include <stdint.h>

#include "../ir/util.h"
#include "qparams.h"

/* Python's math.isclose(a, b, rel_tol=1e-9, abs_tol=abstol) */
static bool
isclose(double a, double b, double abstol)
{
	double rel = 1e-9 * fmax(fabs(a), fabs(b));

	return a == b || fabs(a - b) <= fmax(rel, abstol);
}

/* The int8 scale of a range already extended to contain 0 (§2.3, §3.3):
 * m = max(|rmin|, |rmax|); 1 if m <= 1e-8, else m / 127 in double.  The
 * seed writes np.float32(m) / 127 for activations and (2 m) / 254 for
 * weights: 2 m is exact, so both are the double nearest m / 127, and one
 * division of floats rounded to double then to float is the float nearest
 * m / 127 (53 >= 2 * 24 + 2), so float32 division would agree too. */
static double
scale_i8(double rmin, double rmax)
{
	double m = fmax(fabs(rmin), fabs(rmax));

	return isclose(m, 0, 1e-8) ? 1.0 : (2 * m) / 254;
}

/* The uint8 scale (§2.3, §3.3): (rmax - rmin) / 255, difference and
 * quotient in double (Python floats), or 1 if the width is <= 1e-8. */
static double
scale_u8(double rmin, double rmax)
{
	return isclose(rmin, rmax, 1e-8) ? 1.0 : (rmax - rmin) / 255;
}

bool
qp_range(QMode mode, float lo, float hi, float *scale, int32_t *zero)
{
	double rmin, rmax;
	float s;

	if (!isfinite(lo) || !isfinite(hi))
		return false;
	rmin = lo < 0 ? lo : 0;
	rmax = hi > 0 ? hi : 0;
	if (mode == Qi8) {
		*scale = (float)scale_i8(rmin, rmax);
		*zero = 0;
		return true;
	}
	s = (float)scale_u8(rmin, rmax);
	*scale = s;
	*zero = qp_zeropoint((float)rmin, s);
	return true;
}

int32_t
qp_zeropoint(float lo, float scale)
{
	double v;

	if (!(scale > 0) || !isfinite(scale))
		die("zero point for scale %g", scale);
	/* np.uint8(round(max(0, min(255, (0 - rmin) / scale)))): the float32
	 * scale meets a Python float, so the quotient is a double */
	v = (0.0 - lo) / (double)scale;
	if (!(v > 0))
		return 0;
	if (v >= 255)
		return 255;
	return (int32_t)nearbyint(v);
}

int32_t
qp_quantize(QMode mode, float x, float scale, int32_t zero)
{
	int32_t qmin = mode == Qi8 ? -128 : 0, qmax = mode == Qi8 ? 127 : 255;
	float v;

	v = x / scale;
	if (isnan(v))
		return qmin;
	if (v <= (float)(qmin - zero))
		return qmin;
	if (v >= (float)(qmax - zero))
		return qmax;
	return (int32_t)nearbyintf(v) + zero;
}

float
qp_dequantize(int32_t q, float scale, int32_t zero)
{
	return (float)(q - zero) * scale;
}

bool
qp_weight(QMode mode, const float *w, const int64_t *dim, int rank,
    int axis, float *scale, int32_t *zero, void *q)
{
	int64_t outer = 1, n = 1, inner = 1, o, c, i, k;
	int d;
	int8_t *q8 = q;
	uint8_t *qu8 = q;

	if (axis >= rank)
		die("weight axis %d of rank %d", axis, rank);
	for (d = 0; d < rank; d++) {
		if (axis < 0 || d > axis)
			inner *= dim[d];
		else if (d < axis)
			outer *= dim[d];
		else
			n = dim[d];
	}
	for (c = 0; c < n; c++) {
		double rmin = 0, rmax = 0, sd, zd, v;

		for (o = 0; o < outer; o++)
			for (i = 0; i < inner; i++) {
				k = (o * n + c) * inner + i;
				if (!isfinite(w[k]))
					return false;
				if (w[k] < rmin)	/* finite: as fmin/fmax */
					rmin = w[k];
				if (w[k] > rmax)
					rmax = w[k];
			}
		if (mode == Qi8) {
			sd = scale_i8(rmin, rmax);
			zd = 0;
		} else {
			sd = scale_u8(rmin, rmax);
			/* Python round((0 - rmin) / scale): <= 255 since
			 * -rmin <= rmax - rmin; no clamp in the seed */
			zd = fmin(nearbyint((0 - rmin) / sd), 255);
		}
		scale[c] = (float)sd;
		zero[c] = (int32_t)zd;
		/* q = rne(w / scale_d) (+ zp) with the double scale, not the
		 * stored float one (§3.3); saturated (the seed stores without
		 * clipping: int8 never needs it, uint8 can reach 256) */
		for (o = 0; o < outer; o++)
			for (i = 0; i < inner; i++) {
				k = (o * n + c) * inner + i;
				v = nearbyint(w[k] / sd) + zd;
				if (mode == Qi8)
					q8[k] = (int8_t)fmax(-127,
					    fmin(v, 127));
				else
					qu8[k] = (uint8_t)fmax(0, fmin(v, 255));
			}
	}
	return true;
}

int64_t
qp_bias(const float *b, int64_t n, float sx, const float *sw, int64_t nsw,
    int32_t *q)
{
	int64_t i, nsat = 0;
	float bs, v;

	if (nsw < 1 || n % nsw != 0)
		die("bias of %lld elements, %lld weight scales",
		    (long long)n, (long long)nsw);
	for (i = 0; i < n; i++)
		if (!isfinite(b[i]))
			return -1;
	for (i = 0; i < n; i++) {
		bs = sx * sw[i % nsw];		/* float32 product */
		v = b[i] / bs;			/* float32 quotient */
		if (isnan(v)) {			/* 0 / 0: a zero scale */
			q[i] = 0;
			nsat++;
		} else if (v >= 2147483648.0f) {
			q[i] = INT32_MAX;
			nsat++;
		} else if (v < -2147483648.0f) {
			q[i] = INT32_MIN;
			nsat++;
		} else {
			q[i] = (int32_t)nearbyintf(v);
		}
	}
	return nsat;
}

float
qp_multiplier(float sx, float sw, float sy)
{
	float p = sx * sw;

	return p / sy;
}

/* Gemmini's ROUND_NEAR_EVEN(x) for a float x, step by step: i = trunc(x);
 * next = trunc(x +- 1) with x +- 1 formed in float (the quirk); |x - i|
 * below 0.5 gives i, above gives next, a tie the even one of the two.
 * |x| < 129 here, so the conversions to long long are defined. */
static long long
gemmini_round(float x)
{
	long long i = (long long)x, next;
	float nx = x < 0 ? x - 1.0f : x + 1.0f;
	float rem = x - (float)i;

	next = (long long)nx;
	if (rem < 0)
		rem = -rem;
	if (rem < 0.5f)
		return i;
	if (rem > 0.5f)
		return next;
	return i % 2 == 0 ? i : next;
}

int8_t
qp_requant(int32_t acc, float m, bool relu, QRound r)
{
	float a = (float)acc;		/* int32 -> float32, rne */
	float p = a * m;		/* float32 multiply */
	long long y;

	if (isnan(p))
		y = -128;
	else if (p >= 128.0f)		/* both roundings give >= 128 */
		y = 127;
	else if (p <= -129.0f)		/* both give <= -129 */
		y = -128;
	else
		y = r == QRgemmini ? gemmini_round(p)
		    : (long long)nearbyintf(p);
	if (y > 127)
		y = 127;
	if (y < -128)
		y = -128;
	if (relu && y < 0)		/* after saturation (§5.3 step 5) */
		y = 0;
	return (int8_t)y;
}
