#!/usr/bin/env python3
"""Times PyTorch (CPU, eager) on the models of `unroll-bench rnn`, for docs/benchmarks.md.

Not part of the build or the tests. Set up once (PyPI's default Linux wheel; it pulls CUDA
libraries it does not use here, a few GB):
    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python Tools/compare_torch.py [a b c e g h i inference]
Same shapes as Tools/Bench/RNNBench.swift and Tools/compare_keras.py: batch 32, Adam, random
data, 2 threads (`torch.set_num_threads(2)`); the time per training step (zero_grad, forward,
loss, backward, Adam) is the best of 5 rounds of 20 steps after 5 warm-up steps. Models are the
nearest PyTorch spelling of the Keras models: `nn.LSTM`/`nn.RNN` with `batch_first=True`, the
last step's output for many-to-one, a `Linear` per step for the char models, and the sigmoid or
softmax folded into the loss (`BCEWithLogitsLoss`, `CrossEntropyLoss`)."""
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(1)
rng = np.random.default_rng(1)
B = 32


def timed(fn, n=20, rounds=5):
    for _ in range(5):
        fn()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best


class Sentiment(nn.Module):
    """(a) Embedding(1001,128) → LSTM(64) → Dense(64, relu) → Dense(1) (sigmoid in the loss)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(1001, 128)
        self.lstm = nn.LSTM(128, 64, batch_first=True)
        self.hidden = nn.Linear(64, 64)
        self.out = nn.Linear(64, 1)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.out(torch.relu(self.hidden(h[-1])))


class LastStep(nn.Module):
    """(b) 20×300 → SimpleRNN(100) → Dense(3), (e) 40×50 → GRU(100) → Dense(2) (softmax in the loss)."""

    def __init__(self, cell, inputs, units, classes):
        super().__init__()
        self.rnn = cell(inputs, units, batch_first=True)
        self.out = nn.Linear(units, classes)

    def forward(self, x):
        _, h = self.rnn(x)
        return self.out(h[-1])


class EveryStep(nn.Module):
    """(c) 65 one-hot symbols → recurrent layer → Dense(65) at every step."""

    def __init__(self, cell, units):
        super().__init__()
        self.rnn = cell(65, units, batch_first=True)
        self.out = nn.Linear(units, 65)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return self.out(seq).reshape(-1, 65)


class G2P(nn.Module):
    """(g) A G2P encoder–decoder with attention (g2p-cmudict-attention.yaml's first shape, no dropout): letters → Embedding(64) →
    LSTM(192) encoder; <start> + phonemes → Embedding(64) → LSTM(192) from the encoder's final
    (h, c); Luong dot attention over the encoder's steps; [decoder, context] → Linear(72) per
    step (softmax in the loss). Input: the 20 letters and 21 decoder steps packed, as Unroll's."""

    def __init__(self, phonemes=72, source=20):
        super().__init__()
        self.source = source
        self.letters = nn.Embedding(phonemes, 64, padding_idx=0)  # one vocabulary, as Unroll's task
        self.encoder = nn.LSTM(64, 192, batch_first=True)
        self.phonemes = nn.Embedding(phonemes, 64, padding_idx=0)
        self.decoder = nn.LSTM(64, 192, batch_first=True)
        self.out = nn.Linear(384, phonemes)

    def forward(self, x):
        enc, state = self.encoder(self.letters(x[:, :self.source]))
        dec, _ = self.decoder(self.phonemes(x[:, self.source:]), state)
        weights = torch.softmax(torch.bmm(dec, enc.transpose(1, 2)), dim=-1)
        context = torch.bmm(weights, enc)
        return self.out(torch.cat([dec, context], dim=-1)).reshape(-1, self.out.out_features)


class G2PPacked(G2P):
    """(h) (g) on padded batches, as a PyTorch user writes it: the encoder reads each word's letters
    only (`pack_padded_sequence`; its final states are the last letter's), attention gives the
    padding no weight, and the loss skips padded targets (`ignore_index=0`); Unroll does the
    same with `mask_zero` and its masks."""

    def forward(self, x):
        src, tgt = x[:, :self.source], x[:, self.source:]
        packed = nn.utils.rnn.pack_padded_sequence(
            self.letters(src), (src != 0).sum(1), batch_first=True, enforce_sorted=False)
        enc, state = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(enc, batch_first=True, total_length=self.source)
        dec, _ = self.decoder(self.phonemes(tgt), state)
        scores = torch.bmm(dec, enc.transpose(1, 2)).masked_fill((src == 0).unsqueeze(1), float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), enc)
        return self.out(torch.cat([dec, context], dim=-1)).reshape(-1, self.out.out_features)


class G2PExample(nn.Module):
    """(i) Examples/g2p-cmudict-attention.yaml's model as it is, on (h)'s padded batches: letters →
    Embedding(64) → three bidirectional LSTM(192) layers over the packed letters, dropout 0.3 on
    each layer's input; the last layer's two final states, joined, start an LSTM(384) decoder over
    <start> + phonemes → Embedding(64) (dropout 0.3); masked dot attention; [decoder, context] →
    Linear(384), tanh, dropout 0.3 → Linear(72) per step (softmax in the loss, label smoothing 0.1,
    padded targets skipped). Keras's `dropout` keeps one mask over a sequence's steps; PyTorch's
    `nn.Dropout` and `nn.LSTM(dropout=…)` draw one per step: the same work to within a mask."""

    def __init__(self, phonemes=72, source=20, units=192):
        super().__init__()
        self.source = source
        self.letters = nn.Embedding(phonemes, 64, padding_idx=0)
        self.drop = nn.Dropout(0.3)
        self.encoder = nn.LSTM(64, units, num_layers=3, bidirectional=True, dropout=0.3, batch_first=True)
        self.phonemes = nn.Embedding(phonemes, 64, padding_idx=0)
        self.decoder = nn.LSTM(64, 2 * units, batch_first=True)
        self.attentional = nn.Linear(4 * units, 2 * units)
        self.out = nn.Linear(2 * units, phonemes)

    def forward(self, x):
        src, tgt = x[:, :self.source], x[:, self.source:]
        packed = nn.utils.rnn.pack_padded_sequence(
            self.drop(self.letters(src)), (src != 0).sum(1), batch_first=True, enforce_sorted=False)
        enc, (h, c) = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(enc, batch_first=True, total_length=self.source)
        state = (torch.cat([h[-2], h[-1]], dim=-1).unsqueeze(0), torch.cat([c[-2], c[-1]], dim=-1).unsqueeze(0))
        dec, _ = self.decoder(self.drop(self.phonemes(tgt)), state)
        scores = torch.bmm(dec, enc.transpose(1, 2)).masked_fill((src == 0).unsqueeze(1), float("-inf"))
        context = torch.bmm(torch.softmax(scores, dim=-1), enc)
        both = self.drop(torch.tanh(self.attentional(torch.cat([dec, context], dim=-1))))
        return self.out(both).reshape(-1, self.out.out_features)


def cmudict_batches(batch=128, count=8):
    """Tools/Bench/G2PBatches.swift's batches: word i is entry i·7919 mod n of CMUdict's first
    pronunciations of at most 20 letters and 20 phonemes, in file order; random ids at its real
    positions (letters; <start> and phonemes; phonemes and <end>), 0 after. None without the file."""
    root = Path(__file__).resolve().parent.parent
    path = next((p for p in (root / "data/cmudict.dict", root.parent / "shared/data/cmudict.dict") if p.exists()), None)
    if path is None:
        return None
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split(" ")
        fields = [f for f in fields if f]
        if len(fields) < 2 or "(" in fields[0]:
            continue
        if len(fields[0]) <= 20 and len(fields) - 1 <= 20:
            words.append((len(fields[0]), len(fields) - 1))
    out = []
    for k in range(count):
        x = np.zeros((batch, 41), dtype=np.int64)
        y = np.zeros((batch, 21), dtype=np.int64)
        letters, phonemes, targets = (rng.integers(1, n, (batch, 21)) for n in (30, 72, 72))
        for b in range(batch):
            n_letters, n_phonemes = words[((k * batch + b) * 7919) % len(words)]
            x[b, :n_letters] = letters[b, :n_letters]
            x[b, 20:21 + n_phonemes] = phonemes[b, :n_phonemes + 1]
            y[b, :n_phonemes + 1] = targets[b, :n_phonemes + 1]
        out.append((torch.from_numpy(x), torch.from_numpy(y).reshape(-1)))
    return out


def train_step(model, loss_fn, x, y):
    """One training step on (x, y); with tuples of batches, the steps cycle through them."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = list(zip(x, y)) if isinstance(x, tuple) else [(x, y)]
    count = [0]

    def step():
        xb, yb = batches[count[0] % len(batches)]
        count[0] += 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return step


xa = torch.from_numpy(rng.integers(1, 1001, (B, 100)))
ya = torch.from_numpy(rng.integers(0, 2, (B, 1)).astype("float32"))
xb = torch.from_numpy(rng.normal(size=(B, 20, 300)).astype("float32"))
yb = torch.from_numpy(rng.integers(0, 3, B))
xc = torch.from_numpy(np.eye(65, dtype="float32")[rng.integers(0, 65, (B, 64))])
yc = torch.from_numpy(rng.integers(0, 65, (B, 64)).reshape(-1))
xe = torch.from_numpy(rng.normal(size=(B, 40, 50)).astype("float32"))
ye = torch.from_numpy(rng.integers(0, 2, B))

xg = torch.from_numpy(np.concatenate([rng.integers(1, 30, (128, 20)), rng.integers(1, 72, (128, 21))], axis=1))
yg = torch.from_numpy(rng.integers(1, 72, (128, 21)).reshape(-1))

model_a = Sentiment()
cases = [
    ("(a) Embedding→LSTM(64)→Dense→Dense, T=100", train_step(model_a, nn.BCEWithLogitsLoss(), xa, ya)),
    ("(b) 20×300 → SimpleRNN(100) → Dense(3)", train_step(LastStep(nn.RNN, 300, 100, 3), nn.CrossEntropyLoss(), xb, yb)),
    ("(c1) char SimpleRNN(128)", train_step(EveryStep(nn.RNN, 128), nn.CrossEntropyLoss(), xc, yc)),
    ("(c2) char LSTM(256)", train_step(EveryStep(nn.LSTM, 256), nn.CrossEntropyLoss(), xc, yc)),
    ("(e) 40×50 → GRU(100) → Dense(2)", train_step(LastStep(nn.GRU, 50, 100, 2), nn.CrossEntropyLoss(), xe, ye)),
    ("(g) G2P: LSTM(192) encoder–decoder, dot attention, batch 128", train_step(G2P(), nn.CrossEntropyLoss(), xg, yg)),
]
batches_h = cmudict_batches()
if batches_h is not None:
    cases.append(("(h) G2P as (g), 8 batches of real CMUdict lengths, packed encoder",
                  train_step(G2PPacked(), nn.CrossEntropyLoss(ignore_index=0), *zip(*batches_h))))
    cases.append(("(i) G2P example: 3 × bidirectional LSTM(192), LSTM(384) decoder, attention, on (h)'s batches",
                  train_step(G2PExample(), nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1),
                             *zip(*batches_h))))

# ATEN_CPU_CAPABILITY=avx2, DNNL_MAX_CPU_ISA=AVX2 and MKL_ENABLE_INSTRUCTIONS=AVX2 hold PyTorch to
# AVX2, as UNROLL_KERNELS_ISA=avx2 OPENBLAS_CORETYPE=Haswell do Unroll, to emulate an AVX2-only CPU.
limits = ", ".join(f"{k}={os.environ[k]}" for k in ("DNNL_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS") if k in os.environ)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
      f"mkldnn {torch.backends.mkldnn.is_available()}, ATen {torch.backends.cpu.get_cpu_capability()}"
      + (f", {limits}" if limits else ""))
print("| model | PyTorch ms/step |")
print("|---|---|")
# Arguments pick models as `unroll-bench rnn-<letters>` does (`c`: c1 and c2) and `inference`;
# none: all of them.
only = set("".join(a for a in sys.argv[1:] if a != "inference"))
for name, step in cases:
    if not sys.argv[1:] or name[1] in only:
        print(f"| {name} | {timed(step, n=24 if name[1] in 'hi' else 20) * 1e3:.2f} |")  # (h): 3 passes
model_a.eval()
for batch in (1, 256) if not sys.argv[1:] or "inference" in sys.argv[1:] else ():
    x = torch.from_numpy(rng.integers(1, 1001, (batch, 100)))
    with torch.inference_mode():
        t = timed(lambda: torch.sigmoid(model_a(x)), n=50 if batch == 1 else 10)
    print(f"| (a) inference, batch {batch} | {t * 1e3:.3f} ms/batch, {t * 1e3 / batch:.4f} ms/sequence |")
