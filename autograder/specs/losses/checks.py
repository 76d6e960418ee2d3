"""Assignment 02: checks particular to it (the range of each loss, the options for the mouse image), the answer
key's means, and the ways a cross-entropy breaks on large scores that its hand-written matchers compare with."""
from __future__ import annotations

import re

import numpy as np

import reference_impl as ref

from ...judging.checks import field, number
from ...judging.spec import Outcome, Wrong, describe


OPTIONS = {"it stays exactly the same": "a", "it changes a little": "b", "it jumps to a very different value": "c"}


def letter(x, name) -> str:
    """The option a student chose: 'b', ' (B) ', 'b)', 'b) it changes a little' or the option's own text."""
    if not isinstance(x, str):
        raise Wrong("%s should be one of the letters 'a', 'b' or 'c', got %s" % (name, describe(x)))
    text = " ".join(x.strip().lower().split())
    if text.strip(".") in OPTIONS:
        return OPTIONS[text.strip(".")]
    found = re.match(r"^\(?\s*([abc])\s*(?:[).:,-]|\s|$)", text)
    return found.group(1) if found else text.strip("()").strip()


# --------------------------------------------------------------------------------------
# how a cross-entropy breaks on large scores (the hand-written matchers compare with these)


def _pick(values, y):
    return values[np.arange(len(y)), np.asarray(y)]


def no_shift(s):
    return 0.0


def row_max(s):
    return s.max(axis=1, keepdims=True)


def global_max(s):
    return s.max()


def softmax_after(shift):
    def variant(s):
        s = np.asarray(s, dtype=float)
        e = np.exp(s - shift(s))
        return e / e.sum(axis=1, keepdims=True)

    return variant


def ce_from_p(shift):
    """-ln P(true class) with P the softmax computed after subtracting ``shift`` (the log taken of P)."""
    def variant(s, y):
        return -np.log(_pick(softmax_after(shift)(s), y))

    return variant


def ce_one_hot(shift):
    """-Σ_j Y_ij ln P_ij with one-hot rows Y: 0 · ln 0 is nan, so a row breaks when any probability rounds to 0."""
    def variant(s, y):
        p = softmax_after(shift)(s)
        return -np.sum(np.eye(p.shape[1])[np.asarray(y)] * np.log(p), axis=1)

    return variant


def ce_log_sum_exp(shift):
    """-ln P(true class) as log-sum-exp after subtracting ``shift``."""
    def variant(s, y):
        t = np.asarray(s, dtype=float) - shift(np.asarray(s, dtype=float))
        return -(_pick(t, y) - np.log(np.exp(t).sum(axis=1)))

    return variant


def range_check(lo: str, hi: str, loss: str):
    def run(answer, ctx):
        low, high = number(field(answer, lo), lo), number(field(answer, hi), hi)
        if low == 0.0 and high == np.inf:
            return Outcome(True, "right range for the %s" % loss)
        return Outcome(False, "%s = %g, %s = %g is not the range of the %s" % (lo, low, hi, high, loss))

    return run


def choice_check(key: str, right: str, loss: str):
    def run(answer, ctx):
        got = letter(field(answer, key), key)
        if got not in ("a", "b", "c"):
            return Outcome(False, "%s should be one of 'a', 'b', 'c', got %r" % (key, got[:20]))
        if got == right:
            return Outcome(True, "right for the %s" % loss)
        return Outcome(False, "%r is not what happens to the %s of the mouse image" % (got, loss))

    return run


def same_choices(answer, other) -> bool:
    """The same option for each loss, however each answer spells it (a mistake's example is one of them)."""
    return all(letter(field(answer, k), k) == letter(field(other, k), k) for k in ("svm_mouse", "ce_mouse"))


def svm_mean(scores, y, margin=1.0):
    return ref.svm_loss(scores, y, margin)[0]


def ce_mean(scores, y):
    return ref.softmax_cross_entropy(scores, y)[0]


def regularized(W, X, y, reg):
    return ref.regularized_loss(W, X, y, reg, loss="softmax", penalty="l2")
