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
 * non-trivial op is replaced by quantize(new float graph input).  Rows are
 * sorted worst per-layer SQNR first; a summary gives each graph output's
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
#include "run.h"

typedef struct Acc {
	double sig, err, maxerr;
	int64_t n, clipped;
} Acc;

typedef struct Row {
	int q;			/* value index in the quantized module */
	int f;			/* the float value in the reference */
	Acc acc, layer;
} Row;

typedef struct Rep {
	Module *f, *q, *l;	/* float reference, quantized, per-layer */
	int *fof;		/* per q value: float value index, -1 */
	int *lof;		/* per l value: the row's q value (same index), -1 */
	float **fval;		/* per f value: this sample's data (copies) */
	Arena *sample;
	Row *row;
	int nrow;
	int *rowof;		/* per q value: row index, -1 */
	int phase;		/* 0 float, 1 quantized, 2 per layer */
} Rep;

static const char *
floatname(Arena *a, const char *qname)
{
	size_t n = strlen(qname), k = strlen("_quantized");

	if (n <= k || strcmp(qname + n - k, "_quantized") != 0)
		return NULL;
	return arena_printf(a, "%.*s", (int)(n - k), qname);
}

static int
findval(const Module *m, const char *name)
{
	int v;

	for (v = 0; v < m->nval; v++)
		if (strcmp(m->val[v].name, name) == 0)
			return v;
	return -1;
}

static float
deq(const Tensor *t, const QParam *q, size_t i)
{
	int32_t x = t->dt == Du8 ? ((const uint8_t *)t->data)[i] : ((const int8_t *)t->data)[i];

	return (float)(x - q->zero[0]) * q->scale[0];
}

/* t's element i compared with the float reference; an nhwc t ([N,H,W,C])
 * reads the reference, which is nchw, through the permutation */
static void
accumulate(Rep *r, Acc *a, const Tensor *t, const QParam *q, Layout l,
    const float *ref, bool clip)
{
	size_t n, i, j;
	double d, lo, hi, x;
	int qmin = t->dt == Du8 ? 0 : -128, qmax = t->dt == Du8 ? 255 : 127;
	bool nhwc = l == Lnhwc && t->rank == 4;
	int64_t h = t->dim[1], w = t->dim[2], c = t->dim[3], b, y, xx, ch;

	(void)r;
	n = t->nbytes;
	lo = (double)q->scale[0] * (qmin - q->zero[0]);
	hi = (double)q->scale[0] * (qmax - q->zero[0]);
	for (i = 0; i < n; i++) {
		j = i;
		if (nhwc) {
			ch = (int64_t)i % c;
			xx = (int64_t)i / c % w;
			y = (int64_t)i / (c * w) % h;
			b = (int64_t)i / (c * w * h);
			j = (size_t)(((b * c + ch) * h + y) * w + xx);
		}
		x = ref[j];
		d = x - deq(t, q, i);
		a->sig += x * x;
		a->err += d * d;
		if (fabs(d) > a->maxerr)
			a->maxerr = fabs(d);
		if (clip && (x < lo - q->scale[0] / 2 || x > hi + q->scale[0] / 2))
			a->clipped++;
	}
	a->n += (int64_t)n;
}

static void
hook(void *arg, int ins, const Tensor *const *y)
{
	Rep *r = arg;
	const Module *m = r->phase == 0 ? r->f : r->phase == 1 ? r->q : r->l;
	const Ins *in = &m->ins[ins];
	int k, v, row;

	for (k = 0; k < in->nout; k++) {
		if ((v = in->out[k]) < 0)
			continue;
		if (r->phase == 0) {
			if (y[k]->dt != Df32)
				continue;
			r->fval[v] = arena_alloc(r->sample, y[k]->nbytes ? y[k]->nbytes : 1);
			memcpy(r->fval[v], y[k]->data, y[k]->nbytes);
			continue;
		}
		row = r->phase == 1 ? r->rowof[v] : (r->lof[v] >= 0 ? r->rowof[r->lof[v]] : -1);
		if (row < 0 || !r->fval[r->row[row].f])
			continue;
		accumulate(r, r->phase == 1 ? &r->row[row].acc : &r->row[row].layer, y[k],
		    m->val[v].type.q, m->val[v].type.layout, r->fval[r->row[row].f],
		    r->phase == 1);
	}
}

/* a shallow copy of m: own tables, shared strings, constants and attributes */
static Module *
clone(const Module *m)
{
	Module *c = ir_new(m->path);
	Arena *a = c->arena;

	*c = *m;
	c->arena = a;
	c->val = xmalloc((size_t)(m->capval + 1) * sizeof(Val));
	memcpy(c->val, m->val, (size_t)m->nval * sizeof(Val));
	c->cst = xmalloc((size_t)(m->capcst + 1) * sizeof(Cst));
	memcpy(c->cst, m->cst, (size_t)m->ncst * sizeof(Cst));
	c->ins = xmalloc((size_t)(m->capins + 1) * sizeof(Ins));
	memcpy(c->ins, m->ins, (size_t)m->nins * sizeof(Ins));
	c->in = xmalloc((size_t)(m->capin + 1) * sizeof(int));
	memcpy(c->in, m->in, (size_t)m->nin * sizeof(int));
	c->out = xmalloc((size_t)(m->capout + 1) * sizeof(Ref));
	memcpy(c->out, m->out, (size_t)m->nout * sizeof(Ref));
	return c;
}

/* the per-layer module: quantized operands of quantized ops come from
 * quantize(float input); *fin[k] = the float value feeding new input k */
static Module *
perlayer(Rep *r, int **feed)
{
	Module *l = clone(r->q);
	int i, k, nold = l->nins, v, fv, nv, qv;
	Ins *in, *qi;
	Ref *ops;
	Type t;

	*feed = xcalloc((size_t)(r->q->nval * 4 + 16), sizeof(int));
	for (i = 0; i < nold; i++) {
		in = &l->ins[i];
		if (in->op == Oquantize || in->op == Odequantize || in->op == Orequantize)
			continue;
		ops = NULL;
		for (k = 0; k < in->nin; k++) {
			if (in->in[k].kind != Rval || !(v = in->in[k].idx, l->val[v].type.q))
				continue;
			if (r->fof[v] < 0 && l->val[v].def >= 0 &&
			    l->ins[l->val[v].def].op == Orequantize)
				fv = r->fof[l->ins[l->val[v].def].in[0].idx];
			else
				fv = r->fof[v];
			if (fv < 0)
				continue;
			t = r->f->val[fv].type;
			t.q = NULL;
			t.hasrange = false;
			nv = ir_addval(l, ir_uniquename(l, arena_printf(l->arena, "%s__float",
			    r->f->val[fv].name)), t);
			vec_push(l->in, l->nin, l->capin, nv);
			(*feed)[l->nin - 1] = fv;
			if (l->val[v].type.layout == Lnhwc && t.rank == 4) {
				/* the float model is nchw: transpose the feed */
				static const int64_t perm[4] = {0, 2, 3, 1};
				Ins *ti = ir_addins(l, Otranspose, 1, 1);
				Attr *pa = ir_addattr(l, ti, "perm", Aints);
				Type tt = t;
				int j;
				pa->n = 4;
				pa->ints = (int64_t *)perm;
				ti->in[0] = ref_val(nv);
				for (j = 0; j < 4; j++)
					tt.dim[j] = t.dim[perm[j]], tt.sym[j] = NULL;
				tt.layout = Lnhwc;
				nv = ir_addval(l, ir_uniquename(l, arena_printf(l->arena,
				    "%s__nhwc", r->f->val[fv].name)), tt);
				ir_setout(l, l->nins - 1, 0, nv);
			}
			qi = ir_addins(l, Oquantize, 1, 1);
			qi->in[0] = ref_val(nv);
			qv = ir_addval(l, ir_uniquename(l, arena_printf(l->arena, "%s__q",
			    l->val[v].name)), l->val[v].type);
			ir_setout(l, l->nins - 1, 0, qv);
			in = &l->ins[i];
			if (!ops) {
				ops = arena_alloc(l->arena, (size_t)in->nin * sizeof(Ref));
				memcpy(ops, in->in, (size_t)in->nin * sizeof(Ref));
				in->in = ops;
			}
			ops[k] = ref_val(qv);
		}
	}
	if (!ir_toposort(l))
		die("perlayer: cycle");
	return l;
}

/* a float tensor of static type t over data */
static Tensor
floattensor(const Type *t, void *data)
{
	Tensor x = {0};
	size_t n = 1;
	int k;

	x.dt = Df32;
	x.rank = t->rank;
	for (k = 0; k < t->rank; k++) {
		x.dim[k] = t->dim[k];
		n *= (size_t)t->dim[k];
	}
	x.data = data;
	x.nbytes = n * sizeof(float);
	return x;
}

static int
rowcmp(const void *a, const void *b)
{
	const Row *x = a, *y = b;
	double sx = x->layer.err > 0 ? x->layer.sig / x->layer.err : INFINITY;
	double sy = y->layer.err > 0 ? y->layer.sig / y->layer.err : INFINITY;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->q - y->q;
}

static double
sqnr(const Acc *a)
{
	if (a->n == 0)
		return NAN;
	if (a->err == 0)
		return INFINITY;
	if (a->sig == 0)
		return -INFINITY;
	return 10 * log10(a->sig / a->err);
}

static const char *
db(char *buf, double x)
{
	if (isnan(x))
		return "-";
	if (isinf(x))
		return x > 0 ? "inf" : "-inf";
	snprintf(buf, 32, "%.2f", x);
	return buf;
}

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
		const Row *w = &r->row[k];
		const Type *t = &r->q->val[w->q].type;
		double clip = w->acc.n ? 100.0 * (double)w->acc.clipped / (double)w->acc.n : 0;
		if (json)
			fprintf(f, "  {\"tensor\": \"%s\", \"scale\": %.9g, \"zero_point\": %d, "
			    "\"range\": [%.9g, %.9g], \"clipped_pct\": %.4f, \"sqnr_db\": %s, "
			    "\"max_abs_err\": %.6g, \"layer_sqnr_db\": %s, \"layer_max_abs_err\": %.6g}%s\n",
			    r->f->val[w->f].name, (double)t->q->scale[0], t->q->zero[0],
			    (double)r->f->val[w->f].type.lo, (double)r->f->val[w->f].type.hi, clip,
			    isfinite(sqnr(&w->acc)) ? db(b1, sqnr(&w->acc)) : "null", w->acc.maxerr,
			    isfinite(sqnr(&w->layer)) ? db(b2, sqnr(&w->layer)) : "null",
			    w->layer.maxerr, k + 1 < r->nrow ? "," : "");
		else
			fprintf(f, "\"%s\",%.9g,%d,%.9g,%.9g,%.4f,%s,%.6g,%s,%.6g\n",
			    r->f->val[w->f].name, (double)t->q->scale[0], t->q->zero[0],
			    (double)r->f->val[w->f].type.lo, (double)r->f->val[w->f].type.hi, clip,
			    db(b1, sqnr(&w->acc)), w->acc.maxerr, db(b2, sqnr(&w->layer)),
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
	Exec *ef, *eq, *el;
	Tensor *xin, *lin;
	const Tensor **outs;
	Acc *oacc;
	int *feed, i, k, v, n, nf;
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
	r.fof = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(int));
	r.rowof = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(int));
	r.row = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(Row));
	for (v = 0; v < q->nval; v++) {
		const char *fn = floatname(a, q->val[v].name);
		r.fof[v] = r.rowof[v] = -1;
		if (!q->val[v].type.q || !fn || (r.fof[v] = findval(r.f, fn)) < 0 ||
		    r.f->val[r.fof[v]].type.dt != Df32)
			continue;
		r.rowof[v] = r.nrow;
		r.row[r.nrow].q = v;
		r.row[r.nrow].f = r.fof[v];
		r.nrow++;
	}
	r.l = perlayer(&r, &feed);
	r.lof = arena_alloc(a, (size_t)(r.l->nval + 1) * sizeof(int));
	for (v = 0; v < r.l->nval; v++)
		r.lof[v] = v < q->nval ? v : -1;
	r.fval = arena_alloc(a, (size_t)(r.f->nval + 1) * sizeof(float *));

	d = dataset_open(passcfg.calib, r.f, &o);
	n = dataset_count(d);
	ef = exec_new(r.f);
	eq = exec_new(q);
	el = exec_new(r.l);
	exec_hook(ef, hook, &r);
	exec_hook(eq, hook, &r);
	exec_hook(el, hook, &r);
	r.sample = arena_new();
	xin = arena_alloc(a, (size_t)(r.f->nin + 1) * sizeof(Tensor));
	lin = arena_alloc(a, (size_t)(r.l->nin + 1) * sizeof(Tensor));
	outs = arena_alloc(a, (size_t)(r.f->nout + q->nout + 1) * sizeof(Tensor *));
	oacc = arena_alloc(a, (size_t)(q->nout + 1) * sizeof(Acc));
	nf = q->nin;
	for (i = 0; i < n; i++) {
		arena_reset(r.sample);
		memset(r.fval, 0, (size_t)r.f->nval * sizeof(float *));
		dataset_load(d, i, r.sample, xin);
		for (k = 0; k < r.f->nin; k++) {	/* graph inputs are values too */
			r.fval[r.f->in[k]] = xin[k].data;
		}
		r.phase = 0;
		exec_run(ef, xin, outs);
		for (k = 0; k < r.f->nout; k++)
			if (r.f->out[k].kind == Rval && outs[k]->dt == Df32) {
				float *c = arena_alloc(r.sample, outs[k]->nbytes + 1);
				memcpy(c, outs[k]->data, outs[k]->nbytes);
				r.fval[r.f->out[k].idx] = c;
			}
		r.phase = 1;
		exec_run(eq, xin, outs);
		for (k = 0; k < q->nout && k < r.f->nout; k++) {
			const float *ref = r.f->out[k].kind == Rval ? r.fval[r.f->out[k].idx] : NULL;
			size_t e, ne;
			if (!ref || outs[k]->dt != Df32)
				continue;
			ne = outs[k]->nbytes / sizeof(float);
			for (e = 0; e < ne; e++) {
				double dd = (double)ref[e] - ((const float *)outs[k]->data)[e];
				oacc[k].sig += (double)ref[e] * ref[e];
				oacc[k].err += dd * dd;
				if (fabs(dd) > oacc[k].maxerr)
					oacc[k].maxerr = fabs(dd);
			}
			oacc[k].n += (int64_t)ne;
		}
		for (k = 0; k < r.l->nin; k++) {
			if (k < nf) {
				lin[k] = xin[k];
				continue;
			}
			lin[k] = floattensor(&r.l->val[r.l->in[k]].type, r.fval[feed[k]]);
			if (!lin[k].data)
				error(NULL, "--report: no float value of '%s' to feed",
				    r.f->val[feed[k]].name);
		}
		r.phase = 2;
		exec_run(el, lin, outs);
	}
	qsort(r.row, (size_t)r.nrow, sizeof(Row), rowcmp);
	printf("# quantization report: %d samples of %s; SQNR in dB (higher is better), "
	    "worst per-layer first\n", n, passcfg.calib);
	printf("%-48s %12s %5s %8s %9s %9s %9s %9s\n", "tensor", "scale", "zero",
	    "clip%", "SQNR", "maxerr", "layerSQNR", "maxerr");
	for (k = 0; k < r.nrow; k++) {
		const Row *w = &r.row[k];
		const QParam *qp = q->val[w->q].type.q;
		printf("%-48s %12.6g %5d %8.4f %9s %9.4g %9s %9.4g\n", r.f->val[w->f].name,
		    (double)qp->scale[0], qp->zero[0],
		    w->acc.n ? 100.0 * (double)w->acc.clipped / (double)w->acc.n : 0.0,
		    db(b1, sqnr(&w->acc)), w->acc.maxerr, db(b2, sqnr(&w->layer)),
		    w->layer.maxerr);
	}
	for (k = 0; k < q->nout; k++)
		printf("# output %s: SQNR %s dB, max abs error %.4g (int8 vs float, %d samples)\n",
		    ir_refname(q, q->out[k]), db(b1, sqnr(&oacc[k])), oacc[k].maxerr, n);
	if (fflush(stdout) != 0)
		error("<stdout>", "write failed");
	if (file)
		writefile(&r, file);
	exec_free(ef);
	exec_free(eq);
	exec_free(el);
	dataset_close(d);
	arena_free(r.sample);
	free(feed);
	ir_free(r.l);
	ir_free(r.f);
	arena_free(a);
}
