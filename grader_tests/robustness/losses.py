"""Assignment 02 as students write it: right answers in many forms, realistic wrong ones.

Each entry is a whole solution cell (numpy only; a cell that needs an earlier function defines its own
copy, as a notebook whose earlier cells ran would have it). Expected outcomes come from the question's text.
"""
from __future__ import annotations

from . import SOME, right, wrong

_LOG_P = ("    m = scores.max(axis=1, keepdims=True)\n"
          "    log_p = scores - m - np.log(np.exp(scores - m).sum(axis=1, keepdims=True))\n")

RIGHT = [
    # ---- svm_loss_naive: L_i = sum over j != y_i of max(0, s_ij - s_iy + margin), with loops, shape (N,)
    right("svm_loss_naive", "list_accumulate", "def svm_loss_naive(scores, y, margin=1.0):\n    losses = []\n"
          "    for i in range(len(y)):\n        L = 0.0\n        for j in range(scores.shape[1]):\n"
          "            if j != y[i]:\n                L += max(0, scores[i][j] - scores[i][y[i]] + margin)\n"
          "        losses.append(L)\n    return np.array(losses)\n"),
    right("svm_loss_naive", "comprehension_list", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    return [sum(max(0.0, s[j] - s[t] + margin) for j in range(len(s)) if j != t) for s, t in zip(scores, y)]\n"),
    right("svm_loss_naive", "subtract_margin_after", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n"
          "    losses = np.zeros(N)\n    for i in range(N):\n        for j in range(C):\n"
          "            losses[i] += max(0, scores[i, j] - scores[i, y[i]] + margin)\n"
          "        losses[i] -= margin  # the j = y_i term added exactly margin\n    return losses\n"),
    right("svm_loss_naive", "enumerate_continue_print", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    losses = np.zeros(scores.shape[0])\n    for i, row in enumerate(scores):\n        correct = row[y[i]]\n"
          "        for j, s in enumerate(row):\n            if j == y[i]:\n                continue\n"
          "            losses[i] += np.maximum(0, s - correct + margin)\n        print(i, losses[i])\n"
          "    return losses\n"),
    right("svm_loss_naive", "float32_accumulator", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n"
          "    losses = np.zeros(N, dtype=np.float32)\n    for i in range(N):\n        for j in range(C):\n"
          "            if j != y[i]:\n                losses[i] += max(0, scores[i, j] - scores[i, y[i]] + margin)\n"
          "    return losses\n"),
    right("svm_loss_naive", "tuple_result", "def svm_loss_naive(scores, y, margin=1.0):\n    out = ()\n"
          "    for i in range(scores.shape[0]):\n        total = 0\n        for j in range(scores.shape[1]):\n"
          "            d = scores[i, j] - scores[i, y[i]] + margin\n            if j != y[i] and d > 0:\n"
          "                total += d\n        out += (total,)\n    return out\n"),
    # ---- svm_loss_vectorized: the mean of the L_i, one number, no loops
    right("svm_loss_vectorized", "mask_multiply", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n    correct = scores[np.arange(N), y]\n"
          "    mask = np.arange(C)[None, :] != y[:, None]\n"
          "    return np.mean(np.sum(np.maximum(0, scores - correct[:, None] + margin) * mask, axis=1))\n"),
    right("svm_loss_vectorized", "eye_mask", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n"
          "    margins = np.maximum(0.0, scores - scores[range(N), y].reshape(-1, 1) + margin)\n"
          "    margins[np.eye(C, dtype=bool)[y]] = 0\n    return margins.sum() / N\n"),
    right("svm_loss_vectorized", "subtract_n_margins", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N = len(y)\n    correct = np.take_along_axis(scores, y[:, None], axis=1)\n"
          "    return float((np.maximum(0, scores - correct + margin).sum() - N * margin) / N)\n"),
    right("svm_loss_vectorized", "where_item", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n"
          "    correct = scores[np.arange(N), y][:, np.newaxis]\n"
          "    m = np.where(np.arange(C) == y[:, None], 0.0, np.maximum(0, scores - correct + margin))\n"
          "    return m.sum(axis=1).mean().item()\n"),
    right("svm_loss_vectorized", "float32", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    scores = scores.astype(np.float32)\n    N = scores.shape[0]\n"
          "    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + np.float32(margin))\n"
          "    margins[np.arange(N), y] = 0\n    return np.mean(margins.sum(axis=1))\n"),
    # ---- softmax: row-wise, each row sums to 1, finite for scores of size 1e4
    right("softmax", "newaxis", "def softmax(scores):\n    e = np.exp(scores - np.max(scores, axis=1)[:, np.newaxis])\n"
          "    return e / np.sum(e, axis=1)[:, np.newaxis]\n"),
    right("softmax", "row_loop", "def softmax(scores):\n    out = np.zeros_like(scores)\n"
          "    for i in range(scores.shape[0]):\n"
          "        row = np.exp(scores[i] - scores[i].max())\n        out[i] = row / row.sum()\n    return out\n"),
    right("softmax", "log_sum_exp", "def softmax(scores):\n    m = scores.max(axis=-1, keepdims=True)\n"
          "    lse = m + np.log(np.exp(scores - m).sum(axis=-1, keepdims=True))\n    return np.exp(scores - lse)\n"),
    right("softmax", "float32", "def softmax(scores):\n    s = np.asarray(scores, dtype=np.float32)\n"
          "    e = np.exp(s - s.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"),
    right("softmax", "nested_lists", "def softmax(scores):\n    shifted = scores - scores.max(axis=1, keepdims=True)\n"
          "    return (np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)).tolist()\n"),
    right("softmax", "in_place_on_the_input", "def softmax(scores):\n    scores -= scores.max(axis=1, keepdims=True)\n"
          "    np.exp(scores, out=scores)\n    scores /= scores.sum(axis=1, keepdims=True)\n    return scores\n"),
    # ---- cross_entropy_per_example: -ln P_iy, shape (N,), finite for scores of size 1e4
    right("cross_entropy_per_example", "math_loop", "def cross_entropy_per_example(scores, y):\n    losses = []\n"
          "    for row, t in zip(scores, y):\n        m = max(row)\n"
          "        lse = m + math.log(sum(math.exp(v - m) for v in row))\n        losses.append(lse - row[t])\n"
          "    return np.array(losses)\n"),
    right("cross_entropy_per_example", "one_hot", "def cross_entropy_per_example(scores, y):\n"
          "    N, C = scores.shape\n" + _LOG_P + "    Y = np.eye(C)[y]\n    return -(Y * log_p).sum(axis=1)\n"),
    right("cross_entropy_per_example", "take_along_axis", "def cross_entropy_per_example(scores, y):\n"
          + _LOG_P + "    return -np.take_along_axis(log_p, y[:, None], axis=1)[:, 0]\n"),
    right("cross_entropy_per_example", "lse_minus_correct", "def cross_entropy_per_example(scores, y):\n"
          "    N = len(y)\n    m = np.max(scores, axis=1)\n"
          "    return np.log(np.sum(np.exp(scores - m[:, None]), axis=1)) - (scores[np.arange(N), y] - m)\n"),
    right("cross_entropy_per_example", "float32", "def cross_entropy_per_example(scores, y):\n"
          "    scores = scores.astype(np.float32)\n    N = scores.shape[0]\n" + _LOG_P
          + "    return -log_p[np.arange(N), y]\n"),
    right("cross_entropy_per_example", "list_result", "def cross_entropy_per_example(scores, y):\n" + _LOG_P
          + "    return [-log_p[i, y[i]] for i in range(len(y))]\n"),
    # ---- cross_entropy_loss: the mean of the L_i, one number
    right("cross_entropy_loss", "own_per_example", "def cross_entropy_per_example(scores, y):\n" + _LOG_P
          + "    return -log_p[np.arange(len(y)), y]\n\n\ndef cross_entropy_loss(scores, y):\n"
          "    return cross_entropy_per_example(scores, y).mean()\n"),
    right("cross_entropy_loss", "unshifted_softmax", "def cross_entropy_loss(scores, y):\n    N = scores.shape[0]\n"
          "    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)\n"
          "    return -np.mean(np.log(p[np.arange(N), y]))\n"),
    right("cross_entropy_loss", "math_loop", "def cross_entropy_loss(scores, y):\n    total = 0.0\n"
          "    for row, t in zip(scores, y):\n        total += math.log(sum(math.exp(v) for v in row)) - row[t]\n"
          "    return total / len(y)\n"),
    right("cross_entropy_loss", "float32", "def cross_entropy_loss(scores, y):\n    s = scores.astype(np.float32)\n"
          "    s = s - s.max(axis=1, keepdims=True)\n    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
          "    return -log_p[np.arange(len(y)), y].mean()\n"),
    # ---- loss_ranges: numbers, np.inf for no upper bound
    right("loss_ranges", "python_inf", 'svm_min, svm_max = 0, float("inf")\nce_min, ce_max = 0.0, math.inf\n'),
    right("loss_ranges", "numpy_scalars", "svm_min = np.float64(0)\nsvm_max = np.inf\nce_min = np.float64(0.0)\n"
          "ce_max = np.inf\n"),
    right("loss_ranges", "float32", "svm_min, svm_max = np.float32(0), np.float32(np.inf)\n"
          "ce_min, ce_max = np.float32(0), np.float32(np.inf)\n"),
    right("loss_ranges", "computed", "svm_min = max(0, -5.0)\nsvm_max = np.inf\nce_min = -np.log(1.0)  # P = 1\n"
          "ce_max = -np.log(0.0)  # P -> 0\n"),
    right("loss_ranges", "zero_d_arrays", "svm_min, svm_max = np.array(0.0), np.array(np.inf)\n"
          "ce_min, ce_max = np.array(0), np.array(float('Infinity'))\n"),
    right("loss_ranges", "sympy_infinity", "import sympy\nsvm_min, svm_max = 0, sympy.oo\n"
          "ce_min, ce_max = sympy.Integer(0), sympy.oo\n"),
    # ---- mouse_change: the letters a, b or c
    right("mouse_change", "lower", 'svm_mouse = "a"\nce_mouse = "b"\n'),
    right("mouse_change", "upper", "svm_mouse = 'A'\nce_mouse = 'B'\n"),
    right("mouse_change", "parenthesised", 'svm_mouse = "(a)"\nce_mouse = "(b)"\n'),
    right("mouse_change", "spaces_and_paren", 'svm_mouse = " a) "\nce_mouse = "b "\n'),
    # ---- l1_penalty: sum of |theta_k|, arrays of any shape, one number
    right("l1_penalty", "abs_method", "def l1_penalty(W):\n    return np.abs(W).sum()\n"),
    right("l1_penalty", "flat_loop", "def l1_penalty(W):\n    total = 0.0\n    for w in np.ravel(W):\n"
          "        total += abs(w)\n    return total\n"),
    right("l1_penalty", "norm_of_flattened", "def l1_penalty(W):\n    return np.linalg.norm(W.ravel(), ord=1)\n"),
    right("l1_penalty", "sqrt_of_square", "def l1_penalty(W):\n    return float(np.sum(np.sqrt(W ** 2)))\n"),
    right("l1_penalty", "float32", "def l1_penalty(W):\n    return np.sum(np.abs(W.astype(np.float32)))\n"),
    # ---- l2_penalty: the squared norm, no 1/2
    right("l2_penalty", "square", "def l2_penalty(W):\n    return np.sum(np.square(W))\n"),
    right("l2_penalty", "norm_squared", "def l2_penalty(W):\n    return np.linalg.norm(W) ** 2\n"),
    right("l2_penalty", "vdot", "def l2_penalty(W):\n    return np.vdot(W, W)\n"),
    right("l2_penalty", "flat_dot", "def l2_penalty(W):\n    w = W.reshape(-1)\n    return w @ w\n"),
    right("l2_penalty", "loop_nditer", "def l2_penalty(W):\n    s = 0\n    for w in np.nditer(W):\n        s += w * w\n"
          "    return s\n"),
    # ---- regularized_loss: (J, dW) with the cross-entropy of X @ W, L2 penalty reg * sum W^2
    right("regularized_loss", "one_hot", "def regularized_loss(W, X, y, reg):\n    N = X.shape[0]\n    S = X.dot(W)\n"
          "    S -= np.max(S, axis=1, keepdims=True)\n    P = np.exp(S) / np.sum(np.exp(S), axis=1, keepdims=True)\n"
          "    Y = np.zeros_like(P)\n    Y[np.arange(N), y] = 1\n"
          "    J = -np.sum(Y * np.log(P)) / N + reg * np.sum(W ** 2)\n"
          "    dW = X.T.dot(P - Y) / N + 2 * reg * W\n    return J, dW\n"),
    right("regularized_loss", "example_loop", "def regularized_loss(W, X, y, reg):\n    N = X.shape[0]\n"
          "    J = 0.0\n    dW = np.zeros_like(W)\n    for i in range(N):\n        s = X[i] @ W\n"
          "        s = s - s.max()\n        p = np.exp(s) / np.exp(s).sum()\n        J -= np.log(p[y[i]]) / N\n"
          "        p[y[i]] -= 1\n        dW += np.outer(X[i], p) / N\n"
          "    return J + reg * np.sum(W * W), dW + 2 * reg * W\n"),
    right("regularized_loss", "list_and_helpers", "def softmax(scores):\n"
          "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"
          "\n\n"
          "def l2_penalty(W):\n    return np.linalg.norm(W) ** 2\n\n\ndef regularized_loss(W, X, y, reg):\n"
          "    N = len(y)\n    P = softmax(X @ W)\n    J = -np.log(P[range(N), y]).mean() + reg * l2_penalty(W)\n"
          "    P[range(N), y] -= 1\n    return [J, X.T @ P / N + reg * 2 * W]\n"),
    right("regularized_loss", "float32", "def regularized_loss(W, X, y, reg):\n"
          "    W32, X32 = W.astype(np.float32), X.astype(np.float32)\n    N = X.shape[0]\n    S = X32 @ W32\n"
          "    S = S - S.max(axis=1, keepdims=True)\n    log_p = S - np.log(np.exp(S).sum(axis=1, keepdims=True))\n"
          "    J = -log_p[np.arange(N), y].mean() + np.float32(reg) * np.sum(W32 ** 2)\n    dS = np.exp(log_p)\n"
          "    dS[np.arange(N), y] -= 1\n    return J, X32.T @ dS / N + np.float32(2 * reg) * W32\n"),
]

_SOFTMAX_P = ("    N = X.shape[0]\n    S = X @ W\n    S = S - S.max(axis=1, keepdims=True)\n"
              "    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)\n    Y = np.eye(W.shape[1])[y]\n"
              "    data = -np.mean(np.log(P[np.arange(N), y]))\n")


def _reg(body: str) -> str:
    return "def regularized_loss(W, X, y, reg):\n" + _SOFTMAX_P + body


WRONG = [
    # ---- svm_loss_naive
    wrong("svm_loss_naive", "true_class_not_skipped", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    return np.array([sum(max(0.0, s[j] - s[t] + margin) for j in range(len(s))) for s, t in zip(scores, y)])\n",
          mistake="svm.keep_yi"),
    wrong("svm_loss_naive", "no_max", "def svm_loss_naive(scores, y, margin=1.0):\n    losses = np.zeros(len(y))\n"
          "    for i in range(len(y)):\n        for j in range(scores.shape[1]):\n            if j == y[i]:\n"
          "                continue\n            losses[i] += scores[i, j] + margin - scores[i, y[i]]\n"
          "    return losses\n",
          mistake="svm.no_clamp"),
    wrong("svm_loss_naive", "difference_reversed", "def svm_loss_naive(scores, y, margin=1.0):\n    losses = []\n"
          "    for i, row in enumerate(scores):\n        L = 0\n        for j in range(len(row)):\n"
          "            if j != y[i]:\n                L += max(0, row[y[i]] - row[j] + margin)\n"
          "        losses.append(L)\n    return np.array(losses)\n", mistake="svm.sign"),
    wrong("svm_loss_naive", "delta_hard_coded", "def svm_loss_naive(scores, y, margin=1.0):\n    delta = 1\n"
          "    N, C = scores.shape\n    losses = np.zeros(N)\n    for i in range(N):\n        for j in range(C):\n"
          "            if j != y[i]:\n                losses[i] += max(0, scores[i, j] - scores[i, y[i]] + delta)\n"
          "    return losses\n", mistake="svm.margin_ignored"),
    wrong("svm_loss_naive", "default_margin_zero", "def svm_loss_naive(scores, y, margin=0.0):\n"
          "    N, C = scores.shape\n"
          "    losses = np.zeros(N)\n    for i in range(N):\n        for j in range(C):\n            if j != y[i]:\n"
          "                losses[i] += max(0, scores[i, j] - scores[i, y[i]] + margin)\n    return losses\n",
          fails=("values",)),
    wrong("svm_loss_naive", "integer_accumulator", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    losses = np.zeros_like(y)\n    for i in range(scores.shape[0]):\n"
          "        for j in range(scores.shape[1]):\n"
          "            if j != y[i]:\n                losses[i] += max(0, scores[i, j] - scores[i, y[i]] + margin)\n"
          "    return losses\n", fails=("values", "margin")),
    wrong("svm_loss_naive", "mean_returned", "def svm_loss_naive(scores, y, margin=1.0):\n    total = 0.0\n"
          "    for i in range(len(y)):\n        for j in range(scores.shape[1]):\n            if j != y[i]:\n"
          "                total += max(0, scores[i, j] - scores[i, y[i]] + margin)\n    return total / len(y)\n",
          fails=("shape", "values", "margin")),
    wrong("svm_loss_naive", "margin_outside_max", "def svm_loss_naive(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n"
          "    losses = np.zeros(N)\n    for i in range(N):\n        for j in range(C):\n            if j != y[i]:\n"
          "                losses[i] += max(0, scores[i, j] - scores[i, y[i]]) + margin\n    return losses\n",
          fails=("values", "margin")),
    # ---- svm_loss_vectorized
    wrong("svm_loss_vectorized", "summed_not_averaged", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n    correct = scores[np.arange(N), y][:, None]\n"
          "    m = np.where(np.arange(C) == y[:, None], 0.0, np.maximum(0, scores - correct + margin))\n"
          "    return m.sum()\n", mistake="svm_mean.sum"),
    wrong("svm_loss_vectorized", "true_class_column_kept", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    correct = np.take_along_axis(scores, y[:, None], axis=1)\n"
          "    return np.mean(np.sum(np.maximum(0, scores - correct + margin), axis=1))\n", mistake="svm_mean.keep_yi"),
    wrong("svm_loss_vectorized", "per_example_vector", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N, C = scores.shape\n    mask = np.eye(C)[y] == 0\n"
          "    return (np.maximum(0, scores - scores[np.arange(N), y][:, None] + margin) * mask).sum(axis=1)\n",
          mistake="svm_mean.per_example"),
    wrong("svm_loss_vectorized", "one_element_list", "def svm_loss_vectorized(scores, y, margin=1.0):\n    N = len(y)\n"
          "    m = np.maximum(0, scores - scores[np.arange(N), y][:, None] + margin)\n    m[np.arange(N), y] = 0\n"
          "    return [m.sum() / N]\n", fails=("a single number",)),
    wrong("svm_loss_vectorized", "indices_swapped", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N = scores.shape[0]\n    correct = scores[y, np.arange(N)][:, None]\n"
          "    m = np.maximum(0, scores - correct + margin)\n    m[np.arange(N), y] = 0\n    return m.sum() / N\n",
          fails=("a single number", "values")),
    wrong("svm_loss_vectorized", "mean_over_all_entries", "def svm_loss_vectorized(scores, y, margin=1.0):\n"
          "    N = scores.shape[0]\n    m = np.maximum(0, scores - scores[np.arange(N), y][:, None] + margin)\n"
          "    m[np.arange(N), y] = 0\n    return m.mean()\n", fails=("values",)),
    wrong("svm_loss_vectorized", "margin_hard_coded",  # the signature has a margin: the text's loss uses it
          "def svm_loss_vectorized(scores, y, margin=1.0):\n    N = scores.shape[0]\n"
          "    m = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1.0)\n    m[np.arange(N), y] = 0\n"
          "    return m.sum() / N\n", fails=SOME),
    # ---- softmax
    wrong("softmax", "no_shift_row_loop", "def softmax(scores):\n    out = np.empty_like(scores)\n"
          "    for i, row in enumerate(scores):\n        out[i] = np.exp(row) / np.sum(np.exp(row))\n    return out\n",
          mistake="softmax.no_shift"),
    wrong("softmax", "columns_normalised", "def softmax(scores):\n    e = np.exp(scores - np.max(scores, axis=0))\n"
          "    return e / np.sum(e, axis=0)\n", mistake="softmax.axis0"),
    wrong("softmax", "whole_array_sum", "def softmax(scores):\n    e = np.exp(scores - np.max(scores))\n"
          "    return e / np.sum(e)\n", mistake="softmax.whole_array"),
    wrong("softmax", "global_max_subtracted", "def softmax(scores):\n    m = np.max(scores)\n"
          "    e = np.exp(scores - m)\n"
          "    return e / np.sum(e, axis=1)[:, None]\n", mistake="softmax.global_max"),
    wrong("softmax", "keepdims_forgotten", "def softmax(scores):\n"
          "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
          "    return e / e.sum(axis=1)\n", fails=("shape", "values", "scores of size 1e4")),
    wrong("softmax", "return_forgotten", "def softmax(scores):\n"
          "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n"
          "    probs = e / e.sum(axis=1, keepdims=True)\n    print(probs)\n",
          fails=("shape", "values", "scores of size 1e4")),
    wrong("softmax", "log_probabilities", "def softmax(scores):\n    m = scores.max(axis=1, keepdims=True)\n"
          "    return scores - m - np.log(np.exp(scores - m).sum(axis=1, keepdims=True))\n",
          fails=("values", "scores of size 1e4")),
    # ---- cross_entropy_per_example
    wrong("cross_entropy_per_example", "log10_of_probability", "def cross_entropy_per_example(scores, y):\n"
          "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    p = e / e.sum(axis=1, keepdims=True)\n"
          "    return -np.log10(p[np.arange(len(y)), y])\n", mistake="ce.log10"),
    wrong("cross_entropy_per_example", "minus_forgotten", "def cross_entropy_per_example(scores, y):\n"
          "    m = scores.max(axis=1)\n    lse = m + np.log(np.exp(scores - m[:, None]).sum(axis=1))\n"
          "    return scores[np.arange(len(y)), y] - lse\n", mistake="ce.sign"),
    wrong("cross_entropy_per_example", "unshifted_log_sum_exp", "def cross_entropy_per_example(scores, y):\n"
          "    return np.log(np.sum(np.exp(scores), axis=1)) - scores[np.arange(len(y)), y]\n", mistake="ce.no_shift"),
    wrong("cross_entropy_per_example", "one_hot_times_log_of_zero", "def cross_entropy_per_example(scores, y):\n"
          "    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    P = e / e.sum(axis=1, keepdims=True)\n"
          "    Y = np.eye(scores.shape[1])[y]\n    return -np.sum(Y * np.log(P), axis=1)\n", mistake="ce.log_of_zero"),
    wrong("cross_entropy_per_example", "log_of_rounded_probability_loop", "def cross_entropy_per_example(scores, y):\n"
          "    losses = np.zeros(len(y))\n    for i in range(len(y)):\n"
          "        p = np.exp(scores[i] - scores[i].max())\n"
          "        p /= p.sum()\n        losses[i] = -np.log(p[y[i]])\n    return losses\n", mistake="ce.log_of_zero"),
    wrong("cross_entropy_per_example", "mean_of_batch", "def cross_entropy_per_example(scores, y):\n"
          "    m = scores.max(axis=1)\n    lse = m + np.log(np.exp(scores - m[:, None]).sum(axis=1))\n"
          "    return np.mean(lse - scores[np.arange(len(y)), y])\n", mistake="ce.mean_only"),
    wrong("cross_entropy_per_example", "fancy_index_matrix", "def cross_entropy_per_example(scores, y):\n" + _LOG_P
          + "    return -log_p[:, y]\n", fails=("shape", "values", "scores of size 1e4")),
    wrong("cross_entropy_per_example", "all_classes_summed", "def cross_entropy_per_example(scores, y):\n" + _LOG_P
          + "    return -log_p.sum(axis=1)\n", fails=("values", "scores of size 1e4")),
    # ---- cross_entropy_loss
    wrong("cross_entropy_loss", "loop_total", "def cross_entropy_loss(scores, y):\n    total = 0.0\n"
          "    for i in range(len(y)):\n        s = scores[i] - scores[i].max()\n"
          "        total += np.log(np.exp(s).sum()) - s[y[i]]\n    return total\n", mistake="ce_mean.sum"),
    wrong("cross_entropy_loss", "bits", "def cross_entropy_loss(scores, y):\n"
          "    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)\n"
          "    return np.mean(-np.log2(p[np.arange(len(y)), y]))\n", mistake="ce_mean.log2"),
    wrong("cross_entropy_loss", "per_example_vector", "def cross_entropy_loss(scores, y):\n" + _LOG_P
          + "    return -log_p[np.arange(len(y)), y]\n", fails=("values",)),
    wrong("cross_entropy_loss", "result_not_returned", "def cross_entropy_loss(scores, y):\n" + _LOG_P
          + "    loss = -log_p[np.arange(len(y)), y].mean()\n", fails=("values",)),
    wrong("cross_entropy_loss", "log10", "def cross_entropy_loss(scores, y):\n"
          "    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)\n"
          "    return -np.mean(np.log10(p[np.arange(len(y)), y]))\n", fails=("values",)),
    wrong("cross_entropy_loss", "log_of_mean_probability", "def cross_entropy_loss(scores, y):\n"
          "    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)\n"
          "    return -np.log(np.mean(p[np.arange(len(y)), y]))\n", fails=("values",)),
    # ---- loss_ranges
    wrong("loss_ranges", "probabilities", "svm_min = 0.0\nsvm_max = 1.0\nce_min = 0\nce_max = 1\n",
          mistake="ranges.probability"),
    wrong("loss_ranges", "log_p_range", 'svm_min, svm_max = 0, float("inf")\nce_min, ce_max = -np.inf, 0.0\n',
          mistake="ranges.ce_negative"),
    wrong("loss_ranges", "c_minus_1", "svm_min, svm_max = 0, 3 - 1\nce_min, ce_max = 0, np.inf\n",
          mistake="ranges.svm_equal_scores"),
    wrong("loss_ranges", "huge_number", "svm_min, svm_max = 0, 1e308\n"
          "ce_min, ce_max = 0, np.inf\n", fails=("SVM loss",)),
    wrong("loss_ranges", "infinity_as_text", 'svm_min, svm_max = 0, np.inf\nce_min, ce_max = 0, "infinity"\n',
          fails=("cross-entropy",)),
    wrong("loss_ranges", "nan_upper_bound", "svm_min, svm_max = 0, np.inf\nce_min, ce_max = 0, np.nan\n",
          fails=("cross-entropy",)),
    wrong("loss_ranges", "negative_svm", "svm_min, svm_max = -np.inf, np.inf\nce_min, ce_max = 0, np.inf\n",
          fails=("SVM loss",)),
    # ---- mouse_change
    wrong("mouse_change", "both_change", 'svm_mouse, ce_mouse = "b", "b"\n', mistake="mouse.svm_changes"),
    wrong("mouse_change", "both_stay", "svm_mouse = 'a'\nce_mouse = 'a'\n", mistake="mouse.ce_fixed"),
    wrong("mouse_change", "svm_jumps", "svm_mouse = 'c'\nce_mouse = 'b'\n", fails=("SVM loss",)),
    wrong("mouse_change", "numbers", "svm_mouse = 1\nce_mouse = 2\n", fails=("SVM loss", "cross-entropy")),
    wrong("mouse_change", "no_such_letter", "svm_mouse = 'a'\nce_mouse = 'd'\n", fails=("cross-entropy",)),
    # ---- l1_penalty
    wrong("l1_penalty", "plain_sum", "def l1_penalty(W):\n    return W.sum()\n", mistake="l1.no_abs"),
    wrong("l1_penalty", "squares", "def l1_penalty(W):\n    return np.sum(W * W)\n", mistake="l1.squares"),
    wrong("l1_penalty", "matrix_1_norm", "def l1_penalty(W):\n    return np.linalg.norm(W, 1)\n", fails=("values",)),
    wrong("l1_penalty", "mean_of_abs", "def l1_penalty(W):\n    return np.mean(np.abs(W))\n", fails=("values",)),
    wrong("l1_penalty", "per_column", "def l1_penalty(W):\n    return np.sum(np.abs(W), axis=0)\n", fails=("values",)),
    # ---- l2_penalty
    wrong("l2_penalty", "frobenius_norm", "def l2_penalty(W):\n    return np.linalg.norm(W)\n", mistake="l2.sqrt"),
    wrong("l2_penalty", "half", "def l2_penalty(W):\n    return (W ** 2).sum() / 2\n", mistake="l2.half"),
    wrong("l2_penalty", "square_of_sum", "def l2_penalty(W):\n    return np.sum(W) ** 2\n", fails=("values",)),
    wrong("l2_penalty", "spectral_norm", "def l2_penalty(W):\n"
          "    return np.linalg.norm(W, 2) ** 2\n", fails=("values",)),
    # ---- regularized_loss
    wrong("regularized_loss", "penalty_gradient_missing", _reg("    J = data + reg * np.sum(W ** 2)\n"
          "    return J, X.T @ (P - Y) / N\n"), mistake="reg.grad_missing"),
    wrong("regularized_loss", "gradient_without_2", _reg("    J = data + reg * np.sum(W ** 2)\n"
          "    dW = X.T @ (P - Y) / N + reg * W\n    return J, dW\n"), mistake="reg.grad_no_2"),
    wrong("regularized_loss", "gradient_transposed", _reg("    J = data + reg * (W * W).sum()\n"
          "    dW = (P - Y).T @ X / N + 2 * reg * W.T\n    return J, dW\n"), mistake="reg.transposed"),
    wrong("regularized_loss", "l1_instead", _reg("    J = data + reg * np.abs(W).sum()\n"
          "    return J, X.T @ (P - Y) / N + reg * np.sign(W)\n"), mistake="reg.l1"),
    wrong("regularized_loss", "n_squared", _reg("    J = data + reg * np.sum(W ** 2)\n"
          "    return J, X.T @ (P - Y) / N ** 2 + 2 * reg * W\n"), mistake="reg.double_n"),
    wrong("regularized_loss", "penalty_gradient_twice", _reg("    J = data + reg * np.sum(W ** 2)\n"
          "    dW = X.T @ (P - Y) / N + 2 * reg * W\n    dW = dW + 2 * reg * W\n    return J, dW\n"),
          mistake="reg.grad_doubled"),
    wrong("regularized_loss", "penalty_left_out_of_J", _reg("    return data, X.T @ (P - Y) / N + 2 * reg * W\n"),
          fails=("loss",)),
    wrong("regularized_loss", "half_convention", _reg("    J = data + 0.5 * reg * np.sum(W ** 2)\n"
          "    return J, X.T @ (P - Y) / N + reg * W\n"), fails=("loss", "gradient")),
    wrong("regularized_loss", "summed_over_examples", _reg("    J = N * data + reg * np.sum(W ** 2)\n"
          "    return J, X.T @ (P - Y) + 2 * reg * W\n"), fails=("loss", "gradient")),
    wrong("regularized_loss", "only_the_loss", _reg("    return data + reg * np.sum(W ** 2)\n"),
          fails=("loss", "gradient shape", "gradient")),
]
