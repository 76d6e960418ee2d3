"""What the judge says about an answer that cannot pass (:class:`Wrong`), and how it names what it got
(:func:`describe`): the vocabulary every check shares, numbers, formulas and models alike."""
from __future__ import annotations

import numpy as np

from .probe import Reported


class Wrong(Exception):
    """The answer cannot pass a check; the message says why, for the student."""


def describe(x) -> str:
    """A short, safe description of a reported value's type."""
    if isinstance(x, Reported):
        if x.kind == "error":
            return "an error (%s)" % x.text[:200]
        if x.kind == "sympy":
            return "a sympy expression"
        return "an object of type %s" % x.text[:80]
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return "a number of type %s" % x.dtype
        return "an array of shape %s" % (x.shape,)
    if x is None:
        return "None"
    if isinstance(x, bool):
        return "the bool %s" % x
    if isinstance(x, complex):
        return "a complex number"
    if isinstance(x, str):
        try:
            float(x)
        except ValueError:
            return "the text %r" % x[:40]
        return "a text that holds a number (give the number itself, not its text)"
    if isinstance(x, (list, tuple)):
        return "a %s of %d item%s" % (type(x).__name__, len(x), "" if len(x) == 1 else "s")
    if isinstance(x, dict):
        return "a dict with keys %s" % (", ".join(repr(str(k)[:30]) for k in list(x)[:8]) or "none")
    name = type(x).__name__
    return "%s %s" % ("an" if name[:1].lower() in "aeiou" else "a", name)
