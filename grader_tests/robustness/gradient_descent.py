"""Assignment 03 as students write it: right answers in many forms, realistic wrong ones.

Each entry is a whole solution cell; the notebook's given cells are in the namespace (the setup's
``sigmoid``, ``f`` and ``grad_f``, ``init_params``, ``params0``). A cell that uses the student's earlier
function (``gradient_descent``, ``loss_and_grads``) carries a right copy of it, as a notebook whose
earlier cells ran would have it. Expected outcomes come from the question's text.
"""
from __future__ import annotations

from . import right, wrong

_GD = ("def gradient_descent(grad_fn, x0, lr, num_iters):\n    xs = [np.asarray(x0, dtype=float)]\n"
       "    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * grad_fn(xs[-1]))\n    return np.array(xs)\n\n")

_SYM = 'z = sympy.Symbol("z")\nsigma = 1 / (1 + sympy.exp(-z))\n'

_LOSS_AND_GRADS = '''def loss_and_grads(X, y, params, reg=0.0):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    A1 = sigmoid(X @ W1 + b1)
    Z2 = A1 @ W2 + b2
    Z2 = Z2 - Z2.max(axis=1, keepdims=True)
    P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    Y = np.eye(W2.shape[1])[y]
    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dZ2 = (P - Y) / N
    dZ1 = dZ2 @ W2.T * A1 * (1 - A1)
    return loss, {"dW1": X.T @ dZ1 + 2 * reg * W1, "db1": dZ1.sum(axis=0),
                  "dW2": A1.T @ dZ2 + 2 * reg * W2, "db2": dZ2.sum(axis=0)}


'''

_BP_HEAD = '''def loss_and_grads(X, y, params, reg=0.0):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    N = len(y)
    A1 = 1 / (1 + np.exp(-(X @ W1 + b1)))
    S = A1 @ W2 + b2
    E = np.exp(S - S.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(N), y] = 1
    penalty = np.sum(W1 * W1) + np.sum(W2 * W2)
'''


def _bp(body: str) -> str:
    return _BP_HEAD + body


def _train(body: str) -> str:
    return _LOSS_AND_GRADS + "def train(X, y, params, lr, num_iters):\n" + body


RIGHT = [
    # ---- gradient_descent: all iterates, shape (num_iters + 1, *shape of x0), row 0 is x0
    right("gradient_descent", "preallocated", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    xs = np.zeros((num_iters + 1,) + np.shape(x0))\n    xs[0] = x0\n    for k in range(num_iters):\n"
          "        xs[k + 1] = xs[k] - lr * grad_fn(xs[k])\n    return xs\n"),
    right("gradient_descent", "copy_then_in_place", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    x = np.array(x0, dtype=float)\n    path = [x.copy()]\n    for _ in range(num_iters):\n"
          "        x -= lr * grad_fn(x)\n        path.append(x.copy())\n    return np.array(path)\n"),
    right("gradient_descent", "python_list", "def gradient_descent(grad_fn, x0, lr, num_iters):\n    xs = [x0]\n"
          "    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * grad_fn(xs[-1]))\n    return xs\n"),
    right("gradient_descent", "while_stack_print", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    x, k, xs = x0, 0, [x0]\n    while k < num_iters:\n        x = x - lr * grad_fn(x)\n"
          "        print(f'step {k}: x = {x}')\n        xs.append(x)\n        k += 1\n    return np.stack(xs)\n"),
    right("gradient_descent", "float32", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    x = np.asarray(x0, dtype=np.float32)\n    xs = [x]\n    for _ in range(num_iters):\n"
          "        x = (x - lr * grad_fn(x)).astype(np.float32)\n        xs.append(x)\n"
          "    return np.array(xs, dtype=np.float32)\n"),
    right("gradient_descent", "tuple_of_iterates", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    xs = (np.asarray(x0, dtype=float),)\n    for _ in range(num_iters):\n"
          "        xs = xs + (xs[-1] - lr * np.asarray(grad_fn(xs[-1])),)\n    return xs\n"),
    # ---- too_large_lr: xs_big the 21 iterates with lr = 1.1 from 0, diverges True
    right("too_large_lr", "like_the_text", _GD + "xs_small = gradient_descent(grad_f, 0.0, 0.1, 20)\n"
          "xs_big = gradient_descent(grad_f, 0.0, 1.1, 20)\n"
          "diverges = np.abs(xs_big - 3)[-1] > np.abs(xs_big - 3)[0]\n"),
    right("too_large_lr", "literal_and_list", _GD + "xs_small = gradient_descent(grad_f, 0, 0.1, 20)\n"
          "xs_big = list(gradient_descent(grad_f, 0, 1.1, 20))\nprint(xs_big[-1])\ndiverges = True\n"),
    right("too_large_lr", "inline_loop", "x = 0.0\nxs_big = [x]\nfor _ in range(20):\n    x = x - 1.1 * grad_f(x)\n"
          "    xs_big.append(x)\nxs_small = None\ndiverges = bool(abs(xs_big[-1] - 3) > abs(xs_big[0] - 3))\n"),
    right("too_large_lr", "float32_iterates", _GD + "xs_big = gradient_descent(grad_f, 0.0, 1.1, 20).astype(np.float32)\n"
          "diverges = abs(xs_big[-1] - 3) > 3\n"),
    # ---- logistic_step: (w_new, b_new) after one step on the mean binary cross-entropy
    right("logistic_step", "np_mean", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X @ w + b)\n"
          "    w_new = w - lr * np.mean((p - y)[:, None] * X, axis=0)\n    b_new = b - lr * np.mean(p - y)\n"
          "    return w_new, b_new\n"),
    right("logistic_step", "example_loop", "def logistic_gd_step(X, y, w, b, lr):\n    N, D = X.shape\n"
          "    gw, gb = np.zeros(D), 0.0\n    for i in range(N):\n        p_i = 1 / (1 + math.exp(-(X[i] @ w + b)))\n"
          "        gw += (p_i - y[i]) * X[i]\n        gb += p_i - y[i]\n    return w - lr * gw / N, b - lr * gb / N\n"),
    right("logistic_step", "list_result", "def logistic_gd_step(X, y, w, b, lr):\n    N = len(y)\n"
          "    err = 1 / (1 + np.exp(-(np.dot(X, w) + b))) - y\n"
          "    return [w - lr * (err @ X) / N, b - lr * err.sum() / N]\n"),
    right("logistic_step", "in_place_on_w", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X.dot(w) + b)\n"
          "    grad_w = X.T.dot(p - y) / X.shape[0]\n    grad_b = np.sum(p - y) / X.shape[0]\n    w -= lr * grad_w\n"
          "    b -= lr * grad_b\n    return w, b\n"),
    right("logistic_step", "float32", "def logistic_gd_step(X, y, w, b, lr):\n"
          "    X32, w32 = X.astype(np.float32), w.astype(np.float32)\n"
          "    p = 1 / (1 + np.exp(-(X32 @ w32 + np.float32(b))))\n    g = (p - y.astype(np.float32)) / len(y)\n"
          "    return w32 - np.float32(lr) * (X32.T @ g), np.float32(b) - np.float32(lr) * g.sum()\n"),
    right("logistic_step", "einsum_zero_d_bias", "def logistic_gd_step(X, y, w, b, lr):\n"
          "    p = sigmoid(np.einsum('nd,d->n', X, w) + b)\n    d = p - y\n"
          "    return w - lr * np.einsum('nd,n->d', X, d) / len(d), np.array(b - lr * d.mean())\n"),
    # ---- sigmoid_derivative: a sympy expression in z, any equivalent form
    right("sigmoid_derivative", "sigma_form", _SYM + "dsigma = sigma * (1 - sigma)\n"),
    right("sigmoid_derivative", "sympy_diff", _SYM + "dsigma = sympy.diff(sigma, z)\n"),
    right("sigmoid_derivative", "simplified_diff", _SYM + "dsigma = sympy.simplify(sympy.diff(sigma, z))\n"),
    right("sigmoid_derivative", "exp_minus_z", _SYM + "dsigma = sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2\n"),
    right("sigmoid_derivative", "exp_plus_z", _SYM + "dsigma = sympy.exp(z) / (sympy.exp(z) + 1) ** 2\n"),
    right("sigmoid_derivative", "cosh", _SYM + "dsigma = 1 / (4 * sympy.cosh(z / 2) ** 2)\n"),
    right("sigmoid_derivative", "tanh", _SYM + "dsigma = (1 - sympy.tanh(z / 2) ** 2) / 4\n"),
    right("sigmoid_derivative", "sech_float", _SYM + "dsigma = 0.25 * sympy.sech(z / 2) ** 2\n"),
    right("sigmoid_derivative", "sigma_minus_square", _SYM + "dsigma = sigma - sigma ** 2\n"),
    right("sigmoid_derivative", "real_symbol", 'z = sympy.Symbol("z", real=True)\nsigma = 1 / (1 + sympy.exp(-z))\n'
          "dsigma = sympy.factor(sympy.diff(sigma, z))\n"),
    right("sigmoid_derivative", "softplus_second_derivative", _SYM + "dsigma = sympy.diff(sympy.log(1 + sympy.exp(z)), z, 2)\n"),
    right("sigmoid_derivative", "exp_times_sigma_squared", _SYM + "dsigma = sympy.exp(-z) * sigma ** 2\n"),
    right("sigmoid_derivative", "powers_of_e", _SYM + "dsigma = sympy.E ** (-z) / (1 + sympy.E ** (-z)) ** 2\n"),
    # ---- forward: sigmoid hidden layer, row-wise softmax output, P (N, C)
    right("forward", "einsum", "def forward(X, params):\n"
          "    A1 = sigmoid(np.einsum('nd,dh->nh', X, params['W1']) + params['b1'])\n"
          "    Z2 = np.einsum('nh,hc->nc', A1, params['W2']) + params['b2']\n"
          "    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)\n"),
    right("forward", "example_loop", "def forward(X, params):\n    rows = []\n    for x in X:\n"
          "        a = 1 / (1 + np.exp(-(x @ params['W1'] + params['b1'])))\n"
          "        z = a @ params['W2'] + params['b2']\n"
          "        e = np.exp(z - z.max())\n        rows.append(e / e.sum())\n    return np.array(rows)\n"),
    right("forward", "log_softmax", "def forward(X, params):\n    W1, b1, W2, b2 = params.values()\n"
          "    Z2 = sigmoid(X.dot(W1) + b1).dot(W2) + b2\n    m = Z2.max(axis=1, keepdims=True)\n"
          "    return np.exp(Z2 - m - np.log(np.exp(Z2 - m).sum(axis=1, keepdims=True)))\n"),
    right("forward", "float32", "def forward(X, params):\n"
          "    p = {k: v.astype(np.float32) for k, v in params.items()}\n"
          "    A1 = 1 / (1 + np.exp(-(X.astype(np.float32) @ p['W1'] + p['b1'])))\n    Z2 = A1 @ p['W2'] + p['b2']\n"
          "    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)\n"),
    right("forward", "tanh_sigmoid_get", "def forward(X, params):\n"
          "    A1 = 0.5 * (1 + np.tanh(0.5 * (X @ params.get('W1') + params.get('b1'))))\n"
          "    Z2 = A1 @ params.get('W2') + params.get('b2')\n    Z2 -= np.amax(Z2, axis=-1, keepdims=True)\n"
          "    return np.exp(Z2) / np.sum(np.exp(Z2), axis=-1, keepdims=True)\n"),
    right("forward", "list_of_rows", "def forward(X, params):\n"
          "    Z2 = sigmoid(X @ params['W1'] + params['b1']) @ params['W2'] + params['b2']\n"
          "    E = np.exp(Z2 - Z2.max(axis=1)[:, None])\n    return [list(r / r.sum()) for r in E]\n"),
    # ---- loss_and_grads: (loss, grads) with dW1, db1, dW2, db2; L2 penalty on the weights only
    right("loss_and_grads", "one_hot_sum", _bp(
          "    loss = -np.sum(Y * np.log(P)) / N + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * (A1 * (1 - A1))\n"
          "    return loss, {'db2': np.sum(dZ2, axis=0), 'dW2': A1.T @ dZ2 + 2 * reg * W2,\n"
          "                  'db1': np.sum(dZ1, axis=0), 'dW1': X.T @ dZ1 + 2 * reg * W1}\n")),
    right("loss_and_grads", "example_loop", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n"
          "    g = {'dW1': 2 * reg * W1, 'db1': np.zeros_like(b1), 'dW2': 2 * reg * W2, 'db2': np.zeros_like(b2)}\n"
          "    for i in range(N):\n        d2 = (P[i] - Y[i]) / N\n        d1 = (W2 @ d2) * A1[i] * (1 - A1[i])\n"
          "        g['dW2'] += np.outer(A1[i], d2)\n        g['db2'] += d2\n        g['dW1'] += np.outer(X[i], d1)\n"
          "        g['db1'] += d1\n    return loss, g\n")),
    right("loss_and_grads", "list_extra_keys", _bp(
          "    loss = float(-np.log(P[np.arange(N), y]).mean() + reg * penalty)\n    dZ2 = (P - Y) / N\n"
          "    dsig = lambda a: a * (1 - a)\n    dZ1 = dZ2.dot(W2.T) * dsig(A1)\n"
          "    grads = dict(dW2=A1.T.dot(dZ2) + 2 * reg * W2, db2=dZ2.sum(0), dW1=X.T.dot(dZ1) + 2 * reg * W1,\n"
          "                 db1=dZ1.sum(0), dZ2=dZ2, loss=loss)\n    return [loss, grads]\n")),
    right("loss_and_grads", "norm_penalty", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * (np.linalg.norm(W1) ** 2 + np.linalg.norm(W2) ** 2)\n"
          "    dZ2 = (P - Y) / N\n    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ dZ1 + 2 * reg * W1, 'db1': dZ1.sum(axis=0),\n"
          "                  'dW2': A1.T @ dZ2 + 2 * reg * W2, 'db2': dZ2.sum(axis=0)}\n")),
    right("loss_and_grads", "float32", _bp(
          "    P32, A32, X32 = P.astype(np.float32), A1.astype(np.float32), X.astype(np.float32)\n"
          "    loss = np.float32(-np.mean(np.log(P[np.arange(N), y])) + reg * penalty)\n"
          "    dZ2 = (P32 - Y.astype(np.float32)) / N\n    dZ1 = (dZ2 @ W2.T.astype(np.float32)) * A32 * (1 - A32)\n"
          "    return loss, {'dW1': X32.T @ dZ1 + np.float32(2 * reg) * W1.astype(np.float32), 'db1': dZ1.sum(axis=0),\n"
          "                  'dW2': A32.T @ dZ2 + np.float32(2 * reg) * W2.astype(np.float32), 'db2': dZ2.sum(axis=0)}\n")),
    # ---- train: (params, history), history[k] the loss before update k, inputs left unchanged
    right("train", "deepcopy_then_in_place", _train(
          "    params = copy.deepcopy(params)\n    history = []\n    for _ in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, params)\n        history.append(loss)\n"
          "        for k in params:\n            params[k] -= lr * grads['d' + k]\n"
          "    return params, np.array(history)\n")),
    right("train", "copies_list_history", _train(
          "    current = {k: v.copy() for k, v in params.items()}\n    history = []\n    for it in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, current)\n        history.append(float(loss))\n"
          "        for name in current:\n            current[name] -= lr * grads['d' + name]\n"
          "    return [current, history]\n")),
    right("train", "rebinding_shallow_copy", _train(
          "    new = dict(params)\n    history = np.zeros(num_iters)\n    for k in range(num_iters):\n"
          "        history[k], grads = loss_and_grads(X, y, new)\n"
          "        new = {name: new[name] - lr * grads['d' + name] for name in new}\n    return new, history\n")),
    right("train", "print_progress", _train(
          "    history = []\n    for step in range(num_iters):\n        loss, g = loss_and_grads(X, y, params)\n"
          "        if step % 2 == 0:\n            print(f'step {step}: loss {loss:.4f}')\n"
          "        history.append(loss)\n"
          "        params = {'W1': params['W1'] - lr * g['dW1'], 'b1': params['b1'] - lr * g['db1'],\n"
          "                  'W2': params['W2'] - lr * g['dW2'], 'b2': params['b2'] - lr * g['db2']}\n"
          "    return params, np.asarray(history)\n")),
]

WRONG = [
    # ---- gradient_descent
    wrong("gradient_descent", "step_added", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    xs = [np.asarray(x0, dtype=float)]\n    for _ in range(num_iters):\n"
          "        step = -lr * grad_fn(xs[-1])\n"
          "        xs.append(xs[-1] - step)\n    return np.array(xs)\n", mistake="gd.ascent"),
    wrong("gradient_descent", "x0_not_stored", "def gradient_descent(grad_fn, x0, lr, num_iters):\n    xs = []\n"
          "    x = x0\n    for _ in range(num_iters):\n        x = x - lr * grad_fn(x)\n        xs.append(x)\n"
          "    return np.array(xs)\n", mistake="gd.no_x0"),
    wrong("gradient_descent", "last_iterate", "def gradient_descent(grad_fn, x0, lr, num_iters):\n    xs = [x0]\n"
          "    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * grad_fn(xs[-1]))\n    return xs[-1]\n",
          mistake="gd.last_only"),
    wrong("gradient_descent", "aliased_in_place_updates", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    x = x0\n    xs = [x0]\n    for _ in range(num_iters):\n        x -= lr * grad_fn(x)\n"
          "        xs.append(x)\n"
          "    return np.array(xs)\n", fails=("values",)),
    wrong("gradient_descent", "one_step_too_many", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    xs = [x0]\n    for _ in range(num_iters + 1):\n        xs.append(xs[-1] - lr * grad_fn(xs[-1]))\n"
          "    return np.array(xs)\n", fails=("shape", "values")),
    wrong("gradient_descent", "gradient_at_x0_only", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    g = grad_fn(x0)\n    xs = [x0]\n    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * g)\n"
          "    return np.array(xs)\n", fails=("values",)),
    wrong("gradient_descent", "gradient_of_the_notebook_f", "def gradient_descent(grad_fn, x0, lr, num_iters):\n"
          "    xs = [x0]\n    for _ in range(num_iters):\n        xs.append(xs[-1] - lr * 2 * (xs[-1] - 3))\n"
          "    return np.array(xs)\n", fails=("values",)),
    # ---- too_large_lr
    wrong("too_large_lr", "says_it_converges", _GD + "xs_big = gradient_descent(grad_f, 0.0, 1.1, 20)\n"
          "diverges = False  # it jumps around 3\n", mistake="diverge.says_converges"),
    wrong("too_large_lr", "small_run_taken", _GD + "xs_small = gradient_descent(grad_f, 0.0, 0.1, 20)\n"
          "xs_big = xs_small\ndiverges = bool(abs(xs_big[-1] - 3) > abs(xs_big[0] - 3))\n", mistake="diverge.small_lr"),
    wrong("too_large_lr", "losses_stored", _GD + "xs_big = f(gradient_descent(grad_f, 0.0, 1.1, 20))\n"
          "diverges = xs_big[-1] > xs_big[0]\n", mistake="diverge.losses"),
    wrong("too_large_lr", "diverges_as_text", _GD + "xs_big = gradient_descent(grad_f, 0.0, 1.1, 20)\n"
          "diverges = 'True'\n",
          fails=("diverges",)),
    wrong("too_large_lr", "twenty_one_steps", _GD + "xs_big = gradient_descent(grad_f, 0.0, 1.1, 21)\n"
          "diverges = True\n",
          fails=("iterates",)),
    wrong("too_large_lr", "started_at_one", _GD + "xs_big = gradient_descent(grad_f, 1.0, 1.1, 20)\ndiverges = True\n",
          fails=("iterates",)),
    # ---- logistic_step
    wrong("logistic_step", "gradient_added", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X @ w + b)\n"
          "    grad_w, grad_b = X.T @ (p - y) / len(y), np.mean(p - y)\n    return w + lr * grad_w, b + lr * grad_b\n",
          mistake="step.ascent"),
    wrong("logistic_step", "mean_then_divided_again", "def logistic_gd_step(X, y, w, b, lr):\n    N = len(y)\n"
          "    p = sigmoid(X @ w + b)\n    grad_w = np.mean(X * (p - y)[:, None], axis=0) / N\n"
          "    grad_b = np.mean(p - y) / N\n    return w - lr * grad_w, b - lr * grad_b\n", mistake="step.double_n"),
    wrong("logistic_step", "summed_gradient_loop", "def logistic_gd_step(X, y, w, b, lr):\n    gw = np.zeros_like(w)\n"
          "    gb = 0.0\n    for x_i, y_i in zip(X, y):\n        p_i = sigmoid(x_i @ w + b)\n"
          "        gw += (p_i - y_i) * x_i\n"
          "        gb += p_i - y_i\n    return w - lr * gw, b - lr * gb\n", mistake="step.sum"),
    wrong("logistic_step", "score_as_probability", "def logistic_gd_step(X, y, w, b, lr):\n    z = X.dot(w) + b\n"
          "    return w - lr * X.T.dot(z - y) / X.shape[0], b - lr * np.mean(z - y)\n", mistake="step.no_sigmoid"),
    wrong("logistic_step", "bias_left_alone", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X @ w + b)\n"
          "    w_new = w - lr * np.mean((p - y)[:, None] * X, axis=0)\n    b_new = b\n    return w_new, b_new\n",
          mistake="step.bias_fixed"),
    wrong("logistic_step", "scalar_weight_gradient", "def logistic_gd_step(X, y, w, b, lr):\n"
          "    p = sigmoid(X @ w + b)\n"
          "    return w - lr * np.mean(X.T * (p - y)), b - lr * np.mean(p - y)\n", fails=("weights",)),
    wrong("logistic_step", "lr_forgotten_on_bias", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X @ w + b)\n"
          "    return w - lr * X.T @ (p - y) / len(y), b - np.mean(p - y)\n", fails=("bias",)),
    wrong("logistic_step", "printed_not_returned", "def logistic_gd_step(X, y, w, b, lr):\n    p = sigmoid(X @ w + b)\n"
          "    w_new = w - lr * X.T @ (p - y) / len(y)\n    b_new = b - lr * np.mean(p - y)\n    print(w_new, b_new)\n",
          fails=("shape", "weights", "bias")),
    wrong("logistic_step", "product_on_the_wrong_side", "def logistic_gd_step(X, y, w, b, lr):\n"
          "    p = sigmoid(X @ w + b)\n    return w - lr * X @ (p - y) / len(y), b - lr * np.mean(p - y)\n",
          fails=("shape", "weights", "bias")),
    # ---- sigmoid_derivative
    wrong("sigmoid_derivative", "plus_instead_of_minus", _SYM + "dsigma = sigma + sigma ** 2\n", mistake="dsigma.plus"),
    wrong("sigmoid_derivative", "sigma_of_one_minus_z", _SYM + "dsigma = sigma * sigma.subs(z, 1 - z)\n",
          mistake="dsigma.shifted"),
    wrong("sigmoid_derivative", "square_dropped", _SYM + "dsigma = sympy.exp(-z) * sigma\n", mistake="dsigma.no_square"),
    wrong("sigmoid_derivative", "own_symbol_x", 'x = sympy.Symbol("x")\ns = 1 / (1 + sympy.exp(-x))\n'
          "dsigma = sympy.diff(s, x)\n", mistake="dsigma.symbol"),
    wrong("sigmoid_derivative", "not_differentiated", _SYM + "dsigma = sigma\n", fails=("equivalent",)),
    wrong("sigmoid_derivative", "sign_wrong", _SYM + "dsigma = -sympy.exp(-z) / (1 + sympy.exp(-z)) ** 2\n",
          fails=("equivalent",)),
    wrong("sigmoid_derivative", "evaluated_at_zero", _SYM + "dsigma = sympy.diff(sigma, z).subs(z, 0)\n",
          fails=("form", "equivalent")),
    wrong("sigmoid_derivative", "a_float", _SYM + "dsigma = float(sympy.diff(sigma, z).subs(z, 0.5))\n",
          fails=("form", "equivalent")),
    wrong("sigmoid_derivative", "second_derivative", _SYM + "dsigma = sympy.diff(sigma, z, 2)\n", fails=("equivalent",)),
    wrong("sigmoid_derivative", "a_string", _SYM + 'dsigma = "sigma * (1 - sigma)"\n', fails=("form", "equivalent")),
    wrong("sigmoid_derivative", "two_symbols", _SYM + 'x = sympy.Symbol("x")\ndsigma = sigma * (1 - sigma.subs(z, x))\n',
          fails=("form", "equivalent")),
    # ---- forward
    wrong("forward", "softmax_down_columns", "def forward(X, params):\n"
          "    Z2 = sigmoid(X @ params['W1'] + params['b1']) @ params['W2'] + params['b2']\n"
          "    return np.exp(Z2) / np.sum(np.exp(Z2), axis=0)\n", mistake="forward.softmax_axis"),
    wrong("forward", "linear_hidden_layer", "def forward(X, params):\n    h = np.dot(X, params['W1']) + params['b1']\n"
          "    s = np.dot(h, params['W2']) + params['b2']\n    e = np.exp(s - s.max(axis=1, keepdims=True))\n"
          "    return e / e.sum(axis=1, keepdims=True)\n", mistake="forward.no_hidden_activation"),
    wrong("forward", "sigmoid_output", "def forward(X, params):\n    A1 = sigmoid(X @ params['W1'] + params['b1'])\n"
          "    return sigmoid(A1 @ params['W2'] + params['b2'])\n", mistake="forward.sigmoid_output"),
    wrong("forward", "biases_forgotten", "def forward(X, params):\n"
          "    Z2 = np.einsum('nh,hc->nc', sigmoid(np.einsum('nd,dh->nh', X, params['W1'])), params['W2'])\n"
          "    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n    return E / E.sum(axis=1, keepdims=True)\n",
          mistake="forward.no_bias"),
    wrong("forward", "relu_hidden", "def forward(X, params):\n    A1 = np.maximum(0, X @ params['W1'] + params['b1'])\n"
          "    Z2 = A1 @ params['W2'] + params['b2']\n    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n"
          "    return E / E.sum(axis=1, keepdims=True)\n", fails=("values",)),
    wrong("forward", "logits_returned", "def forward(X, params):\n"
          "    return sigmoid(X @ params['W1'] + params['b1']) @ params['W2'] + params['b2']\n", fails=("values",)),
    wrong("forward", "cache_returned_too", "def forward(X, params):\n"
          "    A1 = sigmoid(X @ params['W1'] + params['b1'])\n"
          "    Z2 = A1 @ params['W2'] + params['b2']\n    E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))\n"
          "    return E / E.sum(axis=1, keepdims=True), {'A1': A1, 'Z2': Z2}\n", fails=("shape", "values")),
    wrong("forward", "predicted_classes", "def forward(X, params):\n"
          "    Z2 = sigmoid(X @ params['W1'] + params['b1']) @ params['W2'] + params['b2']\n"
          "    return np.argmax(Z2, axis=1)\n", fails=("shape", "values")),
    # ---- loss_and_grads
    wrong("loss_and_grads", "n_squared", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dW2 = A1.T @ dZ2 / N + 2 * reg * W2\n    db2 = dZ2.sum(axis=0) / N\n    dA1 = dZ2 @ W2.T / N\n"
          "    dZ1 = dA1 * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ dZ1 + 2 * reg * W1, 'db1': dZ1.sum(axis=0), 'dW2': dW2, 'db2': db2}\n"),
          mistake="backprop.double_n"),
    wrong("loss_and_grads", "biases_penalised", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * (penalty + np.sum(b1 ** 2) + np.sum(b2 ** 2))\n"
          "    dZ2 = (P - Y) / N\n    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n    grads = {}\n"
          "    for name, (Wk, bk, inp, dZ) in {'1': (W1, b1, X, dZ1), '2': (W2, b2, A1, dZ2)}.items():\n"
          "        grads['dW' + name] = inp.T @ dZ + 2 * reg * Wk\n"
          "        grads['db' + name] = dZ.sum(axis=0) + 2 * reg * bk\n"
          "    return loss, grads\n"), mistake="backprop.reg_bias"),
    wrong("loss_and_grads", "sigmoid_derivative_left_out", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dH = dZ2 @ W2.T\n"
          "    return loss, {'dW1': X.T @ dH + 2 * reg * W1, 'db1': dH.sum(axis=0),\n"
          "                  'dW2': A1.T @ dZ2 + 2 * reg * W2, 'db2': dZ2.sum(axis=0)}\n"),
          mistake="backprop.no_sigmoid_grad"),
    wrong("loss_and_grads", "y_minus_p", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    delta = (Y - P) / N\n"
          "    d1 = delta @ W2.T * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ d1 + 2 * reg * W1, 'db1': d1.sum(axis=0),\n"
          "                  'dW2': A1.T @ delta + 2 * reg * W2, 'db2': delta.sum(axis=0)}\n"), mistake="backprop.sign"),
    wrong("loss_and_grads", "dW1_transposed", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'dW1': (X.T @ dZ1 + 2 * reg * W1).T, 'db1': dZ1.sum(axis=0),\n"
          "                  'dW2': A1.T @ dZ2 + 2 * reg * W2, 'db2': dZ2.sum(axis=0)}\n"), mistake="backprop.transposed"),
    wrong("loss_and_grads", "penalty_gradients_missing", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ dZ1, 'db1': dZ1.sum(axis=0), 'dW2': A1.T @ dZ2, 'db2': dZ2.sum(axis=0)}\n"),
          fails=("output layer", "hidden layer", "numerical gradient")),
    wrong("loss_and_grads", "penalty_left_out_of_loss", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y]))\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ dZ1 + 2 * reg * W1, 'db1': dZ1.sum(axis=0),\n"
          "                  'dW2': A1.T @ dZ2 + 2 * reg * W2, 'db2': dZ2.sum(axis=0)}\n"), fails=("loss",)),
    wrong("loss_and_grads", "db2_over_classes", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'dW1': X.T @ dZ1 + 2 * reg * W1, 'db1': dZ1.sum(axis=0),\n"
          "                  'dW2': A1.T @ dZ2 + 2 * reg * W2, 'db2': dZ2.sum(axis=1)}\n"),
          fails=("output layer", "numerical gradient")),
    wrong("loss_and_grads", "keys_without_d", _bp(
          "    loss = -np.mean(np.log(P[np.arange(N), y])) + reg * penalty\n    dZ2 = (P - Y) / N\n"
          "    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)\n"
          "    return loss, {'W1': X.T @ dZ1 + 2 * reg * W1, 'b1': dZ1.sum(axis=0),\n"
          "                  'W2': A1.T @ dZ2 + 2 * reg * W2, 'b2': dZ2.sum(axis=0)}\n"),
          fails=("output layer", "hidden layer", "numerical gradient")),
    # ---- train
    wrong("train", "loss_after_the_step", _train(
          "    history = []\n    for _ in range(num_iters):\n        _, grads = loss_and_grads(X, y, params)\n"
          "        params = {k: v - lr * grads['d' + k] for k, v in params.items()}\n"
          "        history.append(loss_and_grads(X, y, params)[0])\n    return params, np.array(history)\n"),
          mistake="train.history_after"),
    wrong("train", "shallow_copy_in_place", _train(
          "    p = dict(params)\n    history = []\n    for _ in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, p)\n        history.append(loss)\n        for k in p:\n"
          "            p[k] -= lr * grads['d' + k]\n    return p, np.array(history)\n"), mistake="train.in_place"),
    wrong("train", "lr_over_n", _train(
          "    history = []\n    step = lr / X.shape[0]\n    for _ in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, params)\n        history.append(loss)\n"
          "        params = {k: v - step * grads['d' + k] for k, v in params.items()}\n"
          "    return params, np.array(history)\n"),
          mistake="train.double_n"),
    wrong("train", "gradient_added", _train(
          "    history = []\n    for _ in range(num_iters):\n        loss, grads = loss_and_grads(X, y, params)\n"
          "        history.append(loss)\n        params = {k: params[k] + lr * grads['d' + k] for k in params}\n"
          "    return params, np.array(history)\n"), mistake="train.ascent"),
    wrong("train", "range_one_short", _train(
          "    history = []\n    for i in range(1, num_iters):\n        loss, grads = loss_and_grads(X, y, params)\n"
          "        history.append(loss)\n        params = {k: v - lr * grads['d' + k] for k, v in params.items()}\n"
          "    return params, np.array(history)\n"), mistake="train.one_short"),
    wrong("train", "final_loss_appended", _train(
          "    history = []\n    for _ in range(num_iters):\n        loss, grads = loss_and_grads(X, y, params)\n"
          "        history.append(loss)\n        params = {k: v - lr * grads['d' + k] for k, v in params.items()}\n"
          "    history.append(loss_and_grads(X, y, params)[0])\n    return params, np.array(history)\n"),
          fails=("loss history",)),
    wrong("train", "regularized", _train(
          "    history = []\n    for _ in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, params, reg=0.01)\n"
          "        history.append(loss)\n        params = {k: v - lr * grads['d' + k] for k, v in params.items()}\n"
          "    return params, np.array(history)\n"), fails=("loss history", "parameters")),
    wrong("train", "start_returned", _train(
          "    history, current = [], params\n    for _ in range(num_iters):\n"
          "        loss, grads = loss_and_grads(X, y, current)\n        history.append(loss)\n"
          "        current = {k: v - lr * grads['d' + k] for k, v in current.items()}\n"
          "    return params, np.array(history)\n"),
          fails=("parameters",)),
]

_SET = ("model.layers[{0}].set_weights([params0['W1'], params0['b1']])\n"
        "model.layers[{1}].set_weights([params0['W2'], params0['b2']])\n")

KERAS_RIGHT = [
    right("keras_net", "functional_loss_instance",
          "inputs = keras.Input(shape=(2,))\nhidden = keras.layers.Dense(8, activation='sigmoid')(inputs)\n"
          "outputs = keras.layers.Dense(2, activation='softmax')(hidden)\nmodel = keras.Model(inputs, outputs)\n"
          "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),\n"
          "              loss=keras.losses.SparseCategoricalCrossentropy())\n"
          "model.set_weights([params0[k] for k in ('W1', 'b1', 'W2', 'b2')])\n"),
    right("keras_net", "input_shape_loss_function",
          "model = keras.Sequential([keras.layers.Dense(8, activation='sigmoid', input_shape=(2,)),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer='sgd', loss=keras.losses.sparse_categorical_crossentropy)\n" + _SET.format(0, 1)),
    right("keras_net", "activation_layers",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8), keras.layers.Activation('sigmoid'),\n"
          "                          keras.layers.Dense(2), keras.layers.Activation(keras.activations.softmax)])\n"
          "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss='sparse_categorical_crossentropy')\n"
          + _SET.format(0, 2)),
]

KERAS_RIGHT.append(right("keras_net", "subclassed_model",
                         "class Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
                         "        self.dense1 = keras.layers.Dense(8, activation='sigmoid')\n"
                         "        self.dense2 = keras.layers.Dense(2, activation='softmax')\n\n"
                         "    def call(self, x):\n        return self.dense2(self.dense1(x))\n\n\n"
                         "model = Net()\nmodel(np.zeros((1, 2)))  # builds the layers\n"
                         "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5),\n"
                         "              loss='sparse_categorical_crossentropy')\n"
                         "model.dense1.set_weights([params0['W1'], params0['b1']])\n"
                         "model.dense2.set_weights([params0['W2'], params0['b2']])\n"))

KERAS_WRONG = [
    wrong("keras_net", "relu_activation_layer",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8), keras.layers.ReLU(),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer=keras.optimizers.SGD(), loss='sparse_categorical_crossentropy')\n" + _SET.format(0, 2),
          mistake="keras_net.relu"),
    wrong("keras_net", "categorical_instance",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid'),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.CategoricalCrossentropy())\n"
          + _SET.format(0, 1), mistake="keras_net.categorical"),
    wrong("keras_net", "weights_left_random",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid'),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer=keras.optimizers.SGD(), loss='sparse_categorical_crossentropy')\n",
          mistake="keras_net.weights_not_set"),
    wrong("keras_net", "hidden_without_bias",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid', use_bias=False),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer=keras.optimizers.SGD(), loss='sparse_categorical_crossentropy')\n"
          "model.layers[0].set_weights([params0['W1']])\nmodel.layers[1].set_weights([params0['W2'], params0['b2']])\n",
          fails=("architecture", "weights")),
    wrong("keras_net", "adam",
          "model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid'),\n"
          "                          keras.layers.Dense(2, activation='softmax')])\n"
          "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n" + _SET.format(0, 1),
          fails=("compiled",)),
]
