"""Trains the PyTorch reference's ANN teacher briefly; exports it with torch.onnx.export, and writes
the same network as a Keras HDF5 model.

Usage: pytorch_teacher.py FASHION_MNIST_DIR OUT_DIR TRAIN_IMAGES EPOCHS

The network is the reference's SmallVGG as an ANN (../shared/bench/pytorch_ref/snn_kd.py: conv-BN-ReLU
blocks of 32, 32 | 64, 64 channels, 2x2 average pooling, a 256-unit hidden layer, the Fashion-MNIST
mean and std applied inside forward). Writes OUT_DIR/teacher.onnx (eval mode, batch norm folded
into the convolutions by constant folding, the batch dimension dynamic), OUT_DIR/teacher.h5 (the
same weights in the file layout Keras 2's model.save writes for a Sequential model: channels-last
Conv2D, BatchNormalization, Activation, AveragePooling2D, Flatten, Dense, a Rescaling for the
normalization; no Keras can be installed here to write it), OUT_DIR/images.f32 (the
first 32 test images, float32 [32, 1, 28, 28]), OUT_DIR/logits.f32 (the teacher's logits on them,
[32, 10]) and prints one JSON line: train and test accuracy, the stage tensors' names.
"""
import gzip
import json
import struct
import sys

import h5py
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


def keras_h5(net, path):
    """The network in Keras 2's HDF5 layout: model_config JSON, model_weights/<layer>/<layer>/<weight>:0."""
    layers = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32",
                                                      "sparse": False, "ragged": False, "name": "image"}},
              {"class_name": "Rescaling", "config": {"name": "normalize", "trainable": True, "dtype": "float32",
                                                     "scale": 1 / FMNIST_STD, "offset": -FMNIST_MEAN / FMNIST_STD}}]
    weights = {}
    m = list(net.net)
    convs = bns = pools = denses = relus = 0
    spatial = None
    for i, layer in enumerate(m):
        if isinstance(layer, nn.Conv2d):
            convs += 1
            name = f"conv2d_{convs}"
            layers.append({"class_name": "Conv2D", "config": {
                "name": name, "trainable": True, "dtype": "float32", "filters": layer.out_channels,
                "kernel_size": list(layer.kernel_size), "strides": [1, 1], "padding": "same",
                "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "linear",
                "use_bias": False}})
            weights[name] = [("kernel:0", layer.weight.detach().numpy().transpose(2, 3, 1, 0))]
        elif isinstance(layer, nn.BatchNorm2d):
            bns += 1
            name = f"batch_normalization_{bns}"
            layers.append({"class_name": "BatchNormalization", "config": {
                "name": name, "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99,
                "epsilon": layer.eps, "center": True, "scale": True}})
            weights[name] = [("gamma:0", layer.weight.detach().numpy()), ("beta:0", layer.bias.detach().numpy()),
                             ("moving_mean:0", layer.running_mean.numpy()),
                             ("moving_variance:0", layer.running_var.numpy())]
        elif isinstance(layer, nn.ReLU):
            relus += 1
            layers.append({"class_name": "Activation", "config": {"name": f"relu_{relus}", "trainable": True,
                                                                  "dtype": "float32", "activation": "relu"}})
        elif isinstance(layer, nn.AvgPool2d):
            pools += 1
            layers.append({"class_name": "AveragePooling2D", "config": {
                "name": f"average_pooling2d_{pools}", "trainable": True, "dtype": "float32", "pool_size": [2, 2],
                "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}})
        elif isinstance(layer, nn.Flatten):
            layers.append({"class_name": "Flatten", "config": {"name": "flatten", "trainable": True,
                                                               "dtype": "float32", "data_format": "channels_last"}})
            spatial = (64, 7, 7)
        elif isinstance(layer, nn.Linear):
            denses += 1
            name = f"dense_{denses}"
            w = layer.weight.detach().numpy()
            if spatial is not None:  # PyTorch flattened (c, h, w); Keras flattens (h, w, c)
                c, h, wd = spatial
                w = w.reshape(-1, c, h, wd).transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
                spatial = None
            layers.append({"class_name": "Dense", "config": {"name": name, "trainable": True, "dtype": "float32",
                                                             "units": layer.out_features, "activation": "linear",
                                                             "use_bias": True}})
            weights[name] = [("kernel:0", w.T), ("bias:0", layer.bias.detach().numpy())]
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.11.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        names = [l["config"]["name"] for l in layers[1:]]
        g.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        g.attrs["backend"] = "tensorflow"
        g.attrs["keras_version"] = "2.11.0"
        for n in sorted(names):
            lg = g.create_group(n)
            ws = weights.get(n, [])
            lg.attrs["weight_names"] = np.array([f"{n}/{w}".encode("utf8") for w, _ in ws])
            for w, v in ws:
                lg.create_dataset(f"{n}/{w}", data=np.ascontiguousarray(v, dtype=np.float32))


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
    keras_h5(net, f"{out}/teacher.h5")
    batch.numpy().astype("<f4").tofile(f"{out}/images.f32")
    logits.numpy().astype("<f4").tofile(f"{out}/logits.f32")
    print(json.dumps({"train_accuracy": train_acc, "test_accuracy": test_acc, "torch": torch.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
