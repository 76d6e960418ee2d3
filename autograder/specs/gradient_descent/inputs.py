"""Assignment 03: the numbers of its notebook, the inputs the judge picks at grading time, and the truth."""
from __future__ import annotations

import numpy as np
import sympy

import reference_impl as ref

from ...judging.spec import Case

# f(x) = (x - 3)^2 of the notebook, the divergent run and the network of the Keras task
F_MIN, DIVERGE_X0, DIVERGE_LR, SMALL_LR, DIVERGE_STEPS = 3.0, 0.0, 1.1, 0.1, 20
INIT_SEED, HIDDEN = 0, 8  # init_params(2, 8, 2, seed=0) in the notebook = ref.init_two_layer(2, 8, 2, rng(0))
Z = sympy.Symbol("z")
GRAD_KEYS, PARAM_KEYS = ("dW1", "db1", "dW2", "db2"), ("W1", "b1", "W2", "b2")


def initial_params() -> dict:
    return ref.init_two_layer(2, HIDDEN, 2, np.random.default_rng(INIT_SEED))


def grad_f(x):
    return 2.0 * (x - F_MIN)


def diverging_run(lr=DIVERGE_LR):
    return ref.gradient_descent(grad_f, DIVERGE_X0, lr, DIVERGE_STEPS)


# --------------------------------------------------------------------------------------
# inputs the judge picks at grading time


def gd_cases(rng):
    cases = []
    for k in (None, None, int(rng.integers(2, 6))):  # two scalar runs, one in k dimensions
        size = None if k is None else (k,)
        a = float(rng.uniform(0.5, 2.0))
        c = rng.normal(0, 3, size=size) if size else float(rng.normal(0, 3))
        x0 = rng.normal(0, 3, size=size) if size else float(rng.normal(0, 3))
        cases.append(Case((a, c, x0, float(rng.uniform(0.05, 0.3)), int(rng.integers(5, 16)))))
    return cases


def step_cases(rng):
    cases = []
    for low in (2, 2, 1):  # one feature makes a scalar gradient look right: at most one case has it
        n, d = int(rng.integers(2, 21)), int(rng.integers(low, 5))
        cases.append(Case((rng.normal(0, 2, size=(n, d)), rng.integers(0, 2, size=n).astype(float),
                           rng.normal(0, 1, size=d), float(rng.normal()), float(rng.uniform(0.05, 1.0)))))
    return cases


def _params(rng, d, h, c, scale=1.0):
    return {"W1": rng.normal(0, scale, size=(d, h)), "b1": rng.normal(0, 0.5, size=h),
            "W2": rng.normal(0, scale, size=(h, c)), "b2": rng.normal(0, 0.5, size=c)}


def _net_shape(rng, n_lo, n_hi, d_hi=5, h_hi=8, c_hi=5):
    n, d = int(rng.integers(n_lo, n_hi + 1)), int(rng.integers(2, d_hi + 1))
    h = int(rng.integers(2, h_hi + 1))
    if h == d:
        h += 1  # D != H, so that a transposed dW1 shows in its shape
    return n, d, h, int(rng.integers(2, c_hi + 1))


def forward_cases(rng):
    cases = []
    for n_lo, n_hi in ((2, 20), (2, 20), (1, 1)):
        n, d, h, c = _net_shape(rng, n_lo, n_hi)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), _params(rng, d, h, c))))
    return cases


def backprop_cases(rng):
    cases = []
    for _ in range(3):
        n, d, h, c = _net_shape(rng, 2, 12, d_hi=4, h_hi=6, c_hi=4)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), rng.integers(0, c, size=n), _params(rng, d, h, c),
                           float(rng.uniform(0.05, 0.3)))))
    return cases


def train_cases(rng):
    cases = []
    for _ in range(2):
        n, d, h, c = _net_shape(rng, 5, 30, d_hi=3, h_hi=5, c_hi=3)
        cases.append(Case((rng.normal(0, 1.5, size=(n, d)), rng.integers(0, c, size=n), _params(rng, d, h, c, 0.5),
                           float(rng.uniform(0.1, 1.0)), int(rng.integers(3, 9)))))
    return cases


def keras_inputs(rng):
    return rng.normal(0, 1.5, size=(16, 2))


def numerical_grads(ctx) -> None:
    """The judge's own oracle: centered differences of the reference loss at each case's inputs."""
    found = []
    for case in ctx.cases:
        X, y, params, reg = case.args
        grads = {}
        for name in PARAM_KEYS:
            def loss_at(value, name=name):
                return ref.two_layer_loss(X, y, {**params, name: value}, reg=reg)[0]

            grads["d" + name] = ref.numerical_gradient(loss_at, params[name])
        found.append(grads)
    ctx.extra["numerical"] = found


# --------------------------------------------------------------------------------------
# the truth


def gd_truth(a, c, x0, lr, num_iters):
    return ref.gradient_descent(lambda x: 2 * a * (x - c), x0, lr, num_iters)


def forward_truth(X, params):
    return ref.two_layer_forward(X, params)[0]


def backprop_truth(X, y, params, reg):
    return ref.two_layer_loss(X, y, params, reg=reg)


def train_truth(X, y, params, lr, num_iters):
    return ref.train_two_layer(X, y, params, lr, num_iters)
