/*
 * op_quant.c — interpreter bindings of the quantized elementwise ops of
 * doc/quantization.md section 8: quantize, dequantize, requantize, and
 * add, mul, relu, clip, leaky_relu, sigmoid on quantized operands.  The
 * quantization parameters come from the operands' and results' types (the
 * q of a Type), the arithmetic from passes/qparams.h (quantize,
 * dequantize) and runtime/qkern.h.  Module.target picks add's semantics:
 * the systolic residual add or ONNX Runtime's QLinearAdd; the rest is the
 * same for both targets.
 *
 * exec_impl_quant is a fragment of quantized implementations: table.c
 * selects it for an instruction that has a quantized operand or result
 * (exec_impl_for), next to the matrix ops' and pools' quantized fragments.
 * What it cannot run (broadcasting other than a scalar b, mixed i8/u8,
 * per-axis parameters where per tensor is needed, nonzero zero points in a
 * systolic add) is a user error naming the node.
 */
#include <math.h>
#include <string.h>

#include "opkit.h"
#include "passes/qparams.h"
#include "runtime/qkern.h"
#include "runtime/qtensor.h"

static bool
sameshape(const Tensor *a, const Tensor *b)
{
	return a->rank == b->rank
	    && memcmp(a->dim, b->dim, (size_t)a->rank * sizeof a->dim[0]) == 0;
}

static int32_t
code(const Tensor *t, size_t k)
{
	return t->dt == Du8 ? ((const uint8_t *)t->data)[k] :
	    ((const int8_t *)t->data)[k];
}

/* the [outer][n][inner] view of t for q (per tensor: n = 1) */
static void
qview(const Module *m, const Ins *in, const Tensor *t, const QParam *q,
    size_t *outer, size_t *inner)
{
	int k;

	*outer = 1;
	*inner = op_numel(t);
	if (q->n == 1 && q->axis < 0)
		return;
	if (q->axis < 0 || q->axis >= t->rank || t->dim[q->axis] != q->n)
		ir_error(m, in, "quantization axis %d with %d values does not "
		    "fit the operand's shape", q->axis, q->n);
	*inner = 1;
	for (k = 0; k < q->axis; k++)
		*outer *= (size_t)t->dim[k];
	for (k = q->axis + 1; k < t->rank; k++)
		*inner *= (size_t)t->dim[k];
}

/* ---- quantize, dequantize, requantize ----------------------------------- */

static void
run_quantize(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const QParam *q = op_qout(m, in, 0, true);
	size_t outer, inner;

	if (t->dt != Df32 || !sameshape(t, y[0]))
		op_mismatch(m, in);
	op_needq8(m, in, y[0]);
	qview(m, in, y[0], q, &outer, &inner);
	/* the generated C's helper (runtime/qtensor.h): the same code */
	sqc_quantize(t->data, outer, (size_t)q->n, inner, q->scale, q->zero,
	    y[0]->dt == Du8, y[0]->data);
}

static void
run_dequantize(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const QParam *q = op_qin(m, in, 0, true);
	size_t outer, inner;

	if (y[0]->dt != Df32 || !sameshape(t, y[0]))
		op_mismatch(m, in);
	if (t->dt != Di32)
		op_needq8(m, in, t);
	qview(m, in, t, q, &outer, &inner);
	sqc_dequantize(t->data, t->dt == Di32 ? SQC_Q_I32 : t->dt == Du8 ? SQC_Q_U8 :
	    SQC_Q_I8, outer, (size_t)q->n, inner, q->scale, q->zero, y[0]->data);
}

static void
run_requantize(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	const QParam *qi = op_qin(m, in, 0, false);
	const QParam *qo = op_qout(m, in, 0, false);
	size_t n = op_numel(t);

	if (!sameshape(t, y[0]))
		op_mismatch(m, in);
	op_needq8(m, in, t);
	op_needq8(m, in, y[0]);
	sqc_requantize(n, t->dt == Du8, t->data, qi->scale[0], qi->zero[0],
	    y[0]->dt == Du8, qo->scale[0], qo->zero[0], y[0]->data);
}

/* ---- add, mul ----------------------------------------------------------- */

/* a and b i8/u8 of one dtype, y the same; b a scalar or a's shape */
static bool
binargs(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y)
{
	const Tensor *a = op_input(m, in, x, 0), *b = op_input(m, in, x, 1);

	op_needq8(m, in, a);
	if (b->dt != a->dt || y[0]->dt != a->dt)
		ir_error(m, in, "quantized %s needs operands and result of one "
		    "element type (%s, %s, %s)", ir_opname(m, in),
		    op_dtname(a->dt), op_dtname(b->dt), op_dtname(y[0]->dt));
	if (!sameshape(a, y[0]))
		ir_error(m, in, "quantized %s does not broadcast its first "
		    "operand", ir_opname(m, in));
	if (sameshape(a, b))
		return false;
	if (op_numel(b) != 1)
		ir_error(m, in, "quantized %s broadcasts only a scalar second "
		    "operand", ir_opname(m, in));
	return true;
}

static void
run_qadd(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	bool bs = binargs(m, in, x, y);
	const QParam *qa = op_qin(m, in, 0, false), *qb = op_qin(m, in, 1, false);
	const QParam *qy = op_qout(m, in, 0, false);

	if (op_target(m) == QT_SYSTOLIC) {
		if (x[0]->dt != Di8 || qa->zero[0] || qb->zero[0] ||
		    qy->zero[0])
			ir_error(m, in, "the systolic add needs i8 operands "
			    "with zero points 0");
		rq_resadd(op_numel(x[0]), x[0]->data,
		    qp_multiplier(qa->scale[0], 1, qy->scale[0]), x[1]->data,
		    qp_multiplier(qb->scale[0], 1, qy->scale[0]), bs,
		    y[0]->data);
		return;
	}
	rq_qladd(op_numel(x[0]), x[0]->dt == Du8, x[0]->data, qa->scale[0],
	    qa->zero[0], x[1]->data, qb->scale[0], qb->zero[0], bs,
	    qy->scale[0], qy->zero[0], y[0]->data);
}

static void
run_qmul(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	bool bs = binargs(m, in, x, y);
	const QParam *qa = op_qin(m, in, 0, false), *qb = op_qin(m, in, 1, false);
	const QParam *qy = op_qout(m, in, 0, false);

	rq_qlmul(op_numel(x[0]), x[0]->dt == Du8, x[0]->data, qa->scale[0],
	    qa->zero[0], x[1]->data, qb->scale[0], qb->zero[0], bs,
	    qy->scale[0], qy->zero[0], y[0]->data);
}

/* ---- activations -------------------------------------------------------- */

/* x and y i8/u8 of one dtype and shape */
static const Tensor *
unargs(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y)
{
	const Tensor *t = op_input(m, in, x, 0);

	op_needq8(m, in, t);
	if (y[0]->dt != t->dt || !sameshape(t, y[0]))
		ir_error(m, in, "quantized %s needs a result of its operand's "
		    "element type and shape", ir_opname(m, in));
	return t;
}

/* clamp codes to [lo, hi] */
static void
clampcodes(const Tensor *t, Tensor *y, int32_t lo, int32_t hi)
{
	sqc_clamp_codes(op_numel(t), t->dt == Du8, t->data, lo, hi, y->data);
}

static void
run_qrelu(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = unargs(m, in, x, y);
	const QParam *q = op_qin(m, in, 0, false);

	clampcodes(t, y[0], q->zero[0], t->dt == Du8 ? 255 : 127);
}

/* a clip bound: a scalar constant of x's dtype, or omitted (dflt) */
static int32_t
bound(const Module *m, const Ins *in, const Tensor *const *x, int k,
    const Tensor *t, int32_t dflt)
{
	const Tensor *b = op_optinput(in, x, k);

	if (!b || op_numel(b) == 0)
		return dflt;
	if (b->dt != t->dt || op_numel(b) != 1)
		ir_error(m, in, "the bounds of a quantized Clip must be scalars "
		    "of the operand's element type");
	return code(b, 0);
}

static void
run_qclip(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = unargs(m, in, x, y);
	bool u8 = t->dt == Du8;

	clampcodes(t, y[0], bound(m, in, x, 1, t, u8 ? 0 : -128),
	    bound(m, in, x, 2, t, u8 ? 255 : 127));
}

static void
run_qleaky_relu(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = unargs(m, in, x, y);
	const QParam *qx = op_qin(m, in, 0, false), *qy = op_qout(m, in, 0, false);
	uint8_t table[256];

	rq_lut_leaky_relu(table, t->dt == Du8, qx->scale[0], qx->zero[0],
	    qy->scale[0], qy->zero[0], ir_attrfloat(in, "alpha", 0.01f));
	rq_lut(table, t->data, y[0]->data, op_numel(t));
}

static void
run_qsigmoid(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = unargs(m, in, x, y);
	const QParam *qx = op_qin(m, in, 0, false), *qy = op_qout(m, in, 0, false);
	uint8_t table[256];

	rq_lut_sigmoid(table, t->dt == Du8, qx->scale[0], qx->zero[0],
	    qy->scale[0], qy->zero[0]);
	rq_lut(table, t->data, y[0]->data, op_numel(t));
}

const ExecImpl exec_impl_quant[] = {
	{Oquantize, run_quantize, 0, 0},
	{Odequantize, run_dequantize, 0, 0},
	{Orequantize, run_requantize, 0, 0},
	{Oadd, run_qadd, 0, 0},
	{Omul, run_qmul, 0, 0},
	{Orelu, run_qrelu, 0, 0},
	{Oclip, run_qclip, 0, 0},
	{Oleaky_relu, run_qleaky_relu, 0, 0},
	{Osigmoid, run_qsigmoid, 0, 0},
	{0, 0, 0, 0},
};
