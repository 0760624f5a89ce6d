/*
 * floatregions.c — float_regions: the instructions of a float module that
 * int8 requantization only hurts, with the reason for each (doc/passes.md,
 * "float regions").  An analysis, not a pass: the quantize pass asks for it
 * under passcfg.float_regions (on at -O2) and leaves the marked
 * instructions float, so a region costs one dequantize in and one quantize
 * out instead of an int8 round trip per elementwise op.
 *
 * Recognised (operands may come in either order where the op commutes;
 * "c" is a constant of one element):
 *   layernorm chain   ReduceMean(x) -> Sub(x, .) = d; Pow(d, 2) or Mul(d, d)
 *                     -> ReduceMean -> [Add(., c)] -> Sqrt -> Div(d, .), or
 *                     Sqrt -> Reciprocal -> Mul(d, .), or Pow(., -0.5) ->
 *                     Mul(d, .); then Mul(., constant) and Add(., constant)
 *                     when each is the only user (the affine part)
 *   rmsnorm chain     the same without the mean: d is x itself
 *   LayerNormalization, SimplifiedLayerNormalization, RMSNormalization ops
 *   hard-swish gate   HardSigmoid(x) -> Mul(x, .); Add(x, 3) -> Clip(0, 6) ->
 *                     Mul/Div by 6 and Mul(x, .) in either order
 *   hard-sigmoid gate HardSigmoid(g) -> Mul(y, .) with y not g
 *   sigmoid gate      Sigmoid(x) -> Mul(x, .) (SiLU)
 *   softmax input     Softmax's operand back through Mul/Div by c and Add
 *                     (a mask) to the MatMul or Gemm that makes it
 * The result is a function of the module alone (no data): deterministic.
 */
#include <math.h>
#include <string.h>

#include "passes.h"

typedef struct R {
	Module *m;
	Uses *u;
	const char **why;
} R;

static int
defop(R *r, Ref x)
{
	int d;

	if (x.kind != Rval || (d = r->m->val[x.idx].def) < 0)
		return Onop;
	return r->m->ins[d].op;
}

static Ins *
defins(R *r, Ref x)
{
	if (x.kind != Rval || r->m->val[x.idx].def < 0)
		return NULL;
	return &r->m->ins[r->m->val[x.idx].def];
}

/* the single f32 value of a one-element constant */
static bool
scalar(R *r, Ref x, float *v)
{
	const Cst *c;

	if (x.kind != Rcst)
		return false;
	c = &r->m->cst[x.idx];
	if (c->type.dt != Df32 || c->nbytes != sizeof(float))
		return false;
	memcpy(v, c->data, sizeof *v);
	return true;
}

static bool
isconst(Ref x)
{
	return x.kind == Rcst;
}

/* the only user of in's result, or NULL */
static Ins *
onlyuser(R *r, const Ins *in)
{
	int v = in->nout > 0 ? in->out[0] : -1;

	if (v < 0 || r->u->count[v] != 1 || ir_isoutput(r->m, v))
		return NULL;
	return &r->m->ins[r->u->user[v][0]];
}

/* the users of in's result with op op, one at a time (k: cursor) */
static Ins *
userop(R *r, const Ins *in, int op, int *k)
{
	int v = in->nout > 0 ? in->out[0] : -1;

	if (v < 0)
		return NULL;
	for (; *k < r->u->count[v]; ++*k) {
		Ins *y = &r->m->ins[r->u->user[v][*k]];
		if (y->op == op) {
			++*k;
			return y;
		}
	}
	return NULL;
}

static void
mark(R *r, const Ins *in, const char *why)
{
	if (in && !r->why[in - r->m->ins])
		r->why[in - r->m->ins] = why;
}

static bool
refis(const Ins *in, int k, int val)
{
	return in->nin > k && in->in[k].kind == Rval && in->in[k].idx == val;
}

/* the other operand of a binary op, given one of them */
static int
otherk(const Ins *in, int val)
{
	if (refis(in, 0, val))
		return 1;
	if (refis(in, 1, val))
		return 0;
	return -1;
}

/* ---- normalisation chains ------------------------------------------------- */

/* from the variance reduction rv (ReduceMean of d^2) to the normalised
 * result: returns the final instruction (Div or Mul) or NULL; marks on
 * success */
static const Ins *
normtail(R *r, Ins *rv, int d, const char *why)
{
	Ins *chain[4], *y = onlyuser(r, rv), *z;
	int n = 0, k;
	float c;

	if (y && y->op == Oadd && (k = otherk(y, rv->out[0])) >= 0 && isconst(y->in[k])) {
		chain[n++] = y;	/* + epsilon */
		y = onlyuser(r, y);
	}
	if (!y)
		return NULL;
	if (y->op == Osqrt) {
		chain[n++] = y;
		z = onlyuser(r, y);
		if (z && z->op == Odiv && refis(z, 0, d) && refis(z, 1, y->out[0])) {
			chain[n++] = z;
		} else if (z && z->op == Oopaque && strcmp(z->optype, "Reciprocal") == 0) {
			chain[n++] = z;
			y = z;
			z = onlyuser(r, z);
			if (!z || z->op != Omul || otherk(z, y->out[0]) < 0 ||
			    !refis(z, otherk(z, y->out[0]), d))
				return NULL;
			chain[n++] = z;
		} else
			return NULL;
	} else if (y->op == Opow && scalar(r, y->in[1], &c) && c == -0.5f) {
		chain[n++] = y;
		z = onlyuser(r, y);
		if (!z || z->op != Omul || otherk(z, y->out[0]) < 0 ||
		    !refis(z, otherk(z, y->out[0]), d))
			return NULL;
		chain[n++] = z;
	} else
		return NULL;
	for (k = 0; k < n; k++)
		mark(r, chain[k], why);
	return chain[n - 1];
}

static void
norms(R *r)
{
	Module *m = r->m;
	int i, d, k;
	float c;

	for (i = 0; i < m->nins; i++) {
		Ins *rv = &m->ins[i], *sq, *sub, *mean = NULL, *y, *z;
		const Ins *end;
		const char *why;
		if (rv->op != Oreduce_mean || rv->in[0].kind != Rval)
			continue;
		sq = defins(r, rv->in[0]);
		if (!sq)
			continue;
		if (sq->op == Opow && scalar(r, sq->in[1], &c) && c == 2.0f && sq->in[0].kind == Rval)
			d = sq->in[0].idx;
		else if (sq->op == Omul && sq->in[0].kind == Rval && refis(sq, 1, sq->in[0].idx))
			d = sq->in[0].idx;
		else
			continue;
		sub = defins(r, ref_val(d));
		why = "rmsnorm chain";
		if (sub && sub->op == Osub && sub->in[1].kind == Rval &&
		    defop(r, sub->in[1]) == Oreduce_mean) {
			mean = defins(r, sub->in[1]);
			if (ref_eq(mean->in[0], sub->in[0]))
				why = "layernorm chain";
			else
				mean = NULL;
		}
		if (!(end = normtail(r, rv, d, why)))
			continue;
		mark(r, sq, why);
		mark(r, rv, why);
		if (mean) {
			mark(r, mean, why);
			mark(r, sub, why);
		}
		/* the affine part: * gamma, + beta */
		y = onlyuser(r, end);
		if (y && y->op == Omul && (k = otherk(y, end->out[0])) >= 0 && isconst(y->in[k])) {
			mark(r, y, why);
			z = onlyuser(r, y);
			if (z && z->op == Oadd && (k = otherk(z, y->out[0])) >= 0 && isconst(z->in[k]))
				mark(r, z, why);
		} else if (y && y->op == Oadd && (k = otherk(y, end->out[0])) >= 0 &&
		    isconst(y->in[k]))
			mark(r, y, why);
	}
	for (i = 0; i < m->nins; i++)
		if (m->ins[i].op == Oopaque &&
		    (strcmp(m->ins[i].optype, "LayerNormalization") == 0 ||
		    strcmp(m->ins[i].optype, "SimplifiedLayerNormalization") == 0 ||
		    strcmp(m->ins[i].optype, "RMSNormalization") == 0))
			mark(r, &m->ins[i], "layernorm op");
}

/* ---- gates ---------------------------------------------------------------- */

static bool
isscalar(R *r, Ref x, float want)
{
	float c;

	return scalar(r, x, &c) && fabsf(c - want) <= 1e-6f * fabsf(want);
}

static void
gates(R *r)
{
	Module *m = r->m;
	int i, k, x, cur;

	for (i = 0; i < m->nins; i++) {
		Ins *g = &m->ins[i], *y;
		if ((g->op != Ohard_sigmoid && g->op != Osigmoid) || g->in[0].kind != Rval)
			continue;
		x = g->in[0].idx;
		cur = 0;
		while ((y = userop(r, g, Omul, &cur))) {
			k = otherk(y, g->out[0]);
			if (k < 0)
				continue;
			if (refis(y, k, x)) {
				mark(r, g, g->op == Osigmoid ? "sigmoid gate" : "hard-swish gate");
				mark(r, y, g->op == Osigmoid ? "sigmoid gate" : "hard-swish gate");
			} else if (g->op == Ohard_sigmoid) {
				mark(r, g, "hard-sigmoid gate");
				mark(r, y, "hard-sigmoid gate");
			}
		}
	}
	/* x * relu6(x + 3) / 6, the decomposed hard-swish */
	for (i = 0; i < m->nins; i++) {
		Ins *a = &m->ins[i], *cl, *s1, *s2;
		if (a->op != Oadd || (k = isscalar(r, a->in[1], 3.0f) ? 0 :
		    isscalar(r, a->in[0], 3.0f) ? 1 : -1) < 0 || a->in[k].kind != Rval)
			continue;
		x = a->in[k].idx;
		cl = onlyuser(r, a);
		if (!cl || cl->op != Oclip || cl->nin < 3 || !isscalar(r, cl->in[1], 0.0f) ||
		    !isscalar(r, cl->in[2], 6.0f))
			continue;
		s1 = onlyuser(r, cl);
		if (!s1)
			continue;
		if ((s1->op == Odiv && isscalar(r, s1->in[1], 6.0f)) ||
		    (s1->op == Omul && (isscalar(r, s1->in[1], 1.0f / 6) ||
		    isscalar(r, s1->in[0], 1.0f / 6)))) {
			s2 = onlyuser(r, s1);
			if (!s2 || s2->op != Omul || (k = otherk(s2, s1->out[0])) < 0 ||
			    !refis(s2, k, x))
				continue;
		} else if (s1->op == Omul && (k = otherk(s1, cl->out[0])) >= 0 && refis(s1, k, x)) {
			s2 = onlyuser(r, s1);
			if (!s2 || !((s2->op == Odiv && isscalar(r, s2->in[1], 6.0f)) ||
			    (s2->op == Omul && (isscalar(r, s2->in[1], 1.0f / 6) ||
			    isscalar(r, s2->in[0], 1.0f / 6)))))
				continue;
		} else
			continue;
		mark(r, a, "hard-swish gate");
		mark(r, cl, "hard-swish gate");
		mark(r, s1, "hard-swish gate");
		mark(r, s2, "hard-swish gate");
	}
}

/* ---- softmax inputs ------------------------------------------------------- */

static void
softmaxes(R *r)
{
	Module *m = r->m;
	int i, n, k;
	Ins *chain[8], *p;

	for (i = 0; i < m->nins; i++) {
		if (m->ins[i].op != Osoftmax)
			continue;
		n = 0;
		p = defins(r, m->ins[i].in[0]);
		while (p && n < 8) {
			if (p->op == Omatmul || p->op == Ogemm) {
				chain[n++] = p;
				for (k = 0; k < n; k++)
					mark(r, chain[k], "softmax input");
				break;
			}
			if ((p->op == Omul || p->op == Odiv) && p->in[1].kind == Rcst &&
			    r->m->cst[p->in[1].idx].nbytes == sizeof(float)) {
				chain[n++] = p;
				p = defins(r, p->in[0]);
			} else if (p->op == Omul && p->in[0].kind == Rcst &&
			    r->m->cst[p->in[0].idx].nbytes == sizeof(float)) {
				chain[n++] = p;
				p = defins(r, p->in[1]);
			} else if (p->op == Oadd && p->in[0].kind == Rval) {
				chain[n++] = p;	/* + mask: follow the scores */
				p = defins(r, p->in[0]);
			} else
				break;
		}
	}
}

const char **
float_regions(Module *m, Arena *a)
{
	R r;

	r.m = m;
	r.u = ir_uses(m, a);
	r.why = arena_alloc(a, (size_t)(m->nins + 1) * sizeof *r.why);
	norms(&r);
	gates(&r);
	softmaxes(&r);
	return r.why;
}
