/*
 * test_tensorio.c — the tensor file readers and writer (frontend/tensorio.c)
 * and the calibration dataset loaders (frontend/dataset.c, image.c).
 *
 * Fixtures are written at test time by tests/data/Inputs/fixtures.py (NumPy,
 * ONNX's numpy_helper, Pillow, torch) into a temporary directory, once for
 * the whole run (or taken from $SQC_TIO_DIR if set); run the binary from the
 * top of the tree, as make check does.  Each fixture's expected
 * tensor is a raw .bin beside it, so values are compared against what the
 * independent side computed, never read back through the code under test.
 * .npy files written by tensor_write_npy are checked by numpy.load.
 * Error paths run in a child process and must exit 1 with exactly one
 * expected "PATH: error: MSG" line.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frontend/dataset.h"
#include "frontend/tensorio.h"

#define FIXTURES "tests/data/Inputs/fixtures.py"
#define PYTHON "/usr/bin/python3"

static char owned[64];

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	char cmd[512];

	(void)set;
	if (getenv("SQC_TIO_DIR"))
		return;
	strcpy(owned, "/tmp/sqc-tio-XXXXXX");
	if (!mkdtemp(owned)) {
		owned[0] = 0;
		setenv("SQC_TIO_DIR", "/nonexistent/mkdtemp-failed", 1);
		return;
	}
	snprintf(cmd, sizeof cmd, "%s %s make %s/fx", PYTHON, FIXTURES, owned);
	if (system(cmd) != 0)
		fprintf(stderr, "test_tensorio: %s failed\n", cmd);
	snprintf(cmd, sizeof cmd, "%s/fx", owned);
	setenv("SQC_TIO_DIR", cmd, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	char cmd[128];

	(void)stats;
	if (owned[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", owned);
		if (system(cmd) != 0)
			fprintf(stderr, "test_tensorio: %s failed\n", cmd);
	}
}

/* ---- helpers ------------------------------------------------------------- */

/* Strings, tensors read by readt and the fixture modules live until the test
 * process ends: kept() and models[] hold them, so that LeakSanitizer (make
 * check SANITIZE=1) reports only what the code under test loses. */
static Arena *keep;
static Module *models[8];
static int nmodels;

static Arena *
kept(void)
{
	if (!keep)
		keep = arena_new();
	return keep;
}

static char *
str(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = arena_alloc(kept(), (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* a fixture's path */
static char *
fx(const char *rel)
{
	return str("%s/%s", getenv("SQC_TIO_DIR"), rel);
}

static void *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	void *p;
	long len;

	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)len + 1);
	cr_assert(fread(p, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void
same_bytes(const Tensor *t, const char *bin)
{
	size_t n;
	void *want = slurp(bin, &n);

	cr_assert(t->nbytes == n, "%s: %zu bytes, expected %zu", bin,
	    t->nbytes, n);
	cr_assert(memcmp(t->data, want, n) == 0, "%s: data differs", bin);
	free(want);
}

/* f32 data within a tight tolerance of the expected .bin: torch's resize
 * kernels (vectorized, maybe FMA) round differently from ours, by a few ulps
 * of the 0..255 pixel values that are mixed */
static void
close_floats(const Tensor *t, const char *bin)
{
	size_t n, k;
	float *want = slurp(bin, &n), *got = t->data, tol;

	cr_assert(t->dt == Df32);
	cr_assert(t->nbytes == n, "%s: %zu bytes, expected %zu", bin,
	    t->nbytes, n);
	for (k = 0; k < n / 4; k++) {
		tol = 1e-4f + 1e-5f * fabsf(want[k]);
		cr_assert(fabsf(got[k] - want[k]) <= tol,
		    "%s: element %zu is %.9g, expected %.9g", bin, k,
		    (double)got[k], (double)want[k]);
	}
	free(want);
}

static void
shape_is(const Tensor *t, DType dt, int rank, ...)
{
	va_list ap;
	int k;

	cr_assert(t->dt == dt, "dtype %d, expected %d", t->dt, dt);
	cr_assert(t->rank == rank, "rank %d, expected %d", t->rank, rank);
	va_start(ap, rank);
	for (k = 0; k < rank; k++) {
		int64_t d = va_arg(ap, int64_t);
		cr_assert(t->dim[k] == d, "dim %d is %lld, expected %lld", k,
		    (long long)t->dim[k], (long long)d);
	}
	va_end(ap);
}

/* Run code in a child with stderr captured; it must exit 1 having printed
 * exactly want (one line).  A want ending in "..." matches as a prefix. */
#define FAILS(want, code)                                                      \
	do {                                                                   \
		char got_[8192];                                               \
		const char *w_ = (want);                                       \
		size_t n_ = 0, wl_ = strlen(w_);                               \
		ssize_t r_;                                                    \
		int p_[2], st_ = 0;                                            \
		pid_t pid_;                                                    \
		cr_assert(pipe(p_) == 0);                                      \
		fflush(NULL);                                                  \
		pid_ = fork();                                                 \
		cr_assert(pid_ >= 0);                                          \
		if (pid_ == 0) {                                               \
			close(p_[0]);                                          \
			dup2(p_[1], 2);                                        \
			code;                                                  \
			_exit(0);                                              \
		}                                                              \
		close(p_[1]);                                                  \
		while ((r_ = read(p_[0], got_ + n_,                            \
		    sizeof got_ - 1 - n_)) > 0)                                \
			n_ += (size_t)r_;                                      \
		got_[n_] = 0;                                                  \
		close(p_[0]);                                                  \
		waitpid(pid_, &st_, 0);                                        \
		cr_assert(WIFEXITED(st_) && WEXITSTATUS(st_) == 1,             \
		    "status %#x, stderr: %s", st_, got_);                      \
		if (wl_ > 3 && strcmp(w_ + wl_ - 3, "...") == 0)               \
			cr_assert(strncmp(got_, w_, wl_ - 3) == 0,             \
			    "stderr:\n%s\nexpected a line starting:\n%.*s",   \
			    got_, (int)(wl_ - 3), w_);                         \
		else                                                           \
			cr_assert(strcmp(got_, str("%s\n", w_)) == 0,          \
			    "stderr:\n%s\nexpected:\n%s", got_, w_);           \
	} while (0)

static Type
ty(DType dt, int rank, ...)
{
	int64_t dim[SQC_MAXRANK];
	va_list ap;
	int k;

	va_start(ap, rank);
	for (k = 0; k < rank; k++)
		dim[k] = va_arg(ap, int64_t);
	va_end(ap);
	return type_make(dt, rank, dim);
}

static Module *
model(int n, const char **names, const Type *types)
{
	Module *m = ir_new("model.onnx");
	int k, v;

	for (k = 0; k < n; k++) {
		v = ir_addval(m, names[k], types[k]);
		vec_push(m->in, m->nin, m->capin, v);
	}
	cr_assert((size_t)nmodels < countof(models));
	models[nmodels++] = m;
	return m;
}

/* x: f32[1,3,2,2] */
static Module *
model_x(void)
{
	Type t = ty(Df32, 4, (int64_t)1, (int64_t)3, (int64_t)2, (int64_t)2);
	const char *n = "x";

	return model(1, &n, &t);
}

/* a: f32[1,2], b: i64[3] */
static Module *
model_ab(void)
{
	Type t[2] = {ty(Df32, 2, (int64_t)1, (int64_t)2),
	    ty(Di64, 1, (int64_t)3)};
	const char *n[2] = {"a", "b"};

	return model(2, n, t);
}

/* x: f32[1,3,4,5], or f32[1,4,5,3] */
static Module *
model_img(bool nhwc)
{
	Type t = nhwc ? ty(Df32, 4, (int64_t)1, (int64_t)4, (int64_t)5,
	    (int64_t)3) : ty(Df32, 4, (int64_t)1, (int64_t)3, (int64_t)4,
	    (int64_t)5);
	const char *n = "x";

	return model(1, &n, &t);
}

static Tensor
readt(const char *rel, const char **name)
{
	const char *nm;
	Tensor t;

	tensor_read(fx(rel), kept(), &t, &nm);
	if (name)
		*name = nm;
	return t;
}

/* ---- .npy ---------------------------------------------------------------- */

Test(npy, every_dtype_reads_as_numpy_wrote_it)
{
	static const struct {
		const char *code;
		DType dt;
	} types[] = {
		{"f2", Df16}, {"f4", Df32}, {"f8", Df64}, {"i1", Di8},
		{"u1", Du8}, {"i2", Di16}, {"u2", Du16}, {"i4", Di32},
		{"u4", Du32}, {"i8", Di64}, {"u8", Du64}, {"b1", Dbool},
		{"c8", Dc64}, {"c16", Dc128},
	};
	const char *name;
	size_t k;

	for (k = 0; k < countof(types); k++) {
		Tensor t = readt(str("npy/%s.npy", types[k].code), &name);
		shape_is(&t, types[k].dt, 2, (int64_t)2, (int64_t)3);
		same_bytes(&t, fx(str("npy/%s.npy.bin", types[k].code)));
		cr_assert(strcmp(name, "") == 0);
	}
}

Test(npy, versions_2_and_3)
{
	Tensor t = readt("npy/v2.npy", NULL);

	shape_is(&t, Df32, 3, (int64_t)3, (int64_t)1, (int64_t)2);
	same_bytes(&t, fx("npy/v2.npy.bin"));
	t = readt("npy/v3.npy", NULL);
	shape_is(&t, Df32, 3, (int64_t)3, (int64_t)1, (int64_t)2);
	same_bytes(&t, fx("npy/v3.npy.bin"));
}

Test(npy, scalar_empty_and_unusual_headers)
{
	Tensor t = readt("npy/scalar.npy", NULL);

	shape_is(&t, Df64, 0);
	same_bytes(&t, fx("npy/scalar.npy.bin"));
	t = readt("npy/empty.npy", NULL);
	shape_is(&t, Df32, 2, (int64_t)0, (int64_t)3);
	cr_assert(t.nbytes == 0 && t.data);
	t = readt("npy/oddheader.npy", NULL);
	shape_is(&t, Di32, 2, (int64_t)2, (int64_t)3);
	same_bytes(&t, fx("npy/oddheader.npy.bin"));
}

#define READFAILS(rel, msg)                                                    \
	FAILS(str("%s: error: %s", fx(rel), msg), readt(rel, NULL))

Test(npy, refused_with_a_reason)
{
	READFAILS("npy/fortran.npy", "fortran_order arrays are not supported: "
	    "save a C-order array (numpy.ascontiguousarray)");
	READFAILS("npy/bigendian.npy", "dtype '>f4' is big-endian; only "
	    "little-endian data is supported (save the array with "
	    ".astype('<f4'))");
	READFAILS("npy/unicode.npy", "unsupported dtype '<U3' (numeric dtypes "
	    "only: float16/32/64, complex64/128, int8..int64, uint8..uint64, "
	    "bool)");
	READFAILS("npy/structured.npy", "structured dtypes are not supported: "
	    "save one plain array per input");
	READFAILS("npy/badversion.npy", "unsupported .npy version 7.0 (1.0, "
	    "2.0 and 3.0 are supported)");
}

Test(npy, sizes_are_checked)
{
	READFAILS("npy/truncated.npy", "data has 20 bytes but f32[2,3] needs 24");
	READFAILS("npy/trailing.npy", "data has 28 bytes but f32[2,3] needs 24");
	READFAILS("npy/truncheader.npy", "truncated .npy header");
	READFAILS("npy/huge.npy", "f32[1099511627776,1099511627776] is too "
	    "large");
}

Test(npy, not_a_tensor_file)
{
	char *empty = fx("emptyfile");
	FILE *f = fopen(empty, "w");

	fclose(f);
	READFAILS("npy/garbage.bin", "not a .npy file or an ONNX TensorProto");
	READFAILS("emptyfile", "empty file: expected a .npy or an ONNX "
	    "TensorProto");
	READFAILS("no/such.npy", "cannot open: No such file or directory");
	READFAILS("npy", "is a directory, not a file");
	remove(empty);
}

/* ---- TensorProto --------------------------------------------------------- */

Test(pb, raw_and_typed_fields_of_every_type)
{
	static const struct {
		const char *name;
		DType dt;
	} types[] = {
		{"f32", Df32}, {"f64", Df64}, {"f16", Df16}, {"i8", Di8},
		{"u8", Du8}, {"i16", Di16}, {"u16", Du16}, {"i32", Di32},
		{"u32", Du32}, {"i64", Di64}, {"u64", Du64}, {"bool", Dbool},
	};
	const char *name;
	size_t k;
	int raw;

	for (k = 0; k < countof(types); k++)
		for (raw = 0; raw < 2; raw++) {
			const char *base = str("%s_%s", raw ? "raw" : "typed",
			    types[k].name);
			Tensor t = readt(str("pb/%s.pb", base), &name);
			shape_is(&t, types[k].dt, 2, (int64_t)3, (int64_t)2);
			same_bytes(&t, fx(str("pb/%s.pb.bin", base)));
			cr_assert(strcmp(name, base) == 0, "name '%s'", name);
		}
}

Test(pb, refused_with_a_reason)
{
	READFAILS("pb/short.pb", "data has 20 bytes but f32[2,3] needs 24");
	READFAILS("pb/string.pb", "string tensors are not supported");
	READFAILS("pb/notype.pb", "the TensorProto has no element type "
	    "(data_type)");
	READFAILS("pb/external.pb", "external data is not supported in a "
	    "tensor file");
}

/* ---- .npz ---------------------------------------------------------------- */

static void
check_ab_npz(const char *rel, const char *n0, const char *n1)
{
	Arena *a = arena_new();
	Npz *z = npz_open(fx(rel), a);
	Tensor t;

	cr_assert(npz_count(z) == 2, "%s: %d arrays", rel, npz_count(z));
	cr_assert(strcmp(npz_name(z, 0), n0) == 0, "%s", npz_name(z, 0));
	cr_assert(strcmp(npz_name(z, 1), n1) == 0, "%s", npz_name(z, 1));
	npz_read(z, 0, a, &t);
	shape_is(&t, Df32, 3, (int64_t)4, (int64_t)1, (int64_t)2);
	same_bytes(&t, fx("npz/a.bin"));
	npz_read(z, 1, a, &t);
	shape_is(&t, Di64, 2, (int64_t)4, (int64_t)3);
	same_bytes(&t, fx("npz/b.bin"));
	arena_free(a);
}

Test(npz, stored_and_deflated_members)
{
	check_ab_npz("npz/stored.npz", "a", "b");
	check_ab_npz("npz/deflated.npz", "a", "b");
	check_ab_npz("npz/positional.npz", "arr_0", "arr_1");
}

Test(npz, non_array_members_are_skipped)
{
	check_ab_npz("npz/extra.npz", "a", "b");
}

#define NPZFAILS(rel, k, msg)                                                  \
	FAILS(msg, {                                                           \
		Arena *a_ = arena_new();                                       \
		Tensor t_;                                                     \
		npz_read(npz_open(fx(rel), a_), k, a_, &t_);                   \
	})

Test(npz, broken_archives)
{
	NPZFAILS("npz/bzip2.npz", 0, str("%s: error: member 'a.npy' uses "
	    "compression method 12 (only stored and deflated members are "
	    "supported)", fx("npz/bzip2.npz")));
	NPZFAILS("npz/truncated.npz", 0, str("%s: error: not a valid .npz "
	    "(zip) file: no end of central directory record",
	    fx("npz/truncated.npz")));
	NPZFAILS("npz/notzip.npz", 0, str("%s: error: not a valid .npz (zip) "
	    "file: too short", fx("npz/notzip.npz")));
	NPZFAILS("npz/badcrc.npz", 0, str("%s(a.npy): error: CRC mismatch: the "
	    "member is corrupt", fx("npz/badcrc.npz")));
	NPZFAILS("npz/corrupt.npz", 0, str("%s(a.npy): error: compressed data "
	    "is corrupt...", fx("npz/corrupt.npz")));
}

/* ---- tensor_write_npy ---------------------------------------------------- */

static void
writenpy(const char *name, DType dt, int rank, const int64_t *dim,
    const void *data, size_t nbytes)
{
	Tensor t = {0};
	FILE *f;

	t.dt = dt;
	t.rank = rank;
	if (rank)
		memcpy(t.dim, dim, (size_t)rank * sizeof *dim);
	t.data = (void *)data;
	t.nbytes = nbytes;
	f = fopen(fx(str("written/%s.npy", name)), "wb");
	cr_assert(f);
	cr_assert(tensor_write_npy(f, &t));
	cr_assert(fclose(f) == 0);
}

Test(write, numpy_loads_what_we_write)
{
	/* the same values fixtures.py's values() computes, by hand */
	float f32[6] = {-2.5f, -2.125f, -1.75f, -1.375f, -1.0f, -0.625f};
	int8_t i8[4] = {-125, -88, -51, -14};
	uint8_t u8[4] = {0, 37, 74, 111}, b[5] = {1, 0, 0, 1, 0};
	double f64 = 6.25;
	int64_t i64[2] = {-125, -88};
	uint16_t f16[3] = {0xc100, 0xc040, 0xbf00};	/* -2.5, -2.125, -1.75 */
	uint16_t u16[4] = {0, 37, 74, 111};
	int32_t i32[3] = {-125, -88, -51};
	int64_t d23[2] = {2, 3}, d4[1] = {4}, d5[1] = {5}, d02[2] = {0, 2};
	int64_t d8[8] = {1, 1, 1, 1, 1, 1, 1, 2}, d3[1] = {3}, d22[2] = {2, 2};
	int64_t d31[2] = {3, 1};
	char cmd[512];

	cr_assert(mkdir(fx("written"), 0777) == 0 || errno == EEXIST);
	writenpy("f32", Df32, 2, d23, f32, sizeof f32);
	writenpy("i8", Di8, 1, d4, i8, sizeof i8);
	writenpy("u8", Du8, 1, d4, u8, sizeof u8);
	writenpy("bool", Dbool, 1, d5, b, sizeof b);
	writenpy("f64", Df64, 0, NULL, &f64, sizeof f64);
	writenpy("empty", Df32, 2, d02, NULL, 0);
	writenpy("i64", Di64, 8, d8, i64, sizeof i64);
	writenpy("f16", Df16, 1, d3, f16, sizeof f16);
	writenpy("u16", Du16, 2, d22, u16, sizeof u16);
	writenpy("i32", Di32, 2, d31, i32, sizeof i32);
	snprintf(cmd, sizeof cmd, "%s %s written %s >/dev/null", PYTHON, FIXTURES,
	    getenv("SQC_TIO_DIR"));
	cr_assert(system(cmd) == 0, "numpy rejected what we wrote");
}

Test(write, round_trip_through_our_reader)
{
	uint16_t u16[4] = {1, 2, 3, 65535};
	int64_t d[2] = {2, 2};
	Tensor t;

	cr_assert(mkdir(fx("written"), 0777) == 0 || errno == EEXIST);
	writenpy("rt", Du16, 2, d, u16, sizeof u16);
	t = readt("written/rt.npy", NULL);
	shape_is(&t, Du16, 2, (int64_t)2, (int64_t)2);
	cr_assert(memcmp(t.data, u16, sizeof u16) == 0);
}

Test(write, bf16_has_no_numpy_dtype)
{
	Tensor t = {0};

	t.dt = Dbf16;
	FAILS("sqc: error: cannot write a bf16 tensor as .npy (numpy has no "
	    "such dtype)", tensor_write_npy(stdout, &t));
}

/* ---- datasets: tensors --------------------------------------------------- */

static Dataset *
dsopen(const char *rel, const Module *m, int limit, const char *pre,
    const char *order)
{
	DatasetOpts o = {limit, pre, order};

	return dataset_open(fx(rel), m, &o);
}

static void
check_ab_sample(const Tensor *in, int s)
{
	float a[2] = {(float)s + 0.25f, (float)-s};
	int64_t b[3] = {s, 10 * s, -100 * s};

	shape_is(&in[0], Df32, 2, (int64_t)1, (int64_t)2);
	shape_is(&in[1], Di64, 1, (int64_t)3);
	cr_assert(memcmp(in[0].data, a, sizeof a) == 0, "a of sample %d", s);
	cr_assert(memcmp(in[1].data, b, sizeof b) == 0, "b of sample %d", s);
}

Test(dataset, test_data_sets_in_strcmp_order_mapped_by_name)
{
	static const int order[4] = {0, 1, 10, 2};
	Module *m = model_ab();
	Dataset *d = dsopen("ds/sets", m, 0, NULL, NULL);
	Arena *a = arena_new();
	Tensor in[2];
	int i;

	cr_assert(dataset_count(d) == 4);
	for (i = 0; i < 4; i++) {
		dataset_load(d, i, a, in);
		check_ab_sample(in, order[i]);
	}
	dataset_close(d);
	d = dsopen("ds/sets", m, 2, NULL, NULL);
	cr_assert(dataset_count(d) == 2);
	dataset_close(d);
	arena_free(a);
}

Test(dataset, one_sample_directory)
{
	Module *m = model_ab();
	Dataset *d = dsopen("ds/one", m, 0, NULL, NULL);
	Tensor in[2];

	cr_assert(dataset_count(d) == 1);
	dataset_load(d, 0, kept(), in);
	check_ab_sample(in, 7);
	dataset_close(d);
}

static void
check_x_samples(const char *rel, int limit, int count)
{
	Module *m = model_x();
	Dataset *d = dsopen(rel, m, limit, NULL, NULL);
	Arena *a = arena_new();
	size_t n;
	uint8_t *want = slurp(fx("ds/x5.npy.bin"), &n);
	Tensor in;
	int i;

	cr_assert(dataset_count(d) == count, "%s: %d samples", rel,
	    dataset_count(d));
	for (i = 0; i < count; i++) {
		dataset_load(d, i, a, &in);
		shape_is(&in, Df32, 4, (int64_t)1, (int64_t)3, (int64_t)2,
		    (int64_t)2);
		cr_assert(in.nbytes == 48);
		cr_assert(memcmp(in.data, want + 48 * i, 48) == 0,
		    "%s: sample %d", rel, i);
	}
	dataset_close(d);
	arena_free(a);
	free(want);
}

Test(dataset, npy_and_npz_samples_on_the_first_axis)
{
	check_x_samples("ds/x5.npy", 0, 5);
	check_x_samples("ds/x5r.npy", 0, 5);	/* [S,3,2,2] for [1,3,2,2] */
	check_x_samples("ds/x5.npy", 3, 3);
	check_x_samples("ds/x.npz", 0, 5);	/* deflated */
}

static void
check_ab_npz_dataset(const char *rel)
{
	Module *m = model_ab();
	Dataset *d = dsopen(rel, m, 0, NULL, NULL);
	Arena *a = arena_new();
	size_t na, nb;
	uint8_t *wa = slurp(fx("npz/a.bin"), &na), *wb = slurp(fx("npz/b.bin"),
	    &nb);
	Tensor in[2];
	int i;

	cr_assert(dataset_count(d) == 4, "%s", rel);
	for (i = 0; i < 4; i++) {
		dataset_load(d, i, a, in);
		shape_is(&in[0], Df32, 2, (int64_t)1, (int64_t)2);
		shape_is(&in[1], Di64, 1, (int64_t)3);
		cr_assert(memcmp(in[0].data, wa + 8 * i, 8) == 0, "%s a %d",
		    rel, i);
		cr_assert(memcmp(in[1].data, wb + 24 * i, 24) == 0, "%s b %d",
		    rel, i);
	}
	dataset_close(d);
	arena_free(a);
	free(wa);
	free(wb);
}

Test(dataset, npz_one_array_per_input)
{
	check_ab_npz_dataset("npz/stored.npz");
	check_ab_npz_dataset("npz/deflated.npz");
	check_ab_npz_dataset("npz/positional.npz");
	check_ab_npz_dataset("npz/rankeq.npz");
	check_ab_npz_dataset("npz/extra.npz");
}

Test(dataset, seed_preprocessing_of_tensor_data)
{
	static const float caffe2[3] = {123.68f, 116.779f, 103.939f};
	Module *m = model_x();
	Dataset *d = dsopen("ds/x5.npy", m, 0, "caffe2", NULL);
	size_t n;
	float *x = slurp(fx("ds/x5.npy.bin"), &n), *got;
	Tensor in;
	int c, j;

	dataset_load(d, 1, kept(), &in);
	got = in.data;
	for (c = 0; c < 3; c++)		/* channel c goes to 2 - c */
		for (j = 0; j < 4; j++)
			cr_assert(got[(2 - c) * 4 + j] ==
			    x[12 + c * 4 + j] - caffe2[c]);
	dataset_close(d);
	free(x);
}

#define OPENFAILS(rel, m, msg)                                                 \
	FAILS(str("%s: error: %s", fx(rel), msg),                              \
	    dsopen(rel, m, 0, NULL, NULL))
#define LOADFAILS(rel, m, i, where, msg)                                       \
	FAILS(str("%s: error: %s", fx(where), msg), {                          \
		Tensor in_[4];                                                 \
		dataset_load(dsopen(rel, m, 0, NULL, NULL), i, arena_new(),    \
		    in_);                                                      \
	})

Test(dataset, wrong_shape_or_dtype)
{
	Module *x = model_x(), *ab = model_ab();

	OPENFAILS("ds/xshape.npy", x, "holds f32[5,3,2,3], but input 'x' is "
	    "f32[1,3,2,2]: expected f32[S,1,3,2,2] or f32[S,3,2,2] "
	    "(S samples)");
	OPENFAILS("ds/xdtype.npy", x, "holds f64[5,1,3,2,2], but input 'x' is "
	    "f32[1,3,2,2] (convert with .astype(numpy.float32))");
	FAILS(str("%s(a.npy): error: holds f64[4,1,2], but input 'a' is "
	    "f32[1,2] (convert with .astype(numpy.float32))",
	    fx("npz/wrongdtype.npz")), dsopen("npz/wrongdtype.npz", ab, 0,
	    NULL, NULL));
	LOADFAILS("ds/setshape", ab, 0, "ds/setshape/test_data_set_0/input_0.pb",
	    "sample 0, input 'a': the tensor is f32[2,1], but the input is "
	    "f32[1,2]");
	LOADFAILS("ds/setdtype", ab, 0, "ds/setdtype/test_data_set_0/input_1.pb",
	    "sample 0, input 'b': the tensor is i32[3], but the input is i64[3]");
}

Test(dataset, nan_and_inf_name_file_sample_input_index)
{
	Module *x = model_x(), *ab = model_ab();

	LOADFAILS("ds/xnan.npy", x, 3, "ds/xnan.npy",
	    "sample 3, input 'x': NaN at index [0,1,1,0]");
	LOADFAILS("ds/xnan.npy", x, 4, "ds/xnan.npy",
	    "sample 4, input 'x': Inf at index [0,0,0,0]");
	FAILS(str("%s(x.npy): error: sample 2, input 'x': Inf at index "
	    "[0,2,0,1]", fx("ds/xinf.npz")), {
		Tensor in_;
		dataset_load(dsopen("ds/xinf.npz", x, 0, NULL, NULL), 2,
		    arena_new(), &in_);
	});
	LOADFAILS("ds/setinf", ab, 0, "ds/setinf/test_data_set_0/input_0.pb",
	    "sample 0, input 'a': Inf at index [0,1]");
}

Test(dataset, empty_datasets)
{
	Module *x = model_x();

	OPENFAILS("ds/x0.npy", x, "empty dataset: the arrays hold 0 samples");
	OPENFAILS("ds/emptydir", x, "empty dataset: the directory holds no "
	    "test_data_set_* directories, no input_K.pb files and no "
	    ".jpg/.jpeg/.png images");
	OPENFAILS("ds/otherfiles", x, "empty dataset: the directory holds no "
	    "test_data_set_* directories, no input_K.pb files and no "
	    ".jpg/.jpeg/.png images");
}

Test(dataset, broken_sets_and_archives)
{
	Module *x = model_x(), *ab = model_ab();

	FAILS(str("%s/test_data_set_0: error: has no input_1.pb (the model has "
	    "2 inputs: 'a', 'b')", fx("ds/setmissing")),
	    dsopen("ds/setmissing", ab, 0, NULL, NULL));
	FAILS(str("%s/test_data_set_0: error: has input_2.pb, but the model "
	    "has 2 inputs ('a', 'b')", fx("ds/setextra")),
	    dsopen("ds/setextra", ab, 0, NULL, NULL));
	LOADFAILS("ds/setdup", ab, 0, "ds/setdup/test_data_set_0/input_1.pb",
	    str("input 'a' is also given by %s",
	    fx("ds/setdup/test_data_set_0/input_0.pb")));
	OPENFAILS("npz/missing.npz", ab, "no array for graph input 'b' (the "
	    ".npz holds 'a')");
	OPENFAILS("npz/unknown.npz", ab, "array 'c' names no graph input (the "
	    "model's inputs: 'a', 'b')");
	OPENFAILS("npz/counts.npz", ab, "arrays hold different numbers of "
	    "samples: 'a' has 4, 'b' has 3");
	OPENFAILS("npz/truncated.npz", ab, "not a valid .npz (zip) file: no "
	    "end of central directory record");
	OPENFAILS("npy/truncated.npy", x, "data has 20 bytes but f32[2,3] "
	    "needs 24");
	OPENFAILS("ds/x5.npy", ab, "a .npy dataset feeds one input, but the "
	    "model has 2 ('a', 'b'): use an .npz with one array per input");
	OPENFAILS("npy/garbage.bin", x, "not a dataset: expected a directory, "
	    "a .npy or an .npz file");
	OPENFAILS("no/such/dir", x, "cannot open: No such file or directory");
}

Test(dataset, bad_options_and_models)
{
	Module *x = model_x(), *ab = model_ab(), *dyn;
	Type t = ty(Df32, 4, (int64_t)-1, (int64_t)3, (int64_t)2, (int64_t)2);
	const char *n = "x";

	t.sym[0] = "N";
	dyn = model(1, &n, &t);
	FAILS("sqc: error: --preprocess=foo: expected caffe, caffe2, mxnet, "
	    "rcnn or none", dsopen("ds/x5.npy", x, 0, "foo", NULL));
	FAILS("sqc: error: --channel-order=gbr: expected rgb or bgr",
	    dsopen("ds/x5.npy", x, 0, NULL, "gbr"));
	FAILS("model.onnx: error: input 'x' has no static shape (f32[N,3,2,2]): "
	    "fix it with --input-shape x=D,3,2,2",
	    dsopen("ds/x5.npy", dyn, 0, NULL, NULL));
	FAILS(str("%s: error: --preprocess=caffe: input 'a' is f32[1,2], not "
	    "f32[N,3,H,W] or f32[3,H,W]", fx("ds/sets")),
	    dsopen("ds/sets", ab, 0, "caffe", NULL));
	FAILS(str("%s: error: an image dataset feeds one input, but the model "
	    "has 2 ('a', 'b')", fx("img/ok")), dsopen("img/ok", ab, 0, NULL,
	    NULL));
	FAILS(str("%s: error: images need a model input of type f32[1,3,H,W], "
	    "f32[3,H,W], f32[1,H,W,3] or f32[H,W,3], but input 'a' is f32[1,2]",
	    fx("img/ok")), dsopen("img/ok", model(1, (const char *[]){"a"},
	    (Type[]){ty(Df32, 2, (int64_t)1, (int64_t)2)}), 0, NULL, NULL));
}

/* ---- datasets: images ---------------------------------------------------- */

enum { NIMG = 9 };	/* images in img/ok */

static void
check_images(const char *pre, const char *order, bool nhwc, const char *bin)
{
	Module *m = model_img(nhwc);
	Dataset *d = dsopen("img/ok", m, 0, pre, order);
	Arena *a = arena_new();
	Tensor in;
	int i;

	cr_assert(dataset_count(d) == NIMG);
	for (i = 0; i < NIMG; i++) {
		dataset_load(d, i, a, &in);
		if (nhwc)
			shape_is(&in, Df32, 4, (int64_t)1, (int64_t)4,
			    (int64_t)5, (int64_t)3);
		else
			shape_is(&in, Df32, 4, (int64_t)1, (int64_t)3,
			    (int64_t)4, (int64_t)5);
		close_floats(&in, fx(str("img/ok/%s_%d.bin", bin, i)));
	}
	dataset_close(d);
	arena_free(a);
}

Test(images, decode_resize_crop_as_pillow_and_torch)
{
	check_images(NULL, NULL, false, "none");
	check_images("none", NULL, false, "none");
}

Test(images, seed_preprocessing_modes)
{
	check_images("mxnet", NULL, false, "mxnet");
	check_images("caffe", NULL, false, "caffe");
	check_images("caffe2", NULL, false, "caffe2");
	check_images("rcnn", NULL, false, "rcnn");
}

Test(images, channel_order_and_nhwc)
{
	check_images("caffe2", "rgb", false, "caffe2rgb");
	check_images("mxnet", "bgr", true, "nhwc");
}

Test(images, unreadable_images)
{
	Module *m = model_img(false);

	LOADFAILS("img/badjpg", m, 0, "img/badjpg/x.jpg",
	    "not a JPEG or PNG image");
	LOADFAILS("img/truncpng", m, 0, "img/truncpng/x.png",
	    "cannot decode PNG: unexpected end of file");
	LOADFAILS("img/truncjpg", m, 0, "img/truncjpg/x.jpg",
	    "cannot decode JPEG: Premature end of JPEG file");
}

/* ---- concurrency --------------------------------------------------------- */

typedef struct Job {
	Dataset *d;
	int first;
	Tensor out[NIMG];
	Arena *a;
} Job;

static void *
loadall(void *p)
{
	Job *j = p;
	int i, k;

	for (k = 0; k < 30; k++) {
		i = (j->first + k) % NIMG;
		dataset_load(j->d, i, j->a, &j->out[i]);
	}
	return NULL;
}

Test(dataset, loads_in_parallel_with_distinct_arenas)
{
	Module *m = model_img(false);
	Dataset *d = dsopen("img/ok", m, 0, "mxnet", NULL);
	Job job[3];
	pthread_t th[3];
	int k, i;

	for (k = 0; k < 3; k++) {
		job[k].d = d;
		job[k].first = k;
		job[k].a = arena_new();
		cr_assert(pthread_create(&th[k], NULL, loadall, &job[k]) == 0);
	}
	for (k = 0; k < 3; k++)
		pthread_join(th[k], NULL);
	for (k = 0; k < 3; k++)
		for (i = 0; i < NIMG; i++)
			close_floats(&job[k].out[i],
			    fx(str("img/ok/mxnet_%d.bin", i)));
	for (k = 0; k < 3; k++)
		arena_free(job[k].a);
	dataset_close(d);
}
