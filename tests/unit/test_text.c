/*
 * test_text.c — the printer and the parser are inverses: a module built in C
 * with every kind of part (quoted names, omitted operands, per-axis
 * quantization, ranges, symbolic dims, each attribute kind, an opaque op)
 * prints, parses back and prints to the same text; the parsed module has the
 * parts that were built.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"

static char *
printed(Module *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ir_print(m, f, PRINT_FULL);
	fclose(f);
	return buf;
}

static Module *
reparse(const char *text)
{
	char path[] = "/tmp/sqc-test-text-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	Module *m;

	fputs(text, f);
	fclose(f);
	m = text_read(path);
	remove(path);
	return m;
}

static Module *
build(void)
{
	Module *m = ir_new("built");
	int64_t d4[4] = {-1, 8, 4, 4}, d1 = 8;
	static float scales[8] = {0.5f, 0.25f, 0.125f, 1, 2, 4, 0.02f, 3};
	static int32_t zeros[8] = {0};
	static QParam q = {0, 8, scales, zeros};
	static int8_t w[8] = {1, -2, 3, -4, 5, -6, 7, -128};
	Type t;
	int x, c, y, z, k;
	Ins *in;
	Attr *a;

	m->irversion = 8;
	m->opset = arena_alloc(m->arena, 2 * sizeof(Opset));
	m->opset[0] = (Opset){"", 13};
	m->opset[1] = (Opset){"com.microsoft", 1};
	m->nopset = 2;

	t = type_make(Df32, 4, d4);
	t.sym[0] = "batch";
	t.layout = Lnchw;
	x = ir_addval(m, "/in put", t);
	vec_push(m->in, m->nin, m->capin, x);

	t = type_make(Di8, 1, &d1);
	t.q = &q;
	c = ir_addcst(m, "w.q", t, w, sizeof w);

	t = type_make(Df32, 4, d4);
	t.sym[0] = "batch";
	t.hasrange = true;
	t.lo = -1.5f;
	t.hi = 6;
	y = ir_addval(m, "y", t);
	in = ir_addins(m, Oclip, 3, 1);
	in->name = "clip \"0\"";
	in->in[0] = ref_val(x);
	in->in[1] = ref_none();
	in->in[2] = ref_cst(c);
	a = ir_addattr(m, in, "s", Astr);
	a->s = (Bytes){3, (uint8_t *)"a\0b"};
	a = ir_addattr(m, in, "fs", Afloats);
	a->n = 2;
	a->floats = arena_alloc(m->arena, 8);
	a->floats[0] = 0.1f;
	a->floats[1] = -2;
	a = ir_addattr(m, in, "e", Aints);
	a->n = 0;
	ir_setout(m, 0, 0, y);

	z = ir_addval(m, "z", type_unknown());
	k = m->nins;
	in = ir_addins(m, Oopaque, 1, 2);
	in->domain = "com.microsoft";
	in->optype = "Thing";
	in->in[0] = ref_val(y);
	ir_setout(m, k, 0, z);	/* the second result is omitted */
	vec_push(m->out, m->nout, m->capout, ref_val(z));
	vec_push(m->out, m->nout, m->capout, ref_cst(c));
	ir_verify(m);
	return m;
}

Test(text, print_parse_print_is_a_fixed_point)
{
	Module *m = build(), *r;
	char *a, *b;

	a = printed(m);
	r = reparse(a);
	b = printed(r);
	cr_assert(eq(str, b, a));
	free(a);
	free(b);
	ir_free(m);
	ir_free(r);
}

Test(text, parsed_module_has_the_built_parts)
{
	Module *m = build(), *r;
	char *a = printed(m);
	Ins *in;
	Type *t;

	r = reparse(a);
	cr_assert(eq(int, r->nins, 2));
	in = &r->ins[0];
	cr_assert(eq(str, (char *)in->name, "clip \"0\""));
	cr_assert(eq(int, in->in[1].kind, Rnone));
	cr_assert(eq(sz, in->attr[0].s.len, 3));
	cr_assert(eq(i32, memcmp(in->attr[0].s.data, "a\0b", 3), 0));
	cr_assert(eq(flt, in->attr[1].floats[0], 0.1f));
	cr_assert(eq(int, in->attr[2].kind, Aints));
	cr_assert(eq(int, in->attr[2].n, 0));
	t = &r->val[r->in[0]].type;
	cr_assert(eq(str, (char *)r->val[r->in[0]].name, "/in put"));
	cr_assert(eq(str, (char *)t->sym[0], "batch"));
	cr_assert(eq(int, t->layout, Lnchw));
	t = &r->val[in->out[0]].type;
	cr_assert(t->hasrange);
	cr_assert(eq(flt, t->lo, -1.5f));
	t = &r->cst[0].type;
	cr_assert(eq(int, t->q->axis, 0));
	cr_assert(eq(flt, t->q->scale[6], 0.02f));
	cr_assert(eq(i8, ((int8_t *)r->cst[0].data)[7], -128));
	in = &r->ins[1];
	cr_assert(eq(int, in->op, Oopaque));
	cr_assert(eq(str, (char *)in->domain, "com.microsoft"));
	cr_assert(eq(int, in->nout, 2));
	cr_assert(eq(int, in->out[1], -1));
	cr_assert(eq(int, r->out[1].kind, Rcst));
	free(a);
	ir_free(m);
	ir_free(r);
}
