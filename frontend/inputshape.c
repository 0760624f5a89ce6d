/*
 * inputshape.c — --input-shape NAME=D0,D1,...: fix a graph input's shape.
 *
 * The new dims must agree with every dim the model already fixes.  A symbolic
 * dim that becomes a number is substituted in every value's type, so "batch"
 * in the outputs follows the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"

void
fix_input_shape(Module *m, const char *spec)
{
	const char *eq, *p;
	char *end, *name;
	int64_t dim[SQC_MAXRANK];
	int rank, k, v, i, j;
	Type *t;
	long long d;

	eq = strrchr(spec, '=');
	if (!eq || eq == spec)
		error(NULL, "--input-shape '%s': expected NAME=D0,D1,... (e.g. input=1,3,224,224)", spec);
	name = arena_strndup(m->arena, spec, (size_t)(eq - spec));
	rank = 0;
	for (p = eq + 1;;) {
		errno = 0;
		d = strtoll(p, &end, 10);
		if (end == p || errno || d < 0)
			error(NULL, "--input-shape '%s': '%s' is not a dimension (a non-negative integer)", spec, p);
		if (rank == SQC_MAXRANK)
			error(NULL, "--input-shape '%s': more than %d dimensions", spec, SQC_MAXRANK);
		dim[rank++] = d;
		if (*end == 0)
			break;
		if (*end != ',')
			error(NULL, "--input-shape '%s': expected ',' after %lld", spec, d);
		p = end + 1;
	}
	for (k = 0; k < m->nin; k++)
		if (strcmp(m->val[m->in[k]].name, name) == 0)
			break;
	if (k == m->nin) {
		if (m->nin == 0)
			error(m->path, "--input-shape: the model has no input '%s' (it has no inputs)", name);
		error(m->path, "--input-shape: the model has no input '%s' (its first input is '%s')",
		    name, m->val[m->in[0]].name);
	}
	v = m->in[k];
	t = &m->val[v].type;
	if (t->rank >= 0 && t->rank != rank)
		error(m->path, "--input-shape: input '%s' has rank %d, not %d", name, t->rank, rank);
	for (k = 0; k < t->rank; k++)
		if (t->dim[k] >= 0 && t->dim[k] != dim[k])
			error(m->path, "--input-shape: input '%s' has dimension %d fixed to %lld, not %lld",
			    name, k, (long long)t->dim[k], (long long)dim[k]);
	/* substitute each symbol that gets a value, everywhere */
	for (k = 0; k < t->rank; k++) {
		const char *sym = t->sym[k];
		if (!sym)
			continue;
		for (i = 0; i < m->nval; i++) {
			Type *u = &m->val[i].type;
			for (j = 0; j < u->rank; j++)
				if (u->sym[j] && strcmp(u->sym[j], sym) == 0) {
					u->dim[j] = dim[k];
					u->sym[j] = NULL;
				}
		}
	}
	if (t->rank < 0)
		t->rank = rank;
	for (k = 0; k < rank; k++) {
		t->dim[k] = dim[k];
		t->sym[k] = NULL;
	}
}
