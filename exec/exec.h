/*
 * exec.h — the interpreter: executes a Module by calling runtime/ kernels.
 * Used by `sqc run`, the calibrate pass, canonicalize's constant folding and
 * (later) --report.
 *
 *   exec_new    plans an execution of m: requires ir_infer'd static shapes
 *               for every value (else a user error naming the value and
 *               suggesting --input-shape) and an implementation for every op
 *               (else a user error naming the node and op).  Buffers for
 *               values are planned by lifetime and reused; constants are used
 *               in place.  m must not change while an Exec exists.
 *   exec_run    runs once: inputs[k] for graph input k (dtype and shape must
 *               match, else a user error naming the input); outputs[k] points
 *               into the Exec's memory, valid until the next run.  An Exec is
 *               for one thread; several Execs of one module may run at once.
 *   exec_hook   called after every instruction with its results, before any
 *               buffer is reused (the calibrate pass observes values here).
 *   exec_fold   evaluates instruction i of m whose inputs are all constants
 *               into new tensors allocated from a (for constant folding);
 *               false if the op has no implementation.
 *
 * Op implementations live in exec/op_*.c.  Each file exports one table
 * fragment `const ExecImpl exec_impl_<file>[]`, terminated by {0}; table.c
 * joins the fragments.  An implementation gets its instruction, its input
 * tensors (NULL for an omitted optional input) and its output tensors, whose
 * dtype, dims and buffers the interpreter has set from the inferred types.
 * Scratch memory comes from the arena passed in (reset after each instruction).
 *
 * Fusion: when an instruction whose implementation has runact is followed by
 * a Relu, or a Clip with constant (or omitted) f32 bounds, that is the only
 * user of its single result (not a graph output), the two results share one
 * buffer.  Without a hook, exec_run calls runact with the clamp and skips the
 * activation; with a hook (calibration observes every value) both run, the
 * activation in place.
 * An attribute combination it cannot run is a user error via ir_error.
 */
#ifndef SQC_EXEC_H
#define SQC_EXEC_H

#include "../ir/ir.h"

typedef struct ExecImpl {
	int op;		/* Oxxx; 0 ends a fragment */
	void (*run)(const Module *m, const Ins *in, const Tensor *const *x,
	    Tensor *const *y, Arena *scratch);
	/* optional: run with a fused activation that clamps every result to
	 * [act[0], act[1]] (a following Relu or Clip), where canfuse says so */
	void (*runact)(const Module *m, const Ins *in, const Tensor *const *x,
	    Tensor *const *y, Arena *scratch, const float *act);
	bool (*canfuse)(const Module *m, const Ins *in);
} ExecImpl;

typedef struct Exec Exec;
typedef void (*ExecHook)(void *arg, int ins, const Tensor *const *y);

Exec *exec_new(Module *m);
void exec_run(Exec *e, const Tensor *inputs, const Tensor **outputs);
void exec_hook(Exec *e, ExecHook fn, void *arg);
/* the clamp bounds of a Relu, or of a Clip whose bounds are constant f32
 * scalars or omitted: what fusion folds into the producer (the C backend
 * fuses the same pairs); false for anything else */
bool exec_actbounds(const Module *m, const Ins *a, float *lo, float *hi);
void exec_free(Exec *e);
size_t exec_arena_size(const Exec *e);	/* bytes the memory plan uses */
bool exec_fold(Module *m, int ins, Arena *a, Tensor *outputs);

/* table.c: the float implementation of op, or NULL */
const ExecImpl *exec_impl(int op);
/* table.c: the implementation of instruction in of m: the quantized one
 * when an operand or result is quantized (doc/quantization.md section 8),
 * else exec_impl(in->op); NULL if none */
const ExecImpl *exec_impl_for(const Module *m, const Ins *in);

#endif
