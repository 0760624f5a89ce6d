/*
 * op_conv.c — interpreter bindings of the matrix ops: Conv, ConvTranspose,
 * Gemm, MatMul (runtime/conv.h, runtime/gemm.h) and QLinearConv,
 * QLinearMatMul (exact integer accumulation here, requantized as ONNX
 * Runtime does).
 *
 * Each reads its attributes, resolves auto_pad / output_shape into the
 * leading pads and the output size (for Conv, Gemm and MatMul in
 * fplan_conv / fplan_gemm / fplan_matmul, exec/fplan.h, which the C backend
 * calls too; the products run in runtime/conv.h and runtime/matmul.h), checks the result tensor the
 * interpreter allocated from the inferred type (a mismatch is a shape
 * inference bug, reported on the node), and calls the kernel with scratch
 * from the arena.  Convolutions have 1 to 3 spatial dims (1-D runs as
 * 2-D with a unit height; 3-D on direct loops).  What the kernels cannot
 * run (more spatial dims, a dtype other than f32, 3-D QLinearConv, an
 * inconsistent attribute) is a user error naming the node.
 *
 * Quantized ops: acc = sum (x - x_zero) * (w - w_zero) (+ bias) exactly in
 * 64-bit integers; y = saturate(round_half_even((float)acc * s) + y_zero)
 * with s = (float)(x_scale * w_scale) / y_scale computed in float — ONNX
 * Runtime's requantization.  Scales and zero points may be per tensor or
 * per output channel (conv) / per row of A and column of B (matmul).
 *
 * The quantized IR's conv, gemm and matmul (doc/quantization.md section 8:
 * the same ops with quantized operand types) are the fragment
 * exec_impl_qconv, which table.c selects for quantized instructions: the
 * parameters come from the types, the accumulation and requantization
 * (multiplier f32(f32(sx * sw) / sy) per output channel, identical for the
 * two targets) from runtime/qkern.h.  An f32 activation operand of such an
 * op (--dynamic) is quantized here per run from its data, and its f32 bias
 * with that scale (the section "dynamic quantization" below).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "opkit.h"
#include "passes/qparams.h"
#include "fplan.h"
#include "runtime/conv.h"
#include "runtime/gemm.h"
#include "runtime/matmul.h"
#include "runtime/qkern.h"

/* y must have shape dim[r] and dtype dt */
static void
checkout(const Module *m, const Ins *in, const Tensor *y, DType dt,
    const int64_t *dim, int r)
{
	if (y->dt != dt || y->rank != r ||
	    memcmp(y->dim, dim, (size_t)r * sizeof dim[0]) != 0)
		ir_error(m, in, "inferred result type does not match the "
		    "operands (shape inference bug)");
}

/* an ints attribute of n values, or NULL when absent */
static const int64_t *
ints(const Module *m, const Ins *in, const char *name, int n)
{
	Attr *a = ir_getattr(in, name);

	if (!a || (a->kind == Aints && a->n == 0))
		return NULL;
	if (a->kind != Aints || a->n != n)
		ir_error(m, in, "%s must have %d values", name, n);
	return a->ints;
}

static void *
work(Arena *scratch, size_t n)
{
	return n ? arena_alloc_raw(scratch, n) : NULL;
}

/* ---- conv geometry ------------------------------------------------------ */

enum { PADNOTSET, PADSAMEUP, PADSAMELO, PADVALID };

static int
autopad(const Module *m, const Ins *in)
{
	Attr *a = ir_getattr(in, "auto_pad");
	static const char *name[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER",
	    "VALID"};
	size_t k;

	if (!a || (a->kind == Astr && a->s.len == 0))
		return PADNOTSET;
	for (k = 0; a->kind == Astr && k < countof(name); k++)
		if (a->s.len == strlen(name[k]) &&
		    memcmp(a->s.data, name[k], a->s.len) == 0)
			return (int)k;
	ir_error(m, in, "unknown auto_pad (use NOTSET, SAME_UPPER, SAME_LOWER "
	    "or VALID)");
}

/* Spatial parameters of a (transposed) convolution as 3-D: the model's
 * nsp dims are the last ones, the first 3 - nsp have size 1.  w is the
 * weight; sets kernel, strides, dilations and the attribute pads (begin,
 * end). */
typedef struct Geom {
	int nsp;			/* spatial dims in the model: 1 to 3 */
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3];
	int64_t out[3];			/* set by the op */
	int pad;
} Geom;

static void
geom(const Module *m, const Ins *in, const Tensor *x, const Tensor *w,
    Geom *g)
{
	const int64_t *ks, *ss, *ds, *ps;
	int n, j, o;

	if (x->rank != w->rank)
		ir_error(m, in, "weight of rank %d for an input of rank %d",
		    w->rank, x->rank);
	if (x->rank < 3 || x->rank > 5)
		ir_error(m, in, "input has rank %d; %s needs 1 to 3 spatial "
		    "dimensions ([N,C,W] to [N,C,D,H,W])", x->rank,
		    ir_opname(m, in));
	n = x->rank - 2;
	g->nsp = n;
	o = 3 - n;
	for (j = 0; j < 3; j++) {
		g->in[j] = g->k[j] = g->s[j] = g->d[j] = g->out[j] = 1;
		g->pb[j] = g->pe[j] = 0;
	}
	ks = ints(m, in, "kernel_shape", n);
	ss = ints(m, in, "strides", n);
	ds = ints(m, in, "dilations", n);
	ps = ints(m, in, "pads", 2 * n);
	for (j = 0; j < n; j++) {
		g->in[o + j] = x->dim[2 + j];
		g->k[o + j] = w->dim[2 + j];
		if (ks && ks[j] != w->dim[2 + j])
			ir_error(m, in, "kernel_shape disagrees with the "
			    "weight's shape");
		if (ss)
			g->s[o + j] = ss[j];
		if (ds)
			g->d[o + j] = ds[j];
		if (ps) {
			g->pb[o + j] = ps[j];
			g->pe[o + j] = ps[n + j];
		}
		if (g->s[o + j] < 1 || g->d[o + j] < 1 || g->pb[o + j] < 0 ||
		    g->pe[o + j] < 0)
			ir_error(m, in, "strides and dilations must be "
			    "positive and pads not negative");
	}
	g->pad = autopad(m, in);
}

/* Conv output sizes and leading pads (auto_pad resolved) */
static void
convout(const Module *m, const Ins *in, Geom *g)
{
	int64_t ext, tot;
	int j;

	for (j = 0; j < 3; j++) {
		ext = (g->k[j] - 1) * g->d[j] + 1;
		switch (g->pad) {
		case PADSAMEUP:
		case PADSAMELO:
			g->out[j] = (g->in[j] + g->s[j] - 1) / g->s[j];
			tot = (g->out[j] - 1) * g->s[j] + ext - g->in[j];
			if (tot < 0)
				tot = 0;
			g->pb[j] = g->pad == PADSAMEUP ? tot / 2 :
			    tot - tot / 2;
			break;
		case PADVALID:
			g->pb[j] = g->pe[j] = 0;
			/* fall through */
		default:
			tot = g->in[j] + g->pb[j] + g->pe[j] - ext;
			if (tot < 0)
				ir_error(m, in, "kernel extent %lld is larger "
				    "than the padded input %lld",
				    (long long)ext, (long long)(tot + ext));
			g->out[j] = tot / g->s[j] + 1;
		}
	}
}

/* the result's shape: [n, ch, out...] over the model's spatial dims */
static int
outdims(const Geom *g, int64_t n, int64_t ch, int64_t *dim)
{
	int j;

	dim[0] = n;
	dim[1] = ch;
	for (j = 0; j < g->nsp; j++)
		dim[2 + j] = g->out[3 - g->nsp + j];
	return g->nsp + 2;
}

/* the 2-D kernel's parameters from the last two dims of g */
static RtConv
conv2d(const Geom *g, int64_t n, int64_t c, int64_t mch, int64_t group)
{
	RtConv p = {0};

	p.n = n;
	p.c = c;
	p.m = mch;
	p.group = group;
	p.h = g->in[1];
	p.w = g->in[2];
	p.oh = g->out[1];
	p.ow = g->out[2];
	p.kh = g->k[1];
	p.kw = g->k[2];
	p.sh = g->s[1];
	p.sw = g->s[2];
	p.dh = g->d[1];
	p.dw = g->d[2];
	p.pt = g->pb[1];
	p.pl = g->pb[2];
	return p;
}

static RtConv3
conv3d(const Geom *g, int64_t n, int64_t c, int64_t mch, int64_t group)
{
	RtConv3 p;
	int j;

	p.n = n;
	p.c = c;
	p.m = mch;
	p.group = group;
	for (j = 0; j < 3; j++) {
		p.in[j] = g->in[j];
		p.out[j] = g->out[j];
		p.k[j] = g->k[j];
		p.s[j] = g->s[j];
		p.d[j] = g->d[j];
		p.pb[j] = g->pb[j];
	}
	return p;
}

/* ---- Conv --------------------------------------------------------------- */

int
fplan_conv(const Module *m, const Ins *in, const Tensor *xt, const Tensor *wt,
    const Tensor *bt, const Tensor *y, RtConv *p, RtConv3 *p3)
{
	int64_t dim[5], group;
	Geom g;

	op_needf32(m, in, xt);
	op_needf32(m, in, wt);
	op_needf32(m, in, bt);
	geom(m, in, xt, wt, &g);
	group = ir_attrint(in, "group", 1);
	if (group < 1 || xt->dim[1] % group || wt->dim[0] % group ||
	    wt->dim[1] * group != xt->dim[1])
		ir_error(m, in, "input has %lld channels but the weight "
		    "expects %lld (x group %lld)", (long long)xt->dim[1],
		    (long long)wt->dim[1], (long long)group);
	if (bt && (bt->rank != 1 || bt->dim[0] != wt->dim[0]))
		ir_error(m, in, "bias must be a vector of %lld values",
		    (long long)wt->dim[0]);
	convout(m, in, &g);
	checkout(m, in, y, Df32, dim, outdims(&g, xt->dim[0], wt->dim[0],
	    dim));
	if (g.nsp == 3)
		*p3 = conv3d(&g, xt->dim[0], xt->dim[1], wt->dim[0], group);
	else
		*p = conv2d(&g, xt->dim[0], xt->dim[1], wt->dim[0], group);
	return g.nsp;
}

/* conv with an optional fused activation clamp (act: {lo, hi} or NULL) */
static void
conv_act(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch, const float *act)
{
	const Tensor *xt = op_input(m, in, x, 0), *wt = op_input(m, in, x, 1);
	const Tensor *bt = op_optinput(in, x, 2);
	const float *b = bt ? bt->data : NULL;
	RtConv p;
	RtConv3 p3;

	if (fplan_conv(m, in, xt, wt, bt, y[0], &p, &p3) == 3) {
		if (act)
			die("conv_act: a fused activation on a 3-D conv");
		rt_conv3d(&p3, xt->data, wt->data, b, y[0]->data);
		return;
	}
	if (act) {
		p.act = true;
		p.lo = act[0];
		p.hi = act[1];
	}
	rt_conv2d(&p, xt->data, wt->data, b, y[0]->data,
	    work(scratch, rt_conv2d_work(&p)));
}

static void
run_conv(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	conv_act(m, in, x, y, scratch, NULL);
}

/* the interpreter fuses a following Relu/Clip only into 2-D convs */
static bool
fuse_conv(const Module *m, const Ins *in)
{
	Type *w = in->nin > 1 ? ir_reftype((Module *)m, in->in[1]) : NULL;

	return w && w->rank == 4;
}

/* ---- ConvTranspose ------------------------------------------------------ */

static void
run_conv_transpose(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *xt = op_input(m, in, x, 0), *wt = op_input(m, in, x, 1);
	const Tensor *bt = op_optinput(in, x, 2);
	const int64_t *op, *os = NULL;
	const float *b;
	int64_t dim[5], ext, nat, tot, group, mch;
	Attr *osa;
	RtConv p;
	RtConv3 p3;
	Geom g;
	int j, n;

	op_needf32(m, in, xt);
	op_needf32(m, in, wt);
	op_needf32(m, in, bt);
	geom(m, in, xt, wt, &g);
	n = g.nsp;
	group = ir_attrint(in, "group", 1);
	if (group < 1 || xt->dim[1] % group || wt->dim[0] != xt->dim[1])
		ir_error(m, in, "input has %lld channels but the weight "
		    "expects %lld (group %lld)", (long long)xt->dim[1],
		    (long long)wt->dim[0], (long long)group);
	mch = wt->dim[1] * group;
	if (bt && (bt->rank != 1 || bt->dim[0] != mch))
		ir_error(m, in, "bias must be a vector of %lld values",
		    (long long)mch);
	op = ints(m, in, "output_padding", n);
	osa = ir_getattr(in, "output_shape");
	if (osa && osa->kind == Aints && osa->n > 0) {
		if (osa->n < n)
			ir_error(m, in, "output_shape has %d values for %d "
			    "spatial dimensions", osa->n, n);
		os = osa->ints + osa->n - n;
	}
	/* The natural size s*(in-1) + extent + output_padding is cropped by
	 * pads: given, or total = natural - wanted size (output_shape, or
	 * in*s for SAME) split like ONNX Runtime: SAME_UPPER puts the odd
	 * pixel at the end, NOTSET and SAME_LOWER at the start.  An
	 * output_shape above the natural size pads zeros (bias) at the end;
	 * SAME then keeps the natural size. */
	for (j = 0; j < 3; j++) {
		int a = j - (3 - n);	/* index in the model's attributes */

		ext = (g.k[j] - 1) * g.d[j] + 1;
		nat = g.s[j] * (g.in[j] - 1) + ext + (a >= 0 && op ? op[a] : 0);
		if (a < 0 || (!os && g.pad == PADVALID)) {
			g.out[j] = nat;
			g.pb[j] = 0;
			continue;
		}
		if (!os && g.pad == PADNOTSET) {
			g.out[j] = nat - g.pb[j] - g.pe[j];
			if (g.out[j] < 0)
				ir_error(m, in, "pads exceed the output");
			continue;
		}
		g.out[j] = os ? os[a] : g.in[j] * g.s[j];
		tot = nat - g.out[j];
		if (tot < 0 && !os)
			g.out[j] = nat;	/* SAME never grows the output */
		if (tot < 0)
			g.pb[j] = 0;
		else
			g.pb[j] = g.pad == PADSAMEUP ? tot / 2 : tot - tot / 2;
	}
	checkout(m, in, y[0], Df32, dim, outdims(&g, xt->dim[0], mch, dim));
	b = bt ? bt->data : NULL;
	if (g.nsp == 3) {
		p3 = conv3d(&g, xt->dim[0], xt->dim[1], mch, group);
		rt_convt3d(&p3, xt->data, wt->data, b, y[0]->data);
		return;
	}
	p = conv2d(&g, xt->dim[0], xt->dim[1], mch, group);
	rt_convt2d(&p, xt->data, wt->data, b, y[0]->data,
	    work(scratch, rt_convt2d_work(&p)));
}

/* ---- Gemm --------------------------------------------------------------- */

bool
fplan_gemm(const Module *m, const Ins *in, const Tensor *a, const Tensor *b,
    const Tensor *c, const Tensor *y, RtGemm *p)
{
	int64_t dim[2], cd[2] = {1, 1};
	int k;

	op_needf32(m, in, a);
	op_needf32(m, in, b);
	op_needf32(m, in, c);
	if (a->rank != 2 || b->rank != 2)
		ir_error(m, in, "gemm needs matrices (ranks %d and %d)",
		    a->rank, b->rank);
	p->ta = ir_attrint(in, "transA", 0) != 0;
	p->tb = ir_attrint(in, "transB", 0) != 0;
	p->alpha = ir_attrfloat(in, "alpha", 1);
	p->beta = ir_attrfloat(in, "beta", 1);
	p->m = a->dim[p->ta ? 1 : 0];
	p->k = a->dim[p->ta ? 0 : 1];
	p->n = b->dim[p->tb ? 0 : 1];
	p->lda = a->dim[1];
	p->ldb = b->dim[1];
	p->crs = p->ccs = 0;
	if (b->dim[p->tb ? 1 : 0] != p->k)
		ir_error(m, in, "inner dimensions differ (%lld and %lld)",
		    (long long)p->k, (long long)b->dim[p->tb ? 1 : 0]);
	dim[0] = p->m;
	dim[1] = p->n;
	checkout(m, in, y, Df32, dim, 2);
	if (!c || op_numel(c) == 0 || p->beta == 0) {
		p->beta = 0;
		return false;
	}
	/* C broadcast to [M, N] (unidirectional, NumPy rules) */
	if (c->rank > 2)
		ir_error(m, in, "C has rank %d; it must broadcast to [M, N]",
		    c->rank);
	for (k = 0; k < c->rank; k++)
		cd[2 - c->rank + k] = c->dim[k];
	if ((cd[0] != 1 && cd[0] != p->m) || (cd[1] != 1 && cd[1] != p->n))
		ir_error(m, in, "C does not broadcast to [%lld, %lld]",
		    (long long)p->m, (long long)p->n);
	p->crs = cd[0] == 1 ? 0 : cd[1];
	p->ccs = cd[1] == 1 ? 0 : 1;
	return true;
}

static void
run_gemm(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *a = op_input(m, in, x, 0), *b = op_input(m, in, x, 1);
	const Tensor *c = op_optinput(in, x, 2);
	RtGemm p;
	bool usec = fplan_gemm(m, in, a, b, c, y[0], &p);

	rt_gemm_f32(&p, a->data, b->data, usec ? c->data : NULL, y[0]->data,
	    work(scratch, rt_gemm_f32_work(&p)));
}

/* ---- MatMul ------------------------------------------------------------- */

typedef RtMatMul MM;

/* NumPy matmul operands as a batch of [M,K] x [K,N] products */
void
fplan_matmul(const Module *m, const Ins *in, const Tensor *a,
    const Tensor *b, const Tensor *y, RtMatMul *g)
{
	int ra = a->rank, rb = b->rank, na, nb, k, r;
	int64_t dim[SQC_MAXRANK], da, db, st;

	if (ra == 0 || rb == 0)
		ir_error(m, in, "matmul of a scalar");
	g->m = ra >= 2 ? a->dim[ra - 2] : 1;
	g->k = a->dim[ra - 1];
	g->n = rb >= 2 ? b->dim[rb - 1] : 1;
	if ((rb >= 2 ? b->dim[rb - 2] : b->dim[0]) != g->k)
		ir_error(m, in, "inner dimensions differ (%lld and %lld)",
		    (long long)g->k,
		    (long long)(rb >= 2 ? b->dim[rb - 2] : b->dim[0]));
	na = ra > 2 ? ra - 2 : 0;
	nb = rb > 2 ? rb - 2 : 0;
	g->nb = na > nb ? na : nb;
	g->nbatch = 1;
	for (k = 0; k < g->nb; k++) {
		int ka = k - (g->nb - na), kb = k - (g->nb - nb);

		da = ka >= 0 ? a->dim[ka] : 1;
		db = kb >= 0 ? b->dim[kb] : 1;
		if (da != db && da != 1 && db != 1)
			ir_error(m, in, "batch dimensions do not broadcast "
			    "(%lld and %lld)", (long long)da, (long long)db);
		g->bd[k] = da == 1 ? db : da;
		g->nbatch *= g->bd[k];
	}
	/* matrix strides per batch dim (row-major over each operand's own
	 * batch dims; 0 where the operand broadcasts) */
	for (st = 1, k = g->nb - 1; k >= 0; k--) {
		int ka = k - (g->nb - na);

		da = ka >= 0 ? a->dim[ka] : 1;
		g->sa[k] = da == 1 ? 0 : st;
		st *= da;
	}
	for (st = 1, k = g->nb - 1; k >= 0; k--) {
		int kb = k - (g->nb - nb);

		db = kb >= 0 ? b->dim[kb] : 1;
		g->sb[k] = db == 1 ? 0 : st;
		st *= db;
	}
	g->bflat = nb == 0;
	r = 0;
	for (k = 0; k < g->nb; k++)
		dim[r++] = g->bd[k];
	if (ra > 1)
		dim[r++] = g->m;
	if (rb > 1)
		dim[r++] = g->n;
	if (r > SQC_MAXRANK)
		ir_error(m, in, "result rank %d is too large", r);
	checkout(m, in, y, y->dt, dim, r);
}

static void
run_matmul(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *a = op_input(m, in, x, 0), *b = op_input(m, in, x, 1);
	RtMatMul g;

	op_needf32(m, in, a);
	op_needf32(m, in, b);
	if (y[0]->dt != Df32)
		ir_error(m, in, "inferred result type does not match the "
		    "operands (shape inference bug)");
	fplan_matmul(m, in, a, b, y[0], &g);
	rt_matmul_f32(&g, a->data, b->data, y[0]->data,
	    work(scratch, rt_matmul_f32_work(&g)));
}

/* ---- quantized ops ------------------------------------------------------ */

/* a quantization parameter: per tensor (n == 1) or a vector of n */
typedef struct QP {
	const Tensor *scale, *zero;
	int64_t n;
} QP;

static bool
isq8(DType dt)
{
	return dt == Du8 || dt == Di8;
}

static int32_t
q8(const void *p, DType dt, int64_t k)
{
	return dt == Du8 ? ((const uint8_t *)p)[k] : ((const int8_t *)p)[k];
}

/* scale (f32) and zero point (dt, optional: 0) of data of dtype dt,
 * per tensor or with n values (n = 0: per tensor only) */
static QP
qparam(const Module *m, const Ins *in, const Tensor *const *x, int ks,
    int kz, DType dt, int64_t n, const char *what)
{
	QP q;
	size_t ns;

	q.scale = op_input(m, in, x, ks);
	q.zero = op_optinput(in, x, kz);
	if (q.scale->dt != Df32)
		ir_error(m, in, "%s scale must be f32", what);
	ns = op_numel(q.scale);
	if (q.scale->rank > 1 || (ns != 1 && (n == 0 || ns != (size_t)n)))
		ir_error(m, in, "%s scale must be a scalar%s", what,
		    n ? " or one value per channel" : "");
	q.n = (int64_t)ns;
	if (q.zero) {
		if (q.zero->dt != dt)
			ir_error(m, in, "%s zero point is %s, not %s", what,
			    op_dtname(q.zero->dt), op_dtname(dt));
		if (op_numel(q.zero) != ns)
			ir_error(m, in, "%s zero point and scale differ in "
			    "size", what);
	}
	return q;
}

static float
qscale(const QP *q, int64_t k)
{
	return ((const float *)q->scale->data)[q->n == 1 ? 0 : k];
}

static int32_t
qzero(const QP *q, int64_t k)
{
	if (!q->zero)
		return 0;
	return q8(q->zero->data, q->zero->dt, q->n == 1 ? 0 : k);
}

/* saturate(round_half_even(acc * s) + zero) into element k of y */
static void
requant(void *y, DType dt, int64_t k, int64_t acc, float s, int32_t zero)
{
	float v = nearbyintf((float)acc * s) + (float)zero;
	float lo = dt == Du8 ? 0 : -128, hi = dt == Du8 ? 255 : 127;

	v = v < lo ? lo : v > hi ? hi : v;
	if (dt == Du8)
		((uint8_t *)y)[k] = (uint8_t)v;
	else
		((int8_t *)y)[k] = (int8_t)v;
}

static void
run_qlinear_conv(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *xt = op_input(m, in, x, 0), *wt = op_input(m, in, x, 3);
	const Tensor *bt = op_optinput(in, x, 8), *yz;
	int64_t dim[5], o[2], cpg, mpg, npix;
	int64_t nb, co, ci, ky, kx, oy, ox, t;
	int64_t *acc;
	QP qx, qw, qy;
	DType ydt;
	Geom g;

	if (!isq8(xt->dt) || !isq8(wt->dt))
		ir_error(m, in, "QLinearConv on %s and %s is not supported "
		    "(u8 or i8 only)", op_dtname(xt->dt), op_dtname(wt->dt));
	yz = op_input(m, in, x, 7);
	ydt = yz->dt;
	if (!isq8(ydt))
		ir_error(m, in, "y zero point must be u8 or i8");
	if (bt && (bt->dt != Di32 || bt->rank != 1 ||
	    bt->dim[0] != wt->dim[0]))
		ir_error(m, in, "bias must be an i32 vector of %lld values",
		    (long long)wt->dim[0]);
	geom(m, in, xt, wt, &g);
	qx = qparam(m, in, x, 1, 2, xt->dt, 0, "x");
	qw = qparam(m, in, x, 4, 5, wt->dt, wt->dim[0], "w");
	qy = qparam(m, in, x, 6, 7, ydt, 0, "y");
	t = ir_attrint(in, "group", 1);
	if (t < 1 || xt->dim[1] % t || wt->dim[0] % t ||
	    wt->dim[1] * t != xt->dim[1])
		ir_error(m, in, "input has %lld channels but the weight "
		    "expects %lld (x group %lld)", (long long)xt->dim[1],
		    (long long)wt->dim[1], (long long)t);
	cpg = xt->dim[1] / t;
	mpg = wt->dim[0] / t;
	if (g.nsp == 3)
		ir_error(m, in, "3-d QLinearConv is not supported by the "
		    "interpreter");
	convout(m, in, &g);
	checkout(m, in, y[0], ydt, dim, outdims(&g, xt->dim[0], wt->dim[0],
	    dim));
	/* the 2-D view: dims 1 and 2 of g */
	g.in[0] = g.in[1], g.in[1] = g.in[2];
	g.k[0] = g.k[1], g.k[1] = g.k[2];
	g.s[0] = g.s[1], g.s[1] = g.s[2];
	g.d[0] = g.d[1], g.d[1] = g.d[2];
	g.pb[0] = g.pb[1], g.pb[1] = g.pb[2];
	o[0] = g.out[1];
	o[1] = g.out[2];
	npix = o[0] * o[1];
	acc = arena_alloc(scratch, (size_t)(npix > 0 ? npix : 1) *
	    sizeof *acc);
	for (nb = 0; nb < xt->dim[0]; nb++)
		for (co = 0; co < wt->dim[0]; co++) {
			int64_t grp = co / mpg;
			int32_t wz = qzero(&qw, co), xz = qzero(&qx, 0);
			float s = qscale(&qx, 0) * qscale(&qw, co) /
			    qscale(&qy, 0);

			for (t = 0; t < npix; t++)
				acc[t] = bt ? ((const int32_t *)bt->data)[co]
				    : 0;
			for (ci = 0; ci < cpg; ci++) {
				int64_t xc = (nb * xt->dim[1] + grp * cpg + ci)
				    * g.in[0] * g.in[1];

				for (ky = 0; ky < g.k[0]; ky++)
					for (kx = 0; kx < g.k[1]; kx++) {
						int32_t wv = q8(wt->data,
						    wt->dt, ((co * cpg + ci) *
						    g.k[0] + ky) * g.k[1] + kx)
						    - wz;

						if (wv == 0)
							continue;
						for (oy = 0; oy < o[0]; oy++) {
							int64_t iy = oy * g.s[0]
							    - g.pb[0] +
							    ky * g.d[0];

							if (iy < 0 ||
							    iy >= g.in[0])
								continue;
							for (ox = 0; ox < o[1];
							    ox++) {
								int64_t ix = ox
								    * g.s[1] -
								    g.pb[1] + kx
								    * g.d[1];

								if (ix < 0 ||
								    ix >=
								    g.in[1])
									continue;
								acc[oy * o[1] +
								    ox] += wv *
								    (q8(xt->data,
								    xt->dt, xc +
								    iy * g.in[1]
								    + ix) - xz);
							}
						}
					}
			}
			for (t = 0; t < npix; t++)
				requant(y[0]->data, ydt, (nb * wt->dim[0] +
				    co) * npix + t, acc[t], s, qzero(&qy, 0));
		}
}

static void
run_qlinear_matmul(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *a = op_input(m, in, x, 0), *b = op_input(m, in, x, 3);
	int64_t t, oa, ob, i, j, p, *acc;
	QP qa, qb, qy;
	DType ydt;
	MM g;

	if (!isq8(a->dt) || !isq8(b->dt))
		ir_error(m, in, "QLinearMatMul on %s and %s is not supported "
		    "(u8 or i8 only)", op_dtname(a->dt), op_dtname(b->dt));
	ydt = op_input(m, in, x, 7)->dt;
	if (!isq8(ydt))
		ir_error(m, in, "y zero point must be u8 or i8");
	if (y[0]->dt != ydt)
		ir_error(m, in, "inferred result type does not match the "
		    "operands (shape inference bug)");
	fplan_matmul(m, in, a, b, y[0], &g);
	qa = qparam(m, in, x, 1, 2, a->dt, g.m, "a");
	qb = qparam(m, in, x, 4, 5, b->dt, g.n, "b");
	qy = qparam(m, in, x, 6, 7, ydt, 0, "y");
	acc = arena_alloc(scratch, (size_t)(g.n > 0 ? g.n : 1) * sizeof *acc);
	for (t = 0; t < g.nbatch; t++) {
		rt_matmul_batch(&g, t, &oa, &ob);
		oa *= g.m * g.k;
		ob *= g.k * g.n;
		for (i = 0; i < g.m; i++) {
			int32_t az = qzero(&qa, i);

			for (j = 0; j < g.n; j++)
				acc[j] = 0;
			for (p = 0; p < g.k; p++) {
				int32_t av = q8(a->data, a->dt, oa + i * g.k +
				    p) - az;

				if (av == 0)
					continue;
				for (j = 0; j < g.n; j++)
					acc[j] += av * (q8(b->data, b->dt, ob +
					    p * g.n + j) - qzero(&qb, j));
			}
			for (j = 0; j < g.n; j++)
				requant(y[0]->data, ydt, (t * g.m + i) * g.n +
				    j, acc[j], qscale(&qa, i) * qscale(&qb, j) /
				    qscale(&qy, 0), qzero(&qy, 0));
		}
	}
}

/* ---- the quantized IR's conv, gemm, matmul ------------------------------ */

static bool
isu8(DType dt)
{
	return dt == Du8;
}

/* ---- dynamic quantization (--dynamic; doc/quantization.md section 8.4) --
 * A conv, gemm or matmul with a quantized result whose activation operand is
 * f32 quantizes that operand here from its data, and its f32 bias with the
 * run-time scale; the rest is the static integer path.  Parameters: int8, the
 * seed's ReduceMin/ReduceMax/Abs/Max/Div subgraph with a guard, sx =
 * f32(max(max |x|, 1e-8f) / 127), zero point 0; uint8, ONNX Runtime's
 * DynamicQuantizeLinear: lo = min(min x, 0), hi = max(max x, 0), sx = 1 if
 * lo == hi else f32(f32(hi - lo) / 255), zx = rne(clamp(f32(0 - f32(lo /
 * sx)), 0, 255)).  Both in float32, as the ONNX graph computes them. */

static void
dynparams(const float *x, size_t n, DType dt, float *s, int32_t *z)
{
	float lo = 0, hi = 0, a, zp;
	size_t i;

	for (i = 0; i < n; i++) {
		lo = fminf(lo, x[i]);
		hi = fmaxf(hi, x[i]);
	}
	if (dt == Di8) {
		a = fmaxf(-lo, hi);
		a = fmaxf(a, 1e-8f);
		*s = a / 127.0f;
		*z = 0;
		return;
	}
	*s = lo == hi ? 1.0f : (hi - lo) / 255.0f;
	zp = 0.0f - lo / *s;
	zp = fmaxf(0.0f, fminf(255.0f, zp));
	*z = (int32_t)nearbyintf(zp);
}

/* operand k and its parameters: a quantized operand as it is, an f32 one
 * quantized into scratch with parameters from its data (dtype dt, the
 * result's) */
static const Tensor *
qact(const Module *m, const Ins *in, const Tensor *const *x, int k,
    bool perok, DType dt, Arena *scratch, const QParam **qp)
{
	const Tensor *t = op_input(m, in, x, k);
	const float *xf;
	Tensor *q;
	QParam *p;
	size_t n, i;
	int32_t v;

	if (t->dt != Df32) {
		*qp = op_qin(m, in, k, perok);
		return t;
	}
	if (dt != Di8 && dt != Du8)
		ir_error(m, in, "a dynamically quantized %s needs an i8 or u8 "
		    "result", ir_opname(m, in));
	n = op_numel(t);
	xf = t->data;
	p = arena_alloc(scratch, sizeof *p);
	p->axis = -1;
	p->n = 1;
	p->scale = arena_alloc(scratch, sizeof(float));
	p->zero = arena_alloc(scratch, sizeof(int32_t));
	dynparams(xf, n, dt, p->scale, p->zero);
	q = arena_alloc(scratch, sizeof *q);
	*q = *t;
	q->dt = dt;
	q->nbytes = n;
	q->data = work(scratch, n ? n : 1);
	for (i = 0; i < n; i++) {
		v = qp_quantize(dt == Du8 ? Qu8 : Qi8, xf[i], p->scale[0],
		    p->zero[0]);
		((uint8_t *)q->data)[i] = (uint8_t)(v & 0xff);
	}
	*qp = p;
	return q;
}

/* the i32 bias of a dynamic op from its f32 constant b: qp_bias at scale
 * sx * sw (round half to even; the seed's Floor is fixed), saturated to
 * [-2^31, 2^31 - 128], what the ONNX graph's Round -> Clip -> Cast computes
 * (2^31 - 128 is the largest float below 2^31).  Any other b as it is. */
static const Tensor *
qbias(const Module *m, const Ins *in, const Tensor *b, float sx,
    const QParam *qw, Arena *scratch)
{
	Tensor *q;
	int64_t n, i;
	int32_t *d;

	if (!b || b->dt != Df32)
		return b;
	n = (int64_t)op_numel(b);
	if (qw->n != 1 && n % qw->n != 0)
		ir_error(m, in, "bias of %lld values for %d weight scales",
		    (long long)n, qw->n);
	d = work(scratch, (size_t)(n ? n : 1) * sizeof *d);
	if (qp_bias(b->data, n, sx, qw->scale, qw->n, d) < 0)
		ir_error(m, in, "the bias has a NaN or infinite element");
	for (i = 0; i < n; i++)
		if (d[i] > 2147483520)
			d[i] = 2147483520;
	q = arena_alloc(scratch, sizeof *q);
	*q = *b;
	q->dt = Di32;
	q->data = d;
	q->nbytes = (size_t)n * sizeof *d;
	return q;
}

/* per-channel (axis, n) or per-tensor weight parameters as arrays of n
 * zero points and multipliers */
static long
qmults(const Module *m, const Ins *in, const QParam *qx, const QParam *qw,
    const QParam *qy, int axis, int64_t n, Arena *scratch, int32_t **wz,
    float **mult)
{
	long k, np = qw->n;

	if (qw->n != 1 && (qw->axis != axis || qw->n != n))
		ir_error(m, in, "weight quantized along axis %d with %d values; "
		    "%s needs per tensor or axis %d with %lld", qw->axis, qw->n,
		    ir_opname(m, in), axis, (long long)n);
	*wz = arena_alloc(scratch, (size_t)np * sizeof **wz);
	*mult = arena_alloc(scratch, (size_t)np * sizeof **mult);
	for (k = 0; k < np; k++) {
		(*wz)[k] = qw->zero[k];
		(*mult)[k] = qp_multiplier(qx->scale[0], qw->scale[k],
		    qy->scale[0]);
	}
	return np;
}

static void
run_qconv(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const QParam *qx, *qw = op_qin(m, in, 1, true);
	const QParam *qy = op_qout(m, in, 0, false);
	const Tensor *xt = qact(m, in, x, 0, false, y[0]->dt, scratch, &qx);
	const Tensor *wt = op_input(m, in, x, 1);
	const Tensor *bt = qbias(m, in, op_optinput(in, x, 2), qx->scale[0],
	    qw, scratch);
	int64_t dim[5], group;
	int32_t *wz;
	float *mult;
	long np;
	RtConv p;
	Geom g;

	op_needq8(m, in, xt);
	op_needq8(m, in, wt);
	op_needq8(m, in, y[0]);
	if (bt && (bt->dt != Di32 || bt->rank != 1 || bt->dim[0] != wt->dim[0]))
		ir_error(m, in, "bias must be an i32 vector of %lld values",
		    (long long)wt->dim[0]);
	geom(m, in, xt, wt, &g);
	group = ir_attrint(in, "group", 1);
	if (group < 1 || xt->dim[1] % group || wt->dim[0] % group ||
	    wt->dim[1] * group != xt->dim[1])
		ir_error(m, in, "input has %lld channels but the weight "
		    "expects %lld (x group %lld)", (long long)xt->dim[1],
		    (long long)wt->dim[1], (long long)group);
	if (g.nsp == 3)
		ir_error(m, in, "3-d quantized Conv is not supported by the "
		    "interpreter");
	convout(m, in, &g);
	checkout(m, in, y[0], y[0]->dt, dim, outdims(&g, xt->dim[0],
	    wt->dim[0], dim));
	np = qmults(m, in, qx, qw, qy, 0, wt->dim[0], scratch, &wz, &mult);
	p = conv2d(&g, xt->dim[0], xt->dim[1], wt->dim[0], group);
	rq_conv2d(&p, isu8(xt->dt), xt->data, qx->zero[0], isu8(wt->dt),
	    wt->data, wz, bt ? bt->data : NULL, mult, np, isu8(y[0]->dt),
	    qy->zero[0], y[0]->data, work(scratch, rq_conv2d_work(&p)));
}

static void
run_qgemm(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const QParam *qa, *qb = op_qin(m, in, 1, true);
	const QParam *qy = op_qout(m, in, 0, false);
	const Tensor *a = qact(m, in, x, 0, false, y[0]->dt, scratch, &qa);
	const Tensor *b = op_input(m, in, x, 1);
	const Tensor *c = qbias(m, in, op_optinput(in, x, 2), qa->scale[0], qb,
	    scratch);
	bool ta = ir_attrint(in, "transA", 0) != 0;
	bool tb = ir_attrint(in, "transB", 0) != 0;
	int64_t dim[2], cd[2] = {1, 1};
	int32_t *bz;
	float *mult;
	RqGemm q = {0};
	int k;

	op_needq8(m, in, a);
	op_needq8(m, in, b);
	op_needq8(m, in, y[0]);
	if (ir_attrfloat(in, "alpha", 1) != 1 || ir_attrfloat(in, "beta", 1) != 1)
		ir_error(m, in, "quantized Gemm needs alpha = beta = 1");
	if (a->rank != 2 || b->rank != 2)
		ir_error(m, in, "gemm needs matrices (ranks %d and %d)",
		    a->rank, b->rank);
	q.m = a->dim[ta ? 1 : 0];
	q.k = a->dim[ta ? 0 : 1];
	q.n = b->dim[tb ? 0 : 1];
	if (b->dim[tb ? 1 : 0] != q.k)
		ir_error(m, in, "inner dimensions differ (%lld and %lld)",
		    (long long)q.k, (long long)b->dim[tb ? 1 : 0]);
	dim[0] = q.m;
	dim[1] = q.n;
	checkout(m, in, y[0], y[0]->dt, dim, 2);
	q.nper = qmults(m, in, qa, qb, qy, tb ? 0 : 1, q.n, scratch, &bz,
	    &mult);
	q.au8 = isu8(a->dt);
	q.bu8 = isu8(b->dt);
	q.yu8 = isu8(y[0]->dt);
	q.a = a->data;
	q.ars = ta ? 1 : a->dim[1];
	q.acs = ta ? a->dim[1] : 1;
	q.b = b->data;
	q.brs = tb ? 1 : b->dim[1];
	q.bcs = tb ? b->dim[1] : 1;
	if (c && op_numel(c) > 0) {
		if (c->dt != Di32 || c->rank > 2)
			ir_error(m, in, "C of a quantized Gemm must be i32 and "
			    "broadcast to [M, N]");
		for (k = 0; k < c->rank; k++)
			cd[2 - c->rank + k] = c->dim[k];
		if ((cd[0] != 1 && cd[0] != q.m) || (cd[1] != 1 && cd[1] != q.n))
			ir_error(m, in, "C does not broadcast to [%lld, %lld]",
			    (long long)q.m, (long long)q.n);
		q.c = c->data;
		q.crs = cd[0] == 1 ? 0 : cd[1];
		q.ccs = cd[1] == 1 ? 0 : 1;
	}
	q.az = qa->zero[0];
	q.bz = bz;
	q.mult = mult;
	q.yz = qy->zero[0];
	q.y = y[0]->data;
	rq_gemm(&q, work(scratch, rq_gemm_work(&q)));
}

static void
run_qmatmul(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const QParam *qa, *qb, *qy = op_qout(m, in, 0, false);
	const Tensor *a = qact(m, in, x, 0, false, y[0]->dt, scratch, &qa);
	const Tensor *b = qact(m, in, x, 1, true, y[0]->dt, scratch, &qb);
	int32_t *bz;
	float *mult;
	int64_t t, oa, ob;
	size_t ea = dtype_size(a->dt), eb = 1, ey = 1;
	RqGemm q = {0};
	void *wk;
	MM g;

	op_needq8(m, in, a);
	op_needq8(m, in, b);
	op_needq8(m, in, y[0]);
	fplan_matmul(m, in, a, b, y[0], &g);
	q.nper = qmults(m, in, qa, qb, qy, b->rank - 1, g.n, scratch, &bz,
	    &mult);
	q.m = g.m;
	q.n = g.n;
	q.k = g.k;
	q.au8 = isu8(a->dt);
	q.bu8 = isu8(b->dt);
	q.yu8 = isu8(y[0]->dt);
	q.ars = g.k;
	q.acs = 1;
	q.brs = g.n;
	q.bcs = 1;
	q.az = qa->zero[0];
	q.bz = bz;
	q.mult = mult;
	q.yz = qy->zero[0];
	wk = work(scratch, rq_gemm_work(&q));
	for (t = 0; t < g.nbatch; t++) {
		rt_matmul_batch(&g, t, &oa, &ob);
		q.a = (const char *)a->data + (size_t)(oa * g.m * g.k) * ea;
		q.b = (const char *)b->data + (size_t)(ob * g.k * g.n) * eb;
		q.y = (char *)y[0]->data + (size_t)(t * g.m * g.n) * ey;
		rq_gemm(&q, wk);
	}
}

const ExecImpl exec_impl_qconv[] = {
	{Oconv, run_qconv, 0, 0},
	{Ogemm, run_qgemm, 0, 0},
	{Omatmul, run_qmatmul, 0, 0},
	{0, 0, 0, 0},
};

const ExecImpl exec_impl_conv[] = {
	{Oconv, run_conv, conv_act, fuse_conv},
	{Oconv_transpose, run_conv_transpose, 0, 0},
	{Ogemm, run_gemm, 0, 0},
	{Omatmul, run_matmul, 0, 0},
	{Oqlinear_conv, run_qlinear_conv, 0, 0},
	{Oqlinear_matmul, run_qlinear_matmul, 0, 0},
	{0, 0, 0, 0},
};
