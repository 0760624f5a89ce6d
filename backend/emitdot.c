/*
 * emitdot.c — the Graphviz writer: Module -> one `digraph` (--emit=dot).
 *
 * Contract (emitdot.h): emit_dot(m, f) writes the module's dataflow graph
 * as DOT text to f; the bytes depend on the module only.  Write errors stay
 * in f's error flag for the caller.  Nothing in m changes.
 *
 * What is drawn:
 *   graph inputs   node "inK" (K = position in m->in), shape invhouse,
 *                  filled palegreen; label: name, then type summary
 *   instructions   node "nK" (K = index in m->ins; Onop skipped), shape box,
 *                  label lines:
 *                    op (IR spelling; "domain::op_type" for opaque ops)
 *                    @node name (when it has one)
 *                    per result: its type summary without the shape (the
 *                      edges carry shapes); "_" for an omitted output
 *                    per constant operand: "$name: " and its type summary
 *                  fill: orange for quantize, dequantize, requantize (and
 *                  ONNX's QuantizeLinear / DequantizeLinear); lightblue for
 *                  any other instruction with a quantized operand or result;
 *                  white otherwise
 *   graph outputs  node "outK" (K = position in m->out), shape house,
 *                  filled palegreen; label: name, then type summary
 *   edges          producer -> consumer, once per operand slot that is a
 *                  value (so `add %x, %x` draws two), and producer ->
 *                  outK; labelled with the value's shape ("[N,16,8,8]",
 *                  "[*]" for unknown rank) and its layout when not Lnone
 *                  ("[1,8,8,16] nhwc")
 *   A type summary is dtype, shape (and layout), then " q(scale)" or
 *   " q(scale, zero)" when quantized per tensor (zero left out when 0),
 *   " q(axis=A, n=N)" per axis, and " range(lo, hi)" when calibrated:
 *   "f32[N,3,224,224]", "u8 q(0.1, 128)", "i8[16,1,3,3] q(axis=0, n=16)".
 *   Constants are not nodes (a model has hundreds); they show in their
 *   consumers' labels.  A graph output that is a constant gets an output
 *   node with no edge.
 *
 * Strings are written inside DOT double quotes with '"' and '\' escaped and
 * bytes outside 0x20..0x7e (other than UTF-8 sequences) shown as "\xHH", so
 * any name is safe and a name can never inject a DOT escape such as \N.
 * Floats print as the shortest decimal that reads back (fmtfloat).
 */
#include <string.h>

#include "backend/emitdot.h"

/* the body of a DOT quoted string: s, escaped */
static void
dstr(FILE *f, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p >= 0x20 && *p != 0x7f)	/* printable or UTF-8 */
			fputc(*p, f);
		else
			fprintf(f, "\\\\x%02x", *p);
	}
}

static void
dfloat(FILE *f, float x)
{
	char buf[48];

	fmtfloat(buf, 40, x);
	fputs(buf, f);
}

/* "[N,16,8,8]", plus " nhwc" when the layout is not Lnone */
static void
dshape(FILE *f, const Type *t)
{
	int k;

	fputc('[', f);
	if (t->rank < 0)
		fputc('*', f);
	for (k = 0; k < t->rank; k++) {
		if (k)
			fputc(',', f);
		if (t->dim[k] >= 0)
			fprintf(f, "%lld", (long long)t->dim[k]);
		else if (t->sym[k])
			dstr(f, t->sym[k]);
		else
			fputc('?', f);
	}
	fputc(']', f);
	if (t->layout != Lnone)
		fprintf(f, " %s", layout_name(t->layout));
}

/* dtype, shape when withshape, quantization and range:
 * "i8 q(0.05)", "u8[16] q(0.1, 128)", "i8 q(axis=0, n=16)",
 * "f32 range(0, 6)" */
static void
dsummary(FILE *f, const Type *t, bool withshape)
{
	const char *dn = dtype_name(t->dt);

	fputs(dn ? dn : "?", f);
	if (withshape)
		dshape(f, t);
	if (t->q && t->q->axis < 0 && t->q->n == 1) {
		fputs(" q(", f);
		dfloat(f, t->q->scale[0]);
		if (t->q->zero[0] != 0)
			fprintf(f, ", %ld", (long)t->q->zero[0]);
		fputc(')', f);
	} else if (t->q) {
		fprintf(f, " q(axis=%d, n=%d)", t->q->axis, t->q->n);
	}
	if (t->hasrange) {
		fputs(" range(", f);
		dfloat(f, t->lo);
		fputs(", ", f);
		dfloat(f, t->hi);
		fputc(')', f);
	}
}

static bool
isqdq(const Ins *in)
{
	return in->op == Oquantize || in->op == Odequantize ||
	       in->op == Orequantize || in->op == Oquantize_linear ||
	       in->op == Odequantize_linear;
}

static bool
isquant(Module *m, const Ins *in)
{
	Type *t;
	int k;

	for (k = 0; k < in->nin; k++)
		if ((t = ir_reftype(m, in->in[k])) && t->q)
			return true;
	for (k = 0; k < in->nout; k++)
		if (in->out[k] >= 0 && m->val[in->out[k]].type.q)
			return true;
	return false;
}

/* the node that defines value v: "inK", "nK", or NULL if none is drawn */
static const char *
source(Module *m, int v, char *buf, size_t n)
{
	const Val *val = &m->val[v];
	int k;

	if (val->def >= 0) {
		if (m->ins[val->def].op == Onop)
			return NULL;
		snprintf(buf, n, "n%d", val->def);
		return buf;
	}
	for (k = 0; k < m->nin; k++)
		if (m->in[k] == v) {
			snprintf(buf, n, "in%d", k);
			return buf;
		}
	return NULL;
}

static void
edge(FILE *f, Module *m, int v, const char *to)
{
	char buf[32];
	const char *from = source(m, v, buf, sizeof buf);

	if (!from)
		return;
	fprintf(f, "  %s -> %s [label=\"", from, to);
	dshape(f, &m->val[v].type);
	fputs("\"];\n", f);
}

static void
dins(FILE *f, Module *m, int idx)
{
	const Ins *in = &m->ins[idx];
	const Cst *c;
	int k;

	fprintf(f, "  n%d [label=\"", idx);
	if (in->op == Oopaque) {
		if (in->domain && *in->domain) {
			dstr(f, in->domain);
			fputs("::", f);
		}
		dstr(f, in->optype);
	} else {
		fputs(optab[in->op].name, f);
	}
	if (in->name && *in->name) {
		fputs("\\n@", f);
		dstr(f, in->name);
	}
	for (k = 0; k < in->nout; k++) {
		fputs("\\n", f);
		if (in->out[k] < 0)
			fputc('_', f);
		else
			dsummary(f, &m->val[in->out[k]].type, false);
	}
	for (k = 0; k < in->nin; k++) {
		if (in->in[k].kind != Rcst)
			continue;
		c = &m->cst[in->in[k].idx];
		fputs("\\n$", f);
		dstr(f, c->name);
		fputs(": ", f);
		dsummary(f, &c->type, true);
	}
	fprintf(f, "\", fillcolor=%s];\n",
	    isqdq(in) ? "orange" : isquant(m, in) ? "lightblue" : "white");
}

void
emit_dot(Module *m, FILE *f)
{
	char to[32];
	const Type *t;
	int k, j;

	fputs("digraph \"", f);
	dstr(f, m->graphname && *m->graphname ? m->graphname : "sqc");
	fputs("\" {\n", f);
	fputs("  node [shape=box, style=filled, fillcolor=white, "
	    "fontname=\"Helvetica\", fontsize=10];\n", f);
	fputs("  edge [fontname=\"Helvetica\", fontsize=9];\n", f);

	for (k = 0; k < m->nin; k++) {
		t = &m->val[m->in[k]].type;
		fprintf(f, "  in%d [shape=invhouse, fillcolor=palegreen, label=\"", k);
		dstr(f, m->val[m->in[k]].name);
		fputs("\\n", f);
		dsummary(f, t, true);
		fputs("\"];\n", f);
	}
	for (k = 0; k < m->nins; k++) {
		if (m->ins[k].op == Onop)
			continue;
		dins(f, m, k);
	}
	for (k = 0; k < m->nout; k++) {
		t = ir_reftype(m, m->out[k]);
		fprintf(f, "  out%d [shape=house, fillcolor=palegreen, label=\"", k);
		dstr(f, ir_refname(m, m->out[k]));
		if (t) {
			fputs("\\n", f);
			dsummary(f, t, true);
		}
		fputs("\"];\n", f);
	}

	for (k = 0; k < m->nins; k++) {
		const Ins *in = &m->ins[k];

		if (in->op == Onop)
			continue;
		snprintf(to, sizeof to, "n%d", k);
		for (j = 0; j < in->nin; j++)
			if (in->in[j].kind == Rval)
				edge(f, m, in->in[j].idx, to);
	}
	for (k = 0; k < m->nout; k++) {
		if (m->out[k].kind != Rval)
			continue;
		snprintf(to, sizeof to, "out%d", k);
		edge(f, m, m->out[k].idx, to);
	}
	fputs("}\n", f);
}
