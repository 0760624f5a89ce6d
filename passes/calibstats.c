/*
 * calibstats.c — per-tensor calibration statistics and range selection
 * (see calibstats.h; the methods are specified in doc/calibration.md).
 *
 * Everything here is a pure function of its arguments.  Statistics use
 * integer counts on a power-of-two grid, so merging is exact; the range
 * methods use doubles but read only those integers, so their result is a
 * function of the statistics alone (never of how they were gathered).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibstats.h"

void
calibstats_init(CalibStats *s)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	s->wexp = CALIB_EMIN;
}

int
calib_gridexp(float amax)
{
	int ex, e;

	if (!(amax > 0))
		return CALIB_EMIN;
	/* amax = f * 2^ex with f in [0.5, 1): amax < 2^ex <= NBINS * 2^e
	 * iff e >= ex - LOG2NBINS, and e = ex - LOG2NBINS - 1 gives
	 * NBINS * 2^e = 2^(ex-1) <= amax */
	frexpf(amax, &ex);
	e = ex - CALIB_LOG2NBINS;
	return e < CALIB_EMIN ? CALIB_EMIN : e;
}

void
calibstats_regrid(CalibStats *s, int wexp)
{
	int d = wexp - s->wexp, k, j;

	if (d < 0)
		die("calibstats_regrid: %d is finer than %d", wexp, s->wexp);
	if (d == 0)
		return;
	/* bin k goes to k >> d; every destination j < k was emptied when
	 * the loop passed it, and receives only from bins above it */
	for (k = 1; k < CALIB_NBINS; k++) {
		if (!s->hist[k])
			continue;
		j = d >= CALIB_LOG2NBINS ? 0 : k >> d;
		s->hist[j] += s->hist[k];
		s->hist[k] = 0;
	}
	s->wexp = wexp;
}

/*
 * One pass: min, max, zeros and the bins.  A magnitude beyond the current
 * grid (lim = NBINS * 2^wexp) coarsens the histogram first, which is exact
 * (see calibstats.h), so binning on the grid of the running maximum gives
 * the same counts as binning on the final grid.  NaN and Inf fail a < lim
 * too and are counted apart.
 */
void
calibstats_add(CalibStats *s, const float *x, size_t n)
{
	float mn = INFINITY, mx = -INFINITY, lim, v, a;
	uint64_t nf = 0, nz = 0, *h = s->hist;
	double sc;
	size_t i;

	lim = ldexpf(1, CALIB_LOG2NBINS + s->wexp);
	sc = ldexp(1.0, -s->wexp);
	for (i = 0; i < n; i++) {
		v = x[i];
		a = fabsf(v);
		if (!(a < lim)) {
			if (!(a <= FLT_MAX)) {
				nf++;
				continue;
			}
			calibstats_regrid(s, calib_gridexp(a));
			lim = ldexpf(1, CALIB_LOG2NBINS + s->wexp);
			sc = ldexp(1.0, -s->wexp);
		}
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		nz += v == 0;
		/* |x| * 2^-wexp is exact in double (a power-of-two scaling
		 * that neither overflows nor underflows), so the truncation
		 * is the exact floor, below NBINS because |x| < lim */
		h[(uint32_t)((double)a * sc)]++;
	}
	s->nonfinite += nf;
	if (n == nf)
		return;
	/* -0 and +0 compare equal: record +0 so the result is order-free */
	if (mn == 0)
		mn = 0;
	if (mx == 0)
		mx = 0;
	if (mn < s->min)
		s->min = mn;
	if (mx > s->max)
		s->max = mx;
	s->count += n - nf;
	s->zeros += nz;
}

void
calibstats_merge(CalibStats *dst, const CalibStats *src)
{
	int e, d, k;

	dst->nonfinite += src->nonfinite;
	if (src->count == 0)
		return;
	e = src->wexp > dst->wexp ? src->wexp : dst->wexp;
	calibstats_regrid(dst, e);
	d = e - src->wexp;
	for (k = 0; k < CALIB_NBINS; k++)
		if (src->hist[k])
			dst->hist[d >= CALIB_LOG2NBINS ? 0 : k >> d] += src->hist[k];
	dst->count += src->count;
	dst->zeros += src->zeros;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

int
calib_histtop(const CalibStats *s)
{
	int nb = CALIB_NBINS;

	while (nb > 0 && !s->hist[nb - 1])
		nb--;
	return nb;
}

bool
calib_parsemethod(const char *s, CalibMethod *m)
{
	char *end;

	m->pct = 0;
	if (strcmp(s, "minmax") == 0)
		m->kind = CMminmax;
	else if (strcmp(s, "entropy") == 0)
		m->kind = CMentropy;
	else if (strcmp(s, "mse") == 0)
		m->kind = CMmse;
	else if (strcmp(s, "percentile") == 0) {
		m->kind = CMpercentile;
		m->pct = 99.99;
	} else if (strncmp(s, "percentile:", 11) == 0) {
		m->kind = CMpercentile;
		if (!s[11])
			return false;
		m->pct = strtod(s + 11, &end);
		if (*end || !(m->pct > 0 && m->pct <= 100))
			return false;
	} else
		return false;
	return true;
}

/* ---- threshold searches (bin units) ------------------------------------- */

double
calib_percentile_bins(const uint64_t *h, int nb, double p)
{
	double target, below = 0;
	uint64_t total = 0, cum = 0;
	int i;

	for (i = 0; i < nb; i++)
		total += h[i];
	if (total == 0)
		return 0;
	target = p / 100 * (double)total;
	/* the first bin whose upper edge has at least target values below
	 * it; interpolate linearly inside that bin */
	for (i = 0; i < nb; i++) {
		below = (double)cum;
		cum += h[i];
		if ((double)cum >= target)
			break;
	}
	if (i == nb)
		return nb;
	return i + (target - below) / (double)h[i];
}

static double
xlogx(double x)
{
	return x > 0 ? x * log(x) : 0;
}

/*
 * KL(P || Q) of candidate i, from prefix sums (doc/calibration.md §4.3):
 *   P = h[0..i) with every count at or above i added to P[i-1];
 *   Q = h[0..i) merged into 128 groups, [g*i/128, (g+1)*i/128), each
 *       group's sum spread evenly over the bins where P is non-zero.
 * With N = sum P, SQ = sum Q = C[i], T_g = P's mass in group g and
 * q_g = S_g / n_g the value of Q there,
 *   KL = (sum P ln P)/N - ln N - (sum_g T_g ln q_g)/N + ln SQ.
 * Infinite when some group has P mass but no Q mass.
 */
static double
klcandidate(const double *C, const double *L, const int *Z, const uint64_t *h,
    double N, int i)
{
	double out, plast, sumplogp, term = 0, S, T;
	int g, a, b, nz;

	if (C[i] == 0)
		return INFINITY;
	out = N - C[i];
	plast = (double)h[i - 1] + out;
	sumplogp = L[i - 1] + xlogx(plast);
	for (g = 0; g < CALIB_ELEVELS; g++) {
		a = (int)((int64_t)g * i / CALIB_ELEVELS);
		b = (int)((int64_t)(g + 1) * i / CALIB_ELEVELS);
		S = C[b] - C[a];
		nz = Z[b] - Z[a];
		T = S;
		if (g == CALIB_ELEVELS - 1) {	/* holds bin i-1 */
			T += out;
			nz += (plast > 0) - (h[i - 1] > 0);
		}
		if (T == 0)
			continue;
		if (S == 0)
			return INFINITY;
		term += T * log(S / nz);
	}
	return sumplogp / N - log(N) - term / N + log(C[i]);
}

int
calib_entropy_bins(const uint64_t *h, int nb)
{
	double *C, *L, N, kl, best = INFINITY;
	int *Z, i, besti = nb;

	if (nb <= CALIB_ELEVELS)
		return nb;
	C = xmalloc((size_t)(nb + 1) * sizeof *C);
	L = xmalloc((size_t)(nb + 1) * sizeof *L);
	Z = xmalloc((size_t)(nb + 1) * sizeof *Z);
	C[0] = L[0] = 0;
	Z[0] = 0;
	for (i = 0; i < nb; i++) {
		C[i + 1] = C[i] + (double)h[i];
		L[i + 1] = L[i] + xlogx((double)h[i]);
		Z[i + 1] = Z[i] + (h[i] > 0);
	}
	N = C[nb];
	for (i = CALIB_ELEVELS; i <= nb; i++) {
		kl = klcandidate(C, L, Z, h, N, i);
		if (kl < best) {
			best = kl;
			besti = i;
		}
	}
	free(C);
	free(L);
	free(Z);
	return besti;
}

int
calib_mse_bins(const uint64_t *h, int nb, uint64_t zeros, double top)
{
	double t, s, in, err, c, best = INFINITY;
	int i, j, besti = nb;
	uint64_t below = 0;

	for (i = 1; i <= nb; i++) {
		below += h[i - 1];
		t = i < nb ? (double)i : top;
		s = t / CALIB_QMAX;
		/* rounding: uniform over a step, s^2/12 per non-zero value */
		in = (double)(below - (zeros < below ? zeros : below));
		err = s * s / 12 * in;
		/* clipping: values in bin j are uniform on [j, j+1), so
		 * E[(x-t)^2] = (j + 0.5 - t)^2 + 1/12 */
		for (j = i; j < nb; j++) {
			if (!h[j])
				continue;
			c = j + 0.5 - t;
			err += (double)h[j] * (c * c + 1.0 / 12);
		}
		if (err < best) {
			best = err;
			besti = i;
		}
	}
	return besti;
}

/* ---- ranges --------------------------------------------------------------- */

float
calib_threshold(const CalibStats *s, const CalibMethod *m)
{
	float amax = -s->min > s->max ? -s->min : s->max;
	double w = ldexp(1.0, s->wexp), t;
	int nb = calib_histtop(s), i;

	if (s->count == 0 || nb == 0)
		return 0;
	switch (m->kind) {
	case CMpercentile:
		t = calib_percentile_bins(s->hist, nb, m->pct) * w;
		break;
	case CMentropy:
		i = calib_entropy_bins(s->hist, nb);
		t = i < nb ? i * w : amax;
		break;
	case CMmse:
		i = calib_mse_bins(s->hist, nb, s->zeros, amax / w);
		t = i < nb ? i * w : amax;
		break;
	default:
		t = amax;
	}
	return t < amax ? (float)t : amax;
}

bool
calib_range(const CalibStats *s, const CalibMethod *m, float *lo, float *hi)
{
	float t;

	if (s->count == 0)
		return false;
	if (m->kind == CMminmax) {
		*lo = s->min;
		*hi = s->max;
		return true;
	}
	t = calib_threshold(s, m);
	*hi = t;
	*lo = s->min >= 0 || t == 0 ? 0 : -t;
	return true;
}
