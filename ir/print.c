/*
 * print.c — ir_print: a module as textual IR (doc/ir.md), the inverse of
 * frontend/parse.y.
 *
 * Order: the module header, the constants in table order, then the one
 * function: its inputs, its instructions in order and ret.  The output
 * depends on the module only, so it is deterministic, and with PRINT_FULL
 * it parses back to an identical module (the round-trip tests check
 * print → parse → print is a fixed point).  Without PRINT_FULL, constants
 * with more than ELIDE elements and blobs of more than BLOB bytes print as
 * `elided`, which the parser refuses.
 *
 * Floats print as the shortest decimal that reads back to the same bits
 * (fmtfloat), always with a '.' or an exponent so they differ from integers.
 * Data that a literal cannot carry exactly (NaNs with payloads, complex
 * numbers, bools other than 0 and 1) prints as hex of its bytes.
 */
#include <math.h>
#include <string.h>

#include "ir.h"

enum {
	ELIDE = 16,	/* constants and tensors: literal up to this many elements */
	BLOB = 64,	/* opaque protos: printed up to this many bytes */
};

/* ---- names and strings --------------------------------------------------- */

static bool
isalnum_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Bare names are [A-Za-z_][A-Za-z0-9_.]*; after a sigil also [0-9]... */
static bool
bare(const char *s, bool digitfirst)
{
	if (!s || !*s || !isalnum_(*s) || (!digitfirst && *s >= '0' && *s <= '9'))
		return false;
	for (s++; *s; s++)
		if (!isalnum_(*s) && *s != '.')
			return false;
	return true;
}

static void
pbytes(FILE *f, const uint8_t *s, size_t n)
{
	size_t k;

	fputc('"', f);
	for (k = 0; k < n; k++) {
		if (s[k] == '"' || s[k] == '\\')
			fprintf(f, "\\%c", s[k]);
		else if (s[k] == '\n')
			fputs("\\n", f);
		else if (s[k] >= 0x20 && s[k] < 0x7f)
			fputc(s[k], f);
		else
			fprintf(f, "\\x%02x", s[k]);
	}
	fputc('"', f);
}

static void
pstr(FILE *f, const char *s)
{
	if (!s)
		s = "";
	pbytes(f, (const uint8_t *)s, strlen(s));
}

/* %value, $constant, @node: bare when possible, else quoted */
static void
pname(FILE *f, int sigil, const char *s)
{
	fputc(sigil, f);
	if (bare(s, true))
		fputs(s, f);
	else
		pstr(f, s);
}

/* attribute names and symbolic dims */
static void
pword(FILE *f, const char *s)
{
	if (bare(s, false))
		fputs(s, f);
	else
		pstr(f, s);
}

static void
phex(FILE *f, const void *data, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = data;
	char buf[4096];
	size_t k, b;

	fputs("hex\"", f);
	for (k = b = 0; k < n; k++) {
		buf[b++] = digits[p[k] >> 4];
		buf[b++] = digits[p[k] & 15];
		if (b == sizeof buf) {
			fwrite(buf, 1, b, f);
			b = 0;
		}
	}
	fwrite(buf, 1, b, f);
	fputc('"', f);
}

/* ---- numbers ------------------------------------------------------------- */

/* a float literal that never looks like an integer */
static void
fixfloat(FILE *f, char *buf)
{
	if (!strpbrk(buf, ".eEn"))
		strcat(buf, ".0");
	fputs(buf, f);
}

static void
pfloat(FILE *f, float x)
{
	char buf[48];

	if (isnan(x))
		fputs("nan", f);
	else if (isinf(x))
		fputs(x < 0 ? "-inf" : "inf", f);
	else {
		fmtfloat(buf, 40, x);
		fixfloat(f, buf);
	}
}

static void
pdouble(FILE *f, double x)
{
	char buf[56];

	if (isnan(x))
		fputs("nan", f);
	else if (isinf(x))
		fputs(x < 0 ? "-inf" : "inf", f);
	else {
		fmtdouble(buf, 48, x);
		fixfloat(f, buf);
	}
}

static float
halftof(uint16_t h)
{
	uint32_t sign, e, mant, x;
	float r;

	sign = (uint32_t)(h & 0x8000) << 16;
	e = h >> 10 & 31;
	mant = h & 0x3ff;
	if (e == 31)
		x = sign | 0x7f800000 | mant << 13;
	else if (e)
		x = sign | (e + 112) << 23 | mant << 13;
	else {
		r = ldexpf((float)mant, -24);	/* subnormal or zero: exact */
		return sign ? -r : r;
	}
	memcpy(&r, &x, 4);
	return r;
}

static float
bf16tof(uint16_t h)
{
	uint32_t x = (uint32_t)h << 16;
	float r;

	memcpy(&r, &x, 4);
	return r;
}

/* Can every element print as a literal that reads back to the same bits?
 * NaNs only in the one form strtof("nan") gives. */
static bool
literal(DType dt, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	size_t k;

	for (k = 0; k < n; k++)
		switch (dt) {
		case Df32:
			memcpy(&u32, p + 4 * k, 4);
			if ((u32 & 0x7fffffff) > 0x7f800000 && u32 != 0x7fc00000)
				return false;
			break;
		case Df64:
			memcpy(&u64, p + 8 * k, 8);
			if ((u64 & 0x7fffffffffffffffull) > 0x7ff0000000000000ull &&
			    u64 != 0x7ff8000000000000ull)
				return false;
			break;
		case Df16:
			memcpy(&u16, p + 2 * k, 2);
			if ((u16 & 0x7fff) > 0x7c00 && u16 != 0x7e00)
				return false;
			break;
		case Dbf16:
			memcpy(&u16, p + 2 * k, 2);
			if ((u16 & 0x7fff) > 0x7f80 && u16 != 0x7fc0)
				return false;
			break;
		case Dbool:
			if (p[k] > 1)
				return false;
			break;
		case Di8: case Du8: case Di16: case Du16: case Di32: case Du32:
		case Di64: case Du64: case Dstr:
			break;
		default:
			return false;
		}
	return true;
}

static void
pelem(FILE *f, DType dt, const void *data, size_t k)
{
	const uint8_t *p = data;
	int16_t i16;
	uint16_t u16;
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float x;
	double d;

	switch (dt) {
	case Df32: memcpy(&x, p + 4 * k, 4); pfloat(f, x); break;
	case Df64: memcpy(&d, p + 8 * k, 8); pdouble(f, d); break;
	case Df16: memcpy(&u16, p + 2 * k, 2); pfloat(f, halftof(u16)); break;
	case Dbf16: memcpy(&u16, p + 2 * k, 2); pfloat(f, bf16tof(u16)); break;
	case Dbool: case Du8: fprintf(f, "%u", p[k]); break;
	case Di8: fprintf(f, "%d", (int8_t)p[k]); break;
	case Di16: memcpy(&i16, p + 2 * k, 2); fprintf(f, "%d", i16); break;
	case Du16: memcpy(&u16, p + 2 * k, 2); fprintf(f, "%u", u16); break;
	case Di32: memcpy(&i32, p + 4 * k, 4); fprintf(f, "%ld", (long)i32); break;
	case Du32: memcpy(&u32, p + 4 * k, 4);
		fprintf(f, "%lu", (unsigned long)u32);
		break;
	case Di64: memcpy(&i64, p + 8 * k, 8); fprintf(f, "%lld", (long long)i64);
		break;
	case Du64: memcpy(&u64, p + 8 * k, 8);
		fprintf(f, "%llu", (unsigned long long)u64);
		break;
	case Dstr: {
		const Bytes *b = (const Bytes *)data + k;
		pbytes(f, b->data, b->len);
		break;
	}
	default:
		die("pelem: dtype %d", dt);
	}
}

/* ---- types --------------------------------------------------------------- */

static bool
typeunknown(const Type *t)
{
	return t->dt == Dundef && t->rank < 0 && t->layout == Lnone && !t->q &&
	       !t->hasrange;
}

static void
ptype(FILE *f, const Type *t)
{
	const char *dn;
	int k;

	dn = dtype_name(t->dt);
	fputs(dn ? dn : "?", f);
	fputc('[', f);
	if (t->rank < 0)
		fputc('*', f);
	for (k = 0; k < t->rank; k++) {
		if (k)
			fputc(',', f);
		if (t->dim[k] >= 0)
			fprintf(f, "%lld", (long long)t->dim[k]);
		else if (t->sym[k])
			pword(f, t->sym[k]);
		else
			fputc('?', f);
	}
	fputc(']', f);
	if (t->layout != Lnone)
		fprintf(f, " %s", layout_name(t->layout));
	if (t->q && t->q->axis < 0 && t->q->n == 1) {
		fputs(" q(", f);
		pfloat(f, t->q->scale[0]);
		fprintf(f, ", %ld)", (long)t->q->zero[0]);
	} else if (t->q) {
		fprintf(f, " q(axis=%d, [", t->q->axis);
		for (k = 0; k < t->q->n; k++) {
			fputs(k ? ", " : "", f);
			pfloat(f, t->q->scale[k]);
		}
		fputs("], [", f);
		for (k = 0; k < t->q->n; k++)
			fprintf(f, "%s%ld", k ? ", " : "", (long)t->q->zero[k]);
		fputs("])", f);
	}
	if (t->hasrange) {
		fputs(" range(", f);
		pfloat(f, t->lo);
		fputs(", ", f);
		pfloat(f, t->hi);
		fputc(')', f);
	}
}

/* ---- constants and attributes -------------------------------------------- */

/* a constant's or tensor attribute's data: a literal list, hex or elided */
static void
pdata(FILE *f, const Cst *c, int flags)
{
	size_t n, k;

	if (!type_numel(&c->type, &n) || c->type.dt == Dundef ||
	    (c->type.dt != Dstr && n * dtype_size(c->type.dt) != c->nbytes)) {
		phex(f, c->data, c->nbytes);	/* broken: the verifier says so */
		return;
	}
	if (n > ELIDE && !(flags & PRINT_FULL)) {
		fputs("elided", f);
		return;
	}
	if (!literal(c->type.dt, c->data, n) ||
	    (n > ELIDE && c->type.dt != Dstr)) {
		phex(f, c->data, c->nbytes);
		return;
	}
	fputc('[', f);
	for (k = 0; k < n; k++) {
		fputs(k ? ", " : "", f);
		pelem(f, c->type.dt, c->data, k);
	}
	fputc(']', f);
}

static void
ptensor(FILE *f, const Cst *c, int flags)
{
	fputs("tensor<", f);
	ptype(f, &c->type);
	fputs("> ", f);
	if (c->name && *c->name) {
		pstr(f, c->name);
		fputc(' ', f);
	}
	pdata(f, c, flags);
}

static void
pblob(FILE *f, const char *kind, const Bytes *b, int flags)
{
	fprintf(f, "%s ", kind);
	if (b->len > BLOB && !(flags & PRINT_FULL))
		fputs("elided", f);
	else
		phex(f, b->data, b->len);
}

static void
pattr(FILE *f, const Attr *a, int flags)
{
	static const char *const empty[] = {
		[Aints] = "ints[]", [Afloats] = "floats[]", [Astrs] = "strs[]",
		[Atensors] = "tensors[]", [Agraphs] = "graphs[]",
		[Asparses] = "sparses[]", [Atypeprotos] = "typeprotos[]",
	};
	int k;

	pword(f, a->name);
	fputs(" = ", f);
	switch (a->kind) {
	case Aint: fprintf(f, "%lld", (long long)a->i); return;
	case Afloat: pfloat(f, a->f); return;
	case Astr: pbytes(f, a->s.data, a->s.len); return;
	case Atensor: ptensor(f, a->tensors, flags); return;
	case Agraph: pblob(f, "graph", a->blob, flags); return;
	case Asparse: pblob(f, "sparse", a->blob, flags); return;
	case Atypeproto: pblob(f, "typeproto", a->blob, flags); return;
	default:
		break;
	}
	if (a->n == 0) {
		fputs(empty[a->kind], f);
		return;
	}
	fputc('[', f);
	for (k = 0; k < a->n; k++) {
		fputs(k ? ", " : "", f);
		switch (a->kind) {
		case Aints: fprintf(f, "%lld", (long long)a->ints[k]); break;
		case Afloats: pfloat(f, a->floats[k]); break;
		case Astrs: pbytes(f, a->strs[k].data, a->strs[k].len); break;
		case Atensors: ptensor(f, &a->tensors[k], flags); break;
		case Agraphs: pblob(f, "graph", &a->blob[k], flags); break;
		case Asparses: pblob(f, "sparse", &a->blob[k], flags); break;
		case Atypeprotos: pblob(f, "typeproto", &a->blob[k], flags);
			break;
		default:
			die("pattr: kind %d", a->kind);
		}
	}
	fputc(']', f);
}

/* ---- the module ---------------------------------------------------------- */

static void
pheader(Module *m, FILE *f, int flags)
{
	int k;

	fputs("module", f);
	if (m->irversion)
		fprintf(f, " ir_version %lld", (long long)m->irversion);
	for (k = 0; k < m->nopset; k++) {
		fputs(" opset ", f);
		pstr(f, m->opset[k].domain);
		fprintf(f, " %lld", (long long)m->opset[k].version);
	}
	if (m->producer) {	/* NULL: none, the ONNX writer stamps its own */
		fputs(" producer ", f);
		pstr(f, m->producer);
		fputc(' ', f);
		pstr(f, m->producer_version);
	}
	if (m->domain && *m->domain) {
		fputs(" domain ", f);
		pstr(f, m->domain);
	}
	if (m->model_version)
		fprintf(f, " model_version %lld", (long long)m->model_version);
	if (m->doc && *m->doc) {
		fputs(" doc ", f);
		pstr(f, m->doc);
	}
	if (m->graphname && *m->graphname) {
		fputs(" graph ", f);
		pstr(f, m->graphname);
	}
	if (m->target && *m->target) {
		fputs(" target ", f);
		pstr(f, m->target);
	}
	for (k = 0; k < m->nmeta; k++) {
		fputs(" meta ", f);
		pstr(f, m->meta[k].key);
		fputc(' ', f);
		pstr(f, m->meta[k].value);
	}
	for (k = 0; k < m->nfunc; k++)
		pblob(f, " function", &m->func[k], flags);
	fputc('\n', f);
}

static void
pref(FILE *f, const Module *m, Ref r)
{
	if (r.kind == Rval)
		pname(f, '%', m->val[r.idx].name);
	else if (r.kind == Rcst)
		pname(f, '$', m->cst[r.idx].name);
	else
		fputc('_', f);
}

static void
pval(FILE *f, const Val *v)
{
	pname(f, '%', v->name);
	if (typeunknown(&v->type))
		return;
	fputs(": ", f);
	ptype(f, &v->type);
}

static void
pins(FILE *f, const Module *m, const Ins *in, int flags)
{
	int k;

	fputs("  ", f);
	for (k = 0; k < in->nout; k++) {
		fputs(k ? ", " : "", f);
		if (in->out[k] < 0)
			fputc('_', f);
		else
			pval(f, &m->val[in->out[k]]);
	}
	if (in->nout)
		fputs(" = ", f);
	if (in->op != Oopaque)
		fputs(optab[in->op].name, f);
	else {
		if (in->domain && *in->domain) {
			pstr(f, in->domain);
			fputs("::", f);
		}
		pstr(f, in->optype);
	}
	if (in->name && *in->name) {
		fputc(' ', f);
		pname(f, '@', in->name);
	}
	for (k = 0; k < in->nin; k++) {
		fputs(k ? ", " : " ", f);
		pref(f, m, in->in[k]);
	}
	if (in->nattr) {
		fputs(" {", f);
		for (k = 0; k < in->nattr; k++) {
			fputs(k ? ", " : "", f);
			pattr(f, &in->attr[k], flags);
		}
		fputc('}', f);
	}
	fputc('\n', f);
}

void
ir_print(Module *m, FILE *f, int flags)
{
	const Cst *c;
	int k;

	pheader(m, f, flags);
	for (k = 0; k < m->ncst; k++) {
		c = &m->cst[k];
		fputs("const ", f);
		pname(f, '$', c->name);
		fputs(" : ", f);
		ptype(f, &c->type);
		fputs(c->isinput ? " input = " : " = ", f);
		pdata(f, c, flags);
		fputc('\n', f);
	}
	fputs("func @main(", f);
	for (k = 0; k < m->nin; k++) {
		fputs(k ? ", " : "", f);
		pval(f, &m->val[m->in[k]]);
	}
	fputs(") {\n", f);
	for (k = 0; k < m->nins; k++)
		if (m->ins[k].op != Onop)
			pins(f, m, &m->ins[k], flags);
	fputs("  ret", f);
	for (k = 0; k < m->nout; k++) {
		fputs(k ? ", " : " ", f);
		pref(f, m, m->out[k]);
	}
	fputs("\n}\n", f);
}
