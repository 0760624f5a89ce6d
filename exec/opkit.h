/*
 * opkit.h — small helpers shared by the op implementations (exec/op_*.c):
 * operand access with node-located errors, element counts, attribute tests.
 * Private to exec/; the interpreter's contract is exec.h.
 */
#ifndef SQC_OPKIT_H
#define SQC_OPKIT_H

#include "exec.h"

size_t op_numel(const Tensor *t);
/* operand k, which must be present (else a node error) */
const Tensor *op_input(const Module *m, const Ins *in, const Tensor *const *x, int k);
/* operand k, or NULL when omitted */
const Tensor *op_optinput(const Ins *in, const Tensor *const *x, int k);
const char *op_dtname(DType dt);			/* "unknown" when unnamed */
noreturn void op_mismatch(const Module *m, const Ins *in);	/* inferred type disagrees */
void op_needf32(const Module *m, const Ins *in, const Tensor *t);	/* t NULL or f32 */
int64_t op_product(const int64_t *d, int from, int to);	/* d[from] * ... * d[to-1] */
bool op_streq(const Attr *a, const char *s);		/* a string attribute equal to s */

/* quantized IR (doc/quantization.md section 8) */
typedef enum QTarget { QT_ORT, QT_SYSTOLIC } QTarget;
bool op_quantized(const Module *m, const Ins *in);	/* some operand or result has q */
/* the q of operand k / result k: present and per tensor unless perok
 * (else a node error naming what) */
const QParam *op_qin(const Module *m, const Ins *in, int k, bool perok);
const QParam *op_qout(const Module *m, const Ins *in, int k, bool perok);
void op_needq8(const Module *m, const Ins *in, const Tensor *t);	/* i8 or u8 */
QTarget op_target(const Module *m);	/* "" counts as "ort" */

/* the systolic back half's forms (op_systolic.c, doc/systolic.md) */
bool op_systolic(const Module *m, const Ins *in);	/* nhwc, packed or fused */
const ExecImpl *exec_impl_q(int op);	/* table.c: the quantized impl of op */

#endif
