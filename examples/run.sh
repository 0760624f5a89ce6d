#!/bin/sh
# examples/run.sh — the main job on the bundled example (`make example`).
#
# The digits example (examples/digits/, made by its train.py): a small CNN
# (Conv-BN-ReLU, MaxPool, Conv-BN-ReLU6 with a residual Add, Flatten, Gemm)
# trained on scikit-learn's 8x8 handwritten digits.  The job shows the model
# before and after canonicalize, runs the 400 test images through `sqc run`,
# through ONNX Runtime, and through ONNX Runtime on sqc's -O1 output, prints
# each one's top-1 accuracy and how far sqc is from ONNX Runtime, then
# calibrates on the 200 calibration images.  Quantization (-O2) and generated
# C join this example as they land.  Everything it writes goes to build/example.
set -eu
cd "$(dirname "$0")/.."
out=build/example
d=examples/digits
model=$d/digits.onnx
py=/usr/bin/python3
rm -rf "$out"
mkdir -p "$out"

# show a command, then run it
run() {
	echo "\$ $*"
	"$@"
}
# run a command with its output indented (and $out/ left out); stop if it fails
quote() {
	"$@" > "$out/quote.txt" && st=0 || st=$?
	sed "s|$out/||g; s/^/    /" "$out/quote.txt"
	return $st
}
# the op names of a module's instructions, in order, on one line
ops() {
	sed -n 's/^  .* = \([a-z_0-9]*\) @.*/\1/p' | tr '\n' ' ' | fold -s -w 76 |
	    sed 's/^/    /; s/ *$//'
	echo
}

echo "== digits: a small CNN for scikit-learn's 8x8 handwritten digits"
echo "   in $d/: digits.onnx (input image f32[N,1,8,8], output logits"
echo "   f32[N,10]), test_images.npy + test_labels.npy (400 images), calib.npy"
echo "   (200 images); train.py made them."

echo
./sqc --dump-ir "$model" > $out/digits.sqir
./sqc -O1 --dump-ir "$model" > $out/digits.o1.sqir
echo "== 1. the model as sqc reads it (sqc --dump-ir):" \
    "$(grep -c '^  .* = ' $out/digits.sqir) instructions"
ops < $out/digits.sqir

echo
echo "== 2. after canonicalize (sqc -O1 --dump-ir, attributes left out):"
echo "   BatchNorms folded into the convs, the Clip bounds into constants"
sed -n 's/^  /    /p' $out/digits.o1.sqir | sed 's/ {[^}]*}$//'

echo
echo "== 3. the 400 test images in one batch: sqc run, ONNX Runtime on the"
echo "   original model, and ONNX Runtime on sqc's -O1 output"
run ./sqc run "$model" --input-shape image=400,1,8,8 \
    --input image=$d/test_images.npy -o $out/sqc
# ONNX Runtime's oracle reads TensorProto .pb inputs
$py -c 'import sys, numpy; from onnx import numpy_helper as h
open(sys.argv[2], "wb").write(
    h.from_array(numpy.load(sys.argv[1]), "image").SerializeToString())' \
    $d/test_images.npy $out/test_images.pb
run node tests/oracle/run.js "$model" --input image=$out/test_images.pb \
    --out $out/ort
run ./sqc -O1 --emit=onnx "$model" -o $out/digits.o1.onnx
run node tests/oracle/run.js $out/digits.o1.onnx \
    --input image=$out/test_images.pb --out $out/ort-o1

echo
echo "== 4. float accuracy, and sqc against ONNX Runtime (sqc = sqc run,"
echo "   ort = ONNX Runtime, ort-o1 = ONNX Runtime on sqc -O1's output)"
quote $py $d/accuracy.py $d/test_labels.npy $out/ort $out/ort-o1 $out/sqc \
    --ref $out/ort --min 0.95
quote $py tests/oracle/compare.py $out/sqc $out/ort --rtol 1e-4 --atol 1e-5

echo
echo "== 5. calibrate on the 200 calibration images (observed ranges in the IR,"
echo "   histograms in the table $out/digits.calib)"
run ./sqc --passes=canonicalize,calibrate --calib=$d/calib.npy \
    --calib-table=$out/digits.calib --input-shape image=1,1,8,8 \
    --dump-ir "$model" > $out/digits.calibrated.sqir
grep -o '%[^ ]*: f32\[[0-9,]*\] range([^)]*)' $out/digits.calibrated.sqir |
    sed 's/^/    /'
echo "    ($(sed -n 's/^samples //p' $out/digits.calib) samples," \
    "$(sed -n 's/^tensors //p' $out/digits.calib) tensors in the table)"
