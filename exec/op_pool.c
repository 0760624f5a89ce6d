/*
 * op_pool.c — interpreter bindings of MaxPool (with its Indices output),
 * AveragePool, GlobalAveragePool, LRN, Softmax, ReduceMean and
 * BatchNormalization (inference, and training mode's batch statistics).
 * Attributes are resolved here (auto_pad into explicit pads, Softmax's
 * opset-dependent axis semantics, ReduceMean's axes attribute or input: in
 * fplan_softmax / fplan_reduce_mean, exec/fplan.h, shared with the C
 * backend) and the runtime/pool.h kernels do the arithmetic.
 *
 * exec_impl_qpool holds the quantized IR's AveragePool and
 * GlobalAveragePool (doc/quantization.md section 8), which table.c selects
 * for quantized instructions: ONNX Runtime's QLinearAveragePool and
 * QLinearGlobalAveragePool (runtime/qkern.h), for either target.  An
 * AveragePool whose window is the whole unpadded plane runs as the global
 * pool, as ONNX Runtime does.  (MaxPool on i8/u8 codes is the float op's
 * binding above: the quantized IR passes it through.)
 */
#include <math.h>
#include <string.h>

#include "fplan.h"
#include "opkit.h"
#include "runtime/pool.h"
#include "runtime/qkern.h"

/* an ints attribute of exactly n elements into v, or dflt for each */
static void
intsattr(const Module *m, const Ins *in, const char *name, int n,
    int64_t *v, int64_t dflt)
{
	Attr *a = ir_getattr(in, name);
	int k;

	if (!a || (a->kind == Aints && a->n == 0)) {
		for (k = 0; k < n; k++)
			v[k] = dflt;
		return;
	}
	if (a->kind != Aints || a->n != n)
		ir_error(m, in, "attribute %s must have %d integers", name, n);
	for (k = 0; k < n; k++)
		v[k] = a->ints[k];
}

/* Window parameters of a pool: x [N][C][spatial...] -> y of the same rank
 * with y's spatial dims as inferred. */
static void
poolparams(const Module *m, const Ins *in, const Tensor *x, const Tensor *y,
    RtPool *p)
{
	int64_t pads[2 * RT_POOL_MAXSP], total;
	Attr *a;
	int k, nsp;

	nsp = x->rank - 2;
	if (nsp < 1 || nsp > RT_POOL_MAXSP)
		ir_error(m, in, "%d-D pooling is not supported by the interpreter "
		    "(1-D to 3-D are)", nsp);
	if (y->rank != x->rank || y->dim[0] != x->dim[0]
	    || y->dim[1] != x->dim[1])
		op_mismatch(m, in);
	p->nsp = nsp;
	if (!ir_getattr(in, "kernel_shape"))
		ir_error(m, in, "attribute kernel_shape is missing");
	intsattr(m, in, "kernel_shape", nsp, p->k, 1);
	intsattr(m, in, "strides", nsp, p->s, 1);
	intsattr(m, in, "dilations", nsp, p->d, 1);
	intsattr(m, in, "pads", 2 * nsp, pads, 0);
	a = ir_getattr(in, "auto_pad");
	if (a && a->kind != Astr)
		a = NULL;
	for (k = 0; k < nsp; k++) {
		if (p->k[k] < 1 || p->s[k] < 1 || p->d[k] < 1)
			ir_error(m, in, "kernel_shape, strides and dilations "
			    "must be positive");
		p->pb[k] = pads[k];
		p->pe[k] = pads[nsp + k];
		if (a && a->s.len && !op_streq(a, "NOTSET")) {
			p->pb[k] = p->pe[k] = 0;
			if (op_streq(a, "VALID"))
				continue;
			total = (y->dim[2 + k] - 1) * p->s[k]
			    + (p->k[k] - 1) * p->d[k] + 1 - x->dim[2 + k];
			total = total > 0 ? total : 0;
			if (op_streq(a, "SAME_UPPER")) {
				p->pb[k] = total / 2;
				p->pe[k] = total - total / 2;
			} else if (op_streq(a, "SAME_LOWER")) {
				p->pe[k] = total / 2;
				p->pb[k] = total - total / 2;
			} else {
				ir_error(m, in, "auto_pad '%.*s' is not one of "
				    "NOTSET, VALID, SAME_UPPER, SAME_LOWER",
				    (int)a->s.len, (const char *)a->s.data);
			}
		}
		if (p->pb[k] < 0 || p->pe[k] < 0)
			ir_error(m, in, "pads must not be negative");
	}
}

static void
run_max_pool(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	Tensor *idx = in->nout > 1 ? y[1] : NULL;
	RtPool p;

	poolparams(m, in, t, y[0], &p);
	if (y[0]->dt != t->dt)
		op_mismatch(m, in);
	if (idx && (idx->dt != Di64 || idx->rank != y[0]->rank
	    || memcmp(idx->dim, y[0]->dim, (size_t)idx->rank * sizeof idx->dim[0])))
		op_mismatch(m, in);
	if (!rt_maxpool((RtType)t->dt, t->data, t->dim[0] * t->dim[1],
	    t->dim + 2, y[0]->dim + 2, &p, y[0]->data,
	    idx ? idx->data : NULL, ir_attrint(in, "storage_order", 0) == 1))
		ir_error(m, in, "MaxPool on %s is not supported by the "
		    "interpreter (f32, u8, i8 are)", op_dtname(t->dt));
}

static void
run_average_pool(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	RtPool p;

	op_needf32(m, in, t);
	poolparams(m, in, t, y[0], &p);
	if (y[0]->dt != Df32)
		op_mismatch(m, in);
	rt_avgpool_f32(t->data, t->dim[0] * t->dim[1], t->dim + 2,
	    y[0]->dim + 2, &p, ir_attrint(in, "count_include_pad", 0) != 0,
	    y[0]->data);
}

static void
run_global_average_pool(const Module *m, const Ins *in,
    const Tensor *const *x, Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);

	op_needf32(m, in, t);
	if (t->rank < 2 || y[0]->dt != Df32
	    || op_numel(y[0]) != (size_t)(t->dim[0] * t->dim[1]))
		op_mismatch(m, in);
	rt_global_avgpool_f32(t->data, t->dim[0] * t->dim[1],
	    op_product(t->dim, 2, t->rank), y[0]->data);
}

static void
run_lrn(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	int64_t size = ir_attrint(in, "size", 0);

	op_needf32(m, in, t);
	if (size < 1)
		ir_error(m, in, "attribute size must be a positive integer");
	if (t->rank < 2 || op_numel(y[0]) != op_numel(t) || y[0]->dt != Df32)
		op_mismatch(m, in);
	rt_lrn_f32(t->data, t->dim[0], t->dim[1], op_product(t->dim, 2, t->rank),
	    size, ir_attrfloat(in, "alpha", 1e-4f),
	    ir_attrfloat(in, "beta", 0.75f), ir_attrfloat(in, "bias", 1.0f),
	    y[0]->data);
}

/* Softmax: opset < 13 flattens to 2-D at axis (default 1) and normalises
 * each row; opset >= 13 normalises along the one axis (default -1). */
void
fplan_softmax(const Module *m, const Ins *in, const Tensor *t,
    const Tensor *y, int64_t *outer, int64_t *n, int64_t *inner)
{
	bool old = ir_opset(m, "") < 13;
	int64_t axis = ir_attrint(in, "axis", old ? 1 : -1), a;

	op_needf32(m, in, t);
	if (op_numel(y) != op_numel(t) || y->dt != Df32)
		op_mismatch(m, in);
	a = axis < 0 ? axis + t->rank : axis;
	if (t->rank == 0 && (axis == 0 || axis == -1)) {
		*outer = *n = *inner = 1;
		return;
	}
	if (a < 0 || a > t->rank || (a == t->rank && !old))
		ir_error(m, in, "axis %lld is out of range for rank %d",
		    (long long)axis, t->rank);
	*outer = op_product(t->dim, 0, (int)a);
	if (old) {
		*n = op_product(t->dim, (int)a, t->rank);
		*inner = 1;
	} else {
		*n = t->dim[a];
		*inner = op_product(t->dim, (int)a + 1, t->rank);
	}
}

static void
run_softmax(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	int64_t outer, n, inner;

	fplan_softmax(m, in, t, y[0], &outer, &n, &inner);
	rt_softmax_f32(t->data, outer, n, inner, y[0]->data);
}

/* ReduceMean: axes from the attribute (opset < 18) or the optional second
 * input; no axes means all of them, unless noop_with_empty_axes. */
bool
fplan_reduce_mean(const Module *m, const Ins *in, const Tensor *t,
    const Tensor *ax, const Tensor *y, unsigned *mask)
{
	int64_t v;
	size_t n = 0, k, ny;
	Attr *a;

	op_needf32(m, in, t);
	if (y->dt != Df32)
		op_mismatch(m, in);
	*mask = 0;
	a = ir_getattr(in, "axes");
	if (ax) {
		if (ax->dt != Di64 && ax->dt != Di32)
			ir_error(m, in, "axes must be i64");
		n = op_numel(ax);
	} else if (a && a->kind == Aints) {
		n = (size_t)a->n;
	}
	for (k = 0; k < n; k++) {
		v = ax ? (ax->dt == Di64 ? ((const int64_t *)ax->data)[k]
		    : ((const int32_t *)ax->data)[k]) : a->ints[k];
		if (v < -t->rank || v >= t->rank)
			ir_error(m, in, "axis %lld is out of range for rank %d",
			    (long long)v, t->rank);
		*mask |= 1u << (v < 0 ? v + t->rank : v);
	}
	if (n == 0) {
		if (ir_attrint(in, "noop_with_empty_axes", 0)) {
			if (op_numel(y) != op_numel(t))
				op_mismatch(m, in);
			return false;
		}
		*mask = t->rank ? (1u << t->rank) - 1 : 0;
	}
	ny = 1;
	for (k = 0; k < (size_t)t->rank; k++)
		if (!(*mask >> k & 1))
			ny *= (size_t)t->dim[k];
	if (op_numel(y) != ny)
		op_mismatch(m, in);
	return true;
}

static void
run_reduce_mean(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const Tensor *ax = in->nin > 1 ? x[1] : NULL;
	unsigned mask;

	if (!fplan_reduce_mean(m, in, t, ax, y[0], &mask)) {
		memcpy(y[0]->data, t->data, op_numel(t) * sizeof(float));
		return;
	}
	rt_reduce_mean_f32(t->data, t->dim, t->rank, mask, y[0]->data);
}

static const float *
bnparam(const Module *m, const Ins *in, const Tensor *const *x, int k,
    int64_t c, const char *what)
{
	const Tensor *t = op_input(m, in, x, k);

	if (t->dt != Df32)
		ir_error(m, in, "%s is %s; the interpreter needs f32", what,
		    op_dtname(t->dt));
	if (op_numel(t) != (size_t)c)
		ir_error(m, in, "%s has %zu elements, not one per channel (%lld); "
		    "spatial=0 is not supported", what, op_numel(t), (long long)c);
	return t->data;
}

static void
run_batch_normalization(const Module *m, const Ins *in,
    const Tensor *const *x, Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const float *sc, *b, *mean, *var;
	float eps = ir_attrfloat(in, "epsilon", 1e-5f);
	float mom = ir_attrfloat(in, "momentum", 0.9f);
	float *bm, *bv;
	int64_t n, c, inner, k;
	bool train;
	int o;

	op_needf32(m, in, t);
	if (t->rank < 2)
		ir_error(m, in, "the operand must have a channel dimension");
	if (op_numel(y[0]) != op_numel(t) || y[0]->dt != Df32)
		op_mismatch(m, in);
	n = t->dim[0];
	c = t->dim[1];
	inner = op_product(t->dim, 2, t->rank);
	sc = bnparam(m, in, x, 1, c, "scale");
	b = bnparam(m, in, x, 2, c, "bias");
	mean = bnparam(m, in, x, 3, c, "mean");
	var = bnparam(m, in, x, 4, c, "var");
	train = ir_attrint(in, "training_mode", 0) != 0;
	for (o = 1; o < in->nout; o++)
		if (y[o] && ir_opset(m, "") < 14)
			train = true;
	if (!train) {
		rt_batchnorm_f32(t->data, n, c, inner, sc, b, mean, var, eps,
		    y[0]->data);
		return;
	}
	/* training mode: normalise with the batch's statistics; the running
	 * statistics are blended with momentum; saved_* are the batch's */
	bm = arena_alloc(scratch, (size_t)c * sizeof *bm);
	bv = arena_alloc(scratch, (size_t)c * sizeof *bv);
	rt_moments_f32(t->data, n, c, inner, bm, bv);
	rt_batchnorm_f32(t->data, n, c, inner, sc, b, bm, bv, eps, y[0]->data);
	for (o = 1; o < in->nout && o < 5; o++) {
		float *r;

		if (!y[o])
			continue;
		if (y[o]->dt != Df32 || op_numel(y[o]) != (size_t)c)
			op_mismatch(m, in);
		r = y[o]->data;
		for (k = 0; k < c; k++)
			switch (o) {
			case 1: r[k] = mean[k] * mom + bm[k] * (1 - mom); break;
			case 2: r[k] = var[k] * mom + bv[k] * (1 - mom); break;
			case 3: r[k] = bm[k]; break;
			default: r[k] = bv[k]; break;
			}
	}
}

/* ---- the quantized IR's pools ------------------------------------------ */

static void
run_qaverage_pool(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const QParam *qx = op_qin(m, in, 0, false), *qy = op_qout(m, in, 0, false);
	bool global = true;
	int64_t sp;
	RtPool p;
	int k;

	op_needq8(m, in, t);
	poolparams(m, in, t, y[0], &p);
	if (y[0]->dt != t->dt)
		ir_error(m, in, "quantized AveragePool needs a result of its "
		    "operand's element type");
	for (k = 0; k < p.nsp; k++) {
		if (p.d[k] != 1)
			ir_error(m, in, "quantized AveragePool with dilations "
			    "is not supported");
		if (p.k[k] != t->dim[2 + k] || p.pb[k] || p.pe[k])
			global = false;
	}
	sp = op_product(t->dim, 2, t->rank);
	if (global) {
		rq_gavgpool(t->dt == Du8, t->data, t->dim[0] * t->dim[1], sp,
		    qx->scale[0], qx->zero[0], qy->scale[0], qy->zero[0],
		    y[0]->data);
		return;
	}
	rq_avgpool(t->dt == Du8, t->data, t->dim[0] * t->dim[1], t->dim + 2,
	    y[0]->dim + 2, &p, ir_attrint(in, "count_include_pad", 0) != 0,
	    qx->scale[0], qx->zero[0], qy->scale[0], qy->zero[0], y[0]->data,
	    arena_alloc(scratch, op_numel(t) * sizeof(float) + 1));
}

static void
run_qglobal_average_pool(const Module *m, const Ins *in,
    const Tensor *const *x, Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const QParam *qx = op_qin(m, in, 0, false), *qy = op_qout(m, in, 0, false);

	op_needq8(m, in, t);
	if (t->rank < 2 || y[0]->dt != t->dt
	    || op_numel(y[0]) != (size_t)(t->dim[0] * t->dim[1]))
		op_mismatch(m, in);
	rq_gavgpool(t->dt == Du8, t->data, t->dim[0] * t->dim[1],
	    op_product(t->dim, 2, t->rank), qx->scale[0], qx->zero[0],
	    qy->scale[0], qy->zero[0], y[0]->data);
}

const ExecImpl exec_impl_qpool[] = {
	{Oaverage_pool, run_qaverage_pool, 0, 0},
	{Oglobal_average_pool, run_qglobal_average_pool, 0, 0},
	{0, 0, 0, 0},
};

const ExecImpl exec_impl_pool[] = {
	{Omax_pool, run_max_pool, 0, 0},
	{Oaverage_pool, run_average_pool, 0, 0},
	{Oglobal_average_pool, run_global_average_pool, 0, 0},
	{Olrn, run_lrn, 0, 0},
	{Osoftmax, run_softmax, 0, 0},
	{Oreduce_mean, run_reduce_mean, 0, 0},
	{Obatch_normalization, run_batch_normalization, 0, 0},
	{0, 0, 0, 0},
};
