/*
 * quality.h — how far a quantized module is from its float module, measured
 * by running both on a dataset (exec/quality.c).  The engine of --report
 * (driver/report.c) and of -O2's measured choices (passes/tune.c).
 *
 * quality_measure(f, q, d, perlayer, a): f is the float reference, q a
 * quantized module of the same model (ir_infer'd static shapes for both);
 * every sample of d runs through f and q (and, with perlayer, through the
 * per-layer copy of q), one thread, in sample order, so the result is a
 * function of (f, q, d).  Rows: one per quantized value of q that stands
 * for a float value of f (q's name is f's name + "_quantized"), in q's value
 * order, each with
 *   acc    its dequantized value in the end-to-end int8 run vs the float
 *          value (signal and error power, largest error, elements outside
 *          the quantized grid's range);
 *   layer  the same in the per-layer run, where every quantized activation
 *          operand of a non-trivial op is quantize(float value of f): the
 *          op's own error only (only with perlayer).
 * out[k]: graph output k of q against graph output k of f (f32 outputs).
 * Everything is allocated from a.
 */
#ifndef SQC_QUALITY_H
#define SQC_QUALITY_H

#include "../frontend/dataset.h"
#include "../ir/ir.h"

typedef struct QAcc {
	double sig, err, maxerr;
	int64_t n, clipped;
} QAcc;

typedef struct QRow {
	int q;			/* value index in the quantized module */
	int f;			/* the float value in the reference */
	QAcc acc, layer;
} QRow;

typedef struct Quality {
	int samples;
	int nrow;
	QRow *row;
	int nout;
	QAcc *out;		/* per graph output of q */
} Quality;

Quality *quality_measure(Module *f, Module *q, Dataset *d, bool perlayer, Arena *a);

/* The outputs alone, for many candidates q of one f: quality_ref runs f on
 * every sample of d once and keeps its f32 outputs (in a); quality_outputs
 * runs q on every sample and returns a Quality with out[] only (nrow 0). */
typedef struct QualityRef QualityRef;
QualityRef *quality_ref(Module *f, Dataset *d, Arena *a);
Quality *quality_outputs(QualityRef *r, Module *q, Arena *a);
/* 10 log10(signal / error) dB; inf when exact, NAN when nothing was seen */
double qacc_sqnr(const QAcc *x);
/* a row's per-layer SQNR for ranking rows worst first: +inf for a value
 * that is numerically 0 on the samples (mean square < 1e-12), whose SQNR
 * means nothing */
double qrow_rank(const QRow *r);
/* r's rows sorted worst per-layer SQNR first (qrow_rank; ties in value
 * order): the order --report prints and tune tries */
void quality_sort(Quality *r);
/* x dB as "%.2f", "inf", "-inf" or "-" (NAN), in buf (32 bytes) */
const char *qdb(char *buf, double x);
/* the lowest output SQNR (the figure -O2 optimises); inf without outputs */
double quality_outsqnr(const Quality *r);

#endif
