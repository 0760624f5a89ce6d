/*
 * opkit.c — helpers shared by exec/op_*.c (see opkit.h).
 */
#include <string.h>

#include "opkit.h"

size_t
op_numel(const Tensor *t)
{
	size_t n = 1;
	int k;

	for (k = 0; k < t->rank; k++)
		n *= (size_t)t->dim[k];
	return n;
}

const Tensor *
op_input(const Module *m, const Ins *in, const Tensor *const *x, int k)
{
	if (k >= in->nin || !x[k])
		ir_error(m, in, "operand %d is missing", k + 1);
	return x[k];
}

const Tensor *
op_optinput(const Ins *in, const Tensor *const *x, int k)
{
	return k < in->nin ? x[k] : NULL;
}

const char *
op_dtname(DType dt)
{
	const char *s = dtype_name(dt);

	return s ? s : "unknown";
}

void
op_mismatch(const Module *m, const Ins *in)
{
	ir_error(m, in, "inferred result type does not match the operands "
	    "(shape inference bug)");
}

void
op_needf32(const Module *m, const Ins *in, const Tensor *t)
{
	if (t && t->dt != Df32)
		ir_error(m, in, "%s on %s is not supported by the interpreter "
		    "(need f32)", ir_opname(m, in), op_dtname(t->dt));
}

int64_t
op_product(const int64_t *d, int from, int to)
{
	int64_t p = 1;

	for (; from < to; from++)
		p *= d[from];
	return p;
}

bool
op_streq(const Attr *a, const char *s)
{
	return a && a->kind == Astr && a->s.len == strlen(s) &&
	    memcmp(a->s.data, s, a->s.len) == 0;
}

bool
op_quantized(const Module *m, const Ins *in)
{
	int k;

	for (k = 0; k < in->nin; k++) {
		const Type *t = in->in[k].kind == Rnone ? NULL :
		    ir_reftype((Module *)m, in->in[k]);
		if (t && t->q)
			return true;
	}
	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0 && m->val[in->out[k]].type.q)
			return true;
	return false;
}

static const QParam *
qcheck(const Module *m, const Ins *in, const Type *t, bool perok,
    const char *what, int k)
{
	if (!t || !t->q)
		ir_error(m, in, "%s %d of a quantized %s is not quantized",
		    what, k + 1, ir_opname(m, in));
	if (!perok && t->q->n != 1)
		ir_error(m, in, "%s %d of %s must be quantized per tensor",
		    what, k + 1, ir_opname(m, in));
	return t->q;
}

const QParam *
op_qin(const Module *m, const Ins *in, int k, bool perok)
{
	const Type *t = k < in->nin && in->in[k].kind != Rnone ?
	    ir_reftype((Module *)m, in->in[k]) : NULL;

	return qcheck(m, in, t, perok, "operand", k);
}

const QParam *
op_qout(const Module *m, const Ins *in, int k, bool perok)
{
	const Type *t = k < in->nout && in->out[k] >= 0 ?
	    &m->val[in->out[k]].type : NULL;

	return qcheck(m, in, t, perok, "result", k);
}

void
op_needq8(const Module *m, const Ins *in, const Tensor *t)
{
	if (t->dt != Di8 && t->dt != Du8)
		ir_error(m, in, "quantized %s on %s is not supported by the "
		    "interpreter (i8 or u8)", ir_opname(m, in),
		    op_dtname(t->dt));
}

QTarget
op_target(const Module *m)
{
	if (m->target && strcmp(m->target, "systolic") == 0)
		return QT_SYSTOLIC;
	return QT_ORT;
}
