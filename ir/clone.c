/*
 * clone.c — ir_clone: a copy of a module that passes can rewrite without
 * touching the original.
 *
 * Copied: the value, constant, instruction, input and output tables; every
 * instruction's operand, result and attribute arrays and the attributes'
 * int/float lists; every value's quantization parameters.  Shared with the
 * original (so the original must outlive the copy): strings, constant data
 * (passes never write a constant in place: they add new ones) and the
 * opaque blobs of graph attributes.  Used where one calibrated module is
 * quantized several ways (driver/tune.c) and by --report's per-layer copy.
 */
#include <string.h>

#include "ir.h"

static void *
dup(Arena *a, const void *p, size_t n)
{
	return p && n ? arena_memdup(a, p, n) : NULL;
}

static QParam *
dupq(Arena *a, const QParam *q)
{
	QParam *c;

	if (!q)
		return NULL;
	c = arena_memdup(a, q, sizeof *q);
	c->scale = dup(a, q->scale, (size_t)q->n * sizeof *q->scale);
	c->zero = dup(a, q->zero, (size_t)q->n * sizeof *q->zero);
	return c;
}

Module *
ir_clone(const Module *m)
{
	Module *c = ir_new(m->path);
	Arena *a = c->arena;
	int i, k;

	*c = *m;
	c->arena = a;
	c->val = xmalloc((size_t)(m->capval + 1) * sizeof(Val));
	memcpy(c->val, m->val, (size_t)m->nval * sizeof(Val));
	for (i = 0; i < m->nval; i++)
		c->val[i].type.q = dupq(a, m->val[i].type.q);
	c->cst = xmalloc((size_t)(m->capcst + 1) * sizeof(Cst));
	memcpy(c->cst, m->cst, (size_t)m->ncst * sizeof(Cst));
	for (i = 0; i < m->ncst; i++)
		c->cst[i].type.q = dupq(a, m->cst[i].type.q);
	c->ins = xmalloc((size_t)(m->capins + 1) * sizeof(Ins));
	memcpy(c->ins, m->ins, (size_t)m->nins * sizeof(Ins));
	for (i = 0; i < m->nins; i++) {
		Ins *in = &c->ins[i];
		in->in = dup(a, in->in, (size_t)in->nin * sizeof(Ref));
		in->out = dup(a, in->out, (size_t)in->nout * sizeof(int));
		in->attr = dup(a, in->attr, (size_t)in->nattr * sizeof(Attr));
		for (k = 0; k < in->nattr; k++) {
			Attr *t = &in->attr[k];
			if (t->kind == Aints)
				t->ints = dup(a, t->ints, (size_t)t->n * sizeof *t->ints);
			else if (t->kind == Afloats)
				t->floats = dup(a, t->floats, (size_t)t->n * sizeof *t->floats);
		}
	}
	c->in = xmalloc((size_t)(m->capin + 1) * sizeof(int));
	memcpy(c->in, m->in, (size_t)m->nin * sizeof(int));
	c->out = xmalloc((size_t)(m->capout + 1) * sizeof(Ref));
	memcpy(c->out, m->out, (size_t)m->nout * sizeof(Ref));
	return c;
}
