/*
 * quantize.c — the quantize pass: rewrite a calibrated float module into the
 * quantized IR of doc/quantization.md section 8, op by op, the seed's rules
 * (§3) for which ops and operands get quantized.
 *
 * Requires: ranges on the f32 activations that quantized ops read or
 *           produce (the calibrate pass); canonicalize's forms (Clip bounds
 *           as inputs, no Constant nodes); passcfg.target, passcfg.qmode,
 *           passcfg.per_channel, passcfg.keep_float.
 * Produces: a module whose target is set, in which every quantized op reads
 *           `quantize`d operands (parameters from each operand's own range)
 *           and quantized constants (weights per tensor, or per output
 *           channel with --per-channel), and whose result goes through a
 *           `dequantize` back to the original float value (same name), so
 *           the float graph around it is unchanged.  Biases and Clip bounds
 *           stay f32 constants (they depend on the input scale, which
 *           propagate-quant may still change; it quantizes them last).  This
 *           local form is correct on its own; propagate-quant removes the
 *           dequantize -> quantize pairs it leaves and applies the seed's
 *           range adjustments.
 * Invalidates: instruction indices (the list is rebuilt in order).
 *
 * Which ops (doc/passes.md has the table): conv, matmul and gemm always
 * (gemm when alpha = beta = 1, transA = 0 and B constant); add and mul
 * when an operand is already quantized (or constant) and shapes are equal
 * (or a scalar constant, where the target broadcasts it); relu, clip,
 * max_pool (opset >= 12) and the pass-through ops when their data operand is
 * already quantized; concat when every input is; leaky_relu, sigmoid and (ort
 * target) the average pools when their input is.  Everything else stays
 * float: an operand that is quantized reaches it through the dequantize.
 * --keep-float=PATTERN (node name, with * and ? wildcards, or op type in its
 * ONNX or IR spelling) leaves matching nodes float; a pattern that matches
 * nothing is warned about.
 *
 * --dynamic (passcfg.dynamic; the seed's --static=False, §2.4): only conv,
 * matmul and gemm are quantized (same conditions), and their activation
 * operands stay f32 — such an op quantizes them at run time from the data
 * (doc/quantization.md section 8.4) — except an operand that is already a
 * quantized op's result, read as its integer codes.  Weights are quantized
 * as usual; the result's parameters come from its calibrated range with the
 * seed's Relu / Relu->MaxPool / Clip adjustment (§2.3), made here because
 * the Relu stays float.  A dynamic op's bias stays f32 for good.
 *
 * --bias-correction (passcfg.bias_correction; static mode only, needs
 * passcfg.calib): before the rewrite, the float module runs over the
 * calibration samples (one thread, fixed order: the same for any -j), and
 * each conv/gemm to be quantized gets a new f32 bias constant = its bias
 * (0 if none) + the mean over samples and output positions of conv(x, W -
 * Wq), Wq the dequantized quantized weight (empirical bias correction,
 * Nagel et al. 2019 §4.2; the arithmetic is passes/biascorrect.c's, this
 * file chooses the layers, runs the samples and makes the constants).  A
 * shared bias constant is never modified.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/exec.h"
#include "../frontend/dataset.h"
#include "biascorrect.h"
#include "passes.h"
#include "qparams.h"

typedef struct Ctx {
	Module *m;
	Arena *a;
	QMode mode;
	DType qdt;
	bool ort;
	Ins *old;		/* the float instruction list */
	int nold;
	int *twin;		/* per value: its quantized twin (v = dequantize(twin)), -1 */
	int *own;		/* per value: quantize(v) with v's own parameters, -1 */
	int *wq;		/* per constant: its quantized copy, -1 */
	Uses *uses;		/* --dynamic: uses in the float list (old) */
	bool *kfused;		/* per keep-float pattern: matched something */
	NameMap *nodes;		/* node names in use */
	int *bcb;		/* --bias-correction: per old instruction, its
				 * corrected bias constant, -1; NULL without */
	const Ins *base;	/* the instruction array quantize was given */
	const char **why;	/* per instruction of base: why it stays float
				 * (float regions, tune), or NULL */
} Ctx;

/* ---- small helpers ------------------------------------------------------- */

static bool
isf32val(const Module *m, Ref r)
{
	return r.kind == Rval && m->val[r.idx].type.dt == Df32 && !m->val[r.idx].type.q;
}

static bool
isf32cst(const Module *m, Ref r)
{
	return r.kind == Rcst && m->cst[r.idx].type.dt == Df32 &&
	    !m->cst[r.idx].type.q && !m->cst[r.idx].isinput;
}

static QParam *
qparam1(Ctx *c, float scale, int32_t zero)
{
	QParam *q = arena_alloc(c->m->arena, sizeof *q);

	q->axis = -1;
	q->n = 1;
	q->scale = arena_alloc(c->m->arena, sizeof(float));
	q->zero = arena_alloc(c->m->arena, sizeof(int32_t));
	q->scale[0] = scale;
	q->zero[0] = zero;
	return q;
}

/* a name derived from base, unique among values, constants and nodes */
static const char *
derived(Ctx *c, const char *base, const char *suffix)
{
	return ir_uniquename(c->m, arena_printf(c->a, "%s%s", base, suffix));
}

/* a node name from base + suffix, unique among the module's node names */
static const char *
nodename(Ctx *c, const char *base, const char *suffix)
{
	const char *s = arena_printf(c->m->arena, "%s%s", base, suffix);
	int n;

	for (n = 1; !namemap_put(c->nodes, s, 0); n++)
		s = arena_printf(c->m->arena, "%s%s_%d", base, suffix, n);
	return s;
}

/* the activation parameters of float value v from its calibrated range */
static QParam *
ownparams(Ctx *c, int v, const Ins *user)
{
	const Type *t = &c->m->val[v].type;
	float s;
	int32_t z;

	if (!t->hasrange)
		ir_error(c->m, user, "'%s' has no calibrated range; quantizing this "
		    "node needs one (run calibrate first: --calib=DATA or "
		    "--calib-table=FILE, or leave the node float with --keep-float)",
		    c->m->val[v].name);
	if (!qp_range(c->mode, t->lo, t->hi, &s, &z))
		ir_error(c->m, user, "'%s' has a non-finite calibrated range "
		    "[%g, %g]; it cannot be quantized", c->m->val[v].name,
		    (double)t->lo, (double)t->hi);
	return qparam1(c, s, z);
}

static Type
qtype(Ctx *c, const Type *like, QParam *q)
{
	Type t = *like;

	t.dt = c->qdt;
	t.q = q;
	t.hasrange = false;
	return t;
}

/* append a copy of instruction src (its results keep their values) */
static Ins *
push(Module *m, const Ins *src)
{
	Ins *in = ir_addins(m, src->op, 0, 0);
	int k;

	*in = *src;
	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0)
			ir_setout(m, m->nins - 1, k, in->out[k]);
	return in;
}

/* a new one-operand instruction op(x) -> new value of type t named name */
static int
unary(Ctx *c, int op, const char *node, Ref x, Type t, const char *name)
{
	Ins *in = ir_addins(c->m, op, 1, 1);
	int v;

	in->name = node;
	in->in[0] = x;
	v = ir_addval(c->m, name, t);
	ir_setout(c->m, c->m->nins - 1, 0, v);
	return v;
}

/* quantize(v) with parameters q (a new instruction each time) */
static int
quantizeto(Ctx *c, int v, QParam *q)
{
	const char *n = c->m->val[v].name;

	return unary(c, Oquantize, nodename(c, n, "_QuantizeLinear"), ref_val(v),
	    qtype(c, &c->m->val[v].type, q), derived(c, n, "_quantized"));
}

/* the quantized operand for float value v: its twin when v is a dequantized
 * result whose parameters are v's own, else quantize(v) with v's own
 * parameters (made once per v) */
static Ref
qoperand(Ctx *c, int v, const Ins *user)
{
	if (c->own[v] < 0)
		c->own[v] = quantizeto(c, v, ownparams(c, v, user));
	return ref_val(c->own[v]);
}

/* a quantized copy of constant k: weights per tensor or along axis (>= 0);
 * mode is the element type's mode (activation type for add/mul operands) */
static Ref
qconst(Ctx *c, int k, int axis, const Ins *user)
{
	Module *m = c->m;
	Cst *w = &m->cst[k];
	QParam *q;
	size_t n;
	int nq;
	void *data;
	Type t;
	const char *name;
	int nk;

	if (c->wq[k] >= 0 && m->cst[c->wq[k]].type.q->axis == axis)
		return ref_cst(c->wq[k]);
	if (!type_numel(&w->type, &n))
		die("qconst: %s has no static shape", w->name);
	nq = axis < 0 ? 1 : (int)w->type.dim[axis];
	q = arena_alloc(m->arena, sizeof *q);
	q->axis = axis;
	q->n = nq;
	q->scale = arena_alloc(m->arena, (size_t)nq * sizeof(float));
	q->zero = arena_alloc(m->arena, (size_t)nq * sizeof(int32_t));
	data = arena_alloc(m->arena, n ? n : 1);
	if (!qp_weight(c->mode, w->data, w->type.dim, w->type.rank, axis,
	    q->scale, q->zero, data))
		ir_error(m, user, "constant '%s' has a NaN or infinite element; "
		    "it cannot be quantized", w->name);
	t = w->type;
	t.dt = c->qdt;
	t.q = q;
	t.hasrange = false;
	name = derived(c, w->name, "_quantized");
	nk = ir_addcst(m, name, t, data, n);
	c->wq[k] = nk;
	return ref_cst(nk);
}

/* the quantization axis of the constant weight of a conv, conv_transpose,
 * gemm or matmul: -1 per tensor, else its output-channel axis */
static int
weightaxis(Module *m, const Ins *src)
{
	if (!passcfg.per_channel)
		return -1;
	if (src->op == Oconv)
		return 0;
	if (src->op == Oconv_transpose && ir_attrint(src, "group", 1) == 1)
		return 1;
	if (src->op == Ogemm)
		return ir_attrint(src, "transB", 0) ? 0 : 1;
	if (src->op == Omatmul && ir_reftype(m, src->in[1])->rank == 2)
		return 1;
	return -1;
}

/* ---- which nodes ---------------------------------------------------------- */

/* why in stays float (a --keep-float pattern, a float region, tune's
 * choice), or NULL */
static const char *
keepfloat(Ctx *c, const Ins *in)
{
	const char *op = ir_opname(c->m, in), *why = NULL;
	int k;

	for (k = 0; k < passcfg.nkeep_float; k++) {
		const char *p = passcfg.keep_float[k];
		if ((in->name[0] && fnmatch(p, in->name, 0) == 0) ||
		    strcmp(p, op) == 0 ||
		    (in->op != Oopaque && strcmp(p, optab[in->op].name) == 0)) {
			c->kfused[k] = true;
			if (!why)
				why = arena_printf(c->m->arena, "--keep-float=%s", p);
		}
	}
	if (!why && c->why)
		why = c->why[in - c->base];
	return why;
}

/* passlog: in stays float for why */
static void
logkept(Ctx *c, const Ins *in, const char *why, bool quantizable)
{
	KeptFloat kf;

	kf.node = in->name[0] ? in->name : in->nout > 0 && in->out[0] >= 0 ?
	    c->m->val[in->out[0]].name : "";
	kf.op = ir_opname(c->m, in);
	kf.why = why;
	kf.quantizable = quantizable;
	vec_push(passlog.kept, passlog.nkept, passlog.capkept, kf);
}

static bool
quantized(Ctx *c, Ref r)
{
	return r.kind == Rval && c->twin[r.idx] >= 0;
}

static bool
sameshape(const Type *a, const Type *b)
{
	int k;

	if (a->rank < 0 || a->rank != b->rank)
		return false;
	for (k = 0; k < a->rank; k++) {
		if (a->dim[k] >= 0 ? a->dim[k] != b->dim[k]
		    : !(b->dim[k] < 0 && a->sym[k] && b->sym[k] && strcmp(a->sym[k], b->sym[k]) == 0))
			return false;
	}
	return true;
}

enum Kind {
	Knone,		/* stays float */
	Kfree,		/* new result parameters from the result's range */
	Ksame,		/* result parameters = the data operand's */
	Kconcat,	/* every input at the result's parameters */
};

static enum Kind
kind(Ctx *c, const Ins *in)
{
	Module *m = c->m;
	Type *t;
	size_t nel;
	int k;

	if (in->nout < 1 || in->out[0] < 0 || m->val[in->out[0]].type.dt != Df32)
		return Knone;
	if (passcfg.dynamic && in->op != Oconv && in->op != Omatmul && in->op != Ogemm)
		return Knone;	/* seed §2.4: nothing else is quantized */
	switch (in->op) {
	case Oconv:
		return isf32val(m, in->in[0]) && isf32cst(m, in->in[1]) &&
		    (in->nin < 3 || in->in[2].kind == Rnone || isf32cst(m, in->in[2]))
		    ? Kfree : Knone;
	case Oconv_transpose:
		/* stays float: ONNX Runtime has no QLinearConvTranspose, and the
		 * fork's kernel is not specified (seed reference §7: "not
		 * covered"), so no arithmetic could be checked against it */
		return Knone;
	case Omatmul:
		return isf32val(m, in->in[0]) &&
		    (isf32val(m, in->in[1]) || isf32cst(m, in->in[1])) ? Kfree : Knone;
	case Ogemm:
		if (ir_attrfloat(in, "alpha", 1) != 1 || ir_attrfloat(in, "beta", 1) != 1 ||
		    ir_attrint(in, "transA", 0) != 0 || !isf32val(m, in->in[0]) ||
		    !isf32cst(m, in->in[1]))
			return Knone;
		t = ir_reftype(m, in->in[0]);
		if (t->rank != 2)
			return Knone;
		if (in->nin >= 3 && in->in[2].kind != Rnone) {
			Type *ct = ir_reftype(m, in->in[2]);
			int64_t nn = m->val[in->out[0]].type.dim[1];
			if (!isf32cst(m, in->in[2]) || !(ct->rank == 1 && ct->dim[0] == nn))
				return Knone;
		}
		return Kfree;
	case Oadd: case Omul:
		if (!(quantized(c, in->in[0]) || quantized(c, in->in[1])))
			return Knone;
		for (k = 0; k < 2; k++)
			if (!isf32val(m, in->in[k]) && !isf32cst(m, in->in[k]))
				return Knone;
		if (!sameshape(ir_reftype(m, in->in[0]), &m->val[in->out[0]].type))
			return Knone;
		if (sameshape(ir_reftype(m, in->in[0]), ir_reftype(m, in->in[1])))
			return Kfree;
		/* a scalar constant operand: ONNX Runtime broadcasts it; the
		 * systolic QLinearAdd does not (seed §5.7: output unwritten) */
		if ((in->op == Omul || c->ort) && in->in[1].kind == Rcst &&
		    type_numel(ir_reftype(m, in->in[1]), &nel) && nel == 1)
			return Kfree;
		return Knone;
	case Oleaky_relu: case Osigmoid:
		return quantized(c, in->in[0]) ? Kfree : Knone;
	case Oaverage_pool: case Oglobal_average_pool:
		return c->ort && quantized(c, in->in[0]) ? Kfree : Knone;
	case Orelu:
		return quantized(c, in->in[0]) ? Ksame : Knone;
	case Oclip:
		for (k = 1; k < in->nin; k++)
			if (in->in[k].kind != Rnone && !isf32cst(m, in->in[k]))
				return Knone;
		return quantized(c, in->in[0]) ? Ksame : Knone;
	case Omax_pool:
		if (ir_opset(m, "") < 12 || (in->nout > 1 && in->out[1] >= 0))
			return Knone;	/* int8 MaxPool needs opset 12; no indices */
		return quantized(c, in->in[0]) ? Ksame : Knone;
	case Oreshape: case Oflatten: case Otranspose: case Osqueeze:
	case Ounsqueeze: case Oslice: case Ogather:
		return quantized(c, in->in[0]) ? Ksame : Knone;
	case Oresize: {
		const Attr *a = ir_getattr(in, "mode");
		if (a && !(a->s.len == 7 && memcmp(a->s.data, "nearest", 7) == 0))
			return Knone;
		return quantized(c, in->in[0]) ? Ksame : Knone;
	}
	case Oconcat:
		for (k = 0; k < in->nin; k++)
			if (!quantized(c, in->in[k]))
				return Knone;
		return Kconcat;
	default:
		return Knone;
	}
}

/* ---- the rewrite ---------------------------------------------------------- */

/* An activation operand v of a conv, matmul or gemm: quantized with v's own
 * parameters, or with --dynamic v itself (the op quantizes it at run time)
 * unless v is already a quantized op's result, whose integer codes the op
 * then reads with their calibrated parameters (the seed's map entry: a
 * Conv -> Conv edge stays static in its dynamic mode too). */
static Ref
actoperand(Ctx *c, int v, const Ins *user)
{
	if (!passcfg.dynamic)
		return qoperand(c, v, user);
	return c->twin[v] >= 0 ? ref_val(c->twin[v]) : ref_val(v);
}

/* --dynamic: the result parameters of a quantized op, from its calibrated
 * range with the seed's adjustment for the next node (§2.3; propagate-quant
 * makes it only for a quantized Relu/Clip, and with --dynamic these stay
 * float): a result whose only consumer is a Relu (one result, used) takes
 * [max(lo, 0), hi], or the range of a MaxPool that is the Relu's only
 * consumer; one Clip with constant bounds clips the range by them. */
static QParam *
dynparams(Ctx *c, const Ins *src)
{
	Module *m = c->m;
	int v = src->out[0], u;
	const Ins *r, *mp;
	const Type *t = &m->val[v].type;
	float lo, hi, s;
	int32_t z;
	int k;

	if (!t->hasrange || ir_isoutput(m, v) || c->uses->count[v] != 1)
		return ownparams(c, v, src);
	r = &c->old[c->uses->user[v][0]];
	if ((r->op != Orelu && r->op != Oclip) || r->nout != 1 || r->out[0] < 0 ||
	    r->in[0].kind != Rval || r->in[0].idx != v ||
	    (c->uses->count[r->out[0]] == 0 && !ir_isoutput(m, r->out[0])))
		return ownparams(c, v, src);
	lo = t->lo;
	hi = t->hi;
	if (r->op == Orelu) {
		lo = fmaxf(lo, 0);
		u = r->out[0];
		if (!ir_isoutput(m, u) && c->uses->count[u] == 1) {
			mp = &c->old[c->uses->user[u][0]];
			if (mp->op == Omax_pool && mp->out[0] >= 0 &&
			    m->val[mp->out[0]].type.hasrange) {
				lo = m->val[mp->out[0]].type.lo;	/* "Found Relu/Maxpool" */
				hi = m->val[mp->out[0]].type.hi;
			}
		}
	} else {
		for (k = 1; k < r->nin && k < 3; k++) {
			const Cst *b;
			if (r->in[k].kind != Rcst)
				continue;
			b = &m->cst[r->in[k].idx];
			if (b->type.dt != Df32 || b->nbytes < sizeof(float))
				continue;
			if (k == 1)
				lo = fmaxf(lo, ((const float *)b->data)[0]);
			else
				hi = fminf(hi, ((const float *)b->data)[0]);
		}
	}
	if (!qp_range(c->mode, lo, hi, &s, &z))
		return ownparams(c, v, src);
	return qparam1(c, s, z);
}

/* give instruction oi a quantized result with parameters q, and add the
 * dequantize that defines the original float value from it */
static void
finish(Ctx *c, int oi, QParam *q, bool rename)
{
	Module *m = c->m;
	int v = m->ins[oi].out[0], qv;
	const char *name = m->val[v].name;
	float s;
	int32_t z;
	Ins *dq;

	qv = ir_addval(m, derived(c, name, "_quantized"), qtype(c, &m->val[v].type, q));
	m->val[qv].type.hasrange = false;
	if (rename && m->ins[oi].name[0])
		m->ins[oi].name = nodename(c, m->ins[oi].name, "_quant");
	ir_setout(m, oi, 0, qv);
	dq = ir_addins(m, Odequantize, 1, 1);
	dq->name = nodename(c, name, "_DequantizeLinear");
	dq->in[0] = ref_val(qv);
	ir_setout(m, m->nins - 1, 0, v);
	c->twin[v] = qv;
	if (q->n == 1 && m->val[v].type.hasrange &&
	    qp_range(c->mode, m->val[v].type.lo, m->val[v].type.hi, &s, &z) &&
	    s == q->scale[0] && z == q->zero[0])
		c->own[v] = qv;
}

static void
rewrite(Ctx *c, const Ins *src)
{
	Module *m = c->m;
	enum Kind k = kind(c, src);
	Ins *in;
	Ref *ops;
	int oi, j, nin = src->nin;
	QParam *q;
	const char *why;

	why = keepfloat(c, src);
	if (why)
		logkept(c, src, why, k != Knone);
	if (k == Knone || why) {
		push(m, src);
		return;
	}
	/* operands first (their quantize instructions go before the op) */
	ops = arena_alloc(m->arena, (size_t)(src->nin + 1) * sizeof(Ref));
	memcpy(ops, src->in, (size_t)src->nin * sizeof(Ref));
	switch (src->op) {
	case Oconv: case Oconv_transpose: case Ogemm: case Omatmul:
		ops[0] = actoperand(c, src->in[0].idx, src);
		if (src->in[1].kind == Rval) {
			ops[1] = actoperand(c, src->in[1].idx, src);
			break;
		}
		ops[1] = qconst(c, src->in[1].idx, weightaxis(m, src), src);
		if (c->bcb && c->bcb[src - c->old] >= 0) {
			ops[2] = ref_cst(c->bcb[src - c->old]);
			nin = 3;
		}
		break;	/* the bias stays f32 */
	case Oadd: case Omul:
		for (j = 0; j < 2; j++)
			ops[j] = src->in[j].kind == Rcst
			    ? qconst(c, src->in[j].idx, -1, src)
			    : qoperand(c, src->in[j].idx, src);
		break;
	case Oconcat:
		q = ownparams(c, src->out[0], src);
		for (j = 0; j < src->nin; j++)
			ops[j] = ref_val(quantizeto(c, src->in[j].idx, q));
		break;
	default:	/* the unary ops: operand 0 */
		ops[0] = k == Kfree ? qoperand(c, src->in[0].idx, src)
		    : ref_val(c->twin[src->in[0].idx]);
		break;
	}
	in = push(m, src);
	oi = m->nins - 1;
	in->in = ops;
	in->nin = nin;
	if (k == Ksame)
		q = m->val[m->ins[oi].in[0].idx].type.q;
	else if (passcfg.dynamic)
		q = dynparams(c, src);
	else
		q = ownparams(c, src->out[0], src);
	finish(c, oi, q, k != Ksame);	/* the seed keeps Relu's, MaxPool's... names */
}

static bool
alreadyquantized(const Module *m, const Ins *in)
{
	const char *op = ir_opname(m, in);

	switch (in->op) {
	case Oquantize_linear: case Odequantize_linear: case Oqlinear_conv:
	case Oqlinear_matmul: case Oquantize: case Odequantize: case Orequantize:
		return true;
	default:
		return strncmp(op, "QLinear", 7) == 0 || strcmp(op, "ConvInteger") == 0 ||
		    strcmp(op, "MatMulInteger") == 0 || strcmp(op, "QGemm") == 0 ||
		    strcmp(op, "DynamicQuantizeLinear") == 0 ||
		    strcmp(op, "QuantizeLinear") == 0 || strcmp(op, "DequantizeLinear") == 0;
	}
}

/* ---- --bias-correction ----------------------------------------------------- */

/* One layer to correct (a conv or gemm that the rewrite will quantize with a
 * constant weight): its sums, over the samples, of its float input x
 * (passes/biascorrect.h has the arithmetic). */
typedef struct Bc {
	const Ins *in;
	int x;			/* the float input value */
	BcPlan p;
} Bc;

typedef struct BcRun {
	Module *m;
	Bc *l;
	int nl;
} BcRun;

static void
bcobserve(BcRun *r, int v, const Tensor *t)
{
	int k;

	for (k = 0; k < r->nl; k++)
		if (r->l[k].x == v && t->dt == Df32) {
			if (t->rank < 2 || t->dim[1] != r->l[k].p.cin)
				die("bias correction: %s has %lld channels at run "
				    "time, %lld inferred", r->m->val[v].name,
				    (long long)(t->rank < 2 ? -1 : t->dim[1]),
				    (long long)r->l[k].p.cin);
			bc_add(&r->l[k].p, t->data, t->dim[0]);
		}
}

static void
bchook(void *arg, int ins, const Tensor *const *y)
{
	BcRun *r = arg;
	const Ins *in = &r->m->ins[ins];
	int k;

	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0 && y[k])
			bcobserve(r, in->out[k], y[k]);
}

/* the corrected bias of layer b: its f32 bias (0 if none) plus the mean
 * over the samples and positions of conv(x, W - Wq) per output channel,
 * Wq = the dequantized weight qconst makes (the same qp_weight call);
 * a new constant, -1 if the weight cannot be quantized (the rewrite
 * reports that) */
static int
bcbias(Ctx *c, Bc *b)
{
	Module *m = c->m;
	const Ins *in = b->in;
	const Cst *w = &m->cst[in->in[1].idx], *bc = NULL;
	const float *bf = NULL;
	int64_t cout = b->p.cout, oc;
	size_t n;
	float *wq, *nb;
	double *e;
	Type t;

	if (!type_numel(&w->type, &n))
		die("bias correction: %s has no static shape", w->name);
	wq = arena_alloc(c->a, (n ? n : 1) * sizeof *wq);
	if (!bc_dequantized(c->mode, w->data, w->type.dim, w->type.rank,
	    weightaxis(m, in), wq, c->a))
		return -1;
	if (in->nin >= 3 && in->in[2].kind == Rcst) {
		bc = &m->cst[in->in[2].idx];
		if (bc->nbytes != (size_t)cout * sizeof(float))
			return -1;
		bf = bc->data;
	}
	e = arena_alloc(c->a, (size_t)(cout + 1) * sizeof *e);
	bc_correction(&b->p, w->data, wq, e);
	nb = arena_alloc(m->arena, (size_t)cout * sizeof *nb);
	for (oc = 0; oc < cout; oc++)
		nb[oc] = (float)((bf ? (double)bf[oc] : 0.0) + e[oc]);
	memset(&t, 0, sizeof t);
	t.dt = Df32;
	t.rank = 1;
	t.dim[0] = cout;
	return ir_addcst(m, bc ? derived(c, bc->name, "_corrected")
	    : derived(c, w->name, "_bias_corrected"), t, nb, (size_t)cout * sizeof *nb);
}

/* --bias-correction: run the float module over the calibration samples,
 * single-threaded (sums in a fixed order: the same result for any -j), and
 * make each quantized conv/gemm's corrected bias (c->bcb) before the
 * rewrite; propagate-quant quantizes it with the final scales. */
static void
biascorrect(Ctx *c)
{
	Module *m = c->m;
	DatasetOpts o = {passcfg.calib_limit, passcfg.preprocess, passcfg.channel_order};
	BcRun r = {0};
	Dataset *d;
	Exec *e;
	const Tensor **outs;
	Tensor *in;
	Arena *a;
	int i, k, ns;

	if (passcfg.dynamic)
		error(NULL, "--bias-correction applies to static quantization: with "
		    "--dynamic the inputs' scales are chosen at run time; drop one "
		    "of the two");
	if (!passcfg.calib)
		error(NULL, "--bias-correction needs the calibration samples: "
		    "--calib=DATA (a --calib-table holds only ranges)");
	c->bcb = arena_alloc(c->a, (size_t)(m->nins + 1) * sizeof(int));
	r.m = m;
	r.l = arena_alloc(c->a, (size_t)(m->nins + 1) * sizeof *r.l);
	for (i = 0; i < m->nins; i++) {
		Ins *ins = &m->ins[i];
		Bc *b;
		c->bcb[i] = -1;
		if ((ins->op != Oconv && ins->op != Ogemm) || kind(c, ins) == Knone ||
		    keepfloat(c, ins))
			continue;
		b = &r.l[r.nl++];
		b->in = ins;
		b->x = ins->in[0].idx;
		bc_plan(m, ins, &b->p, c->a);
	}
	if (r.nl == 0)
		return;
	d = dataset_open(passcfg.calib, m, &o);
	ns = dataset_count(d);
	if (ns <= 0)
		error(passcfg.calib, "the calibration dataset has no samples");
	e = exec_new(m);
	exec_hook(e, bchook, &r);
	outs = xcalloc((size_t)(m->nout ? m->nout : 1), sizeof *outs);
	for (i = 0; i < ns; i++) {
		a = arena_new();
		in = arena_alloc(a, (size_t)(m->nin ? m->nin : 1) * sizeof *in);
		dataset_load(d, i, a, in);
		for (k = 0; k < m->nin; k++)
			bcobserve(&r, m->in[k], &in[k]);
		exec_run(e, in, outs);
		arena_free(a);
	}
	free(outs);
	exec_free(e);
	dataset_close(d);
	for (k = 0; k < r.nl; k++)
		c->bcb[r.l[k].in - m->ins] = bcbias(c, &r.l[k]);
}

void
quantize(Module *m)
{
	Ctx c = {0};
	int i, k;

	for (i = 0; i < m->nins; i++)
		if (alreadyquantized(m, &m->ins[i]))
			ir_error(m, &m->ins[i], "the model is already quantized; sqc "
			    "quantizes float models (give it the float model, or "
			    "-O0 to pass this one through unchanged)");
	if (m->target && *m->target)
		error(m->path, "the module is already quantized for target %s",
		    m->target);
	c.ort = passcfg.target && strcmp(passcfg.target, "ort") == 0;
	if (!c.ort && passcfg.qmode == Qu8)
		error(NULL, "--mode=uint8 cannot run on --target=systolic: the Systolic "
		    "runtime's int8 kernels accept only zero point 0 (they fail with "
		    "'Systolic can only handle zero offset'); use --mode=int8, or "
		    "--target=ort for uint8");
	if (!c.ort && passcfg.per_channel)
		error(NULL, "--per-channel cannot run on --target=systolic: its kernels "
		    "take one weight scale per tensor (a float32 multiplier per call); "
		    "drop --per-channel, or use --target=ort");
	c.m = m;
	c.a = arena_new();
	c.mode = passcfg.qmode;
	c.qdt = c.mode == Qu8 ? Du8 : Di8;
	c.kfused = arena_alloc(c.a, (size_t)(passcfg.nkeep_float + 1) * sizeof(bool));
	c.base = m->ins;
	passlog.nkept = 0;
	if (passcfg.float_why && passcfg.nfloat_why != m->nins)
		die("quantize: float_why has %d entries for %d instructions",
		    passcfg.nfloat_why, m->nins);
	if (passcfg.float_regions || passcfg.float_why) {
		c.why = passcfg.float_regions ? float_regions(m, c.a) :
		    arena_alloc(c.a, (size_t)(m->nins + 1) * sizeof *c.why);
		for (i = 0; passcfg.float_why && i < m->nins; i++)
			if (passcfg.float_why[i])
				c.why[i] = passcfg.float_why[i];
	}
	if (passcfg.bias_correction) {	/* on the float module, as calibrated */
		ir_infer(m);
		biascorrect(&c);
	}
	m->target = c.ort ? "ort" : "systolic";
	ir_infer(m);
	c.twin = arena_alloc(c.a, (size_t)(m->nval + 1) * sizeof(int));
	c.own = arena_alloc(c.a, (size_t)(m->nval + 1) * sizeof(int));
	for (i = 0; i < m->nval; i++)
		c.twin[i] = c.own[i] = -1;
	c.wq = arena_alloc(c.a, (size_t)(m->ncst + 1) * sizeof(int));
	for (i = 0; i < m->ncst; i++)
		c.wq[i] = -1;
	c.nodes = namemap_new(c.a, (size_t)m->nins * 3 + 16);
	for (i = 0; i < m->nins; i++)
		if (m->ins[i].name[0])
			(void)namemap_put(c.nodes, m->ins[i].name, i);

	/* graph inputs keep their float type; rebuild the instruction list */
	if (passcfg.dynamic)
		c.uses = ir_uses(m, c.a);
	c.nold = m->nins;
	c.old = m->ins;
	m->ins = NULL;
	m->nins = m->capins = 0;
	for (i = 0; i < c.nold; i++)
		rewrite(&c, &c.old[i]);
	free(c.old);
	for (k = 0; k < passcfg.nkeep_float && !passcfg.tuning; k++)
		if (!c.kfused[k])
			warn(NULL, "--keep-float=%s matches no node name or op type "
			    "of the model", passcfg.keep_float[k]);
	ir_compact(m);
	arena_free(c.a);
}
