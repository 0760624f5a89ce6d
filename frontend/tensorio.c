/*
 * tensorio.c — tensors in files: .npy, .npz and ONNX TensorProto .pb
 * (contract: tensorio.h; internals shared with dataset.c: datafile.h).
 *
 * .npy: versions 1.0, 2.0 and 3.0; the header is the Python dict literal
 * {'descr': ..., 'fortran_order': ..., 'shape': (...)} in any key order.
 * dtypes: <f2 <f4 <f8 <c8 <c16 |i1 |u1 |b1 <i2 <u2 <i4 <u4 <i8 <u8 ('=' reads
 * as '<', one-byte types may say '<' or '|').  Refused with a message saying
 * what to do: big-endian data, fortran_order True, structured, string and
 * object dtypes.  Element count and byte size are overflow-checked and the
 * data must be exactly that long.
 *
 * .npz: a zip file.  The end-of-central-directory record (zip64 when present)
 * locates the central directory; each member "NAME.npy" is an array NAME
 * (other members are skipped).  Stored (0) and deflated (8, zlib) members;
 * encrypted ones and other methods are refused; sizes are bounded by the file
 * and by deflate's largest ratio; a member's CRC-32 is checked when it is read
 * whole.
 *
 * .pb: one TensorProto, decoded by the rules of onnx.c's decode_tensor
 * (raw_data, else the typed field of the element type; narrow types one per
 * int32).  Not duplicated from onnx.c because that decoder is bound to its
 * model Reader (diagnostics naming initializers and attributes, external data
 * relative to the model); this one names only the file.  String, segmented
 * and externally stored tensors are refused.
 *
 * Everything is re-entrant: files are opened per call, memory comes from the
 * caller's arena.  Relies on a little-endian host, as onnx.c does.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "onnx.pb-c.h"
#include "tensorproto.h"

#include "datafile.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensorio.c reads little-endian data in place"
#endif

enum {
	NPY_MAXHEAD = 1 << 20,	/* header bytes accepted in a .npy */
	ZIP_MAXTAIL = 65535 + 22,	/* EOCD record and the longest comment */
	ZIP_MAXCD = 1 << 28,	/* central directory bytes accepted */
	DEFLATE_MAXRATIO = 1032,	/* deflate expands at most this much */
};

static const char npymagic[6] = "\x93NUMPY";

/* ---- files --------------------------------------------------------------- */

int
file_open(const char *path, uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		error(path, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		error(path, "cannot read: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		error(path, "is a directory, not a file");
	*size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	return fd;
}

void
file_readat(const char *path, int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;
	ssize_t r;

	while (n > 0) {
		if (off > (uint64_t)INT64_MAX)
			error(path, "unexpected end of file");
		r = pread(fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			error(path, "cannot read: %s", strerror(errno));
		if (r == 0)
			error(path, "unexpected end of file");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
}

static char *
tstr(char *buf, size_t n, DType dt, int rank, const int64_t *dim)
{
	Type t;

	t = type_make(dt, rank, dim);
	return type_str(buf, n, &t);
}

const char *
shape_str(Arena *a, DType dt, int rank, const int64_t *dim)
{
	char buf[256];

	return arena_strdup(a, tstr(buf, sizeof buf, dt, rank, dim));
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---- .npy ---------------------------------------------------------------- */

static const struct {
	char kind;
	int size;
	DType dt;
} npytypes[] = {
	{'f', 2, Df16}, {'f', 4, Df32}, {'f', 8, Df64},
	{'c', 8, Dc64}, {'c', 16, Dc128},
	{'i', 1, Di8}, {'i', 2, Di16}, {'i', 4, Di32}, {'i', 8, Di64},
	{'u', 1, Du8}, {'u', 2, Du16}, {'u', 4, Du32}, {'u', 8, Du64},
	{'b', 1, Dbool},
};

typedef struct HeadParser {
	const char *where;
	const char *s, *p, *end;
} HeadParser;

static noreturn void
badhead(HeadParser *hp, const char *what)
{
	error(hp->where, "malformed .npy header: expected %s at byte %d of "
	    "the header", what, (int)(hp->p - hp->s));
}

static void
skipws(HeadParser *hp)
{
	while (hp->p < hp->end && (*hp->p == ' ' || *hp->p == '\t' ||
	    *hp->p == '\n' || *hp->p == '\r'))
		hp->p++;
}

static bool
eat(HeadParser *hp, char c)
{
	skipws(hp);
	if (hp->p < hp->end && *hp->p == c) {
		hp->p++;
		return true;
	}
	return false;
}

/* a Python string literal without escapes, into buf */
static void
pystr(HeadParser *hp, char *buf, size_t n, const char *what)
{
	char q;
	size_t k;

	skipws(hp);
	if (hp->p >= hp->end || (*hp->p != '\'' && *hp->p != '"'))
		badhead(hp, what);
	q = *hp->p++;
	for (k = 0; hp->p < hp->end && *hp->p != q; hp->p++) {
		if (*hp->p == '\\' || k + 1 >= n)
			badhead(hp, what);
		/* printable for messages; anything else is rejected anyway */
		buf[k++] = *hp->p >= 0x20 && *hp->p < 0x7f ? *hp->p : '?';
	}
	if (hp->p >= hp->end)
		badhead(hp, what);
	hp->p++;
	buf[k] = 0;
}

static DType
npydtype(HeadParser *hp, const char *descr)
{
	char order = descr[0], kind = descr[1], *end;
	long size;
	size_t k;

	if (order == 0 || kind == 0)
		goto unsupported;
	errno = 0;
	size = strtol(descr + 2, &end, 10);
	if (end == descr + 2 || *end || errno)
		goto unsupported;
	for (k = 0; k < countof(npytypes); k++) {
		if (npytypes[k].kind != kind || npytypes[k].size != size)
			continue;
		if (order == '>' && size > 1)
			error(hp->where, "dtype '%s' is big-endian; only "
			    "little-endian data is supported (save the array "
			    "with .astype('<%c%ld'))", descr, kind, size);
		if (order != '<' && order != '|' && order != '=' &&
		    order != '>')
			goto unsupported;
		return npytypes[k].dt;
	}
unsupported:
	error(hp->where, "unsupported dtype '%s' (numeric dtypes only: "
	    "float16/32/64, complex64/128, int8..int64, uint8..uint64, "
	    "bool)", descr);
}

/* Parse the header dict text s[0, n) into h (dtype and shape). */
static void
npydict(const char *where, const char *s, size_t n, NpyHead *h)
{
	HeadParser hp = {where, s, s, s + n};
	char key[32], descr[64], buf[256];
	bool havedescr = false, haveorder = false, haveshape = false, fortran;
	long long d;
	char *end;
	int k;

	if (!eat(&hp, '{'))
		badhead(&hp, "'{'");
	while (!eat(&hp, '}')) {
		pystr(&hp, key, sizeof key, "a key");
		if (!eat(&hp, ':'))
			badhead(&hp, "':'");
		skipws(&hp);
		if (strcmp(key, "descr") == 0 && !havedescr) {
			if (hp.p < hp.end && *hp.p == '[')
				error(where, "structured dtypes are not "
				    "supported: save one plain array per input");
			pystr(&hp, descr, sizeof descr, "a dtype string");
			havedescr = true;
		} else if (strcmp(key, "fortran_order") == 0 && !haveorder) {
			if ((size_t)(hp.end - hp.p) >= 4 &&
			    memcmp(hp.p, "True", 4) == 0) {
				fortran = true;
				hp.p += 4;
			} else if ((size_t)(hp.end - hp.p) >= 5 &&
			    memcmp(hp.p, "False", 5) == 0) {
				fortran = false;
				hp.p += 5;
			} else {
				badhead(&hp, "True or False");
			}
			if (fortran)
				error(where, "fortran_order arrays are not "
				    "supported: save a C-order array "
				    "(numpy.ascontiguousarray)");
			haveorder = true;
		} else if (strcmp(key, "shape") == 0 && !haveshape) {
			if (!eat(&hp, '('))
				badhead(&hp, "'(' (the shape)");
			h->rank = 0;
			while (!eat(&hp, ')')) {
				skipws(&hp);
				if (hp.p >= hp.end || *hp.p < '0' ||
				    *hp.p > '9')
					badhead(&hp, "a dimension");
				errno = 0;
				d = strtoll(hp.p, &end, 10);
				if (errno || end > hp.end)
					badhead(&hp, "a dimension");
				hp.p = end;
				if (hp.p < hp.end && *hp.p == 'L')
					hp.p++;	/* Python 2 */
				if (h->rank == SQC_MAXRANK)
					error(where, "rank exceeds the maximum "
					    "of %d", SQC_MAXRANK);
				h->dim[h->rank++] = d;
				if (!eat(&hp, ',')) {
					if (!eat(&hp, ')'))
						badhead(&hp, "',' or ')'");
					break;
				}
			}
			haveshape = true;
		} else {
			error(where, "malformed .npy header: unexpected key "
			    "'%s'", key);
		}
		if (!eat(&hp, ',')) {
			if (!eat(&hp, '}'))
				badhead(&hp, "',' or '}'");
			break;
		}
	}
	skipws(&hp);
	if (hp.p != hp.end && *hp.p != 0)
		badhead(&hp, "the end of the header");
	if (!havedescr || !haveorder || !haveshape)
		error(where, "malformed .npy header: it lacks '%s'",
		    !havedescr ? "descr" : !haveorder ? "fortran_order" :
		    "shape");
	h->dt = npydtype(&hp, descr);
	h->numel = 1;
	for (k = 0; k < h->rank; k++)
		if ((uint64_t)h->dim[k] > SIZE_MAX ||
		    mulover(h->numel, (size_t)h->dim[k], &h->numel))
			break;
	if (k < h->rank || mulover(h->numel, dtype_size(h->dt), &h->nbytes))
		error(where, "%s is too large", tstr(buf, sizeof buf, h->dt,
		    h->rank, h->dim));
}

/* The fixed prefix: magic, version, header length; returns the header
 * length and sets *start to the offset of the header text. */
static size_t
npyprefix(const char *where, const uint8_t *p, size_t len, size_t *start)
{
	size_t hl;

	if (len < 10 || memcmp(p, npymagic, 6) != 0)
		error(where, "not a .npy file");
	if (p[6] < 1 || p[6] > 3)
		error(where, "unsupported .npy version %d.%d (1.0, 2.0 and 3.0 "
		    "are supported)", p[6], p[7]);
	if (p[6] == 1) {
		hl = rd16(p + 8);
		*start = 10;
	} else {
		if (len < 12)
			error(where, "truncated .npy header");
		hl = rd32(p + 8);
		*start = 12;
	}
	if (hl > NPY_MAXHEAD)
		error(where, ".npy header of %zu bytes is too long", hl);
	return hl;
}

static void
npydatalen(const char *where, uint64_t avail, NpyHead *h)
{
	char buf[256];

	if (avail < h->start || avail - h->start != h->nbytes)
		error(where, "data has %llu bytes but %s needs %zu",
		    avail < h->start ? 0ULL :
		    (unsigned long long)(avail - h->start),
		    tstr(buf, sizeof buf, h->dt, h->rank, h->dim), h->nbytes);
}

void
npy_headmem(const char *where, const uint8_t *p, size_t len, NpyHead *h)
{
	size_t hl, start;

	memset(h, 0, sizeof *h);
	hl = npyprefix(where, p, len, &start);
	if (len - start < hl)
		error(where, "truncated .npy header");
	npydict(where, (const char *)p + start, hl, h);
	h->start = start + hl;
	npydatalen(where, len, h);
}

void
npy_head(const char *where, int fd, uint64_t off, uint64_t avail, NpyHead *h)
{
	uint8_t pre[12], *text;
	size_t hl, start;

	memset(h, 0, sizeof *h);
	if (avail < 10)
		error(where, avail >= 6 ? "truncated .npy header" :
		    "not a .npy file");
	file_readat(where, fd, pre, avail < 12 ? 10 : 12, off);
	hl = npyprefix(where, pre, avail < 12 ? 10 : 12, &start);
	if (avail - start < hl)
		error(where, "truncated .npy header");
	text = xmalloc(hl + 1);
	file_readat(where, fd, text, hl, off + start);
	npydict(where, (const char *)text, hl, h);
	free(text);
	h->start = start + hl;
	npydatalen(where, avail, h);
}

/* ---- .npz ---------------------------------------------------------------- */

static noreturn void
badzip(const char *path, const char *what)
{
	error(path, "not a valid .npz (zip) file: %s", what);
}

/* The central directory's offset, size and entry count, from the end of
 * central directory record and, when present, its zip64 version. */
static void
zipdir(const char *path, int fd, uint64_t size, uint64_t *cdoff,
    uint64_t *cdsize, uint64_t *nent)
{
	uint8_t *buf, z64[56];
	uint64_t tail, off;
	size_t i;

	tail = size < ZIP_MAXTAIL + 20 ? size : ZIP_MAXTAIL + 20;
	if (tail < 22)
		badzip(path, "too short");
	buf = xmalloc((size_t)tail);
	file_readat(path, fd, buf, (size_t)tail, size - tail);
	for (i = (size_t)tail - 22;; i--) {
		if (rd32(buf + i) == 0x06054b50 &&
		    i + 22 + rd16(buf + i + 20) <= tail)
			break;
		if (i == 0)
			badzip(path, "no end of central directory record");
	}
	if (rd16(buf + i + 4) != 0 || rd16(buf + i + 6) != 0)
		badzip(path, "multi-volume archives are not supported");
	*nent = rd16(buf + i + 10);
	*cdsize = rd32(buf + i + 12);
	*cdoff = rd32(buf + i + 16);
	if (i >= 20 && rd32(buf + i - 20) == 0x07064b50) {
		off = rd64(buf + i - 12);
		if (off > size || size - off < sizeof z64)
			badzip(path, "zip64 record out of range");
		file_readat(path, fd, z64, sizeof z64, off);
		if (rd32(z64) != 0x06064b50)
			badzip(path, "bad zip64 end of central directory");
		*nent = rd64(z64 + 32);
		*cdsize = rd64(z64 + 40);
		*cdoff = rd64(z64 + 48);
	}
	free(buf);
	if (*cdoff > size || *cdsize > size - *cdoff)
		badzip(path, "central directory out of range");
	if (*cdsize > ZIP_MAXCD)
		badzip(path, "central directory too large");
	if (*nent > *cdsize / 46)
		badzip(path, "entry count does not fit the central directory");
}

/* Sizes and local header offset from a zip64 extra field where the 32-bit
 * fields say 0xffffffff. */
static void
zip64extra(const char *path, const uint8_t *x, size_t xl, uint64_t *usize,
    uint64_t *csize, uint64_t *lho)
{
	uint64_t *f[3] = {usize, csize, lho};
	size_t id, sz, k, at;

	while (xl >= 4) {
		id = rd16(x);
		sz = rd16(x + 2);
		if (sz > xl - 4)
			badzip(path, "extra field out of range");
		if (id == 1) {
			for (at = 0, k = 0; k < 3; k++) {
				if (*f[k] != 0xffffffff)
					continue;
				if (at + 8 > sz)
					badzip(path, "short zip64 extra field");
				*f[k] = rd64(x + 4 + at);
				at += 8;
			}
			return;
		}
		x += 4 + sz;
		xl -= 4 + sz;
	}
}

Npz *
npz_open(const char *path, Arena *a)
{
	uint64_t size, cdoff, cdsize, nent, j, usize, csize, lho, data;
	uint8_t *cd, *p, *end, lh[30];
	size_t nl, xl, cl;
	int fd, method, k;
	const char *name;
	NpzMember *m;
	Npz *z;

	fd = file_open(path, &size);
	zipdir(path, fd, size, &cdoff, &cdsize, &nent);
	if (nent > INT_MAX)
		badzip(path, "too many members");
	cd = xmalloc((size_t)cdsize + 1);
	file_readat(path, fd, cd, (size_t)cdsize, cdoff);
	z = arena_alloc(a, sizeof *z);
	z->path = arena_strdup(a, path);
	z->m = arena_alloc(a, ((size_t)nent + 1) * sizeof *z->m);
	end = cd + cdsize;
	for (p = cd, j = 0; j < nent; j++, p += 46 + nl + xl + cl) {
		if ((size_t)(end - p) < 46 || rd32(p) != 0x02014b50)
			badzip(path, "bad central directory entry");
		nl = rd16(p + 28);
		xl = rd16(p + 30);
		cl = rd16(p + 32);
		if ((size_t)(end - p) - 46 < nl + xl + cl)
			badzip(path, "central directory entry out of range");
		if (nl <= 4 || memcmp(p + 46 + nl - 4, ".npy", 4) != 0)
			continue;	/* not an array */
		name = arena_strndup(a, (const char *)p + 46, nl - 4);
		if (strlen(name) != nl - 4)
			badzip(path, "member name contains a NUL byte");
		for (k = 0; k < z->n; k++)
			if (strcmp(z->m[k].name, name) == 0)
				error(path, "array '%s' appears twice", name);
		method = rd16(p + 10);
		if (rd16(p + 8) & 1)
			error(path, "member '%s.npy' is encrypted", name);
		if (method != 0 && method != 8)
			error(path, "member '%s.npy' uses compression method %d "
			    "(only stored and deflated members are supported)",
			    name, method);
		csize = rd32(p + 20);
		usize = rd32(p + 24);
		lho = rd32(p + 42);
		zip64extra(path, p + 46 + nl, xl, &usize, &csize, &lho);
		if (lho > size || size - lho < sizeof lh)
			badzip(path, "local header out of range");
		file_readat(path, fd, lh, sizeof lh, lho);
		if (rd32(lh) != 0x04034b50)
			badzip(path, "bad local header");
		data = lho + sizeof lh + rd16(lh + 26) + rd16(lh + 28);
		if (data > size || csize > size - data)
			error(path, "member '%s.npy' extends past the end of the "
			    "file", name);
		if (method == 0 ? csize != usize : usize / DEFLATE_MAXRATIO >
		    csize + 1)
			error(path, "member '%s.npy' has inconsistent sizes",
			    name);
		if (usize > SIZE_MAX / 2)
			error(path, "member '%s.npy' is too large", name);
		m = &z->m[z->n++];
		m->name = name;
		m->method = method;
		m->crc = rd32(p + 16);
		m->csize = csize;
		m->usize = usize;
		m->data = data;
	}
	free(cd);
	close(fd);
	return z;
}

int
npz_count(const Npz *z)
{
	return z->n;
}

const char *
npz_name(const Npz *z, int k)
{
	return z->m[k].name;
}

/* Raw deflate of in[0, n) into out, which has room for outn + 1 bytes:
 * the stream must end and produce exactly outn bytes. */
static void
inflateall(const char *where, const uint8_t *in, size_t n, uint8_t *out,
    size_t outn)
{
	const size_t chunk = (size_t)1 << 30;
	size_t room = outn + 1;
	const char *msg;
	z_stream zs;
	int r;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
		error(where, "cannot start zlib");
	zs.next_in = (Bytef *)in;
	zs.next_out = out;
	for (;;) {
		if (zs.avail_in == 0 && n > 0) {
			zs.avail_in = (uInt)(n < chunk ? n : chunk);
			n -= zs.avail_in;
		}
		if (zs.avail_out == 0 && room > 0) {
			zs.avail_out = (uInt)(room < chunk ? room : chunk);
			room -= zs.avail_out;
		}
		r = inflate(&zs, Z_NO_FLUSH);
		if (r != Z_OK)
			break;
	}
	msg = r != Z_STREAM_END && zs.msg ? zs.msg : NULL;
	inflateEnd(&zs);
	if (r != Z_STREAM_END || zs.total_out != outn)
		error(where, "compressed data is corrupt%s%s", msg ? ": " : "",
		    msg ? msg : "");
}

static uint32_t
crc(const uint8_t *p, size_t n)
{
	uLong c = crc32(0, Z_NULL, 0);
	size_t chunk;

	while (n > 0) {
		chunk = n < (1u << 30) ? n : (1u << 30);
		c = crc32(c, p, (uInt)chunk);
		p += chunk;
		n -= chunk;
	}
	return (uint32_t)c;
}

uint8_t *
npz_member(const Npz *z, int k, Arena *a)
{
	const NpzMember *m = &z->m[k];
	const char *where;
	uint8_t *out, *in;
	uint64_t size;
	int fd;

	where = arena_printf(a, "%s(%s.npy)", z->path, m->name);
	fd = file_open(z->path, &size);
	out = arena_alloc(a, (size_t)m->usize + 1);
	if (m->method == 0) {
		file_readat(where, fd, out, (size_t)m->usize, m->data);
	} else {
		in = xmalloc((size_t)m->csize + 1);
		file_readat(where, fd, in, (size_t)m->csize, m->data);
		inflateall(where, in, (size_t)m->csize, out, (size_t)m->usize);
		free(in);
	}
	close(fd);
	if (crc(out, (size_t)m->usize) != m->crc)
		error(where, "CRC mismatch: the member is corrupt");
	return out;
}

/* A .npy in memory as a tensor; data in place when 16-aligned. */
static void
npytensor(const char *where, uint8_t *p, size_t len, Arena *a, Tensor *t)
{
	NpyHead h;

	npy_headmem(where, p, len, &h);
	memset(t, 0, sizeof *t);
	t->dt = h.dt;
	t->rank = h.rank;
	memcpy(t->dim, h.dim, sizeof h.dim);
	t->nbytes = h.nbytes;
	if (h.start % 16 == 0) {
		t->data = p + h.start;
	} else {
		t->data = arena_alloc(a, h.nbytes);
		memcpy(t->data, p + h.start, h.nbytes);
	}
}

void
npz_read(Npz *z, int k, Arena *a, Tensor *t)
{
	uint8_t *p;

	p = npz_member(z, k, a);
	npytensor(arena_printf(a, "%s(%s.npy)", z->path, z->m[k].name), p,
	    (size_t)z->m[k].usize, a, t);
}

/* ---- TensorProto --------------------------------------------------------- */

static void *
pballoc(void *arena, size_t n)
{
	return arena_alloc(arena, n);
}

static void
pbfree(void *arena, void *p)
{
}

static void
pbtensor(const char *path, const uint8_t *buf, size_t len, Arena *a,
    Tensor *t, const char **name)
{
	ProtobufCAllocator al = {pballoc, pbfree, a};
	Onnx__TensorProto *tp;
	size_t numel, es, have, k;
	char ty[256];
	DType dt;

	tp = onnx__tensor_proto__unpack(&al, len, buf);
	if (!tp)
		error(path, "not a .npy file or an ONNX TensorProto");
	if (!tp->has_data_type || tp->data_type == Dundef)
		error(path, "the TensorProto has no element type (data_type)");
	if (tp->data_type < 0 || tp->data_type >= Dcount)
		error(path, "unsupported tensor element type %d",
		    (int)tp->data_type);
	dt = (DType)tp->data_type;
	if (dt == Dstr)
		error(path, "string tensors are not supported");
	if (tp->n_dims > SQC_MAXRANK)
		error(path, "rank %zu exceeds the maximum of %d", tp->n_dims,
		    SQC_MAXRANK);
	memset(t, 0, sizeof *t);
	t->dt = dt;
	t->rank = (int)tp->n_dims;
	numel = 1;
	for (k = 0; k < tp->n_dims; k++) {
		t->dim[k] = tp->dims[k];
		if (t->dim[k] < 0)
			error(path, "negative dimension %lld",
			    (long long)t->dim[k]);
		if ((uint64_t)t->dim[k] > SIZE_MAX ||
		    mulover(numel, (size_t)t->dim[k], &numel))
			error(path, "too many elements");
	}
	tstr(ty, sizeof ty, dt, t->rank, t->dim);
	es = dtype_size(dt);
	if (mulover(numel, es, &t->nbytes))
		error(path, "%s is too large", ty);
	if (tp->segment)
		error(path, "segmented tensors are not supported");
	if (tp->has_data_location && tp->data_location ==
	    ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		error(path, "external data is not supported in a tensor file");
	*name = tp->name ? tp->name : "";

	if (!tensorproto_data(tp, dt, numel, t->nbytes, a, &t->data, &have))
		error(path, "data has %zu bytes but %s needs %zu", have, ty,
		    t->nbytes);
}

/* ---- tensor_read / tensor_write_npy -------------------------------------- */

void
tensor_read(const char *path, Arena *a, Tensor *t, const char **name)
{
	uint8_t magic[6], *buf;
	uint64_t size;
	NpyHead h;
	int fd;

	fd = file_open(path, &size);
	if (size == 0)
		error(path, "empty file: expected a .npy or an ONNX TensorProto");
	if (size >= 6) {
		file_readat(path, fd, magic, 6, 0);
		if (memcmp(magic, npymagic, 6) == 0) {
			npy_head(path, fd, 0, size, &h);
			memset(t, 0, sizeof *t);
			t->dt = h.dt;
			t->rank = h.rank;
			memcpy(t->dim, h.dim, sizeof h.dim);
			t->nbytes = h.nbytes;
			t->data = arena_alloc(a, h.nbytes);
			file_readat(path, fd, t->data, h.nbytes, h.start);
			close(fd);
			*name = "";
			return;
		}
	}
	if (size > SIZE_MAX / 2)
		error(path, "file is too large");
	buf = xmalloc((size_t)size);
	file_readat(path, fd, buf, (size_t)size, 0);
	close(fd);
	pbtensor(path, buf, (size_t)size, a, t, name);
	free(buf);
}

static const char *
npydescr(char *buf, DType dt)
{
	size_t k;

	for (k = 0; k < countof(npytypes); k++)
		if (npytypes[k].dt == dt) {
			sprintf(buf, "%c%c%d", npytypes[k].size == 1 ? '|' : '<',
			    npytypes[k].kind, npytypes[k].size);
			return buf;
		}
	return NULL;
}

bool
tensor_write_npy(FILE *f, const Tensor *t)
{
	char head[512], descr[8];
	size_t n, pad;
	int k;

	if (!npydescr(descr, t->dt))
		error(NULL, "cannot write a %s tensor as .npy (numpy has no "
		    "such dtype)", dtype_name(t->dt) ? dtype_name(t->dt) : "?");
	n = 10;
	n += (size_t)sprintf(head + n, "{'descr': '%s', 'fortran_order': "
	    "False, 'shape': (", descr);
	for (k = 0; k < t->rank; k++)
		n += (size_t)sprintf(head + n, k ? ", %lld" : "%lld",
		    (long long)t->dim[k]);
	n += (size_t)sprintf(head + n, "%s), }", t->rank == 1 ? "," : "");
	pad = 63 - n % 64;	/* spaces, then '\n' ends a multiple of 64 */
	memset(head + n, ' ', pad);
	n += pad;
	head[n++] = '\n';
	memcpy(head, npymagic, 6);
	head[6] = 1;
	head[7] = 0;
	head[8] = (char)((n - 10) & 0xff);
	head[9] = (char)((n - 10) >> 8);
	if (fwrite(head, 1, n, f) != n)
		return false;
	if (t->nbytes && fwrite(t->data, 1, t->nbytes, f) != t->nbytes)
		return false;
	return fflush(f) == 0 && !ferror(f);
}
