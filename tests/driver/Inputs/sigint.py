# sigint.py SQC MODEL DIR: see sigint.test.
import os
import signal
import subprocess
import sys
import time

sqc, model, d = sys.argv[1:4]


def attempt(sig, existing):
    out = os.path.join(d, 'out.onnx')
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    if existing:
        with open(out, 'wb') as f:
            f.write(b'previous contents')
    before = set(os.listdir(d))
    for _ in range(50):
        p = subprocess.Popen([sqc, '-O0', '--emit=onnx', model, '-o', out])
        seen = False
        while p.poll() is None:
            if set(os.listdir(d)) - before - {'out.onnx'}:
                p.send_signal(sig)
                seen = True
                break
            time.sleep(0.0005)
        rc = p.wait()
        if seen and rc == -sig:
            break
        if existing:
            with open(out, 'wb') as f:
                f.write(b'previous contents')
        elif os.path.exists(out):
            os.unlink(out)
    else:
        sys.exit('never caught sqc mid-write')
    left = set(os.listdir(d)) - before
    if left:
        sys.exit('left behind: %s' % sorted(left))
    state = 'no target'
    if existing:
        with open(out, 'rb') as f:
            assert f.read() == b'previous contents', 'target changed'
        state = 'target unchanged'
    elif os.path.exists(out):
        sys.exit('target appeared')
    print('%s %s: killed by signal %d mid-write, no temporary, %s' % (
        signal.Signals(sig).name[3:], 'existing' if existing else 'fresh', sig, state))


attempt(signal.SIGINT, False)
attempt(signal.SIGTERM, False)
attempt(signal.SIGINT, True)
