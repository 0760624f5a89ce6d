/*
 * canonicalize.c — import clean-up, so later passes see one form per idea.
 *
 * Requires: a verified module.  Produces, with the float function unchanged:
 *   - Constant nodes (value, value_float(s), value_int(s)) become constants of
 *     the table named after their output; uses refer to the constant.
 *   - Identity, and Dropout in inference form (no training_mode input, or a
 *     constant false one; mask output unused), disappear: uses of the output
 *     use the input.  When the output is a graph output, the input value is
 *     renamed to keep the graph's interface, unless the input is a graph input,
 *     a constant or another graph output (then the node stays).
 *   - BatchNormalization in inference form (one used output) whose input is a
 *     f32 Conv used only by it, with constant weights, bias and statistics,
 *     folds into the Conv: W' = W*s, b' = (b - mean)*s + beta with
 *     s = gamma / sqrt(var + eps) computed in double.  New weight and bias
 *     constants are made (the old ones may be shared); the Conv then defines
 *     the BN's output value, so names seen outside do not change.
 *   - Clip's opset < 11 form (min/max attributes) becomes the input form
 *     (optional scalar constant inputs); the ONNX writer turns it back for
 *     old opsets.
 *   - Shape arithmetic folds, so exported models with computed shapes become
 *     static: ir_infer runs; Shape of a value whose shape is static becomes
 *     an i64 constant; an instruction of the shape-arithmetic ops (Shape,
 *     Gather, Unsqueeze, Squeeze, Concat, Cast, Slice, Reshape, Add, Sub, Mul,
 *     Div, Identity) whose operands are all constants and whose results are
 *     static and at most FOLDMAX bytes each is evaluated by the interpreter
 *     (exec_fold) into constants; repeated with ir_infer to a fixed point.
 *     A folded constant takes its value's name.  Shape of a value with an
 *     unknown or symbolic dim stays, and so do instructions reading a
 *     constant that is also a graph input (IR version >= 4: the caller may
 *     replace it).
 * Produces: every value's type inferred (ir_infer) as far as it can be.
 * Invalidates: instruction, value and constant numbering (ir_compact runs last).
 */
#include <math.h>
#include <string.h>

#include "../exec/exec.h"
#include "passes.h"

/* results larger than this are not folded (weights are not duplicated) */
enum { FOLDMAX = 64 * 1024 };

static bool
cstf32(Module *m, Ref r, size_t n)
{
	size_t k;

	return r.kind == Rcst && m->cst[r.idx].type.dt == Df32 &&
	       type_numel(&m->cst[r.idx].type, &k) && k == n;
}

static int
newcst(Module *m, const char *base, Type t, size_t nbytes)
{
	return ir_addcst(m, ir_uniquename(m, base), t, arena_alloc(m->arena, nbytes), nbytes);
}

/* Constant -> table entry.  Forms other than these (sparse_value, strings)
 * are left as nodes. */
static void
foldconstant(Module *m, int i)
{
	Ins *in = &m->ins[i];
	Attr *a;
	Type t;
	int c, v;
	int64_t n;

	if (in->nattr != 1 || in->out[0] < 0)
		return;
	a = &in->attr[0];
	v = in->out[0];
	if (strcmp(a->name, "value") == 0 && a->kind == Atensor) {
		c = ir_addcst(m, m->val[v].name, a->tensors[0].type, a->tensors[0].data, a->tensors[0].nbytes);
	} else if (strcmp(a->name, "value_float") == 0 && a->kind == Afloat) {
		c = ir_addcst(m, m->val[v].name, type_make(Df32, 0, NULL), arena_memdup(m->arena, &a->f, 4), 4);
	} else if (strcmp(a->name, "value_int") == 0 && a->kind == Aint) {
		c = ir_addcst(m, m->val[v].name, type_make(Di64, 0, NULL), arena_memdup(m->arena, &a->i, 8), 8);
	} else if (strcmp(a->name, "value_floats") == 0 && a->kind == Afloats) {
		n = a->n;
		t = type_make(Df32, 1, &n);
		c = ir_addcst(m, m->val[v].name, t, arena_memdup(m->arena, a->floats, (size_t)n * 4), (size_t)n * 4);
	} else if (strcmp(a->name, "value_ints") == 0 && a->kind == Aints) {
		n = a->n;
		t = type_make(Di64, 1, &n);
		c = ir_addcst(m, m->val[v].name, t, arena_memdup(m->arena, a->ints, (size_t)n * 8), (size_t)n * 8);
	} else {
		return;
	}
	in = &m->ins[i];
	/* the value's name moves to the constant: rename the dead value */
	m->val[v].name = "";
	ir_replaceuses(m, ref_val(v), ref_cst(c));
	in->op = Onop;
}

/* Is x something whose name may change?  Not a graph input or output. */
static bool
renamable(Module *m, Ref x)
{
	return x.kind == Rval && m->val[x.idx].def >= 0 && !ir_isoutput(m, x.idx);
}

static void
dropcopy(Module *m, int i)
{
	Ins *in = &m->ins[i];
	Ref x = in->in[0];
	int y = in->out[0];

	if (in->op == Odropout) {
		if (in->nout > 1 && in->out[1] >= 0) {
			Arena *a = arena_new();
			Uses *u = ir_uses(m, a);
			bool used = u->count[in->out[1]] || ir_isoutput(m, in->out[1]);
			arena_free(a);
			if (used)
				return;
		}
		if (in->nin > 2 && in->in[2].kind != Rnone) {
			Ref t = in->in[2];
			if (t.kind != Rcst || m->cst[t.idx].type.dt != Dbool ||
			    ((uint8_t *)m->cst[t.idx].data)[0] != 0)
				return;
		}
	}
	if (y < 0 || x.kind == Rnone)
		return;
	if (ir_isoutput(m, y)) {
		if (!renamable(m, x))
			return;
		/* x takes y's name so the graph output keeps its name */
		m->val[x.idx].name = m->val[y].name;
		if (m->val[y].type.dt != Dundef && m->val[x.idx].type.dt == Dundef)
			m->val[x.idx].type = m->val[y].type;
	}
	m->val[y].name = "";
	ir_replaceuses(m, ref_val(y), x);
	in->op = Onop;
	if (in->nout > 1 && in->out[1] >= 0)
		m->val[in->out[1]].name = "";
}

static void
foldbn(Module *m, int i, Uses *u)
{
	Ins *bn = &m->ins[i], *cv;
	Ref x = bn->in[0];
	int64_t oc;
	size_t per, k, j, nw;
	double eps, s;
	const float *w, *b, *gamma, *beta, *mean, *var;
	float *w2, *b2;
	int cw, cb, ci, y;
	Type tb;

	for (k = 1; k < (size_t)bn->nout; k++)
		if (bn->out[k] >= 0 && (u->count[bn->out[k]] || ir_isoutput(m, bn->out[k])))
			return;
	if (ir_attrint(bn, "training_mode", 0) != 0 || bn->out[0] < 0)
		return;
	if (x.kind != Rval || m->val[x.idx].def < 0 || u->count[x.idx] != 1 || ir_isoutput(m, x.idx))
		return;
	ci = m->val[x.idx].def;
	cv = &m->ins[ci];
	if (cv->op != Oconv || cv->in[1].kind != Rcst || m->cst[cv->in[1].idx].type.dt != Df32)
		return;
	if (m->cst[cv->in[1].idx].type.rank < 3)
		return;
	oc = m->cst[cv->in[1].idx].type.dim[0];
	if (cv->nin > 2 && cv->in[2].kind != Rnone && !cstf32(m, cv->in[2], (size_t)oc))
		return;
	for (k = 1; k < 5; k++)
		if (!cstf32(m, bn->in[k], (size_t)oc))
			return;
	if (!type_numel(&m->cst[cv->in[1].idx].type, &nw) || oc <= 0)
		return;

	eps = ir_attrfloat(bn, "epsilon", 1e-5f);
	w = m->cst[cv->in[1].idx].data;
	b = cv->nin > 2 && cv->in[2].kind == Rcst ? m->cst[cv->in[2].idx].data : NULL;
	gamma = m->cst[bn->in[1].idx].data;
	beta = m->cst[bn->in[2].idx].data;
	mean = m->cst[bn->in[3].idx].data;
	var = m->cst[bn->in[4].idx].data;

	per = nw / (size_t)oc;
	/* rewrite in place when only this conv reads the constant; else copy */
	cw = cv->in[1].idx;
	if (u->cstcount[cw] != 1 || m->cst[cw].isinput)
		cw = newcst(m, m->cst[cw].name, m->cst[cw].type, nw * 4);
	cv = &m->ins[ci];
	if (b && u->cstcount[cv->in[2].idx] == 1 && !m->cst[cv->in[2].idx].isinput) {
		cb = cv->in[2].idx;
	} else {
		tb = type_make(Df32, 1, &oc);
		cb = newcst(m, b ? m->cst[cv->in[2].idx].name :
		    arena_printf(m->arena, "%s_bias", m->cst[cv->in[1].idx].name), tb, (size_t)oc * 4);
	}
	/* ir_addcst may move the tables: re-fetch pointers */
	bn = &m->ins[i];
	cv = &m->ins[ci];
	w2 = m->cst[cw].data;
	b2 = m->cst[cb].data;
	for (j = 0; j < (size_t)oc; j++) {
		s = (double)gamma[j] / sqrt((double)var[j] + eps);
		for (k = 0; k < per; k++)
			w2[j * per + k] = (float)(w[j * per + k] * s);
		b2[j] = (float)(((b ? (double)b[j] : 0.0) - mean[j]) * s + beta[j]);
	}
	if (cv->nin < 3) {
		Ref *in3 = arena_alloc(m->arena, 3 * sizeof(Ref));
		memcpy(in3, cv->in, (size_t)cv->nin * sizeof(Ref));
		cv->in = in3;
		cv->nin = 3;
	}
	cv->in[1] = ref_cst(cw);
	cv->in[2] = ref_cst(cb);
	/* the conv now defines the BN's result; its old result dies */
	y = bn->out[0];
	m->val[x.idx].name = "";
	for (k = 1; k < (size_t)bn->nout; k++)
		if (bn->out[k] >= 0)
			m->val[bn->out[k]].name = "";
	bn->op = Onop;
	bn->nout = 0;
	ir_setout(m, ci, 0, y);
}

static void
clipinputs(Module *m, int i)
{
	Ins *in = &m->ins[i];
	Attr *lo = ir_getattr(in, "min"), *hi = ir_getattr(in, "max");
	Ref *ins;
	Attr *keep;
	int k, n, c;
	Type scalar = type_make(Df32, 0, NULL);

	if (!lo && !hi)
		return;
	if (in->nin > 1)
		ir_error(m, in, "clip has both min/max attributes and inputs");
	ins = arena_alloc(m->arena, 3 * sizeof(Ref));
	ins[0] = in->in[0];
	ins[1] = ins[2] = ref_none();
	if (lo) {
		c = ir_addcst(m, ir_uniquename(m, arena_printf(m->arena, "%s_min", m->val[in->out[0]].name)),
		    scalar, arena_memdup(m->arena, &lo->f, 4), 4);
		ins[1] = ref_cst(c);
	}
	if (hi) {
		c = ir_addcst(m, ir_uniquename(m, arena_printf(m->arena, "%s_max", m->val[in->out[0]].name)),
		    scalar, arena_memdup(m->arena, &hi->f, 4), 4);
		ins[2] = ref_cst(c);
	}
	in = &m->ins[i];
	in->in = ins;
	in->nin = hi ? 3 : 2;
	keep = arena_alloc(m->arena, (size_t)(in->nattr + 1) * sizeof(Attr));
	for (k = n = 0; k < in->nattr; k++)
		if (strcmp(in->attr[k].name, "min") != 0 && strcmp(in->attr[k].name, "max") != 0)
			keep[n++] = in->attr[k];
	in->attr = keep;
	in->nattr = n;
}

/* an initializer that is also a graph input: the caller may replace it */
static bool
overridable(const Module *m, Ref r)
{
	return r.kind == Rcst && m->cst[r.idx].isinput && m->irversion >= 4;
}

/* value v becomes the constant c (named as v was) everywhere */
static void
becomecst(Module *m, int v, int c)
{
	m->val[v].name = "";
	ir_replaceuses(m, ref_val(v), ref_cst(c));
}

/* Shape of a value with a static shape -> i64 constant (start/end: opset 15) */
static bool
foldshape(Module *m, int i)
{
	Ins *in = &m->ins[i];
	const Type *t = ir_reftype(m, in->in[0]);
	int64_t r, lo, hi, n, *d;
	int v = in->out[0], c;

	if (v < 0 || !t || !type_static(t) || overridable(m, in->in[0]))
		return false;
	r = t->rank;
	lo = ir_attrint(in, "start", 0);
	hi = ir_attrint(in, "end", r);
	lo += lo < 0 ? r : 0;
	hi += hi < 0 ? r : 0;
	lo = lo < 0 ? 0 : lo > r ? r : lo;
	hi = hi < lo ? lo : hi > r ? r : hi;
	n = hi - lo;
	d = arena_alloc(m->arena, (size_t)n * 8 + 8);
	memcpy(d, t->dim + lo, (size_t)n * 8);
	c = ir_addcst(m, m->val[v].name, type_make(Di64, 1, &n), d, (size_t)n * 8);
	becomecst(m, v, c);
	m->ins[i].op = Onop;
	return true;
}

static bool
shapearith(int op)
{
	switch (op) {
	case Oshape: case Ogather: case Ounsqueeze: case Osqueeze: case Oconcat:
	case Ocast: case Oslice: case Oreshape: case Oadd: case Osub: case Omul:
	case Odiv: case Oidentity:
		return true;
	default:
		return false;
	}
}

/* an instruction of constants -> constants, by the interpreter */
static bool
foldins(Module *m, int i, Arena *a)
{
	Ins *in = &m->ins[i];
	Tensor *y;
	Type t;
	size_t n, b;
	int k, v, c;

	for (k = 0; k < in->nin; k++) {
		Ref r = in->in[k];
		if (r.kind == Rval || overridable(m, r))
			return false;
	}
	for (k = 0; k < in->nout; k++) {
		v = in->out[k];
		if (v < 0)
			continue;
		t = m->val[v].type;
		if (!type_numel(&t, &n) || t.dt == Dundef || t.dt == Dstr ||
		    mulover(n, dtype_size(t.dt), &b) || b > FOLDMAX)
			return false;
	}
	y = arena_alloc(a, (size_t)(in->nout + 1) * sizeof *y);
	if (!exec_fold(m, i, a, y))
		return false;
	for (k = 0; k < m->ins[i].nout; k++) {
		v = m->ins[i].out[k];
		if (v < 0)
			continue;
		t = m->val[v].type;
		t = type_make(t.dt, t.rank, t.dim);
		type_numel(&t, &n);
		b = n * dtype_size(t.dt);
		if (y[k].nbytes != b)
			die("exec_fold: %zu bytes for %%%s, expected %zu", y[k].nbytes, m->val[v].name, b);
		c = ir_addcst(m, m->val[v].name, t, arena_memdup(m->arena, y[k].data, b), b);
		becomecst(m, v, c);
	}
	m->ins[i].op = Onop;
	return true;
}

/* infer, fold, repeat until nothing folds */
static void
foldshapes(Module *m)
{
	Arena *a;
	bool changed;
	int i;

	do {
		changed = false;
		ir_infer(m);
		a = arena_new();
		for (i = 0; i < m->nins; i++) {
			if (m->ins[i].op == Oshape && foldshape(m, i))
				changed = true;
			else if (shapearith(m->ins[i].op) && foldins(m, i, a))
				changed = true;
		}
		arena_free(a);
	} while (changed);
}

void
canonicalize(Module *m)
{
	Arena *a;
	Uses *u;
	int i;

	for (i = 0; i < m->nins; i++) {
		switch (m->ins[i].op) {
		case Oconstant:
			foldconstant(m, i);
			break;
		case Oclip:
			clipinputs(m, i);
			break;
		default:
			break;
		}
	}
	for (i = 0; i < m->nins; i++)
		if (m->ins[i].op == Oidentity || m->ins[i].op == Odropout)
			dropcopy(m, i);
	for (i = 0; i < m->nins; i++) {
		if (m->ins[i].op != Obatch_normalization)
			continue;
		a = arena_new();
		u = ir_uses(m, a);
		foldbn(m, i, u);
		arena_free(a);
	}
	foldshapes(m);
	ir_compact(m);
}
