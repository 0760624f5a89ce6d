#!/bin/sh
# examples/run.sh — the main job on the bundled example (`make example`).
#
# The digits example (examples/digits/, made by its train.py): a small CNN
# (Conv-BN-ReLU, MaxPool, Conv-BN-ReLU6 with a residual Add, Conv-BN-ReLU,
# GlobalAveragePool, Flatten, Gemm) trained on scikit-learn's handwritten
# digits, upsampled from 8x8 to 16x16.  The job shows the model before and
# after canonicalize, runs the 300 test images through `sqc run`, through
# ONNX Runtime, and through ONNX Runtime on sqc's canonicalized output,
# prints each one's top-1 accuracy and how far sqc is from ONNX Runtime,
# then quantizes it (-O1) with the calibration images for the Systolic
# runtime (with the per-tensor --report) and for ONNX Runtime, and prints the
# int8 accuracy of both next to the float one; then quantizes it with -O2
# (tune's measured choices, listed), compiles that module to C, builds it
# with runtime/ and prints the C's accuracy beside sqc run's (and that the
# two are bit-identical).
# Everything it writes goes to
# build/example.
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

echo "== digits: a small CNN for scikit-learn's handwritten digits (16x16)"
echo "   in $d/: digits.onnx (input 'input' f32[N,1,16,16], output 'logits'"
echo "   f32[N,10]), test_images.npy + test_labels.npy (300 images), calib.npy"
echo "   (200 training images); train.py made them."

echo
./sqc --dump-ir "$model" > $out/digits.sqir
./sqc --passes=canonicalize --dump-ir "$model" > $out/digits.canon.sqir
echo "== 1. the model as sqc reads it (sqc --dump-ir):" \
    "$(grep -c '^  .* = ' $out/digits.sqir) instructions"
ops < $out/digits.sqir

echo
echo "== 2. after canonicalize (sqc --passes=canonicalize --dump-ir,"
echo "   attributes left out):"
echo "   BatchNorms folded into the convs, the Clip bounds into constants"
sed -n 's/^  /    /p' $out/digits.canon.sqir | sed 's/ {[^}]*}$//'

echo
echo "== 3. the 300 test images in one batch: sqc run, ONNX Runtime on the"
echo "   original model, and ONNX Runtime on sqc's canonicalized output"
run ./sqc run "$model" --input-shape input=300,1,16,16 \
    --input input=$d/test_images.npy -o $out/sqc
# ONNX Runtime's oracle reads TensorProto .pb inputs
$py -c 'import sys, numpy; from onnx import numpy_helper as h
open(sys.argv[2], "wb").write(
    h.from_array(numpy.load(sys.argv[1]), "input").SerializeToString())' \
    $d/test_images.npy $out/test_images.pb
run node tests/oracle/run.js "$model" --input input=$out/test_images.pb \
    --out $out/ort
run ./sqc --passes=canonicalize --emit=onnx "$model" -o $out/digits.canon.onnx
run node tests/oracle/run.js $out/digits.canon.onnx \
    --input input=$out/test_images.pb --out $out/ort-canon

echo
echo "== 4. float accuracy, and sqc against ONNX Runtime (sqc = sqc run,"
echo "   ort = ONNX Runtime, ort-canon = ONNX Runtime on sqc's canonicalized"
echo "   output)"
quote $py $d/accuracy.py $d/test_labels.npy $out/ort $out/ort-canon $out/sqc \
    --ref $out/ort --min 0.97
quote $py tests/oracle/compare.py $out/sqc $out/ort --rtol 1e-4 --atol 1e-5

echo
echo "== 5. quantize (-O1: canonicalize, calibrate on the 200 calibration images,"
echo "   quantize, propagate-quant) for the Systolic runtime (int8, zero point 0)"
echo "   with the per-tensor report, and for stock ONNX Runtime; batch 100"
set -- ./sqc -O1 "$model" --input-shape input=100,1,16,16 --calib=$d/calib.npy \
    --calib-table=$out/digits.calib --report=$out/report.csv \
    --emit=ir -o $out/digits.q.sqir
echo "\$ $*"
"$@" > $out/report.txt
echo "   the report (worst layers first; SQNR in dB, int8 against float):"
head -7 $out/report.txt | sed 's/^/    /'
grep '^# output' $out/report.txt | sed 's/^/    /'
run ./sqc -O1 --target=ort "$model" --input-shape input=100,1,16,16 \
    --calib-table=$out/digits.calib -o $out/digits.ort.onnx
run ./sqc --emit=dot $out/digits.q.sqir -o $out/digits.q.dot

echo
echo "== 6. int8 accuracy on the 300 test images (3 batches of 100): sqc run on"
echo "   the systolic module, and ONNX Runtime on the --target=ort model"
$py -c 'import sys, numpy; from onnx import numpy_helper as h
x = numpy.load(sys.argv[1])
for k in range(3):
    numpy.save("%s/b%d.npy" % (sys.argv[2], k), x[100 * k:100 * (k + 1)])
    open("%s/b%d.pb" % (sys.argv[2], k), "wb").write(
        h.from_array(x[100 * k:100 * (k + 1)], "input").SerializeToString())' \
    $d/test_images.npy $out
for k in 0 1 2; do
	./sqc run $out/digits.q.sqir --input input=$out/b$k.npy -o $out/q$k.npy
	node tests/oracle/run.js $out/digits.ort.onnx --input input=$out/b$k.pb \
	    --out $out/ort$k > /dev/null
done
$py -c 'import sys, numpy
d = sys.argv[1]
numpy.save(d + "/int8-systolic.npy", numpy.concatenate([numpy.load("%s/q%d.npy" % (d, k)) for k in range(3)]))
numpy.save(d + "/int8-ort.npy", numpy.concatenate([numpy.fromfile("%s/ort%d/out_0.bin" % (d, k), dtype=numpy.float32).reshape(100, 10) for k in range(3)]))' $out
quote $py $d/accuracy.py $d/test_labels.npy $out/sqc/output_0.npy \
    $out/int8-systolic.npy $out/int8-ort.npy --min 0.97

echo
echo "== 7. -O2: the quantization measured best on the calibration images (the"
echo "   tune pass: each step kept only if the output SQNR does not drop), then"
echo "   the systolic back half (NHWC, fused ReLU/MaxPool, packed weights),"
echo "   compiled to standalone C that calls the Gemmini kernel API"
echo "   (runtime/systolic.c on this host), built and run on the test images"
mkdir -p $out/c
set -- ./sqc -O2 "$model" --input-shape input=100,1,16,16 --calib=$d/calib.npy \
    --calib-table=$out/digits.calib --report --emit=c -o $out/c/digits.c
echo "\$ $* > $out/report-o2.txt"
"$@" > $out/report-o2.txt
grep '^# tune\|^#   \|^# kept\|^# output\|^# C ' $out/report-o2.txt | sed 's/^/    /'
sed -n 's/^#define \(DIGITS_ARENA[A-Z_]*\) *\([0-9]*\).*/    \1 = \2 bytes/p' $out/c/digits.h
run ${CC:-cc} -std=c99 -O2 -Wall -Wextra -pedantic -I$out/c -Iruntime \
    $out/c/digits.c $d/main.c build/libsqcrt.a -lm -o $out/c/digits
$py -c 'import sys, numpy; numpy.load(sys.argv[1]).astype(numpy.float32).tofile(sys.argv[2])' \
    $d/test_images.npy $out/c/images.f32
run $out/c/digits $out/c/images.f32 $out/c/logits.f32
$py -c 'import sys, numpy
numpy.save(sys.argv[2], numpy.fromfile(sys.argv[1], dtype=numpy.float32).reshape(-1, 10))' \
    $out/c/logits.f32 $out/int8-c.npy
./sqc -O2 "$model" --input-shape input=100,1,16,16 --calib=$d/calib.npy \
    --calib-table=$out/digits.calib --emit=ir -o $out/digits.o2.sqir
for k in 0 1 2; do
	./sqc run $out/digits.o2.sqir --input input=$out/b$k.npy -o $out/o2q$k.npy
done
$py -c 'import sys, numpy
d = sys.argv[1]
numpy.save(d + "/int8-o2.npy", numpy.concatenate([numpy.load("%s/o2q%d.npy" % (d, k)) for k in range(3)]))' $out
echo "   float, sqc run (-O1 and -O2) and the generated C:"
quote $py $d/accuracy.py $d/test_labels.npy $out/sqc/output_0.npy \
    $out/int8-systolic.npy $out/int8-o2.npy $out/int8-c.npy --min 0.97
quote $py -c 'import sys, numpy
a, b = numpy.load(sys.argv[1]), numpy.load(sys.argv[2])
same = a.shape == b.shape and a.tobytes() == b.tobytes()
print("generated C vs sqc run -O2: %s (%d logits)" % ("bit-identical" if same else "DIFFERENT", a.size))
sys.exit(0 if same else 1)' $out/int8-o2.npy $out/int8-c.npy
