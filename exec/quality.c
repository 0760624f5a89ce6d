/*
 * quality.c — quality_measure (contract: quality.h): the float module, the
 * quantized module and its per-layer copy run sample by sample; a hook
 * compares every quantized value of interest with the float value of the
 * same sample.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "quality.h"

typedef struct Q {
	Module *f, *q, *l;	/* float reference, quantized, per-layer */
	int *fof;		/* per q value: float value index, -1 */
	int *lof;		/* per l value: the row's q value (same index), -1 */
	float **fval;		/* per f value: this sample's data (copies) */
	Arena *sample;
	QRow *row;
	int nrow;
	int *rowof;		/* per q value: row index, -1 */
	int phase;		/* 0 float, 1 quantized, 2 per layer */
} Q;

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
accumulate(Q *r, QAcc *a, const Tensor *t, const QParam *q, Layout l,
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
	Q *r = arg;
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

/* the per-layer module: quantized operands of quantized ops come from
 * quantize(float input); *fin[k] = the float value feeding new input k */
static Module *
perlayer(Q *r, int **feed)
{
	Module *l = ir_clone(r->q);
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


/* y's f32 outputs against the reference outputs ref[k] (NULL: skipped) */
static void
compareouts(QAcc *oacc, int nout, const Tensor *const *outs, float *const *ref)
{
	size_t e, ne;
	int k;

	for (k = 0; k < nout; k++) {
		if (!ref[k] || outs[k]->dt != Df32)
			continue;
		ne = outs[k]->nbytes / sizeof(float);
		for (e = 0; e < ne; e++) {
			double dd = (double)ref[k][e] - ((const float *)outs[k]->data)[e];
			oacc[k].sig += (double)ref[k][e] * ref[k][e];
			oacc[k].err += dd * dd;
			if (fabs(dd) > oacc[k].maxerr)
				oacc[k].maxerr = fabs(dd);
		}
		oacc[k].n += (int64_t)ne;
	}
}

struct QualityRef {
	Module *f;
	Dataset *d;
	int n, nout;
	float ***out;		/* [sample][output]: f's f32 output, or NULL */
	size_t **len;		/* [sample][output]: its element count */
};

QualityRef *
quality_ref(Module *f, Dataset *d, Arena *a)
{
	QualityRef *r = arena_alloc(a, sizeof *r);
	Arena *s = arena_new();
	Tensor *xin = arena_alloc(a, (size_t)(f->nin + 1) * sizeof(Tensor));
	const Tensor **outs = arena_alloc(a, (size_t)(f->nout + 1) * sizeof(Tensor *));
	Exec *e = exec_new(f);
	int i, k;

	r->f = f;
	r->d = d;
	r->n = dataset_count(d);
	r->nout = f->nout;
	r->out = arena_alloc(a, (size_t)(r->n + 1) * sizeof *r->out);
	r->len = arena_alloc(a, (size_t)(r->n + 1) * sizeof *r->len);
	for (i = 0; i < r->n; i++) {
		arena_reset(s);
		dataset_load(d, i, s, xin);
		exec_run(e, xin, outs);
		r->out[i] = arena_alloc(a, (size_t)(f->nout + 1) * sizeof **r->out);
		r->len[i] = arena_alloc(a, (size_t)(f->nout + 1) * sizeof **r->len);
		for (k = 0; k < f->nout; k++)
			if (outs[k]->dt == Df32) {
				r->out[i][k] = arena_alloc(a, outs[k]->nbytes + 1);
				memcpy(r->out[i][k], outs[k]->data, outs[k]->nbytes);
				r->len[i][k] = outs[k]->nbytes / sizeof(float);
			}
	}
	exec_free(e);
	arena_free(s);
	return r;
}

Quality *
quality_outputs(QualityRef *r, Module *q, Arena *a)
{
	Quality *res = arena_alloc(a, sizeof *res);
	Arena *s = arena_new();
	Tensor *xin = arena_alloc(a, (size_t)(q->nin + 1) * sizeof(Tensor));
	const Tensor **outs = arena_alloc(a, (size_t)(q->nout + 1) * sizeof(Tensor *));
	Exec *e = exec_new(q);
	int i, nout = q->nout < r->nout ? q->nout : r->nout;

	res->out = arena_alloc(a, (size_t)(q->nout + 1) * sizeof(QAcc));
	res->nout = q->nout;
	res->samples = r->n;
	for (i = 0; i < r->n; i++) {
		arena_reset(s);
		dataset_load(r->d, i, s, xin);
		exec_run(e, xin, outs);
		compareouts(res->out, nout, outs, r->out[i]);
	}
	exec_free(e);
	arena_free(s);
	return res;
}

double
qacc_sqnr(const QAcc *a)
{
	if (a->n == 0)
		return NAN;
	if (a->err == 0)
		return INFINITY;
	if (a->sig == 0)
		return -INFINITY;
	return 10 * log10(a->sig / a->err);
}

const char *
qdb(char *buf, double x)
{
	if (isnan(x))
		return "-";
	if (isinf(x))
		return x > 0 ? "inf" : "-inf";
	snprintf(buf, 32, "%.2f", x);
	return buf;
}

double
qrow_rank(const QRow *r)
{
	double x;

	if (r->layer.n == 0 || r->layer.sig / (double)r->layer.n < 1e-12)
		return INFINITY;
	x = qacc_sqnr(&r->layer);
	return isnan(x) ? INFINITY : x;
}

static int
rowcmp(const void *a, const void *b)
{
	const QRow *x = a, *y = b;
	double sx = qrow_rank(x), sy = qrow_rank(y);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->q - y->q;
}

void
quality_sort(Quality *r)
{
	qsort(r->row, (size_t)r->nrow, sizeof *r->row, rowcmp);
}

double
quality_outsqnr(const Quality *r)
{
	double s = INFINITY, x;
	int k;

	for (k = 0; k < r->nout; k++)
		if (!isnan(x = qacc_sqnr(&r->out[k])) && x < s)
			s = x;
	return s;
}

Quality *
quality_measure(Module *f, Module *q, Dataset *d, bool withlayer, Arena *a)
{
	Q r = {0};
	Quality *res = arena_alloc(a, sizeof *res);
	Exec *ef, *eq, *el = NULL;
	Tensor *xin, *lin = NULL;
	const Tensor **outs;
	QAcc *oacc;
	float **refs;
	int *feed = NULL, i, k, v, n, nf;

	r.q = q;
	r.f = f;
	r.fof = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(int));
	r.rowof = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(int));
	r.row = arena_alloc(a, (size_t)(q->nval + 1) * sizeof(QRow));
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
	if (withlayer) {
		r.l = perlayer(&r, &feed);
		r.lof = arena_alloc(a, (size_t)(r.l->nval + 1) * sizeof(int));
		for (v = 0; v < r.l->nval; v++)
			r.lof[v] = v < q->nval ? v : -1;
	}
	r.fval = arena_alloc(a, (size_t)(r.f->nval + 1) * sizeof(float *));

	n = dataset_count(d);
	ef = exec_new(r.f);
	eq = exec_new(q);
	exec_hook(ef, hook, &r);
	exec_hook(eq, hook, &r);
	if (r.l) {
		el = exec_new(r.l);
		exec_hook(el, hook, &r);
		lin = arena_alloc(a, (size_t)(r.l->nin + 1) * sizeof(Tensor));
	}
	r.sample = arena_new();
	xin = arena_alloc(a, (size_t)(r.f->nin + 1) * sizeof(Tensor));
	outs = arena_alloc(a, (size_t)(r.f->nout + q->nout + 1) * sizeof(Tensor *));
	oacc = arena_alloc(a, (size_t)(q->nout + 1) * sizeof(QAcc));
	refs = arena_alloc(a, (size_t)(r.f->nout + 1) * sizeof *refs);
	nf = q->nin;
	for (i = 0; i < n; i++) {
		arena_reset(r.sample);
		memset(r.fval, 0, (size_t)r.f->nval * sizeof(float *));
		dataset_load(d, i, r.sample, xin);
		for (k = 0; k < r.f->nin; k++)	/* graph inputs are values too */
			r.fval[r.f->in[k]] = xin[k].data;
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
		for (k = 0; k < r.f->nout; k++)
			refs[k] = r.f->out[k].kind == Rval ? r.fval[r.f->out[k].idx] : NULL;
		compareouts(oacc, q->nout < r.f->nout ? q->nout : r.f->nout, outs, refs);
		if (!r.l)
			continue;
		for (k = 0; k < r.l->nin; k++) {
			if (k < nf) {
				lin[k] = xin[k];
				continue;
			}
			lin[k] = floattensor(&r.l->val[r.l->in[k]].type, r.fval[feed[k]]);
			if (!lin[k].data)
				error(NULL, "no float value of '%s' to compare with: the float model "
				    "does not compute it", r.f->val[feed[k]].name);
		}
		r.phase = 2;
		exec_run(el, lin, outs);
	}
	exec_free(ef);
	exec_free(eq);
	if (el)
		exec_free(el);
	arena_free(r.sample);
	free(feed);
	ir_free(r.l);
	res->samples = n;
	res->nrow = r.nrow;
	res->row = r.row;
	res->nout = q->nout;
	res->out = oacc;
	return res;
}
