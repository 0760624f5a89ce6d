/*
 * table.c — joins the op implementation fragments of exec/op_*.c into one
 * lookup by op.  A fragment is an array of ExecImpl ended by {0}.  The
 * quantized IR's ops (doc/quantization.md section 8) have their own
 * fragments: exec_impl_for picks them for an instruction with a quantized
 * operand or result, and falls back to the float table for the ops that
 * pass integer codes through (max_pool, reshape, transpose, concat, ...).
 */
#include "opkit.h"

extern const ExecImpl exec_impl_conv[];		/* op_conv.c: conv, gemm, matmul, qlinear */
extern const ExecImpl exec_impl_elt[];		/* op_elt.c: elementwise, activations, (de)quantize */
extern const ExecImpl exec_impl_pool[];		/* op_pool.c: pools, lrn, bn, softmax, reduce */
extern const ExecImpl exec_impl_move[];		/* op_move.c: data movement, shape, cast, resize */

extern const ExecImpl exec_impl_qconv[];	/* op_conv.c: quantized conv, gemm, matmul */
extern const ExecImpl exec_impl_qpool[];	/* op_pool.c: quantized average pools */
extern const ExecImpl exec_impl_quant[];	/* op_quant.c: (de|re)quantize, quantized elementwise */
extern const ExecImpl exec_impl_systolic[];	/* op_systolic.c: nhwc, packed, fused forms */

static const ExecImpl *const fragments[] = {
	exec_impl_conv, exec_impl_elt, exec_impl_pool, exec_impl_move,
};

static const ExecImpl *const qfragments[] = {
	exec_impl_qconv, exec_impl_qpool, exec_impl_quant,
};

static const ExecImpl *
lookup(const ExecImpl *const *frag, size_t nfrag, int op)
{
	const ExecImpl *e;
	size_t k;

	for (k = 0; k < nfrag; k++)
		for (e = frag[k]; e->op; e++)
			if (e->op == op)
				return e;
	return NULL;
}

const ExecImpl *
exec_impl_for(const Module *m, const Ins *in)
{
	const ExecImpl *e;

	if (op_systolic(m, in) &&
	    (e = lookup((const ExecImpl *const[]){exec_impl_systolic}, 1, in->op)))
		return e;
	if (in->op == Oquantize || in->op == Odequantize ||
	    in->op == Orequantize || op_quantized(m, in))
		if ((e = lookup(qfragments, countof(qfragments), in->op)))
			return e;
	return exec_impl(in->op);
}

const ExecImpl *
exec_impl_q(int op)
{
	return lookup(qfragments, countof(qfragments), op);
}

const ExecImpl *
exec_impl(int op)
{
	return lookup(fragments, countof(fragments), op);
}
