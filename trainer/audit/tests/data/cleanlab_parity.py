# Writes cleanlab_parity.tsv: seeded noisy probabilities (rounded, stored as f32), labels with
# some flipped, and the mask of cleanlab 2.9.0's find_label_issues with its defaults.
# Run with the bench's venv: ~/.cache/autodl-format/venv-audit17/bin/python cleanlab_parity.py
import os
import numpy as np
from cleanlab.filter import find_label_issues

rng = np.random.default_rng(11)
out = open(os.path.join(os.path.dirname(__file__), "cleanlab_parity.tsv"), "w")
out.write("# case\tgiven\tflagged by cleanlab 2.9.0 find_label_issues (defaults)\tprobabilities (f32)\n")


def case(name, n, k, absent=None, noise=0.1, sharp=2.0):
    true = rng.integers(0, k, n)
    if absent is not None:
        true[true == absent] = (absent + 1) % k
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), true] += sharp
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    p32 = np.round(p, 4).astype(np.float32)
    text = [[np.format_float_positional(v, unique=True, trim="-") for v in row] for row in p32]
    given = true.copy()
    flip = rng.random(n) < noise
    given[flip] = (given[flip] + rng.integers(1, k, flip.sum())) % k
    if absent is not None:
        given[given == absent] = (absent + 1) % k
    mask = find_label_issues(given, p32.astype(np.float64))
    for g, m, row in zip(given, mask, text):
        out.write(f"{name}\t{g}\t{int(m)}\t" + "\t".join(row) + "\n")


case("three", 240, 3)
case("binary", 150, 2, sharp=1.0, noise=0.15)
case("five_one_absent", 300, 5, absent=4, sharp=1.5)
case("many_classes", 200, 12, sharp=2.5, noise=0.08)
