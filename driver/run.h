/* run.h — the driver's subcommands: sqc run (run.c) */
#ifndef SQC_RUN_H
#define SQC_RUN_H

int run_main(int argc, char **argv);
/* report.c: --report[=FILE] on the final quantized module q of model input */
void report(const char *input, Module *q, const char *const *shapes, int nshapes,
    const char *file, const char *passes);

#endif
