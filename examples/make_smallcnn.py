#!/usr/bin/python3
"""make_smallcnn.py — rebuild examples/smallcnn.onnx (committed; this script
documents where it came from).

A small CNN of the kind sqc targets: Conv-BN-ReLU-MaxPool, Conv-BN-ReLU6
(Clip), a residual Add, GlobalAveragePool, Flatten, Gemm.  Random weights with
torch.manual_seed(0); BN statistics are set to non-trivial values so folding
them is visible.  Exported by Debian's python3-torch at opset 13.

    /usr/bin/python3 examples/make_smallcnn.py examples/smallcnn.onnx
"""
import sys

import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        y = torch.clamp(self.bn2(self.conv2(x)), 0.0, 6.0)
        x = x + y
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "examples/smallcnn.onnx"
    torch.manual_seed(0)
    net = SmallCNN()
    with torch.no_grad():
        for bn in (net.bn1, net.bn2):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(1, 1, 8, 8)
    torch.onnx.export(net, x, out, opset_version=13, input_names=["image"],
                      output_names=["logits"], do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE)


if __name__ == "__main__":
    main()
