/*
 * use.c — analyses over a module: use lists and topological order.
 * Nothing here is cached in the Module; callers recompute after rewriting.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

Uses *
ir_uses(Module *m, Arena *scratch)
{
	Uses *u;
	int i, k, *fill;
	Ref r;

	u = arena_alloc(scratch, sizeof *u);
	u->count = arena_alloc(scratch, (size_t)(m->nval + 1) * sizeof(int));
	u->cstcount = arena_alloc(scratch, (size_t)(m->ncst + 1) * sizeof(int));
	u->user = arena_alloc(scratch, (size_t)(m->nval + 1) * sizeof(int *));
	for (i = 0; i < m->nins; i++) {
		if (m->ins[i].op == Onop)
			continue;
		for (k = 0; k < m->ins[i].nin; k++) {
			r = m->ins[i].in[k];
			if (r.kind == Rval)
				u->count[r.idx]++;
			else if (r.kind == Rcst)
				u->cstcount[r.idx]++;
		}
	}
	for (i = 0; i < m->nval; i++)
		u->user[i] = arena_alloc(scratch, (size_t)(u->count[i] + 1) * sizeof(int));
	fill = arena_alloc(scratch, (size_t)(m->nval + 1) * sizeof(int));
	for (i = 0; i < m->nins; i++) {
		if (m->ins[i].op == Onop)
			continue;
		for (k = 0; k < m->ins[i].nin; k++) {
			r = m->ins[i].in[k];
			if (r.kind == Rval)
				u->user[r.idx][fill[r.idx]++] = i;
		}
	}
	return u;
}

bool
ir_isoutput(const Module *m, int val)
{
	int k;

	for (k = 0; k < m->nout; k++)
		if (m->out[k].kind == Rval && m->out[k].idx == val)
			return true;
	return false;
}

static bool
sorted(Module *m)
{
	int i, k;
	Ref r;

	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nin; k++) {
			r = m->ins[i].in[k];
			if (r.kind == Rval && m->val[r.idx].def >= i)
				return false;
		}
	return true;
}

/*
 * Kahn's algorithm, seeded and fed in instruction order so the result is
 * deterministic.  An already sorted module is left exactly as it is.
 */
bool
ir_toposort(Module *m)
{
	Arena *a;
	Uses *u;
	int *pending, *queue, head, tail, i, k, j, d;
	Ins *ord;
	Ref r;

	if (sorted(m))
		return true;
	a = arena_new();
	u = ir_uses(m, a);
	pending = arena_alloc(a, (size_t)(m->nins + 1) * sizeof(int));
	queue = arena_alloc(a, (size_t)(m->nins + 1) * sizeof(int));
	head = tail = 0;
	for (i = 0; i < m->nins; i++) {
		for (k = 0; k < m->ins[i].nin; k++) {
			r = m->ins[i].in[k];
			if (r.kind == Rval && m->val[r.idx].def >= 0)
				pending[i]++;
		}
		if (pending[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		i = queue[head++];
		for (k = 0; k < m->ins[i].nout; k++) {
			d = m->ins[i].out[k];
			if (d < 0)
				continue;
			for (j = 0; j < u->count[d]; j++)
				if (--pending[u->user[d][j]] == 0)
					queue[tail++] = u->user[d][j];
		}
	}
	if (tail < m->nins) {
		arena_free(a);
		return false;
	}
	ord = xmalloc((size_t)m->capins * sizeof(Ins));
	for (i = 0; i < m->nins; i++)
		ord[i] = m->ins[queue[i]];
	free(m->ins);
	m->ins = ord;
	for (i = 0; i < m->nins; i++)
		for (k = 0; k < m->ins[i].nout; k++)
			if (m->ins[i].out[k] >= 0)
				m->val[m->ins[i].out[k]].def = i;
	arena_free(a);
	return true;
}
