#!/usr/bin/env python3
"""Writes Examples/data/hello-notes.safetensors: the course notes' character RNN weights.

The notes index the alphabet as h, e, l, o and write a = σ(W_ax x + W_aa a_prev), y = W_ya a
(column vectors, no biases). Unroll's kernels are row-major [inputs, outputs] (the transposes),
and its character data sorts the alphabet (e, h, l, o), so input rows and output columns are
permuted into that order. Only the standard library is used."""
import json, struct

W_aa = [[1, 1, -1, -1], [1, 0, 0, 0], [0, -1, 1, 0], [0, 0, -1, 0.5]]
W_ax = [[0, 0, 1, -1], [1, 1, -1, 0], [-1, 0, 1, 0], [0, 0, 1, 0.5]]
W_ya = [[0, 1, 0, -1.5], [1, 0, 0, 0], [0, -0.5, 1, 0], [0, 0, -1, 1]]
notes = "helo"
ours = "ehlo"                      # sorted alphabet = Unroll's ids
def T(m): return [list(r) for r in zip(*m)]
kernel = [T(W_ax)[notes.index(s)] for s in ours]             # [input symbol (ours), hidden]
recurrent = T(W_aa)                                          # [hidden, hidden]
dense = T([W_ya[notes.index(s)] for s in ours])              # [hidden, output symbol (ours)]
tensors = {"simple_rnn_1.kernel": kernel, "simple_rnn_1.recurrent_kernel": recurrent,
           "simple_rnn_1.bias": [0.0, 0.0, 0.0, 0.0], "dense_1.kernel": dense}
header, blob, off = {}, b"", 0
for name in sorted(tensors):
    t = tensors[name]
    shape = [len(t), len(t[0])] if isinstance(t[0], list) else [len(t)]
    flat = [v for r in t for v in r] if isinstance(t[0], list) else t
    data = struct.pack("<%df" % len(flat), *flat)
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
    blob += data; off += len(data)
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * ((8 - (8 + len(h)) % 8) % 8)
open("Examples/data/hello-notes.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + blob)
