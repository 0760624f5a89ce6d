"""sqnrcmp.py SEED_REPORT O2_REPORT: compares the graph-output SQNR lines
("# output NAME: SQNR X dB, ...") of two `sqc --report` outputs made on the
same calibration samples; prints one line per output, "not worse" when the
second (-O2) is at least the first (the seed's settings), else "WORSE"."""
import re
import sys


def outputs(path):
    r = {}
    for line in open(path):
        m = re.match(r"# output (\S+): SQNR (\S+) dB", line)
        if m:
            r[m.group(1)] = float(m.group(2))
    if not r:
        sys.exit("%s: no '# output' line" % path)
    return r


seed, o2 = outputs(sys.argv[1]), outputs(sys.argv[2])
for name in sorted(seed):
    a, b = seed[name], o2[name]
    print("output %s: seed %.2f dB, -O2 %.2f dB: %s"
          % (name, a, b, "not worse" if b >= a else "WORSE"))
