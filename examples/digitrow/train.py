#!/usr/bin/python3
"""train.py — rebuild the digitrow example (the files next to this script are
committed; this script documents how they were made, CI never reruns it).

    /usr/bin/python3 examples/digitrow/train.py [OUTDIR]   (default: its own dir)

Task: read a "text line" of K = 4 handwritten digits.  A line is 4 of
scikit-learn's bundled 8x8 digit images (load_digits, pixels 0..16 scaled to
[0, 1]) put side by side: one image f32[1, 8, 32]; the label is the 4 digits,
i64[4].  Source images are split by scikit-learn sample index before any line
is made: a fixed permutation (numpy seed 0) gives 400 source images to the
test pool and the other 1397 to the training pool, so every test line is made
only of digits the model never saw.  Training lines are drawn afresh each
epoch from the training pool; the calibration lines (300) are drawn from the
training pool and the test lines (300) from the test pool, with their own
seeds.

Model: the shape of a small text-line recognizer (a CNN front end, a
sequence of column features, a transformer block, a per-character
classifier).  The front end is MobileNetV2's (Sandler et al., 2018) with
plain ReLU: a stem and three inverted-residual blocks (1x1 expand -> BN ->
ReLU -> 3x3 depthwise -> BN -> ReLU -> 1x1 project -> BN, no ReLU after the
projection; the first block has expansion 1, i.e. no expand conv, as in
MobileNetV2):
    Conv3x3(1->32)-BN-ReLU                                          8x32
    b1: DW3x3(32)-BN-ReLU, PW(32->24)-BN                            8x32
    b2: PW(24->144)-BN-ReLU, DW3x3(144, stride (2,1))-BN-ReLU,
        PW(144->32)-BN                                              4x32
    b3: PW(32->192)-BN-ReLU, DW3x3(192, stride 2)-BN-ReLU,
        PW(192->48)-BN                                              2x16
    Conv(2x1)(48->48): the column feature, 16 positions x 48
    + a learned position embedding
    pre-LN transformer block: LayerNorm, single-head self-attention over the
    16 column positions (Q/K/V MatMuls, Softmax, MatMul with V, output
    projection), residual Add; LayerNorm, MLP 48->96-HardSwish->48, residual
    (output projection and MLP output without bias)
    final LayerNorm, then the 4 positions of each digit (4 x 48) -> Linear -> 10
    output 'logits' f32[N, 4, 10]
Exported by Debian's python3-torch at opset 13, where the exporter writes
nn.Hardswish as HardSigmoid -> Mul (the hard-sigmoid gate) and nn.LayerNorm
as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add (LayerNormalization is
opset 17).  BatchNormalization nodes are kept (sqc's canonicalize folds them).
The attention's output projection and the MLP's second Linear have no bias
(as in many transformer implementations), so each residual Add reads a
MatMul's result directly and the seed's rules quantize it: the residual
stream is requantized to int8 after every Add.  Node and value names are
shortened to the module path ("/blk/attn/q/MatMul" -> "blk_attn_q_matmul",
"/b2/dw/dw.0/Conv" -> "b2_dw_0_conv").

Training: Adam, LR 0.05 with cosine annealing (no warm-up), L2 weight decay
0.1 (Adam's coupled weight_decay) on the conv and linear weights except the
depthwise ones (TF-slim MobileNet's recipe: depthwise weights, norms and
biases are not decayed), EPOCHS epochs of LINES fresh lines, batch 64;
torch.manual_seed(0), one thread, CPU,
torch.use_deterministic_algorithms(True).  The high learning rate and the
weight decay leave some ReLU channels dead (their expand/stem weights decay
to ~0 and their BN output is a negative constant), so the depthwise conv
that reads them gets BN running_var ~ 0 for those channels and, once BN is
folded, weights ~316x (1/sqrt(eps)) larger than its other channels: the
per-tensor int8 collapse of README.md.  DR_LR, DR_WD, DR_EXPAND, DR_EPOCHS
in the environment override the settings (for experiments only; the
committed files are made without them).

Writes:
    digitrow.onnx     input 'input' f32[N,1,8,32], output 'logits' f32[N,4,10]
    calib.npy         f32[300,1,8,32]  calibration lines (training pool)
    test_images.npy   f32[300,1,8,32]  test lines (test pool)
    test_labels.npy   i64[300,4]
and prints the float test accuracy in PyTorch (per digit and per line).
accuracy.py scores any run's logits against test_labels.npy.
"""
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
from sklearn.datasets import load_digits

K, NTESTPOOL, NCALIB, NTEST = 4, 400, 300, 300
EPOCHS, LINES, BATCH = 6, 6000, 64
C, D, T = 48, 48, 16


def env(name, default):
	"""DR_<name> from the environment, for experiments (the committed files
	are made without any)."""
	v = os.environ.get("DR_" + name)
	return default if v is None else type(default)(v)


LR, WD, EXPAND = env("LR", 5e-2), env("WD", 0.1), env("EXPAND", 6)
EPOCHS = env("EPOCHS", EPOCHS)


class InvertedResidual(nn.Module):
	"""MobileNetV2's block: 1x1 expand -> BN -> ReLU -> 3x3 depthwise -> BN
	-> ReLU -> 1x1 project -> BN (linear bottleneck), + input when the
	shapes allow."""
	def __init__(self, cin, cout, expand, stride):
		super().__init__()
		h = cin * expand
		self.expand = nn.Sequential(nn.Conv2d(cin, h, 1, bias=False),
		    nn.BatchNorm2d(h), nn.ReLU()) if expand > 1 else nn.Identity()
		self.dw = nn.Sequential(nn.Conv2d(h, h, 3, stride, 1, groups=h,
		    bias=False), nn.BatchNorm2d(h), nn.ReLU())
		self.project = nn.Sequential(nn.Conv2d(h, cout, 1, bias=False),
		    nn.BatchNorm2d(cout))
		self.residual = stride == 1 and cin == cout

	def forward(self, x):
		y = self.project(self.dw(self.expand(x)))
		return x + y if self.residual else y


class Attention(nn.Module):
	def __init__(self, d):
		super().__init__()
		self.q = nn.Linear(d, d)
		self.k = nn.Linear(d, d)
		self.v = nn.Linear(d, d)
		self.o = nn.Linear(d, d, bias=False)
		self.scale = d ** -0.5

	def forward(self, x):			# x: [N, T, d]
		q, k, v = self.q(x), self.k(x), self.v(x)
		a = torch.softmax(torch.matmul(q, k.transpose(1, 2)) * self.scale,
		    dim=-1)
		return self.o(torch.matmul(a, v))


class Block(nn.Module):
	def __init__(self, d):
		super().__init__()
		self.ln1 = nn.LayerNorm(d)
		self.attn = Attention(d)
		self.ln2 = nn.LayerNorm(d)
		self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.Hardswish(),
		    nn.Linear(2 * d, d, bias=False))

	def forward(self, x):
		x = x + self.attn(self.ln1(x))
		return x + self.mlp(self.ln2(x))


class DigitRow(nn.Module):
	def __init__(self):
		super().__init__()
		self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False),
		    nn.BatchNorm2d(32), nn.ReLU())
		self.b1 = InvertedResidual(32, 24, 1, 1)
		self.b2 = InvertedResidual(24, 32, EXPAND, (2, 1))
		self.b3 = InvertedResidual(32, C, EXPAND, 2)
		self.col = nn.Conv2d(C, D, (2, 1))
		self.pos = nn.Parameter(torch.zeros(1, T, D))
		self.blk = Block(D)
		self.ln = nn.LayerNorm(D)
		self.fc = nn.Linear(T // K * D, 10)

	def forward(self, x):			# x: [N, 1, 8, 32]
		x = self.b3(self.b2(self.b1(self.stem(x))))	# [N, C, 2, 16]
		x = self.col(x).flatten(1, 2).transpose(1, 2) + self.pos  # [N, T, D]
		x = self.ln(self.blk(x))
		return self.fc(x.reshape(-1, K, T // K * D))	# [N, K, 10]


def pools():
	d = load_digits()
	x = (d.images / 16.0).astype(np.float32)
	y = d.target.astype(np.int64)
	p = np.random.RandomState(0).permutation(len(x))
	test, train = p[:NTESTPOOL], p[NTESTPOOL:]
	return (x[train], y[train]), (x[test], y[test])


def lines(pool, n, rng):
	"""n lines of K digits drawn (with replacement) from pool."""
	x, y = pool
	idx = rng.randint(0, len(x), size=(n, K))
	img = x[idx].transpose(0, 2, 1, 3).reshape(n, 1, 8, 8 * K)
	return np.ascontiguousarray(img, dtype=np.float32), y[idx]


def shorten_names(path):
	"""Name each node and its single output after its module path
	("/blk/attn/q/MatMul" -> "blk_attn_q_matmul"); graph inputs, outputs
	and initializers keep their names."""
	m = onnx.load(path)
	g = m.graph
	keep = {v.name for v in g.input} | {v.name for v in g.output}
	new, used = {}, set()
	for n in g.node:
		parts, prev = [], None
		for p in n.name.strip("/").split("/")[:-1]:
			parts.append(p[len(prev) + 1:] if prev and
			    p.startswith(prev + ".") else p)
			prev = p
		parts.append(n.name.split("/")[-1])
		short = "_".join(parts).replace(".", "_").lower()
		base, i = short, 1
		while short in used:
			short = f"{base}_{i}"
			i += 1
		used.add(short)
		n.name = short
		assert len(n.output) == 1
		if n.output[0] not in keep:
			new[n.output[0]] = short
	for n in g.node:
		n.input[:] = [new.get(x, x) for x in n.input]
		n.output[:] = [new.get(x, x) for x in n.output]
	onnx.checker.check_model(m)
	onnx.save(m, path)


def accuracy(logits, labels):
	pred = logits.argmax(-1)
	return float(np.mean(pred == labels)), \
	    float(np.mean(np.all(pred == labels, axis=1)))


def main():
	here = os.path.dirname(os.path.abspath(__file__))
	out = sys.argv[1] if len(sys.argv) > 1 else here
	os.makedirs(out, exist_ok=True)
	torch.manual_seed(0)
	torch.set_num_threads(1)
	torch.use_deterministic_algorithms(True)
	train, test = pools()
	xcal, _ = lines(train, NCALIB, np.random.RandomState(1))
	xte, yte = lines(test, NTEST, np.random.RandomState(2))
	rng = np.random.RandomState(3)

	t0 = time.time()
	net = DigitRow()
	# L2 weight decay on the conv and linear weights except the depthwise
	# ones (TF-slim MobileNet's recipe), none on norms and biases
	decay = [p for n, p in net.named_parameters()
	    if p.ndim > 1 and ".dw.0." not in n]
	rest = [p for n, p in net.named_parameters()
	    if not (p.ndim > 1 and ".dw.0." not in n)]
	opt = torch.optim.Adam([dict(params=decay, weight_decay=WD),
	    dict(params=rest, weight_decay=0.0)], lr=LR)
	sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt,
	    EPOCHS * ((LINES + BATCH - 1) // BATCH))
	lossf = nn.CrossEntropyLoss()
	for epoch in range(EPOCHS):
		net.train()
		xtr, ytr = lines(train, LINES, rng)
		xt, yt = torch.from_numpy(xtr), torch.from_numpy(ytr)
		tot = 0.0
		for b in range(0, LINES, BATCH):
			opt.zero_grad()
			loss = lossf(net(xt[b:b + BATCH]).reshape(-1, 10),
			    yt[b:b + BATCH].reshape(-1))
			loss.backward()
			opt.step()
			sched.step()
			tot += float(loss) * len(xt[b:b + BATCH])
		net.eval()
		with torch.no_grad():
			acc = accuracy(net(torch.from_numpy(xte)).numpy(), yte)
		print(f"epoch {epoch + 1}: loss {tot / LINES:.4f}, test digit "
		    f"{acc[0]:.4f} line {acc[1]:.4f}", flush=True)
	net.eval()
	with torch.no_grad():
		logits = net(torch.from_numpy(xte)).numpy()
	dig, line = accuracy(logits, yte)
	nparam = sum(p.numel() for p in net.parameters())
	print(f"train.py: {nparam} parameters, {EPOCHS} epochs of {LINES} "
	    f"lines in {time.time() - t0:.1f} s")
	print(f"train.py: float test accuracy: digits {dig:.4f} "
	    f"({int(np.sum(logits.argmax(-1) == yte))}/{yte.size}), lines "
	    f"{line:.4f} ({int(np.sum(np.all(logits.argmax(-1) == yte, 1)))}"
	    f"/{len(yte)})")

	path = os.path.join(out, "digitrow.onnx")
	torch.onnx.export(net, torch.from_numpy(xte[:1]), path,
	    opset_version=13, input_names=["input"], output_names=["logits"],
	    dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
	    do_constant_folding=False,
	    training=torch.onnx.TrainingMode.PRESERVE)
	shorten_names(path)
	np.save(os.path.join(out, "calib.npy"), xcal)
	np.save(os.path.join(out, "test_images.npy"), xte)
	np.save(os.path.join(out, "test_labels.npy"), yte)


if __name__ == "__main__":
	main()
