/*
 * cbench.c — times a model compiled by `sqc --emit=c` (bench/emitc_vs_ort.py).
 *
 *   cc -O2 -std=c99 -DMODEL_H='"model.h"' -DP=model -DPU=MODEL -I runtime \
 *       model.c bench/cbench.c build/libsqcrt.a -lm
 *   ./a.out X.bin N        median and minimum ms per <p>_run over N runs
 *
 * X.bin holds the one input as raw float32.  Three warm-up runs first;
 * one thread, clock_gettime(CLOCK_MONOTONIC).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include MODEL_H

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define RUN CAT(P, _run)
#define INSIZE CAT(PU, _IN0_SIZE)
#define OUTSIZE CAT(PU, _OUT0_SIZE)

static float x[INSIZE], y[OUTSIZE];

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	FILE *f;
	int n, i;
	double *t, t0;

	if (argc != 3 || !(f = fopen(argv[1], "rb")) ||
	    fread(x, sizeof x[0], INSIZE, f) != INSIZE)
		return 2;
	fclose(f);
	n = atoi(argv[2]);
	if (n < 1 || !(t = malloc((size_t)n * sizeof *t)))
		return 2;
	for (i = 0; i < 3; i++)
		RUN(x, y);
	for (i = 0; i < n; i++) {
		t0 = now();
		RUN(x, y);
		t[i] = now() - t0;
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("{\"median\": %.4f, \"min\": %.4f, \"y0\": %.9g}\n", t[n / 2], t[0], (double)y[0]);
	free(t);
	return 0;
}
