#!/bin/sh
# seeds.sh OUTDIR — the seed corpora of the fuzz targets (doc/fuzzing.md),
# one directory per target under OUTDIR, copied or generated from the test
# fixtures: ONNX models (examples, tests/models, the ONNX node tests that
# tests/onnx uses), every .sqir under tests/, the loader fixtures of
# tests/data/Inputs/fixtures.py (.npy, .pb, .npz, PNG, JPEG), the digits
# example's .npy files, and a calibration table computed by ./sqc (or
# build-fuzz's own objects are not needed: any sqc works; skipped if none).
set -e
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
rm -rf "$out"
for t in onnx_read text_read tensor_read npz_read image_read calibtable_read; do
	mkdir -p "$out/$t"
done

# ONNX: small models only (the seed size bounds libFuzzer's -max_len)
n=0
for f in "$top"/examples/smallcnn.onnx "$top"/examples/digits/digits.onnx \
    "$top"/tests/models/cache/conv_bn.onnx; do
	[ -f "$f" ] && cp "$f" "$out/onnx_read/$(basename "$f")"
done
for t in "$top"/tests/onnx/node_*.test; do
	name=$(basename "$t" .test)
	f=/usr/share/libonnx-testdata/data/node/test_${name#node_}/model.onnx
	[ -f "$f" ] && cp "$f" "$out/onnx_read/$name.onnx"
	n=$((n + 1))
done

# textual IR: every .sqir in the tests
find "$top/tests" -name '*.sqir' | while read -r f; do
	cp "$f" "$out/text_read/$(echo "${f#$top/tests/}" | tr / _)"
done

# tensor files and images: the loader fixtures
fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
"$py" "$top/tests/data/Inputs/fixtures.py" make "$fx/f" >/dev/null
for f in "$fx"/f/npy/*.npy "$fx"/f/pb/*.pb "$fx"/f/ds/*.npy \
    "$fx"/f/ds/*/*.pb "$fx"/f/ds/*/*/*.pb; do
	[ -f "$f" ] && cp "$f" "$out/tensor_read/$(echo "${f#$fx/f/}" | tr / _)"
done
for f in "$top"/examples/digits/*.npy; do
	cp "$f" "$out/tensor_read/digits_$(basename "$f")"
done
for f in "$fx"/f/npz/*.npz "$fx"/f/ds/*.npz; do
	cp "$f" "$out/npz_read/$(echo "${f#$fx/f/}" | tr / _)"
done
find "$fx/f/img" -type f ! -name '*.bin' ! -name '*.txt' | while read -r f; do
	cp "$f" "$out/image_read/$(echo "${f#$fx/f/img/}" | tr / _)"
done

# a calibration table of tests/ir/calibrate/Inputs/relu2x.sqir
sqc=${SQC:-$top/sqc}
if [ -x "$sqc" ]; then
	"$py" "$top/tests/ir/calibrate/Inputs/relu2x.py" "$fx/c" 20 >/dev/null
	"$sqc" --passes=calibrate --calib="$fx/c/data.npy" \
	    --calib-table="$out/calibtable_read/relu2x.calib" \
	    "$top/tests/ir/calibrate/Inputs/relu2x.sqir" >/dev/null
fi
