/*
 * fuzz.h — what the libFuzzer targets in fuzz/ share (fuzz/common.c).
 *
 * A target is built with -DSQC_FUZZ (ir/util.c: error() longjmps to
 * sqc_fuzz_jmp instead of exiting) and linked with common.o and
 * -Wl,--wrap=fopen,--wrap=fclose.  Its LLVMFuzzerTestOneInput is
 *
 *     const char *path = fuzz_file(data, size, ".npy");
 *     if (setjmp(fuzz_jmp) == 0) {
 *             fuzz_start();
 *             ... run the reader on path ...
 *             fuzz_end();          // success
 *     } else {
 *             fuzz_cleanup();      // error() came back here
 *     }
 *     return 0;
 *
 * fuzz_file    writes the input to one scratch file per process (the readers
 *              take paths) and returns its path; suffix is its extension
 * fuzz_start   makes error() longjmp to fuzz_jmp and starts recording the
 *              heap blocks, fds and FILEs the run creates
 * fuzz_cleanup after error(): releases the run's leftovers: open FILEs
 *              closed, new fds closed, every heap block allocated during the
 *              run and not yet freed is freed (sanitizer malloc/free hooks).
 *              Nothing from an abandoned run may be referenced afterwards.
 * fuzz_end     stops recording (a successful run must free its own memory;
 *              LeakSanitizer checks that).
 * SQC_FUZZ_VERBOSE=1 in the environment prints the swallowed error messages.
 */
#ifndef SQC_FUZZ_H
#define SQC_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "../ir/util.h"

extern jmp_buf *sqc_fuzz_jmp;	/* ir/util.c */
extern int sqc_fuzz_verbose;
extern jmp_buf fuzz_jmp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix);
void fuzz_start(void);
void fuzz_cleanup(void);
void fuzz_end(void);

#endif
