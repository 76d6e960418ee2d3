"""Assignment 02: the inputs the judge picks at grading time (random shapes, N in 1..20, C in 2..7), among them
scores of size 1e4 on which each way of breaking a softmax or a cross-entropy breaks its own rows."""
from __future__ import annotations

from ...judging.spec import Case


def _shape(rng, n_min=2):
    return int(rng.integers(n_min, 21)), int(rng.integers(2, 8))


def _labelled(rng, n, c, scale=3.0):
    return rng.normal(0.0, scale, size=(n, c)), rng.integers(0, c, size=n)


def _huge(rng, n, c):
    """Scores up to 1e4 in size (N >= 3): row 0 holds +1e4 and -1e4, its true class the -1e4 one;
    row 1 gives its true class 1e4; row 2's scores all lie more than 9000 below that."""
    s = rng.uniform(-1e4, 1e4, size=(n, c))
    y = rng.integers(0, c, size=n)
    j, k = rng.choice(c, size=2, replace=False)
    s[0, j], s[0, k], y[0] = 1e4, -1e4, k  # P(true class) underflows to 0
    s[1, y[1]] = 1e4  # the true class overflows exp() unless the maximum is subtracted
    s[2] = rng.uniform(-1e4, -9e3, size=c)  # exp() is 0 everywhere after subtracting the overall maximum
    return s, y


BIG = 1e4


def _edge(rng):
    """Four rows (C in 3..7, labels y) on which each way of breaking with large scores breaks a
    different set of rows, whatever was drawn, so that a matcher reads the mistake off them alone:

    row 0, all scores within 3 of 1e4: exp() overflows unless a maximum is subtracted (the overall
        maximum lies in this row);
    row 1, small scores and the true class at -1e4: P(true class) underflows to 0, its log is -inf;
    row 2, small scores and one wrong class at -1e4: only a one-hot product 0 · ln 0 breaks here
        (or a shift by the overall maximum, as on rows 1 and 3);
    row 3, all scores within 3 of -1e4: exp() is 0 everywhere without the row's own maximum.
    """
    c = int(rng.integers(3, 8))
    s = rng.uniform(-2.0, 2.0, size=(4, c))
    y = rng.integers(0, c, size=4)
    s[0] = BIG - rng.uniform(0.0, 3.0, size=c)
    s[1, y[1]] = -BIG
    s[2, rng.choice([j for j in range(c) if j != y[2]])] = -BIG
    s[3] = -BIG + rng.uniform(0.0, 3.0, size=c)
    return s, y


def svm_cases(rng):
    regular = [Case(_labelled(rng, *_shape(rng))) for _ in range(3)]
    regular.append(Case(_labelled(rng, 1, int(rng.integers(2, 8)))))
    margin = [Case(_labelled(rng, *_shape(rng)), {"margin": float(rng.uniform(0.2, 3.0))}, group="margin")
              for _ in range(2)]
    return regular + margin


def svm_mean_cases(rng):
    cases = [Case(_labelled(rng, *_shape(rng))) for _ in range(3)]
    cases.append(Case(_labelled(rng, 200, 10)))
    # the signature has a margin, and the loss uses it: a margin fixed at 1 is wrong on these
    cases += [Case(_labelled(rng, *_shape(rng)), {"margin": float(rng.uniform(0.2, 3.0))}) for _ in range(2)]
    return cases


def softmax_cases(rng):
    regular = [Case((rng.normal(0.0, 3.0, size=_shape(rng)),)) for _ in range(3)]
    regular.append(Case((rng.normal(0.0, 3.0, size=(1, int(rng.integers(2, 8)))),)))
    large = [Case((_huge(rng, *_shape(rng, 3))[0],), group="large") for _ in range(2)]
    return regular + large + [Case((_edge(rng)[0],), group="edge")]


def ce_cases(rng):
    regular = [Case(_labelled(rng, *_shape(rng))) for _ in range(3)]
    regular.append(Case(_labelled(rng, 1, int(rng.integers(2, 8)))))
    large = [Case(_huge(rng, *_shape(rng, 3)), group="large") for _ in range(2)]
    return regular + large + [Case(_edge(rng), group="edge")]


def ce_mean_cases(rng):
    return [Case(_labelled(rng, *_shape(rng))) for _ in range(4)]


def penalty_cases(rng):
    shapes_ = [_shape(rng, 1), (int(rng.integers(1, 10)),), (2, 3, int(rng.integers(1, 5)))]
    return [Case((rng.normal(0.0, 2.0, size=s),)) for s in shapes_]


def regularized_cases(rng):
    cases = []
    for _ in range(4):
        n, c = _shape(rng)
        d = int(rng.integers(2, 7))
        if d == c:
            d += 1  # D != C, so that a transposed gradient shows in its shape
        X = rng.normal(0.0, 1.0, size=(n, d))
        W = rng.normal(0.0, 1.0, size=(d, c))
        cases.append(Case((W, X, rng.integers(0, c, size=n), float(rng.uniform(0.05, 0.5)))))
    return cases
