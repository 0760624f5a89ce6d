/*
 * test_canonicalize.c — the numbers of canonicalize's folds, hand-computed.
 * (The FileCheck tests in tests/ir/canonicalize show the rewrites' shape.)
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "ir/ir.h"
#include "passes/passes.h"

static int
addcst(Module *m, const char *name, int64_t n, const float *v)
{
	Type t = type_make(Df32, 1, &n);

	return ir_addcst(m, name, t, arena_memdup(m->arena, v, (size_t)n * 4), (size_t)n * 4);
}

/*
 * x[1,1,1,2] -> conv(W=[[2]], b=[1]) -> c -> bn(gamma 3, beta .5, mean 1,
 * var 3, eps 1) -> y.  s = 3/sqrt(3+1) = 1.5, so W' = 2*1.5 = 3 and
 * b' = (1-1)*1.5 + .5 = .5: one conv y = 3x + .5.
 */
Test(canonicalize, folds_batchnorm_into_conv)
{
	Module *m = ir_new("bn.sqir");
	int64_t xd[4] = {1, 1, 1, 2}, wd[4] = {1, 1, 1, 1};
	float w = 2, b = 1, g = 3, be = .5f, mu = 1, var = 3;
	int x, c, y, cw, k;
	Ins *in;
	Attr *a;
	const float *nw, *nb;

	x = ir_addval(m, "x", type_make(Df32, 4, xd));
	vec_push(m->in, m->nin, m->capin, x);
	c = ir_addval(m, "c", type_make(Df32, 4, xd));
	y = ir_addval(m, "y", type_make(Df32, 4, xd));
	cw = ir_addcst(m, "W", type_make(Df32, 4, wd), &w, 4);
	in = ir_addins(m, Oconv, 3, 1);
	in->in[0] = ref_val(x);
	in->in[1] = ref_cst(cw);
	in->in[2] = ref_cst(addcst(m, "B", 1, &b));
	ir_setout(m, 0, 0, c);
	in = ir_addins(m, Obatch_normalization, 5, 1);
	in->in[0] = ref_val(c);
	in->in[1] = ref_cst(addcst(m, "gamma", 1, &g));
	in->in[2] = ref_cst(addcst(m, "beta", 1, &be));
	in->in[3] = ref_cst(addcst(m, "mean", 1, &mu));
	in->in[4] = ref_cst(addcst(m, "var", 1, &var));
	a = ir_addattr(m, in, "epsilon", Afloat);
	a->f = 1;
	ir_setout(m, 1, 0, y);
	vec_push(m->out, m->nout, m->capout, ref_val(y));
	ir_verify(m);

	canonicalize(m);
	ir_verify(m);
	cr_assert(eq(int, m->nins, 1));
	cr_assert(eq(int, m->ins[0].op, Oconv));
	k = m->ins[0].out[0];
	cr_assert(eq(str, (char *)m->val[k].name, "y"));
	cr_assert(eq(int, m->out[0].idx, k));
	nw = m->cst[m->ins[0].in[1].idx].data;
	nb = m->cst[m->ins[0].in[2].idx].data;
	cr_assert(eq(flt, nw[0], 3.0f));
	cr_assert(eq(flt, nb[0], 0.5f));
	cr_assert(eq(int, m->ncst, 2));	/* the old W, B and BN statistics are gone */
	ir_free(m);
}

/* clip(x) {min = -1, max = 6} (opset 6) becomes clip(x, $min, $max) */
Test(canonicalize, clip_attributes_become_inputs)
{
	Module *m = ir_new("clip.sqir");
	int x, y;
	Ins *in;
	Attr *a;

	x = ir_addval(m, "x", type_make(Df32, 0, NULL));
	vec_push(m->in, m->nin, m->capin, x);
	y = ir_addval(m, "y", type_make(Df32, 0, NULL));
	in = ir_addins(m, Oclip, 1, 1);
	in->in[0] = ref_val(x);
	a = ir_addattr(m, in, "min", Afloat);
	a->f = -1;
	a = ir_addattr(m, in, "max", Afloat);
	a->f = 6;
	ir_setout(m, 0, 0, y);
	vec_push(m->out, m->nout, m->capout, ref_val(y));

	canonicalize(m);
	ir_verify(m);
	in = &m->ins[0];
	cr_assert(eq(int, in->nin, 3));
	cr_assert(eq(int, in->nattr, 0));
	cr_assert(eq(flt, *(float *)m->cst[in->in[1].idx].data, -1.0f));
	cr_assert(eq(flt, *(float *)m->cst[in->in[2].idx].data, 6.0f));
	ir_free(m);
}
