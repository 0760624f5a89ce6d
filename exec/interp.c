/*
 * interp.c — the interpreter: plans memory for a module's values and runs its
 * instructions through the op implementations of exec/op_*.c (contract in
 * exec.h).
 *
 * Memory plan (exec_new): every instruction result gets an offset in one
 * buffer.  Walking the instructions in order, results are placed first-fit in
 * a free list ordered by offset; after the instruction, operands whose last
 * use it was (and results nobody uses) are released, merging with free
 * neighbours.  A result never shares memory with an operand of its own
 * instruction, because operands are released only after it runs.  Graph
 * outputs are never released.  Graph inputs live in the caller's memory and
 * constants in the module's, so neither takes space in the plan.
 * A Relu or Clip fused into its producer (exec.h) shares the producer's
 * buffer: the pair's two values are one allocation, released after the
 * activation's last use.
 * The plan is deterministic; its size is reported by exec_arena_size.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

enum { ALIGNB = 64 };

typedef struct Hole {
	size_t off, len;
} Hole;

struct Exec {
	Module *m;
	const ExecImpl **impl;	/* per instruction */
	float (*act)[2];	/* per instruction: fused clamp bounds */
	int *fused;		/* per instruction: the activation fused into it, or -1 */
	bool *skip;		/* per instruction: an activation fused into its producer */
	size_t *off;		/* per value: offset in buf (graph inputs: unused) */
	size_t size;		/* bytes of buf */
	unsigned char *buf;
	Tensor *val;		/* per value: its tensor in the current run */
	Tensor *cst;		/* per constant */
	const Tensor **x;	/* operand pointers, sized for the widest instruction */
	Tensor **y;
	Arena *scratch;
	ExecHook hook;
	void *hookarg;
};

/* free list of the plan: holes ordered by offset, merged when adjacent */
typedef struct Plan {
	Hole *h;
	int n, cap;
	size_t end;
} Plan;

static size_t
place(Plan *p, size_t len)
{
	size_t off;
	int k;

	for (k = 0; k < p->n; k++)
		if (p->h[k].len >= len) {
			off = p->h[k].off;
			p->h[k].off += len;
			p->h[k].len -= len;
			if (p->h[k].len == 0) {
				memmove(&p->h[k], &p->h[k + 1], (size_t)(p->n - k - 1) * sizeof(Hole));
				p->n--;
			}
			return off;
		}
	/* grow at the end, absorbing a trailing hole */
	if (p->n && p->h[p->n - 1].off + p->h[p->n - 1].len == p->end) {
		off = p->h[p->n - 1].off;
		p->n--;
	} else {
		off = p->end;
	}
	p->end = off + len;
	return off;
}

static void
release(Plan *p, size_t off, size_t len)
{
	Hole h = {off, len};
	int k;

	for (k = 0; k < p->n && p->h[k].off < off; k++)
		;
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->h = xrealloc(p->h, (size_t)p->cap * sizeof(Hole));
	}
	memmove(&p->h[k + 1], &p->h[k], (size_t)(p->n - k) * sizeof(Hole));
	p->h[k] = h;
	p->n++;
	if (k + 1 < p->n && p->h[k].off + p->h[k].len == p->h[k + 1].off) {
		p->h[k].len += p->h[k + 1].len;
		memmove(&p->h[k + 1], &p->h[k + 2], (size_t)(p->n - k - 2) * sizeof(Hole));
		p->n--;
	}
	if (k > 0 && p->h[k - 1].off + p->h[k - 1].len == p->h[k].off) {
		p->h[k - 1].len += p->h[k].len;
		memmove(&p->h[k], &p->h[k + 1], (size_t)(p->n - k - 1) * sizeof(Hole));
		p->n--;
	}
}

static size_t
valbytes(const Module *m, int v)
{
	size_t n, b;

	if (!type_numel(&m->val[v].type, &n) || mulover(n, dtype_size(m->val[v].type.dt), &b))
		error(m->path, "value %%%s is too large to run", m->val[v].name);
	return b;
}

static void
settensor(Tensor *t, const Type *ty, void *data, size_t nbytes)
{
	t->dt = ty->dt;
	t->rank = ty->rank;
	memcpy(t->dim, ty->dim, sizeof t->dim);
	t->data = data;
	t->nbytes = nbytes;
}

/* every value must have a known dtype and a static shape */
static void
checkstatic(Module *m, int v, const Ins *in)
{
	const Type *t = &m->val[v].type;

	if (t->dt == Dstr) {
		if (in)
			ir_error(m, in, "result %%%s is a string tensor; the interpreter runs numeric tensors only",
			    m->val[v].name);
		error(m->path, "graph input %%%s is a string tensor; the interpreter runs numeric tensors only",
		    m->val[v].name);
	}
	if (t->dt == Dundef || !type_static(t)) {
		if (in)
			ir_error(m, in, "result %%%s has %s; the interpreter needs static shapes "
			    "(fix symbolic input dims with --input-shape NAME=D0,D1,...)",
			    m->val[v].name, t->dt == Dundef ? "an unknown type" : "a dynamic shape");
		error(m->path, "graph input %%%s has a dynamic shape; fix it with --input-shape %s=D0,D1,...",
		    m->val[v].name, m->val[v].name);
	}
}

bool
exec_actbounds(const Module *m, const Ins *a, float *lo, float *hi)
{
	int k;

	*lo = -INFINITY;
	*hi = INFINITY;
	if (a->op == Orelu) {
		*lo = 0;
		return true;
	}
	if (a->op != Oclip || a->nattr)
		return false;
	for (k = 1; k < a->nin; k++) {
		Ref r = a->in[k];
		const Cst *c;
		if (r.kind == Rnone)
			continue;
		if (r.kind != Rcst)
			return false;
		c = &m->cst[r.idx];
		if (c->type.dt != Df32 || c->nbytes != 4)
			return false;
		*(k == 1 ? lo : hi) = *(const float *)c->data;
	}
	return true;
}

/* find producer -> activation pairs the interpreter runs as one (exec.h);
 * alias[w] = v for the activation's result w sharing v's buffer */
static void
planfusion(Exec *e, int *alias)
{
	Module *m = e->m;
	Arena *a = arena_new();
	Uses *u = ir_uses(m, a);
	int i, j, v, w;
	float lo, hi;

	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i], *ac;
		e->fused[i] = -1;
		if (!e->impl[i]->runact || !e->impl[i]->canfuse || in->nout != 1)
			continue;
		v = in->out[0];
		if (v < 0 || u->count[v] != 1 || ir_isoutput(m, v) || !e->impl[i]->canfuse(m, in))
			continue;
		j = u->user[v][0];
		ac = &m->ins[j];
		if (ac->nin < 1 || !ref_eq(ac->in[0], ref_val(v)) || ac->nout != 1 || ac->out[0] < 0)
			continue;
		w = ac->out[0];
		if (!exec_actbounds(m, ac, &lo, &hi) || m->val[v].type.dt != Df32 ||
		    m->val[w].type.dt != Df32 || valbytes(m, v) != valbytes(m, w))
			continue;
		e->fused[i] = j;
		e->act[i][0] = lo;
		e->act[i][1] = hi;
		e->skip[j] = true;
		alias[w] = v;
	}
	arena_free(a);
}

Exec *
exec_new(Module *m)
{
	Exec *e;
	Plan p = {0};
	int *last, *alias, i, k, v, wide = 1;
	size_t len;
	bool *placed;

	e = xcalloc(1, sizeof *e);
	e->m = m;
	e->impl = xcalloc((size_t)m->nins + 1, sizeof *e->impl);
	e->off = xcalloc((size_t)m->nval + 1, sizeof *e->off);
	e->val = xcalloc((size_t)m->nval + 1, sizeof *e->val);
	e->cst = xcalloc((size_t)m->ncst + 1, sizeof *e->cst);
	e->scratch = arena_new();

	for (k = 0; k < m->nin; k++)
		checkstatic(m, m->in[k], NULL);
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		e->impl[i] = exec_impl_for(m, in);
		if (!e->impl[i]) {
			if (in->op == Oopaque && in->domain[0])
				ir_error(m, in, "op %s::%s is not supported by the interpreter",
				    in->domain, in->optype);
			ir_error(m, in, "op %s is not supported by the interpreter", ir_opname(m, in));
		}
		for (k = 0; k < in->nout; k++)
			if (in->out[k] >= 0)
				checkstatic(m, in->out[k], in);
		if (in->nin > wide)
			wide = in->nin;
		if (in->nout > wide)
			wide = in->nout;
	}
	e->x = xcalloc((size_t)wide, sizeof *e->x);
	e->y = xcalloc((size_t)wide, sizeof *e->y);
	e->act = xcalloc((size_t)m->nins + 1, sizeof *e->act);
	e->fused = xcalloc((size_t)m->nins + 1, sizeof *e->fused);
	e->skip = xcalloc((size_t)m->nins + 1, sizeof *e->skip);
	alias = xmalloc(((size_t)m->nval + 1) * sizeof *alias);
	for (v = 0; v < m->nval; v++)
		alias[v] = -1;
	planfusion(e, alias);

	/* last use of each value; graph outputs live to the end */
	last = xmalloc(((size_t)m->nval + 1) * sizeof *last);
	for (v = 0; v < m->nval; v++)
		last[v] = m->val[v].def;
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nin; k++)
			if (m->ins[i].in[k].kind == Rval)
				last[m->ins[i].in[k].idx] = i;
	for (k = 0; k < m->nout; k++)
		if (m->out[k].kind == Rval)
			last[m->out[k].idx] = m->nins;

	placed = xcalloc((size_t)m->nval + 1, 1);
	for (i = 0; i < m->nins; i++) {
		const Ins *in = &m->ins[i];
		for (k = 0; k < in->nout; k++) {
			v = in->out[k];
			if (v < 0)
				continue;
			if (alias[v] >= 0) {
				/* a fused activation: the producer's buffer
				 * passes to it, to be released after its uses */
				e->off[v] = e->off[alias[v]];
				placed[alias[v]] = 0;
				placed[v] = 1;
				continue;
			}
			len = (valbytes(m, v) + ALIGNB - 1) / ALIGNB * ALIGNB;
			e->off[v] = place(&p, len ? len : ALIGNB);
			placed[v] = 1;
		}
		for (k = 0; k < in->nin + in->nout; k++) {
			v = k < in->nin ? (in->in[k].kind == Rval ? in->in[k].idx : -1) : in->out[k - in->nin];
			if (v < 0 || !placed[v] || last[v] > i)
				continue;
			len = (valbytes(m, v) + ALIGNB - 1) / ALIGNB * ALIGNB;
			release(&p, e->off[v], len ? len : ALIGNB);
			placed[v] = 0;	/* released once, even if used twice here */
		}
	}
	e->size = p.end;
	/* refuse what cannot fit before the kernel's OOM killer would */
	if (sys_memory() && e->size > sys_memory())
		error(m->path, "out of memory: the activations need %zu bytes, more than "
		    "this machine's %zu bytes of memory (smaller --input-shape?)",
		    e->size, sys_memory());
	e->buf = aligned_alloc(ALIGNB, e->size ? e->size : ALIGNB);
	if (!e->buf)
		error(m->path, "out of memory: the activations need %zu bytes", e->size);
	free(p.h);
	free(placed);
	free(last);
	free(alias);

	for (v = 0; v < m->nval; v++)
		if (m->val[v].def >= 0)
			settensor(&e->val[v], &m->val[v].type, e->buf + e->off[v], valbytes(m, v));
	for (k = 0; k < m->ncst; k++)
		settensor(&e->cst[k], &m->cst[k].type, m->cst[k].data, m->cst[k].nbytes);
	return e;
}

size_t
exec_arena_size(const Exec *e)
{
	return e->size;
}

void
exec_hook(Exec *e, ExecHook fn, void *arg)
{
	e->hook = fn;
	e->hookarg = arg;
}

static const Tensor *
operand(Exec *e, Ref r)
{
	switch (r.kind) {
	case Rval:
		return &e->val[r.idx];
	case Rcst:
		return &e->cst[r.idx];
	default:
		return NULL;
	}
}

void
exec_run(Exec *e, const Tensor *inputs, const Tensor **outputs)
{
	Module *m = e->m;
	const Ins *in;
	int i, k, v;

	for (k = 0; k < m->nin; k++) {
		const Type *t = &m->val[m->in[k]].type;
		const Tensor *x = &inputs[k];
		size_t need = valbytes(m, m->in[k]);
		if (x->dt != t->dt || x->rank != t->rank || memcmp(x->dim, t->dim, (size_t)t->rank * sizeof(int64_t)) != 0 ||
		    x->nbytes != need) {
			Type xt = tensor_type(x);
			char want[256], got[256];
			type_str(want, sizeof want, t);
			type_str(got, sizeof got, &xt);
			error(m->path, "input '%s' needs %s, got %s", m->val[m->in[k]].name, want, got);
		}
		e->val[m->in[k]] = *x;
	}
	for (i = 0; i < m->nins; i++) {
		in = &m->ins[i];
		if (e->skip[i] && !e->hook)
			continue;	/* done by its producer's fused run */
		for (k = 0; k < in->nin; k++)
			e->x[k] = operand(e, in->in[k]);
		for (k = 0; k < in->nout; k++) {
			v = in->out[k];
			e->y[k] = v >= 0 ? &e->val[v] : NULL;
		}
		if (e->hook || e->fused[i] < 0) {
			e->impl[i]->run(m, in, e->x, e->y, e->scratch);
		} else {
			e->impl[i]->runact(m, in, e->x, e->y, e->scratch, e->act[i]);
		}
		arena_reset(e->scratch);
		if (e->hook)
			e->hook(e->hookarg, i, (const Tensor *const *)e->y);
	}
	for (k = 0; k < m->nout; k++)
		outputs[k] = operand(e, m->out[k]);
}

void
exec_free(Exec *e)
{
	if (!e)
		return;
	free(e->impl);
	free(e->act);
	free(e->fused);
	free(e->skip);
	free(e->off);
	free(e->val);
	free(e->cst);
	free(e->x);
	free(e->y);
	free(e->buf);
	arena_free(e->scratch);
	free(e);
}

bool
exec_fold(Module *m, int i, Arena *a, Tensor *outputs)
{
	const Ins *in = &m->ins[i];
	const ExecImpl *impl = exec_impl_for(m, in);
	const Tensor **x;
	Tensor *cst, **y;
	Arena *scratch;
	size_t n;
	int k, v;

	if (!impl)
		return false;
	for (k = 0; k < in->nout; k++) {
		v = in->out[k];
		if (v >= 0 && (!type_numel(&m->val[v].type, &n) || m->val[v].type.dt == Dundef ||
		    m->val[v].type.dt == Dstr))
			return false;
	}
	x = arena_alloc(a, (size_t)(in->nin + 1) * sizeof *x);
	cst = arena_alloc(a, (size_t)(in->nin + 1) * sizeof *cst);
	y = arena_alloc(a, (size_t)(in->nout + 1) * sizeof *y);
	for (k = 0; k < in->nin; k++) {
		Ref r = in->in[k];
		if (r.kind == Rval)
			return false;
		if (r.kind == Rcst) {
			settensor(&cst[k], &m->cst[r.idx].type, m->cst[r.idx].data, m->cst[r.idx].nbytes);
			x[k] = &cst[k];
		}
	}
	for (k = 0; k < in->nout; k++) {
		v = in->out[k];
		y[k] = v >= 0 ? &outputs[k] : NULL;
		if (v >= 0) {
			size_t b = valbytes(m, v);
			settensor(&outputs[k], &m->val[v].type, arena_alloc(a, b), b);
		}
	}
	scratch = arena_new();
	impl->run(m, in, x, y, scratch);
	arena_free(scratch);
	return true;
}
