"""Benchmark: vectorized reference losses against nested-loop versions.

Times ``svm_loss`` and ``softmax_cross_entropy`` from ``reference_impl`` against plain Python
loops over the N examples and C classes (best of a few repeats, ``time.perf_counter``),
prints a table, and exits non-zero if the two versions disagree.

Run: ``.venv/bin/python bench/bench_reference.py [--n 10000] [--c 10] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere in the checkout

from reference_impl import softmax_cross_entropy, svm_loss  # noqa: E402


def svm_loss_loop(scores: np.ndarray, y: np.ndarray, margin: float = 1.0) -> tuple[float, np.ndarray]:
    """Mean multiclass hinge loss and dscores with nested loops over examples and classes."""
    N, C = scores.shape
    loss, dscores = 0.0, np.zeros((N, C))
    for i in range(N):
        for j in range(C):
            if j == y[i]:
                continue
            m = scores[i, j] - scores[i, y[i]] + margin
            if m > 0:
                loss += m
                dscores[i, j] += 1.0
                dscores[i, y[i]] -= 1.0
    return loss / N, dscores / N


def softmax_cross_entropy_loop(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy and dscores with nested loops (max-shifted, math.exp)."""
    N, C = scores.shape
    loss, dscores = 0.0, np.zeros((N, C))
    for i in range(N):
        top = max(scores[i, j] for j in range(C))
        total = 0.0
        for j in range(C):
            total += math.exp(scores[i, j] - top)
        for j in range(C):
            dscores[i, j] = (math.exp(scores[i, j] - top) / total - (j == y[i])) / N
        loss += math.log(total) - (scores[i, y[i]] - top)
    return loss / N, dscores


def best_time(fn: Callable[..., Any], *args: Any, repeats: int) -> tuple[float, Any]:
    """Best wall-clock time over `repeats` calls after one untimed warm-up call, and the last result."""
    result = fn(*args)  # warm-up: first-touch memory and caches are not what we measure
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="examples N (default 10000)")
    parser.add_argument("--c", type=int, default=10, help="classes C (default 10)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats, best taken (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random scores (default 0)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    scores = rng.normal(scale=2.0, size=(args.n, args.c))  # (N, C)
    y = rng.integers(0, args.c, size=args.n)  # (N,)

    cases = [
        ("svm_loss", svm_loss_loop, svm_loss),
        ("softmax_cross_entropy", softmax_cross_entropy_loop, softmax_cross_entropy),
    ]
    print(f"N = {args.n}, C = {args.c}, best of {args.repeats}")
    print(f"{'name':<24}{'loop s':>10}{'vectorized s':>15}{'speed-up':>11}  agree")
    ok = True
    for name, loop_fn, vec_fn in cases:
        t_loop, (loss_loop, d_loop) = best_time(loop_fn, scores, y, repeats=args.repeats)
        t_vec, (loss_vec, d_vec) = best_time(vec_fn, scores, y, repeats=args.repeats)
        agree = math.isclose(loss_loop, loss_vec, rel_tol=1e-10) and np.allclose(d_loop, d_vec, rtol=1e-8, atol=1e-14)
        ok &= agree
        print(f"{name:<24}{t_loop:>10.4f}{t_vec:>15.6f}{t_loop / t_vec:>10.0f}x  {'yes' if agree else 'NO'}")
    if not ok:
        print("FAIL: vectorized and loop results disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
