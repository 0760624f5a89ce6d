/*
 * tensorio.h — tensors in files: NumPy .npy / .npz and ONNX TensorProto .pb.
 *
 *   tensor_read     a .npy (any numeric dtype, C order; Fortran order refused)
 *                   or a TensorProto .pb, chosen by content (the .npy magic
 *                   "\x93NUMPY"); data and dims go to arena a.  *name gets the
 *                   TensorProto's name ("" for .npy).  Bad files are user
 *                   errors naming the file.
 *   npz_open/...    the arrays of an .npz (stored or deflated members), by name
 *   tensor_write_npy  writes t as .npy to f (the caller owns f); false on a
 *                   write error
 */
#ifndef SQC_TENSORIO_H
#define SQC_TENSORIO_H

#include <stdio.h>

#include "../ir/ir.h"

void tensor_read(const char *path, Arena *a, Tensor *t, const char **name);
bool tensor_write_npy(FILE *f, const Tensor *t);

typedef struct Npz Npz;
Npz *npz_open(const char *path, Arena *a);
int npz_count(const Npz *z);
const char *npz_name(const Npz *z, int k);	/* the member's name without ".npy" */
void npz_read(Npz *z, int k, Arena *a, Tensor *t);

#endif
