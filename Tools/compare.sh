#!/usr/bin/env bash
# Unroll against PyTorch on this machine, in one run: for each model in turn, `unroll-bench rnn-<model>`
# and then Tools/compare_torch.py on the same model, so that both sides of a ratio are timed within
# seconds of each other on a VM whose speed drifts; all that ROUNDS times (default 2). Then each
# model's ms/step side by side with the ratio (PyTorch ÷ Unroll: above 1, Unroll is faster), per
# round, as a range, as the best time of each side over the rounds divided, and against issue #27's goals
# ((a) ≥ 2×, (c2) ≥ 1.2×, batch-1 inference ≤ 0.25 ms a sequence: in how many rounds each is met).
#   TORCH_PYTHON=/path/to/venv/bin/python bash Tools/compare.sh
# MODELS picks models (default: a b c e g h i inference; (h) and (i) need CMUdict in data/ or ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${TORCH_PYTHON:-python3}
"$python" -c "import torch, numpy" 2>/dev/null || {
    echo "no torch for $python: set TORCH_PYTHON to a Python with torch and numpy (pip install torch numpy)" >&2
    exit 1
}
swift build -c release --product unroll-bench -j 2 >/dev/null
logs=$(mktemp -d)
for round in $(seq "${ROUNDS:-2}"); do
    for model in ${MODELS:-a b c e g h i inference}; do
        case $model in inference) which=inference ;; *) which=rnn-$model ;; esac
        .build/release/unroll-bench "$which" >>"$logs/unroll-$round.txt"
        "$python" Tools/compare_torch.py "$model" >>"$logs/torch-$round.txt"
    done
done
head -n 2 "$logs/unroll-1.txt"
grep -m 1 "^note:" "$logs/unroll-1.txt" || true
head -n 1 "$logs/torch-1.txt"
python3 - "$logs" "${ROUNDS:-2}" <<'PY'
import re, sys
logs, rounds = sys.argv[1], int(sys.argv[2])
def unroll(text):
    out = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        m = re.match(r"\| \((\w+)\) [^|]*\| ([\d.]+) \|", line)
        if m and section.startswith("## Recurrent training"):
            out[m.group(1)] = float(m.group(2))
        m = re.match(r"\| (1|256) \| [\d.]+ \| ([\d.]+) \|", line)
        if m and section.startswith("## Inference"):
            out[f"inference, batch {m.group(1)}"] = float(m.group(2))
    return out
def torch(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"\| \((\w+)\) [^|]*\| ([\d.]+) \|", line)
        if m:
            out[m.group(1)] = float(m.group(2))
        m = re.match(r"\| \(a\) inference, batch (\d+) \| [\d.]+ ms/batch, ([\d.]+) ms/sequence", line)
        if m:
            out[f"inference, batch {m.group(1)}"] = float(m.group(2))
    return out
runs = [(unroll(open(f"{logs}/unroll-{r}.txt").read()), torch(open(f"{logs}/torch-{r}.txt").read()))
        for r in range(1, rounds + 1)]
keys = ["a", "b", "c1", "c2", "e", "g", "h", "i", "inference, batch 1", "inference, batch 256"]
# Issue #27's goals: a ratio per round (PyTorch ÷ Unroll at least this), or Unroll's own time (at most this).
goals = {"a": ("ratio", 2.0), "c2": ("ratio", 1.2), "inference, batch 1": ("ms", 0.25)}
print("| model | Unroll ms | PyTorch ms | PyTorch ÷ Unroll, per round | range | best ÷ best | goal |")
print("|---|---|---|---|---|---|---|")
for k in keys:
    pairs = [(u[k], t[k]) for u, t in runs if k in u and k in t]
    if not pairs:
        continue
    ratios = [t / u for u, t in pairs]
    best = min(t for _, t in pairs) / min(u for u, _ in pairs)
    goal = ""
    if k in goals:
        kind, bound = goals[k]
        met = sum(r >= bound for r in ratios) if kind == "ratio" else sum(u <= bound for u, _ in pairs)
        goal = (f"≥ {bound:g}×" if kind == "ratio" else f"≤ {bound:g} ms") + f": met in {met} of {len(pairs)}"
    name = f"({k})" if len(k) <= 2 else f"(a) {k}, ms/sequence"
    print(f"| {name} | {' / '.join(f'{u:.3g}' for u, _ in pairs)} | {' / '.join(f'{t:.3g}' for _, t in pairs)} | "
          f"{' / '.join(f'{r:.2f}×' for r in ratios)} | {min(ratios):.2f}–{max(ratios):.2f}× | {best:.2f}× | {goal} |")
PY
rm -rf "$logs"
