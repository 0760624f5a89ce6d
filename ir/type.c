/*
 * type.c — element types, layouts and shapes: spellings, sizes, equality.
 */
#include <stdio.h>
#include <string.h>

#include "ir.h"

static const struct {
	const char *name;
	size_t size;
} dtypes[Dcount] = {
	[Dundef] = {"?", 0},
	[Df32] = {"f32", 4}, [Du8] = {"u8", 1}, [Di8] = {"i8", 1},
	[Du16] = {"u16", 2}, [Di16] = {"i16", 2}, [Di32] = {"i32", 4},
	[Di64] = {"i64", 8}, [Dstr] = {"str", 0}, [Dbool] = {"bool", 1},
	[Df16] = {"f16", 2}, [Df64] = {"f64", 8}, [Du32] = {"u32", 4},
	[Du64] = {"u64", 8}, [Dc64] = {"c64", 8}, [Dc128] = {"c128", 16},
	[Dbf16] = {"bf16", 2},
};

static const char *layouts[Lcount] = {
	[Lnone] = "", [Lnchw] = "nchw", [Lnhwc] = "nhwc", [Loihw] = "oihw",
	[Lhwio] = "hwio", [Lckk] = "ckk", [Lkn] = "kn",
};

const char *
dtype_name(DType dt)
{
	if ((int)dt < 0 || dt >= Dcount)
		return NULL;
	return dtypes[dt].name;
}

int
dtype_byname(const char *s)
{
	int d;

	for (d = 0; d < Dcount; d++)
		if (strcmp(dtypes[d].name, s) == 0)
			return d;
	return -1;
}

size_t
dtype_size(DType dt)
{
	if ((int)dt < 0 || dt >= Dcount)
		return 0;
	return dtypes[dt].size;
}

const char *
layout_name(Layout l)
{
	if ((int)l < 0 || l >= Lcount)
		return "";
	return layouts[l];
}

int
layout_byname(const char *s)
{
	int l;

	for (l = Lnone + 1; l < Lcount; l++)
		if (strcmp(layouts[l], s) == 0)
			return l;
	return -1;
}

Type
type_unknown(void)
{
	Type t;

	memset(&t, 0, sizeof t);
	t.dt = Dundef;
	t.rank = -1;
	return t;
}

Type
type_make(DType dt, int rank, const int64_t *dim)
{
	Type t;
	int k;

	t = type_unknown();
	t.dt = dt;
	if (rank > SQC_MAXRANK)
		die("type_make: rank %d", rank);
	t.rank = rank;
	for (k = 0; k < rank; k++)
		t.dim[k] = dim ? dim[k] : -1;
	return t;
}

bool
type_static(const Type *t)
{
	int k;

	if (t->rank < 0)
		return false;
	for (k = 0; k < t->rank; k++)
		if (t->dim[k] < 0)
			return false;
	return true;
}

bool
type_numel(const Type *t, size_t *n)
{
	size_t r;
	int k;

	if (!type_static(t))
		return false;
	r = 1;
	for (k = 0; k < t->rank; k++)
		if (mulover(r, (size_t)t->dim[k], &r))
			return false;
	*n = r;
	return true;
}

bool
qparam_eq(const QParam *a, const QParam *b)
{
	if (!a || !b)
		return a == b;
	if (a->axis != b->axis || a->n != b->n)
		return false;
	return memcmp(a->scale, b->scale, (size_t)a->n * sizeof(float)) == 0 &&
	       memcmp(a->zero, b->zero, (size_t)a->n * sizeof(int32_t)) == 0;
}

bool
type_eq(const Type *a, const Type *b)
{
	int k;

	if (a->dt != b->dt || a->rank != b->rank || a->layout != b->layout)
		return false;
	for (k = 0; k < a->rank; k++) {
		if (a->dim[k] != b->dim[k])
			return false;
		if ((a->sym[k] == NULL) != (b->sym[k] == NULL))
			return false;
		if (a->sym[k] && strcmp(a->sym[k], b->sym[k]) != 0)
			return false;
	}
	if (a->hasrange != b->hasrange)
		return false;
	if (a->hasrange && (a->lo != b->lo || a->hi != b->hi))
		return false;
	return qparam_eq(a->q, b->q);
}

char *
type_str(char *buf, size_t n, const Type *t)
{
	size_t len;
	int k;

	snprintf(buf, n, "%s", dtype_name(t->dt) ? dtype_name(t->dt) : "?");
	if (t->rank < 0) {
		len = strlen(buf);
		snprintf(buf + len, n - len, "[*]");
		return buf;
	}
	for (k = 0; k < t->rank; k++) {
		len = strlen(buf);
		if (t->dim[k] >= 0)
			snprintf(buf + len, n - len, "%s%lld", k ? "," : "[", (long long)t->dim[k]);
		else
			snprintf(buf + len, n - len, "%s%s", k ? "," : "[", t->sym[k] ? t->sym[k] : "?");
	}
	len = strlen(buf);
	snprintf(buf + len, n - len, t->rank ? "]" : "[]");
	return buf;
}
