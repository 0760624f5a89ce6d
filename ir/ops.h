/*
 * ops.h — the op table, an X-macro.  Include it after defining
 *
 *   OP(id, onnx, inmin, inmax, outmin, outmax, flags)
 *
 *   id       the op's spelling in the textual IR and its enum name (O##id)
 *   onnx     op_type in the default ONNX domain ("" / ai.onnx)
 *   inmin..  arity: inputs (an omitted optional input counts), outputs;
 *            VAR = any number
 *   flags    F_QUANT   has a quantized form (quantize rewrites it)
 *            F_LAYOUT  semantics depend on the data layout (NCHW in ONNX)
 *            F_ACT     an activation that relu-fuse can fold into its producer
 *            F_PASS    pass-through: quantization parameters flow through
 *                      unchanged (data movement, max)
 *            F_ELT     elementwise with NumPy broadcasting
 *
 * Ops not listed here (any domain) import as Oopaque and keep their domain,
 * op_type, attributes and subgraphs.  Onop marks a deleted instruction until
 * ir_compact removes it.  The order is the enum order; nothing depends on it.
 */

#ifndef VAR
#define VAR 255
#endif

/*  id                   onnx                  in     out   flags */
OP(conv,                 "Conv",               2, 3,  1, 1, F_QUANT | F_LAYOUT)
OP(conv_transpose,       "ConvTranspose",      2, 3,  1, 1, F_QUANT | F_LAYOUT)
OP(gemm,                 "Gemm",               2, 3,  1, 1, F_QUANT)
OP(matmul,               "MatMul",             2, 2,  1, 1, F_QUANT)
OP(relu,                 "Relu",               1, 1,  1, 1, F_QUANT | F_ACT)
OP(clip,                 "Clip",               1, 3,  1, 1, F_QUANT | F_ACT)
OP(leaky_relu,           "LeakyRelu",          1, 1,  1, 1, F_QUANT)
OP(sigmoid,              "Sigmoid",            1, 1,  1, 1, F_QUANT)
OP(hard_sigmoid,         "HardSigmoid",        1, 1,  1, 1, 0)
OP(hard_swish,           "HardSwish",          1, 1,  1, 1, 0)
OP(tanh,                 "Tanh",               1, 1,  1, 1, 0)
OP(add,                  "Add",                2, 2,  1, 1, F_QUANT | F_ELT)
OP(sub,                  "Sub",                2, 2,  1, 1, F_ELT)
OP(mul,                  "Mul",                2, 2,  1, 1, F_QUANT | F_ELT)
OP(div,                  "Div",                2, 2,  1, 1, F_ELT)
OP(pow,                  "Pow",                2, 2,  1, 1, F_ELT)
OP(sqrt,                 "Sqrt",               1, 1,  1, 1, 0)
OP(max_pool,             "MaxPool",            1, 1,  1, 2, F_QUANT | F_LAYOUT | F_PASS)
OP(average_pool,         "AveragePool",        1, 1,  1, 1, F_QUANT | F_LAYOUT)
OP(global_average_pool,  "GlobalAveragePool",  1, 1,  1, 1, F_QUANT | F_LAYOUT)
OP(lrn,                  "LRN",                1, 1,  1, 1, F_LAYOUT)
OP(batch_normalization,  "BatchNormalization", 5, 5,  1, 5, F_LAYOUT)
OP(softmax,              "Softmax",            1, 1,  1, 1, 0)
OP(concat,               "Concat",             1, VAR, 1, 1, F_QUANT)
OP(reshape,              "Reshape",            1, 2,  1, 1, F_PASS)
OP(flatten,              "Flatten",            1, 1,  1, 1, F_PASS)
OP(transpose,            "Transpose",          1, 1,  1, 1, F_PASS)
OP(squeeze,              "Squeeze",            1, 2,  1, 1, F_PASS)
OP(unsqueeze,            "Unsqueeze",          1, 2,  1, 1, F_PASS)
OP(slice,                "Slice",              1, 5,  1, 1, F_PASS)
OP(gather,               "Gather",             2, 2,  1, 1, F_PASS)
OP(shape,                "Shape",              1, 1,  1, 1, 0)
OP(cast,                 "Cast",               1, 1,  1, 1, 0)
OP(resize,               "Resize",             1, 4,  1, 1, F_LAYOUT)
OP(reduce_mean,          "ReduceMean",         1, 2,  1, 1, 0)
OP(pad,                  "Pad",                1, 4,  1, 1, 0)
OP(identity,             "Identity",           1, 1,  1, 1, F_PASS)
OP(dropout,              "Dropout",            1, 3,  1, 2, 0)
OP(constant,             "Constant",           0, 0,  1, 1, 0)
OP(quantize_linear,      "QuantizeLinear",     2, 3,  1, 1, 0)
OP(dequantize_linear,    "DequantizeLinear",   2, 3,  1, 1, 0)
OP(qlinear_conv,         "QLinearConv",        8, 9,  1, 1, F_LAYOUT)
OP(qlinear_matmul,       "QLinearMatMul",      8, 8,  1, 1, 0)
/* sqc's own quantization ops: parameters live in the types (doc/quantization.md
 * section 8); the ONNX writer spells them QuantizeLinear / DequantizeLinear */
OP(quantize,             "QuantizeLinear",     1, 1,  1, 1, 0)
OP(dequantize,           "DequantizeLinear",   1, 1,  1, 1, 0)
OP(requantize,           "QuantizeLinear",     1, 1,  1, 1, 0)
