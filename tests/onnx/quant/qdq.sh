#!/bin/sh
# qdq.sh MODEL DIR NAME: see qdq-models.test (DIR holds calib.npy, x.npy, x.pb)
set -eu
model=$1 d=$2 n=$3
top=$(cd "$(dirname "$0")/../../.." && pwd)
sqc=${SQC:-$top/sqc}
"$sqc" -O1 --target=ort "$model" --calib="$d/calib.npy" --calib-table="$d/$n.tab" --emit=ir -o "$d/$n.sqir"
"$sqc" -O0 --format=qdq "$d/$n.sqir" -o "$d/$n.qdq.onnx"
/usr/bin/python3 -c "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)" "$d/$n.qdq.onnx"
"$sqc" run "$d/$n.sqir" --input "input=$d/x.npy" -o "$d/$n.sqc.npy"
node "$top/tests/oracle/run.js" "$d/$n.qdq.onnx" --input "input=$d/x.pb" --out "$d/$n.ort" > /dev/null
/usr/bin/python3 - "$d/$n.sqc.npy" "$d/$n.ort/out_0.bin" <<'PY'
import sys, numpy as np
a = np.load(sys.argv[1]).ravel().astype(np.float64)
b = np.fromfile(sys.argv[2], dtype=np.float32).astype(np.float64)
e = ((a - b) ** 2).sum()
s = float('inf') if e == 0 else 10 * np.log10((a ** 2).sum() / e)
print('qdq: SQNR %.1f dB %s' % (s, 'ok' if s >= 15 else 'TOO LOW'))
PY
