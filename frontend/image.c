/*
 * image.c — decode one JPEG or PNG file to 8-bit RGB (datafile.h: image_read),
 * for image calibration datasets.  The format is chosen by content, not by
 * the file name.
 *
 * JPEG (libjpeg-turbo): libjpeg's default decoding (islow DCT, fancy
 * upsampling), grayscale expanded to RGB; CMYK/YCCK files are refused.
 * Corrupt-data warnings (premature end of file or of a segment, bad Huffman
 * or arithmetic codes) are errors: libjpeg would otherwise fill the rest of
 * the image with gray.  Benign warnings are ignored.
 * PNG (libpng): palette, low-bit-depth and tRNS expanded; 16-bit samples keep
 * their high byte; alpha dropped (not composited); gray replicated to RGB;
 * interlaced images de-interlaced; gAMA/iCCP ignored (the stored values
 * are used, as PIL does).
 *
 * Errors are user errors naming the file.  The libraries' error callbacks
 * report and exit directly, so there is no setjmp; each call has its own
 * decoder state, so decoding is re-entrant.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "datafile.h"

bool
image_name(const char *name)
{
	static const char *const ext[] = {".jpg", ".jpeg", ".png"};
	size_t n = strlen(name), k, e;

	for (k = 0; k < countof(ext); k++) {
		e = strlen(ext[k]);
		if (n > e && strcasecmp(name + n - e, ext[k]) == 0)
			return true;
	}
	return false;
}

/* The pixels of a w x h image, allocated from the header's dims before any
 * data is decoded: a lying header must neither allocate without bound (at
 * most MAXMPIX megapixels) nor commit the memory (not zeroed: the decoders
 * write every pixel or fail). */
enum { MAXMPIX = 256 };		/* megapixels (2^20) of one image */

static uint8_t *
pixels(const char *path, Arena *a, size_t w, size_t h)
{
	size_t n;

	if (w == 0 || h == 0)
		error(path, "image has no pixels (%zux%zu)", w, h);
	if (mulover(w, h, &n) || n > (size_t)MAXMPIX << 20 || mulover(n, 3, &n))
		error(path, "image of %zux%zu pixels is too large", w, h);
	return arena_alloc_raw(a, n);
}

/* ---- JPEG ---------------------------------------------------------------- */

typedef struct JErr {
	struct jpeg_error_mgr mgr;
	const char *path;
} JErr;

static noreturn void
jfail(j_common_ptr c)
{
	char msg[JMSG_LENGTH_MAX];

	c->err->format_message(c, msg);
	error(((JErr *)c->err)->path, "cannot decode JPEG: %s", msg);
}

static void
jmsg(j_common_ptr c, int level)
{
	switch (c->err->msg_code) {
	case JWRN_JPEG_EOF:
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_ARITH_BAD_CODE:
		if (level < 0)
			jfail(c);
		break;
	default:
		break;
	}
}

static uint8_t *
jpegread(const char *path, FILE *f, Arena *a, int *w, int *h)
{
	struct jpeg_decompress_struct d;
	JErr err;
	JSAMPROW row;
	uint8_t *out;
	size_t stride;

	memset(&d, 0, sizeof d);
	d.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jfail;
	err.mgr.emit_message = jmsg;
	err.path = path;
	jpeg_create_decompress(&d);
	jpeg_stdio_src(&d, f);
	jpeg_read_header(&d, TRUE);
	if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK)
		error(path, "CMYK JPEG images are not supported: convert the "
		    "image to RGB");
	d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&d);
	if (d.output_components != 3)
		error(path, "cannot decode JPEG: %d components after conversion "
		    "to RGB", d.output_components);
	out = pixels(path, a, d.output_width, d.output_height);
	stride = (size_t)d.output_width * 3;
	while (d.output_scanline < d.output_height) {
		row = out + (size_t)d.output_scanline * stride;
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	*w = (int)d.output_width;
	*h = (int)d.output_height;
	jpeg_destroy_decompress(&d);
	return out;
}

/* ---- PNG ----------------------------------------------------------------- */

static noreturn void
pfail(png_structp p, png_const_charp msg)
{
	error(png_get_error_ptr(p), "cannot decode PNG: %s", msg);
}

static void
pwarn(png_structp p, png_const_charp msg)
{
}

/* libpng's own reader says only "Read Error" on a short file */
static void
pngdata(png_structp p, png_bytep buf, size_t n)
{
	FILE *f = png_get_io_ptr(p);

	if (fread(buf, 1, n, f) != n)
		error(png_get_error_ptr(p), "cannot decode PNG: %s",
		    ferror(f) ? strerror(errno) : "unexpected end of file");
}

static uint8_t *
pngread(const char *path, FILE *f, Arena *a, int *w, int *h)
{
	png_structp p;
	png_infop info;
	png_uint_32 pw, ph, y;
	png_bytepp rows;
	uint8_t *out;

	p = png_create_read_struct(PNG_LIBPNG_VER_STRING, (void *)path, pfail,
	    pwarn);
	if (!p)
		error(path, "cannot decode PNG: out of memory");
	info = png_create_info_struct(p);
	if (!info)
		error(path, "cannot decode PNG: out of memory");
	png_set_read_fn(p, f, pngdata);
	png_read_info(p, info);
	pw = png_get_image_width(p, info);
	ph = png_get_image_height(p, info);
	png_set_expand(p);
	png_set_strip_16(p);
	png_set_strip_alpha(p);
	png_set_gray_to_rgb(p);
	png_set_interlace_handling(p);
	png_read_update_info(p, info);
	if (png_get_rowbytes(p, info) != (size_t)pw * 3)
		error(path, "cannot decode PNG: unexpected row size");
	out = pixels(path, a, pw, ph);
	rows = arena_alloc(a, (size_t)ph * sizeof *rows);
	for (y = 0; y < ph; y++)
		rows[y] = out + (size_t)y * pw * 3;
	png_read_image(p, rows);
	png_read_end(p, NULL);
	png_destroy_read_struct(&p, &info, NULL);
	*w = (int)pw;
	*h = (int)ph;
	return out;
}

uint8_t *
image_read(const char *path, Arena *a, int *w, int *h)
{
	static const uint8_t jpg[3] = {0xff, 0xd8, 0xff};
	static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
	    '\n'};
	uint8_t magic[8] = {0};
	uint8_t *out;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		error(path, "cannot open: %s", strerror(errno));
	n = fread(magic, 1, sizeof magic, f);
	if (ferror(f))
		error(path, "cannot read: %s", strerror(errno));
	rewind(f);
	if (n >= 3 && memcmp(magic, jpg, 3) == 0)
		out = jpegread(path, f, a, w, h);
	else if (n == 8 && memcmp(magic, png, 8) == 0)
		out = pngread(path, f, a, w, h);
	else
		error(path, "not a JPEG or PNG image");
	fclose(f);
	if (*w > INT32_MAX / 4 || *h > INT32_MAX / 4)
		error(path, "image of %dx%d pixels is too large", *w, *h);
	return out;
}
