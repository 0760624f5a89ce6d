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
