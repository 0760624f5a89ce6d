/*
 * dataset.c — calibration datasets (contract: dataset.h).
 *
 * dataset_open tells the forms apart by what is on disk:
 *   a file starting with the .npy magic       FILE.npy
 *   a file starting with "PK"                 FILE.npz
 *   a directory with test_data_set_* subdirectories   the seed's layout
 *   a directory with input_K.pb files         one sample
 *   a directory with .jpg, .jpeg or .png files    images
 * Order: sets and images are sorted by name with strcmp (bytewise:
 * test_data_set_10 comes before test_data_set_2); a .npy/.npz in the order of
 * its first axis.  --calib-limit N keeps the first N.
 *
 * Tensor forms.  input_K.pb is graph input K, unless the TensorProto's name
 * names a graph input: then it is that input (a set needs exactly one
 * input_K.pb per graph input, K = 0..n-1; output_*.pb and other files are
 * ignored).  A .npy feeds a one-input model: shape [S, <input shape>], or,
 * when the input's first dim is 1, [S, <input shape without it>] (sample s
 * is then arr[s:s+1]).  An .npz holds one array per graph input, named by
 * the input's name (or numpy's positional arr_K for input K), shaped as for
 * .npy, all with the same S.  Every sample must have the input's dtype
 * exactly (no conversion) and its static shape (after --input-shape); an
 * input with unknown dims is an error suggesting --input-shape.
 *
 * Images need a one-input model whose input is f32 and, as a static shape,
 * [1,3,H,W] or [3,H,W] (NCHW/CHW), or [1,H,W,3] or [H,W,3] (NHWC/HWC; chosen
 * when the channel axis is not 3 or the input's layout is nhwc).  Each image
 * is decoded to RGB (image.c), converted to float in [0,255], resized with
 * bilinear interpolation (half-pixel centres, as torch's interpolate with
 * align_corners=False, no antialiasing) so that it just covers H x W
 * (scale = max(H/h, W/w); resized size max(H, round(h*scale)) by
 * max(W, round(w*scale))), centre-cropped to H x W (offset floor((size-H)/2)),
 * then preprocessed.
 *
 * Preprocessing (reference/seed-quantizer.md §1.4, data_preprocess.py): the
 * channels are read as r, g, b (channel 0 = r), transformed in float32 in
 * this order of operations, and — in every seed mode — written out in the
 * order b, g, r:
 *   mxnet   r: (x/255 - 0.485)/0.229  g: (x/255 - 0.456)/0.224
 *           b: (x/255 - 0.406)/0.225
 *   caffe   r: (x - 123.68)*0.017  g: (x - 116.78)*0.017  b: (x - 103.94)*0.017
 *   caffe2  r: x - 123.68  g: x - 116.779  b: x - 103.939
 *   rcnn    r: x - 122.7717  g: x - 115.9465  b: x - 102.9801
 *   none    unchanged, channel order kept (r, g, b)
 * --channel-order=rgb|bgr overrides the output order.  Images default to
 * none.  Tensor datasets are used as they are unless --preprocess names a
 * seed mode; then, as the seed does, it is applied to every input, which must
 * be f32 with 3 channels on axis 1 (rank 4) or axis 0 (rank 3).
 *
 * Finally every floating-point sample is checked to be finite.
 *
 * Thread safety: dataset_open builds everything (file offsets, inflated .npz
 * members) into the dataset's arena; dataset_load only reads the Dataset,
 * opens the files it needs per call and allocates from the caller's arena.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "datafile.h"

typedef enum Kind { Ksets, Kone, Knpy, Knpz, Kimages } Kind;

typedef enum Pre { Pnone, Pmxnet, Pcaffe, Pcaffe2, Prcnn } Pre;

static const char *const prenames[] = {"none", "mxnet", "caffe", "caffe2",
    "rcnn"};

/* Where a tensor dataset's samples of one input are (.npy/.npz). */
typedef struct Src {
	const char *where;	/* for messages: the file or "F.npz(NAME.npy)" */
	uint64_t off;		/* file offset of sample 0 (stored data) */
	const uint8_t *mem;	/* sample 0 in memory (inflated), or NULL */
	size_t bytes;		/* per sample */
} Src;

struct Dataset {
	Arena *a;
	const Module *m;
	const char *path;
	Kind kind;
	int n;			/* samples, after the limit */
	const char **item;	/* sets and one: directories; images: files */
	Src *src;		/* npy/npz: per graph input */
	Pre pre;
	bool preset;		/* --preprocess given (applies to tensors too) */
	bool bgr;
	bool nhwc;		/* images: the input's layout */
	int H, W;
};

static const Type *
intype(const Module *m, int k)
{
	return &m->val[m->in[k]].type;
}

static const char *
inname(const Module *m, int k)
{
	return m->val[m->in[k]].name;
}

static const char *
typestr(Arena *a, const Type *t)
{
	char buf[256];

	return arena_strdup(a, type_str(buf, sizeof buf, t));
}

static const char *
numpyname(DType dt)
{
	switch (dt) {
	case Df16: return "float16";
	case Df32: return "float32";
	case Df64: return "float64";
	case Di8: return "int8";
	case Du8: return "uint8";
	case Di16: return "int16";
	case Du16: return "uint16";
	case Di32: return "int32";
	case Du32: return "uint32";
	case Di64: return "int64";
	case Du64: return "uint64";
	case Dbool: return "bool_";
	case Dc64: return "complex64";
	case Dc128: return "complex128";
	default: return NULL;
	}
}

/* "'a', 'b'" — the graph inputs, for messages */
static const char *
innames(Arena *a, const Module *m)
{
	const char *s = "";
	int k;

	for (k = 0; k < m->nin; k++)
		s = arena_printf(a, "%s%s'%s'", s, k ? ", " : "", inname(m, k));
	return s;
}

/* Every graph input has a known dtype and static shape. */
static void
checkinputs(const Module *m, Arena *a)
{
	const Type *t;
	const char *dims;
	int k, j;

	if (m->nin == 0)
		error(m->path, "the model has no graph inputs to feed "
		    "calibration data to");
	for (k = 0; k < m->nin; k++) {
		t = intype(m, k);
		if (t->dt == Dundef || dtype_size(t->dt) == 0)
			error(m->path, "input '%s' has no numeric element type",
			    inname(m, k));
		if (type_static(t))
			continue;
		dims = "1,3,224,224";
		if (t->rank > 0) {
			dims = "";
			for (j = 0; j < t->rank; j++)
				dims = arena_printf(a, "%s%s%s", dims,
				    j ? "," : "", t->dim[j] >= 0 ?
				    arena_printf(a, "%lld",
				    (long long)t->dim[j]) : "D");
		}
		error(m->path, "input '%s' has no static shape (%s): fix it "
		    "with --input-shape %s=%s", inname(m, k), typestr(a, t),
		    inname(m, k), dims);
	}
}

/* ---- preprocessing ------------------------------------------------------- */

/* channel c (0 r, 1 g, 2 b) of one value, in the seed's float32 arithmetic */
static float
prep(Pre p, int c, float x)
{
	static const float mxmean[3] = {0.485f, 0.456f, 0.406f};
	static const float mxstd[3] = {0.229f, 0.224f, 0.225f};
	static const float caffe[3] = {123.68f, 116.78f, 103.94f};
	static const float caffe2[3] = {123.68f, 116.779f, 103.939f};
	static const float rcnn[3] = {122.7717f, 115.9465f, 102.9801f};

	switch (p) {
	case Pmxnet:
		return (x / 255.0f - mxmean[c]) / mxstd[c];
	case Pcaffe:
		return (x - caffe[c]) * 0.017f;
	case Pcaffe2:
		return x - caffe2[c];
	case Prcnn:
		return x - rcnn[c];
	case Pnone:
		break;
	}
	return x;
}

/* A tensor sample in place: n blocks of 3 channels of inner values each. */
static void
preptensor(const Dataset *d, float *x, size_t n, size_t inner, Arena *a)
{
	float *tmp = arena_alloc(a, 3 * inner * sizeof *tmp);
	size_t b, j;
	int c, oc;

	for (b = 0; b < n; b++, x += 3 * inner) {
		for (c = 0; c < 3; c++) {
			oc = d->bgr ? 2 - c : c;
			for (j = 0; j < inner; j++)
				tmp[oc * inner + j] = prep(d->pre, c,
				    x[c * inner + j]);
		}
		memcpy(x, tmp, 3 * inner * sizeof *tmp);
	}
}

/* ---- images -------------------------------------------------------------- */

/* Source positions and weights of bilinear resizing from in to out pixels,
 * for output pixels first .. first+n-1 (half-pixel centres, clamped). */
static void
weights(int in, int out, int first, int n, Arena *a, int **i0, int **i1,
    float **l0, float **l1)
{
	float scale = (float)in / (float)out, src;
	int k, x0;

	*i0 = arena_alloc(a, (size_t)n * sizeof **i0);
	*i1 = arena_alloc(a, (size_t)n * sizeof **i1);
	*l0 = arena_alloc(a, (size_t)n * sizeof **l0);
	*l1 = arena_alloc(a, (size_t)n * sizeof **l1);
	for (k = 0; k < n; k++) {
		src = scale * ((float)(first + k) + 0.5f) - 0.5f;
		if (src < 0)
			src = 0;
		x0 = (int)src;
		if (x0 > in - 1)
			x0 = in - 1;
		(*i0)[k] = x0;
		(*i1)[k] = x0 + (x0 < in - 1);
		(*l1)[k] = src - (float)x0;
		(*l0)[k] = 1.0f - (*l1)[k];
	}
}

static void
loadimage(const Dataset *d, int i, Arena *a, Tensor *t)
{
	const char *path = d->item[i];
	const Type *ty = intype(d->m, 0);
	int w, h, H = d->H, W = d->W, nh, nw, top, left, y, x, c, oc;
	int *y0, *y1, *x0, *x1;
	float *ly0, *ly1, *lx0, *lx1, *out, v;
	const uint8_t *px, *r0, *r1;
	double s;

	px = image_read(path, a, &w, &h);
	s = (double)H / h > (double)W / w ? (double)H / h : (double)W / w;
	nh = (int)lround(h * s);
	nw = (int)lround(w * s);
	if (nh < H)
		nh = H;
	if (nw < W)
		nw = W;
	top = (nh - H) / 2;
	left = (nw - W) / 2;
	weights(h, nh, top, H, a, &y0, &y1, &ly0, &ly1);
	weights(w, nw, left, W, a, &x0, &x1, &lx0, &lx1);

	memset(t, 0, sizeof *t);
	t->dt = Df32;
	t->rank = ty->rank;
	memcpy(t->dim, ty->dim, sizeof t->dim);
	t->nbytes = (size_t)H * (size_t)W * 3 * sizeof(float);
	out = t->data = arena_alloc(a, t->nbytes);
	for (y = 0; y < H; y++) {
		r0 = px + (size_t)y0[y] * (size_t)w * 3;
		r1 = px + (size_t)y1[y] * (size_t)w * 3;
		for (x = 0; x < W; x++) {
			for (c = 0; c < 3; c++) {
				v = ly0[y] * (lx0[x] * r0[x0[x] * 3 + c] +
				    lx1[x] * r0[x1[x] * 3 + c]) +
				    ly1[y] * (lx0[x] * r1[x0[x] * 3 + c] +
				    lx1[x] * r1[x1[x] * 3 + c]);
				v = prep(d->pre, c, v);
				oc = d->bgr ? 2 - c : c;
				if (d->nhwc)
					out[((size_t)y * W + x) * 3 + oc] = v;
				else
					out[((size_t)oc * H + y) * W + x] = v;
			}
		}
	}
}

/* The image geometry from the model's single input. */
static void
imagegeom(Dataset *d)
{
	const Module *m = d->m;
	const Type *t;
	int b;

	if (m->nin != 1)
		error(d->path, "an image dataset feeds one input, but the model "
		    "has %d (%s)", m->nin, innames(d->a, m));
	t = intype(m, 0);
	b = t->rank == 4 ? 1 : 0;
	if (t->dt != Df32 || (t->rank != 4 && t->rank != 3) ||
	    (t->rank == 4 && t->dim[0] != 1) ||
	    (t->dim[b] != 3 && t->dim[b + 2] != 3))
		error(d->path, "images need a model input of type "
		    "f32[1,3,H,W], f32[3,H,W], f32[1,H,W,3] or f32[H,W,3], "
		    "but input '%s' is %s", inname(m, 0), typestr(d->a, t));
	d->nhwc = t->dim[b] != 3 || t->layout == Lnhwc;
	if (d->nhwc && t->dim[b + 2] != 3)
		error(d->path, "images need 3 channels, but input '%s' is %s "
		    "with layout nhwc", inname(m, 0), typestr(d->a, t));
	d->H = (int)t->dim[d->nhwc ? b : b + 1];
	d->W = (int)t->dim[d->nhwc ? b + 1 : b + 2];
	if (d->H <= 0 || d->W <= 0 || d->H > INT_MAX / 4 || d->W > INT_MAX / 4)
		error(d->path, "input '%s' of %s has no usable image size",
		    inname(m, 0), typestr(d->a, t));
}

/* ---- tensor datasets ----------------------------------------------------- */

static bool
sameshape(const Type *t, int rank, const int64_t *dim)
{
	int k;

	if (t->rank != rank)
		return false;
	for (k = 0; k < rank; k++)
		if (t->dim[k] != dim[k])
			return false;
	return true;
}

/* "f32[S,1,3,224,224]": t's shape behind a sample axis, from dim skip on */
static const char *
samplesof(Arena *a, const Type *t, int skip)
{
	const char *s;
	int k;

	s = arena_printf(a, "%s[S", dtype_name(t->dt));
	for (k = skip; k < t->rank; k++)
		s = arena_printf(a, "%s,%lld", s, (long long)t->dim[k]);
	return arena_printf(a, "%s]", s);
}

/* Check an array of samples (a .npy or an .npz member) against input k;
 * returns the sample count. */
static int64_t
checkarray(Dataset *d, const char *where, const NpyHead *h, int k)
{
	const Type *t = intype(d->m, k);
	const char *got;
	int64_t s;

	got = shape_str(d->a, h->dt, h->rank, h->dim);
	if (h->dt != t->dt)
		error(where, "holds %s, but input '%s' is %s (convert with "
		    ".astype(numpy.%s))", got, inname(d->m, k),
		    typestr(d->a, t), numpyname(t->dt) ? numpyname(t->dt) :
		    "?");
	if (h->rank == t->rank + 1 && sameshape(t, h->rank - 1, h->dim + 1))
		s = h->dim[0];
	else if (t->rank >= 1 && t->dim[0] == 1 && h->rank == t->rank &&
	    memcmp(h->dim + 1, t->dim + 1, (size_t)(t->rank - 1) *
	    sizeof *h->dim) == 0)
		s = h->dim[0];
	else if (t->rank >= 1 && t->dim[0] > 1 && h->rank == t->rank &&
	    h->dim[0] % t->dim[0] == 0 && memcmp(h->dim + 1, t->dim + 1,
	    (size_t)(t->rank - 1) * sizeof *h->dim) == 0)
		s = h->dim[0] / t->dim[0];	/* batches of the input's size */
	else
		error(where, "holds %s, but input '%s' is %s: expected %s%s%s "
		    "(S samples)", got, inname(d->m, k), typestr(d->a, t),
		    samplesof(d->a, t, 0), t->rank >= 1 && t->dim[0] == 1 ?
		    " or " : "", t->rank >= 1 && t->dim[0] == 1 ?
		    samplesof(d->a, t, 1) : "");
	if (s > INT_MAX)
		error(where, "too many samples (%lld)", (long long)s);
	return s;
}

/* The array of input k: a .npy file, or a stored or deflated .npz member. */
static int64_t
openarray(Dataset *d, const char *where, const char *file, const Npz *z,
    int member, int k)
{
	const NpzMember *zm;
	uint64_t size;
	NpyHead h;
	Src *src = &d->src[k];
	uint8_t *p;
	int64_t s;
	int fd;

	src->where = where;
	if (!z) {
		fd = file_open(file, &size);
		npy_head(where, fd, 0, size, &h);
		close(fd);
		src->off = h.start;
	} else if ((zm = &z->m[member])->method == 0) {
		fd = file_open(file, &size);
		npy_head(where, fd, zm->data, zm->usize, &h);
		close(fd);
		src->off = zm->data + h.start;
	} else {
		p = npz_member(z, member, d->a);
		npy_headmem(where, p, (size_t)zm->usize, &h);
		src->mem = p + h.start;
	}
	s = checkarray(d, where, &h, k);
	src->bytes = s ? h.nbytes / (size_t)s : 0;
	return s;
}

static void
opennpz(Dataset *d)
{
	const Module *m = d->m;
	const char *name, *where, *have;
	Npz *z;
	int *member, k, j;
	int64_t s, first = -1;
	long pos;
	char *end;

	z = npz_open(d->path, d->a);
	member = arena_alloc(d->a, (size_t)m->nin * sizeof *member);
	for (k = 0; k < m->nin; k++)
		member[k] = -1;
	for (j = 0; j < npz_count(z); j++) {
		name = npz_name(z, j);
		for (k = 0; k < m->nin; k++)
			if (strcmp(name, inname(m, k)) == 0)
				break;
		if (k == m->nin && strncmp(name, "arr_", 4) == 0 &&
		    name[4] >= '0' && name[4] <= '9') {
			errno = 0;
			pos = strtol(name + 4, &end, 10);
			if (*end == 0 && !errno && pos < m->nin)
				k = (int)pos;
		}
		if (k == m->nin)
			error(d->path, "array '%s' names no graph input (the "
			    "model's inputs: %s)", name, innames(d->a, m));
		if (member[k] >= 0)
			error(d->path, "arrays '%s' and '%s' both feed input "
			    "'%s'", npz_name(z, member[k]), name, inname(m, k));
		member[k] = j;
	}
	for (k = 0; k < m->nin; k++) {
		if (member[k] >= 0)
			continue;
		have = "";
		for (j = 0; j < npz_count(z); j++)
			have = arena_printf(d->a, "%s%s'%s'", have,
			    j ? ", " : "", npz_name(z, j));
		error(d->path, "no array for graph input '%s' (the .npz holds "
		    "%s)", inname(m, k), j ? have : "no arrays");
	}
	for (k = 0; k < m->nin; k++) {
		where = arena_printf(d->a, "%s(%s.npy)", d->path,
		    npz_name(z, member[k]));
		s = openarray(d, where, d->path, z, member[k], k);
		if (first >= 0 && s != first)
			error(d->path, "arrays hold different numbers of "
			    "samples: '%s' has %lld, '%s' has %lld",
			    npz_name(z, member[0]), (long long)first,
			    npz_name(z, member[k]), (long long)s);
		first = s;
	}
	d->n = (int)first;
}

/* ---- directories --------------------------------------------------------- */

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
isdir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
isfile(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* K of "input_K.pb", or -1 */
static long
inputnum(const char *name)
{
	const char *p;
	char *end;
	long k;

	if (strncmp(name, "input_", 6) != 0 || name[6] < '0' || name[6] > '9')
		return -1;
	p = name + 6;
	errno = 0;
	k = strtol(p, &end, 10);
	if (errno || strcmp(end, ".pb") != 0 || k > INT_MAX ||
	    (p[0] == '0' && end != p + 1))
		return -1;
	return k;
}

/* The entries of dir, sorted; *n gets their count. */
static char **
listdir(const char *dir, Arena *a, int *n)
{
	struct dirent *e;
	char **names = NULL, **out;
	int len = 0, cap = 0;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		error(dir, "cannot open directory: %s", strerror(errno));
	while ((errno = 0, e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		vec_push(names, len, cap, arena_strdup(a, e->d_name));
	}
	if (errno)
		error(dir, "cannot read directory: %s", strerror(errno));
	closedir(dp);
	if (len)
		qsort(names, (size_t)len, sizeof *names, cmpstr);
	*n = len;
	if (!names)
		return arena_alloc(a, sizeof *names);
	out = arena_memdup(a, names, (size_t)len * sizeof *names);
	free(names);
	return out;
}

/* A sample directory holds input_0.pb .. input_{n-1}.pb and no other
 * input_K.pb. */
static void
checkset(const Dataset *d, const char *dir)
{
	char **names;
	int n, k;
	long K;

	names = listdir(dir, d->a, &n);
	for (k = 0; k < n; k++) {
		K = inputnum(names[k]);
		if (K < 0)
			continue;
		if (K >= d->m->nin)
			error(dir, "has %s, but the model has %d input%s (%s)",
			    names[k], d->m->nin, d->m->nin == 1 ? "" : "s",
			    innames(d->a, d->m));
	}
	for (k = 0; k < d->m->nin; k++)
		if (!isfile(arena_printf(d->a, "%s/input_%d.pb", dir, k)))
			error(dir, "has no input_%d.pb (the model has %d "
			    "input%s: %s)", k, d->m->nin,
			    d->m->nin == 1 ? "" : "s", innames(d->a, d->m));
}

static void
opendir_(Dataset *d, int limit)
{
	char **names, *p;
	const char **sets = NULL, **images = NULL;
	int n, k, nsets = 0, capsets = 0, nimg = 0, capimg = 0, npb = 0;

	names = listdir(d->path, d->a, &n);
	for (k = 0; k < n; k++) {
		p = arena_printf(d->a, "%s/%s", d->path, names[k]);
		if (strncmp(names[k], "test_data_set_", 14) == 0 && isdir(p))
			vec_push(sets, nsets, capsets, p);
		else if (inputnum(names[k]) >= 0 && isfile(p))
			npb++;
		else if (image_name(names[k]) && isfile(p))
			vec_push(images, nimg, capimg, p);
	}
	if (nsets) {
		d->kind = Ksets;
		d->item = arena_memdup(d->a, sets, (size_t)nsets * sizeof *sets);
		d->n = nsets;
	} else if (npb) {
		d->kind = Kone;
		d->item = arena_alloc(d->a, sizeof *d->item);
		d->item[0] = d->path;
		d->n = 1;
	} else if (nimg) {
		d->kind = Kimages;
		d->item = arena_memdup(d->a, images,
		    (size_t)nimg * sizeof *images);
		d->n = nimg;
	} else {
		error(d->path, "empty dataset: the directory holds no "
		    "test_data_set_* directories, no input_K.pb files and no "
		    ".jpg/.jpeg/.png images");
	}
	free(sets);
	free(images);
	if (limit > 0 && d->n > limit)
		d->n = limit;
	if (d->kind == Ksets || d->kind == Kone)
		for (k = 0; k < d->n; k++)
			checkset(d, d->item[k]);
}

/* ---- open ---------------------------------------------------------------- */

static void
options(Dataset *d, const DatasetOpts *o)
{
	size_t k;

	d->pre = Pnone;
	if (o && o->preprocess) {
		for (k = 0; k < countof(prenames); k++)
			if (strcmp(o->preprocess, prenames[k]) == 0)
				break;
		if (k == countof(prenames))
			error(NULL, "--preprocess=%s: expected caffe, caffe2, "
			    "mxnet, rcnn or none", o->preprocess);
		d->pre = (Pre)k;
		d->preset = d->pre != Pnone;
	}
	d->bgr = d->pre != Pnone;	/* the seed writes b, g, r */
	if (o && o->channel_order) {
		if (strcmp(o->channel_order, "rgb") == 0)
			d->bgr = false;
		else if (strcmp(o->channel_order, "bgr") == 0)
			d->bgr = true;
		else
			error(NULL, "--channel-order=%s: expected rgb or bgr",
			    o->channel_order);
	}
}

/* Tensor preprocessing needs f32 inputs with 3 channels on axis 1 (rank 4)
 * or 0 (rank 3). */
static void
checkprep(const Dataset *d)
{
	const Type *t;
	int k;

	if (!d->preset && !d->bgr)
		return;
	for (k = 0; k < d->m->nin; k++) {
		t = intype(d->m, k);
		if (t->dt != Df32 || (t->rank == 4 ? t->dim[1] : t->rank == 3 ?
		    t->dim[0] : 0) != 3)
			error(d->path, "--preprocess=%s%s: input '%s' is %s, "
			    "not f32[N,3,H,W] or f32[3,H,W]", prenames[d->pre],
			    d->preset ? "" : " --channel-order=bgr",
			    inname(d->m, k), typestr(d->a, intype(d->m, k)));
	}
}

Dataset *
dataset_open(const char *path, const Module *m, const DatasetOpts *o)
{
	Dataset *d;
	uint8_t magic[6] = {0};
	uint64_t size;
	Arena *a;
	int fd, limit = o ? o->limit : 0;

	a = arena_new();
	d = arena_alloc(a, sizeof *d);
	d->a = a;
	d->m = m;
	d->path = arena_strdup(a, path);
	options(d, o);
	checkinputs(m, a);
	if (isdir(path)) {
		opendir_(d, limit);
		if (d->kind == Kimages)
			imagegeom(d);
		else
			checkprep(d);
		return d;
	}
	fd = file_open(path, &size);
	if (size >= 6)
		file_readat(path, fd, magic, 6, 0);
	close(fd);
	d->src = arena_alloc(a, (size_t)m->nin * sizeof *d->src);
	if (memcmp(magic, "\x93NUMPY", 6) == 0) {
		if (m->nin != 1)
			error(path, "a .npy dataset feeds one input, but the "
			    "model has %d (%s): use an .npz with one array per "
			    "input", m->nin, innames(a, m));
		d->kind = Knpy;
		d->n = (int)openarray(d, d->path, path, NULL, 0, 0);
	} else if (memcmp(magic, "PK", 2) == 0) {
		d->kind = Knpz;
		opennpz(d);
	} else {
		error(path, "not a dataset: expected a directory, a .npy or an "
		    ".npz file");
	}
	if (d->n == 0)
		error(path, "empty dataset: the arrays hold 0 samples");
	if (limit > 0 && d->n > limit)
		d->n = limit;
	checkprep(d);
	return d;
}

int
dataset_count(const Dataset *d)
{
	return d->n;
}

void
dataset_close(Dataset *d)
{
	if (d)
		arena_free(d->a);
}

/* ---- load ---------------------------------------------------------------- */

/* The input_K.pb files of one directory, mapped to graph inputs. */
static void
loadset(const Dataset *d, const char *dir, Arena *a, Tensor *in,
    const char **where)
{
	const Module *m = d->m;
	Tensor *t;
	const char **name, **path;
	int n = m->nin, *slot, *file, k, j;

	t = arena_alloc(a, (size_t)n * sizeof *t);
	name = arena_alloc(a, (size_t)n * sizeof *name);
	path = arena_alloc(a, (size_t)n * sizeof *path);
	slot = arena_alloc(a, (size_t)n * sizeof *slot);
	file = arena_alloc(a, (size_t)n * sizeof *file);
	for (k = 0; k < n; k++) {
		path[k] = arena_printf(a, "%s/input_%d.pb", dir, k);
		tensor_read(path[k], a, &t[k], &name[k]);
		slot[k] = -1;
		file[k] = -1;
	}
	for (k = 0; k < n; k++) {	/* by TensorProto name */
		for (j = 0; j < n && name[k][0]; j++)
			if (strcmp(name[k], inname(m, j)) == 0)
				break;
		if (!name[k][0] || j == n)
			continue;
		if (file[j] >= 0)
			error(path[k], "input '%s' is also given by %s",
			    inname(m, j), path[file[j]]);
		file[j] = k;
		slot[k] = j;
	}
	for (k = 0; k < n; k++) {	/* by position */
		if (slot[k] >= 0)
			continue;
		if (file[k] >= 0)
			error(path[k], "feeds graph input %d by position, but "
			    "%s names input '%s'", k, path[file[k]],
			    inname(m, k));
		file[k] = k;
		slot[k] = k;
	}
	for (k = 0; k < n; k++) {
		in[slot[k]] = t[k];
		where[slot[k]] = path[k];
	}
}

static void
checksample(const Dataset *d, int i, int k, const Tensor *t,
    const char *where, Arena *a)
{
	const Type *ty = intype(d->m, k);

	if (t->dt != ty->dt || !sameshape(ty, t->rank, t->dim))
		error(where, "sample %d, input '%s': the tensor is %s, but the "
		    "input is %s", i, inname(d->m, k),
		    shape_str(a, t->dt, t->rank, t->dim), typestr(a, ty));
}

/* 0 if element j is finite, else "NaN" or "Inf" */
static const char *
nonfinite(DType dt, const void *p, size_t j)
{
	uint16_t h;
	double v;

	switch (dt) {
	case Df32:
	case Dc64:
		v = ((const float *)p)[j];
		break;
	case Df64:
	case Dc128:
		v = ((const double *)p)[j];
		break;
	case Df16:
		h = ((const uint16_t *)p)[j];
		if ((h & 0x7c00) != 0x7c00)
			return NULL;
		return h & 0x3ff ? "NaN" : "Inf";
	case Dbf16:
		h = ((const uint16_t *)p)[j];
		if ((h & 0x7f80) != 0x7f80)
			return NULL;
		return h & 0x7f ? "NaN" : "Inf";
	default:
		return NULL;
	}
	return isnan(v) ? "NaN" : isinf(v) ? "Inf" : NULL;
}

static void
checkfinite(const Dataset *d, int i, int k, const Tensor *t,
    const char *where, Arena *a)
{
	size_t n, j, rest;
	const char *idx, *bad = NULL;
	int per, r;

	if (t->dt != Df32 && t->dt != Df64 && t->dt != Df16 &&
	    t->dt != Dbf16 && t->dt != Dc64 && t->dt != Dc128)
		return;
	per = t->dt == Dc64 || t->dt == Dc128 ? 2 : 1;
	n = t->nbytes / dtype_size(t->dt) * (size_t)per;
	for (j = 0; j < n; j++)
		if ((bad = nonfinite(t->dt, t->data, j)))
			break;
	if (!bad)
		return;
	idx = "";
	rest = j / (size_t)per;
	for (r = t->rank - 1; r >= 0; r--) {
		idx = arena_printf(a, "%lld%s%s",
		    (long long)(rest % (size_t)t->dim[r]),
		    r < t->rank - 1 ? "," : "", idx);
		rest /= (size_t)t->dim[r];
	}
	error(where, "sample %d, input '%s': %s at index [%s]", i,
	    inname(d->m, k), bad, idx);
}

void
dataset_load(Dataset *d, int i, Arena *a, Tensor *inputs)
{
	const Module *m = d->m;
	const char **where;
	const Src *src;
	const Type *ty;
	Tensor *t;
	uint64_t size;
	int k, fd;

	if (i < 0 || i >= d->n)
		die("dataset_load: sample %d of %d", i, d->n);
	where = arena_alloc(a, (size_t)m->nin * sizeof *where);
	switch (d->kind) {
	case Ksets:
	case Kone:
		loadset(d, d->item[i], a, inputs, where);
		for (k = 0; k < m->nin; k++)
			checksample(d, i, k, &inputs[k], where[k], a);
		break;
	case Knpy:
	case Knpz:
		for (k = 0; k < m->nin; k++) {
			src = &d->src[k];
			ty = intype(m, k);
			t = &inputs[k];
			memset(t, 0, sizeof *t);
			t->dt = ty->dt;
			t->rank = ty->rank;
			memcpy(t->dim, ty->dim, sizeof t->dim);
			t->nbytes = src->bytes;
			t->data = arena_alloc(a, src->bytes);
			where[k] = src->where;
			if (src->mem) {
				memcpy(t->data, src->mem + (size_t)i *
				    src->bytes, src->bytes);
				continue;
			}
			fd = file_open(d->path, &size);
			file_readat(src->where, fd, t->data, src->bytes,
			    src->off + (uint64_t)i * src->bytes);
			close(fd);
		}
		break;
	case Kimages:
		loadimage(d, i, a, &inputs[0]);
		where[0] = d->item[i];
		break;
	}
	if (d->kind != Kimages && (d->preset || d->bgr))
		for (k = 0; k < m->nin; k++) {
			t = &inputs[k];
			preptensor(d, t->data, t->rank == 4 ?
			    (size_t)t->dim[0] : 1, (size_t)t->dim[t->rank - 2] *
			    (size_t)t->dim[t->rank - 1], a);
		}
	for (k = 0; k < m->nin; k++)
		checkfinite(d, i, k, &inputs[k], where[k], a);
}
