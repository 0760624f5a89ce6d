#!/usr/bin/python3
"""train.py — rebuild the digits example (the files next to this script are
committed; this script documents how they were made, CI never reruns it).

    /usr/bin/python3 examples/digits/train.py [OUTDIR]   (default: its own dir)

Data: scikit-learn's bundled handwritten digits (load_digits: 1797 grayscale
8x8 images, pixel values 0..16), scaled to [0, 1] and upsampled to 16x16 by
bilinear interpolation (torch's interpolate, align_corners=False), so the
convolutions have room for a pooling step and a second stage.  A fixed
permutation (numpy seed 0) holds out 300 test images; the other 1497 are the
training split, and its first 200 (in permuted order) are also the
calibration images.

Model: a small CNN of the kind sqc targets, about 7.6k parameters, with one of
each construct the quantizer has to handle —
    Conv3x3(1->16)-BN-ReLU, MaxPool2                       16x16 -> 8x8
    Conv3x3(16->16)-BN-Clip(0,6) (ReLU6), residual Add     8x8
    Conv3x3(16->32, stride 2)-BN-ReLU                      8x8 -> 4x4
    GlobalAveragePool, Flatten, Gemm(32->10)
Trained with Adam for 40 epochs (torch.manual_seed(0), one thread, CPU,
torch.use_deterministic_algorithms; a few seconds) and exported by Debian's
python3-torch at opset 13 with the BatchNormalization nodes kept
(TrainingMode.PRESERVE, no constant folding), so that sqc's canonicalize has
BNs to fold.  The exporter's value and node names
("/bn1/BatchNormalization_output_0") are then shortened to the module or op
name ("bn1", "relu"), which reads better in sqc's IR.

Writes:
    digits.onnx       input 'input' f32[N,1,16,16], output 'logits' f32[N,10]
    calib.npy         f32[200,1,16,16]  calibration images (sqc --calib)
    test_images.npy   f32[300,1,16,16]
    test_labels.npy   i64[300]
and prints the float test accuracy in PyTorch (0.9933, 298/300, for the
committed files; the script reproduces them bit for bit).
examples/digits/accuracy.py scores any run's logits against test_labels.npy.
"""
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits

NCALIB, NTEST, EPOCHS, BATCH, SIZE = 200, 300, 40, 32, 16


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(32)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = x + torch.clamp(self.bn2(self.conv2(x)), 0.0, 6.0)
        x = torch.relu(self.bn3(self.conv3(x)))
        return self.fc(torch.flatten(self.gap(x), 1))


def split():
    d = load_digits()
    x = torch.from_numpy((d.images / 16.0).astype(np.float32))
    x = F.interpolate(x.reshape(-1, 1, 8, 8), size=(SIZE, SIZE),
                      mode="bilinear", align_corners=False)
    x = x.numpy().astype(np.float32)
    y = d.target.astype(np.int64)
    p = np.random.RandomState(0).permutation(len(x))
    test, train = p[:NTEST], p[NTEST:]
    calib = train[:NCALIB]
    return (x[train], y[train]), x[calib], (x[test], y[test])


def shorten_names(path):
    """Name each node and its single output after its module ("/conv1/Conv"
    -> "conv1") or, outside a module, its op ("/Constant_1" -> "constant_1");
    graph inputs, outputs and initializers keep their names."""
    m = onnx.load(path)
    g = m.graph
    keep = {v.name for v in g.input} | {v.name for v in g.output}
    new = {}
    for n in g.node:
        parts = n.name.strip("/").split("/")
        short = "_".join(parts[:-1]) if len(parts) > 1 else parts[0].lower()
        n.name = short
        assert len(n.output) == 1 and short not in new.values()
        if n.output[0] not in keep:
            new[n.output[0]] = short
    for n in g.node:
        n.input[:] = [new.get(x, x) for x in n.input]
        n.output[:] = [new.get(x, x) for x in n.output]
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else here
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    (xtr, ytr), xcal, (xte, yte) = split()

    t0 = time.time()
    net = DigitsCNN()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    lossf = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for epoch in range(EPOCHS):
        net.train()
        for idx in torch.randperm(len(xt)).split(BATCH):
            opt.zero_grad()
            loss = lossf(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        pred = net(torch.from_numpy(xte)).argmax(1).numpy()
    acc = float(np.mean(pred == yte))
    nparam = sum(p.numel() for p in net.parameters())
    print(f"train.py: {nparam} parameters, {len(xtr)} training images, "
          f"{EPOCHS} epochs in {time.time() - t0:.1f} s")
    print(f"train.py: float test accuracy {acc:.4f} "
          f"({int(np.sum(pred == yte))}/{len(yte)})")

    torch.onnx.export(net, torch.from_numpy(xte[:1]),
                      os.path.join(out, "digits.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)
    shorten_names(os.path.join(out, "digits.onnx"))
    np.save(os.path.join(out, "calib.npy"), xcal)
    np.save(os.path.join(out, "test_images.npy"), xte)
    np.save(os.path.join(out, "test_labels.npy"), yte)


if __name__ == "__main__":
    main()
