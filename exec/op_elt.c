/*
 * op_elt.c — interpreter bindings of the elementwise ops: Add Sub Mul Div Pow
 * (NumPy broadcasting), the activations Relu Clip LeakyRelu Sigmoid
 * HardSigmoid HardSwish Tanh Sqrt, and QuantizeLinear / DequantizeLinear
 * (per tensor or per axis).  Each reads its attributes, checks the operands
 * against the results the interpreter allocated from the inferred types, and
 * calls a runtime/eltwise.h kernel (the binary ops' broadcast and Clip's
 * bounds through fplan_binary / fplan_clip, exec/fplan.h, shared with the C
 * backend).  What the kernels cannot run (a dtype, an attribute value) is a
 * user error naming the node.
 */
#include <math.h>
#include <string.h>

#include "fplan.h"
#include "opkit.h"
#include "runtime/eltwise.h"

static bool
sameshape(const Tensor *a, const Tensor *b)
{
	return a->rank == b->rank
	    && memcmp(a->dim, b->dim, (size_t)a->rank * sizeof a->dim[0]) == 0;
}

/* the result must have x's shape and dtype dt */
static void
checkunary(const Module *m, const Ins *in, const Tensor *x, const Tensor *y,
    DType dt)
{
	if (!sameshape(x, y) || y->dt != dt)
		ir_error(m, in, "inferred result type does not match the operand "
		    "(shape inference bug)");
}

/* element k of a numeric tensor as a double */
static double
scalar(const Module *m, const Ins *in, const Tensor *t, size_t k)
{
	switch (t->dt) {
	case Df32: return ((const float *)t->data)[k];
	case Df64: return ((const double *)t->data)[k];
	case Di8: return ((const int8_t *)t->data)[k];
	case Du8: return ((const uint8_t *)t->data)[k];
	case Di16: return ((const int16_t *)t->data)[k];
	case Du16: return ((const uint16_t *)t->data)[k];
	case Di32: return ((const int32_t *)t->data)[k];
	case Du32: return ((const uint32_t *)t->data)[k];
	case Di64: return (double)((const int64_t *)t->data)[k];
	case Du64: return (double)((const uint64_t *)t->data)[k];
	default:
		ir_error(m, in, "%s operands are not supported by the interpreter",
		    op_dtname(t->dt));
	}
}

void
fplan_binary(const Module *m, const Ins *in, const Tensor *a,
    const Tensor *b, const Tensor *c, int64_t *bdim, int *brank)
{
	int64_t dim[SQC_MAXRANK], axis;
	int r, k;

	*brank = b->rank;
	memcpy(bdim, b->dim, (size_t)b->rank * sizeof b->dim[0]);
	/* before opset 7, b broadcasts only with broadcast=1, onto a's dims
	 * axis .. axis+rank(b)-1 (by default its trailing dims) */
	if (ir_opset(m, "") < 7 && ir_opset(m, "") > 0) {
		if (!ir_attrint(in, "broadcast", 0)) {
			if (a->rank != b->rank || memcmp(a->dim, b->dim,
			    (size_t)a->rank * sizeof a->dim[0]) != 0)
				ir_error(m, in, "operand shapes differ and "
				    "broadcast is not set");
		} else {
			axis = ir_attrint(in, "axis", a->rank - b->rank);
			if (axis < 0 || axis + b->rank > a->rank)
				ir_error(m, in, "axis %lld does not place the "
				    "second operand inside the first",
				    (long long)axis);
			for (k = 0; k < a->rank; k++)
				bdim[k] = k >= axis && k < axis + b->rank
				    ? b->dim[k - axis] : 1;
			*brank = a->rank;
		}
	}
	if (!rt_broadcast_shape(a->dim, a->rank, bdim, *brank, dim, &r))
		ir_error(m, in, "operand shapes do not broadcast");
	if (c->rank != r || memcmp(c->dim, dim, (size_t)r * sizeof dim[0]) != 0
	    || c->dt != a->dt)
		ir_error(m, in, "inferred result type does not match the operands "
		    "(shape inference bug)");
	if (in->op != Opow && a->dt != b->dt)
		ir_error(m, in, "operands have different element types (%s, %s)",
		    op_dtname(a->dt), op_dtname(b->dt));
}

static void
binary(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, RtBinop op)
{
	const Tensor *a = op_input(m, in, x, 0), *b = op_input(m, in, x, 1);
	Tensor *c = y[0];
	int64_t bd[SQC_MAXRANK];
	int br;

	fplan_binary(m, in, a, b, c, bd, &br);
	if (!rt_binary(op, (RtType)a->dt, a->data, a->dim, a->rank, b->data,
	    (RtType)b->dt, bd, br, c->data, c->dim, c->rank))
		ir_error(m, in, "%s on %s%s%s is not supported by the interpreter",
		    ir_opname(m, in), op_dtname(a->dt), op == RT_POW ? " and " : "",
		    op == RT_POW ? op_dtname(b->dt) : "");
}

static void
run_add(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	binary(m, in, x, y, RT_ADD);
}

static void
run_sub(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	binary(m, in, x, y, RT_SUB);
}

static void
run_mul(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	binary(m, in, x, y, RT_MUL);
}

static void
run_div(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	binary(m, in, x, y, RT_DIV);
}

static void
run_pow(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	binary(m, in, x, y, RT_POW);
}

/* a float activation: x and y f32 of one shape */
static const Tensor *
f32unary(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y)
{
	const Tensor *t = op_input(m, in, x, 0);

	if (t->dt != Df32)
		ir_error(m, in, "%s on %s is not supported by the interpreter",
		    ir_opname(m, in), op_dtname(t->dt));
	checkunary(m, in, t, y[0], Df32);
	return t;
}

static void
run_relu(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);

	checkunary(m, in, t, y[0], t->dt);
	if (t->dt == Df32)
		rt_relu_f32(t->data, y[0]->data, op_numel(t));
	else if (!rt_clip((RtType)t->dt, t->data, y[0]->data, op_numel(t), 0,
	    INFINITY))
		ir_error(m, in, "Relu on %s is not supported by the interpreter",
		    op_dtname(t->dt));
}

void
fplan_clip(const Module *m, const Ins *in, const Tensor *lo, const Tensor *hi,
    double *l, double *h)
{
	Attr *a;

	*l = -INFINITY;
	*h = INFINITY;
	if (lo && op_numel(lo) == 1)
		*l = scalar(m, in, lo, 0);
	else if (lo && op_numel(lo) != 0)
		ir_error(m, in, "min must be a scalar");
	if (hi && op_numel(hi) == 1)
		*h = scalar(m, in, hi, 0);
	else if (hi && op_numel(hi) != 0)
		ir_error(m, in, "max must be a scalar");
	/* the attribute form of opset < 11, if canonicalize has not run */
	if ((a = ir_getattr(in, "min")) && a->kind == Afloat)
		*l = a->f;
	if ((a = ir_getattr(in, "max")) && a->kind == Afloat)
		*h = a->f;
}

static void
run_clip(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0);
	double l, h;

	checkunary(m, in, t, y[0], t->dt);
	fplan_clip(m, in, op_optinput(in, x, 1), op_optinput(in, x, 2), &l, &h);
	if (!rt_clip((RtType)t->dt, t->data, y[0]->data, op_numel(t), l, h))
		ir_error(m, in, "Clip on %s is not supported by the interpreter",
		    op_dtname(t->dt));
}

static void
run_leaky_relu(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_leaky_relu_f32(t->data, y[0]->data, op_numel(t),
	    ir_attrfloat(in, "alpha", 0.01f));
}

static void
run_sigmoid(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_sigmoid_f32(t->data, y[0]->data, op_numel(t));
}

static void
run_hard_sigmoid(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_hard_sigmoid_f32(t->data, y[0]->data, op_numel(t),
	    ir_attrfloat(in, "alpha", 0.2f), ir_attrfloat(in, "beta", 0.5f));
}

static void
run_hard_swish(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_hard_swish_f32(t->data, y[0]->data, op_numel(t));
}

static void
run_tanh(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_tanh_f32(t->data, y[0]->data, op_numel(t));
}

static void
run_sqrt(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = f32unary(m, in, x, y);

	rt_sqrt_f32(t->data, y[0]->data, op_numel(t));
}

/* The [outer][n][inner] view of x for (de)quantization parameters of shape
 * scale: a scalar (or one element) is per tensor, a 1-D tensor of dim[axis]
 * elements is per axis. */
static void
qlayout(const Module *m, const Ins *in, const Tensor *x, const Tensor *scale,
    const Tensor *zero, size_t *outer, size_t *n, size_t *inner)
{
	int64_t axis;
	int k;

	if (scale->dt != Df32)
		ir_error(m, in, "%s scales are not supported by the interpreter "
		    "(need f32)", op_dtname(scale->dt));
	if (zero && op_numel(zero) != op_numel(scale))
		ir_error(m, in, "the zero point has %zu elements but the scale %zu",
		    op_numel(zero), op_numel(scale));
	if (scale->rank == 0 || (op_numel(scale) == 1 && scale->rank == 1
	    && ir_opset(m, "") < 13)) {
		*outer = 1;
		*n = 1;
		*inner = op_numel(x);
		return;
	}
	if (scale->rank != 1)
		ir_error(m, in, "the scale must be a scalar or 1-D (blocked "
		    "quantization is not supported)");
	axis = ir_attrint(in, "axis", 1);
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis >= x->rank)
		ir_error(m, in, "axis %lld is out of range for rank %d",
		    (long long)ir_attrint(in, "axis", 1), x->rank);
	if (x->dim[axis] != scale->dim[0]) {
		if (op_numel(scale) == 1) {
			*outer = 1;
			*n = 1;
			*inner = op_numel(x);
			return;
		}
		ir_error(m, in, "the scale has %lld elements but axis %lld has "
		    "%lld", (long long)scale->dim[0], (long long)axis,
		    (long long)x->dim[axis]);
	}
	*outer = *inner = 1;
	for (k = 0; k < axis; k++)
		*outer *= (size_t)x->dim[k];
	for (k = (int)axis + 1; k < x->rank; k++)
		*inner *= (size_t)x->dim[k];
	*n = (size_t)x->dim[axis];
}

static void
run_quantize_linear(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *s = op_input(m, in, x, 1);
	const Tensor *z = op_optinput(in, x, 2);
	size_t outer, n, inner;

	if (t->dt != Df32)
		ir_error(m, in, "QuantizeLinear of %s is not supported by the "
		    "interpreter (need f32)", op_dtname(t->dt));
	if (z && z->dt != y[0]->dt)
		ir_error(m, in, "the zero point is %s but the result %s",
		    op_dtname(z->dt), op_dtname(y[0]->dt));
	checkunary(m, in, t, y[0], y[0]->dt);
	qlayout(m, in, t, s, z, &outer, &n, &inner);
	if (!rt_quantize_f32(t->data, outer, n, inner, s->data,
	    z ? z->data : NULL, (RtType)y[0]->dt, y[0]->data))
		ir_error(m, in, "quantizing to %s is not supported by the "
		    "interpreter (u8, i8, u16, i16 are)", op_dtname(y[0]->dt));
}

static void
run_dequantize_linear(const Module *m, const Ins *in, const Tensor *const *x,
    Tensor *const *y, Arena *scratch)
{
	const Tensor *t = op_input(m, in, x, 0), *s = op_input(m, in, x, 1);
	const Tensor *z = op_optinput(in, x, 2);
	size_t outer, n, inner;

	if (z && z->dt != t->dt)
		ir_error(m, in, "the zero point is %s but the operand %s",
		    op_dtname(z->dt), op_dtname(t->dt));
	checkunary(m, in, t, y[0], Df32);
	qlayout(m, in, t, s, z, &outer, &n, &inner);
	if (!rt_dequantize_f32(t->data, (RtType)t->dt, outer, n, inner,
	    s->data, z ? z->data : NULL, y[0]->data))
		ir_error(m, in, "dequantizing %s is not supported by the "
		    "interpreter (u8, i8, u16, i16, i32 are)", op_dtname(t->dt));
}

const ExecImpl exec_impl_elt[] = {
	{Oadd, run_add, 0, 0},
	{Osub, run_sub, 0, 0},
	{Omul, run_mul, 0, 0},
	{Odiv, run_div, 0, 0},
	{Opow, run_pow, 0, 0},
	{Orelu, run_relu, 0, 0},
	{Oclip, run_clip, 0, 0},
	{Oleaky_relu, run_leaky_relu, 0, 0},
	{Osigmoid, run_sigmoid, 0, 0},
	{Ohard_sigmoid, run_hard_sigmoid, 0, 0},
	{Ohard_swish, run_hard_swish, 0, 0},
	{Otanh, run_tanh, 0, 0},
	{Osqrt, run_sqrt, 0, 0},
	{Oquantize_linear, run_quantize_linear, 0, 0},
	{Odequantize_linear, run_dequantize_linear, 0, 0},
	{0, 0, 0, 0},
};
