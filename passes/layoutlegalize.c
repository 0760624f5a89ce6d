/*
 * layoutlegalize.c — the layout-legalize pass: NHWC for what the systolic
 * kernels run (doc/systolic.md section 2).
 *
 * Requires: a quantized module (quantize, propagate-quant).  Does nothing
 *           unless the target is "systolic".
 * Produces: every quantized 2-D conv and max_pool reads and writes nhwc
 *           values (types [N,H,W,C], layout nhwc); layout-agnostic ops
 *           (quantized add, mul, relu, clip, requantize, concat) whose
 *           4-D operands include an nhwc one run in nhwc too (a concat's
 *           axis is rewritten); every other consumer (float ops,
 *           dequantize, reshape, flatten, graph outputs) sees nchw.  A
 *           transpose is inserted only where an nhwc value meets an nchw
 *           consumer or the other way round, one per value and direction,
 *           placed before its first use; a transpose that undoes the
 *           transpose before it goes.  With --io-layout=nhwc, a 4-D
 *           float graph input that is only quantized for nhwc ops, and a
 *           graph output dequantized from an nhwc value, are nhwc
 *           themselves (the model then takes and gives NHWC data).
 * Invalidates: instruction indices (the list is rebuilt in order).
 */
#include <stdlib.h>
#include <string.h>

#include "passes.h"

static const int64_t tonhwc[4] = {0, 2, 3, 1}, tonchw[4] = {0, 3, 1, 2};

typedef struct Ctx {
	Module *m;
	Arena *a;
	bool *nhwc;		/* per value: decided nhwc */
	int *tr[2];		/* per value: its transpose to nchw [0] / nhwc [1], -1 */
} Ctx;

static bool
quant4(const Module *m, Ref r)
{
	const Type *t;

	if (r.kind != Rval)
		return false;
	t = &m->val[r.idx].type;
	return t->q && t->rank == 4 && (t->layout == Lnone || t->layout == Lnchw);
}

/* conv and max_pool that the systolic kernels run: quantized, 2-D */
static bool
anchor(const Module *m, const Ins *in)
{
	if (in->nout < 1 || in->out[0] < 0 || !m->val[in->out[0]].type.q)
		return false;
	if (in->op == Oconv)
		return quant4(m, in->in[0]) && in->in[1].kind == Rcst &&
		    m->cst[in->in[1].idx].type.rank == 4;
	if (in->op == Omax_pool)
		return quant4(m, in->in[0]) && (in->nout < 2 || in->out[1] < 0);
	return false;
}

static bool
agnostic(int op)
{
	switch (op) {
	case Oadd: case Omul: case Orelu: case Oclip: case Orequantize: case Oconcat:
		return true;
	default:
		return false;
	}
}

/* the 4-D quantized value operands an nhwc form of in would transpose */
static bool
dataoperand(const Module *m, const Ins *in, int k)
{
	if (in->in[k].kind != Rval || m->val[in->in[k].idx].type.rank != 4)
		return false;
	if (in->op == Oconv || in->op == Omax_pool || in->op == Orelu ||
	    in->op == Oclip || in->op == Orequantize || in->op == Oquantize ||
	    in->op == Odequantize)
		return k == 0;
	return true;
}

static Type
permuted(const Type *t, const int64_t *perm, Layout l)
{
	Type y = *t;
	int k;

	for (k = 0; k < 4; k++) {
		y.dim[k] = t->dim[perm[k]];
		y.sym[k] = t->sym[perm[k]];
	}
	y.layout = l;
	return y;
}

/* decide, in instruction order, which results are nhwc */
static void
decide(Ctx *c)
{
	Module *m = c->m;
	const Ins *in;
	int i, k;
	bool any, ok;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (in->nout < 1 || in->out[0] < 0)
			continue;
		if (anchor(m, in)) {
			c->nhwc[in->out[0]] = true;
			continue;
		}
		if (!agnostic(in->op) || m->val[in->out[0]].type.rank != 4 ||
		    !m->val[in->out[0]].type.q)
			continue;
		any = false;
		ok = true;
		for (k = 0; k < in->nin; k++) {
			Ref r = in->in[k];
			if (dataoperand(m, in, k))
				any |= c->nhwc[r.idx];
			else if (r.kind == Rval || (r.kind == Rcst && k < 2 &&
			    in->op != Oclip && m->cst[r.idx].type.rank > 0 &&
			    !(m->cst[r.idx].type.rank == 1 && m->cst[r.idx].type.dim[0] == 1)))
				ok = false;	/* a broadcast operand: stay nchw */
		}
		if (any && ok)
			c->nhwc[in->out[0]] = true;
	}
}

/* --io-layout=nhwc: a 4-D f32 graph input whose every user is a quantize
 * whose every user reads it as an nhwc data operand becomes nhwc itself
 * (with those quantizes); a dequantize of an nhwc value that is only a
 * graph output stays nhwc.  The model's interface is then NHWC. */
static void
ioedges(Ctx *c)
{
	Module *m = c->m;
	Arena *a = arena_new();
	Uses *u = ir_uses(m, a);
	const Ins *q, *w, *d;
	int k, j, l, v, qv;
	bool ok;

	for (k = 0; k < m->nin; k++) {
		v = m->in[k];
		if (m->val[v].type.rank != 4 || m->val[v].type.dt != Df32 ||
		    u->count[v] == 0 || ir_isoutput(m, v))
			continue;
		ok = true;
		for (j = 0; j < u->count[v] && ok; j++) {
			q = &m->ins[u->user[v][j]];
			if (q->op != Oquantize || ir_isoutput(m, qv = q->out[0]) ||
			    u->count[qv] == 0) {
				ok = false;
				break;
			}
			for (l = 0; l < u->count[qv]; l++) {
				w = &m->ins[u->user[qv][l]];
				if (!(w->nout >= 1 && w->out[0] >= 0 && c->nhwc[w->out[0]]) ||
				    !(w->in[0].kind == Rval && w->in[0].idx == qv))
					ok = false;
			}
		}
		if (!ok)
			continue;
		c->nhwc[v] = true;
		for (j = 0; j < u->count[v]; j++)
			c->nhwc[m->ins[u->user[v][j]].out[0]] = true;
	}
	for (k = 0; k < m->nout; k++) {
		if (m->out[k].kind != Rval || (v = m->out[k].idx, m->val[v].def < 0))
			continue;
		d = &m->ins[m->val[v].def];
		if (d->op == Odequantize && d->in[0].kind == Rval &&
		    c->nhwc[d->in[0].idx] && u->count[v] == 0)
			c->nhwc[v] = true;
	}
	arena_free(a);
}

/* the operand for value v in layout want (true: nhwc), making a transpose
 * before the instruction being emitted if needed */
static Ref
inlayout(Ctx *c, int v, bool want)
{
	Module *m = c->m;
	Ins *t;
	Attr *a;
	int nv, d = want;

	if (c->nhwc[v] == want)
		return ref_val(v);
	if (c->tr[d][v] >= 0)
		return ref_val(c->tr[d][v]);
	t = ir_addins(m, Otranspose, 1, 1);
	t->name = ir_uniquename(m, arena_printf(c->a, "%s_%s", m->val[v].name,
	    want ? "nhwc" : "nchw"));
	t->in[0] = ref_val(v);
	a = ir_addattr(m, t, "perm", Aints);
	a->n = 4;
	a->ints = arena_alloc(m->arena, 4 * sizeof(int64_t));
	memcpy(a->ints, want ? tonhwc : tonchw, 4 * sizeof(int64_t));
	nv = ir_addval(m, t->name, permuted(&m->val[v].type, want ? tonhwc : tonchw,
	    want ? Lnhwc : Lnchw));
	ir_setout(m, m->nins - 1, 0, nv);
	c->tr[d][v] = nv;
	return ref_val(nv);
}

static void
remapaxis(Module *m, Ins *in)
{
	Attr *a = ir_getattr(in, "axis"), *na;
	int64_t ax;
	static const int64_t newpos[4] = {0, 3, 1, 2};	/* nchw axis -> nhwc */

	ax = a ? a->i : 0;
	if (ax < 0)
		ax += 4;
	if (ax < 0 || ax > 3)
		return;
	/* a fresh attribute list: the old one may be shared with a clone */
	na = arena_alloc(m->arena, (size_t)in->nattr * sizeof(Attr));
	memcpy(na, in->attr, (size_t)in->nattr * sizeof(Attr));
	in->attr = na;
	a = ir_getattr(in, "axis");
	if (!a) {
		a = ir_addattr(m, in, "axis", Aint);
	}
	a->i = newpos[ax];
}

/* same element type, dims, layout (none and nchw alike) and parameters */
static bool
sametensor(const Type *a, const Type *b)
{
	Layout la = a->layout == Lnone ? Lnchw : a->layout;
	Layout lb = b->layout == Lnone ? Lnchw : b->layout;
	int k;

	if (a->dt != b->dt || a->rank != b->rank || la != lb || !qparam_eq(a->q, b->q))
		return false;
	for (k = 0; k < a->rank; k++)
		if (a->dim[k] != b->dim[k])
			return false;
	return true;
}

/* a transpose of a transpose that undoes it reads the original value (its
 * layout and dims are what the consumers of the outer one expect); one
 * such pair per call, true if one went */
static bool
cancel1(Module *m, Arena *a)
{
	Uses *u = ir_uses(m, a);
	Ins *t2, *t1;
	const Attr *p1, *p2;
	int i, k, x;
	bool id, onlyt;
	Type want;

	for (i = 0; i < m->nins; i++) {
		t2 = &m->ins[i];
		if (t2->op != Otranspose || t2->in[0].kind != Rval ||
		    m->val[t2->in[0].idx].def < 0 || ir_isoutput(m, t2->out[0]))
			continue;
		t1 = &m->ins[m->val[t2->in[0].idx].def];
		if (t1->op != Otranspose || t1->in[0].kind != Rval)
			continue;
		p1 = ir_getattr(t1, "perm");
		p2 = ir_getattr(t2, "perm");
		if (!p1 || !p2 || p1->kind != Aints || p2->kind != Aints || p1->n != p2->n)
			continue;
		id = true;
		for (k = 0; k < p2->n; k++)
			if (p2->ints[k] < 0 || p2->ints[k] >= p1->n ||
			    p1->ints[p2->ints[k]] != k)
				id = false;
		if (!id)
			continue;
		/* a value from the model carries no layout; when it only feeds
		 * transposes it can take the one its new consumers expect */
		x = t1->in[0].idx;
		want = m->val[x].type;
		onlyt = true;
		for (k = 0; k < u->count[x]; k++)
			if (m->ins[u->user[x][k]].op != Otranspose)
				onlyt = false;
		if (want.layout == Lnone && onlyt && !ir_isoutput(m, x))
			want.layout = m->val[t2->out[0]].type.layout;
		if (!sametensor(&want, &m->val[t2->out[0]].type))
			continue;
		m->val[x].type = want;
		ir_replaceuses(m, ref_val(t2->out[0]), ref_val(x));
		t2->op = Onop;
		return true;
	}
	return false;
}

static void
cancel(Module *m)
{
	Arena *a = arena_new();

	while (cancel1(m, a))
		arena_reset(a);
	arena_free(a);
}

void
layout_legalize(Module *m)
{
	Ctx c = {0};
	Ins *old, *in;
	Ref *ops;
	int nold, i, k, v, nval0;
	bool want;

	if (!m->target || strcmp(m->target, "systolic") != 0)
		return;
	c.m = m;
	c.a = arena_new();
	nval0 = m->nval;
	c.nhwc = arena_alloc(c.a, (size_t)(m->nval + 1) * sizeof(bool));
	decide(&c);
	if (passcfg.io_nhwc)
		ioedges(&c);
	for (k = 0; k < 2; k++) {
		c.tr[k] = arena_alloc(c.a, (size_t)(m->nval * 3 + 16) * sizeof(int));
		for (v = 0; v < m->nval * 3 + 16; v++)
			c.tr[k][v] = -1;
	}
	/* the nhwc results' types */
	for (v = 0; v < m->nval; v++)
		if (c.nhwc[v])
			m->val[v].type = permuted(&m->val[v].type, tonhwc, Lnhwc);

	old = m->ins;
	nold = m->nins;
	m->ins = NULL;
	m->nins = m->capins = 0;
	for (i = 0; i < nold; i++) {
		const Ins *src = &old[i];
		bool nh = src->nout >= 1 && src->out[0] >= 0 && src->out[0] < nval0 &&
		    c.nhwc[src->out[0]];
		ops = NULL;
		for (k = 0; k < src->nin; k++) {
			Ref r = src->in[k];
			if (r.kind != Rval || r.idx >= nval0)
				continue;
			want = nh && dataoperand(m, src, k);
			if (c.nhwc[r.idx] == want)
				continue;
			if (!ops) {
				ops = arena_alloc(m->arena, (size_t)src->nin * sizeof(Ref));
				memcpy(ops, src->in, (size_t)src->nin * sizeof(Ref));
			}
			ops[k] = inlayout(&c, r.idx, want);
		}
		in = ir_addins(m, src->op, 0, 0);
		*in = *src;
		if (ops)
			in->in = ops;
		for (k = 0; k < in->nout; k++)
			if (in->out[k] >= 0)
				ir_setout(m, m->nins - 1, k, in->out[k]);
		if (nh && in->op == Oconcat)
			remapaxis(m, in);
	}
	free(old);
	/* graph outputs see nchw (unless --io-layout=nhwc): the nhwc value is
	 * renamed and a transpose makes the output under its own name */
	for (k = 0; k < m->nout && !passcfg.io_nhwc; k++) {
		Ins *t;
		Attr *a;
		int nv;
		if (m->out[k].kind != Rval || (v = m->out[k].idx) >= nval0 || !c.nhwc[v])
			continue;
		nv = ir_addval(m, m->val[v].name, permuted(&m->val[v].type, tonchw, Lnchw));
		m->val[v].name = ir_uniquename(m, arena_printf(c.a, "%s_nhwc", m->val[nv].name));
		t = ir_addins(m, Otranspose, 1, 1);
		t->name = ir_uniquename(m, arena_printf(c.a, "%s_nchw", m->val[nv].name));
		t->in[0] = ref_val(v);
		a = ir_addattr(m, t, "perm", Aints);
		a->n = 4;
		a->ints = arena_alloc(m->arena, 4 * sizeof(int64_t));
		memcpy(a->ints, tonchw, 4 * sizeof(int64_t));
		ir_setout(m, m->nins - 1, 0, nv);
		m->out[k] = ref_val(nv);
	}
	arena_free(c.a);
	cancel(m);
	ir_compact(m);
}
