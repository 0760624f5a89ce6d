/*
 * calibstats.h — calibration statistics of one tensor and the range
 * selection methods over them.  Pure functions: no I/O, no globals, no
 * threads; the calibrate pass and the calibration table build on them.
 * doc/calibration.md is the specification; the summary:
 *
 * Statistics (CalibStats), per tensor, over every finite element observed:
 *   count, zeros, nonfinite (NaN/Inf elements are counted and ignored),
 *   min and max (exact; -0 is recorded as +0),
 *   hist: CALIB_NBINS integer counts of |x| on the grid of bin width
 *   W = 2^wexp, bin k = [k*W, (k+1)*W).  wexp is the smallest integer
 *   >= CALIB_EMIN with max|x| < CALIB_NBINS * W: a pure function of the
 *   largest magnitude seen, so the grid does not depend on the order of the
 *   data.  When a larger magnitude arrives the grid coarsens by merging
 *   2^d adjacent bins, which is exact (floor(floor(a)/2^d) = floor(a/2^d)).
 * Hence the statistics of a multiset of values are unique: calibstats_add
 * in any order and any split, with calibstats_merge of the parts, gives the
 * same bytes.  That is what makes calibration independent of -j and lets
 * tables of shards merge exactly.
 *
 * Range selection (calib_range): minmax gives [min, max]; the others pick
 * a threshold t on the |x| histogram and give [-t, t], or [0, t] when
 * min >= 0.  The threshold searches are exported on bare histograms (bin
 * units, W = 1) so they can be tested on hand-made counts.
 */
#ifndef SQC_CALIBSTATS_H
#define SQC_CALIBSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "../ir/util.h"

enum {
	CALIB_LOG2NBINS = 11,
	CALIB_NBINS = 1 << CALIB_LOG2NBINS,	/* histogram bins of |x| */
	CALIB_EMIN = -160,	/* finest bin width 2^-160 (below every float) */
	CALIB_ELEVELS = 128,	/* entropy: quantized levels of |x| (int8) */
	CALIB_QMAX = 127,	/* mse: int8 symmetric, q in [-127, 127] */
};

typedef struct CalibStats {
	uint64_t count;		/* finite elements */
	uint64_t zeros;		/* of which exactly zero */
	uint64_t nonfinite;	/* NaN and Inf elements, ignored */
	float min, max;		/* inf, -inf while count == 0 */
	int wexp;		/* bin width 2^wexp */
	uint64_t hist[CALIB_NBINS];
} CalibStats;

typedef enum CalibKind { CMminmax, CMpercentile, CMentropy, CMmse } CalibKind;

typedef struct CalibMethod {
	CalibKind kind;
	double pct;		/* percentile: P in (0, 100] */
} CalibMethod;

void calibstats_init(CalibStats *s);
void calibstats_add(CalibStats *s, const float *x, size_t n);
void calibstats_merge(CalibStats *dst, const CalibStats *src);
/* move s to the coarser grid 2^wexp (wexp >= s->wexp) */
void calibstats_regrid(CalibStats *s, int wexp);
/* the grid exponent for largest magnitude amax (finite, >= 0) */
int calib_gridexp(float amax);
/* number of bins up to the last non-zero one (0 if the histogram is empty) */
int calib_histtop(const CalibStats *s);

/* "minmax", "percentile", "percentile:P", "entropy", "mse"; false if not */
bool calib_parsemethod(const char *s, CalibMethod *m);

/*
 * Threshold searches on h[0..nb) (h[nb-1] > 0), in bin units.
 *   percentile: the p-th percentile of |x|, linear within its bin
 *   entropy:    the number of bins i in [CALIB_ELEVELS, nb] whose clipped
 *               distribution is closest (KL) to its 128-level quantization;
 *               nb when nb <= CALIB_ELEVELS
 *   mse:        the number of bins i in [1, nb] minimising the expected
 *               squared int8 error; zeros (exactly zero values, part of
 *               h[0]) quantize without error; top in (nb-1, nb] is max|x|
 *               in bin units, the threshold of i = nb
 */
double calib_percentile_bins(const uint64_t *h, int nb, double p);
int calib_entropy_bins(const uint64_t *h, int nb);
int calib_mse_bins(const uint64_t *h, int nb, uint64_t zeros, double top);

/* the threshold t of a symmetric method (not minmax) on s */
float calib_threshold(const CalibStats *s, const CalibMethod *m);
/* the range of s by method m; false (no range) if s->count == 0 */
bool calib_range(const CalibStats *s, const CalibMethod *m, float *lo, float *hi);

#endif
