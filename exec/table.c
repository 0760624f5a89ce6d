/*
 * table.c — joins the op implementation fragments of exec/op_*.c into one
 * lookup by op.  A fragment is an array of ExecImpl ended by {0}.
 */
#include "exec.h"

extern const ExecImpl exec_impl_conv[];		/* op_conv.c: conv, gemm, matmul, qlinear */
extern const ExecImpl exec_impl_elt[];		/* op_elt.c: elementwise, activations, (de)quantize */
extern const ExecImpl exec_impl_pool[];		/* op_pool.c: pools, lrn, bn, softmax, reduce */
extern const ExecImpl exec_impl_move[];		/* op_move.c: data movement, shape, cast, resize */

static const ExecImpl *const fragments[] = {
	exec_impl_conv, exec_impl_elt, exec_impl_pool, exec_impl_move,
};

const ExecImpl *
exec_impl(int op)
{
	const ExecImpl *e;
	size_t k;

	for (k = 0; k < countof(fragments); k++)
		for (e = fragments[k]; e->op; e++)
			if (e->op == op)
				return e;
	return NULL;
}
