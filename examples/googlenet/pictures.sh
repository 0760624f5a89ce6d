#!/bin/sh
# examples/googlenet/pictures.sh — before/after pictures of googlenet's first
# blocks (sqc --emit=dot rendered by Graphviz).
#
#   sh examples/googlenet/pictures.sh        (from anywhere; needs ./sqc built,
#                                             tests/models/cache/googlenet.onnx
#                                             and Graphviz's dot)
#
# Cuts tests/models/cache/googlenet.onnx after its first inception block
# (cut.py: the stem and inception3a) and makes, in examples/googlenet/out/:
#   googlenet-3a.onnx   the cut model
#   calib.npy           f32[4,3,224,224] random calibration data (seed 0)
#   before.dot/.png     the model as imported (sqc -O0 --emit=dot)
#   after.dot/.png      after the -O1 pipeline, calibrated on calib.npy
#                       (sqc -O1 --calib=calib.npy --emit=dot)
# Quantized instructions are filled light blue, quantize / dequantize /
# requantize orange, float ones white.  Nothing here is committed (.gitignore).
#
# Environment: SQC (default ./sqc) the compiler; AFTER (default -O1) the
# options that make after.dot, e.g. AFTER=-O2.
set -eu
cd "$(dirname "$0")/../.."
sqc=${SQC:-./sqc}
after=${AFTER:--O1}
model=tests/models/cache/googlenet.onnx
out=examples/googlenet/out

if [ ! -f "$model" ]; then
	echo "pictures.sh: $model is missing; make it with" \
	    "/usr/bin/python3 tests/models/make.py" >&2
	exit 1
fi
if ! command -v dot > /dev/null; then
	echo "pictures.sh: Graphviz's dot is missing (apt-get install graphviz)" >&2
	exit 1
fi
mkdir -p "$out"

# show a command, then run it
run() {
	echo "\$ $*"
	"$@"
}

run /usr/bin/python3 examples/googlenet/cut.py "$model" "$out"
run "$sqc" -O0 --emit=dot "$out/googlenet-3a.onnx" -o "$out/before.dot"
run "$sqc" $after --calib="$out/calib.npy" --emit=dot \
    "$out/googlenet-3a.onnx" -o "$out/after.dot"
for f in before after; do
	run dot -Tpng "$out/$f.dot" -o "$out/$f.png"
done
echo "pictures.sh: $out/before.png, $out/after.png"
