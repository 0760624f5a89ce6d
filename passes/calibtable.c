/*
 * calibtable.c — the calibration table: graph hash, text writer and reader,
 * exact merge (see calibtable.h; the format is doc/calibration.md §5).
 *
 * The writer is deterministic: the same statistics give the same bytes.
 * The reader is strict (a table is a machine-written file): every field in
 * its place, counts that add up, a grid that matches the recorded maximum,
 * and a final "end" line, so a truncated or hand-damaged table is refused
 * with its file and line instead of silently calibrating wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ir/outfile.h"
#include "calibtable.h"

/* ---- graph hash ------------------------------------------------------------ */

static const uint64_t fnvbasis = 14695981039346656037ull;
static const uint64_t fnvprime = 1099511628211ull;

static void
hbytes(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t x = *h;
	size_t i;

	for (i = 0; i < n; i++)
		x = (x ^ b[i]) * fnvprime;
	*h = x;
}

static void
hu64(uint64_t *h, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> 8 * i);
	hbytes(h, b, 8);
}

static void
hstr(uint64_t *h, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	hu64(h, n);
	hbytes(h, s, n);
}

static void
hbytestr(uint64_t *h, const Bytes *b)
{
	hu64(h, b->len);
	hbytes(h, b->data, b->len);
}

static void
htype(uint64_t *h, const Type *t)
{
	int k;

	hu64(h, (uint64_t)t->dt);
	hu64(h, (uint64_t)(int64_t)t->rank);
	for (k = 0; k < t->rank; k++) {
		hu64(h, (uint64_t)t->dim[k]);
		if (t->dim[k] < 0)
			hstr(h, t->sym[k]);
	}
}

static void
hcst(uint64_t *h, const Cst *c)
{
	size_t k, n;
	const Bytes *s;

	hstr(h, c->name);
	htype(h, &c->type);
	if (c->type.dt == Dstr) {
		s = c->data;
		n = c->nbytes / sizeof(Bytes);
		hu64(h, n);
		for (k = 0; k < n; k++)
			hbytestr(h, &s[k]);
		return;
	}
	hu64(h, c->nbytes);
	hbytes(h, c->data, c->nbytes);
}

static void
hfloat(uint64_t *h, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	hu64(h, u);
}

static void
hattr(uint64_t *h, const Attr *a)
{
	int k;

	hstr(h, a->name);
	hu64(h, (uint64_t)a->kind);
	hu64(h, (uint64_t)a->n);
	switch (a->kind) {
	case Aint:
		hu64(h, (uint64_t)a->i);
		break;
	case Afloat:
		hfloat(h, a->f);
		break;
	case Astr:
		hbytestr(h, &a->s);
		break;
	case Aints:
		for (k = 0; k < a->n; k++)
			hu64(h, (uint64_t)a->ints[k]);
		break;
	case Afloats:
		for (k = 0; k < a->n; k++)
			hfloat(h, a->floats[k]);
		break;
	case Astrs:
		for (k = 0; k < a->n; k++)
			hbytestr(h, &a->strs[k]);
		break;
	case Atensor:
	case Atensors:
		for (k = 0; k < a->n; k++)
			hcst(h, &a->tensors[k]);
		break;
	default:	/* graphs, sparse tensors, type protos: their bytes */
		for (k = 0; k < a->n; k++)
			hbytestr(h, &a->blob[k]);
	}
}

uint64_t
calib_graphhash(const Module *m)
{
	uint64_t h = fnvbasis;
	const Ins *in;
	int i, k;

	hstr(&h, "sqc-graph 1");
	hu64(&h, (uint64_t)m->nin);
	for (i = 0; i < m->nin; i++) {
		hstr(&h, m->val[m->in[i]].name);
		htype(&h, &m->val[m->in[i]].type);
	}
	hu64(&h, (uint64_t)m->ncst);
	for (i = 0; i < m->ncst; i++) {
		hcst(&h, &m->cst[i]);
		hu64(&h, m->cst[i].isinput);
	}
	hu64(&h, (uint64_t)m->nins);
	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		hstr(&h, in->op == Oopaque ? in->domain : "");
		hstr(&h, ir_opname(m, in));
		hu64(&h, (uint64_t)in->nin);
		for (k = 0; k < in->nin; k++) {
			hu64(&h, (uint64_t)in->in[k].kind);
			hstr(&h, ir_refname(m, in->in[k]));
		}
		hu64(&h, (uint64_t)in->nout);
		for (k = 0; k < in->nout; k++)
			hstr(&h, in->out[k] < 0 ? "" : m->val[in->out[k]].name);
		hu64(&h, (uint64_t)in->nattr);
		for (k = 0; k < in->nattr; k++)
			hattr(&h, &in->attr[k]);
	}
	hu64(&h, (uint64_t)m->nout);
	for (i = 0; i < m->nout; i++) {
		hu64(&h, (uint64_t)m->out[i].kind);
		hstr(&h, ir_refname(m, m->out[i]));
	}
	return h;
}

/* ---- tables ----------------------------------------------------------------- */

CalibTable *
calibtable_new(Arena *a, uint64_t hash, int n)
{
	CalibTable *t = arena_alloc(a, sizeof *t);
	int k;

	t->hash = hash;
	t->n = n;
	t->name = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *t->name);
	t->st = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *t->st);
	for (k = 0; k < n; k++)
		calibstats_init(&t->st[k]);
	return t;
}

/* ---- writer ----------------------------------------------------------------- */

static void
pstr(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void
pflt(FILE *f, float v)
{
	char buf[48];

	if (isinf(v))
		fputs(v < 0 ? "-inf" : "inf", f);
	else {
		fmtfloat(buf, 40, v);
		fputs(buf, f);
	}
}

/* counts, a run of k >= 3 equal counts c as c*k, trailing zeros left out */
static void
phist(FILE *f, const CalibStats *s)
{
	int nb = calib_histtop(s), k, r, j;

	for (k = 0; k < nb; k = r) {
		for (r = k + 1; r < nb && s->hist[r] == s->hist[k]; r++)
			;
		if (r - k >= 3)
			fprintf(f, " %" PRIu64 "*%d", s->hist[k], r - k);
		else
			for (j = k; j < r; j++)
				fprintf(f, " %" PRIu64, s->hist[k]);
	}
}

void
calibtable_write(const CalibTable *t, FILE *f)
{
	const CalibStats *s;
	int k;

	fprintf(f, "sqc-calib %d\n", CALIB_TABLE_VERSION);
	fprintf(f, "graph %016" PRIx64 "\n", t->hash);
	fprintf(f, "samples %" PRIu64 "\n", t->samples);
	fprintf(f, "bins %d\n", CALIB_NBINS);
	fprintf(f, "tensors %d\n", t->n);
	for (k = 0; k < t->n; k++) {
		s = &t->st[k];
		fputs("tensor ", f);
		pstr(f, t->name[k]);
		fprintf(f, " count %" PRIu64 " zeros %" PRIu64 " nonfinite %" PRIu64
		    " min ", s->count, s->zeros, s->nonfinite);
		pflt(f, s->min);
		fputs(" max ", f);
		pflt(f, s->max);
		fprintf(f, " wexp %d hist", s->wexp);
		phist(f, s);
		fputc('\n', f);
	}
	fputs("end\n", f);
}

/* whole or not at all: a temporary next to path, renamed on success and
 * removed on any error or signal (ir/outfile.c) */
void
calibtable_save(const CalibTable *t, const char *path)
{
	FILE *f = outfile_open(path);

	calibtable_write(t, f);
	outfile_commit();
}

/* ---- reader ----------------------------------------------------------------- */

typedef struct Rd {
	const char *path;
	char *p;
	int line;
	Arena *a;
} Rd;

static noreturn void PRINTF(2, 3)
bad(Rd *r, const char *fmt, ...)
{
	char where[4096];
	va_list ap;

	snprintf(where, sizeof where, "%s:%d", r->path, r->line);
	va_start(ap, fmt);
	verror(where, fmt, ap);
}

static void
skipsp(Rd *r)
{
	while (*r->p == ' ' || *r->p == '\t')
		r->p++;
}

static bool
ateol(Rd *r)
{
	skipsp(r);
	return *r->p == '\n' || *r->p == 0;
}

static void
endline(Rd *r)
{
	if (!ateol(r))
		bad(r, "unexpected '%.20s' at the end of the line", r->p);
	if (*r->p == '\n')
		r->p++;
	r->line++;
}

/* the next space-delimited token, NUL-terminated in a scratch buffer */
static const char *
token(Rd *r, char *buf, size_t n)
{
	size_t k = 0;

	skipsp(r);
	while (*r->p && *r->p != ' ' && *r->p != '\t' && *r->p != '\n') {
		if (k + 1 < n)
			buf[k++] = *r->p;
		r->p++;
	}
	buf[k] = 0;
	return buf;
}

static void
expect(Rd *r, const char *kw)
{
	char buf[64];

	if (strcmp(token(r, buf, sizeof buf), kw) != 0)
		bad(r, "expected '%s', found '%s'", kw, buf);
}

static uint64_t
u64tok(Rd *r, const char *what)
{
	char buf[64], *end;
	uint64_t v;

	token(r, buf, sizeof buf);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (!buf[0] || *end || buf[0] == '-' || errno)
		bad(r, "%s: expected an unsigned integer, found '%s'", what, buf);
	return v;
}

static int
inttok(Rd *r, const char *what)
{
	char buf[64], *end;
	long v;

	token(r, buf, sizeof buf);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (!buf[0] || *end || errno || v < -100000 || v > 100000)
		bad(r, "%s: expected an integer, found '%s'", what, buf);
	return (int)v;
}

static float
flttok(Rd *r, const char *what)
{
	char buf[64], *end;
	float v;

	token(r, buf, sizeof buf);
	v = strtof(buf, &end);
	if (!buf[0] || *end || isnan(v))
		bad(r, "%s: expected a number, found '%s'", what, buf);
	return v;
}

static const char *
qstring(Rd *r)
{
	char *s, *q;
	int h1, h2;

	skipsp(r);
	if (*r->p != '"')
		bad(r, "expected a quoted tensor name");
	s = q = r->p + 1;	/* unescape in place: never longer */
	for (r->p++; *r->p != '"'; r->p++) {
		if (*r->p == 0 || *r->p == '\n')
			bad(r, "unterminated string");
		if (*r->p != '\\') {
			*q++ = *r->p;
			continue;
		}
		r->p++;
		switch (*r->p) {
		case '"': case '\\':
			*q++ = *r->p;
			break;
		case 'n':
			*q++ = '\n';
			break;
		case 't':
			*q++ = '\t';
			break;
		case 'r':
			*q++ = '\r';
			break;
		case 'x':
			h1 = hexdigit(r->p[1]);
			h2 = h1 < 0 ? -1 : hexdigit(r->p[2]);
			if (h2 < 0 || (h1 == 0 && h2 == 0))
				bad(r, "bad \\x escape in a string");
			*q++ = (char)(h1 * 16 + h2);
			r->p += 2;
			break;
		default:
			bad(r, "unknown escape '\\%c' in a string", *r->p ? *r->p : '0');
		}
	}
	r->p++;
	return arena_strndup(r->a, s, (size_t)(q - s));
}

static void
histtok(Rd *r, CalibStats *s)
{
	char buf[64], *end, *star;
	uint64_t c, k, pos = 0, sum = 0;

	while (!ateol(r)) {
		token(r, buf, sizeof buf);
		star = strchr(buf, '*');
		if (star)
			*star = 0;
		errno = 0;
		c = strtoull(buf, &end, 10);
		if (!buf[0] || *end || buf[0] == '-' || errno)
			bad(r, "histogram: expected a count, found '%s'", buf);
		k = 1;
		if (star) {
			k = strtoull(star + 1, &end, 10);
			if (!star[1] || *end || star[1] == '-' || k == 0)
				bad(r, "histogram: bad run length '%s'", star + 1);
		}
		if (k > CALIB_NBINS - pos)
			bad(r, "histogram has more than %d bins", CALIB_NBINS);
		for (; k > 0; k--) {
			s->hist[pos++] = c;
			if (sum + c < sum)
				bad(r, "histogram counts overflow");
			sum += c;
		}
	}
	if (sum != s->count)
		bad(r, "histogram counts sum to %" PRIu64 ", not count %" PRIu64, sum, s->count);
}

static void
record(Rd *r, CalibTable *t, int k)
{
	CalibStats *s = &t->st[k];
	float amax;

	expect(r, "tensor");
	t->name[k] = qstring(r);
	expect(r, "count");
	s->count = u64tok(r, "count");
	expect(r, "zeros");
	s->zeros = u64tok(r, "zeros");
	expect(r, "nonfinite");
	s->nonfinite = u64tok(r, "nonfinite");
	expect(r, "min");
	s->min = flttok(r, "min");
	expect(r, "max");
	s->max = flttok(r, "max");
	expect(r, "wexp");
	s->wexp = inttok(r, "wexp");
	expect(r, "hist");
	histtok(r, s);
	if (s->count == 0) {
		if (s->min != INFINITY || s->max != -INFINITY || s->wexp != CALIB_EMIN || s->zeros)
			bad(r, "tensor with count 0 must have min inf, max -inf, "
			    "wexp %d and zeros 0", CALIB_EMIN);
	} else {
		if (isinf(s->min) || isinf(s->max) || s->min > s->max)
			bad(r, "min and max must be finite with min <= max");
		amax = -s->min > s->max ? -s->min : s->max;
		if (s->wexp != calib_gridexp(amax))
			bad(r, "wexp %d does not match max |x| (expected %d)", s->wexp,
			    calib_gridexp(amax));
		if (s->zeros > s->hist[0])
			bad(r, "zeros exceed the first bin's count");
	}
	endline(r);
}

CalibTable *
calibtable_read(const char *path, Arena *a)
{
	struct stat st;
	CalibTable *t;
	uint8_t *buf;
	size_t len;
	Rd r;
	char tok[64], *end;
	uint64_t hash, samples;
	int k, n, v;

	if (stat(path, &st) != 0 && errno == ENOENT)
		return NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		error(path, "is a directory, not a calibration table");
	buf = readfile(path, &len);
	if (strlen((char *)buf) != len)
		error(path, "not a calibration table (it contains NUL bytes)");
	r.path = path;
	r.p = (char *)buf;
	r.line = 1;
	r.a = a;
	if (strcmp(token(&r, tok, sizeof tok), "sqc-calib") != 0)
		error(path, "not a calibration table (it does not start with 'sqc-calib')");
	v = inttok(&r, "version");
	if (v != CALIB_TABLE_VERSION)
		error(path, "calibration table version %d is not supported (this sqc "
		    "reads version %d): delete it to recalibrate", v, CALIB_TABLE_VERSION);
	endline(&r);
	expect(&r, "graph");
	token(&r, tok, sizeof tok);
	hash = strtoull(tok, &end, 16);
	if (strlen(tok) != 16 || *end)
		bad(&r, "graph: expected 16 hex digits, found '%s'", tok);
	endline(&r);
	expect(&r, "samples");
	samples = u64tok(&r, "samples");
	endline(&r);
	expect(&r, "bins");
	v = inttok(&r, "bins");
	if (v != CALIB_NBINS)
		bad(&r, "bins %d is not supported (this sqc uses %d)", v, CALIB_NBINS);
	endline(&r);
	expect(&r, "tensors");
	n = inttok(&r, "tensors");
	if (n < 0)
		bad(&r, "tensors: negative count");
	endline(&r);
	t = calibtable_new(a, hash, n);
	t->samples = samples;
	for (k = 0; k < n; k++) {
		if (*r.p == 0)
			bad(&r, "the table ends after %d of %d tensors", k, n);
		record(&r, t, k);
	}
	if (*r.p == 0)
		bad(&r, "the table is truncated (no 'end' line)");
	expect(&r, "end");
	endline(&r);
	if (*r.p)
		bad(&r, "unexpected text after 'end'");
	free(buf);
	return t;
}

/* ---- merge -------------------------------------------------------------------- */

void
calibtable_merge(CalibTable *dst, const CalibTable *src, const char *where)
{
	int k;

	if (dst->hash != src->hash)
		error(where, "calibration table of another graph (graph %016" PRIx64
		    ", expected %016" PRIx64 "): tables merge only if made from the same model",
		    src->hash, dst->hash);
	if (dst->n != src->n)
		error(where, "calibration table has %d tensors, expected %d", src->n, dst->n);
	for (k = 0; k < dst->n; k++)
		if (strcmp(dst->name[k], src->name[k]) != 0)
			error(where, "calibration table's tensor %d is %%%s, expected %%%s",
			    k, src->name[k], dst->name[k]);
	for (k = 0; k < dst->n; k++)
		calibstats_merge(&dst->st[k], &src->st[k]);
	dst->samples += src->samples;
}
