/*
 * report.c — `--report[=FILE]`: how far the quantized module is from the
 * float one, tensor by tensor, on the calibration samples.
 *
 * For every quantized value of the final module that stands for a float
 * value of the model (its name is the float name + "_quantized"): scale,
 * zero point, calibrated range, the share of float values outside the
 * quantized grid's range (clipped), and the SQNR (10 log10 of signal power
 * over error power, dB) and largest absolute error of its dequantized value
 * against the float value, twice:
 *   accumulated  the int8 module run end to end (errors of earlier layers
 *                included);
 *   per layer    each quantized op fed the float model's values of its
 *                operands, quantized with the operands' parameters (its own
 *                error only).
 * The float reference is the model read again and put through the
 * pipeline's float passes before calibrate (canonicalize, equalize: the
 * function the quantizer started from); the per-layer module is a copy of the
 * quantized one in which every quantized activation operand of a
 * non-trivial op is replaced by quantize(new float graph input) (the
 * measuring is exec/quality.c's, shared with -O2's choices).  Rows are
 * sorted worst per-layer SQNR first (values numerically 0 on the samples,
 * whose SQNR means nothing, last); a summary gives each graph output's
 * SQNR.  Table to stdout; FILE.json gets JSON, any other FILE CSV (written
 * whole or not at all).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/exec.h"
#include "../frontend/dataset.h"
#include "../frontend/frontend.h"
#include "../ir/outfile.h"
#include "../passes/passes.h"
#include "../exec/quality.h"
#include "run.h"

typedef struct Rep {
	Module *f, *q;
	Quality *qu;
	QRow *row;
	int nrow;
} Rep;

static void
writefile(Rep *r, const char *file)
{
	FILE *f = outfile_open(file);
	size_t n = strlen(file);
	bool json = n >= 5 && strcmp(file + n - 5, ".json") == 0;
	int k;
	char b1[32], b2[32];

	if (json)
		fputs("[\n", f);
	else
		fputs("tensor,scale,zero_point,range_lo,range_hi,clipped_pct,"
		    "sqnr_db,max_abs_err,layer_sqnr_db,layer_max_abs_err\n", f);
	for (k = 0; k < r->nrow; k++) {
		const QRow *w = &r->row[k];
		const Type *t = &r->q->val[w->q].type;
		double clip = w->acc.n ? 100.0 * (double)w->acc.clipped / (double)w->acc.n : 0;
		if (json)
			fprintf(f, "  {\"tensor\": \"%s\", \"scale\": %.9g, \"zero_point\": %d, "
			    "\"range\": [%.9g, %.9g], \"clipped_pct\": %.4f, \"sqnr_db\": %s, "
			    "\"max_abs_err\": %.6g, \"layer_sqnr_db\": %s, \"layer_max_abs_err\": %.6g}%s\n",
			    r->f->val[w->f].name, (double)t->q->scale[0], t->q->zero[0],
			    (double)r->f->val[w->f].type.lo, (double)r->f->val[w->f].type.hi, clip,
			    isfinite(qacc_sqnr(&w->acc)) ? qdb(b1, qacc_sqnr(&w->acc)) : "null", w->acc.maxerr,
			    isfinite(qacc_sqnr(&w->layer)) ? qdb(b2, qacc_sqnr(&w->layer)) : "null",
			    w->layer.maxerr, k + 1 < r->nrow ? "," : "");
		else
			fprintf(f, "\"%s\",%.9g,%d,%.9g,%.9g,%.4f,%s,%.6g,%s,%.6g\n",
			    r->f->val[w->f].name, (double)t->q->scale[0], t->q->zero[0],
			    (double)r->f->val[w->f].type.lo, (double)r->f->val[w->f].type.hi, clip,
			    qdb(b1, qacc_sqnr(&w->acc)), w->acc.maxerr, qdb(b2, qacc_sqnr(&w->layer)),
			    w->layer.maxerr);
	}
	if (json)
		fputs("]\n", f);
	outfile_commit();
}

/* the float passes of the pipeline, before calibration: the reference is
 * the function the quantizer started from (canonicalize, equalize) */
static void
floatpasses(Module *f, const char *list)
{
	const char *p = list, *e;
	size_t n;

	while (p && *p) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 8 && strncmp(p, "equalize", 8) == 0)
			equalize(f);
		else if (n == 12 && strncmp(p, "canonicalize", 12) == 0)
			canonicalize(f);
		else if ((n == 9 && strncmp(p, "calibrate", 9) == 0) ||
		    (n == 8 && strncmp(p, "quantize", 8) == 0))
			return;
		p = e ? e + 1 : NULL;
	}
}

void
report(const char *input, Module *q, const char *const *shapes, int nshapes,
    const char *file, const char *passes)
{
	Rep r = {0};
	Dataset *d;
	DatasetOpts o = {passcfg.calib_limit, passcfg.preprocess, passcfg.channel_order};
	int i, k;
	char b1[32], b2[32];
	Arena *a = arena_new();

	if (!passcfg.calib)
		error(NULL, "--report needs the calibration data: --calib=DATA");
	if (!q->target || !*q->target)
		error(NULL, "--report compares a quantized module with the float model; "
		    "run the quantize pass (-O1)");
	r.q = q;
	r.f = module_read(input);
	for (i = 0; i < nshapes; i++)
		fix_input_shape(r.f, shapes[i]);
	floatpasses(r.f, passes);
	ir_infer(r.f);
	ir_infer(q);
	d = dataset_open(passcfg.calib, r.f, &o);
	r.qu = quality_measure(r.f, q, d, true, a);
	dataset_close(d);
	quality_sort(r.qu);
	r.row = r.qu->row;
	r.nrow = r.qu->nrow;
	printf("# quantization report: %d samples of %s; SQNR in dB (higher is better), "
	    "worst per-layer first\n", r.qu->samples, passcfg.calib);
	printf("%-48s %12s %5s %8s %9s %9s %9s %9s\n", "tensor", "scale", "zero",
	    "clip%", "SQNR", "maxerr", "layerSQNR", "maxerr");
	for (k = 0; k < r.nrow; k++) {
		const QRow *w = &r.row[k];
		const QParam *qp = q->val[w->q].type.q;
		printf("%-48s %12.6g %5d %8.4f %9s %9.4g %9s %9.4g\n", r.f->val[w->f].name,
		    (double)qp->scale[0], qp->zero[0],
		    w->acc.n ? 100.0 * (double)w->acc.clipped / (double)w->acc.n : 0.0,
		    qdb(b1, qacc_sqnr(&w->acc)), w->acc.maxerr, qdb(b2, qacc_sqnr(&w->layer)),
		    w->layer.maxerr);
	}
	if (passlog.tune)
		fputs(passlog.tune, stdout);
	for (k = 0; k < passlog.nkept; k++)
		printf("# %s: %s '%s': %s\n", passlog.kept[k].quantizable ? "kept float" :
		    "float region", passlog.kept[k].op, passlog.kept[k].node, passlog.kept[k].why);
	for (k = 0; k < q->nout; k++)
		printf("# output %s: SQNR %s dB, max abs error %.4g (int8 vs float, %d samples)\n",
		    ir_refname(q, q->out[k]), qdb(b1, qacc_sqnr(&r.qu->out[k])),
		    r.qu->out[k].maxerr, r.qu->samples);
	if (fflush(stdout) != 0)
		error("<stdout>", "write failed");
	if (file)
		writefile(&r, file);
	ir_free(r.f);
	arena_free(a);
}
