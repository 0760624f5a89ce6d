/*
 * tune.c — the tune pass (-O2): quantize the calibrated module the way that
 * measures best on the calibration samples (doc/passes.md, "tune").
 *
 * Requires: a calibrated float module (the calibrate pass), passcfg as for
 *           quantize; passcfg.calib (the samples) for the measured choices.
 * Produces: what quantize + propagate-quant produce, for the chosen
 *           configuration; passlog.tune describes every choice and its
 *           measurement, passlog.kept the nodes left float and why.
 * Invalidates: as quantize.
 *
 * It is a driver of other passes, like pipeline.c: every candidate is a
 * copy of the calibrated module (ir_clone) put through quantize and
 * propagate-quant with different settings, then measured against the float
 * module on every calibration sample (exec/quality.c: the lowest output
 * SQNR).  Starting from the seed-exact settings, each step keeps a change
 * only if the measured SQNR does not drop, so the result is never worse
 * than seed-exact on the calibration samples:
 *   0. dead input channels (deadchannels.c): weights reading a channel that
 *      is 0 on every sample set to 0 where they set the weight's int8 scale
 *      (no float result on the samples changes; a BN-folded depthwise
 *      conv's huge dead-channel weights stop rounding the others away).
 *      Since "0 on every sample" is evidence, not proof, it is kept only
 *      for a gain of DEADGAIN dB or more;
 *   1. float regions (floatregions.c): norm chains, gates, softmax inputs;
 *   2. bias correction (quantize's --bias-correction);
 *   3. cross-layer equalization (the equalize pass on a copy, recalibrated
 *      on the samples; skipped when it changes no weight);
 *   4. range per tensor: for the TRYRANGES tensors with the worst per-layer
 *      SQNR, each of percentile:99.99, mse and entropy instead of the
 *      calibrated method;
 *   5. mixed precision: while the output SQNR is below --min-sqnr (default
 *      DEFAULT_MIN_SQNR dB), the quantized conv/gemm/matmul/add/mul... with
 *      the worst per-layer SQNR is kept float, if that raises the output
 *      SQNR by FLOATGAIN dB or more; the float layers stay within
 *      FLOATMACS of the model's conv/gemm/matmul multiply-accumulates (the
 *      first one is always allowed), and at most MAXTRIES layers are tried.
 * Every run is one thread in sample order and ties keep the earlier
 * choice, so the choices are a function of model, data and flags.  The
 * final module is built on m itself with the chosen settings (the same
 * steps as the measured candidate).  Without samples (only a table) or with
 * --dynamic nothing can be measured: float regions on, nothing else.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/quality.h"
#include "../frontend/dataset.h"
#include "calibstats.h"
#include "calibtable.h"
#include "passes.h"

enum {
	TRYRANGES = 3,		/* tensors whose range method is searched */
	MAXTRIES = 12,		/* mixed precision: layers tried at most */
	TUNE_SAMPLES = 32,	/* measured on the first 32 samples at most */
};
#define DEFAULT_MIN_SQNR 20.0
#define FLOATMACS 0.10		/* float layers: at most 10% of the MACs */
#define DEADGAIN 1.0		/* dB a dead-channel rewrite must gain */
#define FLOATGAIN 0.1		/* dB a layer kept float must gain */

typedef struct Cand {
	bool dead, regions, bc, eq;
	signed char *meth;	/* per value: index into meths, -1 = calibrated */
	const char **why;	/* per instruction: kept float by mixed precision */
} Cand;

typedef struct T {
	Module *f;		/* the calibrated float module (a copy) */
	Module *feq;		/* f equalized and recalibrated, or NULL */
	unsigned char **dead;	/* dead_find on f: per layer, dead input channels */
	CalibTable st, steq;	/* statistics behind f's and feq's ranges */
	NameMap *slot;		/* value name -> statistics index */
	Dataset *d;
	QualityRef *ref;	/* f's outputs on the samples */
	Arena *a;
	char *log;
	size_t nlog, caplog;
	int evals;
} T;

static const char *const methname[] = {"percentile:99.99", "mse", "entropy"};
enum { NMETH = 3 };

static void PRINTF(2, 3)
say(T *t, const char *fmt, ...)
{
	va_list ap;
	char buf[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	while (t->nlog + (size_t)n + 1 > t->caplog) {
		t->caplog = t->caplog ? 2 * t->caplog : 1024;
		t->log = xrealloc(t->log, t->caplog);
	}
	memcpy(t->log + t->nlog, buf, (size_t)n + 1);
	t->nlog += (size_t)n;
}

/* a copy of the statistics table (calibrate_stats is overwritten by the
 * next calibrate run) */
static void
copystats(T *t, CalibTable *dst)
{
	const CalibTable *s = calibrate_stats();

	if (!s)
		error(NULL, "the tune pass needs the calibrate pass before it in the "
		    "pipeline (-O2 runs both)");
	dst->hash = s->hash;
	dst->samples = s->samples;
	dst->n = s->n;
	dst->name = arena_alloc(t->a, (size_t)(s->n + 1) * sizeof *s->name);
	dst->st = arena_alloc(t->a, (size_t)(s->n + 1) * sizeof *s->st);
	for (int k = 0; k < s->n; k++) {
		dst->name[k] = arena_strdup(t->a, s->name[k]);
		dst->st[k] = s->st[k];
	}
}

/* the range of value v by method k (0..NMETH-1); false if no statistics */
static bool
rangeof(T *t, const Cand *c, int v, int k, float *lo, float *hi)
{
	const CalibTable *st = c->eq ? &t->steq : &t->st;
	Module *f = c->eq ? t->feq : t->f;
	CalibMethod cm;
	int s = namemap_get(t->slot, f->val[v].name);

	if (s < 0 || s >= st->n || strcmp(st->name[s], f->val[v].name) != 0)
		return false;
	if (!calib_parsemethod(methname[k], &cm))
		die("tune: bad method %s", methname[k]);
	return calib_range(&st->st[s], &cm, lo, hi);
}

/* put the quantize + propagate-quant steps of candidate c on m */
static void
apply(T *t, const Cand *c, Module *m, bool final)
{
	PassConfig save = passcfg;
	float lo, hi;
	int v;

	for (v = 0; v < m->nval; v++)
		if (c->meth[v] >= 0 && rangeof(t, c, v, c->meth[v], &lo, &hi)) {
			m->val[v].type.hasrange = true;
			m->val[v].type.lo = lo;
			m->val[v].type.hi = hi;
		}
	passcfg.float_regions = c->regions;
	passcfg.bias_correction = c->bc;
	passcfg.float_why = c->why;
	passcfg.nfloat_why = m->nins;
	passcfg.tuning = !final;
	quantize(m);
	propagate_quant(m);
	passcfg = save;
}

/* the lowest output SQNR of candidate c; *qu its measurement */
static double
evaluate(T *t, const Cand *c, bool perlayer, Quality **qu)
{
	Module *q = ir_clone(c->eq ? t->feq : t->f);
	Quality *r;

	if (c->dead)
		(void)dead_zero(q, t->dead);
	apply(t, c, q, false);
	if (!passcfg.target || strcmp(passcfg.target, "ort") != 0) {
		/* -O2's back half: the same bits (tests/quant/o2-equals-o1.test),
		 * with the fast nhwc kernels; graph inputs stay nchw */
		PassConfig save = passcfg;
		passcfg.io_nhwc = false;
		layout_legalize(q);
		relu_fuse(q);
		weight_pack(q);
		passcfg = save;
	}
	ir_infer(q);
	r = perlayer ? quality_measure(t->f, q, t->d, true, t->a) :
	    quality_outputs(t->ref, q, t->a);
	ir_free(q);
	t->evals++;
	if (qu)
		*qu = r;
	return quality_outsqnr(r);
}

static Cand
copycand(T *t, const Cand *c, int nval, int nins)
{
	Cand n = *c;

	n.meth = arena_memdup(t->a, c->meth, (size_t)(nval + 1));
	n.why = arena_memdup(t->a, c->why, (size_t)(nins + 1) * sizeof *c->why);
	return n;
}

/* give m private copies of its constants (equalize writes weights in place;
 * a clone shares them with its original) */
static void
ownconsts(Module *m)
{
	int k;

	for (k = 0; k < m->ncst; k++)
		if (m->cst[k].nbytes)
			m->cst[k].data = arena_memdup(m->arena, m->cst[k].data, m->cst[k].nbytes);
}

/* equalize wants an uncalibrated module (it would make ranges stale) */
static void
dropranges(Module *m)
{
	int v;

	for (v = 0; v < m->nval; v++)
		m->val[v].type.hasrange = false;
}

/* did equalize change a constant? */
static bool
changed(const Module *a, const Module *b)
{
	int k;

	if (a->ncst != b->ncst)
		return true;
	for (k = 0; k < a->ncst; k++)
		if (a->cst[k].nbytes != b->cst[k].nbytes ||
		    memcmp(a->cst[k].data, b->cst[k].data, a->cst[k].nbytes) != 0)
			return true;
	return false;
}

static char *
strdup_(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* the value whose calibrated range sets v's parameters: propagate-quant
 * derives a Relu's or Clip's parameters from its producer's range (a
 * Relu -> MaxPool pair from the MaxPool's, which is the row itself) */
static int
governing(const Module *f, int v)
{
	int d;

	while ((d = f->val[v].def) >= 0 && (f->ins[d].op == Orelu || f->ins[d].op == Oclip) &&
	    f->ins[d].in[0].kind == Rval)
		v = f->ins[d].in[0].idx;
	return v;
}

/* one line of the log: what was tried, the SQNR measured, the verdict */
static void
step(T *t, const char *what, double sqnr, const char *verdict)
{
	char b[32], line[512];
	size_t n;

	snprintf(line, sizeof line, "#   %-52s %8s  %s", what, isnan(sqnr) ? "" : qdb(b, sqnr),
	    verdict ? verdict : "");
	for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = 0;
	say(t, "%s\n", line);
}

static bool
mpop(int op)
{
	switch (op) {
	case Oconv: case Ogemm: case Omatmul: case Oadd: case Omul:
	case Osigmoid: case Oleaky_relu: case Oaverage_pool: case Oglobal_average_pool:
		return true;
	default:
		return false;
	}
}

/* t->feq: f (with dead channels zeroed if dead) equalized and recalibrated
 * on the samples; NULL if equalize changes no weight */
static void
buildfeq(T *t, bool dead)
{
	PassConfig save = passcfg;

	t->feq = ir_clone(t->f);
	ownconsts(t->feq);
	if (dead)
		(void)dead_zero(t->feq, t->dead);
	dropranges(t->feq);
	equalize(t->feq);
	if (!changed(t->f, t->feq) || t->feq->nins != t->f->nins ||
	    t->feq->nval != t->f->nval) {
		ir_free(t->feq);
		t->feq = NULL;
		return;
	}
	passcfg.calib_table = NULL;	/* the table is the unequalized graph's */
	calibrate(t->feq);
	passcfg = save;
	copystats(t, &t->steq);
}

/* multiply-accumulates of a conv, gemm or matmul (0 for other ops) */
static double
macs(const Module *m, const Ins *in)
{
	const Type *y, *w;
	double n = 1;
	int k;

	if (in->nout < 1 || in->out[0] < 0 || in->nin < 2)
		return 0;
	y = &m->val[in->out[0]].type;
	w = ir_reftype((Module *)m, in->in[1]);
	if (!w || y->rank < 1 || w->rank < 1)
		return 0;
	for (k = 0; k < y->rank; k++)
		n *= (double)(y->dim[k] > 0 ? y->dim[k] : 1);
	switch (in->op) {
	case Oconv:	/* per output element: C/group * kernel volume */
		for (k = 1; k < w->rank; k++)
			n *= (double)w->dim[k];
		return n;
	case Ogemm:
		return n * (double)(ir_attrint(in, "transB", 0) ? w->dim[w->rank - 1] : w->dim[0]);
	case Omatmul:	/* K: A's last dim */
		return in->in[0].kind == Rval ? n * (double)m->val[in->in[0].idx].type.dim[
		    m->val[in->in[0].idx].type.rank - 1] : n * (double)w->dim[0];
	default:
		return 0;
	}
}

/* the measured choices; returns the chosen candidate */
static Cand
search(T *t, Module *m)
{
	Module *f = t->f;
	Cand best, c;
	Quality *qu;
	double sbest, s, target = passcfg.min_sqnr_set ? passcfg.min_sqnr : DEFAULT_MIN_SQNR;
	const char **regions;
	bool any = false;
	int i, k, j, nfloat = 0, tries, v;
	double total = 0, used = 0;
	char b1[32], b2[32];
	bool *tried, stale = true;

	best.dead = best.regions = best.bc = best.eq = false;
	best.meth = arena_alloc(t->a, (size_t)(f->nval + 1));
	memset(best.meth, -1, (size_t)(f->nval + 1));
	best.why = arena_alloc(t->a, (size_t)(f->nins + 1) * sizeof *best.why);
	sbest = evaluate(t, &best, false, NULL);
	say(t, "# tune: output SQNR (dB, the lowest output) on %d calibration samples; "
	    "each step is kept if it does not lower it\n", dataset_count(t->d));
	step(t, passcfg.calib_method && strcmp(passcfg.calib_method, "minmax") != 0 ?
	    arena_printf(t->a, "seed rules, %s ranges", passcfg.calib_method) :
	    "seed-exact (minmax ranges)", sbest, NULL);

	/* 0. dead input channels */
	for (i = 0, k = 0; i < f->nins; i++)
		k += t->dead[i] != NULL;
	if (k) {
		c = copycand(t, &best, f->nval, f->nins);
		c.dead = true;
		s = evaluate(t, &c, false, NULL);
		/* data-dependent (0 on these samples): kept for a clear gain only */
		step(t, arena_printf(t->a, "+ dead input channels zeroed (%d layer%s with some)",
		    k, k == 1 ? "" : "s"), s, s >= sbest + DEADGAIN ? "kept" : "dropped");
		if (s >= sbest + DEADGAIN)
			best = c, sbest = s;
	} else
		step(t, "+ dead input channels: none", NAN, NULL);

	/* 1. float regions */
	regions = float_regions(f, t->a);
	for (i = 0; i < f->nins; i++)
		any = any || regions[i];
	if (any) {
		c = copycand(t, &best, f->nval, f->nins);
		c.regions = true;
		s = evaluate(t, &c, false, NULL);
		step(t, "+ float regions", s, s >= sbest ? "kept" : "dropped");
		if (s >= sbest)
			best = c, sbest = s;
	} else
		step(t, "+ float regions: none in this model", NAN, NULL);

	/* 2. bias correction */
	c = copycand(t, &best, f->nval, f->nins);
	c.bc = true;
	s = evaluate(t, &c, false, NULL);
	step(t, "+ bias correction", s, s >= sbest ? "kept" : "dropped");
	if (s >= sbest)
		best = c, sbest = s;

	/* 3. equalization */
	buildfeq(t, best.dead);
	if (t->feq) {
		c = copycand(t, &best, f->nval, f->nins);
		c.eq = true;
		s = evaluate(t, &c, false, NULL);
		step(t, "+ cross-layer equalization", s, s >= sbest ? "kept" : "dropped");
		if (s >= sbest)
			best = c, sbest = s;
	} else
		step(t, "+ cross-layer equalization: no pair to equalize", NAN, NULL);

	/* 4. the range method of the worst tensors */
	tried = arena_alloc(t->a, (size_t)(f->nval + 1));
	(void)evaluate(t, &best, true, &qu);
	quality_sort(qu);
	for (j = 0, k = 0; j < qu->nrow && k < TRYRANGES; j++) {
		int mbest = -1;
		float lo0, hi0, lo, hi;
		if (isinf(qrow_rank(&qu->row[j])))
			break;	/* the rest: no error worth a measurement */
		v = governing(f, qu->row[j].f);
		if (tried[v] || !f->val[v].type.hasrange || !rangeof(t, &best, v, 0, &lo, &hi))
			continue;
		tried[v] = true;
		k++;
		lo0 = (best.eq ? t->feq : f)->val[v].type.lo;
		hi0 = (best.eq ? t->feq : f)->val[v].type.hi;
		for (i = 0; i < NMETH; i++) {
			if (!rangeof(t, &best, v, i, &lo, &hi) ||
			    (fabsf(lo - lo0) <= 1e-3f * fabsf(lo0) && fabsf(hi - hi0) <= 1e-3f * fabsf(hi0)))
				continue;
			c = copycand(t, &best, f->nval, f->nins);
			c.meth[v] = (signed char)i;
			s = evaluate(t, &c, false, NULL);
			if (s > sbest) {
				sbest = s;
				mbest = i;
			}
		}
		if (mbest >= 0) {
			best.meth[v] = (signed char)mbest;
			step(t, arena_printf(t->a, "range of %%%s: %s", f->val[v].name,
			    methname[mbest]), sbest, "kept");
		} else
			step(t, arena_printf(t->a, "range of %%%s: as calibrated", f->val[v].name),
			    NAN, "(no other method measured better)");
	}

	/* 5. mixed precision, within a budget of multiply-accumulates */
	for (i = 0; i < f->nins; i++)
		total += macs(f, &f->ins[i]);
	tried = arena_alloc(t->a, (size_t)(f->nins + 1));	/* now per instruction */
	for (tries = 0; sbest < target && tries < MAXTRIES; tries++) {
		int pick = -1;
		double lsq = 0;
		if (stale) {	/* the ranking of the current best */
			(void)evaluate(t, &best, true, &qu);
			quality_sort(qu);
			stale = false;
		}
		for (j = 0; j < qu->nrow && pick < 0; j++) {
			int d = f->val[qu->row[j].f].def;
			/* a fused activation's row stands for its producer */
			while (d >= 0 && (f->ins[d].op == Orelu || f->ins[d].op == Oclip) &&
			    f->ins[d].in[0].kind == Rval)
				d = f->val[f->ins[d].in[0].idx].def;
			if (isinf(qrow_rank(&qu->row[j])))
				break;
			if (d < 0 || tried[d] || best.why[d] || !mpop(f->ins[d].op))
				continue;
			if (nfloat > 0 && used + macs(f, &f->ins[d]) > FLOATMACS * total)
				continue;	/* over the budget (the first layer is free) */
			pick = d;
			lsq = qacc_sqnr(&qu->row[j].layer);
		}
		if (pick < 0)
			break;
		tried[pick] = true;
		c = copycand(t, &best, f->nval, f->nins);
		c.why[pick] = arena_printf(m->arena, "mixed precision: layer SQNR %s dB",
		    qdb(b2, lsq));
		s = evaluate(t, &c, false, NULL);
		step(t, arena_printf(t->a, "float %s '%s' (layer %s dB)",
		    ir_opname(f, &f->ins[pick]), f->ins[pick].name[0] ? f->ins[pick].name :
		    f->val[f->ins[pick].out[0]].name, qdb(b2, lsq)), s,
		    s >= sbest + FLOATGAIN ? "kept" : "dropped");
		if (s >= sbest + FLOATGAIN) {	/* work leaves the accelerator: worth it? */
			best = c;
			sbest = s;
			nfloat++;
			used += macs(f, &f->ins[pick]);
			stale = true;
		}
	}
	if (sbest >= target)
		say(t, "# tune: output SQNR %s dB >= --min-sqnr=%g; %d layer(s) kept float "
		    "by mixed precision (%.1f%% of the multiply-accumulates); %d "
		    "measurements\n", qdb(b1, sbest), target, nfloat,
		    total > 0 ? 100 * used / total : 0.0, t->evals);
	else
		say(t, "# tune: output SQNR %s dB is below --min-sqnr=%g with %d layer(s) "
		    "kept float (%.1f%% of the multiply-accumulates; the budget is %.0f%%, "
		    "%d tries); %d measurements\n", qdb(b1, sbest), target, nfloat,
		    total > 0 ? 100 * used / total : 0.0, 100 * FLOATMACS, MAXTRIES, t->evals);
	return best;
}

void
tune(Module *m)
{
	DatasetOpts o = {passcfg.calib_limit, passcfg.preprocess, passcfg.channel_order};
	PassConfig save = passcfg;
	T t;

	if (!o.limit || o.limit > TUNE_SAMPLES)
		o.limit = TUNE_SAMPLES;
	Cand best;
	int k;

	free(passlog.tune);
	passlog.tune = NULL;
	if (!passcfg.calib || passcfg.dynamic) {
		/* nothing to measure with: the data-free choice only */
		if (!passcfg.calib)
			warn(NULL, "-O2 without the calibration samples (--calib): the tune "
			    "pass measures nothing and applies only float regions, so the "
			    "module differs from -O2 with --calib=DATA");
		passcfg.float_regions = true;
		quantize(m);
		propagate_quant(m);
		passcfg = save;
		passlog.tune = strdup_(!passcfg.calib ?
		    "# tune: no calibration samples (--calib): float regions only; bias "
		    "correction, equalization, range choice and mixed precision need "
		    "them\n" : "# tune: --dynamic: float regions only\n");
		return;
	}
	memset(&t, 0, sizeof t);
	t.a = arena_new();
	ir_infer(m);
	t.f = ir_clone(m);
	copystats(&t, &t.st);
	t.slot = namemap_new(t.a, (size_t)t.st.n * 2 + 16);
	for (k = 0; k < t.st.n; k++)
		(void)namemap_put(t.slot, t.st.name[k], k);
	t.d = dataset_open(passcfg.calib, t.f, &o);
	t.ref = quality_ref(t.f, t.d, t.a);

	t.dead = dead_find(t.f, t.d, t.a);

	best = search(&t, m);

	/* the chosen candidate, built on m itself */
	if (best.dead)
		(void)dead_zero(m, t.dead);
	if (best.eq) {
		ownconsts(m);
		dropranges(m);
		equalize(m);
		for (k = 0; k < m->nval; k++) {
			m->val[k].type.hasrange = t.feq->val[k].type.hasrange;
			m->val[k].type.lo = t.feq->val[k].type.lo;
			m->val[k].type.hi = t.feq->val[k].type.hi;
		}
	}
	apply(&t, &best, m, true);
	passlog.tune = strdup_(t.log ? t.log : "");
	free(t.log);
	dataset_close(t.d);
	if (t.feq)
		ir_free(t.feq);
	ir_free(t.f);
	arena_free(t.a);
}
