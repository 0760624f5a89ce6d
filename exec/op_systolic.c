/*
 * op_systolic.c — interpreter bindings of the systolic back half's forms
 * (doc/systolic.md section 1): quantized conv and max_pool on nhwc values,
 * packed weights (hwio, ckk, kn), and the fused `relu` and `maxpool`
 * attributes.
 *
 * A conv that Gemmini's kernels can express (square kernel, equal strides
 * and dilations, four equal pads, zero points 0, per-tensor scales, hwio or
 * ckk weights) runs through runtime/systolic.h's tiled_conv_auto /
 * tiled_conv_dw_auto, the functions the generated C calls, so the two agree
 * by construction; any other nhwc conv runs runtime/nhwc.h's
 * sqc_conv_nhwc, a direct loop with the same arithmetic (int32
 * accumulation, f32 multiplier, round half to even, saturation, relu,
 * Gemmini's pool).  max_pool on nhwc values is ONNX's MaxPool
 * (sqc_maxpool_nhwc).  The generated C calls the same functions.  On the
 * systolic target, matmul and gemm run tiled_matmul_auto and add
 * tiled_resadd_auto wherever those compute the quantized op exactly (i8,
 * zero points 0, per-tensor scales: the conditions backend/emitc.c uses, so
 * interpreter and generated C call the same kernel); otherwise, and on the
 * ort target, matmul, gemm and add with `relu = 1` run their quantized
 * implementation (exec_impl_q) and then take max(y, zero point).
 *
 * exec_impl_systolic is the fragment table.c consults first for an
 * instruction op_systolic() accepts.
 */
#include <string.h>

#include "opkit.h"
#include "passes/qparams.h"
#include "runtime/nhwc.h"
#include "runtime/qkern.h"
#include "runtime/systolic.h"
#include "sysconv.h"

static bool
nhwcin(const Module *m, const Ins *in)
{
	return in->in[0].kind == Rval && m->val[in->in[0].idx].type.layout == Lnhwc;
}

bool
op_systolic(const Module *m, const Ins *in)
{
	if ((in->op == Oconv || in->op == Omax_pool) && nhwcin(m, in) &&
	    in->nout >= 1 && in->out[0] >= 0 && m->val[in->out[0]].type.q)
		return true;
	if (in->op != Omatmul && in->op != Ogemm && in->op != Oadd)
		return false;
	if (ir_attrint(in, "relu", 0) != 0)
		return true;
	/* on the systolic target the Gemmini kernels run them (as in the
	 * generated C) wherever they compute the quantized op exactly */
	return m->target && strcmp(m->target, "systolic") == 0 && in->nout >= 1 &&
	    in->out[0] >= 0 && m->val[in->out[0]].type.q;
}

/* ---- conv ---------------------------------------------------------------- */

static void
run_sconv(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *xt = op_input(m, in, x, 0), *wt = op_input(m, in, x, 1);
	const Tensor *bt = op_optinput(in, x, 2);
	const QParam *qx = op_qin(m, in, 0, false), *qw = op_qin(m, in, 1, true);
	const QParam *qy = op_qout(m, in, 0, false);
	const char *why;
	float *mult;
	int32_t *wz;
	int64_t k;
	SqcConvNhwc c;

	op_needq8(m, in, xt);
	op_needq8(m, in, wt);
	op_needq8(m, in, y[0]);
	if (bt && bt->dt != Di32)
		ir_error(m, in, "a quantized conv's bias must be i32");
	why = sysconv_plan(m, in, &c);
	mult = arena_alloc(scratch, (size_t)qw->n * sizeof(float));
	wz = arena_alloc(scratch, (size_t)qw->n * sizeof(int32_t));
	for (k = 0; k < qw->n; k++) {
		mult[k] = qp_multiplier(qx->scale[0], qw->scale[k], qy->scale[0]);
		wz[k] = qw->zero[k];
	}
	if (!why && c.wl == SQC_W_HWIO) {
		tiled_conv_auto((int)c.n, (int)c.ih, (int)c.iw, (int)c.ci, (int)c.co,
		    (int)c.oh, (int)c.ow, (int)c.s[0], 1, (int)c.d[0], (int)c.p[0],
		    (int)c.kh, false, false, false, false, false, xt->data, wt->data,
		    bt ? bt->data : NULL, y[0]->data, c.relu ? RELU : NO_ACTIVATION,
		    mult[0], c.pool ? (int)c.pk : 0, c.pool ? (int)c.ps : 0,
		    c.pool ? (int)c.pp : 0, CPU);
		return;
	}
	if (!why) {	/* ckk: depthwise */
		tiled_conv_dw_auto((int)c.n, (int)c.ih, (int)c.iw, (int)c.co, (int)c.oh,
		    (int)c.ow, (int)c.s[0], (int)c.p[0], (int)c.kh, xt->data,
		    wt->data, bt ? bt->data : NULL, y[0]->data,
		    c.relu ? RELU : NO_ACTIVATION, mult[0], c.pool ? (int)c.pk : 0,
		    c.pool ? (int)c.ps : 0, c.pool ? (int)c.pp : 0, CPU);
		return;
	}
	sqc_conv_nhwc(&c, xt->dt == Du8, xt->data, qx->zero[0], wt->dt == Du8,
	    wt->data, wz, qw->n, bt ? bt->data : NULL, mult, qy->zero[0],
	    y[0]->dt == Du8, y[0]->data, arena_alloc(scratch, sqc_conv_nhwc_work(&c)));
}

/* ---- max_pool (ONNX's, on nhwc codes) ------------------------------------- */

static void
run_smaxpool(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *xt = op_input(m, in, x, 0);
	int64_t kb[2], sb[2], db[2], pb[4];
	const int64_t *k, *s, *d, *p;
	int64_t n, ih, iw, c, oh, ow;

	(void)scratch;
	op_needq8(m, in, xt);
	if (xt->rank != 4 || (in->nout > 1 && in->out[1] >= 0))
		ir_error(m, in, "an nhwc max_pool needs 4-D values and no indices");
	if (ir_getattr(in, "auto_pad") && !op_streq(ir_getattr(in, "auto_pad"), "NOTSET"))
		ir_error(m, in, "an nhwc max_pool needs explicit pads (auto_pad NOTSET)");
	k = ir_attrints(in, "kernel_shape", 2, 1, kb);
	s = ir_attrints(in, "strides", 2, 1, sb);
	d = ir_attrints(in, "dilations", 2, 1, db);
	p = ir_attrints(in, "pads", 4, 0, pb);
	n = xt->dim[0], ih = xt->dim[1], iw = xt->dim[2], c = xt->dim[3];
	oh = y[0]->dim[1], ow = y[0]->dim[2];
	if (y[0]->dim[0] != n || y[0]->dim[3] != c || y[0]->dt != xt->dt)
		op_mismatch(m, in);
	sqc_maxpool_nhwc(xt->dt == Du8, xt->data, n, ih, iw, c, oh, ow, k, s, d,
	    p, y[0]->data);
}

/* ---- matmul, gemm, add: Gemmini's kernels where exact ----------------------- */

static bool
zero8(const Tensor *t, const QParam *q)
{
	return t && t->dt == Di8 && q && q->n == 1 && q->zero[0] == 0;
}

/* tiled_matmul_auto for a 2-D product with i8 operands, zero points 0 and
 * per-tensor scales, A not transposed, C per column or per element (the
 * conditions backend/emitc.c uses); false if it does not apply */
static bool
tiledmm(const Module *m, const Ins *in, const Tensor *const *x, Tensor *const *y,
    bool relu)
{
	const Tensor *a = x[0], *b = x[1], *c = in->nin > 2 ? x[2] : NULL;
	const QParam *qa = ir_reftype((Module *)m, in->in[0])->q;
	const QParam *qb = ir_reftype((Module *)m, in->in[1])->q;
	const QParam *qy = m->val[in->out[0]].type.q;
	bool tb = in->op == Ogemm && ir_attrint(in, "transB", 0) != 0, rep;
	int64_t mm, n, k;

	if (!a || !b || !zero8(a, qa) || !zero8(b, qb) || !zero8(y[0], qy) ||
	    a->rank != 2 || b->rank != 2 || y[0]->rank != 2 ||
	    (in->op == Ogemm && (ir_attrint(in, "transA", 0) != 0 ||
	    ir_attrfloat(in, "alpha", 1) != 1 || ir_attrfloat(in, "beta", 1) != 1)))
		return false;
	mm = a->dim[0], k = a->dim[1], n = b->dim[tb ? 0 : 1];
	if (b->dim[tb ? 1 : 0] != k || y[0]->dim[0] != mm || y[0]->dim[1] != n)
		return false;
	if (c && op_numel(c) > 0) {
		if (c->dt != Di32 || !((c->rank == 1 && c->dim[0] == n) ||
		    (c->rank == 2 && c->dim[1] == n && (c->dim[0] == 1 || c->dim[0] == mm))))
			return false;
		rep = c->rank == 1 || c->dim[0] == 1;
	} else {
		c = NULL;
		rep = false;
	}
	tiled_matmul_auto((size_t)mm, (size_t)n, (size_t)k, a->data, b->data,
	    c ? c->data : NULL, y[0]->data, (size_t)k, (size_t)(tb ? k : n),
	    (size_t)n, (size_t)n, MVIN_SCALE_IDENTITY, MVIN_SCALE_IDENTITY,
	    MVIN_SCALE_IDENTITY, relu ? RELU : NO_ACTIVATION,
	    qp_multiplier(qa->scale[0], qb->scale[0], qy->scale[0]), 0, rep, false,
	    tb, false, false, 0, CPU);
	return true;
}

/* tiled_resadd_auto for the systolic add of two equal-shape i8 operands */
static bool
tiledadd(const Module *m, const Ins *in, const Tensor *const *x, Tensor *const *y,
    bool relu)
{
	const Tensor *a = x[0], *b = x[1];
	const QParam *qa = ir_reftype((Module *)m, in->in[0])->q;
	const QParam *qb = ir_reftype((Module *)m, in->in[1])->q;
	const QParam *qy = m->val[in->out[0]].type.q;
	size_t n, cols;

	if (!m->target || strcmp(m->target, "systolic") != 0 || !a || !b ||
	    !zero8(a, qa) || !zero8(b, qb) || !zero8(y[0], qy) ||
	    a->rank != b->rank || memcmp(a->dim, b->dim, (size_t)a->rank * sizeof a->dim[0]) != 0 ||
	    op_numel(a) != op_numel(y[0]))
		return false;
	n = op_numel(a);
	cols = a->rank > 0 && a->dim[a->rank - 1] > 0 ? (size_t)a->dim[a->rank - 1] : 1;
	if (n % cols)
		cols = 1;
	tiled_resadd_auto(n / cols, cols, qp_multiplier(qa->scale[0], 1, qy->scale[0]),
	    qp_multiplier(qb->scale[0], 1, qy->scale[0]), 1.0f, a->data, b->data,
	    y[0]->data, relu, CPU);
	return true;
}

static void
run_withrelu(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const ExecImpl *e = exec_impl_q(in->op);
	const QParam *qy = op_qout(m, in, 0, false);
	size_t k, n = op_numel(y[0]);
	int32_t z = qy->zero[0];
	bool relu = ir_attrint(in, "relu", 0) != 0;

	if (in->op == Oadd ? tiledadd(m, in, x, y, relu) : tiledmm(m, in, x, y, relu))
		return;
	if (!e)
		die("run_withrelu: no quantized %s", optab[in->op].name);
	e->run(m, in, x, y, scratch);
	if (!relu)
		return;
	op_needq8(m, in, y[0]);
	for (k = 0; k < n; k++) {
		if (y[0]->dt == Du8) {
			uint8_t *p = y[0]->data;
			if (p[k] < z)
				p[k] = (uint8_t)z;
		} else {
			int8_t *p = y[0]->data;
			if (p[k] < z)
				p[k] = (int8_t)z;
		}
	}
}

const ExecImpl exec_impl_systolic[] = {
	{Oconv, run_sconv, 0, 0},
	{Omax_pool, run_smaxpool, 0, 0},
	{Omatmul, run_withrelu, 0, 0},
	{Ogemm, run_withrelu, 0, 0},
	{Oadd, run_withrelu, 0, 0},
	{0, 0, 0, 0},
};
