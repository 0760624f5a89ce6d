/*
 * calibtable.h — the calibration table: the statistics of every calibrated
 * tensor of one graph, in a line-oriented text file (doc/calibration.md §5).
 *
 *   calib_graphhash   FNV-1a 64 of the graph (inputs, ops, edges,
 *                     attributes, constant bytes); a table is valid for a
 *                     module iff the hashes agree
 *   calibtable_write  the table as text to f (deterministic bytes)
 *   calibtable_save   whole-or-nothing: a temporary file in the target's
 *                     directory, renamed onto path; failure is a user error
 *   calibtable_read   parses path; NULL if no file exists there; a
 *                     malformed table is a user error naming file and line
 *   calibtable_merge  adds src's statistics into dst (same graph hash and
 *                     tensors, else a user error naming where): exact, so
 *                     merging the tables of disjoint shards gives the table
 *                     of the whole dataset
 *   merge_calib_main  (driver/mergecalib.c) `sqc merge-calib TABLE... -o OUT`
 *                     (argv[0] is the subcommand name); the exit status
 *
 * Tables are statistics, not ranges: one table serves every --calib-method.
 */
#ifndef SQC_CALIBTABLE_H
#define SQC_CALIBTABLE_H

#include <stdio.h>

#include "../ir/ir.h"
#include "calibstats.h"

enum { CALIB_TABLE_VERSION = 1 };

typedef struct CalibTable {
	uint64_t hash;		/* calib_graphhash of the graph */
	uint64_t samples;	/* dataset samples the statistics cover */
	int n;			/* tensors */
	const char **name;	/* n value names */
	CalibStats *st;		/* n statistics */
} CalibTable;

uint64_t calib_graphhash(const Module *m);
/* a table of n tensors with initialised (empty) statistics, in a */
CalibTable *calibtable_new(Arena *a, uint64_t hash, int n);
void calibtable_write(const CalibTable *t, FILE *f);
void calibtable_save(const CalibTable *t, const char *path);
CalibTable *calibtable_read(const char *path, Arena *a);
void calibtable_merge(CalibTable *dst, const CalibTable *src, const char *where);

int merge_calib_main(int argc, char **argv);
/* the statistics of the last calibrate pass run (passes/calibrate.c),
 * valid until the next run; NULL before the first */
const CalibTable *calibrate_stats(void);

#endif
