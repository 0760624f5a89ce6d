/*
 * emitc.c — the C backend: a module quantized for --target=systolic as one
 * standalone C99 file and its header (contract: emitc.h, doc/emitc.md).
 *
 * Every instruction becomes one call of the function the interpreter runs
 * for it (exec/op_*.c), with the same arguments, so `sqc run` and the
 * generated C agree by construction:
 *   - quantized nhwc conv: tiled_conv_auto (hwio) / tiled_conv_dw_auto
 *     (ckk) when exec/op_systolic.c calls them, else runtime/nhwc.h's
 *     sqc_conv_nhwc (listed as a fallback at the top of the file);
 *   - quantized nhwc max_pool: sqc_maxpool_nhwc;
 *   - quantized gemm / matmul: tiled_matmul_auto under the conditions
 *     exec/op_systolic.c's tiledmm uses (int8, zero points 0, per-tensor
 *     scales, A not transposed, a bias per column or per element), else
 *     rq_gemm (+ sqc_clamp_codes for relu = 1), as the interpreter;
 *   - systolic add: tiled_resadd_auto (A_scale = f32(sa/sy), B_scale =
 *     f32(sb/sy), C_scale = 1) for equal shapes, rq_resadd for a scalar b,
 *     as the interpreter (tiledadd);
 *   - quantize / dequantize / requantize / quantized relu and clip:
 *     runtime/qtensor.h, which exec/op_quant.c calls too;
 *   - mul, leaky_relu, sigmoid (quantized): rq_qlmul, rq_lut (the table is
 *     computed here by the same runtime function the interpreter calls);
 *   - quantized matmul with batch dims in B: rq_gemm per batch, as the
 *     interpreter's run_qmatmul;
 *   - transpose, concat, gather, max_pool (nchw), the float pools and
 *     activations: runtime/movement.h, pool.h, eltwise.h;
 *   - float conv, gemm, matmul, add/sub/mul/div/pow, clip, softmax,
 *     reduce_mean: runtime/conv.h, matmul.h, eltwise.h, pool.h, with the
 *     arguments exec/fplan.h computes for the interpreter too; a Relu/Clip
 *     the interpreter fuses into a 2-D conv (exec.h) is the conv's clamp
 *     here too (fusion(): the same conditions), and no code of its own;
 *   - reshape, flatten, squeeze, unsqueeze, identity: no code; the result
 *     shares its operand's memory (or a memcpy into a graph output).
 *
 * Memory: graph inputs and outputs are the caller's; every other value and
 * every scratch buffer a kernel needs lives in one static arena.  Offsets
 * come from lifetimes over the emission order: greedy best-fit, largest
 * first (plan()); the lower bound is the most bytes live at one instruction.
 *
 * The int8 entry point exists when every graph input feeds exactly one
 * quantize (per tensor) and nothing else, and every graph output is the
 * result of a dequantize (per tensor) that nothing else reads.  Those edge
 * instructions then run outside a shared static function sqc_core(): the
 * float entry quantizes into the arena, calls sqc_core and dequantizes into
 * the outputs; the int8 entry copies codes in and out instead.
 *
 * Code generation runs twice over the instructions: a measuring pass (output
 * discarded) that checks every op, records scratch sizes and fallbacks, and
 * a writing pass after the memory plan.  Both files are built in memory and
 * written only when everything succeeded.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/emitc.h"
#include "ir/outfile.h"
#include "passes/qparams.h"
#include "exec/exec.h"
#include "exec/fplan.h"
#include "exec/sysconv.h"
#include "runtime/nhwc.h"
#include "runtime/qkern.h"

enum { ALIGNB = 16 };

typedef struct Item {
	size_t size, len;	/* bytes, bytes rounded up to ALIGNB */
	int from, to;		/* positions in the emission order, inclusive */
	size_t off;
	int val, ins;		/* a value's root, or -1; a scratch's instruction */
} Item;

typedef struct E {
	Module *m;
	Arena *a;
	Uses *u;
	const char *p, *P;	/* identifier prefix, lower and upper case */
	int *order, norder;	/* instructions in emission order */
	int *pos;		/* per instruction: position in order */
	bool int8;		/* the int8 entry point exists */
	const char *noint8;	/* else why not */
	bool *edge;		/* per instruction: an edge quantize/dequantize */
	int *root;		/* per value: the value whose memory it uses */
	int *outk;		/* per value: the graph output it is written to */
	int *ink;		/* per value: the graph input it is, or -1 */
	size_t *off;		/* per root value in the arena: offset */
	size_t *scr, *scroff;	/* per instruction: scratch bytes, offset */
	bool *cstused;
	FILE *f;		/* where code goes (the measuring pass: discarded) */
	bool measure;
	char **fb;		/* fallback notes */
	int nfb;
	size_t arena, lower;
	int lut;		/* counter for block-scope tables */
	int *fused;		/* per instruction: the activation fused into it, or -1 */
	bool *skip;		/* per instruction: an activation fused into its producer */
	float (*act)[2];	/* per instruction: the fused clamp's bounds */
} E;

/* ---- small helpers ------------------------------------------------------ */

static void
out(E *e, const char *fmt, ...) PRINTF(2, 3);

static void
out(E *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(e->f, fmt, ap);
	va_end(ap);
}

static const char *
fmt(E *e, const char *f, ...) PRINTF(2, 3);

static const char *
fmt(E *e, const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	s = arena_vprintf(e->a, f, ap);
	va_end(ap);
	return s;
}

static const char *
ctype(DType dt)
{
	switch (dt) {
	case Df32: return "float";
	case Df64: return "double";
	case Di8: return "int8_t";
	case Du8: return "uint8_t";
	case Di16: return "int16_t";
	case Du16: return "uint16_t";
	case Di32: return "int32_t";
	case Du32: return "uint32_t";
	case Di64: return "int64_t";
	case Du64: return "uint64_t";
	case Dbool: return "uint8_t";
	case Df16: case Dbf16: return "uint16_t";
	default: return NULL;
	}
}

static const char *
rttype(DType dt)
{
	switch (dt) {
	case Df32: return "RT_F32";
	case Du8: return "RT_U8";
	case Di8: return "RT_I8";
	default: return NULL;
	}
}

/* a float literal that reads back bit for bit */
static const char *
flt(E *e, float v)
{
	if (isnan(v))
		return "NAN";
	if (isinf(v))
		return v < 0 ? "(-INFINITY)" : "INFINITY";
	if (v == 0)
		return signbit(v) ? "-0.0f" : "0.0f";
	return fmt(e, "%af", (double)v);
}

static size_t
numel(const Type *t)
{
	size_t n;

	if (!type_numel(t, &n))
		die("emitc: numel of a non-static type");
	return n;
}

static size_t
nbytes(const Type *t)
{
	return numel(t) * dtype_size(t->dt);
}

static const Type *
rtype(E *e, Ref r)
{
	return r.kind == Rnone ? NULL : ir_reftype(e->m, r);
}

static const Type *
opnd(E *e, const Ins *in, int k)
{
	if (k >= in->nin || in->in[k].kind == Rnone)
		ir_error(e->m, in, "operand %d is missing", k + 1);
	return rtype(e, in->in[k]);
}

static const Type *
res(E *e, const Ins *in, int k)
{
	if (k >= in->nout || in->out[k] < 0)
		ir_error(e->m, in, "result %d is missing", k + 1);
	return &e->m->val[in->out[k]].type;
}

static noreturn void
nohelper(E *e, const Ins *in, const char *why)
{
	ir_error(e->m, in, "--emit=c has no C helper for this op (%s)", why);
}

static const QParam *
qpt(E *e, const Ins *in, const Type *t, const char *what)
{
	if (!t || !t->q)
		ir_error(e->m, in, "%s is not quantized", what);
	if (t->q->n != 1)
		ir_error(e->m, in, "%s needs per-tensor quantization", what);
	return t->q;
}

static void
need8(E *e, const Ins *in, const Type *t)
{
	if (t->dt != Di8 && t->dt != Du8)
		ir_error(e->m, in, "a quantized operand or result must be i8 or u8, not %s",
		    dtype_name(t->dt) ? dtype_name(t->dt) : "unknown");
}

static bool
isu8(const Type *t)
{
	return t->dt == Du8;
}

static const char *
bl(bool b)
{
	return b ? "true" : "false";
}

static bool
strattr(const Ins *in, const char *name, const char *s)
{
	const Attr *a = ir_getattr(in, name);

	return a && a->kind == Astr && a->s.len == strlen(s) &&
	    memcmp(a->s.data, s, a->s.len) == 0;
}

static bool
autopad(const Ins *in)
{
	const Attr *a = ir_getattr(in, "auto_pad");

	return a && a->kind == Astr && a->s.len && !strattr(in, "auto_pad", "NOTSET");
}

static int64_t
product(const int64_t *d, int from, int to)
{
	int64_t p = 1;

	for (; from < to; from++)
		p *= d[from];
	return p;
}

static const char *
i64list(E *e, const int64_t *v, int n)
{
	char *s = arena_strdup(e->a, "(const int64_t[]){");
	int k;

	if (n == 0)	/* C has no empty initializer: a dummy element */
		return "(const int64_t[]){0}";
	for (k = 0; k < n; k++)
		s = arena_printf(e->a, "%s%s%lld", s, k ? ", " : "", (long long)v[k]);
	return arena_printf(e->a, "%s}", s);
}

/* ---- storage ------------------------------------------------------------- */

static int
rootof(E *e, int v)
{
	while (e->root[v] != v)
		v = e->root[v];
	return v;
}

/* a pointer expression for operand r, cast to its element type (const
 * unless wr) */
static const char *
ptr(E *e, Ref r, bool wr)
{
	const Type *t = rtype(e, r);
	const char *ct = ctype(t->dt), *q = wr ? "" : "const ";
	int v;

	if (!ct)
		die("emitc: no C type for %s", dtype_name(t->dt));
	if (r.kind == Rcst) {
		e->cstused[r.idx] = true;
		return fmt(e, "(%s%s *)sqc_c%d", q, ct, r.idx);
	}
	v = rootof(e, r.idx);
	if (e->ink[v] >= 0)
		return fmt(e, "(%s%s *)in%d", q, ct, e->ink[v]);
	if (e->outk[v] >= 0)
		return fmt(e, "(%s%s *)out%d", q, ct, e->outk[v]);
	return fmt(e, "(%s%s *)(SQC_A + %zu)", q, ct, e->off[v]);
}

static const char *
vptr(E *e, int v, bool wr)
{
	return ptr(e, ref_val(v), wr);
}

static const char *
resp(E *e, const Ins *in, int k)
{
	return vptr(e, in->out[k], true);
}

static const char *
scratch(E *e, int i, size_t bytes, const char *ct)
{
	if (e->measure) {
		if (bytes > e->scr[i])
			e->scr[i] = bytes;
		return fmt(e, "(%s *)SQC_A", ct);
	}
	return fmt(e, "(%s *)(SQC_A + %zu)", ct, e->scroff[i]);
}

static void
fallback(E *e, const Ins *in, const char *why)
{
	if (!e->measure)
		return;
	e->fb = xrealloc(e->fb, (size_t)(e->nfb + 1) * sizeof *e->fb);
	e->fb[e->nfb++] = (char *)fmt(e, "node '%s' (%s): %s", in->name,
	    ir_opname(e->m, in), why);
}

/* ---- quantize, dequantize, requantize, code clamps ---------------------- */

/* the [outer][n][inner] view of t for q */
static void
qview(E *e, const Ins *in, const Type *t, const QParam *q, size_t *outer,
    size_t *inner)
{
	int k;

	*outer = 1;
	*inner = numel(t);
	if (q->n == 1 && q->axis < 0)
		return;
	if (q->axis < 0 || q->axis >= t->rank || t->dim[q->axis] != q->n)
		ir_error(e->m, in, "quantization axis %d with %d values does not "
		    "fit the operand's shape", q->axis, q->n);
	*inner = 1;
	for (k = 0; k < q->axis; k++)
		*outer *= (size_t)t->dim[k];
	for (k = q->axis + 1; k < t->rank; k++)
		*inner *= (size_t)t->dim[k];
}

static const char *
scales(E *e, const QParam *q)
{
	char *s = arena_strdup(e->a, "(const float[]){");
	int k;

	for (k = 0; k < q->n; k++)
		s = arena_printf(e->a, "%s%s%s", s, k ? ", " : "", flt(e, q->scale[k]));
	return arena_printf(e->a, "%s}", s);
}

static const char *
zeros(E *e, const QParam *q)
{
	char *s = arena_strdup(e->a, "(const int32_t[]){");
	int k;

	for (k = 0; k < q->n; k++)
		s = arena_printf(e->a, "%s%s%d", s, k ? ", " : "", (int)q->zero[k]);
	return arena_printf(e->a, "%s}", s);
}

static void
e_quantize(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	size_t outer, inner;

	if (!y->q)
		ir_error(e->m, in, "the result is not quantized");
	if (x->dt != Df32)
		ir_error(e->m, in, "quantize needs an f32 operand");
	need8(e, in, y);
	qview(e, in, y, y->q, &outer, &inner);
	out(e, "\tsqc_quantize(%s, %zu, %d, %zu, %s, %s, %s, %s);\n",
	    ptr(e, in->in[0], false), outer, y->q->n, inner, scales(e, y->q),
	    zeros(e, y->q), bl(isu8(y)), resp(e, in, 0));
}

static void
e_dequantize(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	size_t outer, inner;

	if (!x->q)
		ir_error(e->m, in, "the operand is not quantized");
	if (y->dt != Df32)
		ir_error(e->m, in, "dequantize needs an f32 result");
	if (x->dt != Di32)
		need8(e, in, x);
	qview(e, in, x, x->q, &outer, &inner);
	out(e, "\tsqc_dequantize(%s, %s, %zu, %d, %zu, %s, %s, %s);\n",
	    ptr(e, in->in[0], false), x->dt == Di32 ? "SQC_Q_I32" :
	    x->dt == Du8 ? "SQC_Q_U8" : "SQC_Q_I8", outer, x->q->n, inner,
	    scales(e, x->q), zeros(e, x->q), resp(e, in, 0));
}

static void
e_requantize(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	const QParam *qi = qpt(e, in, x, "the operand"), *qo = qpt(e, in, y, "the result");

	need8(e, in, x);
	need8(e, in, y);
	out(e, "\tsqc_requantize(%zu, %s, %s, %s, %d, %s, %s, %d, %s);\n",
	    numel(x), bl(isu8(x)), ptr(e, in->in[0], false), flt(e, qi->scale[0]),
	    (int)qi->zero[0], bl(isu8(y)), flt(e, qo->scale[0]), (int)qo->zero[0],
	    resp(e, in, 0));
}

/* y = max(y, zero point) in place: relu = 1 on a matmul, gemm or add */
static void
e_relucodes(E *e, const Ins *in)
{
	const Type *y = res(e, in, 0);
	const QParam *q = qpt(e, in, y, "the result");

	out(e, "\tsqc_clamp_codes(%zu, %s, %s, %d, %d, %s);\n", numel(y),
	    bl(isu8(y)), resp(e, in, 0), (int)q->zero[0], isu8(y) ? 255 : 127,
	    resp(e, in, 0));
}

static int32_t
codeof(E *e, const Ins *in, int k, const Type *x, int32_t dflt)
{
	const Cst *c;

	if (k >= in->nin || in->in[k].kind == Rnone)
		return dflt;
	if (in->in[k].kind != Rcst)
		nohelper(e, in, "a clip bound that is not a constant");
	c = &e->m->cst[in->in[k].idx];
	if (c->nbytes == 0)
		return dflt;
	if (c->type.dt != x->dt || c->nbytes != 1)
		ir_error(e->m, in, "the bounds of a quantized Clip must be scalars "
		    "of the operand's element type");
	return x->dt == Du8 ? ((const uint8_t *)c->data)[0] : ((const int8_t *)c->data)[0];
}

static void
e_qclamp(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	bool u8 = isu8(x);
	int32_t lo, hi;

	need8(e, in, x);
	if (y->dt != x->dt || numel(x) != numel(y))
		ir_error(e->m, in, "quantized %s needs a result of its operand's "
		    "element type and shape", ir_opname(e->m, in));
	if (in->op == Orelu) {
		lo = qpt(e, in, x, "the operand")->zero[0];
		hi = u8 ? 255 : 127;
	} else {
		lo = codeof(e, in, 1, x, u8 ? 0 : -128);
		hi = codeof(e, in, 2, x, u8 ? 255 : 127);
	}
	out(e, "\tsqc_clamp_codes(%zu, %s, %s, %d, %d, %s);\n", numel(x), bl(u8),
	    ptr(e, in->in[0], false), (int)lo, (int)hi, resp(e, in, 0));
}

static void
e_qlut(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	const QParam *qx = qpt(e, in, x, "the operand"), *qy = qpt(e, in, y, "the result");
	uint8_t table[256];
	int k;

	need8(e, in, x);
	if (y->dt != x->dt || numel(x) != numel(y))
		ir_error(e->m, in, "quantized %s needs a result of its operand's "
		    "element type and shape", ir_opname(e->m, in));
	if (in->op == Oleaky_relu)
		rq_lut_leaky_relu(table, isu8(x), qx->scale[0], qx->zero[0],
		    qy->scale[0], qy->zero[0], ir_attrfloat(in, "alpha", 0.01f));
	else
		rq_lut_sigmoid(table, isu8(x), qx->scale[0], qx->zero[0],
		    qy->scale[0], qy->zero[0]);
	out(e, "\t{\n\t\tstatic const uint8_t lut[256] = {");
	for (k = 0; k < 256; k++)
		out(e, "%s%u", k % 16 ? ", " : k ? ",\n\t\t    " : "\n\t\t    ", table[k]);
	out(e, "\n\t\t};\n\t\trq_lut(lut, %s, %s, %zu);\n\t}\n",
	    ptr(e, in->in[0], false), resp(e, in, 0), numel(x));
}

/* ---- quantized add and mul ----------------------------------------------- */

static bool
sameshape(const Type *a, const Type *b)
{
	return a->rank == b->rank &&
	    memcmp(a->dim, b->dim, (size_t)a->rank * sizeof a->dim[0]) == 0;
}

static bool
binargs(E *e, const Ins *in)
{
	const Type *a = opnd(e, in, 0), *b = opnd(e, in, 1), *y = res(e, in, 0);

	need8(e, in, a);
	if (b->dt != a->dt || y->dt != a->dt)
		ir_error(e->m, in, "quantized %s needs operands and result of one "
		    "element type", ir_opname(e->m, in));
	if (!sameshape(a, y))
		ir_error(e->m, in, "quantized %s does not broadcast its first "
		    "operand", ir_opname(e->m, in));
	if (sameshape(a, b))
		return false;
	if (numel(b) != 1)
		ir_error(e->m, in, "quantized %s broadcasts only a scalar second "
		    "operand", ir_opname(e->m, in));
	return true;
}

static void
e_qadd(E *e, const Ins *in, bool relu)
{
	const Type *a = opnd(e, in, 0), *b = opnd(e, in, 1), *y = res(e, in, 0);
	bool bs = binargs(e, in);
	const QParam *qa = qpt(e, in, a, "operand 1"), *qb = qpt(e, in, b, "operand 2");
	const QParam *qy = qpt(e, in, y, "the result");
	float ma, mb;
	size_t n = numel(a), cols;

	if (a->dt != Di8 || qa->zero[0] || qb->zero[0] || qy->zero[0])
		ir_error(e->m, in, "the systolic add needs i8 operands with zero points 0");
	ma = qp_multiplier(qa->scale[0], 1, qy->scale[0]);
	mb = qp_multiplier(qb->scale[0], 1, qy->scale[0]);
	if (bs) {
		out(e, "\trq_resadd(%zu, %s, %s, %s, %s, true, %s);\n", n,
		    ptr(e, in->in[0], false), flt(e, ma), ptr(e, in->in[1], false),
		    flt(e, mb), resp(e, in, 0));
		if (relu)
			e_relucodes(e, in);
		return;
	}
	cols = a->rank > 0 && a->dim[a->rank - 1] > 0 ? (size_t)a->dim[a->rank - 1] : 1;
	if (n % cols)
		cols = 1;
	out(e, "\ttiled_resadd_auto(%zu, %zu, %s, %s, 1.0f, %s, %s, %s, %s,\n"
	    "\t    SQC_GEMMINI_TYPE);\n", n / cols, cols, flt(e, ma), flt(e, mb),
	    ptr(e, in->in[0], false), ptr(e, in->in[1], false), resp(e, in, 0),
	    bl(relu));
}

static void
e_qmul(E *e, const Ins *in)
{
	const Type *a = opnd(e, in, 0), *b = opnd(e, in, 1), *y = res(e, in, 0);
	bool bs = binargs(e, in);
	const QParam *qa = qpt(e, in, a, "operand 1"), *qb = qpt(e, in, b, "operand 2");
	const QParam *qy = qpt(e, in, y, "the result");

	out(e, "\trq_qlmul(%zu, %s, %s, %s, %d, %s, %s, %d, %s, %s, %d, %s);\n",
	    numel(a), bl(isu8(a)), ptr(e, in->in[0], false), flt(e, qa->scale[0]),
	    (int)qa->zero[0], ptr(e, in->in[1], false), flt(e, qb->scale[0]),
	    (int)qb->zero[0], bl(bs), flt(e, qy->scale[0]), (int)qy->zero[0],
	    resp(e, in, 0));
}

/* ---- quantized gemm and matmul ------------------------------------------- */

/* an activation operand must be quantized: an f32 one is --dynamic's */
static const Type *
qact(E *e, const Ins *in, int k)
{
	const Type *t = opnd(e, in, k);

	if (t->dt == Df32 && !t->q)
		ir_error(e->m, in, "--emit=c cannot compile a dynamically quantized op "
		    "(--dynamic)");
	need8(e, in, t);
	if (!t->q)
		ir_error(e->m, in, "operand %d is not quantized", k + 1);
	return t;
}

/* weight parameters (per tensor, or per column along axis) as C arrays */
static long
qmults(E *e, const Ins *in, const QParam *qa, const QParam *qb,
    const QParam *qy, int axis, int64_t n, const char **wz, const char **mult)
{
	char *z = arena_strdup(e->a, "(const int32_t[]){");
	char *s = arena_strdup(e->a, "(const float[]){");
	long k, np = qb->n;

	if (qb->n != 1 && (qb->axis != axis || qb->n != n))
		ir_error(e->m, in, "weight quantized along axis %d with %d values; "
		    "%s needs per tensor or axis %d with %lld", qb->axis, qb->n,
		    ir_opname(e->m, in), axis, (long long)n);
	for (k = 0; k < np; k++) {
		z = arena_printf(e->a, "%s%s%d", z, k ? ", " : "", (int)qb->zero[k]);
		s = arena_printf(e->a, "%s%s%s", s, k ? ", " : "",
		    flt(e, qp_multiplier(qa->scale[0], qb->scale[k], qy->scale[0])));
	}
	*wz = arena_printf(e->a, "%s}", z);
	*mult = arena_printf(e->a, "%s}", s);
	return np;
}

/* one [m x k] x [k x n] product: Gemmini's kernel when it computes what the
 * interpreter's rq_gemm does, else rq_gemm */
typedef struct MM {
	int64_t m, n, k;
	Ref a, b, c;		/* c: Rnone for none */
	int64_t ars, acs, brs, bcs, crs, ccs;
	bool ta, tb;
} MM;

static void
e_gemmcall(E *e, int i, const Ins *in, const MM *g, bool relu)
{
	const Type *a = rtype(e, g->a), *b = rtype(e, g->b), *y = res(e, in, 0);
	const QParam *qa = qpt(e, in, a, "operand 1"), *qb = b->q;
	const QParam *qy = qpt(e, in, y, "the result");
	const char *wz, *mult, *cp;
	const Type *c = g->c.kind == Rnone ? NULL : rtype(e, g->c);
	bool gem, rep = false;
	long np;
	RqGemm q = {0};

	np = qmults(e, in, qa, qb, qy, g->tb ? 0 : b->rank - 1, g->n, &wz, &mult);
	gem = a->dt == Di8 && b->dt == Di8 && y->dt == Di8 && qa->zero[0] == 0 &&
	    qb->n == 1 && qb->zero[0] == 0 && qy->zero[0] == 0 && !g->ta &&
	    (!c || (g->ccs == 1 && (g->crs == 0 || g->crs == g->n)));
	if (gem) {
		rep = c && g->crs == 0;
		cp = c ? ptr(e, g->c, false) : "NULL";
		out(e, "\ttiled_matmul_auto(%lld, %lld, %lld, %s, %s, %s, %s,\n"
		    "\t    %lld, %lld, %lld, %lld, MVIN_SCALE_IDENTITY, MVIN_SCALE_IDENTITY,\n"
		    "\t    MVIN_SCALE_IDENTITY, %s, %s, 0, %s, false, %s, false, false, 0,\n"
		    "\t    SQC_GEMMINI_TYPE);\n",
		    (long long)g->m, (long long)g->n, (long long)g->k,
		    ptr(e, g->a, false), ptr(e, g->b, false), cp, resp(e, in, 0),
		    (long long)g->k, (long long)(g->tb ? g->k : g->n),
		    (long long)g->n, (long long)g->n, relu ? "RELU" : "NO_ACTIVATION",
		    flt(e, qp_multiplier(qa->scale[0], qb->scale[0], qy->scale[0])),
		    bl(rep), bl(g->tb));
		return;
	}
	q.m = g->m;
	q.n = g->n;
	q.k = g->k;
	q.nper = np;
	out(e, "\t{\n\t\tconst RqGemm q = {%lld, %lld, %lld, %s, %s, %s,\n"
	    "\t\t    %s, %lld, %lld, %s, %lld, %lld, %s, %lld, %lld,\n"
	    "\t\t    %d, %s, %s, %ld, %d, %s};\n",
	    (long long)g->m, (long long)g->n, (long long)g->k, bl(isu8(a)),
	    bl(isu8(b)), bl(isu8(y)), ptr(e, g->a, false), (long long)g->ars,
	    (long long)g->acs, ptr(e, g->b, false), (long long)g->brs,
	    (long long)g->bcs, c ? ptr(e, g->c, false) : "NULL",
	    (long long)g->crs, (long long)g->ccs, (int)qa->zero[0], wz, mult, np,
	    (int)qy->zero[0], resp(e, in, 0));
	out(e, "\t\trq_gemm(&q, %s);\n\t}\n", scratch(e, i, rq_gemm_work(&q) + 64,
	    "void"));
	if (relu)
		e_relucodes(e, in);
}

static void
e_qgemm(E *e, int i, const Ins *in, bool relu)
{
	const Type *a = qact(e, in, 0), *b = opnd(e, in, 1), *y = res(e, in, 0);
	const Type *c = in->nin > 2 && in->in[2].kind != Rnone ? rtype(e, in->in[2]) : NULL;
	int64_t cd[2] = {1, 1};
	MM g = {0};
	int k;

	need8(e, in, b);
	need8(e, in, y);
	if (!b->q)
		ir_error(e->m, in, "operand 2 is not quantized");
	if (c && c->dt == Df32)
		ir_error(e->m, in, "--emit=c cannot compile a dynamically quantized op "
		    "(--dynamic)");
	if (ir_attrfloat(in, "alpha", 1) != 1 || ir_attrfloat(in, "beta", 1) != 1)
		ir_error(e->m, in, "quantized Gemm needs alpha = beta = 1");
	if (a->rank != 2 || b->rank != 2)
		ir_error(e->m, in, "gemm needs matrices");
	g.ta = ir_attrint(in, "transA", 0) != 0;
	g.tb = ir_attrint(in, "transB", 0) != 0;
	g.m = a->dim[g.ta ? 1 : 0];
	g.k = a->dim[g.ta ? 0 : 1];
	g.n = b->dim[g.tb ? 0 : 1];
	if (b->dim[g.tb ? 1 : 0] != g.k || y->rank != 2 || y->dim[0] != g.m ||
	    y->dim[1] != g.n)
		ir_error(e->m, in, "inner dimensions differ");
	g.a = in->in[0];
	g.b = in->in[1];
	g.ars = g.ta ? 1 : a->dim[1];
	g.acs = g.ta ? a->dim[1] : 1;
	g.brs = g.tb ? 1 : b->dim[1];
	g.bcs = g.tb ? b->dim[1] : 1;
	g.c = ref_none();
	if (c && numel(c) > 0) {
		if (c->dt != Di32 || c->rank > 2)
			ir_error(e->m, in, "C of a quantized Gemm must be i32 and "
			    "broadcast to [M, N]");
		for (k = 0; k < c->rank; k++)
			cd[2 - c->rank + k] = c->dim[k];
		if ((cd[0] != 1 && cd[0] != g.m) || (cd[1] != 1 && cd[1] != g.n))
			ir_error(e->m, in, "C does not broadcast to [M, N]");
		g.c = in->in[2];
		g.crs = cd[0] == 1 ? 0 : cd[1];
		g.ccs = cd[1] == 1 ? 0 : 1;
	}
	e_gemmcall(e, i, in, &g, relu);
}

static const Tensor *tens(E *e, Ref r, Tensor *t);

/* a matmul with batch dims in B (attention's activation x activation):
 * the interpreter's rq_gemm per batch (exec/op_conv.c run_qmatmul; its
 * tiledmm takes matrices only), the batches' offsets from fplan_matmul */
static void
e_qbmatmul(E *e, int i, const Ins *in, bool relu)
{
	const Type *a = qact(e, in, 0), *b = qact(e, in, 1), *y = res(e, in, 0);
	const QParam *qa = qpt(e, in, a, "operand 1"), *qy = qpt(e, in, y, "the result");
	const char *wz, *mult;
	char *oas, *obs;
	Tensor ta, tb, ty;
	RtMatMul g;
	RqGemm q = {0};
	int64_t t, oa, ob;
	long np;

	need8(e, in, y);
	fplan_matmul(e->m, in, tens(e, in->in[0], &ta), tens(e, in->in[1], &tb),
	    tens(e, ref_val(in->out[0]), &ty), &g);
	np = qmults(e, in, qa, b->q, qy, b->rank - 1, g.n, &wz, &mult);
	oas = arena_strdup(e->a, "");
	obs = arena_strdup(e->a, "");
	for (t = 0; t < g.nbatch; t++) {
		rt_matmul_batch(&g, t, &oa, &ob);
		oas = arena_printf(e->a, "%s%s%lld", oas, t ? ", " : "",
		    (long long)(oa * g.m * g.k));
		obs = arena_printf(e->a, "%s%s%lld", obs, t ? ", " : "",
		    (long long)(ob * g.k * g.n));
	}
	q.m = g.m;
	q.n = g.n;
	q.k = g.k;
	q.nper = np;
	out(e, "\t{\n\t\tstatic const long oa[] = {%s};\n"
	    "\t\tstatic const long ob[] = {%s};\n"
	    "\t\tRqGemm q = {%lld, %lld, %lld, %s, %s, %s, NULL, %lld, 1, NULL, %lld, 1,\n"
	    "\t\t    NULL, 0, 0, %d, %s, %s, %ld, %d, NULL};\n"
	    "\t\tlong t;\n\n\t\tfor (t = 0; t < %lld; t++) {\n"
	    "\t\t\tq.a = %s + oa[t];\n\t\t\tq.b = %s + ob[t];\n"
	    "\t\t\tq.y = %s + t * %lld;\n\t\t\trq_gemm(&q, %s);\n\t\t}\n\t}\n",
	    oas[0] ? oas : "0", obs[0] ? obs : "0", (long long)g.m,
	    (long long)g.n, (long long)g.k, bl(isu8(a)), bl(isu8(b)), bl(isu8(y)),
	    (long long)g.k, (long long)g.n, (int)qa->zero[0], wz, mult, np,
	    (int)qy->zero[0], (long long)g.nbatch, ptr(e, in->in[0], false),
	    ptr(e, in->in[1], false), resp(e, in, 0), (long long)(g.m * g.n),
	    scratch(e, i, rq_gemm_work(&q) + 64, "void"));
	if (relu)
		e_relucodes(e, in);
}

static void
e_qmatmul(E *e, int i, const Ins *in, bool relu)
{
	const Type *a = qact(e, in, 0), *b = qact(e, in, 1), *y = res(e, in, 0);
	MM g = {0};

	need8(e, in, y);
	if (a->rank >= 1 && b->rank != 2) {
		e_qbmatmul(e, i, in, relu);
		return;
	}
	if (a->rank < 1)
		nohelper(e, in, "a matmul of a scalar");
	g.k = a->dim[a->rank - 1];
	g.m = (int64_t)numel(a) / (g.k ? g.k : 1);
	g.n = b->dim[1];
	if (b->dim[0] != g.k || (int64_t)numel(y) != g.m * g.n)
		ir_error(e->m, in, "inner dimensions differ");
	/* the interpreter's rq_gemm per batch of rows equals one call over all
	 * rows: b is shared and each row is independent */
	g.a = in->in[0];
	g.b = in->in[1];
	g.c = ref_none();
	g.ars = g.k;
	g.acs = 1;
	g.brs = g.n;
	g.bcs = 1;
	e_gemmcall(e, i, in, &g, relu);
}

/* ---- nhwc conv and max_pool (exec/op_systolic.c) ------------------------- */

static bool
nhwcin(E *e, const Ins *in)
{
	return in->nin > 0 && in->in[0].kind == Rval &&
	    e->m->val[in->in[0].idx].type.layout == Lnhwc;
}

static void
e_sconv(E *e, int i, const Ins *in)
{
	const Type *xt = qact(e, in, 0), *wt = opnd(e, in, 1), *yt = res(e, in, 0);
	const Type *bt = in->nin > 2 && in->in[2].kind != Rnone ? rtype(e, in->in[2]) : NULL;
	const QParam *qx = qpt(e, in, xt, "the input"), *qw, *qy = qpt(e, in, yt, "the result");
	int64_t k;
	const char *why, *wz, *mult, *bias;
	float m0;
	SqcConvNhwc c;

	need8(e, in, wt);
	need8(e, in, yt);
	if (!wt->q)
		ir_error(e->m, in, "the weight is not quantized");
	qw = wt->q;
	if (bt && bt->dt != Di32)
		ir_error(e->m, in, "a quantized conv's bias must be i32");
	why = sysconv_plan(e->m, in, &c);	/* the interpreter's choice too */
	m0 = qp_multiplier(qx->scale[0], qw->scale[0], qy->scale[0]);
	bias = bt ? ptr(e, in->in[2], false) : "NULL";
	if (!why && c.wl == SQC_W_HWIO) {
		out(e, "\ttiled_conv_auto(%lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, 1, %lld,\n"
		    "\t    %lld, %lld, false, false, false, false, false, %s,\n"
		    "\t    %s, %s, %s,\n"
		    "\t    %s, %s, %d, %d, %d, SQC_GEMMINI_TYPE);\n",
		    (long long)c.n, (long long)c.ih, (long long)c.iw, (long long)c.ci,
		    (long long)c.co, (long long)c.oh, (long long)c.ow, (long long)c.s[0],
		    (long long)c.d[0], (long long)c.p[0], (long long)c.kh,
		    ptr(e, in->in[0], false), ptr(e, in->in[1], false), bias,
		    resp(e, in, 0), c.relu ? "RELU" : "NO_ACTIVATION", flt(e, m0),
		    c.pool ? (int)c.pk : 0, c.pool ? (int)c.ps : 0,
		    c.pool ? (int)c.pp : 0);
		return;
	}
	if (!why) {	/* ckk: depthwise */
		out(e, "\ttiled_conv_dw_auto(%lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld,\n"
		    "\t    %s, %s,\n"
		    "\t    %s, %s,\n"
		    "\t    %s, %s, %d, %d, %d, SQC_GEMMINI_TYPE);\n",
		    (long long)c.n, (long long)c.ih, (long long)c.iw, (long long)c.co,
		    (long long)c.oh, (long long)c.ow, (long long)c.s[0],
		    (long long)c.p[0], (long long)c.kh, ptr(e, in->in[0], true),
		    ptr(e, in->in[1], true), bt ? ptr(e, in->in[2], true) : "NULL",
		    resp(e, in, 0), c.relu ? "RELU" : "NO_ACTIVATION", flt(e, m0),
		    c.pool ? (int)c.pk : 0, c.pool ? (int)c.ps : 0,
		    c.pool ? (int)c.pp : 0);
		return;
	}
	fallback(e, in, why);
	{
		char *z = arena_strdup(e->a, "(const int32_t[]){");
		char *ms = arena_strdup(e->a, "(const float[]){");
		for (k = 0; k < qw->n; k++) {
			z = arena_printf(e->a, "%s%s%d", z, k ? ", " : "", (int)qw->zero[k]);
			ms = arena_printf(e->a, "%s%s%s", ms, k ? ", " : "",
			    flt(e, qp_multiplier(qx->scale[0], qw->scale[k], qy->scale[0])));
		}
		wz = arena_printf(e->a, "%s}", z);
		mult = arena_printf(e->a, "%s}", ms);
	}
	out(e, "\t{\n\t\tstatic const SqcConvNhwc c = {%lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld,\n"
	    "\t\t    %lld, %lld, {%lld, %lld}, {%lld, %lld}, {%lld, %lld, %lld, %lld},\n"
	    "\t\t    %s, %s, %s, %lld, %lld, %lld, %lld, %lld};\n",
	    (long long)c.n, (long long)c.ih, (long long)c.iw, (long long)c.ci,
	    (long long)c.oh, (long long)c.ow, (long long)c.co, (long long)c.kh,
	    (long long)c.kw, (long long)c.g, (long long)c.s[0], (long long)c.s[1],
	    (long long)c.d[0], (long long)c.d[1], (long long)c.p[0],
	    (long long)c.p[1], (long long)c.p[2], (long long)c.p[3],
	    c.wl == SQC_W_HWIO ? "SQC_W_HWIO" : c.wl == SQC_W_CKK ? "SQC_W_CKK" :
	    "SQC_W_OIHW", bl(c.relu), bl(c.pool), (long long)c.pk, (long long)c.ps,
	    (long long)c.pp, (long long)c.poh, (long long)c.pw);
	out(e, "\t\tsqc_conv_nhwc(&c, %s, %s, %d, %s, %s,\n"
	    "\t\t    %s, %d, %s,\n\t\t    %s, %d, %s, %s,\n\t\t    %s);\n\t}\n",
	    bl(isu8(xt)), ptr(e, in->in[0], false), (int)qx->zero[0], bl(isu8(wt)),
	    ptr(e, in->in[1], false), wz, qw->n, bias, mult, (int)qy->zero[0],
	    bl(isu8(yt)), resp(e, in, 0),
	    scratch(e, i, sqc_conv_nhwc_work(&c), "int32_t"));
}

static void
e_smaxpool(E *e, const Ins *in)
{
	const Type *xt = opnd(e, in, 0), *yt = res(e, in, 0);
	int64_t kb[2], sb[2], db[2], pb[4];
	const int64_t *k, *s, *d, *p;

	need8(e, in, xt);
	if (xt->rank != 4 || (in->nout > 1 && in->out[1] >= 0))
		ir_error(e->m, in, "an nhwc max_pool needs 4-D values and no indices");
	if (autopad(in))
		ir_error(e->m, in, "an nhwc max_pool needs explicit pads (auto_pad NOTSET)");
	k = ir_attrints(in, "kernel_shape", 2, 1, kb);
	s = ir_attrints(in, "strides", 2, 1, sb);
	d = ir_attrints(in, "dilations", 2, 1, db);
	p = ir_attrints(in, "pads", 4, 0, pb);
	if (yt->dim[0] != xt->dim[0] || yt->dim[3] != xt->dim[3] || yt->dt != xt->dt)
		ir_error(e->m, in, "the result's type does not match the operand");
	out(e, "\tsqc_maxpool_nhwc(%s, %s, %lld, %lld, %lld, %lld, %lld, %lld,\n"
	    "\t    %s, %s, %s, %s, %s);\n", bl(isu8(xt)),
	    ptr(e, in->in[0], false), (long long)xt->dim[0], (long long)xt->dim[1],
	    (long long)xt->dim[2], (long long)xt->dim[3], (long long)yt->dim[1],
	    (long long)yt->dim[2], i64list(e, k, 2), i64list(e, s, 2),
	    i64list(e, d, 2), i64list(e, p, 4), resp(e, in, 0));
}

/* ---- float and pass-through ops ------------------------------------------ */

/* an ints attribute of exactly n elements into v, or dflt for each */
static void
poolints(E *e, const Ins *in, const char *name, int n, int64_t *v, int64_t dflt)
{
	const Attr *a = ir_getattr(in, name);
	int k;

	if (!a || (a->kind == Aints && a->n == 0)) {
		for (k = 0; k < n; k++)
			v[k] = dflt;
		return;
	}
	if (a->kind != Aints || a->n != n)
		ir_error(e->m, in, "attribute %s must have %d integers", name, n);
	for (k = 0; k < n; k++)
		v[k] = a->ints[k];
}

/* the window of a pool (exec/op_pool.c poolparams) as an RtPool literal */
static const char *
poolparams(E *e, const Ins *in, const Type *x, const Type *y)
{
	int64_t pads[2 * RT_POOL_MAXSP], kk[RT_POOL_MAXSP], ss[RT_POOL_MAXSP];
	int64_t dd[RT_POOL_MAXSP], pb[RT_POOL_MAXSP], pe[RT_POOL_MAXSP], total;
	const Attr *a;
	int k, nsp = x->rank - 2;
	char *s;

	if (nsp < 1 || nsp > RT_POOL_MAXSP)
		nohelper(e, in, "pooling over other than 1 to 3 dims");
	if (y->rank != x->rank || y->dim[0] != x->dim[0] || y->dim[1] != x->dim[1])
		ir_error(e->m, in, "the result's shape does not match the pool");
	a = ir_getattr(in, "kernel_shape");
	if (!a || a->kind != Aints || a->n != nsp)
		ir_error(e->m, in, "attribute kernel_shape must have %d integers", nsp);
	poolints(e, in, "kernel_shape", nsp, kk, 1);
	poolints(e, in, "strides", nsp, ss, 1);
	poolints(e, in, "dilations", nsp, dd, 1);
	poolints(e, in, "pads", 2 * nsp, pads, 0);
	for (k = 0; k < nsp; k++) {
		if (kk[k] < 1 || ss[k] < 1 || dd[k] < 1)
			ir_error(e->m, in, "kernel_shape, strides and dilations must be positive");
		pb[k] = pads[k];
		pe[k] = pads[nsp + k];
		if (autopad(in)) {
			pb[k] = pe[k] = 0;
			if (strattr(in, "auto_pad", "VALID"))
				continue;
			total = (y->dim[2 + k] - 1) * ss[k] + (kk[k] - 1) * dd[k] + 1 - x->dim[2 + k];
			total = total > 0 ? total : 0;
			if (strattr(in, "auto_pad", "SAME_UPPER")) {
				pb[k] = total / 2;
				pe[k] = total - total / 2;
			} else if (strattr(in, "auto_pad", "SAME_LOWER")) {
				pe[k] = total / 2;
				pb[k] = total - total / 2;
			} else {
				ir_error(e->m, in, "auto_pad is not one of NOTSET, VALID, "
				    "SAME_UPPER, SAME_LOWER");
			}
		}
		if (pb[k] < 0 || pe[k] < 0)
			ir_error(e->m, in, "pads must not be negative");
	}
	s = arena_printf(e->a, "{%d, {", nsp);
#define LIST(v) do { \
		for (k = 0; k < RT_POOL_MAXSP; k++) \
			s = arena_printf(e->a, "%s%s%lld", s, k ? ", " : "", \
			    (long long)(k < nsp ? (v)[k] : 0)); \
	} while (0)
	LIST(kk);
	s = arena_printf(e->a, "%s}, {", s);
	LIST(ss);
	s = arena_printf(e->a, "%s}, {", s);
	LIST(dd);
	s = arena_printf(e->a, "%s}, {", s);
	LIST(pb);
	s = arena_printf(e->a, "%s}, {", s);
	LIST(pe);
#undef LIST
	return arena_printf(e->a, "%s}}", s);
}

static void
e_pool(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	const char *p = poolparams(e, in, x, y);

	if (in->op == Omax_pool) {
		if (in->nout > 1 && in->out[1] >= 0)
			nohelper(e, in, "MaxPool's indices output");
		if (!rttype(x->dt) || y->dt != x->dt)
			nohelper(e, in, "MaxPool on other than f32, u8, i8");
		out(e, "\t{\n\t\tstatic const RtPool p = %s;\n"
		    "\t\trt_maxpool(%s, %s, %lld, %s,\n\t\t    %s, &p, %s, NULL, false);\n\t}\n",
		    p, rttype(x->dt), ptr(e, in->in[0], false),
		    (long long)(x->dim[0] * x->dim[1]), i64list(e, x->dim + 2, x->rank - 2),
		    i64list(e, y->dim + 2, y->rank - 2), resp(e, in, 0));
		return;
	}
	if (x->dt != Df32 || y->dt != Df32)
		nohelper(e, in, "a quantized average pool on the systolic target");
	out(e, "\t{\n\t\tstatic const RtPool p = %s;\n"
	    "\t\trt_avgpool_f32(%s, %lld, %s,\n\t\t    %s, &p, %s, %s);\n\t}\n",
	    p, ptr(e, in->in[0], false), (long long)(x->dim[0] * x->dim[1]),
	    i64list(e, x->dim + 2, x->rank - 2), i64list(e, y->dim + 2, y->rank - 2),
	    bl(ir_attrint(in, "count_include_pad", 0) != 0), resp(e, in, 0));
}

static int64_t
normaxis(E *e, const Ins *in, int64_t a, int rank)
{
	if (a < -rank || a >= rank)
		ir_error(e->m, in, "axis %lld is out of range for rank %d", (long long)a, rank);
	return a < 0 ? a + rank : a;
}

static void
e_transpose(E *e, const Ins *in)
{
	const Type *t = opnd(e, in, 0), *y = res(e, in, 0);
	const Attr *a = ir_getattr(in, "perm");
	char *s = arena_strdup(e->a, "(const int[]){");
	int k, p;

	if (a && (a->kind != Aints || a->n != t->rank))
		ir_error(e->m, in, "perm has the wrong length");
	for (k = 0; k < t->rank; k++) {
		p = a ? (int)a->ints[k] : t->rank - 1 - k;
		if (p < 0 || p >= t->rank || y->dim[k] != t->dim[p])
			ir_error(e->m, in, "perm is not a permutation of the operand's dims");
		s = arena_printf(e->a, "%s%s%d", s, k ? ", " : "", p);
	}
	out(e, "\trt_transpose(%s, %zu, %d, %s,\n\t    %s}, %s);\n",
	    ptr(e, in->in[0], false), dtype_size(t->dt), t->rank,
	    i64list(e, t->dim, t->rank), s, resp(e, in, 0));
}

static void
e_concat(E *e, const Ins *in)
{
	const Type *t0 = opnd(e, in, 0), *t;
	char *px = arena_strdup(e->a, "(const void *const[]){");
	char *len = arena_strdup(e->a, "(const int64_t[]){");
	int64_t axis;
	int k;

	if (!ir_getattr(in, "axis") || t0->rank == 0)
		ir_error(e->m, in, "concat needs an axis and tensors");
	axis = normaxis(e, in, ir_attrint(in, "axis", 0), t0->rank);
	for (k = 0; k < in->nin; k++) {
		t = opnd(e, in, k);
		if (t->dt != t0->dt || t->rank != t0->rank)
			ir_error(e->m, in, "operand %d has a different type", k + 1);
		px = arena_printf(e->a, "%s%s%s", px, k ? ", " : "", ptr(e, in->in[k], false));
		len = arena_printf(e->a, "%s%s%lld", len, k ? ", " : "", (long long)t->dim[axis]);
	}
	out(e, "\trt_concat(%d, %s},\n\t    %s}, %zu, %lld, %lld,\n\t    %s);\n",
	    in->nin, px, len, dtype_size(t0->dt),
	    (long long)product(t0->dim, 0, (int)axis),
	    (long long)product(t0->dim, (int)axis + 1, t0->rank), resp(e, in, 0));
}

static bool
isreshape(int op)
{
	return op == Oreshape || op == Oflatten || op == Osqueeze ||
	    op == Ounsqueeze || op == Oidentity || op == Odropout;
}

static void
e_copy(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);

	if (in->op == Odropout && in->nout > 1 && in->out[1] >= 0)
		nohelper(e, in, "Dropout's mask output");
	if (in->op == Odropout && in->nin > 2 && in->in[2].kind != Rnone)
		nohelper(e, in, "Dropout with a training_mode operand");
	if (nbytes(x) != nbytes(y) || x->dt != y->dt)
		ir_error(e->m, in, "the result's type does not match the operand");
	if (in->in[0].kind == Rval && rootof(e, in->out[0]) == rootof(e, in->in[0].idx)) {
		out(e, "\t/* shares its operand's memory */\n");
		return;
	}
	out(e, "\tmemcpy(%s, %s, %zu);\n", resp(e, in, 0), ptr(e, in->in[0], false),
	    nbytes(x));
}

static void
e_float(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);

	if (x->dt != Df32 || y->dt != Df32)
		nohelper(e, in, "this op on other than f32");
	switch (in->op) {
	case Oglobal_average_pool:
		if (x->rank < 2 || numel(y) != (size_t)(x->dim[0] * x->dim[1]))
			ir_error(e->m, in, "the result's shape does not match the pool");
		out(e, "\trt_global_avgpool_f32(%s, %lld, %lld, %s);\n",
		    ptr(e, in->in[0], false), (long long)(x->dim[0] * x->dim[1]),
		    (long long)product(x->dim, 2, x->rank), resp(e, in, 0));
		return;
	case Orelu:
		out(e, "\trt_relu_f32(%s, %s, %zu);\n", ptr(e, in->in[0], false),
		    resp(e, in, 0), numel(x));
		return;
	case Osigmoid:
		out(e, "\trt_sigmoid_f32(%s, %s, %zu);\n", ptr(e, in->in[0], false),
		    resp(e, in, 0), numel(x));
		return;
	case Otanh:
		out(e, "\trt_tanh_f32(%s, %s, %zu);\n", ptr(e, in->in[0], false),
		    resp(e, in, 0), numel(x));
		return;
	default:
		nohelper(e, in, "a float op --emit=c does not implement");
	}
}

/* ---- float ops through exec/fplan.h ------------------------------------- */

/* the interpreter's tensor view of operand r (NULL for an omitted one): the
 * shape, and a constant's data (a value's data is only known at run time) */
static const Tensor *
tens(E *e, Ref r, Tensor *t)
{
	const Type *ty;

	if (r.kind == Rnone)
		return NULL;
	ty = rtype(e, r);
	memset(t, 0, sizeof *t);
	t->dt = ty->dt;
	t->rank = ty->rank;
	memcpy(t->dim, ty->dim, (size_t)ty->rank * sizeof ty->dim[0]);
	t->data = r.kind == Rcst ? e->m->cst[r.idx].data : NULL;
	t->nbytes = nbytes(ty);
	return t;
}

static const Tensor *
tensin(E *e, const Ins *in, int k, Tensor *t)
{
	return k < in->nin ? tens(e, in->in[k], t) : NULL;
}

static const Tensor *
tensres(E *e, const Ins *in, Tensor *t)
{
	res(e, in, 0);
	return tens(e, ref_val(in->out[0]), t);
}

/* the float ops run what the interpreter runs for them: its float table */
static void
needfloatimpl(E *e, const Ins *in)
{
	if (exec_impl_for(e->m, in) != exec_impl(in->op))
		nohelper(e, in, "an op the interpreter runs through another kernel");
}

/* an operand whose data the call needs at compile time */
static void
needcst(E *e, const Ins *in, int k, const char *what)
{
	if (k < in->nin && in->in[k].kind == Rval)
		nohelper(e, in, what);
}

static const char *
rtall(DType dt)
{
	switch (dt) {
	case Df32: return "RT_F32";
	case Du8: return "RT_U8";
	case Di8: return "RT_I8";
	case Du16: return "RT_U16";
	case Di16: return "RT_I16";
	case Di32: return "RT_I32";
	case Di64: return "RT_I64";
	case Dbool: return "RT_BOOL";
	case Df16: return "RT_F16";
	case Df64: return "RT_F64";
	case Du32: return "RT_U32";
	case Du64: return "RT_U64";
	case Dbf16: return "RT_BF16";
	default: return NULL;
	}
}

/* a double literal that reads back exactly */
static const char *
dbl(E *e, double v)
{
	if (isnan(v))
		return "NAN";
	if (isinf(v))
		return v < 0 ? "(-INFINITY)" : "INFINITY";
	if (v == 0)
		return signbit(v) ? "-0.0" : "0.0";
	return fmt(e, "%a", v);
}

static const char *
workp(E *e, int i, size_t bytes)
{
	return bytes ? scratch(e, i, bytes, "void") : "NULL";
}

static void
e_fconv(E *e, int i, const Ins *in)
{
	Tensor tx, tw, tb, ty;
	const Tensor *b;
	RtConv p;
	RtConv3 q;
	const char *bias;

	needfloatimpl(e, in);
	b = tensin(e, in, 2, &tb);
	bias = b ? ptr(e, in->in[2], false) : "NULL";
	if (fplan_conv(e->m, in, tensin(e, in, 0, &tx), tensin(e, in, 1, &tw), b,
	    tensres(e, in, &ty), &p, &q) == 3) {
		if (e->fused[i] >= 0)
			die("emitc: a fused activation on a 3-D conv");
		out(e, "\t{\n\t\tstatic const RtConv3 p = {%ld, %ld, %ld, %ld,\n"
		    "\t\t    {%ld, %ld, %ld}, {%ld, %ld, %ld}, {%ld, %ld, %ld},\n"
		    "\t\t    {%ld, %ld, %ld}, {%ld, %ld, %ld}, {%ld, %ld, %ld}};\n"
		    "\t\trt_conv3d(&p, %s, %s,\n\t\t    %s, %s);\n\t}\n",
		    q.n, q.c, q.m, q.group, q.in[0], q.in[1], q.in[2], q.out[0],
		    q.out[1], q.out[2], q.k[0], q.k[1], q.k[2], q.s[0], q.s[1],
		    q.s[2], q.d[0], q.d[1], q.d[2], q.pb[0], q.pb[1], q.pb[2],
		    ptr(e, in->in[0], false), ptr(e, in->in[1], false), bias,
		    resp(e, in, 0));
		return;
	}
	if (e->fused[i] >= 0) {	/* the interpreter's runact (exec.h) */
		p.act = true;
		p.lo = e->act[i][0];
		p.hi = e->act[i][1];
	}
	out(e, "\t{\n\t\tstatic const RtConv p = {%ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld,\n"
	    "\t\t    %ld, %ld, %ld, %ld, %ld, %ld, %ld, %ld, %s, %s, %s};\n"
	    "\t\trt_conv2d(&p, %s, %s,\n\t\t    %s, %s,\n\t\t    %s);\n\t}\n",
	    p.n, p.c, p.h, p.w, p.m, p.oh, p.ow, p.group, p.kh, p.kw, p.sh, p.sw,
	    p.dh, p.dw, p.pt, p.pl, bl(p.act), p.act ? flt(e, p.lo) : "0.0f",
	    p.act ? flt(e, p.hi) : "0.0f", ptr(e, in->in[0], false),
	    ptr(e, in->in[1], false), bias, resp(e, in, 0),
	    workp(e, i, rt_conv2d_work(&p)));
}

static void
e_fgemm(E *e, int i, const Ins *in)
{
	Tensor ta, tb, tc, ty;
	RtGemm p;
	bool usec;

	needfloatimpl(e, in);
	usec = fplan_gemm(e->m, in, tensin(e, in, 0, &ta), tensin(e, in, 1, &tb),
	    tensin(e, in, 2, &tc), tensres(e, in, &ty), &p);
	out(e, "\t{\n\t\tstatic const RtGemm p = {%s, %s, %lld, %lld, %lld, %lld, %lld,\n"
	    "\t\t    %s, %s, %lld, %lld};\n"
	    "\t\trt_gemm_f32(&p, %s, %s,\n\t\t    %s, %s,\n\t\t    %s);\n\t}\n",
	    bl(p.ta), bl(p.tb), (long long)p.m, (long long)p.n, (long long)p.k,
	    (long long)p.lda, (long long)p.ldb, flt(e, p.alpha), flt(e, p.beta),
	    (long long)p.crs, (long long)p.ccs, ptr(e, in->in[0], false),
	    ptr(e, in->in[1], false), usec ? ptr(e, in->in[2], false) : "NULL",
	    resp(e, in, 0), workp(e, i, rt_gemm_f32_work(&p)));
}

static const char *
i64arr(E *e, const int64_t *v, int n)
{
	char *s = arena_strdup(e->a, "{");
	int k;

	for (k = 0; k < RT_MM_MAXB; k++)
		s = arena_printf(e->a, "%s%s%lld", s, k ? ", " : "",
		    (long long)(k < n ? v[k] : 0));
	return arena_printf(e->a, "%s}", s);
}

static void
e_fmatmul(E *e, int i, const Ins *in)
{
	Tensor ta, tb, ty;
	const Type *a = opnd(e, in, 0), *b = opnd(e, in, 1), *y = res(e, in, 0);
	RtMatMul p;

	needfloatimpl(e, in);
	if (a->dt != Df32 || b->dt != Df32 || y->dt != Df32)
		nohelper(e, in, "a matmul on other than f32");
	fplan_matmul(e->m, in, tensin(e, in, 0, &ta), tensin(e, in, 1, &tb),
	    tensres(e, in, &ty), &p);
	out(e, "\t{\n\t\tstatic const RtMatMul p = {%lld, %lld, %lld, %lld, %d,\n"
	    "\t\t    %s,\n\t\t    %s,\n\t\t    %s, %s};\n"
	    "\t\trt_matmul_f32(&p, %s, %s,\n\t\t    %s, %s);\n\t}\n",
	    (long long)p.m, (long long)p.n, (long long)p.k, (long long)p.nbatch,
	    p.nb, i64arr(e, p.bd, p.nb), i64arr(e, p.sa, p.nb),
	    i64arr(e, p.sb, p.nb), bl(p.bflat), ptr(e, in->in[0], false),
	    ptr(e, in->in[1], false), resp(e, in, 0),
	    workp(e, i, rt_matmul_f32_work(&p)));
}

static void
e_fbinary(E *e, const Ins *in)
{
	Tensor ta, tb, tc;
	const Tensor *a = tensin(e, in, 0, &ta), *b = tensin(e, in, 1, &tb);
	const Tensor *c;
	int64_t bd[SQC_MAXRANK];
	int br;
	bool ok;
	const char *op;

	needfloatimpl(e, in);
	opnd(e, in, 0);
	opnd(e, in, 1);
	c = tensres(e, in, &tc);
	fplan_binary(e->m, in, a, b, c, bd, &br);
	switch (in->op) {
	case Oadd: op = "RT_ADD"; break;
	case Osub: op = "RT_SUB"; break;
	case Omul: op = "RT_MUL"; break;
	case Odiv: op = "RT_DIV"; break;
	default: op = "RT_POW"; break;
	}
	/* the dtypes rt_binary computes (eltwise.h) */
	if (in->op == Opow)
		ok = (a->dt == Df32 || a->dt == Df64 || a->dt == Di32 ||
		    a->dt == Di64) && rtall(b->dt) && b->dt != Dbool &&
		    b->dt != Df16 && b->dt != Dbf16;
	else
		ok = a->dt != Dbool && a->dt != Df16 && a->dt != Dbf16 &&
		    rtall(a->dt);
	if (!ok)
		nohelper(e, in, "this op on these element types");
	out(e, "\t(void)rt_binary(%s, %s, %s, %s, %d,\n\t    %s, %s, %s, %d,\n"
	    "\t    %s, %s, %d);\n", op, rtall(a->dt), ptr(e, in->in[0], false),
	    i64list(e, a->dim, a->rank), a->rank, ptr(e, in->in[1], false),
	    rtall(b->dt), i64list(e, bd, br), br, resp(e, in, 0),
	    i64list(e, c->dim, c->rank), c->rank);
}

static void
e_fclip(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	Tensor tl, th;
	const Tensor *lo = NULL, *hi = NULL;
	const char *b[2];
	double l, h;
	int k;

	needfloatimpl(e, in);
	if (y->dt != x->dt || !sameshape(x, y))
		ir_error(e->m, in, "the result's type does not match the operand");
	if (x->dt == Dbool || x->dt == Df16 || x->dt == Dbf16 || !rtall(x->dt))
		nohelper(e, in, "Clip on this element type");
	/* constant bounds here; a value's (f32, one element) at run time */
	if (in->nin > 1 && in->in[1].kind == Rcst)
		lo = tens(e, in->in[1], &tl);
	if (in->nin > 2 && in->in[2].kind == Rcst)
		hi = tens(e, in->in[2], &th);
	fplan_clip(e->m, in, lo, hi, &l, &h);
	b[0] = dbl(e, l);
	b[1] = dbl(e, h);
	for (k = 1; k < 3 && k < in->nin; k++) {
		const Type *t;
		const Attr *a = ir_getattr(in, k == 1 ? "min" : "max");
		if (in->in[k].kind != Rval || (a && a->kind == Afloat))
			continue;
		t = rtype(e, in->in[k]);
		if (numel(t) == 0)
			continue;
		if (numel(t) != 1)
			ir_error(e->m, in, "%s must be a scalar", k == 1 ? "min" : "max");
		if (t->dt != Df32)
			nohelper(e, in, "a Clip bound computed at run time that is not f32");
		b[k - 1] = fmt(e, "(double)(%s)[0]", ptr(e, in->in[k], false));
	}
	out(e, "\t(void)rt_clip(%s, %s, %s, %zu,\n\t    %s, %s);\n", rtall(x->dt),
	    ptr(e, in->in[0], false), resp(e, in, 0), numel(x), b[0], b[1]);
}

static void
e_funary(E *e, const Ins *in)
{
	const Type *x = opnd(e, in, 0), *y = res(e, in, 0);
	const char *xp, *yp;

	needfloatimpl(e, in);
	if (x->dt != Df32 || y->dt != Df32)
		nohelper(e, in, "this op on other than f32");
	if (!sameshape(x, y))
		ir_error(e->m, in, "the result's shape does not match the operand");
	xp = ptr(e, in->in[0], false);
	yp = resp(e, in, 0);
	switch (in->op) {
	case Oleaky_relu:
		out(e, "\trt_leaky_relu_f32(%s, %s, %zu, %s);\n", xp, yp, numel(x),
		    flt(e, ir_attrfloat(in, "alpha", 0.01f)));
		return;
	case Ohard_sigmoid:
		out(e, "\trt_hard_sigmoid_f32(%s, %s, %zu,\n\t    %s, %s);\n", xp, yp,
		    numel(x), flt(e, ir_attrfloat(in, "alpha", 0.2f)),
		    flt(e, ir_attrfloat(in, "beta", 0.5f)));
		return;
	case Ohard_swish:
		out(e, "\trt_hard_swish_f32(%s, %s, %zu);\n", xp, yp, numel(x));
		return;
	case Osqrt:
		out(e, "\trt_sqrt_f32(%s, %s, %zu);\n", xp, yp, numel(x));
		return;
	default:
		die("emitc: e_funary of %s", ir_opname(e->m, in));
	}
}

static void
e_softmax(E *e, const Ins *in)
{
	Tensor tx, ty;
	int64_t outer, n, inner;

	needfloatimpl(e, in);
	fplan_softmax(e->m, in, tensin(e, in, 0, &tx), tensres(e, in, &ty),
	    &outer, &n, &inner);
	out(e, "\trt_softmax_f32(%s, %lld, %lld, %lld,\n\t    %s);\n",
	    ptr(e, in->in[0], false), (long long)outer, (long long)n,
	    (long long)inner, resp(e, in, 0));
}

static void
e_reduce_mean(E *e, const Ins *in)
{
	Tensor tx, ta, ty;
	const Tensor *x = tensin(e, in, 0, &tx);
	unsigned mask;

	needfloatimpl(e, in);
	opnd(e, in, 0);
	needcst(e, in, 1, "ReduceMean with axes computed at run time");
	if (!fplan_reduce_mean(e->m, in, x, tensin(e, in, 1, &ta),
	    tensres(e, in, &ty), &mask)) {
		out(e, "\tmemcpy(%s, %s, %zu);\n", resp(e, in, 0),
		    ptr(e, in->in[0], false), nbytes(opnd(e, in, 0)));
		return;
	}
	out(e, "\trt_reduce_mean_f32(%s, %s, %d,\n\t    %uu, %s);\n",
	    ptr(e, in->in[0], false), i64list(e, x->dim, x->rank), x->rank,
	    mask, resp(e, in, 0));
}

static void
e_gather(E *e, const Ins *in)
{
	Tensor tx, ti, ty;
	const Tensor *x = tensin(e, in, 0, &tx), *it;
	const int64_t *idx;
	int64_t outer, n, inner;
	size_t ni;

	needfloatimpl(e, in);
	opnd(e, in, 0);
	opnd(e, in, 1);
	needcst(e, in, 1, "Gather with indices computed at run time");
	it = tensin(e, in, 1, &ti);
	idx = fplan_gather(e->m, in, x, it, tensres(e, in, &ty), e->a, &outer,
	    &n, &inner);
	ni = numel(rtype(e, in->in[1]));
	out(e, "\trt_gather(%s, %zu, %lld, %lld, %lld,\n\t    %s, %zu, %s);\n",
	    ptr(e, in->in[0], false), dtype_size(x->dt), (long long)outer,
	    (long long)n, (long long)inner, i64list(e, idx, (int)ni), ni,
	    resp(e, in, 0));
}

/* ---- one instruction ------------------------------------------------------ */

static bool
quantized(E *e, const Ins *in)
{
	int k;

	for (k = 0; k < in->nin; k++) {
		const Type *t = rtype(e, in->in[k]);
		if (t && t->q)
			return true;
	}
	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0 && e->m->val[in->out[k]].type.q)
			return true;
	return false;
}

static void
emit_ins(E *e, int i)
{
	Module *m = e->m;
	const Ins *in = &m->ins[i];
	bool relu = ir_attrint(in, "relu", 0) != 0, q;

	if (in->op == Oopaque)
		ir_error(m, in, "--emit=c cannot compile this op");
	if (in->nout >= 1 && in->out[0] >= 0)
		out(e, "\t/* %s '%s' -> %%%s */\n", optab[in->op].name, in->name,
		    m->val[in->out[0]].name);
	if (e->skip[i]) {
		out(e, "\t/* fused into its producer's call */\n");
		return;
	}
	/* the interpreter's choice (exec/table.c exec_impl_for) */
	if ((in->op == Oconv || in->op == Omax_pool) && nhwcin(e, in) &&
	    in->nout >= 1 && in->out[0] >= 0 && m->val[in->out[0]].type.q) {
		if (in->op == Oconv)
			e_sconv(e, i, in);
		else
			e_smaxpool(e, in);
		return;
	}
	q = in->op == Oquantize || in->op == Odequantize || in->op == Orequantize ||
	    quantized(e, in) || relu;
	if (q) {
		switch (in->op) {
		case Oquantize:
			e_quantize(e, in);
			return;
		case Odequantize:
			e_dequantize(e, in);
			return;
		case Orequantize:
			e_requantize(e, in);
			return;
		case Oadd:
			e_qadd(e, in, relu);
			return;
		case Omul:
			if (relu)
				nohelper(e, in, "relu = 1 on a mul");
			e_qmul(e, in);
			return;
		case Ogemm:
			e_qgemm(e, i, in, relu);
			return;
		case Omatmul:
			e_qmatmul(e, i, in, relu);
			return;
		case Orelu:
		case Oclip:
			e_qclamp(e, in);
			return;
		case Oleaky_relu:
		case Osigmoid:
			e_qlut(e, in);
			return;
		case Oconv:
			qact(e, in, 0);	/* --dynamic's f32 operand: its own message */
			ir_error(m, in, "--emit=c compiles quantized convs in -O2's nhwc "
			    "form only; compile with -O2");
		case Oaverage_pool:
		case Oglobal_average_pool:
			nohelper(e, in, "a quantized average pool on the systolic target");
		default:
			break;	/* pass-through ops on codes: the float table */
		}
	}
	if (isreshape(in->op)) {
		e_copy(e, in);
		return;
	}
	switch (in->op) {
	case Otranspose:
		e_transpose(e, in);
		return;
	case Oconcat:
		e_concat(e, in);
		return;
	case Omax_pool:
	case Oaverage_pool:
		e_pool(e, in);
		return;
	case Oglobal_average_pool:
	case Orelu:
	case Osigmoid:
	case Otanh:
		e_float(e, in);
		return;
	case Oconv:
		e_fconv(e, i, in);
		return;
	case Ogemm:
		e_fgemm(e, i, in);
		return;
	case Omatmul:
		e_fmatmul(e, i, in);
		return;
	case Oadd:
	case Osub:
	case Omul:
	case Odiv:
	case Opow:
		e_fbinary(e, in);
		return;
	case Oclip:
		e_fclip(e, in);
		return;
	case Oleaky_relu:
	case Ohard_sigmoid:
	case Ohard_swish:
	case Osqrt:
		e_funary(e, in);
		return;
	case Osoftmax:
		e_softmax(e, in);
		return;
	case Oreduce_mean:
		e_reduce_mean(e, in);
		return;
	case Ogather:
		e_gather(e, in);
		return;
	default:
		nohelper(e, in, q ? "a quantized op --emit=c does not implement" :
		    "a float op --emit=c does not implement");
	}
}

/* ---- analysis: edges, aliases, memory plan -------------------------------- */

static void
edges(E *e)
{
	Module *m = e->m;
	int k, v, j, i;

	e->int8 = true;
	for (k = 0; k < m->nin && e->int8; k++) {
		v = m->in[k];
		if (ir_isoutput(m, v)) {
			e->noint8 = fmt(e, "graph input '%s' is also a graph output", m->val[v].name);
			e->int8 = false;
			break;
		}
		if (e->u->count[v] != 1 || m->ins[e->u->user[v][0]].op != Oquantize) {
			e->noint8 = fmt(e, "graph input '%s' does not feed exactly one quantize "
			    "and nothing else", m->val[v].name);
			e->int8 = false;
			break;
		}
		i = e->u->user[v][0];
		if (m->ins[i].nout < 1 || m->ins[i].out[0] < 0 ||
		    !m->val[m->ins[i].out[0]].type.q || m->val[m->ins[i].out[0]].type.q->n != 1) {
			e->noint8 = fmt(e, "graph input '%s' is quantized per axis", m->val[v].name);
			e->int8 = false;
			break;
		}
		e->edge[i] = true;
	}
	for (k = 0; k < m->nout && e->int8; k++) {
		Ref r = m->out[k];
		const Type *t;
		if (r.kind != Rval || m->val[r.idx].def < 0 ||
		    m->ins[m->val[r.idx].def].op != Odequantize) {
			e->noint8 = fmt(e, "graph output '%s' is not the result of a dequantize",
			    ir_refname(m, r));
			e->int8 = false;
			break;
		}
		i = m->val[r.idx].def;
		t = rtype(e, m->ins[i].in[0]);
		if (e->u->count[r.idx] != 0 || m->ins[i].in[0].kind != Rval || !t->q ||
		    t->q->n != 1 || (t->dt != Di8 && t->dt != Du8)) {
			e->noint8 = fmt(e, "graph output '%s' is also read inside the graph, or "
			    "its codes are not per-tensor int8", ir_refname(m, r));
			e->int8 = false;
			break;
		}
		e->edge[i] = true;
	}
	if (!e->int8)
		memset(e->edge, 0, (size_t)(m->nins + 1) * sizeof *e->edge);
	/* order: edge quantizes, the core, edge dequantizes */
	e->norder = 0;
	for (j = 0; j < 3; j++)
		for (i = 0; i < m->nins; i++) {
			bool ed = e->edge[i], isq = m->ins[i].op == Oquantize;
			if ((j == 0 && ed && isq) || (j == 1 && !ed) || (j == 2 && ed && !isq)) {
				e->pos[i] = e->norder;
				e->order[e->norder++] = i;
			}
		}
}

/* the producer -> activation pairs the interpreter runs as one call (exec.h;
 * exec/interp.c planfusion, under the same conditions): the producer's call
 * clamps, the activation is no code, the two results share memory */
static void
fusion(E *e)
{
	Module *m = e->m;
	const ExecImpl *im;
	int i, j, v, w;
	float lo, hi;

	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i], *ac;
		e->fused[i] = -1;
		im = exec_impl_for(m, in);
		if (!im || !im->runact || !im->canfuse || in->nout != 1)
			continue;
		v = in->out[0];
		if (v < 0 || e->u->count[v] != 1 || ir_isoutput(m, v) || !im->canfuse(m, in))
			continue;
		j = e->u->user[v][0];
		ac = &m->ins[j];
		if (ac->nin < 1 || !ref_eq(ac->in[0], ref_val(v)) || ac->nout != 1 ||
		    ac->out[0] < 0)
			continue;
		w = ac->out[0];
		if (!exec_actbounds(m, ac, &lo, &hi) || m->val[v].type.dt != Df32 ||
		    m->val[w].type.dt != Df32 ||
		    nbytes(&m->val[v].type) != nbytes(&m->val[w].type))
			continue;
		e->fused[i] = j;
		e->act[i][0] = lo;
		e->act[i][1] = hi;
		e->skip[j] = true;
	}
}

static void
storage(E *e)
{
	Module *m = e->m;
	int i, k, v;

	for (v = 0; v < m->nval; v++) {
		e->root[v] = v;
		e->outk[v] = e->ink[v] = -1;
	}
	for (k = 0; k < m->nin; k++)
		e->ink[m->in[k]] = k;
	for (k = 0; k < m->nout; k++) {
		Ref r = m->out[k];
		if (r.kind == Rval && m->val[r.idx].def >= 0 && e->outk[r.idx] < 0)
			e->outk[r.idx] = k;
	}
	/* a fused producer writes straight into its activation's result */
	for (i = 0; i < m->nins; i++)
		if (e->fused[i] >= 0)
			e->root[m->ins[i].out[0]] = m->ins[e->fused[i]].out[0];
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		if (!isreshape(in->op) || in->nin < 1 || in->in[0].kind != Rval ||
		    in->nout < 1 || in->out[0] < 0 || e->outk[in->out[0]] >= 0)
			continue;
		if (in->op == Odropout && ((in->nout > 1 && in->out[1] >= 0) ||
		    (in->nin > 2 && in->in[2].kind != Rnone)))
			continue;
		v = in->in[0].idx;
		if (m->val[v].type.dt != m->val[in->out[0]].type.dt ||
		    nbytes(&m->val[v].type) != nbytes(&m->val[in->out[0]].type))
			continue;
		e->root[in->out[0]] = rootof(e, v);
	}
}

static int
bysize(const void *pa, const void *pb)
{
	const Item *a = *(Item *const *)pa, *b = *(Item *const *)pb;

	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->to < b->to ? -1 : a->to > b->to;
}

static int
byoff(const void *pa, const void *pb)
{
	const Item *a = *(Item *const *)pa, *b = *(Item *const *)pb;

	return a->off < b->off ? -1 : a->off > b->off;
}

/* lifetimes, the lower bound, and greedy best-fit offsets, largest first */
static void
plan(E *e)
{
	Module *m = e->m;
	int *first, *last, n = 0, i, k, v, t, j, nc;
	Item *it, **srt, **conf;
	size_t live, cur, best, bestgap;

	first = xmalloc(((size_t)m->nval + 1) * sizeof *first);
	last = xmalloc(((size_t)m->nval + 1) * sizeof *last);
	for (v = 0; v < m->nval; v++)
		first[v] = last[v] = -1;
	for (t = 0; t < e->norder; t++) {
		const Ins *in = &m->ins[e->order[t]];
		for (k = 0; k < in->nout; k++)
			if (in->out[k] >= 0) {
				v = rootof(e, in->out[k]);
				if (first[v] < 0)
					first[v] = t;
				if (last[v] < t)
					last[v] = t;
			}
		for (k = 0; k < in->nin; k++)
			if (in->in[k].kind == Rval) {
				v = rootof(e, in->in[k].idx);
				if (last[v] < t)
					last[v] = t;
			}
	}
	it = xcalloc((size_t)(m->nval + m->nins) + 1, sizeof *it);
	for (v = 0; v < m->nval; v++) {
		if (rootof(e, v) != v || m->val[v].def < 0 || e->ink[v] >= 0 ||
		    e->outk[v] >= 0 || first[v] < 0)
			continue;
		it[n].size = nbytes(&m->val[v].type);
		it[n].from = first[v];
		it[n].to = last[v];
		it[n].val = v;
		it[n].ins = -1;
		n++;
	}
	for (i = 0; i < m->nins; i++)
		if (e->scr[i]) {
			it[n].size = e->scr[i];
			it[n].from = it[n].to = e->pos[i];
			it[n].val = -1;
			it[n].ins = i;
			n++;
		}
	for (k = 0; k < n; k++)
		it[k].len = (it[k].size + ALIGNB - 1) / ALIGNB * ALIGNB;
	/* the lower bound: the most bytes live at one position */
	e->lower = 0;
	for (t = 0; t < e->norder; t++) {
		live = 0;
		for (k = 0; k < n; k++)
			if (it[k].from <= t && t <= it[k].to)
				live += it[k].size;
		if (live > e->lower)
			e->lower = live;
	}
	srt = xmalloc(((size_t)n + 1) * sizeof *srt);
	conf = xmalloc(((size_t)n + 1) * sizeof *conf);
	for (k = 0; k < n; k++)
		srt[k] = &it[k];
	qsort(srt, (size_t)n, sizeof *srt, bysize);
	e->arena = 0;
	for (k = 0; k < n; k++) {
		Item *x = srt[k];
		nc = 0;
		for (j = 0; j < k; j++)
			if (srt[j]->from <= x->to && x->from <= srt[j]->to)
				conf[nc++] = srt[j];
		qsort(conf, (size_t)nc, sizeof *conf, byoff);
		cur = 0;
		best = (size_t)-1;
		bestgap = (size_t)-1;
		for (j = 0; j < nc; j++) {
			if (conf[j]->off > cur && conf[j]->off - cur >= x->len &&
			    conf[j]->off - cur < bestgap) {
				bestgap = conf[j]->off - cur;
				best = cur;
			}
			if (conf[j]->off + conf[j]->len > cur)
				cur = conf[j]->off + conf[j]->len;
		}
		x->off = best != (size_t)-1 ? best : cur;
		if (x->off + x->len > e->arena)
			e->arena = x->off + x->len;
		if (x->val >= 0)
			e->off[x->val] = x->off;
		else
			e->scroff[x->ins] = x->off;
	}
	free(srt);
	free(conf);
	free(it);
	free(first);
	free(last);
}

/* ---- files ---------------------------------------------------------------- */

static void
names(E *e, const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n, k;
	char *lo, *up;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 2 && strcmp(b + n - 2, ".c") == 0)
		n -= 2;
	lo = arena_alloc(e->a, n + 3);
	up = arena_alloc(e->a, n + 3);
	k = 0;
	if (n == 0 || isdigit((unsigned char)b[0])) {
		lo[k] = 'm';
		up[k++] = 'M';
	}
	for (; n--; b++, k++) {
		unsigned char c = (unsigned char)*b;
		lo[k] = isalnum(c) ? (char)tolower(c) : '_';
		up[k] = isalnum(c) ? (char)toupper(c) : '_';
	}
	e->p = lo;
	e->P = up;
}

static const char *
headerpath(E *e, const char *path)
{
	size_t n = strlen(path);

	if (n > 2 && strcmp(path + n - 2, ".c") == 0)
		return fmt(e, "%.*s.h", (int)(n - 2), path);
	return fmt(e, "%s.h", path);
}

static const char *
shapestr(E *e, const Type *t)
{
	char buf[256];

	type_str(buf, sizeof buf, t);
	return arena_strdup(e->a, buf);
}

/* the parameter list of an entry point */
static const char *
params(E *e, bool int8)
{
	Module *m = e->m;
	char *s = arena_strdup(e->a, "");
	const char *ct;
	int k;

	for (k = 0; k < m->nin; k++) {
		ct = int8 ? ctype(m->val[m->ins[e->u->user[m->in[k]][0]].out[0]].type.dt) :
		    ctype(m->val[m->in[k]].type.dt);
		s = arena_printf(e->a, "%s%sconst %s *in%d", s, k ? ", " : "", ct, k);
	}
	for (k = 0; k < m->nout; k++) {
		const Type *t = rtype(e, m->out[k]);
		if (int8)
			t = rtype(e, m->ins[m->val[m->out[k].idx].def].in[0]);
		s = arena_printf(e->a, "%s%s%s *out%d", s, k || m->nin ? ", " : "",
		    ctype(t->dt), k);
	}
	return *s ? s : "void";
}

static void
header(E *e, FILE *f, const char *path)
{
	Module *m = e->m;
	int k;

	fprintf(f, "/*\n * Generated by sqc --emit=c from %s: the interface of the C file\n"
	    " * next to this header.  Inputs and outputs are packed row-major arrays\n"
	    " * of the sizes below (elements); outputs must not overlap inputs.\n"
	    " * The entry points are not re-entrant: they share one static arena.\n */\n",
	    m->path ? m->path : "?");
	fprintf(f, "#ifndef SQC_%s_H\n#define SQC_%s_H\n\n#include <stdint.h>\n\n", e->P, e->P);
	fprintf(f, "/* activation arena: bytes, and the lower bound (the most activation\n"
	    " * bytes live at once, scratch included) */\n");
	fprintf(f, "#define %s_ARENA_SIZE %zu\n#define %s_ARENA_LOWER_BOUND %zu\n\n",
	    e->P, e->arena, e->P, e->lower);
	fprintf(f, "#define %s_NUM_INPUTS %d\n#define %s_NUM_OUTPUTS %d\n", e->P, m->nin,
	    e->P, m->nout);
	for (k = 0; k < m->nin; k++) {
		const Type *t = &m->val[m->in[k]].type;
		fprintf(f, "#define %s_IN%d_SIZE %zu\t/* '%s' %s */\n", e->P, k, numel(t),
		    m->val[m->in[k]].name, shapestr(e, t));
	}
	for (k = 0; k < m->nout; k++) {
		const Type *t = rtype(e, m->out[k]);
		fprintf(f, "#define %s_OUT%d_SIZE %zu\t/* '%s' %s */\n", e->P, k, numel(t),
		    ir_refname(m, m->out[k]), shapestr(e, t));
	}
	if (e->int8) {
		fprintf(f, "\n/* the int8 entry point's codes: real = scale * (code - zero point) */\n");
		for (k = 0; k < m->nin; k++) {
			const QParam *q = m->val[m->ins[e->u->user[m->in[k]][0]].out[0]].type.q;
			fprintf(f, "#define %s_IN%d_SCALE %sf\t/* %.9g */\n#define %s_IN%d_ZERO_POINT %d\n",
			    e->P, k, fmt(e, "%a", (double)q->scale[0]), (double)q->scale[0],
			    e->P, k, (int)q->zero[0]);
		}
		for (k = 0; k < m->nout; k++) {
			const QParam *q = rtype(e, m->ins[m->val[m->out[k].idx].def].in[0])->q;
			fprintf(f, "#define %s_OUT%d_SCALE %sf\t/* %.9g */\n#define %s_OUT%d_ZERO_POINT %d\n",
			    e->P, k, fmt(e, "%a", (double)q->scale[0]), (double)q->scale[0],
			    e->P, k, (int)q->zero[0]);
		}
	}
	fprintf(f, "\n/* float in, float out: the module's own quantize and dequantize at\n"
	    " * the edges */\nvoid %s_run(%s);\n", e->p, params(e, false));
	if (e->int8)
		fprintf(f, "/* int8 codes in and out (the edges' quantize and dequantize skipped) */\n"
		    "void %s_run_int8(%s);\n", e->p, params(e, true));
	else
		fprintf(f, "/* no %s_run_int8: %s */\n", e->p, e->noint8);
	fprintf(f, "\n#endif\n");
	(void)path;
}

static void
constant(E *e, FILE *f, int c)
{
	const Cst *k = &e->m->cst[c];
	size_t n = numel(&k->type), i;
	const char *ct = ctype(k->type.dt);

	fprintf(f, "/* $%s: %s */\nstatic const %s sqc_c%d[%zu] = {", k->name,
	    shapestr(e, &k->type), ct, c, n ? n : 1);
	if (!n)
		fprintf(f, "0");
	for (i = 0; i < n; i++) {
		fputs(i == 0 ? "\n\t" : i % 24 ? "," : ",\n\t", f);
		switch (k->type.dt) {
		case Di8:
			fprintf(f, "%d", ((const int8_t *)k->data)[i]);
			break;
		case Du8:
		case Dbool:
			fprintf(f, "%u", ((const uint8_t *)k->data)[i]);
			break;
		case Di16:
			fprintf(f, "%d", ((const int16_t *)k->data)[i]);
			break;
		case Du16:
		case Df16:
		case Dbf16:
			fprintf(f, "%u", ((const uint16_t *)k->data)[i]);
			break;
		case Di32:
			if (((const int32_t *)k->data)[i] == INT32_MIN)
				fprintf(f, "INT32_MIN");
			else
				fprintf(f, "%ld", (long)((const int32_t *)k->data)[i]);
			break;
		case Du32:
			fprintf(f, "%luu", (unsigned long)((const uint32_t *)k->data)[i]);
			break;
		case Di64:
			if (((const int64_t *)k->data)[i] == INT64_MIN)
				fprintf(f, "INT64_MIN");
			else
				fprintf(f, "INT64_C(%lld)", (long long)((const int64_t *)k->data)[i]);
			break;
		case Du64:
			fprintf(f, "UINT64_C(%llu)", (unsigned long long)((const uint64_t *)k->data)[i]);
			break;
		case Df32:
			fputs(flt(e, ((const float *)k->data)[i]), f);
			break;
		case Df64: {
			double d = ((const double *)k->data)[i];
			if (isnan(d))
				fputs("NAN", f);
			else if (isinf(d))
				fputs(d < 0 ? "(-INFINITY)" : "INFINITY", f);
			else
				fprintf(f, "%a", d);
			break;
		}
		default:
			die("emitc: constant of dtype %d", k->type.dt);
		}
	}
	fprintf(f, "\n};\n\n");
}

static void
body(E *e, FILE *f, int from, int to)
{
	int t;

	e->f = f;
	for (t = from; t < to; t++)
		emit_ins(e, e->order[t]);
}

static void
source(E *e, FILE *f, const char *hpath, FILE *code)
{
	Module *m = e->m;
	const char *hb = strrchr(hpath, '/');
	int k, nq = 0, nd = 0, t;

	hb = hb ? hb + 1 : hpath;
	fprintf(f, "/*\n * Generated by sqc --emit=c from %s (module target \"systolic\").\n"
	    " * Standalone C99: no heap, no I/O, deterministic; not re-entrant.\n *\n"
	    " * Build (host; runtime/ is sqc's kernel library):\n"
	    " *   cc -std=c99 -I<sqc>/runtime %s.c driver.c <sqc>/build/libsqcrt.a -lm\n"
	    " * Against Gemmini's own kernels: add -DSQC_USE_GEMMINI and the include\n"
	    " * directory of gemmini.h (gemmini-rocc-tests/include); the helpers still\n"
	    " * come from <sqc>/runtime.  -DSQC_GEMMINI_TYPE=WS|OS|CPU picks the kernels'\n"
	    " * dataflow (default CPU).\n *\n"
	    " * Activation arena: %zu bytes (lower bound %zu).\n",
	    m->path ? m->path : "?", e->p, e->arena, e->lower);
	if (!e->nfb)
		fprintf(f, " * fallbacks: none\n");
	for (k = 0; k < e->nfb; k++)
		fprintf(f, " * fallbacks: %s\n", e->fb[k]);
	fprintf(f, " */\n#include <math.h>\n#include <stdbool.h>\n#include <stddef.h>\n"
	    "#include <stdint.h>\n#include <string.h>\n\n"
	    "#ifdef SQC_USE_GEMMINI\n#include \"gemmini.h\"\n#else\n#include \"systolic.h\"\n#endif\n"
	    "#include \"eltwise.h\"\n#include \"movement.h\"\n#include \"nhwc.h\"\n"
	    "#include \"pool.h\"\n#include \"qkern.h\"\n#include \"qtensor.h\"\n"
	    "#include \"conv.h\"\n#include \"matmul.h\"\n\n"
	    "#include \"%s\"\n\n#ifndef SQC_GEMMINI_TYPE\n#define SQC_GEMMINI_TYPE CPU\n#endif\n\n",
	    hb);
	for (k = 0; k < m->ncst; k++)
		if (e->cstused[k])
			constant(e, f, k);
	fprintf(f, "static union {\n\tint64_t align_i;\n\tdouble align_d;\n"
	    "\tunsigned char b[%s_ARENA_SIZE > 0 ? %s_ARENA_SIZE : 1];\n} sqc_arena;\n"
	    "#define SQC_A (sqc_arena.b)\n\n", e->P, e->P);
	for (t = 0; t < e->norder; t++) {
		if (!e->edge[e->order[t]])
			continue;
		if (m->ins[e->order[t]].op == Oquantize)
			nq++;
		else
			nd++;
	}
	(void)code;
	if (e->int8) {
		fprintf(f, "static void\nsqc_core(void)\n{\n");
		body(e, f, nq, e->norder - nd);
		fprintf(f, "}\n\nvoid\n%s_run(%s)\n{\n", e->p, params(e, false));
		body(e, f, 0, nq);
		fprintf(f, "\tsqc_core();\n");
		body(e, f, e->norder - nd, e->norder);
	} else {
		fprintf(f, "void\n%s_run(%s)\n{\n", e->p, params(e, false));
		body(e, f, 0, e->norder);
	}
	/* outputs not written in place */
	for (k = 0; k < m->nout; k++) {
		Ref r = m->out[k];
		if (r.kind == Rval && e->outk[r.idx] == k)
			continue;
		fprintf(f, "\tmemcpy(out%d, %s, %zu);\n", k, ptr(e, r, false),
		    nbytes(rtype(e, r)));
	}
	fprintf(f, "}\n");
	if (!e->int8)
		return;
	fprintf(f, "\nvoid\n%s_run_int8(%s)\n{\n", e->p, params(e, true));
	for (k = 0; k < m->nin; k++) {
		int q = e->u->user[m->in[k]][0];
		fprintf(f, "\tmemcpy(%s, in%d, %zu);\n", vptr(e, m->ins[q].out[0], true), k,
		    nbytes(&m->val[m->ins[q].out[0]].type));
	}
	fprintf(f, "\tsqc_core();\n");
	for (k = 0; k < m->nout; k++) {
		Ref r = m->ins[m->val[m->out[k].idx].def].in[0];
		fprintf(f, "\tmemcpy(out%d, %s, %zu);\n", k, ptr(e, r, false),
		    nbytes(rtype(e, r)));
	}
	fprintf(f, "}\n");
}

/* ---- entry ------------------------------------------------------------------ */

static void
checkmodule(E *e)
{
	Module *m = e->m;
	int i, k, v;

	if (!m->target || strcmp(m->target, "systolic") != 0)
		error(m->path, "--emit=c needs a module quantized for --target=systolic "
		    "(compile with -O2)");
	for (k = 0; k < m->nin; k++) {
		const Type *t = &m->val[m->in[k]].type;
		if (!type_static(t) || !ctype(t->dt))
			error(m->path, "graph input '%s' needs a static shape and a numeric type "
			    "(fix it with --input-shape)", m->val[m->in[k]].name);
	}
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		if (in->op == Oopaque)
			ir_error(m, in, "--emit=c cannot compile this op");
		for (k = 0; k < in->nout; k++) {
			v = in->out[k];
			if (v >= 0 && (!type_static(&m->val[v].type) || !ctype(m->val[v].type.dt)))
				ir_error(m, in, "result %%%s needs a static shape and a numeric type "
				    "(fix graph inputs with --input-shape)", m->val[v].name);
		}
	}
	for (k = 0; k < m->nout; k++)
		if (m->out[k].kind == Rnone)
			error(m->path, "graph output %d is missing", k);
}

static void
checkpath(const char *path, const char *what)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		error(NULL, "--emit=c writes two files (.c and .h); give a file with -o, not '-'");
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		error(path, "is a directory; give a %s file name with -o", what);
}

static void
commit(const char *path, const char *buf, size_t len)
{
	FILE *f = outfile_open(path);

	if (fwrite(buf, 1, len, f) != len)
		error(path, "write failed: %s", strerror(errno));
	outfile_commit();
}

void
emit_c(Module *m, const char *path, EmitCStats *stats)
{
	E e = {0};
	FILE *hf, *cf, *null;
	char *hbuf = NULL, *cbuf = NULL;
	size_t hlen = 0, clen = 0;
	const char *hpath;
	int i;

	e.m = m;
	e.a = arena_new();
	if (path) {
		checkpath(path, "C");
		hpath = headerpath(&e, path);
		checkpath(hpath, "header");
	} else {
		hpath = "model.h";	/* stats only (--report) */
	}
	checkmodule(&e);
	names(&e, path ? path : "model.c");
	e.u = ir_uses(m, e.a);
	e.order = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.order);
	e.pos = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.pos);
	e.edge = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.edge);
	e.scr = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.scr);
	e.scroff = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.scroff);
	e.root = arena_alloc(e.a, ((size_t)m->nval + 1) * sizeof *e.root);
	e.outk = arena_alloc(e.a, ((size_t)m->nval + 1) * sizeof *e.outk);
	e.ink = arena_alloc(e.a, ((size_t)m->nval + 1) * sizeof *e.ink);
	e.off = arena_alloc(e.a, ((size_t)m->nval + 1) * sizeof *e.off);
	e.cstused = arena_alloc(e.a, ((size_t)m->ncst + 1) * sizeof *e.cstused);
	e.fused = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.fused);
	e.skip = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.skip);
	e.act = arena_alloc(e.a, ((size_t)m->nins + 1) * sizeof *e.act);
	edges(&e);
	fusion(&e);
	storage(&e);

	/* measure: check every op, collect scratch sizes and fallbacks */
	null = fopen("/dev/null", "w");
	if (!null)
		error(NULL, "cannot open /dev/null: %s", strerror(errno));
	e.measure = true;
	e.f = null;
	for (i = 0; i < e.norder; i++)
		emit_ins(&e, e.order[i]);
	fclose(null);
	e.measure = false;
	for (i = 0; i < m->nout; i++)
		if (m->out[i].kind == Rcst)
			e.cstused[m->out[i].idx] = true;
	plan(&e);

	if (!path)
		goto done;
	hf = open_memstream(&hbuf, &hlen);
	cf = open_memstream(&cbuf, &clen);
	if (!hf || !cf)
		error(NULL, "out of memory");
	source(&e, cf, hpath, NULL);
	header(&e, hf, hpath);
	if (fclose(hf) != 0 || fclose(cf) != 0)
		error(NULL, "out of memory");
	commit(hpath, hbuf, hlen);
	commit(path, cbuf, clen);
	free(hbuf);
	free(cbuf);
done:
	if (stats) {
		stats->arena = e.arena;
		stats->lower = e.lower;
		stats->nfallback = e.nfb;
		stats->fallbacks = "";
		for (int k = 0; k < e.nfb; k++)
			stats->fallbacks = arena_printf(m->arena, "%s%s\n",
			    stats->fallbacks, e.fb[k]);
	}
	free(e.fb);
	arena_free(e.a);
}
