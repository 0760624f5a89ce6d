/*
 * textir.c — text_read: the textual IR (doc/ir.md) to a Module.
 *
 * The driver loop is SQLite's sqlite3RunParser: lex a token, fold runs of
 * newlines (and drop newlines inside (), [] and attribute {}), feed it to the
 * lemon parser, and at the end feed a last newline and then 0.  The
 * grammar's actions call the tx_* builders below, which check everything
 * the grammar cannot — names defined before use and defined once, known ops
 * and dtypes, arity, literal counts — and build the module with ir_* calls.
 * The first mistake is reported as "file:line:col: error: ..." and exits 1;
 * a module that parses is then checked by ir_verify.
 *
 * Strings, quoted names and hex blobs arrive undecoded and are decoded
 * here, so that a bad escape can be reported where it is.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "textir.h"
#include "parse.h"

static const char elidedmsg[] =
    "dump with --dump-ir=full to get a complete module";

/* ---- diagnostics --------------------------------------------------------- */

static const char *
where(Parser *P, const Tok *t)
{
	return arena_printf(P->tmp, "%s:%d:%d", P->path, t->line, t->col);
}

void
tx_error(Parser *P, const Tok *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(where(P, t), fmt, ap);
}

/* How a token is named in "expected X" (by code) and "saw Y" (by text). */
static const char *
tokdesc(int code)
{
	switch (code) {
	case 0: return "end of file";
	case TK_LPAREN: return "'('";
	case TK_RPAREN: return "')'";
	case TK_LBRACKET: return "'['";
	case TK_RBRACKET: return "']'";
	case TK_LBRACE: return "'{'";
	case TK_RBRACE: return "'}'";
	case TK_LT: return "'<'";
	case TK_GT: return "'>'";
	case TK_COMMA: return "','";
	case TK_COLON: return "':'";
	case TK_COLONCOLON: return "'::'";
	case TK_EQ: return "'='";
	case TK_STAR: return "'*'";
	case TK_QUESTION: return "'?'";
	case TK_UNDER: return "'_'";
	case TK_NL: return "newline";
	case TK_INT: return "integer";
	case TK_FLOAT: return "number";
	case TK_NEGINF: return "'-inf'";
	case TK_STRING: return "string";
	case TK_HEX: return "hex string";
	case TK_EMPTYLIST: return "empty list";
	case TK_VALNAME: return "%value";
	case TK_CSTNAME: return "$constant";
	case TK_ATNAME: return "@name";
	case TK_ID: return "identifier";
	case TK_MODULE: return "'module'";
	case TK_IRVERSION: return "'ir_version'";
	case TK_OPSET: return "'opset'";
	case TK_PRODUCER: return "'producer'";
	case TK_DOMAIN: return "'domain'";
	case TK_MODELVERSION: return "'model_version'";
	case TK_TARGET: return "'target'";
	case TK_DOC: return "'doc'";
	case TK_GRAPH: return "'graph'";
	case TK_META: return "'meta'";
	case TK_FUNCTION: return "'function'";
	case TK_CONST: return "'const'";
	case TK_INPUT: return "'input'";
	case TK_FUNC: return "'func'";
	case TK_RET: return "'ret'";
	case TK_ELIDED: return "'elided'";
	case TK_Q: return "'q'";
	case TK_RANGE: return "'range'";
	case TK_TENSOR: return "'tensor'";
	case TK_SPARSE: return "'sparse'";
	case TK_TYPEPROTO: return "'typeproto'";
	case TK_NAN: return "'nan'";
	case TK_INF: return "'inf'";
	}
	return "token";
}

static const char *
tokshow(Parser *P, int code, const Tok *t)
{
	if (code == 0 || code == TK_NL)
		return tokdesc(code);
	if (t->n > 32)
		return arena_printf(P->tmp, "'%.28s...'", t->p);
	return arena_printf(P->tmp, "'%.*s'", (int)t->n, t->p);
}

/* "expected A, B or C, saw X" when few tokens fit, else "syntax error
 * near X".  A number also fits where an integer does. */
void
tx_syntax(Parser *P, int code, const Tok *t, const int *expect, int n)
{
	char buf[512];
	size_t len;
	int k;

	if ((n < 1 || n > 4) && code == 0)
		tx_error(P, t, "unexpected end of file");
	if (n < 1 || n > 4)
		tx_error(P, t, "syntax error near %s", tokshow(P, code, t));
	buf[0] = 0;
	for (k = 0; k < n; k++) {
		len = strlen(buf);
		snprintf(buf + len, sizeof buf - len, "%s%s",
		    k == 0 ? "" : k == n - 1 ? " or " : ", ",
		    tokdesc(expect[k]));
	}
	tx_error(P, t, "expected %s, saw %s", buf, tokshow(P, code, t));
}

/* ---- tokens to C values -------------------------------------------------- */

/* Decode the string literal at s (its opening quote) inside token t. */
static Bytes
unquote(Parser *P, Arena *a, const Tok *t, const char *s)
{
	Bytes b;
	Tok at;
	const char *p, *end;
	uint8_t *o;
	int h, l;

	end = t->p + t->n - 1;	/* the closing quote */
	o = arena_alloc(a, (size_t)(end - s) + 1);
	b.data = o;
	for (p = s + 1; p < end; p++) {
		if (*p != '\\') {
			*o++ = (uint8_t)*p;
			continue;
		}
		at = *t;
		at.col += (int)(p - t->p);
		switch (*++p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'x':
			if (end - p <= 2 || (h = hexdigit(p[1])) < 0 ||
			    (l = hexdigit(p[2])) < 0)
				tx_error(P, &at, "\\x needs two hex digits");
			*o++ = (uint8_t)(h << 4 | l);
			p += 2;
			break;
		default:
			tx_error(P, &at, "unknown escape '\\%c'", *p);
		}
	}
	b.len = (size_t)(o - b.data);
	*o = 0;
	return b;
}

/* A string as a C string (names, header fields): no NUL inside. */
static const char *
cstring(Parser *P, const Tok *t, const char *s, const char *what)
{
	Bytes b;

	b = unquote(P, P->m->arena, t, s);
	if (memchr(b.data, 0, b.len))
		tx_error(P, t, "%s contains a NUL byte", what);
	return (const char *)b.data;
}

/* The name of a %value, $constant or @node token, or of an ID or STRING. */
static const char *
tokname(Parser *P, const Tok *t)
{
	const char *s = t->p;
	size_t n = t->n;

	if (*s == '%' || *s == '$' || *s == '@')
		s++, n--;
	if (*s == '"')
		return cstring(P, t, s, "a name");
	return arena_strndup(P->m->arena, s, n);
}

static char *
tokcopy(Parser *P, const Tok *t)
{
	return arena_strndup(P->tmp, t->p, t->n);
}

static bool
tokis(const Tok *t, const char *s)
{
	return strlen(s) == t->n && memcmp(t->p, s, t->n) == 0;
}

static int64_t
tokint(Parser *P, const Tok *t, int64_t lo, int64_t hi)
{
	char *s, *end;
	long long v;

	s = tokcopy(P, t);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || end == s)
		tx_error(P, t, "expected an integer, saw '%s'", s);
	if (errno == ERANGE || v < lo || v > hi)
		tx_error(P, t, "integer %s is out of range", s);
	return v;
}

static uint64_t
tokuint(Parser *P, const Tok *t)
{
	char *s, *end;
	unsigned long long v;

	s = tokcopy(P, t);
	if (*s == '-')
		tx_error(P, t, "integer %s is out of range", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || end == s)
		tx_error(P, t, "expected an integer, saw '%s'", s);
	if (errno == ERANGE)
		tx_error(P, t, "integer %s is out of range", s);
	return v;
}

static double
tokdouble(Parser *P, const Tok *t, bool single)
{
	char *s, *end;
	double d;
	float f;

	s = tokcopy(P, t);
	if (strcmp(s, "nan") == 0)
		return NAN;
	if (strcmp(s, "inf") == 0)
		return INFINITY;
	if (strcmp(s, "-inf") == 0)
		return -INFINITY;
	/* strtof, not (float)strtod: one rounding, the printer's inverse */
	if (single) {
		f = strtof(s, &end);
		d = f;
	} else {
		d = strtod(s, &end);
	}
	if (*end || end == s)
		tx_error(P, t, "expected a number, saw '%s'", s);
	if (isinf(d))
		tx_error(P, t, "number %s is out of range for %s", s,
		    single ? "f32" : "f64");
	return d;
}

static float
tokfloat(Parser *P, const Tok *t)
{
	return (float)tokdouble(P, t, true);
}

/* hex"..." to bytes */
static Bytes
tokhex(Parser *P, Arena *a, const Tok *t)
{
	Bytes b;
	Tok at;
	const char *s;
	size_t n, k;
	int h, l;

	s = t->p + 4;
	n = t->n - 5;
	if (n % 2) {
		at = *t;
		at.col += 4;
		tx_error(P, &at, "hex string has an odd number of digits");
	}
	b.len = n / 2;
	b.data = arena_alloc(a, b.len + 1);
	for (k = 0; k < b.len; k++) {
		if ((h = hexdigit(s[2 * k])) < 0 || (l = hexdigit(s[2 * k + 1])) < 0) {
			at = *t;
			at.col += 4 + (int)(2 * k) + (h < 0 ? 0 : 1);
			tx_error(P, &at, "bad hex digit '%c'", h < 0 ?
			    s[2 * k] : s[2 * k + 1]);
		}
		b.data[k] = (uint8_t)(h << 4 | l);
	}
	return b;
}

/* ---- small builders ------------------------------------------------------ */

Tok *
tx_tok(Parser *P, const Tok *t)
{
	return arena_memdup(P->tmp, t, sizeof *t);
}

List *
tx_list(Parser *P, List *l, void *x)
{
	void **v;

	if (!l)
		l = arena_alloc(P->tmp, sizeof *l);
	if (!x)
		return l;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		v = arena_alloc(P->tmp, (size_t)l->cap * sizeof *v);
		if (l->n)
			memcpy(v, l->v, (size_t)l->n * sizeof *v);
		l->v = v;
	}
	l->v[l->n++] = x;
	return l;
}

/* Append one element to an arena array (the header's few lists). */
static void *
grow(Arena *a, void *old, int n, size_t sz)
{
	void *p;

	p = arena_alloc(a, (size_t)(n + 1) * sz);
	if (n)
		memcpy(p, old, (size_t)n * sz);
	return p;
}

/* ---- the module header --------------------------------------------------- */

static const char *const hitems[] = {
	"ir_version", "producer", "domain", "model_version", "doc", "graph",
	"target",
};

void
tx_header(Parser *P, const Tok *kw, const Tok *a, const Tok *b)
{
	Module *m = P->m;
	Opset o;
	Meta mt;
	Bytes f;
	unsigned k;
	int i;

	for (k = 0; k < countof(hitems); k++)
		if (tokis(kw, hitems[k])) {
			if (P->hseen & 1u << k)
				tx_error(P, kw, "duplicate %s", hitems[k]);
			P->hseen |= 1u << k;
		}
	if (tokis(kw, "ir_version")) {
		m->irversion = tokint(P, a, 0, INT64_MAX);
	} else if (tokis(kw, "opset")) {
		o.domain = cstring(P, a, a->p, "a domain");
		o.version = tokint(P, b, 0, INT64_MAX);
		for (i = 0; i < m->nopset; i++)
			if (strcmp(m->opset[i].domain, o.domain) == 0)
				tx_error(P, a, "duplicate opset for domain %.*s",
				    (int)a->n, a->p);
		m->opset = grow(m->arena, m->opset, m->nopset, sizeof o);
		m->opset[m->nopset++] = o;
	} else if (tokis(kw, "producer")) {
		m->producer = cstring(P, a, a->p, "the producer");
		m->producer_version = cstring(P, b, b->p, "the producer");
	} else if (tokis(kw, "domain")) {
		m->domain = cstring(P, a, a->p, "the domain");
	} else if (tokis(kw, "model_version")) {
		m->model_version = tokint(P, a, INT64_MIN, INT64_MAX);
	} else if (tokis(kw, "doc")) {
		m->doc = cstring(P, a, a->p, "the doc string");
	} else if (tokis(kw, "graph")) {
		m->graphname = cstring(P, a, a->p, "the graph name");
	} else if (tokis(kw, "target")) {
		m->target = cstring(P, a, a->p, "the target");
		if (strcmp(m->target, "systolic") != 0 && strcmp(m->target, "ort") != 0)
			tx_error(P, a, "unknown target %.*s (use \"systolic\" or \"ort\")",
			    (int)a->n, a->p);
	} else if (tokis(kw, "meta")) {
		mt.key = cstring(P, a, a->p, "a metadata key");
		mt.value = cstring(P, b, b->p, "a metadata value");
		m->meta = grow(m->arena, m->meta, m->nmeta, sizeof mt);
		m->meta[m->nmeta++] = mt;
	} else if (tokis(kw, "function")) {
		if (tokis(a, "elided"))
			tx_error(P, a, "a function is elided; %s", elidedmsg);
		f = tokhex(P, m->arena, a);
		m->func = grow(m->arena, m->func, m->nfunc, sizeof f);
		m->func[m->nfunc++] = f;
	} else {
		die("tx_header: %.*s", (int)kw->n, kw->p);
	}
}

/* ---- types --------------------------------------------------------------- */

Type *
tx_type(Parser *P, const Tok *dt, List *dims, TSuf *suf)
{
	Type *t;
	Tok *d;
	int k, code;

	t = arena_alloc(P->tmp, sizeof *t);
	*t = type_unknown();
	code = dtype_byname(tokcopy(P, dt));
	if (code < 0)
		tx_error(P, dt, "unknown dtype '%.*s'", (int)dt->n, dt->p);
	t->dt = (DType)code;
	if (dims) {
		if (dims->n > SQC_MAXRANK)
			tx_error(P, dt, "rank %d is more than the %d supported",
			    dims->n, SQC_MAXRANK);
		t->rank = dims->n;
		for (k = 0; k < dims->n; k++) {
			d = dims->v[k];
			t->dim[k] = -1;
			if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9'))
				t->dim[k] = tokint(P, d, 0, INT64_MAX);
			else if (*d->p != '?')
				t->sym[k] = tokname(P, d);
		}
	}
	t->layout = suf->layout;
	t->q = suf->q;
	t->hasrange = suf->hasrange;
	t->lo = suf->lo;
	t->hi = suf->hi;
	return t;
}

enum { SLAYOUT = 1, SQUANT = 2, SRANGE = 4 };

static TSuf *
suffixonce(Parser *P, TSuf *s, const Tok *at, unsigned what)
{
	if (s->seen & what)
		tx_error(P, at, "a type has at most one %s",
		    what == SLAYOUT ? "layout" : what == SQUANT ? "q(...)" :
		    "range(...)");
	s->seen |= what;
	return s;
}

TSuf *
tx_suffix(Parser *P, TSuf *s, const Tok *layout)
{
	int l;

	if (!s)
		return arena_alloc(P->tmp, sizeof *s);
	suffixonce(P, s, layout, SLAYOUT);
	l = layout_byname(tokcopy(P, layout));
	if (l < 0 && ir_opbyname(tokcopy(P, layout)) >= 0)
		tx_error(P, layout, "expected '=' before op '%.*s'", (int)layout->n,
		    layout->p);
	if (l < 0)
		tx_error(P, layout, "unknown layout '%.*s' (layouts: nchw nhwc oihw hwio ckk kn)",
		    (int)layout->n, layout->p);
	s->layout = (Layout)l;
	return s;
}

static QParam *
newq(Parser *P, int axis, int n)
{
	QParam *q;

	q = arena_alloc(P->m->arena, sizeof *q);
	q->axis = axis;
	q->n = n;
	q->scale = arena_alloc(P->m->arena, (size_t)n * sizeof(float) + 1);
	q->zero = arena_alloc(P->m->arena, (size_t)n * sizeof(int32_t) + 1);
	return q;
}

TSuf *
tx_quant(Parser *P, TSuf *s, const Tok *kw, const Tok *scale, const Tok *zero)
{
	suffixonce(P, s, kw, SQUANT);
	s->q = newq(P, -1, 1);
	s->q->scale[0] = tokfloat(P, scale);
	s->q->zero[0] = (int32_t)tokint(P, zero, INT32_MIN, INT32_MAX);
	return s;
}

TSuf *
tx_quantaxis(Parser *P, TSuf *s, const Tok *kw, const Tok *word,
    const Tok *axis, Elem *scales, Elem *zeros)
{
	Elem *e;
	int k, n;

	suffixonce(P, s, kw, SQUANT);
	if (!tokis(word, "axis"))
		tx_error(P, word, "expected 'axis', saw '%.*s'", (int)word->n,
		    word->p);
	n = scales->list ? scales->list->n : 0;
	if (n == 0)
		tx_error(P, &scales->tok, "per-axis q(...) needs at least one "
		    "scale");
	if ((zeros->list ? zeros->list->n : 0) != n)
		tx_error(P, &zeros->tok, "q(...) has %d scales but %d zero "
		    "points", n, zeros->list ? zeros->list->n : 0);
	s->q = newq(P, (int)tokint(P, axis, 0, SQC_MAXRANK - 1), n);
	for (k = 0; k < n; k++) {
		e = scales->list->v[k];
		if (e->kind != Eint && e->kind != Efloat)
			tx_error(P, &e->tok, "a scale must be a number");
		s->q->scale[k] = tokfloat(P, &e->tok);
		e = zeros->list->v[k];
		if (e->kind != Eint)
			tx_error(P, &e->tok, "a zero point must be an integer");
		s->q->zero[k] = (int32_t)tokint(P, &e->tok, INT32_MIN,
		    INT32_MAX);
	}
	return s;
}

TSuf *
tx_range(Parser *P, TSuf *s, const Tok *kw, const Tok *lo, const Tok *hi)
{
	suffixonce(P, s, kw, SRANGE);
	s->hasrange = true;
	s->lo = tokfloat(P, lo);
	s->hi = tokfloat(P, hi);
	return s;
}

/* ---- literals and data --------------------------------------------------- */

Elem *
tx_elem(Parser *P, EKind kind, const Tok *t)
{
	Elem *e;

	e = arena_alloc(P->tmp, sizeof *e);
	e->kind = kind;
	e->tok = *t;
	return e;
}

Elem *
tx_listelem(Parser *P, const Tok *lbrack, List *elems)
{
	Elem *e;

	e = tx_elem(P, Elist, lbrack);
	e->list = elems;
	return e;
}

/* f32 -> f16 and bf16 bit patterns, rounding to nearest even. */
static uint16_t
tohalf(float f)
{
	uint32_t x, sign, mant, r;
	int e;

	memcpy(&x, &f, 4);
	sign = x >> 16 & 0x8000;
	e = (int)(x >> 23 & 0xff) - 127 + 15;
	mant = x & 0x7fffff;
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)(sign | 0x7e00);
	if ((x & 0x7fffffff) == 0x7f800000 || e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) {
		if (e < -10)
			return (uint16_t)sign;
		mant |= 0x800000;
		r = mant >> (14 - e);
		if ((mant >> (13 - e) & 1) &&
		    ((mant & ((1u << (13 - e)) - 1)) || (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	r = (uint32_t)e << 10 | mant >> 13;
	if ((mant & 0x1000) && ((mant & 0xfff) || (r & 1)))
		r++;	/* may carry into the exponent, up to infinity: right */
	return (uint16_t)(sign | r);
}

static uint16_t
tobf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)(x >> 16 | 0x40);
	x += 0x7fff + (x >> 16 & 1);
	return (uint16_t)(x >> 16);
}

static void
putelem(Parser *P, DType dt, Elem *e, uint8_t *p, Bytes *s)
{
	int64_t i = 0;
	uint64_t u;
	double d = 0;
	float f;
	uint16_t h;

	if (dt == Dstr) {
		if (e->kind != Estr)
			tx_error(P, &e->tok, "expected a string");
		*s = unquote(P, P->m->arena, &e->tok, e->tok.p);
		return;
	}
	if (e->kind != Eint && (e->kind != Efloat || dt == Dbool ||
	    (dt != Df32 && dt != Df64 && dt != Df16 && dt != Dbf16)))
		tx_error(P, &e->tok, "expected %s for %s",
		    dt == Df32 || dt == Df64 || dt == Df16 || dt == Dbf16 ?
		    "a number" : "an integer", dtype_name(dt));
	switch (dt) {
	case Df32: f = tokfloat(P, &e->tok); memcpy(p, &f, 4); return;
	case Df64: d = tokdouble(P, &e->tok, false); memcpy(p, &d, 8); return;
	case Df16: h = tohalf(tokfloat(P, &e->tok)); memcpy(p, &h, 2); return;
	case Dbf16: h = tobf16(tokfloat(P, &e->tok)); memcpy(p, &h, 2); return;
	case Dbool: *p = (uint8_t)tokint(P, &e->tok, 0, 1); return;
	case Di8: *(int8_t *)p = (int8_t)tokint(P, &e->tok, INT8_MIN, INT8_MAX);
		return;
	case Du8: *p = (uint8_t)tokint(P, &e->tok, 0, UINT8_MAX); return;
	case Di16: i = tokint(P, &e->tok, INT16_MIN, INT16_MAX); break;
	case Du16: i = tokint(P, &e->tok, 0, UINT16_MAX); break;
	case Di32: i = tokint(P, &e->tok, INT32_MIN, INT32_MAX); break;
	case Du32: i = tokint(P, &e->tok, 0, UINT32_MAX); break;
	case Di64: i = tokint(P, &e->tok, INT64_MIN, INT64_MAX); break;
	case Du64: u = tokuint(P, &e->tok); memcpy(p, &u, 8); return;
	default:
		tx_error(P, &e->tok, "%s data must be written in hex",
		    dtype_name(dt));
	}
	if (dt == Di16 || dt == Du16) {
		h = (uint16_t)i;
		memcpy(p, &h, 2);
	} else if (dt == Di32 || dt == Du32) {
		u = (uint32_t)i;
		memcpy(p, &u, 4);	/* little-endian: the low four bytes */
	} else {
		memcpy(p, &i, 8);
	}
}

/* Fill a constant's data from a literal list or hex; what names it in
 * messages ("constant $w", "attribute 'value'"). */
static void
filldata(Parser *P, const Tok *at, const char *what, Cst *c, Elem *d)
{
	size_t n, need, k, esz;
	uint8_t *p;
	Bytes *s, hex;

	if (c->type.dt == Dundef)
		tx_error(P, at, "%s needs an element type", what);
	if (!type_numel(&c->type, &n))
		tx_error(P, at, "%s needs a static shape", what);
	if (d->kind == Eelided)
		tx_error(P, &d->tok, "%s is elided; %s", what, elidedmsg);
	esz = dtype_size(c->type.dt);
	if (d->kind == Ehex) {
		if (c->type.dt == Dstr)
			tx_error(P, &d->tok, "string data must be a list of "
			    "strings");
		hex = tokhex(P, P->m->arena, &d->tok);
		if (mulover(n, esz, &need) || hex.len != need)
			tx_error(P, &d->tok, "%s has %zu bytes of data, its type "
			    "needs %zu", what, hex.len, need);
		c->data = hex.data;
		c->nbytes = hex.len;
		return;
	}
	k = d->list ? (size_t)d->list->n : 0;
	if (k != n)
		tx_error(P, &d->tok, "%s has %zu elements, its type needs %zu",
		    what, k, n);
	if (c->type.dt == Dstr) {
		s = arena_alloc(P->m->arena, n * sizeof *s + 1);
		for (k = 0; k < n; k++)
			putelem(P, Dstr, d->list->v[k], NULL, &s[k]);
		c->data = s;
		c->nbytes = n * sizeof *s;
		return;
	}
	p = arena_alloc(P->m->arena, n * esz + 1);
	for (k = 0; k < n; k++)
		putelem(P, c->type.dt, d->list->v[k], p + k * esz, NULL);
	c->data = p;
	c->nbytes = n * esz;
}

Elem *
tx_tensor(Parser *P, const Tok *kw, Type *t, const Tok *name, Elem *data)
{
	Elem *e;
	Cst *c;

	e = tx_elem(P, Etensor, kw);
	c = arena_alloc(P->m->arena, sizeof *c);
	c->name = name ? cstring(P, name, name->p, "a tensor name") : "";
	c->type = *t;
	e->elided = data->kind == Eelided;	/* tx_attr names it */
	if (!e->elided)
		filldata(P, kw, "a tensor", c, data);
	e->tensor = c;
	return e;
}

Elem *
tx_blob(Parser *P, const Tok *kw, const Tok *body)
{
	Elem *e;

	e = tx_elem(P, tokis(kw, "graph") ? Egraph : tokis(kw, "sparse") ?
	    Esparse : Etypeproto, kw);
	e->elided = tokis(body, "elided");	/* tx_attr names it */
	if (!e->elided)
		e->blob = tokhex(P, P->m->arena, body);
	return e;
}

/* ---- definitions and uses ------------------------------------------------ */

/* A new name must be free among values and constants alike (ONNX's rule). */
static void
fresh(Parser *P, const Tok *t, const char *name)
{
	if (namemap_get(P->vals, name) >= 0)
		tx_error(P, t, "value %.*s is already defined", (int)t->n, t->p);
	if (namemap_get(P->csts, name) >= 0)
		tx_error(P, t, "value %.*s: the name is already used by a "
		    "constant", (int)t->n, t->p);
}

void
tx_const(Parser *P, const Tok *name, Type *t, bool isinput, Elem *data)
{
	const char *s, *what;
	Cst c = {0};
	int k;

	s = tokname(P, name);
	what = arena_printf(P->tmp, "constant %.*s", (int)name->n, name->p);
	if (namemap_get(P->csts, s) >= 0)
		tx_error(P, name, "%s is already defined", what);
	c.name = s;
	c.type = *t;
	filldata(P, name, what, &c, data);
	k = ir_addcst(P->m, s, c.type, c.data, c.nbytes);
	P->m->cst[k].isinput = isinput;
	namemap_put(P->csts, s, k);
}

static int
defval(Parser *P, const Tok *name, Type *t)
{
	const char *s;
	int v;

	s = tokname(P, name);
	if (!*s)
		tx_error(P, name, "a value needs a non-empty name");
	fresh(P, name, s);
	v = ir_addval(P->m, s, t ? *t : type_unknown());
	namemap_put(P->vals, s, v);
	return v;
}

void
tx_param(Parser *P, const Tok *name, Type *t)
{
	Module *m = P->m;
	int v;

	v = defval(P, name, t);
	vec_push(m->in, m->nin, m->capin, v);
}

static Ref
use(Parser *P, const Tok *t)
{
	const char *s;
	int k;

	if (t->p[0] == '_')
		return ref_none();
	s = tokname(P, t);
	if (t->p[0] == '%') {
		if ((k = namemap_get(P->vals, s)) < 0)
			tx_error(P, t, "value %.*s is not defined", (int)t->n,
			    t->p);
		return ref_val(k);
	}
	if ((k = namemap_get(P->csts, s)) < 0)
		tx_error(P, t, "constant %.*s is not defined", (int)t->n, t->p);
	return ref_cst(k);
}

void
tx_ret(Parser *P, const Tok *t)
{
	Module *m = P->m;

	vec_push(m->out, m->nout, m->capout, use(P, t));
}

Opd *
tx_opd(Parser *P, const Tok *t)
{
	Opd *o;

	o = arena_alloc(P->tmp, sizeof *o);
	o->tok = *t;
	o->ref = use(P, t);
	return o;
}

Res *
tx_res(Parser *P, const Tok *name, Type *t)
{
	Res *r;

	r = arena_alloc(P->tmp, sizeof *r);
	r->name = *name;
	r->type = t;
	r->none = name->p[0] == '_';
	return r;
}

OpSpec *
tx_op(Parser *P, const Tok *domain, const Tok *name)
{
	OpSpec *o;

	o = arena_alloc(P->tmp, sizeof *o);
	o->tok = domain ? *domain : *name;
	if (name->p[0] == '"') {
		o->op = Oopaque;
		o->domain = domain ? cstring(P, domain, domain->p, "a domain") :
		    "";
		o->optype = cstring(P, name, name->p, "an op type");
		if (!*o->optype)
			tx_error(P, name, "an op type cannot be empty");
		return o;
	}
	o->op = ir_opbyname(tokcopy(P, name));
	if (o->op < 0 || o->op == Oopaque)
		tx_error(P, name, "unknown op '%.*s'", (int)name->n, name->p);
	return o;
}

/* ---- attributes ---------------------------------------------------------- */

static AttrKind
listkind(Parser *P, const Tok *name, List *l)
{
	static const AttrKind of[] = {
		[Etensor] = Atensors, [Egraph] = Agraphs,
		[Esparse] = Asparses, [Etypeproto] = Atypeprotos,
	};
	Elem *e, *first;
	bool num;
	int k;

	first = l->v[0];
	num = first->kind == Eint || first->kind == Efloat;
	for (k = 0; k < l->n; k++) {
		e = l->v[k];
		if (num ? e->kind != Eint && e->kind != Efloat :
		    e->kind != first->kind)
			tx_error(P, &e->tok, "attribute '%s' mixes kinds of "
			    "elements", tokname(P, name));
	}
	if (num) {
		for (k = 0; k < l->n; k++)
			if (((Elem *)l->v[k])->kind == Efloat)
				return Afloats;
		return Aints;
	}
	if (first->kind == Estr)
		return Astrs;
	return of[first->kind];
}

Attr *
tx_attr(Parser *P, const Tok *name, Elem *v)
{
	static const char *const empties[] = {
		[Aints] = "ints[]", [Afloats] = "floats[]", [Astrs] = "strs[]",
		[Atensors] = "tensors[]", [Agraphs] = "graphs[]",
		[Asparses] = "sparses[]", [Atypeprotos] = "typeprotos[]",
	};
	Arena *a = P->m->arena;
	Attr *at;
	Elem *e;
	int k, n;

	at = arena_alloc(P->tmp, sizeof *at);
	at->name = tokname(P, name);
	at->n = 1;
	n = v->kind != Elist ? 1 : v->list ? v->list->n : 0;
	for (k = 0; k < n; k++) {
		e = v->kind == Elist ? v->list->v[k] : v;
		if (e->elided)
			tx_error(P, &e->tok, "attribute '%s' is elided; %s",
			    at->name, elidedmsg);
	}
	switch (v->kind) {
	case Eint:
		at->kind = Aint;
		at->i = tokint(P, &v->tok, INT64_MIN, INT64_MAX);
		return at;
	case Efloat:
		at->kind = Afloat;
		at->f = tokfloat(P, &v->tok);
		return at;
	case Estr:
		at->kind = Astr;
		at->s = unquote(P, a, &v->tok, v->tok.p);
		return at;
	case Etensor:
		at->kind = Atensor;
		at->tensors = v->tensor;
		return at;
	case Egraph:
	case Esparse:
	case Etypeproto:
		at->kind = v->kind == Egraph ? Agraph : v->kind == Esparse ?
		    Asparse : Atypeproto;
		at->blob = arena_memdup(a, &v->blob, sizeof v->blob);
		return at;
	case Eempty:
		for (k = Aints; k <= Atypeprotos; k++)
			if (tokis(&v->tok, empties[k]))
				at->kind = (AttrKind)k;
		at->n = 0;
		return at;
	case Elist:
		break;
	default:
		die("tx_attr: kind %d", v->kind);
	}
	if (!v->list)
		tx_error(P, &v->tok, "an empty list needs its kind: ints[], "
		    "floats[], strs[], tensors[], graphs[]...");
	at->kind = listkind(P, name, v->list);
	at->n = v->list->n;
	switch (at->kind) {
	case Aints:
		at->ints = arena_alloc(a, (size_t)at->n * sizeof *at->ints);
		break;
	case Afloats:
		at->floats = arena_alloc(a, (size_t)at->n * sizeof *at->floats);
		break;
	case Astrs:
		at->strs = arena_alloc(a, (size_t)at->n * sizeof *at->strs);
		break;
	case Atensors:
		at->tensors = arena_alloc(a, (size_t)at->n * sizeof(Cst));
		break;
	default:
		at->blob = arena_alloc(a, (size_t)at->n * sizeof *at->blob);
	}
	for (k = 0; k < at->n; k++) {
		e = v->list->v[k];
		switch (at->kind) {
		case Aints:
			at->ints[k] = tokint(P, &e->tok, INT64_MIN, INT64_MAX);
			break;
		case Afloats:
			at->floats[k] = tokfloat(P, &e->tok);
			break;
		case Astrs:
			at->strs[k] = unquote(P, a, &e->tok, e->tok.p);
			break;
		case Atensors:
			at->tensors[k] = *e->tensor;
			break;
		default:
			at->blob[k] = e->blob;
		}
	}
	return at;
}

/* ---- instructions -------------------------------------------------------- */

static void
arity(Parser *P, const OpSpec *o, const char *what, int n, int lo, int hi)
{
	const char *name = optab[o->op].name;

	if (n >= lo && (hi == VAR || n <= hi))
		return;
	if (lo == hi)
		tx_error(P, &o->tok, "%s takes %d %s%s, has %d", name, lo, what,
		    lo == 1 ? "" : "s", n);
	if (hi == VAR)
		tx_error(P, &o->tok, "%s takes at least %d %ss, has %d", name,
		    lo, what, n);
	tx_error(P, &o->tok, "%s takes %d to %d %ss, has %d", name, lo, hi,
	    what, n);
}

void
tx_ins(Parser *P, List *res, OpSpec *op, const Tok *node, List *opds,
    List *attrs)
{
	Module *m = P->m;
	Ins *in;
	Attr *a, *b;
	Res *r;
	int nin, nout, idx, k, j;

	nin = opds ? opds->n : 0;
	nout = res ? res->n : 0;
	if (op->op != Oopaque) {
		arity(P, op, "input", nin, optab[op->op].inmin,
		    optab[op->op].inmax);
		arity(P, op, "result", nout, optab[op->op].outmin,
		    optab[op->op].outmax);
	}
	for (k = 0; attrs && k < attrs->n; k++)
		for (j = 0; j < k; j++)
			if (strcmp(((Attr *)attrs->v[j])->name,
			    ((Attr *)attrs->v[k])->name) == 0)
				tx_error(P, &op->tok, "duplicate attribute "
				    "'%s'", ((Attr *)attrs->v[k])->name);
	in = ir_addins(m, op->op, nin, nout);
	idx = m->nins - 1;
	if (node)
		in->name = tokname(P, node);
	if (op->op == Oopaque) {
		in->domain = op->domain;
		in->optype = op->optype;
	}
	for (k = 0; k < nin; k++)
		in->in[k] = ((Opd *)opds->v[k])->ref;
	for (k = 0; attrs && k < attrs->n; k++) {
		b = attrs->v[k];
		a = ir_addattr(m, in, b->name, b->kind);
		*a = *b;
	}
	for (k = 0; k < nout; k++) {
		r = res->v[k];
		if (!r->none)
			ir_setout(m, idx, k, defval(P, &r->name, r->type));
	}
}

/* ---- the driver loop ----------------------------------------------------- */

Module *
text_read(const char *path)
{
	Parser P = {0};
	Lexer lx = {0};
	void *parser;
	char *buf;
	size_t len;
	int code, last, depth;
	Tok t;

	buf = (char *)readfile(path, &len);
	P.path = strcmp(path, "-") == 0 ? "<stdin>" : path;
	P.m = ir_new(P.path);
	P.m->domain = P.m->doc = P.m->graphname = P.m->target = "";	/* as onnx.c */
	P.tmp = arena_new();
	P.vals = namemap_new(P.tmp, 64);
	P.csts = namemap_new(P.tmp, 64);
	lx.path = P.path;
	lx.cur = lx.linestart = buf;
	lx.lim = buf + len;
	lx.line = 1;

	parser = sqcParseAlloc(xmalloc);
	last = 0;
	depth = 0;
	do {
		code = lex(&lx, &t);
		if (code == TK_NL && (last == 0 || last == TK_NL || depth > 0))
			continue;
		/* a '{' after ')' opens the function body, any other one an
		 * attribute list, where newlines are blanks as in () and [] */
		if (code == TK_LPAREN || code == TK_LBRACKET ||
		    (code == TK_LBRACE && last != TK_RPAREN))
			depth++;
		if ((code == TK_RPAREN || code == TK_RBRACKET ||
		    code == TK_RBRACE) && depth > 0)
			depth--;
		if (code == 0 && last != 0 && last != TK_NL) {
			P.last = t;
			sqcParse(parser, TK_NL, t, &P);
		}
		P.last = t;
		sqcParse(parser, code, t, &P);
		last = code;
	} while (code != 0);
	sqcParseFree(parser, free);
	arena_free(P.tmp);
	free(buf);
	ir_verify(P.m);
	return P.m;
}
