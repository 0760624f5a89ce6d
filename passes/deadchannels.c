/*
 * deadchannels.c — dead input channels: the channels of a layer's input
 * that are exactly 0 on every calibration sample, and the rewrite that sets
 * the weights reading them to 0 (an analysis and a rewrite for the tune
 * pass; doc/passes.md, "tune").
 *
 * Why: a ReLU channel that training killed is 0 for every input, and the
 * depthwise conv reading it has, after BatchNorm folding, a huge weight for
 * it (running variance ~0 makes gamma / sqrt(var + eps) ~ 316 gamma).  That
 * weight multiplies 0, so it is irrelevant to the float function, but it
 * sets a per-tensor int8 weight scale that rounds every other channel away
 * (examples/digitrow).  Zeroing it changes no float result on the samples
 * (x = 0 exactly, weights finite: w * 0 = 0 whatever w) and lets the other
 * channels keep their precision.
 *
 * dead_find(m, d, a): runs m (float, ir_infer'd) on every sample of d and
 *   returns, per instruction, NULL or a byte per input channel (1 = dead)
 *   for each conv, gemm (transA = 0) and matmul whose weight is a constant
 *   f32 and whose activation operand is an instruction result: conv channel
 *   axis 1, gemm/matmul the last axis of A (K).  A channel is dead when its
 *   largest |x| over all samples and positions is 0 (NaN is not 0).
 * dead_zero(m, dead): in m (the same graph), gives every such weight with a
 *   dead channel a private copy with the weights of the dead channels set to
 *   0, where a dead channel's weight sets the weight's largest |w| (the
 *   per-tensor int8 scale; elsewhere zeroing would change nothing that
 *   matters) and no other layer reads the weight; returns how many weights
 *   changed.
 */
#include <math.h>
#include <string.h>

#include "../exec/exec.h"
#include "passes.h"

typedef struct D {
	Module *m;
	int *watch;		/* per value: the instruction reading it, -1 */
	float **amax;		/* per instruction: per input channel max |x| */
	int64_t *nch;		/* per instruction: channels */
} D;

/* the input channel count of layer in, or 0 if it is not one we rewrite */
static int64_t
channels(const Module *m, const Ins *in)
{
	const Type *x, *w;

	if (in->nin < 2 || in->in[0].kind != Rval || in->in[1].kind != Rcst)
		return 0;
	x = &m->val[in->in[0].idx].type;
	w = &m->cst[in->in[1].idx].type;
	if (x->dt != Df32 || w->dt != Df32 || x->rank < 2 || m->val[in->in[0].idx].def < 0)
		return 0;
	switch (in->op) {
	case Oconv:
		return w->rank == x->rank ? x->dim[1] : 0;
	case Ogemm:
		if (ir_attrint(in, "transA", 0) || x->rank != 2 || w->rank != 2)
			return 0;
		return x->dim[1];
	case Omatmul:
		return w->rank == 2 ? x->dim[x->rank - 1] : 0;
	default:
		return 0;
	}
}

static void
hook(void *arg, int ins, const Tensor *const *y)
{
	D *d = arg;
	const Ins *in = &d->m->ins[ins];
	int k;

	for (k = 0; k < in->nout; k++) {
		int v = in->out[k], l;
		const Tensor *t = y[k];
		int64_t c, nc, inner, outer, i, o, j;
		const float *x;
		float *a;
		if (v < 0 || (l = d->watch[v]) < 0 || t->dt != Df32)
			continue;
		nc = d->nch[l];
		a = d->amax[l];
		x = t->data;
		if (d->m->ins[l].op == Oconv) {	/* [N, C, spatial...] */
			outer = t->dim[0];
			inner = 1;
			for (j = 2; j < t->rank; j++)
				inner *= t->dim[j];
		} else {			/* [..., K] */
			outer = (int64_t)(t->nbytes / sizeof(float)) / nc;
			inner = 1;
		}
		for (o = 0; o < outer; o++)
			for (c = 0; c < nc; c++)
				for (i = 0; i < inner; i++) {
					float e = fabsf(x[(o * nc + c) * inner + i]);
					if (!(e <= a[c]))	/* larger, or NaN */
						a[c] = isnan(e) ? INFINITY : e;
				}
	}
}

unsigned char **
dead_find(Module *m, Dataset *ds, Arena *a)
{
	D d;
	Exec *e;
	Arena *s = arena_new();
	Tensor *xin = arena_alloc(a, (size_t)(m->nin + 1) * sizeof(Tensor));
	const Tensor **outs = arena_alloc(a, (size_t)(m->nout + 1) * sizeof(Tensor *));
	unsigned char **dead = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *dead);
	int i, v, n;
	int64_t c;
	bool any = false;

	d.m = m;
	d.watch = arena_alloc(a, (size_t)(m->nval + 1) * sizeof *d.watch);
	d.amax = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *d.amax);
	d.nch = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *d.nch);
	for (v = 0; v < m->nval; v++)
		d.watch[v] = -1;
	for (i = 0; i < m->nins; i++) {
		d.nch[i] = channels(m, &m->ins[i]);
		/* one layer per value: a value read by two layers is left alone */
		if (!d.nch[i] || d.watch[m->ins[i].in[0].idx] != -1) {
			if (d.nch[i])
				d.watch[m->ins[i].in[0].idx] = -2;
			d.nch[i] = 0;
			continue;
		}
		d.watch[m->ins[i].in[0].idx] = i;
		d.amax[i] = arena_alloc(a, (size_t)d.nch[i] * sizeof(float));
		any = true;
	}
	for (v = 0; v < m->nval; v++)
		if (d.watch[v] == -2)
			d.watch[v] = -1;
	if (!any) {
		arena_free(s);
		return dead;
	}
	e = exec_new(m);
	exec_hook(e, hook, &d);
	n = dataset_count(ds);
	for (i = 0; i < n; i++) {
		arena_reset(s);
		dataset_load(ds, i, s, xin);
		exec_run(e, xin, outs);
	}
	exec_free(e);
	arena_free(s);
	for (i = 0; i < m->nins; i++) {
		if (!d.nch[i] || d.watch[m->ins[i].in[0].idx] != i)
			continue;
		for (c = 0; c < d.nch[i] && d.amax[i][c] != 0; c++)
			;
		if (c == d.nch[i])
			continue;	/* no dead channel */
		dead[i] = arena_alloc(a, (size_t)d.nch[i]);
		for (c = 0; c < d.nch[i]; c++)
			dead[i][c] = d.amax[i][c] == 0;
	}
	return dead;
}

/* the input channel of weight element e of layer in (weight w, nc input
 * channels) */
static int64_t
chanof(const Ins *in, const Cst *w, int64_t nc, int64_t e)
{
	int64_t kvol = 1, cpg, o, j;

	if (in->op == Oconv) {
		for (j = 2; j < w->type.rank; j++)
			kvol *= w->type.dim[j];
		cpg = w->type.dim[1];
		o = e / (cpg * kvol);
		return o / (w->type.dim[0] / (nc / cpg)) * cpg + e / kvol % cpg;
	}
	if (in->op == Ogemm && ir_attrint(in, "transB", 0))
		return e % nc;
	return e / w->type.dim[1];
}

/* does a dead channel's weight set the per-tensor range (the largest |w|)?
 * Otherwise zeroing changes no int8 weight scale and is not worth the
 * rewrite. */
static bool
setsrange(const Ins *in, const Cst *w, int64_t nc, const unsigned char *dead)
{
	const float *p = w->data;
	int64_t n = (int64_t)(w->nbytes / sizeof(float)), e;
	float live = 0, all = 0;

	for (e = 0; e < n; e++) {
		float a = fabsf(p[e]);
		if (a > all)
			all = a;
		if (!dead[chanof(in, w, nc, e)] && a > live)
			live = a;
	}
	return all > live;
}

int
dead_zero(Module *m, unsigned char *const *dead)
{
	Arena *a = arena_new();
	Uses *u = ir_uses(m, a);
	int i, changed = 0;

	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		Cst *w;
		float *p;
		int64_t nc, o, c, r, cout, cpg, kvol = 1, g, j;
		bool any = false;
		if (!dead[i] || !(nc = channels(m, in)) || u->cstcount[in->in[1].idx] != 1)
			continue;	/* a shared weight stays as it is */
		w = &m->cst[in->in[1].idx];
		if (!setsrange(in, w, nc, dead[i]))
			continue;	/* int8 would not change: leave it */
		p = arena_memdup(m->arena, w->data, w->nbytes);
		if (in->op == Oconv) {	/* W [M, C/group, k...] */
			cout = w->type.dim[0];
			cpg = w->type.dim[1];
			g = nc / cpg;
			for (j = 2; j < w->type.rank; j++)
				kvol *= w->type.dim[j];
			for (o = 0; o < cout; o++)
				for (c = 0; c < cpg; c++) {
					int64_t ci = o / (cout / g) * cpg + c;
					if (!dead[i][ci])
						continue;
					for (r = 0; r < kvol; r++)
						if (p[(o * cpg + c) * kvol + r] != 0)
							p[(o * cpg + c) * kvol + r] = 0, any = true;
				}
		} else {	/* B [K, N], or [N, K] for gemm transB */
			bool tb = in->op == Ogemm && ir_attrint(in, "transB", 0);
			int64_t nn = tb ? w->type.dim[0] : w->type.dim[1];
			for (c = 0; c < nc; c++)
				for (o = 0; dead[i][c] && o < nn; o++) {
					float *q = tb ? &p[o * nc + c] : &p[c * nn + o];
					if (*q != 0)
						*q = 0, any = true;
				}
		}
		if (!any)
			continue;
		w->data = p;	/* a private copy: a clone shares the original */
		changed++;
	}
	arena_free(a);
	return changed;
}
