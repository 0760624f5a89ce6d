/*
 * verify.c — the IR verifier.  Checks, in order:
 *   names      every value and constant has a non-empty name, unique across
 *              values and constants (ONNX requires it; the printer relies on it)
 *   constants  a static type and data whose size matches it
 *   inputs     graph inputs are values with def -1, each listed once
 *   ins        known op; arity within the op table's bounds; operands in range
 *              and defined earlier (SSA order); results defined exactly once
 *              and recorded as defined here (val.def/defout)
 *   dtypes     the binary arithmetic ops (add sub mul div) have operands and
 *              result of one element type, where the types are known
 *   outputs    graph outputs name existing values or constants
 *   types      rank within SQC_MAXRANK; a layout only on rank-4 values; quant
 *              parameters only on integer types and consistent with the shape
 * The first violation is reported as a user error (ir_error) naming the node
 * and the value with its sigil: modules come from users' files.
 */
#include <string.h>

#include "ir.h"

static void
checktype(Module *m, const Ins *in, const char *sig, const char *name, const Type *t)
{
	const QParam *q;
	int k;

	if (t->rank > SQC_MAXRANK || t->rank < -1)
		ir_error(m, in, "%s%s has rank %d (at most %d supported)", sig, name, t->rank, SQC_MAXRANK);
	for (k = 0; k < t->rank; k++)
		if (t->dim[k] < -1)
			ir_error(m, in, "%s%s has a negative dimension %lld", sig, name, (long long)t->dim[k]);
	if (t->layout != Lnone && t->layout != Lkn && t->rank != 4 && !(t->layout == Lckk && t->rank == 3))
		ir_error(m, in, "%s%s has layout %s but rank %d", sig, name, layout_name(t->layout), t->rank);
	q = t->q;
	if (!q)
		return;
	if (t->dt != Di8 && t->dt != Du8 && t->dt != Di16 && t->dt != Du16 && t->dt != Di32)
		ir_error(m, in, "%s%s has quantization parameters but element type %s", sig, name, dtype_name(t->dt));
	if (q->axis < 0 && q->n != 1)
		ir_error(m, in, "%s%s: per-tensor quantization needs one scale, has %d", sig, name, q->n);
	if (q->axis >= 0) {
		if (q->axis >= t->rank)
			ir_error(m, in, "%s%s: quantization axis %d is out of range for rank %d", sig, name, q->axis, t->rank);
		if (t->dim[q->axis] >= 0 && q->n != t->dim[q->axis])
			ir_error(m, in, "%s%s: %d scales for axis %d of size %lld", sig, name, q->n, q->axis,
			    (long long)t->dim[q->axis]);
	}
	for (k = 0; k < q->n; k++)
		if (!(q->scale[k] > 0) || q->scale[k] > 3.4e38f)
			ir_error(m, in, "%s%s: quantization scale must be positive and finite", sig, name);
}

static void
checkref(Module *m, const Ins *in, int pos, Ref r, const char *what)
{
	if (r.kind == Rval) {
		if (r.idx < 0 || r.idx >= m->nval)
			ir_error(m, in, "%s refers to a missing value", what);
		if (pos >= 0 && m->val[r.idx].def >= pos)
			ir_error(m, in, "value %%%s is used before it is defined", m->val[r.idx].name);
	} else if (r.kind == Rcst) {
		if (r.idx < 0 || r.idx >= m->ncst)
			ir_error(m, in, "%s refers to a missing constant", what);
	} else if (r.kind != Rnone) {
		ir_error(m, in, "%s has a bad operand kind", what);
	}
}

/* add/sub/mul/div: one element type for operands and result (Pow may mix) */
static void
checkdtypes(Module *m, const Ins *in)
{
	DType dt = Dundef, t;
	Ref first = {Rnone, 0};
	int k;

	if (in->op != Oadd && in->op != Osub && in->op != Omul && in->op != Odiv)
		return;
	for (k = 0; k < in->nin + in->nout; k++) {
		Ref r = k < in->nin ? in->in[k] : (in->out[k - in->nin] >= 0 ?
		    ref_val(in->out[k - in->nin]) : ref_none());
		if (r.kind == Rnone || (t = ir_reftype(m, r)->dt) == Dundef)
			continue;
		if (dt == Dundef) {
			dt = t;
			first = r;
		} else if (t != dt) {
			ir_error(m, in, "%s%s is %s but %s%s is %s; %s needs one element type",
			    r.kind == Rcst ? "$" : "%", ir_refname(m, r), dtype_name(t),
			    first.kind == Rcst ? "$" : "%", ir_refname(m, first), dtype_name(dt),
			    optab[in->op].name);
		}
	}
}

/* the quantized IR (doc/quantization.md section 8): quantize/dequantize/
 * requantize change exactly what their names say; pass-through ops keep
 * their data operand's parameters (concat: every operand's) */
static void
checkquant(Module *m, const Ins *in)
{
	const Type *x, *y;
	int k, n = 1;

	if (in->nin < 1 || in->nout < 1 || in->out[0] < 0 || !(x = ir_reftype(m, in->in[0])))
		return;
	y = &m->val[in->out[0]].type;
	switch (in->op) {
	case Oquantize:
		if (x->q || !y->q)
			ir_error(m, in, "quantize needs a float operand and a quantized result");
		return;
	case Odequantize:
		if (!x->q || y->q)
			ir_error(m, in, "dequantize needs a quantized operand and a float result");
		return;
	case Orequantize:
		if (!x->q || !y->q)
			ir_error(m, in, "requantize needs a quantized operand and result");
		return;
	case Oconcat:
		n = in->nin;
		/* fall through */
	case Orelu: case Oclip: case Omax_pool: case Oreshape: case Oflatten:
	case Otranspose: case Osqueeze: case Ounsqueeze: case Oslice: case Ogather:
	case Oresize:
		for (k = 0; k < n; k++) {
			x = ir_reftype(m, in->in[k]);
			if (x && (x->q || y->q) && !qparam_eq(x->q, y->q))
				ir_error(m, in, "%%%s must have the quantization parameters "
				    "of its operand %s (a pass-through op)",
				    m->val[in->out[0]].name, ir_refname(m, in->in[k]));
		}
		return;
	default:
		return;
	}
}

void
ir_verify(Module *m)
{
	Arena *a;
	NameMap *names;
	char *seen;
	const Ins *in;
	int i, k, v, lo, hi;
	size_t n, need;

	a = arena_new();
	names = namemap_new(a, (size_t)(m->nval + m->ncst));
	seen = arena_alloc(a, (size_t)m->nval + 1);

	for (i = 0; i < m->ncst; i++) {
		Cst *c = &m->cst[i];
		if (!c->name || !c->name[0])
			ir_error(m, NULL, "constant #%d has no name", i);
		if (!namemap_put(names, c->name, i))
			ir_error(m, NULL, "name $%s is defined twice", c->name);
		checktype(m, NULL, "$", c->name, &c->type);
		if (!type_numel(&c->type, &n))
			ir_error(m, NULL, "constant $%s needs a static shape", c->name);
		if (c->type.dt == Dundef)
			ir_error(m, NULL, "constant $%s has no element type", c->name);
		if (c->type.dt == Dstr) {
			if (c->nbytes != n * sizeof(Bytes))
				ir_error(m, NULL, "constant $%s: %zu strings for %zu elements",
				    c->name, c->nbytes / sizeof(Bytes), n);
		} else {
			if (mulover(n, dtype_size(c->type.dt), &need) || c->nbytes != need)
				ir_error(m, NULL, "constant $%s: data has %zu bytes but its type needs %zu",
				    c->name, c->nbytes, need);
		}
		if (c->nbytes && !c->data)
			die("constant $%s has no data", c->name);
	}
	for (v = 0; v < m->nval; v++) {
		if (!m->val[v].name || !m->val[v].name[0])
			ir_error(m, NULL, "value #%d has no name", v);
		if (!namemap_put(names, m->val[v].name, m->ncst + v))
			ir_error(m, NULL, "name %%%s is defined twice", m->val[v].name);
		checktype(m, NULL, "%", m->val[v].name, &m->val[v].type);
	}
	for (k = 0; k < m->nin; k++) {
		v = m->in[k];
		if (v < 0 || v >= m->nval)
			ir_error(m, NULL, "graph input #%d refers to a missing value", k);
		if (m->val[v].def != -1 || seen[v])
			ir_error(m, NULL, "graph input %%%s is also defined elsewhere", m->val[v].name);
		seen[v] = 1;
	}
	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (in->op <= Onop || in->op >= Ocount)
			ir_error(m, in, "unknown op number %d", in->op);
		if (in->op == Oopaque && (!in->optype || !in->optype[0]))
			ir_error(m, in, "opaque op without an op type");
		lo = optab[in->op].inmin, hi = optab[in->op].inmax;
		if (in->nin < lo || (hi != VAR && in->nin > hi))
			ir_error(m, in, "has %d inputs, expected %d to %d", in->nin, lo, hi == VAR ? 999 : hi);
		lo = optab[in->op].outmin, hi = optab[in->op].outmax;
		if (in->nout < lo || (hi != VAR && in->nout > hi))
			ir_error(m, in, "has %d outputs, expected %d to %d", in->nout, lo, hi == VAR ? 999 : hi);
		for (k = 0; k < in->nin; k++) {
			Ref r = in->in[k];
			checkref(m, in, i, r, "an input");
			if (r.kind == Rval && m->val[r.idx].def < 0 && !seen[r.idx])
				ir_error(m, in, "value %%%s is not defined by any node or graph input",
				    m->val[r.idx].name);
		}
		for (k = 0; k < in->nout; k++) {
			v = in->out[k];
			if (v < 0)
				continue;
			if (v >= m->nval)
				ir_error(m, in, "an output refers to a missing value");
			if (seen[v])
				ir_error(m, in, "value %%%s is defined more than once", m->val[v].name);
			if (m->val[v].def != i || m->val[v].defout != k)
				die("value %%%s: def %d.%d, defined by %d.%d", m->val[v].name,
				    m->val[v].def, m->val[v].defout, i, k);
			seen[v] = 1;
		}
		checkdtypes(m, in);
		checkquant(m, in);
	}
	for (k = 0; k < m->nout; k++) {
		checkref(m, NULL, -1, m->out[k], "a graph output");
		if (m->out[k].kind == Rnone)
			ir_error(m, NULL, "graph output #%d is empty", k);
		if (m->out[k].kind == Rval && !seen[m->out[k].idx])
			ir_error(m, NULL, "graph output %%%s is never defined", m->val[m->out[k].idx].name);
	}
	arena_free(a);
}
