"""Trains the PyTorch reference's ANN teacher briefly and exports it with torch.onnx.export.

Usage: pytorch_teacher.py FASHION_MNIST_DIR OUT_DIR TRAIN_IMAGES EPOCHS

The network is the reference's SmallVGG as an ANN (../shared/bench/pytorch_ref/snn_kd.py: conv-BN-ReLU
blocks of 32, 32 | 64, 64 channels, 2x2 average pooling, a 256-unit hidden layer, the Fashion-MNIST
mean and std applied inside forward). Writes OUT_DIR/teacher.onnx (eval mode, batch norm folded
into the convolutions by constant folding, the batch dimension dynamic), OUT_DIR/images.f32 (the
first 32 test images, float32 [32, 1, 28, 28]), OUT_DIR/logits.f32 (the teacher's logits on them,
[32, 10]) and prints one JSON line: train and test accuracy, the stage tensors' names.
"""
import gzip
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FMNIST_MEAN = 0.2860
FMNIST_STD = 0.3530


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = [struct.unpack(">I", data[4 + 4 * i: 8 + 4 * i])[0] for i in range(magic & 0xFF)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


class Teacher(nn.Module):
    def __init__(self, c1=32, c2=64, hidden=256, classes=10):
        super().__init__()

        def conv_bn(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.net = nn.Sequential(
            *conv_bn(1, c1), *conv_bn(c1, c1), nn.AvgPool2d(2),
            *conv_bn(c1, c2), *conv_bn(c2, c2), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU(), nn.Linear(hidden, classes))

    def forward(self, x):
        return self.net((x - FMNIST_MEAN) / FMNIST_STD)


def main(data, out, train_images, epochs):
    torch.manual_seed(0)
    torch.set_num_threads(2)
    x = torch.tensor(idx(f"{data}/train-images-idx3-ubyte.gz")[:train_images], dtype=torch.float32)[:, None] / 255
    y = torch.tensor(idx(f"{data}/train-labels-idx1-ubyte.gz")[:train_images], dtype=torch.long)
    xt = torch.tensor(idx(f"{data}/t10k-images-idx3-ubyte.gz")[:1000], dtype=torch.float32)[:, None] / 255
    yt = torch.tensor(idx(f"{data}/t10k-labels-idx1-ubyte.gz")[:1000], dtype=torch.long)
    net = Teacher()
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(epochs):
        net.train()
        for i in torch.randperm(len(x)).split(64):
            opt.zero_grad()
            F.cross_entropy(net(x[i]), y[i]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        train_acc = (net(x).argmax(1) == y).float().mean().item()
        test_acc = (net(xt).argmax(1) == yt).float().mean().item()
        batch = xt[:32].contiguous()
        logits = net(batch)
    torch.onnx.export(net, batch, f"{out}/teacher.onnx", input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13,
                      do_constant_folding=True)
    batch.numpy().astype("<f4").tofile(f"{out}/images.f32")
    logits.numpy().astype("<f4").tofile(f"{out}/logits.f32")
    print(json.dumps({"train_accuracy": train_acc, "test_accuracy": test_acc, "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
