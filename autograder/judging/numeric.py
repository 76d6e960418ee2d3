"""Reading reported numbers and comparing them with the truth, at the precision the student computed in.

A right answer computed in float32 (or returned as float32, or converted from float32 to Python
floats) differs from the float64 answer key in its seventh digit, more after long sums; no
question of this course asks for float64. So every numeric comparison accepts at least float32
accuracy (:data:`FLOAT32_TOL`, relative to each expected number and to 1, the size of this course's
numbers, so that a small result of a subtraction keeps float32's absolute accuracy); an answer returned
at a lower precision (float16) is held to it too, and told that its precision is the issue. Non-finite numbers compare
like any value: ``inf`` equals ``inf`` of the same sign; a ``nan`` or an infinity where a finite
number is expected is wrong, and the message says so and where.

A message shows the two numbers with enough digits to see them differ, and says when an answer
is close but not close enough ("close, but only to 3 digits").
"""
from __future__ import annotations

import math

import numpy as np

from .answers import Wrong, describe
from .probe import Reported
from .srepr import number_of

F32_EPS = float(np.finfo(np.float32).eps)
F64_EPS = float(np.finfo(np.float64).eps)
#: a right answer computed at float32 is within ULPS * F32_EPS (1.5e-5) of the truth, relative to each number and
#: to 1 (room for float32 sums of thousands of terms and chained operations; right float32 versions of every
#: function question stay within a quarter of it on 100 input draws)
ULPS = 128
#: the relative difference every numeric check allows at least; answers of a lower precision than float32
#: (float16) are held to it too: they are not computed at float32 or better
FLOAT32_TOL = ULPS * F32_EPS
CLOSE = 1e-2  # relative difference below which an answer is "close", and the message says how close



# --------------------------------------------------------------------------------------
# reading numbers


def _sympy_number(r: Reported) -> float | complex | None:
    """The value of a reported sympy number (``Integer(14)``, ``oo``, ``Rational(1, 2)``), None if not one."""
    return number_of(r.text)


def _plain(x, depth=0):
    """``x`` with sympy numbers replaced by Python numbers, inside lists and tuples too."""
    if isinstance(x, Reported) and x.kind == "sympy":
        value = _sympy_number(x)
        return x if value is None else value
    if isinstance(x, (list, tuple)) and depth < 16 and any(isinstance(v, (Reported, list, tuple)) for v in x):
        return [_plain(v, depth + 1) for v in x]
    return x


def _contains(x, kinds, depth=0) -> bool:
    if isinstance(x, kinds):
        return True
    if isinstance(x, (list, tuple)) and depth < 16:
        return any(_contains(v, kinds, depth + 1) for v in x)
    return False


def as_array(x, what="the answer") -> np.ndarray:
    """The answer as a float64 array, or :class:`Wrong` saying what arrived instead.

    Accepts numbers of any numeric type, numpy arrays and scalars, nested lists and tuples of
    them, bools and sympy numbers; refuses text, None, dicts, ragged lists and complex numbers
    (unless every imaginary part is 0), each with a message saying what arrived.
    """
    x = _plain(x)
    if isinstance(x, Reported):
        if x.kind == "error":
            raise Wrong("%s raised %s" % (what, x.text[:300]))
        raise Wrong("%s should be numbers, got %s" % (what, describe(x)))
    if x is None or isinstance(x, (str, bytes, dict)):
        raise Wrong("%s should be numbers, got %s" % (what, describe(x)))
    if _contains(x, (Reported, dict, str, type(None))):
        raise Wrong("%s should be numbers, got %s holding something else" % (what, describe(x)))
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError, OverflowError):
        arr = None
    if arr is not None and arr.dtype.hasobject and all(isinstance(v, int) for v in arr.flat):  # beyond int64
        big = [float(v) if abs(v) < 2**1023 else (math.inf if v > 0 else -math.inf) for v in arr.flat]
        arr = np.array(big, dtype=np.float64).reshape(arr.shape)
    if arr is None or arr.dtype.hasobject:
        if isinstance(x, (list, tuple)):
            raise Wrong("%s should be a regular array of numbers, got %s whose rows have different lengths"
                        % (what, describe(x)))
        raise Wrong("%s should be numbers, got %s" % (what, describe(x)))
    if arr.dtype.kind == "c":
        if np.any(arr.imag != 0):
            raise Wrong("%s should be real numbers, got complex ones (a square root or log of a negative number?)"
                        % what)
        arr = arr.real
    if arr.dtype.kind not in "biuf":
        raise Wrong("%s should be numbers, got %s" % (what, describe(x)))
    return arr.astype(np.float64)


def precision_of(x, depth=0) -> float:
    """The machine epsilon of the least precise floats in a reported value (0.0 if it holds none)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return float(np.finfo(x.dtype).eps) if x.dtype.kind in "fc" else 0.0
    if isinstance(x, (float, complex)):
        return F64_EPS
    if isinstance(x, (list, tuple)) and depth < 16:
        return max((precision_of(v, depth + 1) for v in x), default=0.0)
    return 0.0


# --------------------------------------------------------------------------------------
# comparing


def show(got: float, want: float) -> tuple[str, str]:
    """Two numbers written with the fewest digits (at least 6) that show them differ."""
    for digits in range(6, 18):
        a, b = "%.*g" % (digits, got), "%.*g" % (digits, want)
        if a != b:
            return a, b
    return repr(float(got)), repr(float(want))


NONFINITE_WHY = {
    "nan": "nan (not a number) comes from 0/0, inf/inf, inf - inf, 0·inf or the log or square root of a "
           "negative number",
    "inf": "an infinity comes from an exp() that overflowed, a division by 0 or the log of 0",
}


def nonfinite_problem(got: np.ndarray, want: np.ndarray, where: str = "your result") -> str | None:
    """A message if ``got`` holds nan or an infinity where ``want`` holds a finite number."""
    for kind, test in (("nan", np.isnan), ("inf", np.isinf)):
        wrong = test(got) & np.isfinite(want)
        if wrong.any():
            idx = tuple(int(i) for i in np.argwhere(wrong)[0])
            name = "nan" if kind == "nan" else ("inf" if got[idx] > 0 else "-inf")
            at = " at index %s" % (idx,) if got.ndim else ""
            count = " (%d of %d numbers)" % (wrong.sum(), wrong.size) if wrong.size > 1 else ""
            return "%s holds %s%s where a finite number is expected%s: %s" % (
                where, name, at, count, NONFINITE_WHY[kind])
    return None


def differing(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
              nonfinite_alike: bool = False) -> tuple[np.ndarray, float, float]:
    """(mask of the numbers of ``got`` that differ from ``expected``, rtol, atol used), for arrays of one shape:
    the spec's tolerance, or :data:`FLOAT32_TOL` if coarser, relative to each number and to 1 (the size of
    this course's numbers)."""
    rt, at = max(rtol, FLOAT32_TOL), max(atol, FLOAT32_TOL)
    with np.errstate(all="ignore"):
        bad = ~np.isclose(got, expected, rtol=rt, atol=at, equal_nan=nonfinite_alike)
    return bad, rt, at


def mismatch(got, expected, rtol, atol, reshape=False, nonfinite_alike=False) -> str | None:
    """None if ``got`` matches ``expected``; otherwise a message saying how it differs.

    ``nonfinite_alike``: nan matches nan (for recognising a wrong variant that makes nan too).
    """
    raw = got
    got = as_array(got, "your result")
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        if reshape and got.size == expected.size:
            got = got.reshape(expected.shape)
        else:
            return "shape %s, expected %s" % (got.shape, expected.shape)
    bad, rt, at = differing(got, expected, rtol, atol, nonfinite_alike)
    with np.errstate(all="ignore"):
        if not bad.any():
            return None
        why = nonfinite_problem(got, expected)
        if why:
            return why
        excess = np.where(bad, np.abs(got - expected) / (at + rt * np.abs(expected)), -1.0)
        excess = np.nan_to_num(excess, nan=np.inf)
    idx = np.unravel_index(int(np.argmax(excess)), bad.shape)
    g, w = float(got[idx]), float(expected[idx])
    where = " at index %s" % (tuple(int(i) for i in idx),) if expected.ndim else ""
    a, b = show(g, w)
    text = "got %s, expected %s" % (a, b)
    if bad.size > 1:
        text = "%d of %d numbers differ; e.g.%s %s" % (bad.sum(), bad.size, where, text)
    elif where:
        text = "%s%s" % (where.strip(), ": " + text)
    digits = agreeing_digits(got[bad], expected[bad])
    if digits is not None:
        text = "close, but only to %d digits: %s (%s)" % (digits, text, precision_note(raw))
    return text


def precision_note(raw) -> str:
    """What to say about precision when an answer is close but not close enough."""
    if precision_of(raw) > F32_EPS:
        return "your result is float16, which keeps only about 3 digits: compute in float32 or float64"
    return "a right answer computed in float32 or float64 agrees to about 5 digits or more"


def agreeing_digits(got: np.ndarray, expected: np.ndarray) -> int | None:
    """How many significant digits the worst of ``got`` gets right, if all are close to ``expected``; else None."""
    with np.errstate(all="ignore"):
        rel = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
    if not rel.size or not np.all(np.isfinite(rel)):
        return None
    worst = float(np.max(rel))
    if worst >= CLOSE:
        return None
    return max(1, int(math.floor(-math.log10(worst)))) if worst > 0 else 17


compare = mismatch  # the name the specs use
