#!/usr/bin/env python3
"""Loads an Unroll bundle's weights into PyTorch modules and checks that both give the same outputs.

    python3 Tools/bundle_to_torch.py runs/tagging                       # unroll found in .build/
    python3 Tools/bundle_to_torch.py runs/tagging --unroll path/to/unroll --tolerance 1e-4

It runs `unroll evaluate BUNDLE --save-outputs` on the bundle's own test split, builds the same
chain in PyTorch from `model.json` and `weights.safetensors` (docs/bundle-format.md gives the
mapping), runs it on the split's inputs (`test.safetensors` `x`) and compares the outputs — at
every step a mask keeps, for per-step models. Exits 0 when the largest difference is within the
tolerance, 1 when it is not, 2 when the bundle holds a layer this script does not map (graphs,
attention, pooling, merges).

Chains of Embedding (mask_zero, padding before or after the text), OneHot, SimpleRNN,
LSTM, GRU (each optionally in Bidirectional with merge_mode concat, sum, mul or ave), Dense,
Activation and Dropout are mapped. Needs numpy and torch (PyPI: `pip install torch numpy`; the
`+cpu` wheel is enough)."""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    """name -> float32 array, from the safetensors layout (8-byte header length, JSON, data)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}, not F32"
        start, end = entry["data_offsets"]
        out[name] = np.frombuffer(blob[8 + n + start : 8 + n + end], dtype=np.float32).reshape(entry["shape"])
    return out


def activation(name):
    return {
        "linear": lambda x: x,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "softmax": lambda x: torch.softmax(x, dim=-1),
    }[name]


def t(a):
    return torch.from_numpy(np.array(a, dtype=np.float32, copy=True))


class Unsupported(Exception):
    pass


def recurrent_module(kind, config, w, prefix):
    """nn.RNN / nn.LSTM / nn.GRU holding an Unroll recurrent layer's weights.

    Unroll keeps Keras's layout: kernel [features, gates·H], recurrent_kernel [H, gates·H]; PyTorch
    wants weight_ih [gates·H, features] and weight_hh [gates·H, H] (transposed). Gate order: LSTM
    i, f, c̃, o in both; GRU z, r, h̃ in Unroll, r, z, n in PyTorch (blocks swapped). Biases: one
    `bias` in Unroll's SimpleRNN and LSTM (PyTorch's bias_hh = 0); GRU's `bias` and
    `recurrent_bias` are PyTorch's bias_ih and bias_hh (both are the reset-after variant)."""
    H = config["units"]
    if config.get("go_backwards"):
        raise Unsupported(f"{prefix}: go_backwards outside Bidirectional")
    kernel, rk, bias = w[prefix + ".kernel"], w[prefix + ".recurrent_kernel"], w[prefix + ".bias"]
    features = kernel.shape[0]
    rb = w.get(prefix + ".recurrent_bias", np.zeros_like(bias))
    if kind == "GRU":
        def swap(m):  # [z r h] blocks on the last axis -> [r z n]
            return np.concatenate([m[..., H : 2 * H], m[..., :H], m[..., 2 * H :]], axis=-1)
        kernel, rk, bias, rb = swap(kernel), swap(rk), swap(bias), swap(rb)
        m = nn.GRU(features, H, batch_first=True)
    elif kind == "LSTM":
        m = nn.LSTM(features, H, batch_first=True)
    else:
        nonlinearity = config.get("activation", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise Unsupported(f"{prefix}: SimpleRNN activation {nonlinearity}")
        m = nn.RNN(features, H, batch_first=True, nonlinearity=nonlinearity)
    with torch.no_grad():
        m.weight_ih_l0.copy_(t(kernel.T))
        m.weight_hh_l0.copy_(t(rk.T))
        m.bias_ih_l0.copy_(t(bias))
        m.bias_hh_l0.copy_(t(rb))
    return m


def run_recurrent(m, x, mask, return_sequences, reverse=False):
    """Runs `m` over x [B, T, F]; steps the mask [B, T] drops leave the state alone, as Unroll's
    masked steps do, wherever they are (Unroll's text pipelines pad before the text, as Keras does,
    and the tagging pipeline after it). Each row's kept steps are moved to the front (last first
    for `reverse`, Keras's go_backwards) and packed. Returns [B, H], the state after each row's last
    kept step, or [B, T, H] with each output at the step it read."""
    B, T, _ = x.shape
    if mask is None:
        mask = torch.ones(B, T, dtype=torch.bool)
    steps = torch.arange(T)
    order = []
    for row in mask:
        kept, dropped = steps[row], steps[~row]
        order.append(torch.cat([kept.flip(0) if reverse else kept, dropped]))
    order = torch.stack(order)
    lengths = mask.sum(1)
    xs = torch.gather(x, 1, order.unsqueeze(-1).expand_as(x))
    packed = nn.utils.rnn.pack_padded_sequence(xs, lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
    out, state = m(packed)
    h = state[0] if isinstance(state, tuple) else state
    if not return_sequences:
        return h[0]
    seq, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
    back = torch.zeros_like(seq)
    back.scatter_(1, order.unsqueeze(-1).expand_as(seq), seq)
    return back


def forward(layers, w, x):
    """The chain on x; returns the output and the [B, T] mask of real steps (or None)."""
    mask = None
    h = x
    for layer in layers:
        kind, name, c = layer["type"], layer["name"], layer["config"]
        if kind == "Embedding":
            ids = h.long()
            if c.get("mask_zero"):
                mask = ids != 0
            h = nn.functional.embedding(ids, t(w[name + ".embeddings"]))
        elif kind == "OneHot":
            h = nn.functional.one_hot(h.long(), c["depth"]).float()
        elif kind in ("SimpleRNN", "LSTM", "GRU"):
            m = recurrent_module(kind, c, w, name)
            h = run_recurrent(m, h, mask, c.get("return_sequences", False))
            if not c.get("return_sequences", False):
                mask = None
        elif kind == "Bidirectional":
            inner = c["layer"]
            inner_kind = inner["type"]
            sequences = inner.get("return_sequences", False)
            f = run_recurrent(recurrent_module(inner_kind, inner, w, name + ".forward_layer"), h, mask, sequences)
            back_config = dict(inner, go_backwards=False)
            b = run_recurrent(
                recurrent_module(inner_kind, back_config, w, name + ".backward_layer"), h, mask, sequences, reverse=True
            )
            merge = c.get("merge_mode", "concat")
            h = {"concat": lambda: torch.cat([f, b], -1), "sum": lambda: f + b, "mul": lambda: f * b,
                 "ave": lambda: (f + b) / 2}[merge]()
            if not sequences:
                mask = None
        elif kind == "Dense":
            h = h @ t(w[name + ".kernel"])
            if c.get("use_bias", True):
                h = h + t(w[name + ".bias"])
            h = activation(c.get("activation", "linear"))(h)
        elif kind == "Activation":
            h = activation(c.get("activation", "linear"))(h)
        elif kind == "Dropout":
            pass
        else:
            raise Unsupported(f"layer {name} of type {kind}")
    return h, mask


def find_unroll():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for build in ("release", "debug"):
        p = os.path.join(here, ".build", build, "unroll")
        if os.access(p, os.X_OK):
            return p
    return "unroll"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle")
    ap.add_argument("--unroll", default=None, help="the unroll executable (default: .build/release or debug)")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="largest absolute difference allowed")
    args = ap.parse_args()
    model = json.load(open(os.path.join(args.bundle, "model.json")))
    if model.get("nodes"):
        print("graphs are not mapped (chains only)")
        return 2
    weights = read_safetensors(os.path.join(args.bundle, "weights.safetensors"))
    x = read_safetensors(os.path.join(args.bundle, "test.safetensors"))["x"]
    with tempfile.TemporaryDirectory() as tmp:
        outputs_path = os.path.join(tmp, "outputs.safetensors")
        subprocess.run(
            [args.unroll or find_unroll(), "evaluate", args.bundle, "--json", "--save-outputs", outputs_path],
            check=True, stdout=subprocess.DEVNULL)
        unroll_out = read_safetensors(outputs_path)["outputs"]
    torch.set_grad_enabled(False)
    try:
        ours, mask = forward(model["layers"], weights, torch.from_numpy(x.copy()))
    except Unsupported as e:
        print(f"not mapped: {e}")
        return 2
    ours = ours.numpy()
    if ours.shape != unroll_out.shape:
        print(f"shapes differ: PyTorch {ours.shape}, Unroll {unroll_out.shape}")
        return 1
    diff = np.abs(ours - unroll_out)
    if mask is not None and diff.ndim == 3:  # per-step outputs: the steps the mask keeps
        diff = diff[mask.numpy()]
    worst = float(diff.max()) if diff.size else 0.0
    print(f"{len(x)} examples, outputs {list(unroll_out.shape)}: largest difference {worst:.3g} "
          f"(tolerance {args.tolerance:g}) — {'agree' if worst <= args.tolerance else 'DIFFER'}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
