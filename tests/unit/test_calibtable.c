/*
 * test_calibtable.c — the calibration table (passes/calibtable.c): the
 * text of a small record written out by hand from doc/calibration.md, the
 * write/read round trip, exact merging of shards, refusal of damaged or
 * foreign tables, and what the graph hash is sensitive to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "passes/calibtable.h"

static char dir[64];

/* the scratch directory goes at exit, also when error() ends a test */
static void
rmdir_(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
mkdir_(void)
{
	strcpy(dir, "/tmp/sqc-calibtable-XXXXXX");
	cr_assert(mkdtemp(dir) != NULL);
	atexit(rmdir_);
}

TestSuite(calibtable, .init = mkdir_);

static char *
path(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static char *
text(const CalibTable *t, size_t *len)
{
	char *s;
	FILE *f = open_memstream(&s, len);

	calibtable_write(t, f);
	fclose(f);
	return s;
}

static void
putfile(const char *p, const char *s)
{
	FILE *f = fopen(p, "w");

	cr_assert(f != NULL);
	fputs(s, f);
	fclose(f);
}

/* {0.5, -0.25, 1, 0, 0}: bin width 2^-10, so bins 0 (two zeros), 256,
 * 512 and 1024 hold one value each; runs of zeros are 0*k, and the zero
 * bins after 1024 are left out */
Test(calibtable, writes_the_documented_text)
{
	Arena *a = arena_new();
	CalibTable *t = calibtable_new(a, 0x0123456789abcdefull, 2);
	float x[] = {0.5f, -0.25f, 1.0f, 0.0f, 0.0f};
	size_t len;
	char *s;

	t->samples = 3;
	t->name[0] = "x";
	t->name[1] = "empty";
	calibstats_add(&t->st[0], x, 5);
	s = text(t, &len);
	cr_assert(eq(str, s,
	    "sqc-calib 1\n"
	    "graph 0123456789abcdef\n"
	    "samples 3\n"
	    "bins 2048\n"
	    "tensors 2\n"
	    "tensor \"x\" count 5 zeros 2 nonfinite 0 min -0.25 max 1 wexp -10 "
	    "hist 2 0*255 1 0*255 1 0*511 1\n"
	    "tensor \"empty\" count 0 zeros 0 nonfinite 0 min inf max -inf "
	    "wexp -160 hist\n"
	    "end\n"));
	free(s);
	arena_free(a);
}

static float *
data(int n, unsigned seed)
{
	float *x = malloc((size_t)n * sizeof *x);
	uint64_t r = seed;
	int k;

	for (k = 0; k < n; k++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		x[k] = ldexpf((float)(r >> 40) / (1 << 24), (int)((r >> 8) % 12) - 6);
		if (r & 1)
			x[k] = -x[k];
	}
	return x;
}

Test(calibtable, round_trip)
{
	Arena *a = arena_new();
	CalibTable *t = calibtable_new(a, 0xfedcba9876543210ull, 3), *u;
	float *x = data(5000, 1), odd[] = {1e-45f, -3.4028235e38f, 0.1f, 1, 1, 1};
	char *s1, *s2;
	size_t n1, n2;
	int k;

	t->samples = 42;
	t->name[0] = "conv1/out";
	t->name[1] = "we\"ird\\ name\t\xc3\xa9\n";
	t->name[2] = "never";
	calibstats_add(&t->st[0], x, 5000);
	calibstats_add(&t->st[1], odd, 6);
	calibtable_save(t, path("t.calib"));
	u = calibtable_read(path("t.calib"), a);
	cr_assert(u != NULL);
	cr_assert(eq(u64, u->hash, t->hash));
	cr_assert(eq(u64, u->samples, 42));
	cr_assert(eq(int, u->n, 3));
	for (k = 0; k < 3; k++) {
		cr_assert(eq(str, (char *)u->name[k], (char *)t->name[k]));
		cr_assert(eq(int, memcmp(&u->st[k], &t->st[k], sizeof u->st[k]), 0));
	}
	s1 = text(t, &n1);
	s2 = text(u, &n2);
	cr_assert(eq(str, s1, s2));
	free(s1);
	free(s2);
	free(x);
	arena_free(a);
}

Test(calibtable, missing_file_reads_as_null)
{
	Arena *a = arena_new();

	cr_assert(calibtable_read(path("nothing-here"), a) == NULL);
	arena_free(a);
}

/* three shards of 100 "samples" each, merged, equal the table of all 300 */
Test(calibtable, shards_merge_exactly)
{
	enum { S = 100, N = 64 };
	Arena *a = arena_new();
	CalibTable *all = calibtable_new(a, 7, 2), *sh[3], *m;
	float *x = data(3 * S * N, 9);
	char *s1, *s2;
	size_t n1, n2;
	int k, i;

	for (k = 0; k < 3; k++) {
		sh[k] = calibtable_new(a, 7, 2);
		sh[k]->samples = S;
	}
	all->samples = 3 * S;
	for (i = 0; i < 3 * S; i++) {
		/* tensor 0: the sample; tensor 1: its square scaled */
		float y[N];
		int j;

		for (j = 0; j < N; j++)
			y[j] = x[i * N + j] * x[i * N + j] * (i + 1);
		calibstats_add(&all->st[0], x + i * N, N);
		calibstats_add(&all->st[1], y, N);
		calibstats_add(&sh[i % 3]->st[0], x + i * N, N);
		calibstats_add(&sh[i % 3]->st[1], y, N);
	}
	for (k = 0; k < 3; k++) {
		sh[k]->name[0] = all->name[0] = "x";
		sh[k]->name[1] = all->name[1] = "y";
		calibtable_save(sh[k], path(k == 0 ? "a" : k == 1 ? "b" : "c"));
	}
	/* merge c into b into a, through the files */
	m = calibtable_read(path("c"), a);
	calibtable_merge(m, calibtable_read(path("b"), a), "b");
	calibtable_merge(m, calibtable_read(path("a"), a), "a");
	s1 = text(all, &n1);
	s2 = text(m, &n2);
	cr_assert(eq(str, s1, s2));
	free(s1);
	free(s2);
	free(x);
	arena_free(a);
}

Test(calibtable, merge_refuses_another_graph, .exit_code = 1)
{
	Arena *a = arena_new();
	CalibTable *t = calibtable_new(a, 1, 0), *u = calibtable_new(a, 2, 0);

	calibtable_merge(t, u, "u.calib");
}

Test(calibtable, merge_refuses_other_tensors, .exit_code = 1)
{
	Arena *a = arena_new();
	CalibTable *t = calibtable_new(a, 1, 1), *u = calibtable_new(a, 1, 1);

	t->name[0] = "x";
	u->name[0] = "y";
	calibtable_merge(t, u, "u.calib");
}

static const char good[] =
    "sqc-calib 1\ngraph 0000000000000001\nsamples 1\nbins 2048\ntensors 1\n"
    "tensor \"x\" count 2 zeros 1 nonfinite 0 min 0 max 1 wexp -10 hist 1 0*1023 1\n"
    "end\n";

Test(calibtable, reads_a_hand_written_table)
{
	Arena *a = arena_new();
	CalibTable *t;

	putfile(path("h"), good);
	t = calibtable_read(path("h"), a);
	cr_assert(eq(int, t->n, 1));
	cr_assert(eq(u64, t->st[0].hist[0], 1));
	cr_assert(eq(u64, t->st[0].hist[1024], 1));
	cr_assert(eq(u64, t->st[0].count, 2));
	arena_free(a);
}

static void
readbad(const char *s)
{
	Arena *a = arena_new();

	putfile(path("bad"), s);
	calibtable_read(path("bad"), a);
}

Test(calibtable, refuses_a_truncated_table, .exit_code = 1)
{
	char s[sizeof good];

	strcpy(s, good);
	*strstr(s, "end\n") = 0;
	readbad(s);
}

Test(calibtable, refuses_counts_that_do_not_add_up, .exit_code = 1)
{
	char s[sizeof good];

	strcpy(s, good);
	strstr(s, "count 2")[6] = '3';
	readbad(s);
}

Test(calibtable, refuses_a_grid_that_does_not_match_max, .exit_code = 1)
{
	char s[sizeof good];

	strcpy(s, good);
	memcpy(strstr(s, "wexp -10"), "wexp -11", 8);
	readbad(s);
}

Test(calibtable, refuses_another_version, .exit_code = 1)
{
	char s[sizeof good];

	strcpy(s, good);
	s[10] = '2';
	readbad(s);
}

Test(calibtable, refuses_other_files, .exit_code = 1)
{
	readbad("ir_version 8\n");
}

/* ---- graph hash ------------------------------------------------------------ */

/* x[1,4] -> mul(x, $two) -> relu -> y */
static Module *
tiny(float two, int64_t width, int64_t alpha)
{
	Module *m = ir_new("tiny.sqir");
	int64_t d[2] = {1, width}, one = 1;
	int x, c, y, k;
	Ins *in;
	Attr *a;

	x = ir_addval(m, "x", type_make(Df32, 2, d));
	vec_push(m->in, m->nin, m->capin, x);
	c = ir_addval(m, "c", type_make(Df32, 2, d));
	y = ir_addval(m, "y", type_make(Df32, 2, d));
	k = ir_addcst(m, "two", type_make(Df32, 1, &one),
	    arena_memdup(m->arena, &two, 4), 4);
	in = ir_addins(m, Omul, 2, 1);
	in->in[0] = ref_val(x);
	in->in[1] = ref_cst(k);
	ir_setout(m, 0, 0, c);
	in = ir_addins(m, Oleaky_relu, 1, 1);
	in->in[0] = ref_val(c);
	a = ir_addattr(m, in, "alpha", Aint);
	a->i = alpha;
	ir_setout(m, 1, 0, y);
	vec_push(m->out, m->nout, m->capout, ref_val(y));
	return m;
}

Test(calibtable, graph_hash_sees_constants_attributes_and_shapes)
{
	Module *m = tiny(2, 4, 1);
	uint64_t h = calib_graphhash(m);
	Module *same = tiny(2, 4, 1), *cst = tiny(3, 4, 1), *shape = tiny(2, 5, 1),
	    *attr = tiny(2, 4, 2);

	cr_assert(eq(u64, calib_graphhash(same), h));
	cr_assert(ne(u64, calib_graphhash(cst), h));
	cr_assert(ne(u64, calib_graphhash(shape), h));
	cr_assert(ne(u64, calib_graphhash(attr), h));
	/* ranges are not part of the graph */
	m->val[1].type.hasrange = true;
	m->val[1].type.hi = 5;
	cr_assert(eq(u64, calib_graphhash(m), h));
	/* nor are node names; value names are (the table is keyed by them) */
	m->ins[0].name = "renamed";
	cr_assert(eq(u64, calib_graphhash(m), h));
	m->val[1].name = "c2";
	cr_assert(ne(u64, calib_graphhash(m), h));
	ir_free(m);
	ir_free(same);
	ir_free(cst);
	ir_free(shape);
	ir_free(attr);
}
