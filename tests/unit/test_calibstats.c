/*
 * test_calibstats.c — calibration statistics and range selection
 * (passes/calibstats.c) against hand-computed histograms and thresholds,
 * and the entropy search against a direct implementation written here
 * from the definition (explicit P and Q arrays, no prefix sums).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "passes/calibstats.h"

static CalibStats *
newstats(void)
{
	CalibStats *s = malloc(sizeof *s);

	calibstats_init(s);
	return s;
}

Test(calibstats, grid_exponent)
{
	/* the smallest e with amax < 2048 * 2^e */
	cr_assert(eq(int, calib_gridexp(0), CALIB_EMIN));
	cr_assert(eq(int, calib_gridexp(1.0f), -10));	/* 2048/1024 = 2 > 1; 1 is not */
	cr_assert(eq(int, calib_gridexp(0.999f), -11));	/* 2048/2048 = 1 > .999 */
	cr_assert(eq(int, calib_gridexp(2047.0f), 0));
	cr_assert(eq(int, calib_gridexp(2048.0f), 1));
	cr_assert(eq(int, calib_gridexp(FLT_MAX), 117));	/* FLT_MAX < 2^128 */
	cr_assert(eq(int, calib_gridexp(0x1p-149f), -159));
}

Test(calibstats, bins_by_hand)
{
	CalibStats *s = newstats();
	float x[] = {0.5f, -0.25f, 1.0f, 0.0f, -0.0f};
	int k, n = 0;

	calibstats_add(s, x, 5);
	cr_assert(eq(u64, s->count, 5));
	cr_assert(eq(u64, s->zeros, 2));
	cr_assert(eq(u64, s->nonfinite, 0));
	cr_assert(eq(flt, s->min, -0.25f));
	cr_assert(eq(flt, s->max, 1.0f));
	cr_assert(eq(int, s->wexp, -10));	/* bin width 1/1024 */
	cr_assert(eq(u64, s->hist[0], 2));
	cr_assert(eq(u64, s->hist[256], 1));
	cr_assert(eq(u64, s->hist[512], 1));
	cr_assert(eq(u64, s->hist[1024], 1));
	for (k = 0; k < CALIB_NBINS; k++)
		n += s->hist[k] != 0;
	cr_assert(eq(int, n, 4));
	cr_assert(eq(int, calib_histtop(s), 1025));
	free(s);
}

Test(calibstats, grid_coarsens_when_a_larger_value_arrives)
{
	CalibStats *s = newstats();
	float a[] = {1.0f, 0.75f}, b[] = {3.0f};

	calibstats_add(s, a, 2);
	cr_assert(eq(u64, s->hist[1024], 1));
	cr_assert(eq(u64, s->hist[768], 1));
	calibstats_add(s, b, 1);
	cr_assert(eq(int, s->wexp, -9));	/* 3 < 2048/512 = 4 */
	cr_assert(eq(u64, s->hist[512], 1));
	cr_assert(eq(u64, s->hist[384], 1));
	cr_assert(eq(u64, s->hist[1536], 1));
	cr_assert(eq(u64, s->hist[1024], 0));
	cr_assert(eq(u64, s->hist[768], 0));
	free(s);
}

Test(calibstats, negative_zero_is_recorded_as_zero)
{
	CalibStats *s = newstats();
	float x[] = {-0.0f};

	calibstats_add(s, x, 1);
	cr_assert(eq(flt, s->min, 0.0f));
	cr_assert(not(signbit(s->min)));
	cr_assert(not(signbit(s->max)));
	free(s);
}

Test(calibstats, nonfinite_values_are_counted_and_left_out)
{
	CalibStats *s = newstats();
	float x[] = {NAN, INFINITY, -INFINITY, 2.0f};

	calibstats_add(s, x, 4);
	cr_assert(eq(u64, s->nonfinite, 3));
	cr_assert(eq(u64, s->count, 1));
	cr_assert(eq(flt, s->min, 2.0f));
	cr_assert(eq(flt, s->max, 2.0f));
	cr_assert(eq(int, s->wexp, -9));
	cr_assert(eq(u64, s->hist[1024], 1));
	calibstats_add(s, x, 3);	/* nothing finite */
	cr_assert(eq(u64, s->nonfinite, 6));
	cr_assert(eq(u64, s->count, 1));
	free(s);
}

/* a deterministic spread of magnitudes 2^-20 .. 2^12, both signs */
static float *
spread(int n, unsigned seed)
{
	float *x = malloc((size_t)n * sizeof *x);
	uint64_t r = seed * 6364136223846793005ull + 1442695040888963407ull;
	int k;

	for (k = 0; k < n; k++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		x[k] = ldexpf((float)(r >> 40) / (1 << 24), (int)((r >> 8) % 33) - 20);
		if (r & 1)
			x[k] = -x[k];
		if (k % 17 == 0)
			x[k] = 0;
	}
	return x;
}

/* the statistics of a multiset are unique: any split, order and merge order */
Test(calibstats, split_and_order_do_not_matter)
{
	enum { N = 20000 };
	float *x = spread(N, 7);
	CalibStats *all = newstats(), *p[4], *acc = newstats();
	size_t cut[5] = {0, 3, 7000, 7001, N};
	int k;

	calibstats_add(all, x, N);
	for (k = 0; k < 4; k++) {
		p[k] = newstats();
		calibstats_add(p[k], x + cut[k], cut[k + 1] - cut[k]);
	}
	/* merge backwards: the part with the largest values is not first */
	for (k = 3; k >= 0; k--)
		calibstats_merge(acc, p[k]);
	cr_assert(eq(int, memcmp(acc, all, sizeof *all), 0));

	/* the same values added in reverse order, in chunks of 1000 */
	calibstats_init(acc);
	for (k = N - 1000; k >= 0; k -= 1000)
		calibstats_add(acc, x + k, 1000);
	cr_assert(eq(int, memcmp(acc, all, sizeof *all), 0));

	/* merging an empty statistic changes nothing */
	calibstats_init(p[0]);
	calibstats_merge(acc, p[0]);
	cr_assert(eq(int, memcmp(acc, all, sizeof *all), 0));
	for (k = 0; k < 4; k++)
		free(p[k]);
	free(acc);
	free(all);
	free(x);
}

Test(calibstats, parses_methods)
{
	CalibMethod m;

	cr_assert(calib_parsemethod("minmax", &m) && m.kind == CMminmax);
	cr_assert(calib_parsemethod("entropy", &m) && m.kind == CMentropy);
	cr_assert(calib_parsemethod("mse", &m) && m.kind == CMmse);
	cr_assert(calib_parsemethod("percentile", &m) && m.kind == CMpercentile);
	cr_assert(eq(dbl, m.pct, 99.99));
	cr_assert(calib_parsemethod("percentile:99.9", &m) && m.pct == 99.9);
	cr_assert(calib_parsemethod("percentile:100", &m) && m.pct == 100);
	cr_assert(not(calib_parsemethod("percentile:", &m)));
	cr_assert(not(calib_parsemethod("percentile:0", &m)));
	cr_assert(not(calib_parsemethod("percentile:101", &m)));
	cr_assert(not(calib_parsemethod("percentile:9x", &m)));
	cr_assert(not(calib_parsemethod("kl", &m)));
}

/* ---- percentile -------------------------------------------------------- */

Test(calibstats, percentile_of_a_uniform_histogram)
{
	uint64_t h[1000];
	int k;

	for (k = 0; k < 1000; k++)
		h[k] = 10;
	/* 10000 values; the 99th percentile is value 9900, the upper edge
	 * of bin 989; 99.95 -> 9995, half-way into bin 999 */
	cr_assert(eq(dbl, calib_percentile_bins(h, 1000, 99), 990.0));
	cr_assert(eq(dbl, calib_percentile_bins(h, 1000, 99.95), 999.5));
	cr_assert(eq(dbl, calib_percentile_bins(h, 1000, 100), 1000.0));
	cr_assert(eq(dbl, calib_percentile_bins(h, 1000, 0.05), 0.5));
}

/* 2048 values at the centres of 2048 bins of width 1/2048: the P-th
 * percentile of |x| is P/100 exactly; negative values give [-t, t] */
Test(calibstats, percentile_range_of_uniform_data)
{
	CalibStats *s = newstats();
	CalibMethod m = {CMpercentile, 99};
	float x[2048], lo, hi;
	int k;

	for (k = 0; k < 2048; k++)
		x[k] = (k + 0.5f) / 2048;
	calibstats_add(s, x, 2048);
	cr_assert(eq(int, s->wexp, -11));
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, lo, 0.0f));		/* non-negative tensor */
	cr_assert(eq(flt, hi, 0.99f));
	m.pct = 50;
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, hi, 0.5f));
	for (k = 0; k < 2048; k += 2)
		x[k] = -x[k];
	calibstats_init(s);
	calibstats_add(s, x, 2048);
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, lo, -0.5f));
	cr_assert(eq(flt, hi, 0.5f));
	m.kind = CMminmax;
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, lo, -2046.5f / 2048));
	cr_assert(eq(flt, hi, 2047.5f / 2048));
	free(s);
}

Test(calibstats, empty_statistics_give_no_range)
{
	CalibStats *s = newstats();
	CalibMethod m = {CMminmax, 0};
	float lo, hi;

	cr_assert(not(calib_range(s, &m, &lo, &hi)));
	free(s);
}

/* ---- entropy ------------------------------------------------------------- */

/* KL(P||Q) of candidate i straight from the definition in
 * doc/calibration.md: explicit arrays, normalised, summed. */
static double
refkl(const uint64_t *h, int nb, int i)
{
	double *P = calloc((size_t)i, sizeof *P), *Q = calloc((size_t)i, sizeof *Q);
	double sp = 0, sq = 0, kl = 0, sum;
	int g, j, a, b, nz;

	for (j = 0; j < i; j++)
		P[j] = (double)h[j];
	for (j = i; j < nb; j++)
		P[i - 1] += (double)h[j];
	for (g = 0; g < 128; g++) {
		a = g * i / 128;
		b = (g + 1) * i / 128;
		sum = 0;
		nz = 0;
		for (j = a; j < b; j++) {
			sum += (double)h[j];
			nz += P[j] > 0;
		}
		for (j = a; j < b; j++)
			Q[j] = P[j] > 0 ? sum / nz : 0;
	}
	for (j = 0; j < i; j++) {
		sp += P[j];
		sq += Q[j];
	}
	for (j = 0; j < i; j++) {
		if (P[j] == 0)
			continue;
		if (Q[j] == 0) {
			kl = INFINITY;
			break;
		}
		kl += P[j] / sp * log((P[j] / sp) / (Q[j] / sq));
	}
	free(P);
	free(Q);
	return kl;
}

static int
refentropy(const uint64_t *h, int nb)
{
	double best = INFINITY, kl;
	int i, besti = nb;

	if (nb <= 128)
		return nb;
	for (i = 128; i <= nb; i++) {
		kl = refkl(h, nb, i);
		if (kl < best) {
			best = kl;
			besti = i;
		}
	}
	return besti;
}

static void
checkentropy(const uint64_t *h, int nb)
{
	int got = calib_entropy_bins(h, nb), want = refentropy(h, nb);

	cr_assert(eq(int, got, want), "entropy picked %d bins, reference %d", got, want);
}

Test(calibstats, entropy_matches_the_reference)
{
	static uint64_t h[CALIB_NBINS];
	int k, nb;

	/* half-normal, sigma 300 bins, with two outliers */
	memset(h, 0, sizeof h);
	for (k = 0; k < CALIB_NBINS; k++)
		h[k] = (uint64_t)(1e6 * exp(-0.5 * (k / 300.0) * (k / 300.0)));
	h[1500] += 3;
	h[1999] = 1;
	for (nb = CALIB_NBINS; !h[nb - 1]; nb--)
		;
	checkentropy(h, nb);

	/* Laplace, scale 150 bins, and a far outlier */
	memset(h, 0, sizeof h);
	for (k = 0; k < CALIB_NBINS; k++)
		h[k] = (uint64_t)(1e5 * exp(-k / 150.0));
	h[2047] = 2;
	checkentropy(h, 2048);

	/* bimodal with a gap, a ReLU-like spike at 0 */
	memset(h, 0, sizeof h);
	h[0] = 500000;
	for (k = 1; k < 600; k++)
		h[k] = (uint64_t)(1000 + 900 * sin(k / 40.0));
	for (k = 900; k < 1300; k++)
		h[k] = 50;
	checkentropy(h, 1300);

	/* a short histogram: nothing to clip */
	cr_assert(eq(int, calib_entropy_bins(h, 100), 100));
}

/* By hand: 128 bins of 100 and one value far out at bin 2000.  Keeping all
 * 2001 bins, the 128 groups (15 or 16 bins each) reproduce P exactly (the
 * first 8 groups hold the flat part, the last holds the lone outlier), so
 * KL = 0 and the threshold is max|x|: no clipping. */
Test(calibstats, entropy_keeps_an_exactly_representable_distribution)
{
	static uint64_t h[CALIB_NBINS];
	CalibStats *s = newstats();
	CalibMethod m = {CMentropy, 0};
	float lo, hi;
	int k;

	for (k = 0; k < 128; k++)
		h[k] = 100;
	h[2000] = 1;
	cr_assert(eq(int, calib_entropy_bins(h, 2001), 2001));
	cr_assert(eq(int, refentropy(h, 2001), 2001));

	/* and through calib_range on data: values at those bins' centres */
	{
		float *x = malloc(12801 * sizeof *x);
		int n = 0, j;

		for (k = 0; k < 128; k++)
			for (j = 0; j < 100; j++)
				x[n++] = (k + 0.5f) / 1024;	/* 2000.5/1024 < 2 */
		x[n++] = -2000.5f / 1024;
		calibstats_add(s, x, (size_t)n);
		cr_assert(eq(int, s->wexp, -10));
		cr_assert(calib_range(s, &m, &lo, &hi));
		cr_assert(eq(flt, lo, -2000.5f / 1024));
		cr_assert(eq(flt, hi, 2000.5f / 1024));
		free(x);
	}
	free(s);
}

/* ---- mse -------------------------------------------------------------------- */

/*
 * By hand, bin units: 1000 values in bin 0 (not zeros) and one in bin 999,
 * max|x| = 1000.  Threshold t = i clips the outlier:
 *   E(i) = (i/127)^2/12 * 1000 + (999.5 - i)^2 + 1/12   (i < 1000)
 *   E(1000) = (1000/127)^2/12 * 1001 = 5172.1
 * dE/di = 0 at i = 999.5 / (1 + 1000/(12*127^2)) = 994.36; E(994) = 5135.2
 * < E(995) = 5135.3 < E(1000), so i = 994.  If the 1000 values are exact
 * zeros they cost nothing at any scale: E(999) = 0.25 + 1/12 is smallest.
 */
Test(calibstats, mse_by_hand)
{
	static uint64_t h[1000];

	h[0] = 1000;
	h[999] = 1;
	cr_assert(eq(int, calib_mse_bins(h, 1000, 0, 1000), 994));
	cr_assert(eq(int, calib_mse_bins(h, 1000, 1000, 1000), 999));
}

/* A flat histogram of 100 bins: clipping never pays (E(100) = 5.17 and
 * clipping one bin alone already costs 0.25 + 1/12 + rounding) */
Test(calibstats, mse_keeps_a_short_flat_histogram)
{
	uint64_t h[100];
	int k;

	for (k = 0; k < 100; k++)
		h[k] = 1;
	cr_assert(eq(int, calib_mse_bins(h, 100, 0, 100), 100));
}

Test(calibstats, mse_range_is_symmetric_unless_nonnegative)
{
	CalibStats *s = newstats();
	CalibMethod m = {CMmse, 0};
	float x[1001], lo, hi;
	int k;

	/* the hand case at twice the size, as data: bin width 2^-10, 1000
	 * values in bin 0, one at -1999.5/1024 (bin 1999, max|x| = 1999.5
	 * bins); dE/di = 0 at 1999.5 / (1 + 1000/(12*127^2)) = 1989.2 */
	for (k = 0; k < 1000; k++)
		x[k] = 0.25f / 1024;
	x[1000] = -1999.5f / 1024;
	calibstats_add(s, x, 1001);
	cr_assert(eq(int, s->wexp, -10));
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, hi, 1989.0f / 1024));
	cr_assert(eq(flt, lo, -1989.0f / 1024));
	x[1000] = -x[1000];
	calibstats_init(s);
	calibstats_add(s, x, 1001);
	cr_assert(calib_range(s, &m, &lo, &hi));
	cr_assert(eq(flt, lo, 0.0f));
	cr_assert(eq(flt, hi, 1989.0f / 1024));
	free(s);
}
