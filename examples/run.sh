#!/bin/sh
# examples/run.sh — the main job on the bundled example (`make example`).
#
# Compiles examples/smallcnn.onnx (a small CNN with BatchNorm, ReLU, ReLU6,
# a residual add) through sqc, shows the IR before and after canonicalize, and
# checks the compiled model against the original in ONNX Runtime.
# Quantization (-O1/-O2 with --calib) joins this example as it lands.
set -eu
cd "$(dirname "$0")/.."
out=build/example
mkdir -p "$out"
model=examples/smallcnn.onnx

echo "== the model as sqc's IR (sqc --dump-ir $model)"
./sqc --dump-ir "$model"

echo
echo "== after canonicalize (sqc -O1 --dump-ir): BatchNorm folded into Conv"
./sqc -O1 --dump-ir "$model"

echo
echo "== compile: sqc -O1 --emit=onnx $model -o $out/smallcnn.o1.onnx"
./sqc -O1 --emit=onnx "$model" -o "$out/smallcnn.o1.onnx"
./sqc -O0 --emit=onnx "$model" -o "$out/smallcnn.o0.onnx"

echo
echo "== ONNX Runtime: original vs -O0 (must be bit-identical) and vs -O1 (within 1e-5)"
node tests/oracle/run.js "$model" --random 1 --out "$out/ref"
node tests/oracle/run.js "$out/smallcnn.o0.onnx" --random 1 --out "$out/o0"
node tests/oracle/run.js "$out/smallcnn.o1.onnx" --random 1 --out "$out/o1"
/usr/bin/python3 tests/oracle/compare.py "$out/o0" "$out/ref" --bitexact
/usr/bin/python3 tests/oracle/compare.py "$out/o1" "$out/ref" --rtol 1e-5 --atol 1e-6
