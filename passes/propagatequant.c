/*
 * propagatequant.c — the propagate-quant pass: carry quantization across the
 * local form the quantize pass leaves, so that quantized ops read each
 * other's integer results directly, with the seed's parameter choices.
 *
 * Requires: a module rewritten by quantize (doc/quantization.md section 8):
 *           every quantized result r reaches float code as v = dequantize(r),
 *           every quantized operand is quantize(v) with v's own parameters.
 * Produces, in this order:
 *   1. Range adjustments (seed §2.3).  A quantized producer whose result
 *      reaches, through its dequantize and one quantize, exactly one
 *      quantized relu takes the range [max(lo, 0), hi]; one clip [max(lo,
 *      min), min(hi, max)] (the bounds are Clip's inputs, any opset: the
 *      seed read attributes and failed on opset >= 11); a relu whose result
 *      in the same way reaches exactly one max_pool: the max_pool result's
 *      range.  The relu/clip (and its quantize) take the new parameters.  A
 *      producer with other consumers keeps its own range (the seed aborted
 *      with "Not reducing output range"; sqc just does not adjust).
 *   2. Common concat parameters.  An input of a quantized concat that comes
 *      from a quantized op used nowhere else (through pass-through ops used
 *      nowhere else) is produced at the concat's parameters directly.
 *   3. dequantize -> quantize pairs go.  Equal parameters: the consumer reads
 *      the quantized result.  Different: a consumer that accepts any input
 *      parameters (conv, matmul, gemm, add, mul, the table ops, the pools)
 *      also reads it directly, as the seed does (its map entry flows); a
 *      pass-through op (relu, clip, max_pool, reshape, ...) reads it and its
 *      result takes those parameters (then its own pairs are looked at
 *      again); anything else (a concat input) gets one `requantize`.
 *   4. A relu whose zero point is the type's minimum (uint8 after the Relu
 *      adjustment) is the identity and goes (the seed drops uint8 Relu).
 *   5. Integer constants: each quantized op's f32 bias becomes i32 with
 *      scale sx * sw (qp_bias, saturating, with a warning) — not that of a
 *      dynamic op (--dynamic: an f32 activation operand, so no sx; it
 *      quantizes its bias at run time and the bias stays f32) — and each
 *      quantized clip's f32 bounds become constants of its type.
 *   Unused quantize/dequantize/requantize instructions are deleted.
 * Invalidates: nothing else; instruction order is kept.
 */
#include <math.h>
#include <string.h>

#include "passes.h"
#include "qparams.h"

typedef struct Ctx {
	Module *m;
	Arena *a;
	Uses *u;
} Ctx;

static QParam *
qof(const Module *m, Ref r)
{
	const Type *t = ir_reftype((Module *)m, r);

	return t ? t->q : NULL;
}

/* ops whose result parameters equal their data operand's */
static bool
passthrough(int op)
{
	switch (op) {
	case Orelu: case Oclip: case Omax_pool: case Oreshape: case Oflatten:
	case Otranspose: case Osqueeze: case Ounsqueeze: case Oslice: case Ogather:
	case Oresize:
		return true;
	default:
		return false;
	}
}

/* ops that take any input parameters (their result's are their own) */
static bool
freeop(int op)
{
	switch (op) {
	case Oconv: case Oconv_transpose: case Omatmul: case Ogemm: case Oadd:
	case Omul: case Oleaky_relu: case Osigmoid: case Oaverage_pool:
	case Oglobal_average_pool: case Odequantize: case Orequantize:
		return true;
	default:
		return false;
	}
}

static Ins *
defof(const Module *m, Ref r)
{
	if (r.kind != Rval || m->val[r.idx].def < 0)
		return NULL;
	return &m->ins[m->val[r.idx].def];
}

/* The consumers of quantized result r, seen through the local form: its
 * direct users other than its dequantize, and the users of each quantize
 * of that dequantize's float value.  Returns the only consumer, or NULL if
 * there are several, a float one, or none (or r is a graph output).  q[]
 * gets the quantize results on the way (*nq of them, at most 8). */
static Ins *
onlyconsumer(Ctx *c, int r, int *q, int *nq)
{
	Module *m = c->m;
	Ins *user, *one = NULL, *vu;
	int j, k, v, n = 0;

	*nq = 0;
	if (ir_isoutput(m, r))
		return NULL;
	for (j = 0; j < c->u->count[r]; j++) {
		user = &m->ins[c->u->user[r][j]];
		if (user->op != Odequantize) {
			if (one && one != user)
				return NULL;
			one = user;
			n++;
			continue;
		}
		v = user->out[0];
		if (ir_isoutput(m, v))
			return NULL;
		for (k = 0; k < c->u->count[v]; k++) {
			vu = &m->ins[c->u->user[v][k]];
			if (vu->op != Oquantize || *nq == 8 || c->u->count[vu->out[0]] != 1)
				return NULL;
			q[(*nq)++] = vu->out[0];
			user = &m->ins[c->u->user[vu->out[0]][0]];
			if (one && one != user)
				return NULL;
			one = user;
			n++;
		}
	}
	return one;
}

/* the float value a quantized result r stands for (its dequantize's), -1 */
static int
floatof(Ctx *c, int r)
{
	int j;
	Ins *user;

	for (j = 0; j < c->u->count[r]; j++) {
		user = &c->m->ins[c->u->user[r][j]];
		if (user->op == Odequantize)
			return user->out[0];
	}
	return -1;
}

static float
cstf(const Module *m, const Ins *in, int k, float dflt)
{
	const Cst *cs;

	if (k >= in->nin || in->in[k].kind != Rcst)
		return dflt;
	cs = &m->cst[in->in[k].idx];
	if (cs->type.dt != Df32 || cs->nbytes < sizeof(float))
		return dflt;
	return ((const float *)cs->data)[0];
}

static QParam *
params(Ctx *c, float lo, float hi, DType dt)
{
	QParam *q = arena_alloc(c->m->arena, sizeof *q);

	q->axis = -1;
	q->n = 1;
	q->scale = arena_alloc(c->m->arena, sizeof(float));
	q->zero = arena_alloc(c->m->arena, sizeof(int32_t));
	if (!qp_range(dt == Du8 ? Qu8 : Qi8, lo, hi, q->scale, q->zero))
		return NULL;
	return q;
}

/* 1. the seed's range adjustments */
static void
adjust(Ctx *c)
{
	Module *m = c->m;
	Ins *in, *r, *mp;
	int i, k, v, u, q1[8], n1, q2[8], n2;
	float lo, hi;
	QParam *p;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (!freeop(in->op) || in->op == Odequantize || in->op == Orequantize ||
		    in->nout < 1 || in->out[0] < 0 || !m->val[in->out[0]].type.q ||
		    m->val[in->out[0]].type.q->n != 1)
			continue;
		if (!(r = onlyconsumer(c, in->out[0], q1, &n1)) ||
		    (r->op != Orelu && r->op != Oclip) || !m->val[r->out[0]].type.q)
			continue;
		if ((v = floatof(c, in->out[0])) < 0 || !m->val[v].type.hasrange)
			continue;
		lo = m->val[v].type.lo;
		hi = m->val[v].type.hi;
		if (r->op == Orelu) {
			lo = fmaxf(lo, 0);
			mp = onlyconsumer(c, r->out[0], q2, &n2);
			if (mp && mp->op == Omax_pool && m->val[mp->out[0]].type.q &&
			    (u = floatof(c, mp->out[0])) >= 0 && m->val[u].type.hasrange) {
				lo = m->val[u].type.lo;	/* "Found Relu/Maxpool" */
				hi = m->val[u].type.hi;
			}
		} else {
			lo = fmaxf(lo, cstf(m, r, 1, -INFINITY));
			hi = fminf(hi, cstf(m, r, 2, INFINITY));
		}
		if (!(p = params(c, lo, hi, m->val[in->out[0]].type.dt)))
			continue;
		m->val[in->out[0]].type.q = p;
		for (k = 0; k < n1; k++)
			m->val[q1[k]].type.q = p;
		m->val[r->out[0]].type.q = p;
	}
}

/* pass-through results take their data operand's parameters, in order */
static void
follow(Ctx *c)
{
	Module *m = c->m;
	Ins *in;
	QParam *q;
	int i;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (passthrough(in->op) && in->nout >= 1 && in->out[0] >= 0 &&
		    (q = qof(m, in->in[0])) && m->val[in->out[0]].type.q)
			m->val[in->out[0]].type.q = q;
	}
}

/* uses of r, not counting a dequantize whose result nothing uses */
static int
liveuses(Ctx *c, int r)
{
	Module *m = c->m;
	const Ins *user;
	int j, n = 0;

	for (j = 0; j < c->u->count[r]; j++) {
		user = &m->ins[c->u->user[r][j]];
		if (user->op == Odequantize && c->u->count[user->out[0]] == 0 &&
		    !ir_isoutput(m, user->out[0]))
			continue;
		n++;
	}
	return n;
}

/* 2. can quantized value r be produced at parameters p?  (its producer is a
 * free op, through pass-through ops, each result used once) */
static bool
pushback(Ctx *c, int r, QParam *p, bool doit)
{
	Module *m = c->m;
	Ins *d = defof(m, ref_val(r));

	if (!d || !m->val[r].type.q || ir_isoutput(m, r) || liveuses(c, r) != 1)
		return false;
	if (d->op == Oquantize || d->op == Odequantize)
		return false;
	if (passthrough(d->op) && d->in[0].kind == Rval) {
		if (!pushback(c, d->in[0].idx, p, doit))
			return false;
	} else if (!freeop(d->op)) {
		return false;
	}
	if (doit)
		m->val[r].type.q = p;
	return true;
}

static void
concats(Ctx *c)
{
	Module *m = c->m;
	Ins *in, *q, *dq;
	QParam *p;
	int i, k, r;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (in->op != Oconcat || !(p = m->val[in->out[0]].type.q))
			continue;
		for (k = 0; k < in->nin; k++) {
			if (!(q = defof(m, in->in[k])) || q->op != Oquantize ||
			    c->u->count[in->in[k].idx] != 1)
				continue;
			if (!(dq = defof(m, q->in[0])) || dq->op != Odequantize ||
			    c->u->count[q->in[0].idx] != 1 || ir_isoutput(m, q->in[0].idx))
				continue;
			r = dq->in[0].idx;
			if (m->val[r].type.dt == m->val[in->out[0]].type.dt &&
			    pushback(c, r, p, false))
				pushback(c, r, p, true);
		}
	}
}

/* 3. one sweep over quantize(dequantize(r)) pairs; true if something changed */
static bool
pairs(Ctx *c)
{
	Module *m = c->m;
	Ins *q, *d, *user;
	int i, j, qv, r;
	bool changed = false, direct;

	for (i = 0; i < m->nins; i++) {
		q = &m->ins[i];
		if (q->op != Oquantize || !(d = defof(m, q->in[0])) || d->op != Odequantize)
			continue;
		qv = q->out[0];
		r = d->in[0].idx;
		if (m->val[r].type.dt != m->val[qv].type.dt)
			continue;
		if (ir_isoutput(m, qv))
			continue;
		direct = qparam_eq(m->val[r].type.q, m->val[qv].type.q) &&
		    m->val[r].type.q;
		if (!direct) {
			direct = true;
			for (j = 0; j < c->u->count[qv]; j++) {
				user = &m->ins[c->u->user[qv][j]];
				if (!freeop(user->op) && !(passthrough(user->op) &&
				    user->in[0].kind == Rval && user->in[0].idx == qv))
					direct = false;
			}
		}
		if (!direct) {
			/* a consumer needs these parameters: convert once */
			q->op = Orequantize;
			q->optype = optab[Orequantize].onnx;
			q->in[0] = ref_val(r);
			return true;
		}
		for (j = 0; j < c->u->count[qv]; j++) {
			user = &m->ins[c->u->user[qv][j]];
			if (passthrough(user->op) && user->out[0] >= 0)
				m->val[user->out[0]].type.q = m->val[r].type.q;
		}
		ir_replaceuses(m, ref_val(qv), ref_val(r));
		q->op = Onop;
		return true;	/* use lists are stale now */
	}
	return changed;
}

/* 4. identity relus */
static void
relus(Ctx *c)
{
	Module *m = c->m;
	Ins *in;
	QParam *p;
	int i;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (in->op != Orelu || !(p = qof(m, in->in[0])) || p->n != 1 ||
		    ir_isoutput(m, in->out[0]))
			continue;
		if (p->zero[0] != (m->val[in->out[0]].type.dt == Du8 ? 0 : -128))
			continue;
		ir_replaceuses(m, ref_val(in->out[0]), in->in[0]);
		in->op = Onop;
	}
}

/* 5. f32 biases and clip bounds of quantized ops into integer constants */
static void
constants(Ctx *c)
{
	Module *m = c->m;
	Ins *in;
	QParam *qx, *qw, *qb;
	Cst *b;
	Type t;
	int i, k, nsw;
	int64_t n, sat;
	int32_t *data;
	float *sw;

	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		/* qx NULL: a dynamic op (f32 x), whose bias stays f32 */
		if ((in->op == Oconv || in->op == Oconv_transpose || in->op == Ogemm) &&
		    in->nin >= 3 && in->in[2].kind == Rcst &&
		    m->cst[in->in[2].idx].type.dt == Df32 &&
		    (qx = qof(m, in->in[0])) && (qw = qof(m, in->in[1]))) {
			b = &m->cst[in->in[2].idx];
			n = (int64_t)(b->nbytes / sizeof(float));
			nsw = qw->n;
			sw = qw->scale;
			data = arena_alloc(m->arena, (size_t)(n ? n : 1) * sizeof(int32_t));
			sat = qp_bias(b->data, n, qx->scale[0], sw, nsw, data);
			if (sat < 0)
				ir_error(m, in, "bias '%s' has a NaN or infinite element",
				    b->name);
			if (sat > 0 && !passcfg.tuning)
				warn(m->path, "node '%s': %lld bias values of '%s' exceed "
				    "int32 at scale %g and were saturated", in->name,
				    (long long)sat, b->name, (double)(qx->scale[0] * sw[0]));
			qb = arena_alloc(m->arena, sizeof *qb);
			qb->axis = nsw > 1 ? 0 : -1;
			qb->n = nsw;
			qb->scale = arena_alloc(m->arena, (size_t)nsw * sizeof(float));
			qb->zero = arena_alloc(m->arena, (size_t)nsw * sizeof(int32_t));
			for (k = 0; k < nsw; k++) {
				qb->scale[k] = qx->scale[0] * sw[k];
				qb->zero[k] = 0;
			}
			t = b->type;
			t.dt = Di32;
			t.q = qb;
			in->in[2] = ref_cst(ir_addcst(m, ir_uniquename(m,
			    arena_printf(c->a, "%s_quantized", b->name)), t, data,
			    (size_t)n * sizeof(int32_t)));
		}
		if (in->op == Oclip && (qx = qof(m, in->in[0]))) {
			for (k = 1; k < in->nin && k < 3; k++) {
				const Cst *cs;
				void *d;
				int32_t v;
				if (in->in[k].kind != Rcst || m->cst[in->in[k].idx].type.dt != Df32)
					continue;
				cs = &m->cst[in->in[k].idx];
				v = qp_quantize(m->val[in->out[0]].type.dt == Du8 ? Qu8 : Qi8,
				    ((const float *)cs->data)[0], qx->scale[0], qx->zero[0]);
				d = arena_alloc(m->arena, 1);
				*(int8_t *)d = (int8_t)v;	/* u8 too: the same byte */
				t = cs->type;
				t.dt = m->val[in->out[0]].type.dt;
				t.q = qx;
				in->in[k] = ref_cst(ir_addcst(m, ir_uniquename(m,
				    arena_printf(c->a, "%s_quantized", cs->name)), t, d, 1));
			}
		}
	}
}

/* unused quantize/dequantize/requantize go */
static bool
dce(Ctx *c)
{
	Module *m = c->m;
	Ins *in;
	int i;
	bool changed = false;

	for (i = m->nins - 1; i >= 0; i--) {
		in = &m->ins[i];
		if ((in->op == Oquantize || in->op == Odequantize || in->op == Orequantize) &&
		    c->u->count[in->out[0]] == 0 && !ir_isoutput(m, in->out[0])) {
			in->op = Onop;
			changed = true;
		}
	}
	return changed;
}

static void
refresh(Ctx *c)
{
	arena_reset(c->a);
	c->u = ir_uses(c->m, c->a);
}

void
propagate_quant(Module *m)
{
	Ctx c = {0};
	int guard;

	if (!m->target || !*m->target)
		error(m->path, "propagate-quant needs a quantized module (run the "
		    "quantize pass first)");
	c.m = m;
	c.a = arena_new();
	refresh(&c);
	adjust(&c);
	follow(&c);
	concats(&c);
	follow(&c);
	for (guard = 0; guard < 100000 && pairs(&c); guard++) {
		follow(&c);
		refresh(&c);
	}
	refresh(&c);
	relus(&c);
	refresh(&c);
	while (dce(&c))
		refresh(&c);
	refresh(&c);
	constants(&c);
	arena_free(c.a);
	ir_compact(m);
}
