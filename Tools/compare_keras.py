#!/usr/bin/env python3
"""Times Keras 3 (JAX backend, CPU) on the models of `unroll-bench rnn`, for docs/benchmarks.md.

Not part of the build or the tests. Set up once:
    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install "jax[cpu]" keras
    KERAS_BACKEND=jax /tmp/kerasenv/bin/python Tools/compare_keras.py
Same shapes as Tools/Bench/RNNBench.swift: batch 32, Adam, random data; the time per training
step is the best of 3 rounds of 20 `train_on_batch` calls after compilation and warm-up."""
import os, time
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(1)
B = 32

def timed(fn, n=20, rounds=3):
    for _ in range(3): fn()
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(n): fn()
        best = min(best, (time.perf_counter() - t) / n)
    return best

cases = []
m = keras.Sequential([keras.Input((100,)), layers.Embedding(1001, 128), layers.LSTM(64), layers.Dense(64, activation="relu"), layers.Dense(1, activation="sigmoid")])
m.compile(optimizer="adam", loss="binary_crossentropy")
xa = rng.integers(1, 1001, (B, 100)); ya = rng.integers(0, 2, (B, 1)).astype("float32")
cases.append(("(a) Embedding→LSTM(64)→Dense→Dense, T=100", m, xa, ya))
m = keras.Sequential([keras.Input((20, 300)), layers.SimpleRNN(100), layers.Dense(3, activation="softmax")])
m.compile(optimizer="adam", loss="categorical_crossentropy")
cases.append(("(b) 20×300 → SimpleRNN(100) → Dense(3)", m, rng.normal(size=(B, 20, 300)).astype("float32"), np.eye(3)[rng.integers(0, 3, B)].astype("float32")))
for name, layer in [("(c1) char SimpleRNN(128)", layers.SimpleRNN(128, return_sequences=True)), ("(c2) char LSTM(256)", layers.LSTM(256, return_sequences=True))]:
    m = keras.Sequential([keras.Input((64, 65)), layer, layers.Dense(65)])
    m.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    cases.append((name, m, np.eye(65, dtype="float32")[rng.integers(0, 65, (B, 64))], rng.integers(0, 65, (B, 64))))
m = keras.Sequential([keras.Input((40, 50)), layers.GRU(100), layers.Dense(2, activation="softmax")])
m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
cases.append(("(e) 40×50 → GRU(100) → Dense(2)", m, rng.normal(size=(B, 40, 50)).astype("float32"), rng.integers(0, 2, B)))

print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
print("| model | Keras ms/step |")
print("|---|---|")
for name, model, x, y in cases:
    t = timed(lambda: model.train_on_batch(x, y))
    print(f"| {name} | {t * 1e3:.1f} |")
ma = cases[0][1]
for batch in (1, 256):
    xb = rng.integers(1, 1001, (batch, 100))
    t = timed(lambda: ma.predict_on_batch(xb), n=50 if batch == 1 else 10)
    print(f"| (a) inference, batch {batch} | {t * 1e3:.3f} ms/batch, {t * 1e3 / batch:.4f} ms/sequence |")
