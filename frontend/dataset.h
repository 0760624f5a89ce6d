/*
 * dataset.h — calibration data: samples of a model's graph inputs.
 *
 * Accepted forms (dataset_open tells them apart by what is on disk):
 *   DIR/test_data_set_N/input_K.pb    the seed's layout (sets sorted by name)
 *   DIR/input_K.pb                    one sample
 *   FILE.npy                          first axis = samples (one-input models):
 *                                     [S, input dims...]; for an input whose
 *                                     batch is 1, [S, rest...] too; for a
 *                                     batch B > 1, [S*B, rest...] (S whole
 *                                     batches)
 *   FILE.npz                          one array per graph input name, the
 *                                     same forms
 *   DIR of .jpg, .jpeg, .png files    images, sorted by name, preprocessed to
 *                                     the model's (single) input
 * Every sample is checked against the graph inputs' dtype and static shape
 * (after --input-shape), and must be finite: a wrong shape or dtype, NaN or
 * Inf, an unreadable image, or an empty dataset is a user error naming the
 * file (and sample, input).  Sample order is deterministic.
 */
#ifndef SQC_DATASET_H
#define SQC_DATASET_H

#include "../ir/ir.h"

typedef struct DatasetOpts {
	int limit;			/* --calib-limit: at most this many samples (0 = all) */
	const char *preprocess;		/* --preprocess=caffe|caffe2|mxnet|rcnn|none (images) */
	const char *channel_order;	/* --channel-order=rgb|bgr (images; default per preprocess) */
} DatasetOpts;

typedef struct Dataset Dataset;

Dataset *dataset_open(const char *path, const Module *m, const DatasetOpts *o);
int dataset_count(const Dataset *d);
/* sample i's inputs, in graph input order (m->nin tensors), allocated from a.
 * Safe to call from several threads at once with distinct arenas. */
void dataset_load(Dataset *d, int i, Arena *a, Tensor *inputs);
void dataset_close(Dataset *d);

#endif
