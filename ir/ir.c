/*
 * ir.c — the op table and the module's constructors and small queries.
 *
 * Values, constants and instructions live in heap arrays that grow, so code
 * holds indices, never pointers, across calls that add to a table.  Every
 * other allocation comes from the module's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

const OpInfo optab[Ocount] = {
	[Onop] = {"nop", "", 0, VAR, 0, VAR, 0},
#define OP(id, onnx, i0, i1, o0, o1, fl) [O##id] = {#id, onnx, i0, i1, o0, o1, fl},
#include "ops.h"
#undef OP
	[Oopaque] = {"opaque", "", 0, VAR, 0, VAR, 0},
};

Module *
ir_new(const char *path)
{
	Module *m;

	m = xcalloc(1, sizeof *m);
	m->arena = arena_new();
	m->path = arena_strdup(m->arena, path ? path : "<module>");
	m->producer = NULL;
	m->target = "";
	return m;
}

void
ir_free(Module *m)
{
	if (!m)
		return;
	free(m->val);
	free(m->cst);
	free(m->ins);
	free(m->in);
	free(m->out);
	arena_free(m->arena);
	free(m);
}

int
ir_addval(Module *m, const char *name, Type t)
{
	Val v = {0};

	v.name = name;
	v.type = t;
	v.def = -1;
	vec_push(m->val, m->nval, m->capval, v);
	return m->nval - 1;
}

int
ir_addcst(Module *m, const char *name, Type t, void *data, size_t nbytes)
{
	Cst c = {0};

	c.name = name;
	c.type = t;
	c.data = data;
	c.nbytes = nbytes;
	vec_push(m->cst, m->ncst, m->capcst, c);
	return m->ncst - 1;
}

Ins *
ir_addins(Module *m, int op, int nin, int nout)
{
	Ins in = {0};
	int k;

	in.op = op;
	in.name = "";
	in.domain = "";
	in.optype = op == Oopaque ? "" : optab[op].onnx;
	in.nin = nin;
	in.in = arena_alloc(m->arena, (size_t)(nin ? nin : 1) * sizeof(Ref));
	in.nout = nout;
	in.out = arena_alloc(m->arena, (size_t)(nout ? nout : 1) * sizeof(int));
	for (k = 0; k < nout; k++)
		in.out[k] = -1;
	vec_push(m->ins, m->nins, m->capins, in);
	return &m->ins[m->nins - 1];
}

void
ir_setout(Module *m, int ins, int k, int val)
{
	if (ins < 0 || ins >= m->nins || k < 0 || k >= m->ins[ins].nout)
		die("ir_setout: bad slot %d.%d", ins, k);
	m->ins[ins].out[k] = val;
	if (val >= 0) {
		m->val[val].def = ins;
		m->val[val].defout = k;
	}
}

Attr *
ir_addattr(Module *m, Ins *in, const char *name, AttrKind kind)
{
	Attr *a;

	a = arena_alloc(m->arena, (size_t)(in->nattr + 1) * sizeof(Attr));
	if (in->nattr)
		memcpy(a, in->attr, (size_t)in->nattr * sizeof(Attr));
	in->attr = a;
	a = &in->attr[in->nattr++];
	a->name = name;
	a->kind = kind;
	a->n = 1;
	return a;
}

Attr *
ir_getattr(const Ins *in, const char *name)
{
	int k;

	for (k = 0; k < in->nattr; k++)
		if (strcmp(in->attr[k].name, name) == 0)
			return &in->attr[k];
	return NULL;
}

int64_t
ir_attrint(const Ins *in, const char *name, int64_t dflt)
{
	Attr *a;

	a = ir_getattr(in, name);
	return a && a->kind == Aint ? a->i : dflt;
}

float
ir_attrfloat(const Ins *in, const char *name, float dflt)
{
	Attr *a;

	a = ir_getattr(in, name);
	return a && a->kind == Afloat ? a->f : dflt;
}

const int64_t *
ir_attrints(const Ins *in, const char *name, int n, int64_t dflt, int64_t *buf)
{
	const Attr *a = ir_getattr(in, name);
	int k;

	if (a && a->kind == Aints && a->n == n)
		return a->ints;
	for (k = 0; k < n; k++)
		buf[k] = dflt;
	return buf;
}

int
ir_opbyname(const char *irname)
{
	int op;

	for (op = Onop + 1; op < Oopaque; op++)
		if (strcmp(optab[op].name, irname) == 0)
			return op;
	return -1;
}

int
ir_opbyonnx(const char *domain, const char *optype)
{
	int op;

	if (domain && *domain && strcmp(domain, "ai.onnx") != 0)
		return Oopaque;
	for (op = Onop + 1; op < Oopaque; op++)
		if (strcmp(optab[op].onnx, optype) == 0)
			return op;
	return Oopaque;
}

const char *
ir_opname(const Module *m, const Ins *in)
{
	(void)m;
	return in->op == Oopaque ? in->optype : optab[in->op].onnx;
}

int64_t
ir_opset(const Module *m, const char *domain)
{
	int k;

	for (k = 0; k < m->nopset; k++)
		if (strcmp(m->opset[k].domain, domain) == 0)
			return m->opset[k].version;
	return 0;
}

Ref
ref_val(int v)
{
	return (Ref){Rval, v};
}

Ref
ref_cst(int c)
{
	return (Ref){Rcst, c};
}

Ref
ref_none(void)
{
	return (Ref){Rnone, 0};
}

bool
ref_eq(Ref a, Ref b)
{
	return a.kind == b.kind && (a.kind == Rnone || a.idx == b.idx);
}

Type *
ir_reftype(Module *m, Ref r)
{
	switch (r.kind) {
	case Rval:
		return &m->val[r.idx].type;
	case Rcst:
		return &m->cst[r.idx].type;
	default:
		return NULL;
	}
}

const char *
ir_refname(const Module *m, Ref r)
{
	switch (r.kind) {
	case Rval:
		return m->val[r.idx].name;
	case Rcst:
		return m->cst[r.idx].name;
	default:
		return "";
	}
}

void
ir_compact(Module *m)
{
	int *vmap, *cmap, *ccount, i, j, k, n;
	bool subgraphs;
	char *live;
	Ref *r;

	/* instructions */
	for (i = j = 0; i < m->nins; i++)
		if (m->ins[i].op != Onop)
			m->ins[j++] = m->ins[i];
	m->nins = j;

	/* values: graph inputs and results of live instructions survive */
	live = xcalloc((size_t)m->nval + 1, 1);
	for (k = 0; k < m->nin; k++)
		live[m->in[k]] = 1;
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nout; k++)
			if (m->ins[i].out[k] >= 0)
				live[m->ins[i].out[k]] = 1;
	vmap = xmalloc(((size_t)m->nval + 1) * sizeof(int));
	for (i = n = 0; i < m->nval; i++) {
		vmap[i] = live[i] ? n : -1;
		if (live[i])
			m->val[n++] = m->val[i];
	}
	m->nval = n;

	/* constants: used, listed as inputs, or graph outputs survive */
	ccount = xcalloc((size_t)m->ncst + 1, sizeof(int));
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nin; k++)
			if (m->ins[i].in[k].kind == Rcst)
				ccount[m->ins[i].in[k].idx]++;
	for (k = 0; k < m->nout; k++)
		if (m->out[k].kind == Rcst)
			ccount[m->out[k].idx]++;
	/* subgraphs (If/Loop bodies) may name outer constants: keep them all */
	subgraphs = false;
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nattr; k++)
			if (m->ins[i].attr[k].kind == Agraph || m->ins[i].attr[k].kind == Agraphs)
				subgraphs = true;
	cmap = xmalloc(((size_t)m->ncst + 1) * sizeof(int));
	for (i = n = 0; i < m->ncst; i++) {
		bool keep = ccount[i] || m->cst[i].isinput || subgraphs;
		cmap[i] = keep ? n : -1;
		if (keep)
			m->cst[n++] = m->cst[i];
	}
	m->ncst = n;

	/* renumber */
	for (k = 0; k < m->nin; k++)
		m->in[k] = vmap[m->in[k]];
	for (i = 0; i < m->nins; i++) {
		for (k = 0; k < m->ins[i].nout; k++)
			if (m->ins[i].out[k] >= 0) {
				m->ins[i].out[k] = vmap[m->ins[i].out[k]];
				m->val[m->ins[i].out[k]].def = i;
				m->val[m->ins[i].out[k]].defout = k;
			}
		for (k = 0; k < m->ins[i].nin; k++) {
			r = &m->ins[i].in[k];
			if (r->kind == Rval && (r->idx = vmap[r->idx]) < 0)
				die("ir_compact: an operand of ins %d lost its value", i);
			if (r->kind == Rcst)
				r->idx = cmap[r->idx];
		}
	}
	for (k = 0; k < m->nout; k++) {
		r = &m->out[k];
		if (r->kind == Rval && (r->idx = vmap[r->idx]) < 0)
			die("ir_compact: graph output %d lost its value", k);
		if (r->kind == Rcst)
			r->idx = cmap[r->idx];
	}
	free(live);
	free(vmap);
	free(ccount);
	free(cmap);
}

void
ir_replaceuses(Module *m, Ref from, Ref to)
{
	int i, k;

	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nin; k++)
			if (ref_eq(m->ins[i].in[k], from) && from.kind != Rnone)
				m->ins[i].in[k] = to;
	for (k = 0; k < m->nout; k++)
		if (ref_eq(m->out[k], from))
			m->out[k] = to;
}

static bool
nametaken(const Module *m, const char *s)
{
	int k;

	for (k = 0; k < m->nval; k++)
		if (strcmp(m->val[k].name, s) == 0)
			return true;
	for (k = 0; k < m->ncst; k++)
		if (strcmp(m->cst[k].name, s) == 0)
			return true;
	return false;
}

const char *
ir_uniquename(Module *m, const char *base)
{
	const char *s;
	int n;

	if (!nametaken(m, base))
		return arena_strdup(m->arena, base);
	for (n = 1;; n++) {
		s = arena_printf(m->arena, "%s_%d", base, n);
		if (!nametaken(m, s))
			return s;
	}
}

void
ir_error(const Module *m, const Ins *in, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = arena_vprintf(m->arena, fmt, ap);
	va_end(ap);
	if (in && in->name[0])
		error(m->path, "node '%s' (%s): %s", in->name, ir_opname(m, in), msg);
	if (in)	/* unnamed: its position, counted from 0 as in the file */
		error(m->path, "node #%d (%s): %s", (int)(in - m->ins), ir_opname(m, in), msg);
	error(m->path, "%s", msg);
}
