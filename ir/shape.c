/*
 * shape.c — dtype and shape inference (ir_infer) for every op of the table,
 * following the ONNX operator specification, opsets 1 to 18.
 *
 * One walk in instruction order (the order is topological).  For each
 * instruction the output types are computed from the operands' current types
 * and from constant operands (the constant table, or the output of a Constant
 * node not folded yet), then merged into each result's current type:
 *
 *   - a dtype, rank or dim the value does not have yet is taken;
 *   - one it already has (declared by value_info or a graph output, or from an
 *     earlier run) must agree: a disagreement is a user error naming the node,
 *     the value and both types.  Unknown dims on either side never conflict;
 *     a symbolic name the value already has wins over the inferred one, so
 *     graph outputs keep the names their model gives them.
 *   - layout, quantization parameters and range are the value's, untouched.
 *
 * Constants that are also graph inputs (IR version >= 4) may be replaced by
 * the caller, so their contents are not used, only their types.
 *
 * Which form of an op is meant (attribute or input: Squeeze/Unsqueeze axes,
 * Slice, Reshape, Pad pads, ReduceMean axes, Resize scales) is decided by
 * what the instruction has, so modules without an opset import work.
 *
 * Not inferred: opaque ops (their results keep what was declared); results
 * whose shape depends on operands that are not constants (Reshape's shape,
 * Slice's starts...: then only what is certain, e.g. the rank, is filled in);
 * instructions with an operand in a non-ONNX layout (nhwc, hwio...), which
 * later passes type themselves.  An instruction whose operands carry
 * quantization parameters keeps its results' declared dtype.
 *
 * Inconsistent models (operands that cannot broadcast, a Conv whose input and
 * weight differ in element type, a Reshape whose element counts differ, an
 * axis out of range, a kernel larger than its padded input) are user errors
 * naming the node.  ir_infer is idempotent.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "ir.h"

enum { MAXOUT = 5 };
enum { PADNOTSET, PADSAMEUP, PADSAMELO, PADVALID };

typedef struct Ctx {
	Module *m;
	int i;			/* the instruction */
	Arena *a;		/* scratch for this walk */
} Ctx;

#define INS(c) (&(c)->m->ins[(c)->i])

/* ---- types ------------------------------------------------------------- */

/* a type with x's shape (dims and symbols) and dtype dt */
static Type
like(const Type *x, DType dt)
{
	Type y = type_unknown();
	int k;

	y.dt = dt;
	y.rank = x->rank;
	for (k = 0; k < x->rank && k < SQC_MAXRANK; k++) {
		y.dim[k] = x->dim[k];
		y.sym[k] = x->dim[k] < 0 ? x->sym[k] : NULL;
	}
	return y;
}

static Type
ranked(DType dt, int rank)
{
	return type_make(dt, rank, NULL);
}

/* copy dim k of x to dim j of y */
static void
cpdim(Type *y, int j, const Type *x, int k)
{
	y->dim[j] = x->dim[k];
	y->sym[j] = x->dim[k] < 0 ? x->sym[k] : NULL;
}

static void
setdim(Type *y, int j, int64_t d)
{
	y->dim[j] = d < 0 ? -1 : d;
	y->sym[j] = NULL;
}

static const char *
tystr(Arena *a, const Type *t)
{
	char buf[40 * SQC_MAXRANK + 16];
	size_t n;
	const char *dn;
	int k;

	dn = t->dt == Dundef ? "?" : dtype_name(t->dt);
	n = (size_t)snprintf(buf, sizeof buf, "%s[", dn ? dn : "?");
	if (t->rank < 0)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "*");
	for (k = 0; k < t->rank && k < SQC_MAXRANK; k++) {
		if (t->dim[k] >= 0)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", k ? "," : "",
			    (long long)t->dim[k]);
		else
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%.30s", k ? "," : "",
			    t->sym[k] ? t->sym[k] : "?");
	}
	snprintf(buf + n, sizeof buf - n, "]");
	return arena_strdup(a, buf);
}

/* ---- operands ---------------------------------------------------------- */

static const Type *
X(Ctx *c, int k)
{
	const Ins *in = INS(c);

	if (k >= in->nin || in->in[k].kind == Rnone)
		return NULL;
	return ir_reftype(c->m, in->in[k]);
}

static bool
has(Ctx *c, int k)
{
	return k < INS(c)->nin && INS(c)->in[k].kind != Rnone;
}

static DType
dtof(const Type *t)
{
	return t ? t->dt : Dundef;
}

/* An initializer that is also a graph input is a default the caller may
 * replace (IR version 4 on; before, every initializer had to be an input). */
static bool
overridable(const Module *m, Ref r)
{
	return r.kind == Rcst && m->cst[r.idx].isinput && m->irversion >= 4;
}

/* The constant behind operand k: a constant of the table or the result of a
 * Constant node; NULL if neither. */
static const Cst *
constof(Ctx *c, int k)
{
	Module *m = c->m;
	const Ins *in = INS(c), *d;
	const Attr *a;
	Ref r;
	Cst *t;
	int64_t n;

	if (k >= in->nin)
		return NULL;
	r = in->in[k];
	if (r.kind == Rcst)
		return overridable(m, r) ? NULL : &m->cst[r.idx];
	if (r.kind != Rval || m->val[r.idx].def < 0)
		return NULL;
	d = &m->ins[m->val[r.idx].def];
	if (d->op != Oconstant || d->nattr != 1)
		return NULL;
	a = &d->attr[0];
	if (strcmp(a->name, "value") == 0 && a->kind == Atensor)
		return &a->tensors[0];
	t = arena_alloc(c->a, sizeof *t);
	if (strcmp(a->name, "value_int") == 0 && a->kind == Aint) {
		t->type = type_make(Di64, 0, NULL);
		t->data = arena_memdup(c->a, &a->i, 8);
		t->nbytes = 8;
	} else if (strcmp(a->name, "value_ints") == 0 && a->kind == Aints) {
		n = a->n;
		t->type = type_make(Di64, 1, &n);
		t->nbytes = (size_t)n * 8;
		t->data = arena_memdup(c->a, a->ints, t->nbytes);
	} else if (strcmp(a->name, "value_float") == 0 && a->kind == Afloat) {
		t->type = type_make(Df32, 0, NULL);
		t->data = arena_memdup(c->a, &a->f, 4);
		t->nbytes = 4;
	} else if (strcmp(a->name, "value_floats") == 0 && a->kind == Afloats) {
		n = a->n;
		t->type = type_make(Df32, 1, &n);
		t->nbytes = (size_t)n * 4;
		t->data = arena_memdup(c->a, a->floats, t->nbytes);
	} else {
		return NULL;
	}
	return t;
}

/* Operand k as integers if it is a constant of an integer type: the
 * elements (scratch memory) and their count in *n; NULL otherwise. */
static int64_t *
cints(Ctx *c, int k, size_t *n)
{
	const Cst *t = constof(c, k);
	int64_t *v;
	size_t j;

	if (!t || !type_numel(&t->type, n) || t->nbytes != *n * dtype_size(t->type.dt))
		return NULL;
	v = arena_alloc(c->a, (*n + 1) * sizeof *v);
	for (j = 0; j < *n; j++) {
		const uint8_t *p = (const uint8_t *)t->data;
		switch (t->type.dt) {
		case Di64: case Du64: memcpy(&v[j], p + 8 * j, 8); break;
		case Di32: { int32_t x; memcpy(&x, p + 4 * j, 4); v[j] = x; break; }
		case Du32: { uint32_t x; memcpy(&x, p + 4 * j, 4); v[j] = x; break; }
		case Di16: { int16_t x; memcpy(&x, p + 2 * j, 2); v[j] = x; break; }
		case Du16: { uint16_t x; memcpy(&x, p + 2 * j, 2); v[j] = x; break; }
		case Di8: v[j] = (int8_t)p[j]; break;
		case Du8: case Dbool: v[j] = p[j]; break;
		default: return NULL;
		}
	}
	return v;
}

/* Operand k as doubles if it is a constant of f32 or f64 */
static double *
cfloats(Ctx *c, int k, size_t *n)
{
	const Cst *t = constof(c, k);
	double *v;
	size_t j;

	if (!t || !type_numel(&t->type, n) || t->nbytes != *n * dtype_size(t->type.dt))
		return NULL;
	if (t->type.dt != Df32 && t->type.dt != Df64)
		return NULL;
	v = arena_alloc(c->a, (*n + 1) * sizeof *v);
	for (j = 0; j < *n; j++) {
		if (t->type.dt == Df32) {
			float f;
			memcpy(&f, (const uint8_t *)t->data + 4 * j, 4);
			v[j] = f;
		} else {
			memcpy(&v[j], (const uint8_t *)t->data + 8 * j, 8);
		}
	}
	return v;
}

/* an ints attribute: its elements and count, or NULL (count 0) if absent */
static const int64_t *
aints(Ctx *c, const char *name, int *n)
{
	const Attr *a = ir_getattr(INS(c), name);

	*n = 0;
	if (!a)
		return NULL;
	if (a->kind == Aint) {
		*n = 1;
		return &a->i;
	}
	if (a->kind != Aints)
		ir_error(c->m, INS(c), "attribute '%s' must be a list of integers", name);
	*n = a->n;
	return a->ints;
}

static bool
astreq(Ctx *c, const char *name, const char *s)
{
	const Attr *a = ir_getattr(INS(c), name);

	return a && a->kind == Astr && a->s.len == strlen(s) && memcmp(a->s.data, s, a->s.len) == 0;
}

/* axis in [-rank, rank-1] (or [-rank, rank] with extra = 1) made positive */
static int
normaxis(Ctx *c, int64_t axis, int rank, const char *what)
{
	if (axis < -rank || axis >= rank)
		ir_error(c->m, INS(c), "%s %lld is out of range for rank %d", what, (long long)axis, rank);
	return (int)(axis < 0 ? axis + rank : axis);
}

static void
checkrank(Ctx *c, int rank)
{
	if (rank > SQC_MAXRANK)
		ir_error(c->m, INS(c), "result has rank %d (at most %d supported)", rank, SQC_MAXRANK);
}

/* checked dim arithmetic: hostile dims and attributes must not overflow */
static noreturn void
overflow(Ctx *c)
{
	ir_error(c->m, INS(c), "shape arithmetic overflows (dimensions or attributes too large)");
}

static int64_t
addd(Ctx *c, int64_t a, int64_t b)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		overflow(c);
	return a + b;
}

static int64_t
muld(Ctx *c, int64_t a, int64_t b)
{
	if (a == 0 || b == 0)
		return 0;
	if (a > 0 ? (b > 0 ? a > INT64_MAX / b : b < INT64_MIN / a)
	    : (b > 0 ? a < INT64_MIN / b : a < INT64_MAX / b))
		overflow(c);
	return a * b;
}

/* a float extent rounded down to a dim */
static int64_t
floordim(Ctx *c, double v)
{
	v = floor(v);
	if (!(v >= 0 && v < 9.0e18))
		overflow(c);
	return (int64_t)v;
}

/* ---- elementwise ------------------------------------------------------- */

/* NumPy broadcasting of a and b */
static Type
bcast(Ctx *c, const Type *a, const Type *b, DType dt)
{
	Type y = type_unknown();
	int r, k, ia, ib;
	int64_t da, db;
	const char *sa, *sb;

	y.dt = dt;
	if (!a || !b || a->rank < 0 || b->rank < 0)
		return y;
	r = a->rank > b->rank ? a->rank : b->rank;
	y.rank = r;
	for (k = 0; k < r; k++) {
		ia = a->rank - r + k;
		ib = b->rank - r + k;
		da = ia >= 0 ? a->dim[ia] : 1;
		db = ib >= 0 ? b->dim[ib] : 1;
		sa = ia >= 0 && da < 0 ? a->sym[ia] : NULL;
		sb = ib >= 0 && db < 0 ? b->sym[ib] : NULL;
		if (da == 1) {
			y.dim[k] = db, y.sym[k] = sb;
		} else if (db == 1) {
			y.dim[k] = da, y.sym[k] = sa;
		} else if (da >= 0 && db >= 0) {
			if (da != db)
				ir_error(c->m, INS(c), "operands of shapes %s and %s cannot be broadcast "
				    "(dimension %lld against %lld)", tystr(c->a, a), tystr(c->a, b),
				    (long long)da, (long long)db);
			y.dim[k] = da;
		} else if (da >= 0) {
			y.dim[k] = da;
		} else if (db >= 0) {
			y.dim[k] = db;
		} else {
			y.dim[k] = -1;
			y.sym[k] = sa && sb && strcmp(sa, sb) == 0 ? sa : NULL;
		}
	}
	return y;
}

/* ---- windows: conv, conv_transpose and pools --------------------------- */

static int
autopad(Ctx *c)
{
	const Attr *a = ir_getattr(INS(c), "auto_pad");

	if (!a || astreq(c, "auto_pad", "NOTSET") || (a->kind == Astr && a->s.len == 0))
		return PADNOTSET;
	if (astreq(c, "auto_pad", "SAME_UPPER"))
		return PADSAMEUP;
	if (astreq(c, "auto_pad", "SAME_LOWER"))
		return PADSAMELO;
	if (astreq(c, "auto_pad", "VALID"))
		return PADVALID;
	ir_error(c->m, INS(c), "unknown auto_pad (use NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
}

typedef struct Window {
	int n;				/* spatial dims */
	int64_t k[SQC_MAXRANK];		/* kernel */
	int64_t s[SQC_MAXRANK], d[SQC_MAXRANK];
	int64_t pb[SQC_MAXRANK], pe[SQC_MAXRANK];
	int pad;			/* PADxxx */
	bool ceil;
} Window;

/* Strides, dilations, pads and auto_pad of an instruction with n spatial
 * dims; kernel from kernel_shape or, when absent, from w (may be NULL). */
static bool
window(Ctx *c, int n, const Type *w, Window *win)
{
	const int64_t *v;
	int cnt, j;
	bool kattr;

	memset(win, 0, sizeof *win);
	win->n = n;
	v = aints(c, "kernel_shape", &cnt);
	kattr = v != NULL;
	if (v) {
		if (cnt != n)
			ir_error(c->m, INS(c), "kernel_shape has %d values for %d spatial dimensions", cnt, n);
		memcpy(win->k, v, (size_t)n * 8);
	} else {
		if (!w || w->rank != n + 2)
			return false;
		for (j = 0; j < n; j++)
			win->k[j] = w->dim[j + 2];
	}
	for (j = 0; j < n; j++)
		win->s[j] = win->d[j] = 1;
	if ((v = aints(c, "strides", &cnt))) {
		if (cnt != n)
			ir_error(c->m, INS(c), "strides has %d values for %d spatial dimensions", cnt, n);
		memcpy(win->s, v, (size_t)n * 8);
	}
	if ((v = aints(c, "dilations", &cnt))) {
		if (cnt != n)
			ir_error(c->m, INS(c), "dilations has %d values for %d spatial dimensions", cnt, n);
		memcpy(win->d, v, (size_t)n * 8);
	}
	if ((v = aints(c, "pads", &cnt))) {
		if (cnt != 2 * n)
			ir_error(c->m, INS(c), "pads has %d values for %d spatial dimensions (needs %d)",
			    cnt, n, 2 * n);
		memcpy(win->pb, v, (size_t)n * 8);
		memcpy(win->pe, v + n, (size_t)n * 8);
	}
	for (j = 0; j < n; j++)
		if (win->s[j] < 1 || win->d[j] < 1 || win->pb[j] < 0 || win->pe[j] < 0 ||
		    win->k[j] == 0 || (kattr && win->k[j] < 0))
			ir_error(c->m, INS(c), "kernel_shape, strides and dilations must be positive "
			    "and pads not negative");
	win->pad = autopad(c);
	win->ceil = ir_attrint(INS(c), "ceil_mode", 0) != 0;
	return true;
}

static int64_t
ceildiv(int64_t a, int64_t b)
{
	return a / b + (a % b > 0);
}

/* Output size of a sliding window over a dimension of size in (-1 unknown).
 * ceil mode: a last window that would start in the end padding is dropped
 * (as ONNX Runtime and PyTorch do). */
static int64_t
slide(Ctx *c, const Window *w, int j, int64_t in)
{
	int64_t dk, o, num;

	if (in < 0 || w->k[j] < 0)
		return -1;
	dk = addd(c, muld(c, w->k[j] - 1, w->d[j]), 1);
	switch (w->pad) {
	case PADSAMEUP:
	case PADSAMELO:
		return ceildiv(in, w->s[j]);
	case PADVALID:
		num = in - dk;
		break;
	default:
		num = addd(c, addd(c, addd(c, in, w->pb[j]), w->pe[j]), -dk);
		break;
	}
	if (num < 0)
		ir_error(c->m, INS(c), "kernel extent %lld is larger than the padded input %lld",
		    (long long)dk, (long long)(num + dk));
	if (w->ceil && w->pad == PADNOTSET) {
		o = ceildiv(num, w->s[j]) + 1;
		if ((o - 1) * w->s[j] >= in + w->pb[j])
			o--;
	} else {
		o = num / w->s[j] + 1;
	}
	return o;
}

/* Conv and QLinearConv: x [N,C,D...], w [M,C/group,K...] -> [N,M,O...] */
static Type
conv(Ctx *c, const Type *x, const Type *w, DType dt)
{
	Type y = type_unknown();
	Window win;
	int n, j;
	int64_t g;

	y.dt = dt;
	if (!x || x->rank < 0)
		return w && w->rank >= 3 ? ranked(dt, w->rank) : y;
	if (x->rank < 3)
		ir_error(c->m, INS(c), "input has rank %d; conv needs [N,C,spatial...]", x->rank);
	n = x->rank - 2;
	if (w && w->rank >= 0 && w->rank != x->rank)
		ir_error(c->m, INS(c), "weight of rank %d for an input of rank %d", w->rank, x->rank);
	y = ranked(dt, x->rank);
	cpdim(&y, 0, x, 0);
	if (w && w->rank > 0)
		cpdim(&y, 1, w, 0);
	g = ir_attrint(INS(c), "group", 1);
	if (g < 1)
		ir_error(c->m, INS(c), "group must be positive");
	if (w && w->rank > 1 && w->dim[1] >= 0 && x->dim[1] >= 0 &&
	    muld(c, w->dim[1], g) != x->dim[1])
		ir_error(c->m, INS(c), "input has %lld channels but the weight expects %lld (x group %lld)",
		    (long long)x->dim[1], (long long)w->dim[1], (long long)g);
	if (!window(c, n, w, &win))
		return y;
	for (j = 0; j < n; j++)
		setdim(&y, j + 2, slide(c, &win, j, x->dim[j + 2]));
	return y;
}

/* ConvTranspose: x [N,C,D...], w [C,M/group,K...] -> [N,M,O...] */
static Type
convtranspose(Ctx *c, const Type *x, const Type *w, DType dt)
{
	Type y = type_unknown();
	Window win;
	const int64_t *os, *op;
	int n, j, nos, nop;
	int64_t g, in, dk, o, tp;

	y.dt = dt;
	if (!x || x->rank < 0)
		return y;
	if (x->rank < 3)
		ir_error(c->m, INS(c), "input has rank %d; conv_transpose needs [N,C,spatial...]", x->rank);
	n = x->rank - 2;
	y = ranked(dt, x->rank);
	cpdim(&y, 0, x, 0);
	g = ir_attrint(INS(c), "group", 1);
	if (g < 1)
		ir_error(c->m, INS(c), "group must be positive");
	if (w && w->rank > 1 && w->dim[1] >= 0)
		setdim(&y, 1, muld(c, w->dim[1], g));
	if (!window(c, n, w, &win))
		return y;
	os = aints(c, "output_shape", &nos);
	op = aints(c, "output_padding", &nop);
	if (op && nop != n)
		ir_error(c->m, INS(c), "output_padding has %d values for %d spatial dimensions", nop, n);
	if (os && nos < n)
		ir_error(c->m, INS(c), "output_shape has %d values for %d spatial dimensions", nos, n);
	for (j = 0; j < n; j++) {
		if (os) {
			setdim(&y, j + 2, os[nos - n + j]);
			continue;
		}
		in = x->dim[j + 2];
		if (in < 0 || win.k[j] < 0)
			continue;
		dk = addd(c, muld(c, win.k[j] - 1, win.d[j]), 1);
		o = addd(c, addd(c, muld(c, win.s[j], in - 1), op ? op[j] : 0), dk);
		if (win.pad == PADSAMEUP || win.pad == PADSAMELO) {
			tp = addd(c, o, -muld(c, in, win.s[j]));
			o -= tp > 0 ? tp : 0;
		} else if (win.pad == PADNOTSET) {
			o = addd(c, o, -addd(c, win.pb[j], win.pe[j]));
		}
		if (o < 0)
			ir_error(c->m, INS(c), "pads exceed the output (dimension %d would be %lld)",
			    j + 2, (long long)o);
		setdim(&y, j + 2, o);
	}
	return y;
}

/* MaxPool and AveragePool */
static Type
pool(Ctx *c, const Type *x)
{
	Type y;
	Window win;
	int n, j;

	if (!x || x->rank < 0)
		return type_unknown();
	if (x->rank < 3)
		ir_error(c->m, INS(c), "input has rank %d; pooling needs [N,C,spatial...]", x->rank);
	n = x->rank - 2;
	y = ranked(x->dt, x->rank);
	cpdim(&y, 0, x, 0);
	cpdim(&y, 1, x, 1);
	if (!window(c, n, NULL, &win))
		ir_error(c->m, INS(c), "pooling needs a kernel_shape attribute");
	for (j = 0; j < n; j++)
		setdim(&y, j + 2, slide(c, &win, j, x->dim[j + 2]));
	return y;
}

/* ---- matrix products ----------------------------------------------------- */

static void
samek(Ctx *c, int64_t ka, int64_t kb, const Type *a, const Type *b)
{
	if (ka >= 0 && kb >= 0 && ka != kb)
		ir_error(c->m, INS(c), "inner dimensions differ: %s times %s",
		    tystr(c->a, a), tystr(c->a, b));
}

static Type
gemm(Ctx *c, const Type *a, const Type *b, DType dt)
{
	Type y = ranked(dt, 2);
	bool ta = ir_attrint(INS(c), "transA", 0) != 0;
	bool tb = ir_attrint(INS(c), "transB", 0) != 0;

	if (a && a->rank >= 0 && a->rank != 2)
		ir_error(c->m, INS(c), "A has rank %d; gemm needs matrices", a->rank);
	if (b && b->rank >= 0 && b->rank != 2)
		ir_error(c->m, INS(c), "B has rank %d; gemm needs matrices", b->rank);
	if (a && a->rank == 2)
		cpdim(&y, 0, a, ta ? 1 : 0);
	if (b && b->rank == 2)
		cpdim(&y, 1, b, tb ? 0 : 1);
	if (a && b && a->rank == 2 && b->rank == 2)
		samek(c, a->dim[ta ? 0 : 1], b->dim[tb ? 1 : 0], a, b);
	return y;
}

/* NumPy matmul: 1-D operands are promoted and the added dims removed */
static Type
matmul(Ctx *c, const Type *a, const Type *b, DType dt)
{
	Type y = type_unknown(), ba, bb, bt;
	int ra, rb, k, r;

	y.dt = dt;
	if (!a || !b || a->rank < 0 || b->rank < 0)
		return y;
	ra = a->rank, rb = b->rank;
	if (ra == 0 || rb == 0)
		ir_error(c->m, INS(c), "matmul of a scalar");
	samek(c, a->dim[ra - 1], b->dim[rb >= 2 ? rb - 2 : 0], a, b);
	/* batch dims: broadcast a[:-2] and b[:-2] */
	ba = ranked(dt, ra > 2 ? ra - 2 : 0);
	for (k = 0; k < ba.rank; k++)
		cpdim(&ba, k, a, k);
	bb = ranked(dt, rb > 2 ? rb - 2 : 0);
	for (k = 0; k < bb.rank; k++)
		cpdim(&bb, k, b, k);
	bt = bcast(c, &ba, &bb, dt);
	r = bt.rank + (ra > 1) + (rb > 1);
	checkrank(c, r);
	y = ranked(dt, r);
	for (k = 0; k < bt.rank; k++)
		cpdim(&y, k, &bt, k);
	if (ra > 1)
		cpdim(&y, k++, a, ra - 2);
	if (rb > 1)
		cpdim(&y, k++, b, rb - 1);
	return y;
}

/* ---- data movement ------------------------------------------------------- */

static Type
concat(Ctx *c, DType dt)
{
	const Ins *in = INS(c);
	const Type *t, *f = NULL;
	Type y = type_unknown();
	int64_t axis;
	int k, j, ax;
	bool sumknown = true;
	int64_t sum = 0;

	for (k = 0; k < in->nin; k++) {
		t = X(c, k);
		if (!t || t->rank < 0)
			return y.dt = dt, y;
		if (f && t->rank != f->rank)
			ir_error(c->m, in, "concat of ranks %d and %d", f->rank, t->rank);
		f = f ? f : t;
	}
	if (!f)
		return y;
	if (!ir_getattr(in, "axis"))
		ir_error(c->m, in, "concat needs an axis attribute");
	axis = ir_attrint(in, "axis", 0);
	ax = normaxis(c, axis, f->rank, "axis");
	y = like(f, dt);
	for (k = 0; k < in->nin; k++) {
		t = X(c, k);
		for (j = 0; j < f->rank; j++) {
			if (j == ax)
				continue;
			if (t->dim[j] >= 0 && y.dim[j] >= 0 && t->dim[j] != y.dim[j])
				ir_error(c->m, in, "concat operands %s and %s differ outside axis %d",
				    tystr(c->a, f), tystr(c->a, t), ax);
			if (y.dim[j] < 0 && t->dim[j] >= 0)
				setdim(&y, j, t->dim[j]);
			else if (y.dim[j] < 0 && y.sym[j] && (!t->sym[j] || strcmp(t->sym[j], y.sym[j])))
				y.sym[j] = NULL;
		}
		if (t->dim[ax] < 0)
			sumknown = false;
		else
			sum = addd(c, sum, t->dim[ax]);
	}
	setdim(&y, ax, sumknown ? sum : -1);
	if (!sumknown && in->nin == 1)
		cpdim(&y, ax, f, ax);
	return y;
}

static Type
reshape(Ctx *c, const Type *x)
{
	const Ins *in = INS(c);
	const Type *st;
	const int64_t *s;
	int64_t *sv;
	Type y = type_unknown();
	size_t n;
	int k, neg = -1, cnt;
	bool allowzero = ir_attrint(in, "allowzero", 0) != 0;
	int64_t pin = 1, pout = 1;
	bool used[SQC_MAXRANK] = {0};

	y.dt = dtof(x);
	if (has(c, 1)) {
		sv = cints(c, 1, &n);
		s = sv;
		if (!s) {
			st = X(c, 1);
			if (st && st->rank == 1 && st->dim[0] >= 0 && st->dim[0] <= SQC_MAXRANK)
				y = ranked(y.dt, (int)st->dim[0]);
			return y;
		}
	} else {
		s = aints(c, "shape", &cnt);
		if (!s)
			ir_error(c->m, in, "reshape needs a shape input");
		n = (size_t)cnt;
	}
	checkrank(c, (int)n);
	y = ranked(y.dt, (int)n);
	for (k = 0; k < (int)n; k++) {
		if (s[k] == 0 && !allowzero) {
			if (!x || x->rank < 0)
				continue;
			if (k >= x->rank)
				ir_error(c->m, in, "shape copies dimension %d (0) of an input of rank %d", k, x->rank);
			cpdim(&y, k, x, k);
			used[k] = true;
		} else if (s[k] == -1) {
			if (neg >= 0)
				ir_error(c->m, in, "shape has more than one -1");
			neg = k;
		} else if (s[k] < 0) {
			ir_error(c->m, in, "shape has a negative dimension %lld", (long long)s[k]);
		} else {
			setdim(&y, k, s[k]);
		}
	}
	if (!x || x->rank < 0)
		return y;
	/* the input dims copied by 0 cancel against the same output dims */
	for (k = 0; k < x->rank; k++) {
		if (used[k])
			continue;
		if (x->dim[k] < 0)
			pin = -1;
		else if (pin >= 0)
			pin = muld(c, pin, x->dim[k]);
	}
	for (k = 0; k < (int)n; k++) {
		if (k == neg || (s[k] == 0 && !allowzero))
			continue;
		pout = muld(c, pout, s[k]);
	}
	if (neg >= 0) {
		if (pin >= 0 && pout == 0 && pin != 0)
			ir_error(c->m, in, "shape with -1 and a 0 dimension for a non-empty input");
		if (pin >= 0 && pout > 0) {
			if (pin % pout)
				ir_error(c->m, in, "cannot reshape %s to %lld elements per -1",
				    tystr(c->a, x), (long long)pout);
			setdim(&y, neg, pin / pout);
		}
	} else if (pin >= 0 && pin != pout) {
		ir_error(c->m, in, "cannot reshape %s (%lld elements) to %lld elements",
		    tystr(c->a, x), (long long)pin, (long long)pout);
	}
	return y;
}

/* the product of dims [lo, hi) of x, keeping a lone symbolic dim */
static void
proddim(Ctx *c, Type *y, int j, const Type *x, int lo, int hi)
{
	int64_t p = 1;
	int k, unk = -1, nunk = 0;

	for (k = lo; k < hi; k++) {
		if (x->dim[k] < 0)
			unk = k, nunk++;
		else
			p = muld(c, p, x->dim[k]);
	}
	if (nunk == 0)
		setdim(y, j, p);
	else if (nunk == 1 && p == 1)
		cpdim(y, j, x, unk);
	else
		setdim(y, j, -1);
}

static Type
flatten(Ctx *c, const Type *x)
{
	Type y = ranked(dtof(x), 2);
	int ax;

	if (!x || x->rank < 0)
		return y;
	ax = (int)ir_attrint(INS(c), "axis", 1);
	if (ax < -x->rank || ax > x->rank)
		ir_error(c->m, INS(c), "axis %d is out of range for rank %d", ax, x->rank);
	if (ax < 0)
		ax += x->rank;
	proddim(c, &y, 0, x, 0, ax);
	proddim(c, &y, 1, x, ax, x->rank);
	return y;
}

static Type
transpose(Ctx *c, const Type *x)
{
	Type y = type_unknown();
	const int64_t *p;
	int n, k;
	bool seen[SQC_MAXRANK] = {0};

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	y = ranked(x->dt, x->rank);
	p = aints(c, "perm", &n);
	if (p && n != x->rank)
		ir_error(c->m, INS(c), "perm has %d entries for rank %d", n, x->rank);
	for (k = 0; k < x->rank; k++) {
		int64_t from = p ? p[k] : x->rank - 1 - k;
		if (from < 0 || from >= x->rank || seen[from])
			ir_error(c->m, INS(c), "perm is not a permutation of 0..%d", x->rank - 1);
		seen[from] = true;
		cpdim(&y, k, x, (int)from);
	}
	return y;
}

/* Squeeze/Unsqueeze axes: the attribute (opset < 13) or input 1 */
static const int64_t *
axesof(Ctx *c, int k, size_t *n, bool *dynamic)
{
	const int64_t *v;
	int cnt;

	*dynamic = false;
	if ((v = aints(c, "axes", &cnt))) {
		*n = (size_t)cnt;
		return v;
	}
	*n = 0;
	if (!has(c, k))
		return NULL;
	v = cints(c, k, n);
	if (!v)
		*dynamic = true;
	return v;
}

/* axes not constant but their count known: rank x + sign*count, dims unknown */
static Type
dynrank(Ctx *c, const Type *x, int sign)
{
	const Type *a = X(c, 1);
	Type y = type_unknown();
	int r;

	y.dt = x->dt;
	if (!a || a->rank != 1 || a->dim[0] < 0 || a->dim[0] > SQC_MAXRANK)
		return y;
	r = x->rank + sign * (int)a->dim[0];
	return r >= 0 && r <= SQC_MAXRANK ? ranked(x->dt, r) : y;
}

static Type
squeeze(Ctx *c, const Type *x)
{
	Type y = type_unknown();
	const int64_t *ax;
	size_t n, j;
	bool dyn, drop[SQC_MAXRANK] = {0};
	int k, r = 0;

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	ax = axesof(c, 1, &n, &dyn);
	if (dyn)
		return dynrank(c, x, -1);
	if (ax) {
		for (j = 0; j < n; j++) {
			k = normaxis(c, ax[j], x->rank, "axis");
			if (x->dim[k] >= 0 && x->dim[k] != 1)
				ir_error(c->m, INS(c), "cannot squeeze axis %d of %s (size %lld, not 1)",
				    k, tystr(c->a, x), (long long)x->dim[k]);
			drop[k] = true;
		}
	} else {
		for (k = 0; k < x->rank; k++) {
			if (x->dim[k] < 0)
				return y;	/* which dims go is unknown */
			drop[k] = x->dim[k] == 1;
		}
	}
	y = ranked(x->dt, 0);
	for (k = 0; k < x->rank; k++)
		if (!drop[k])
			cpdim(&y, r++, x, k);
	y.rank = r;
	return y;
}

static Type
unsqueeze(Ctx *c, const Type *x)
{
	Type y = type_unknown();
	const int64_t *ax;
	size_t n, j;
	bool dyn, ins[SQC_MAXRANK] = {0};
	int k, r, from = 0;

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	ax = axesof(c, 1, &n, &dyn);
	if (dyn)
		return dynrank(c, x, 1);
	if (!ax)
		ir_error(c->m, INS(c), "unsqueeze needs axes");
	r = x->rank + (int)n;
	checkrank(c, r);
	for (j = 0; j < n; j++) {
		k = normaxis(c, ax[j], r, "axis");
		if (ins[k])
			ir_error(c->m, INS(c), "axis %d is repeated", k);
		ins[k] = true;
	}
	y = ranked(x->dt, r);
	for (k = 0; k < r; k++) {
		if (ins[k])
			setdim(&y, k, 1);
		else
			cpdim(&y, k, x, from++);
	}
	return y;
}

/* elements of dim d kept by a slice start:end:step (ONNX clamping) */
static int64_t
slicelen(int64_t d, int64_t st, int64_t en, int64_t step)
{
	if (st < 0)
		st += d;
	if (en < 0)
		en += d;
	if (step > 0) {
		st = st < 0 ? 0 : st > d ? d : st;
		en = en < 0 ? 0 : en > d ? d : en;
		return en > st ? (en - st - 1) / step + 1 : 0;
	}
	st = st < 0 ? 0 : st > d - 1 ? d - 1 : st;
	en = en < -1 ? -1 : en > d - 1 ? d - 1 : en;
	return st > en ? (st - en - 1) / (step == INT64_MIN ? INT64_MAX : -step) + 1 : 0;
}

static Type
slice(Ctx *c, const Type *x)
{
	const Ins *in = INS(c);
	Type y = type_unknown();
	const int64_t *st, *en, *ax = NULL, *sp = NULL;
	size_t ns, ne, na = 0, np = 0, j;
	int cnt, k;
	bool touched[SQC_MAXRANK] = {0};

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	y = like(x, x->dt);
	if (in->nin == 1) {		/* opset < 10: attributes */
		st = aints(c, "starts", &cnt);
		ns = (size_t)cnt;
		en = aints(c, "ends", &cnt);
		ne = (size_t)cnt;
		ax = aints(c, "axes", &cnt);
		na = (size_t)cnt;
		if (!st || !en)
			ir_error(c->m, in, "slice needs starts and ends");
	} else {
		st = cints(c, 1, &ns);
		en = has(c, 2) ? cints(c, 2, &ne) : NULL;
		if (has(c, 3) && !(ax = cints(c, 3, &na))) {
			for (k = 0; k < x->rank; k++)
				setdim(&y, k, -1);
			return y;
		}
		if (has(c, 4) && !(sp = cints(c, 4, &np)))
			st = NULL;
		if (!st || !en) {
			/* the sliced axes lose their size */
			for (k = 0; k < x->rank; k++)
				if (!ax)
					setdim(&y, k, -1);
			for (j = 0; ax && j < na; j++)
				setdim(&y, normaxis(c, ax[j], x->rank, "axis"), -1);
			return y;
		}
	}
	if (ns != ne || (ax && na != ns) || (sp && np != ns))
		ir_error(c->m, in, "slice starts, ends, axes and steps differ in length");
	for (j = 0; j < ns; j++) {
		int64_t step = sp ? sp[j] : 1;
		k = ax ? normaxis(c, ax[j], x->rank, "axis") : (int)j;
		if (k >= x->rank)
			ir_error(c->m, in, "slice has more starts than the input has dimensions");
		if (touched[k])
			ir_error(c->m, in, "axis %d is repeated", k);
		touched[k] = true;
		if (step == 0)
			ir_error(c->m, in, "slice step is 0");
		if (x->dim[k] >= 0)
			setdim(&y, k, slicelen(x->dim[k], st[j], en[j], step));
		else if (!(st[j] == 0 && step == 1 && en[j] >= INT_MAX))
			setdim(&y, k, -1);
	}
	return y;
}

static Type
gather(Ctx *c, const Type *x, const Type *idx)
{
	Type y = type_unknown();
	int ax, k, r = 0;

	y.dt = dtof(x);
	if (!x || !idx || x->rank < 0 || idx->rank < 0)
		return y;
	ax = normaxis(c, ir_attrint(INS(c), "axis", 0), x->rank, "axis");
	checkrank(c, x->rank - 1 + idx->rank);
	y = ranked(x->dt, x->rank - 1 + idx->rank);
	for (k = 0; k < ax; k++)
		cpdim(&y, r++, x, k);
	for (k = 0; k < idx->rank; k++)
		cpdim(&y, r++, idx, k);
	for (k = ax + 1; k < x->rank; k++)
		cpdim(&y, r++, x, k);
	return y;
}

/* Shape's start and end (opset 15) clamped to [0, rank] */
static void
shaperange(Ctx *c, int rank, int *lo, int *hi)
{
	int64_t s = ir_attrint(INS(c), "start", 0);
	int64_t e = ir_attrint(INS(c), "end", rank);

	if (s < 0)
		s += rank;
	if (e < 0)
		e += rank;
	s = s < 0 ? 0 : s > rank ? rank : s;
	e = e < 0 ? 0 : e > rank ? rank : e;
	*lo = (int)s;
	*hi = (int)(e > s ? e : s);
}

static Type
shapeop(Ctx *c, const Type *x)
{
	int lo, hi;
	int64_t n;

	if (!x || x->rank < 0)
		return ranked(Di64, 1);
	shaperange(c, x->rank, &lo, &hi);
	n = hi - lo;
	return type_make(Di64, 1, &n);
}

static Type
resize(Ctx *c, const Type *x)
{
	const Ins *in = INS(c);
	Type y = type_unknown();
	const int64_t *axes, *sz = NULL;
	const double *sc = NULL, *roi = NULL;
	size_t nsc = 0, nsz = 0, nroi = 0, j;
	int na, k, ax[SQC_MAXRANK];
	int isc = in->nin == 2 ? 1 : 2;		/* opset 10: X, scales */
	double s;

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	y = like(x, x->dt);
	axes = aints(c, "axes", &na);
	if (!axes)
		na = x->rank;
	if (na > x->rank)
		ir_error(c->m, in, "resize has %d axes for rank %d", na, x->rank);
	for (k = 0; k < na; k++)
		ax[k] = axes ? normaxis(c, axes[k], x->rank, "axis") : k;
	if (has(c, 3)) {
		if (!(sz = cints(c, 3, &nsz)))
			goto dynamic;
	}
	if (has(c, isc)) {
		if (!(sc = cfloats(c, isc, &nsc)))
			goto dynamic;
	}
	if (sz && nsz == 0)
		sz = NULL;
	if (sc && nsc == 0)
		sc = NULL;
	if (sz && sc)
		ir_error(c->m, in, "resize has both scales and sizes (give one)");
	if (!sz && !sc)
		ir_error(c->m, in, "resize needs scales or sizes");
	if ((sz ? nsz : nsc) != (size_t)na)
		ir_error(c->m, in, "resize has %zu %s for %d axes", sz ? nsz : nsc, sz ? "sizes" : "scales", na);
	if (sc) {
		/* tf_crop_and_resize: the extent is in * (roi_end - roi_start) */
		if (astreq(c, "coordinate_transformation_mode", "tf_crop_and_resize")) {
			if (!has(c, 1) || !(roi = cfloats(c, 1, &nroi)))
				goto dynamic;
			if (nroi != 2 * (size_t)na)
				ir_error(c->m, in, "resize roi has %zu values for %d axes", nroi, na);
		}
		for (k = 0; k < na; k++) {
			float f;
			if (!(sc[k] > 0))
				ir_error(c->m, in, "resize scales must be positive");
			if (x->dim[ax[k]] < 0) {
				if (sc[k] != 1 || roi)
					setdim(&y, ax[k], -1);
				continue;
			}
			/* ONNX Runtime multiplies in float */
			f = (float)x->dim[ax[k]];
			if (roi)
				f *= (float)(roi[na + k] - roi[k]);
			setdim(&y, ax[k], floordim(c, f * (float)sc[k]));
		}
		return y;
	}
	if (astreq(c, "keep_aspect_ratio_policy", "not_larger") ||
	    astreq(c, "keep_aspect_ratio_policy", "not_smaller")) {
		bool larger = astreq(c, "keep_aspect_ratio_policy", "not_smaller");
		s = larger ? 0 : INFINITY;
		for (k = 0; k < na; k++) {
			double r;
			if (x->dim[ax[k]] <= 0) {
				for (j = 0; j < (size_t)na; j++)
					setdim(&y, ax[j], -1);
				return y;
			}
			r = (double)sz[k] / (double)x->dim[ax[k]];
			s = larger ? (r > s ? r : s) : (r < s ? r : s);
		}
		for (k = 0; k < na; k++)
			setdim(&y, ax[k], floordim(c, s * (double)x->dim[ax[k]] + 0.5));
		return y;
	}
	for (k = 0; k < na; k++) {
		if (sz[k] < 0)
			ir_error(c->m, in, "resize sizes must not be negative");
		setdim(&y, ax[k], sz[k]);
	}
	return y;
dynamic:
	for (k = 0; k < na; k++)
		setdim(&y, ax[k], -1);
	return y;
}

static Type
reduce(Ctx *c, const Type *x)
{
	const Ins *in = INS(c);
	Type y = type_unknown();
	const int64_t *ax = NULL;
	size_t n = 0, j;
	int cnt, k, r = 0;
	bool keep = ir_attrint(in, "keepdims", 1) != 0, red[SQC_MAXRANK] = {0};

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	if ((ax = aints(c, "axes", &cnt))) {
		n = (size_t)cnt;
	} else if (has(c, 1)) {
		if (!(ax = cints(c, 1, &n)))
			return keep ? ranked(x->dt, x->rank) : y;
	}
	if (n == 0 && ir_attrint(in, "noop_with_empty_axes", 0))
		return like(x, x->dt);
	for (j = 0; j < n; j++)
		red[normaxis(c, ax[j], x->rank, "axis")] = true;
	y = ranked(x->dt, x->rank);
	for (k = 0; k < x->rank; k++) {
		if (n && !red[k])
			cpdim(&y, r++, x, k);
		else if (keep)
			setdim(&y, r++, 1);
	}
	y.rank = r;
	return y;
}

static Type
pad(Ctx *c, const Type *x)
{
	const Ins *in = INS(c);
	Type y = type_unknown();
	const int64_t *p, *axv = NULL;
	size_t n, na = 0, j;
	int cnt, k, ax[SQC_MAXRANK];

	y.dt = dtof(x);
	if (!x || x->rank < 0)
		return y;
	if ((p = aints(c, "pads", &cnt))) {
		n = (size_t)cnt;
	} else if (!has(c, 1) || !(p = cints(c, 1, &n))) {
		return ranked(x->dt, x->rank);
	}
	if (has(c, 3) && !(axv = cints(c, 3, &na)))
		return ranked(x->dt, x->rank);
	if (!axv)
		na = (size_t)x->rank;
	if (na > (size_t)x->rank || n != 2 * na)
		ir_error(c->m, in, "pad has %zu pads for %zu axes", n, na);
	for (j = 0; j < na; j++)
		ax[j] = axv ? normaxis(c, axv[j], x->rank, "axis") : (int)j;
	y = like(x, x->dt);
	for (j = 0; j < na; j++) {
		k = ax[j];
		if (p[j] == 0 && p[j + na] == 0)
			continue;
		if (x->dim[k] < 0) {
			setdim(&y, k, -1);
		} else {
			int64_t d = addd(c, addd(c, x->dim[k], p[j]), p[j + na]);
			if (d < 0)
				ir_error(c->m, in, "pads remove more than dimension %d has", k);
			setdim(&y, k, d);
		}
	}
	return y;
}

static Type
constant(Ctx *c)
{
	const Ins *in = INS(c);
	const Attr *a;
	int64_t n;

	if (in->nattr != 1)
		return type_unknown();
	a = &in->attr[0];
	n = a->n;
	if (strcmp(a->name, "value") == 0 && a->kind == Atensor)
		return like(&a->tensors[0].type, a->tensors[0].type.dt);
	if (strcmp(a->name, "value_float") == 0)
		return type_make(Df32, 0, NULL);
	if (strcmp(a->name, "value_int") == 0)
		return type_make(Di64, 0, NULL);
	if (strcmp(a->name, "value_string") == 0)
		return type_make(Dstr, 0, NULL);
	if (strcmp(a->name, "value_floats") == 0)
		return type_make(Df32, 1, &n);
	if (strcmp(a->name, "value_ints") == 0)
		return type_make(Di64, 1, &n);
	if (strcmp(a->name, "value_strings") == 0)
		return type_make(Dstr, 1, &n);
	return type_unknown();		/* sparse_value */
}

/* ---- per instruction ----------------------------------------------------- */

/* Conv, ConvTranspose: input and weight of one element type (T in the spec) */
static void
sameweight(Ctx *c, const Type *x, const Type *w)
{
	if (x && w && x->dt != Dundef && w->dt != Dundef && x->dt != w->dt &&
	    !x->q && !w->q)
		ir_error(c->m, INS(c), "input is %s but the weight is %s; the op needs one element type",
		    dtype_name(x->dt), dtype_name(w->dt));
}

/* outputs of instruction c->i into y[]; false if nothing is inferred */
static bool
infer1(Ctx *c, Type *y)
{
	const Ins *in = INS(c);
	const Type *x = X(c, 0), *w;
	DType dt = dtof(x);
	int k;
	int64_t n;

	switch (in->op) {
	case Oconv:
		sameweight(c, x, X(c, 1));
		y[0] = conv(c, x, X(c, 1), dt);
		break;
	case Oqlinear_conv:
		y[0] = conv(c, x, X(c, 3), has(c, 7) ? dtof(X(c, 7)) : Dundef);
		break;
	case Oconv_transpose:
		sameweight(c, x, X(c, 1));
		y[0] = convtranspose(c, x, X(c, 1), dt);
		break;
	case Ogemm:
		y[0] = gemm(c, x, X(c, 1), dt != Dundef ? dt : dtof(X(c, 1)));
		if (has(c, 2) && y[0].rank == 2)
			(void)bcast(c, X(c, 2), &y[0], dt);	/* C must broadcast */
		break;
	case Omatmul:
		y[0] = matmul(c, x, X(c, 1), dt != Dundef ? dt : dtof(X(c, 1)));
		break;
	case Oqlinear_matmul:
		y[0] = matmul(c, x, X(c, 3), dtof(X(c, 7)));
		break;
	case Oadd: case Osub: case Omul: case Odiv:
		y[0] = bcast(c, x, X(c, 1), dt != Dundef ? dt : dtof(X(c, 1)));
		break;
	case Opow:
		y[0] = bcast(c, x, X(c, 1), dt);
		break;
	case Orelu: case Oclip: case Oleaky_relu: case Osigmoid: case Ohard_sigmoid:
	case Ohard_swish: case Otanh: case Osqrt: case Olrn: case Osoftmax: case Oidentity:
		if (!x)
			return false;
		y[0] = like(x, dt);
		break;
	case Obatch_normalization:
		if (!x)
			return false;
		y[0] = like(x, dt);
		/* training outputs: running (or saved) mean and variance, [C] */
		w = X(c, 3);
		for (k = 1; k < in->nout && k < MAXOUT; k++)
			y[k] = w ? like(w, w->dt) : type_unknown();
		break;
	case Omax_pool:
		y[0] = pool(c, x);
		if (in->nout > 1)
			y[1] = like(&y[0], Di64);
		break;
	case Oaverage_pool:
		y[0] = pool(c, x);
		break;
	case Oglobal_average_pool:
		if (!x || x->rank < 0)
			return false;
		if (x->rank < 2)
			ir_error(c->m, in, "input has rank %d; pooling needs [N,C,...]", x->rank);
		y[0] = like(x, dt);
		for (k = 2; k < x->rank; k++)
			setdim(&y[0], k, 1);
		break;
	case Oconcat:
		y[0] = concat(c, dt);
		break;
	case Oreshape:
		y[0] = reshape(c, x);
		break;
	case Oflatten:
		y[0] = flatten(c, x);
		break;
	case Otranspose:
		y[0] = transpose(c, x);
		break;
	case Osqueeze:
		y[0] = squeeze(c, x);
		break;
	case Ounsqueeze:
		y[0] = unsqueeze(c, x);
		break;
	case Oslice:
		y[0] = slice(c, x);
		break;
	case Ogather:
		y[0] = gather(c, x, X(c, 1));
		break;
	case Oshape:
		y[0] = shapeop(c, x);
		break;
	case Ocast:
		if (!ir_getattr(in, "to"))
			ir_error(c->m, in, "cast needs a 'to' attribute");
		n = ir_attrint(in, "to", 0);
		if (n <= Dundef || n >= Dcount)
			ir_error(c->m, in, "cast to unknown element type %lld", (long long)n);
		y[0] = x ? like(x, (DType)n) : type_unknown();
		y[0].dt = (DType)n;
		break;
	case Oresize:
		y[0] = resize(c, x);
		break;
	case Oreduce_mean:
		y[0] = reduce(c, x);
		break;
	case Opad:
		y[0] = pad(c, x);
		break;
	case Odropout:
		if (!x)
			return false;
		y[0] = like(x, dt);
		if (in->nout > 1)
			y[1] = like(x, ir_opset(c->m, "") > 0 && ir_opset(c->m, "") < 10 ? dt : Dbool);
		break;
	case Oconstant:
		y[0] = constant(c);
		break;
	case Oquantize_linear:
		if (!x)
			return false;
		if (has(c, 2))
			dt = dtof(X(c, 2));
		else if (ir_getattr(in, "output_dtype"))
			dt = (DType)ir_attrint(in, "output_dtype", Du8);
		else
			dt = Du8;
		y[0] = like(x, dt);
		break;
	case Odequantize_linear:
		if (!x)
			return false;
		dt = dtof(X(c, 1));
		y[0] = like(x, dt == Dundef ? Df32 : dt);
		break;
	case Oquantize: case Orequantize:	/* the result's declared dtype and q */
		if (!x)
			return false;
		y[0] = like(x, Dundef);
		break;
	case Odequantize:
		if (!x)
			return false;
		y[0] = like(x, Df32);
		break;
	default:
		return false;
	}
	return true;
}

static void
conflict(Ctx *c, int v, const Type *decl, const Type *inf)
{
	ir_error(c->m, INS(c), "%%%s is declared %s but its inputs make it %s; "
	    "fix or remove the declared type (value_info or graph output)",
	    c->m->val[v].name, tystr(c->a, decl), tystr(c->a, inf));
}

/* merge the inferred type into value v's type; true if it changed */
static bool
merge(Ctx *c, int v, const Type *inf, bool keepdt)
{
	Type *t = &c->m->val[v].type, old = *t;
	int k;

	if (inf->dt != Dundef && !keepdt) {
		if (t->dt == Dundef)
			t->dt = inf->dt;
		else if (t->dt != inf->dt)
			conflict(c, v, &old, inf);
	}
	if (inf->rank >= 0) {
		if (t->rank < 0) {
			t->rank = inf->rank;
			for (k = 0; k < inf->rank; k++) {
				t->dim[k] = inf->dim[k];
				t->sym[k] = inf->dim[k] < 0 ? inf->sym[k] : NULL;
			}
		} else if (t->rank != inf->rank) {
			conflict(c, v, &old, inf);
		} else {
			for (k = 0; k < inf->rank; k++) {
				if (inf->dim[k] >= 0) {
					if (t->dim[k] >= 0 && t->dim[k] != inf->dim[k])
						conflict(c, v, &old, inf);
					t->dim[k] = inf->dim[k];
					t->sym[k] = NULL;
				} else if (t->dim[k] < 0 && !t->sym[k]) {
					t->sym[k] = inf->sym[k];
				}
			}
		}
	}
	return !type_eq(t, &old);
}

/* operands in a layout ONNX does not define, or quantized */
static void
operandkinds(Ctx *c, bool *foreign, bool *quant)
{
	const Ins *in = INS(c);
	const Type *t;
	int k;

	*foreign = *quant = false;
	for (k = 0; k < in->nin; k++) {
		if (!(t = X(c, k)))
			continue;
		if (t->layout != Lnone && t->layout != Lnchw && t->layout != Loihw)
			*foreign = true;
		if (t->q)
			*quant = true;
	}
	for (k = 0; k < in->nout; k++)	/* a dynamically quantized op: f32 in, q out */
		if (in->out[k] >= 0 && c->m->val[in->out[k]].type.q)
			*quant = true;
}

void
ir_infer(Module *m)
{
	Ctx c;
	Type y[MAXOUT];
	bool foreign, quant;
	int i, k;

	c.m = m;
	c.a = arena_new();
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		if (in->op == Onop || in->op == Oopaque)
			continue;
		c.i = i;
		operandkinds(&c, &foreign, &quant);
		if (foreign)
			continue;
		for (k = 0; k < MAXOUT; k++)
			y[k] = type_unknown();
		if (!infer1(&c, y))
			continue;
		in = &m->ins[i];
		for (k = 0; k < in->nout && k < MAXOUT; k++) {
			if (in->out[k] < 0)
				continue;
			checkrank(&c, y[k].rank);
			merge(&c, in->out[k], &y[k], quant);
		}
	}
	arena_free(c.a);
}

Type
tensor_type(const Tensor *t)
{
	return type_make(t->dt, t->rank, t->dim);
}
