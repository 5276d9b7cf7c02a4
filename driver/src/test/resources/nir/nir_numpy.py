"""A NIR graph run step by step in NumPy, against what SpikeKD computed on the same batch.

Usage: nir_numpy.py GRAPH.nir EXPECTED.h5

GRAPH.nir is read with h5py only (no NIR package), the way nir.read reads it, so a field NIR
expects but the file lacks fails here too. EXPECTED.h5 holds, as flat float32 arrays each with a
"<name>.shape": "input" ([T, N, C, H, W]: the graph's input at each step), "logits" ([N, classes])
and for each neuron node "spikes/<node>" ([T, N, ...]). Prints one JSON line with two runs:

- "free": the graph alone from its input, as a NIR reader runs it; per neuron node the spikes that
  differ from SpikeKD's, and the largest difference between the logits (the mean of "output" over
  the steps) and SpikeKD's.
- "forced": each node fed with SpikeKD's spikes where it reads a neuron node, and each neuron reset
  by SpikeKD's spikes: what every node computes from the same inputs. Per neuron node the spikes
  that differ and, for those, how far the membrane was from the threshold ("max_margin").

Arithmetic is float32, and a neuron charges as SpikeKD's does (decay v + gain I + drive), so the
sums differ from SpikeKD's only in the order a convolution adds its products: a spike can flip where
the membrane lies within rounding of the threshold, and in the free run the flip travels on.
"""
import json
import sys
from collections import defaultdict

import h5py
import numpy as np

NEEDS = {  # the fields nir.read takes for each primitive
    "Input": ["shape"], "Output": ["shape"],
    "Conv2d": ["weight", "stride", "padding", "dilation", "groups", "bias"],
    "Affine": ["weight", "bias"], "Flatten": ["start_dim", "end_dim"], "Scale": ["scale"],
    "AvgPool2d": ["kernel_size", "stride", "padding"],
    "LIF": ["tau", "r", "v_leak", "v_threshold"], "IF": ["r", "v_threshold"],
}


def text(v):
    return v.decode("utf8") if isinstance(v, (bytes, np.bytes_)) else str(v)


def read_graph(path):
    with h5py.File(path, "r") as f:
        text(f["version"][()])
        g = f["node"]
        assert text(g["type"][()]) == "NIRGraph", g["type"][()]
        nodes = {}
        for name, group in g["nodes"].items():
            node = {"type": text(group["type"][()]), "metadata": {}}
            for key, item in group.items():
                if key == "metadata":
                    node["metadata"] = {k: text(v[()]) for k, v in item.items()}
                elif key != "type":
                    node[key] = item[()]
            missing = [k for k in NEEDS[node["type"]] if k not in node]
            assert not missing, f"node {name} ({node['type']}) lacks {missing}"
            nodes[name] = node
        edges = [(text(a), text(b)) for a, b in g["edges"][()]]
        meta = {k: v[()] for k, v in g["metadata"].items()} if "metadata" in g else {}
    return nodes, edges, meta


def order(nodes, edges):
    into = defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for a, b in edges:
        into[b].append(a)
        indegree[b] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    out = []
    while ready:
        n = ready.pop()
        out.append(n)
        for a, b in edges:
            if a == n:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    assert len(out) == len(nodes), "the graph has a cycle"
    return out, into


def conv2d(x, n):
    w = n["weight"].astype(np.float32)
    (sh, sw), (ph, pw), (dh, dw), groups = n["stride"], n["padding"], n["dilation"], int(n["groups"])
    batch, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((batch, o, ho, wo), np.float32)
    og = o // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh, j * dw: j * dw + sw * (wo - 1) + 1: sw]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j])
    return out + n["bias"].astype(np.float32)[None, :, None, None]


def avg_pool(x, n):
    (kh, kw), (sh, sw), (ph, pw) = n["kernel_size"], n["stride"], n["padding"]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (x.shape[2] + 2 * ph - kh) // sh + 1
    wo = (x.shape[3] + 2 * pw - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (ho, wo), np.float32)
    for i in range(kh):
        for j in range(kw):
            out += xp[:, :, i: i + sh * (ho - 1) + 1: sh, j: j + sw * (wo - 1) + 1: sw]
    return out / np.float32(kh * kw)


class Neurons:
    """LIF or IF, one Euler step of dt = 1 per time step; reset to v_reset, or by subtraction."""

    def __init__(self, n):
        f32 = np.float32
        self.threshold = n["v_threshold"].astype(f32)
        self.v_reset = n.get("v_reset", np.zeros_like(self.threshold)).astype(f32)
        if n["type"] == "LIF":
            tau = n["tau"].astype(f32)
            self.decay, self.gain, self.drive = f32(1) - f32(1) / tau, n["r"].astype(f32) / tau, n["v_leak"].astype(f32) / tau
        else:
            self.decay, self.gain, self.drive = f32(1), n["r"].astype(f32), f32(0)
        self.subtract = n["metadata"].get("reset") == "subtract"
        self.v = None

    def step(self, x, reference=None):
        """Spikes of one step; with reference spikes, the reset follows those (the forced run)."""
        if self.v is None:
            self.v = np.broadcast_to(self.v_reset, x.shape).astype(np.float32)
        h = self.decay * self.v + self.gain * x + self.drive
        s = (h >= self.threshold).astype(np.float32)
        r = s if reference is None else reference.reshape(s.shape)
        self.v = h - self.threshold * r if self.subtract else np.where(r > 0, self.v_reset, h).astype(np.float32)
        self.h = h
        return s


def run(nodes, names, into, inputs, spikes, forced):
    neurons = {k: Neurons(n) for k, n in nodes.items() if n["type"] in ("LIF", "IF")}
    outputs, fired = [], defaultdict(list)
    margins = defaultdict(float)
    for t in range(inputs.shape[0]):
        value = {}
        for k in names:
            n = nodes[k]
            x = inputs[t] if n["type"] == "Input" else sum(value[a] for a in into[k])
            kind = n["type"]
            if kind in ("Input", "Output"):
                y = x
            elif kind == "Conv2d":
                y = conv2d(x, n)
            elif kind == "AvgPool2d":
                y = avg_pool(x, n)
            elif kind == "Flatten":
                y = x.reshape(x.shape[0], -1)
            elif kind == "Affine":
                y = x @ n["weight"].astype(np.float32).T + n["bias"].astype(np.float32)
            elif kind == "Scale":
                y = x * n["scale"].astype(np.float32)
            else:
                reference = spikes[k][t].reshape(x.shape)
                y = neurons[k].step(x, reference if forced else None)
                fired[k].append(y)
                differ = y != reference
                if forced and differ.any():
                    margins[k] = max(margins[k], float(np.max(np.abs(neurons[k].h - neurons[k].threshold)[differ])))
                if forced:
                    y = reference.astype(np.float32)
            value[k] = y
        outputs.append(value["output"])
    layers = {}
    for k in neurons:
        mine = np.stack(fired[k])
        layers[k] = {"differ": int(np.sum(mine != spikes[k].reshape(mine.shape))), "of": int(mine.size),
                     "fired": int(np.sum(mine))}
        if forced:
            layers[k]["max_margin"] = margins[k]
    return layers, np.mean(np.stack(outputs), axis=0)


def main(graph_path, expected_path):
    nodes, edges, meta = read_graph(graph_path)
    names, into = order(nodes, edges)
    with h5py.File(expected_path, "r") as f:
        def array(name):
            return f[name][()].reshape(f[name + ".shape"][()])
        inputs = array("input").astype(np.float32)
        logits = array("logits")
        spikes = {k[:-len(".shape")]: array("spikes/" + k[:-len(".shape")]) for k in f["spikes"] if k.endswith(".shape")}
    assert int(meta["time_steps"]) == inputs.shape[0], (meta, inputs.shape)
    report = {"nodes": len(nodes), "edges": len(edges), "examples": int(logits.shape[0]),
              "missing_spikes": sorted(set(spikes) - {k for k, n in nodes.items() if n["type"] in ("LIF", "IF")})}
    for mode in ("free", "forced"):
        layers, mean = run(nodes, names, into, inputs, spikes, mode == "forced")
        report[mode] = {"neuron_layers": layers, "max_abs_logit_diff": float(np.max(np.abs(mean - logits))),
                        "same_class": int(np.sum(np.argmax(mean, 1) == np.argmax(logits, 1)))}
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
