/*
 * datafile.h — internals shared by tensorio.c, dataset.c and image.c; not a
 * public interface (see tensorio.h and dataset.h for those).
 *
 *   file_open / file_readat   open read-only (a directory is an error) and
 *                   read exactly n bytes at an offset; errors name the file
 *   npy_head        parse and check a .npy header at an offset of an open
 *                   file; the data must be exactly h->nbytes long (avail is
 *                   the number of bytes from the header to the end of the
 *                   .npy: the file size, or an .npz member's size)
 *   npy_headmem     the same for a .npy held in memory
 *   struct Npz      the member table, defined here so that dataset.c can
 *                   read stored members sample by sample at their offsets
 *   npz_member      member k's whole bytes (inflated, CRC checked) in a
 *   shape_str       "f32[1,3,224,224]" in a, for messages
 *   image_name      whether a file name ends in .jpg, .jpeg or .png (any case)
 *   image_read      decode a JPEG or PNG (chosen by content) to 8-bit RGB:
 *                   h rows of 3*w bytes, in a (image.c)
 * All of these are re-entrant: no state outside their arguments.
 */
#ifndef SQC_DATAFILE_H
#define SQC_DATAFILE_H

#include "tensorio.h"

int file_open(const char *path, uint64_t *size);
void file_readat(const char *path, int fd, void *buf, size_t n, uint64_t off);

typedef struct NpyHead {
	DType dt;
	int rank;
	int64_t dim[SQC_MAXRANK];
	size_t numel;
	size_t nbytes;		/* numel * element size */
	uint64_t start;		/* offset of the data from the start of the .npy */
} NpyHead;

void npy_head(const char *where, int fd, uint64_t off, uint64_t avail,
    NpyHead *h);
void npy_headmem(const char *where, const uint8_t *p, size_t len, NpyHead *h);

typedef struct NpzMember {
	const char *name;	/* without ".npy" */
	int method;		/* 0 stored, 8 deflated */
	uint32_t crc;
	uint64_t csize, usize;
	uint64_t data;		/* offset of the member's bytes in the file */
} NpzMember;

struct Npz {
	const char *path;
	int n;
	NpzMember *m;
};

uint8_t *npz_member(const Npz *z, int k, Arena *a);

const char *shape_str(Arena *a, DType dt, int rank, const int64_t *dim);

bool image_name(const char *name);
uint8_t *image_read(const char *path, Arena *a, int *w, int *h);

#endif
