# checkreport.py DIR: see report.test.
import csv
import json
import math
import re
import sys
import numpy

d = sys.argv[1]
ref = numpy.concatenate([numpy.load(d + '/f0.npy'), numpy.load(d + '/f1.npy')]).astype(numpy.float64)
q = numpy.concatenate([numpy.load(d + '/q0.npy'), numpy.load(d + '/q1.npy')]).astype(numpy.float64)
mine = 10 * math.log10((ref ** 2).sum() / ((ref - q) ** 2).sum())
text = open(d + '/report.txt').read()
theirs = float(re.search(r'# output logits: SQNR ([0-9.]+) dB', text).group(1))
if abs(mine - theirs) > 0.01:
    sys.exit('report says %.2f dB, NumPy %.4f dB' % (theirs, mine))
print('report output SQNR %.2f dB = NumPy %.2f dB' % (theirs, mine))
rows = list(csv.DictReader(open(d + '/r.csv')))
keys = ['tensor', 'scale', 'zero_point', 'range_lo', 'range_hi', 'clipped_pct',
        'sqnr_db', 'max_abs_err', 'layer_sqnr_db', 'layer_max_abs_err']
assert rows and list(rows[0].keys()) == keys, rows[:1]
layer = [float(r['layer_sqnr_db']) if r['layer_sqnr_db'] not in ('inf', '-') else math.inf for r in rows]
assert layer == sorted(layer), layer
assert all(float(r['scale']) > 0 for r in rows)
print('csv: %d rows, sorted' % len(rows))
js = json.load(open(d + '/r.json'))
assert [r['tensor'] for r in js] == [r['tensor'] for r in rows]
print('json: %d rows, same tensors as csv' % len(js))
