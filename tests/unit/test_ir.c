/*
 * test_ir.c — unit tests for ir/: construction, names, compaction, topological
 * order, the verifier's refusals and float formatting.
 * Expected values are hand-computed from the contracts in ir/ir.h.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static Type
f32vec(int64_t n)
{
	return type_make(Df32, 1, &n);
}

/* x -> relu -> r -> relu -> s ; output s */
static Module *
chain(void)
{
	Module *m = ir_new("chain.sqir");
	int x, r, s;
	Ins *in;

	x = ir_addval(m, "x", f32vec(4));
	vec_push(m->in, m->nin, m->capin, x);
	r = ir_addval(m, "r", f32vec(4));
	s = ir_addval(m, "s", f32vec(4));
	in = ir_addins(m, Orelu, 1, 1);
	in->in[0] = ref_val(x);
	ir_setout(m, 0, 0, r);
	in = ir_addins(m, Orelu, 1, 1);
	in->in[0] = ref_val(r);
	ir_setout(m, 1, 0, s);
	vec_push(m->out, m->nout, m->capout, ref_val(s));
	return m;
}

Test(ir, optab_maps_both_spellings)
{
	cr_assert(eq(int, ir_opbyname("batch_normalization"), Obatch_normalization));
	cr_assert(eq(int, ir_opbyonnx("", "BatchNormalization"), Obatch_normalization));
	cr_assert(eq(int, ir_opbyonnx("ai.onnx", "Conv"), Oconv));
	cr_assert(eq(int, ir_opbyonnx("com.microsoft", "Conv"), Oopaque));
	cr_assert(eq(int, ir_opbyonnx("", "Erf"), Oopaque));
	cr_assert(eq(int, ir_opbyname("relux"), -1));
	cr_assert(eq(int, optab[Oqlinear_conv].inmin, 8));
}

Test(ir, dtypes_have_onnx_numbers_and_sizes)
{
	cr_assert(eq(int, Df32, 1));
	cr_assert(eq(int, Dbf16, 16));
	cr_assert(eq(str, (char *)dtype_name(Di8), "i8"));
	cr_assert(eq(int, dtype_byname("u16"), Du16));
	cr_assert(eq(int, dtype_byname("float"), -1));
	cr_assert(eq(sz, dtype_size(Dc128), 16));
	cr_assert(eq(int, layout_byname("nhwc"), Lnhwc));
}

Test(ir, a_built_chain_verifies)
{
	Module *m = chain();

	ir_verify(m);
	cr_assert(eq(int, m->val[2].def, 1));
	cr_assert(eq(int, m->val[0].def, -1));
	ir_free(m);
}

Test(ir, numel_overflow_is_detected)
{
	int64_t d[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 4};
	Type t = type_make(Df32, 3, d);
	size_t n;

	cr_assert(not(type_numel(&t, &n)));
	d[0] = 2, d[1] = 3;
	t = type_make(Df32, 3, d);
	cr_assert(type_numel(&t, &n));
	cr_assert(eq(sz, n, 24));
}

Test(ir, toposort_restores_def_before_use)
{
	Module *m = chain();
	Ins tmp = m->ins[0];

	m->ins[0] = m->ins[1];
	m->ins[1] = tmp;
	m->val[1].def = 1;	/* r is now defined by ins 1, s by ins 0 */
	m->val[2].def = 0;
	cr_assert(ir_toposort(m));
	cr_assert(eq(int, m->ins[0].in[0].idx, 0));
	cr_assert(eq(int, m->val[2].def, 1));
	ir_verify(m);
	ir_free(m);
}

Test(ir, toposort_reports_a_cycle)
{
	Module *m = chain();

	/* first relu now reads the second's result: r -> s -> r */
	m->ins[0].in[0] = ref_val(2);
	cr_assert(not(ir_toposort(m)));
	ir_free(m);
}

Test(ir, compact_drops_dead_values_and_unused_constants)
{
	Module *m = chain();
	float one = 1;
	int c;

	c = ir_addcst(m, "unused", type_make(Df32, 0, NULL), &one, 4);
	(void)c;
	/* delete the second relu: s dies; r becomes the output */
	m->ins[1].op = Onop;
	m->val[2].name = "";
	m->out[0] = ref_val(1);
	ir_compact(m);
	cr_assert(eq(int, m->nins, 1));
	cr_assert(eq(int, m->nval, 2));
	cr_assert(eq(int, m->ncst, 0));
	cr_assert(eq(str, (char *)m->val[m->out[0].idx].name, "r"));
	ir_verify(m);
	ir_free(m);
}

Test(ir, uniquename_appends_a_counter)
{
	Module *m = chain();

	cr_assert(eq(str, (char *)ir_uniquename(m, "q"), "q"));
	cr_assert(eq(str, (char *)ir_uniquename(m, "r"), "r_1"));
	ir_free(m);
}

Test(ir, namemap_grows_and_finds)
{
	Arena *a = arena_new();
	NameMap *nm = namemap_new(a, 1);
	char buf[32];
	int k;

	for (k = 0; k < 1000; k++) {
		snprintf(buf, sizeof buf, "n%d", k);
		cr_assert(namemap_put(nm, arena_strdup(a, buf), k));
	}
	cr_assert(not(namemap_put(nm, "n7", 0)));
	cr_assert(eq(int, namemap_get(nm, "n999"), 999));
	cr_assert(eq(int, namemap_get(nm, "n1000"), -1));
	arena_free(a);
}

Test(ir, arena_blocks_are_aligned_and_zeroed)
{
	Arena *a = arena_new();
	unsigned char *p;
	int k;

	for (k = 1; k < 300000; k *= 3) {
		p = arena_alloc(a, (size_t)k);
		cr_assert(eq(sz, (uintptr_t)p % 16, 0));
		cr_assert(eq(u8, p[k - 1], 0));
	}
	arena_free(a);
}

Test(ir, floats_print_shortest_round_trip)
{
	char buf[40];

	fmtfloat(buf, sizeof buf, 0.02f);
	cr_assert(eq(str, buf, "0.02"));
	fmtfloat(buf, sizeof buf, 1.0f / 3.0f);
	cr_assert(eq(str, buf, "0.33333334"));	/* numpy: repr(float32(1/3)) */
	fmtfloat(buf, sizeof buf, 1e-5f);
	cr_assert(eq(str, buf, "1e-05"));
	fmtfloat(buf, sizeof buf, 16777216.0f);
	cr_assert(eq(str, buf, "16777216"));
}

/* the verifier reports users' broken modules as errors: exit 1, one line */
TestSuite(verify, .init = cr_redirect_stderr);
Test(verify, use_before_definition, .exit_code = 1)
{
	Module *m = chain();
	Ins tmp = m->ins[0];

	m->ins[0] = m->ins[1];
	m->ins[1] = tmp;
	m->val[1].def = 1;
	m->val[2].def = 0;
	ir_verify(m);
}

Test(verify, duplicate_names, .exit_code = 1)
{
	Module *m = chain();

	m->val[2].name = "r";
	ir_verify(m);
}

Test(verify, wrong_arity, .exit_code = 1)
{
	Module *m = chain();

	m->ins[1].nin = 0;
	ir_verify(m);
}

Test(verify, constant_size_mismatch, .exit_code = 1)
{
	Module *m = chain();
	float v[3] = {0};

	ir_addcst(m, "w", f32vec(4), v, sizeof v);
	ir_verify(m);
}

Test(verify, quantized_float_is_refused, .exit_code = 1)
{
	Module *m = chain();
	static float s = 0.5f;
	static int32_t z = 0;
	static QParam q = {-1, 1, &s, &z};

	m->val[1].type.q = &q;
	ir_verify(m);
}

Test(verify, layout_on_a_vector_is_refused, .exit_code = 1)
{
	Module *m = chain();

	m->val[1].type.layout = Lnchw;
	ir_verify(m);
}
