"""Writes source/03_gradient_descent/gradient_descent.ipynb (week 1 deck: gradient descent, backprop, Keras).

What each hidden cell asks and how many points it is worth come from the question spec
(``autograder/specs/gradient_descent/``), so that the notebook and the judge cannot drift apart.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nbbuild import from_spec, given, md, solution, visible_checks, write  # noqa: E402

from autograder.specs import gradient_descent as spec  # noqa: E402

OUT, hidden = from_spec(spec)

cells = [
    md("""
    # Assignment 03: gradient descent, backpropagation, and the same network in Keras

    Training means walking downhill on the loss. You will write gradient descent, see what a too large
    learning rate does, take one step by hand on the banknote neuron, derive the sigmoid's derivative, write the
    forward and backward pass of a network with one hidden layer, train it on the banknotes, and finally build
    the same network in Keras and check that Keras computes the same gradients.

    Conventions: examples are rows (`X` is `(N, D)`), a layer computes `X @ W + b`, losses are **means** over
    the N examples (natural log), and a gradient has the shape of what it differentiates (`dW1` like `W1`).
    Hidden checks run when your notebook is graded: they call your functions on new, random inputs.

    *Data: Banknote authentication data set, V. Lohweg and H. Dörksen, UCI Machine Learning Repository,
    DOI 10.24432/C55P57, CC BY 4.0.*
    """),
    given("setup", """
    import numpy as np
    import sympy
    import matplotlib.pyplot as plt
    import keras

    keras.utils.set_random_seed(0)


    def sigmoid(z):
        \"\"\"The logistic function, elementwise, without overflow for large |z|.\"\"\"
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    """),
    md("""
    ## 1. Gradient descent on a 1-D loss

    Gradient descent repeats $x_{k+1} = x_k - \\eta\\, f'(x_k)$ with a learning rate $\\eta$ (`lr`). Take
    $f(x) = (x - 3)^2$, whose minimum is at $x = 3$ and whose derivative is $f'(x) = 2(x - 3)$.

    Write `gradient_descent(grad_fn, x0, lr, num_iters)`: `grad_fn(x)` returns the gradient at `x`; return
    **all** iterates as an array of shape `(num_iters + 1, ...)`: row 0 is `x0`, row $k$ the point after $k$
    steps. `x0` may be a number or an array (then every row has its shape).
    """),
    given("loss_1d", """
    def f(x):
        return (x - 3) ** 2


    def grad_f(x):
        return 2 * (x - 3)
    """),
    solution("solution_gradient_descent", """
    def gradient_descent(grad_fn, x0, lr, num_iters):
        \"\"\"All iterates of gradient descent: an array of shape (num_iters + 1, *np.shape(x0)).\"\"\"
        ### BEGIN SOLUTION
        x = np.asarray(x0, dtype=float)
        xs = [x]
        for _ in range(num_iters):
            x = x - lr * np.asarray(grad_fn(x), dtype=float)
            xs.append(x)
        return np.array(xs)
        ### END SOLUTION
    """),
    visible_checks("check_gradient_descent", """
    xs = gradient_descent(lambda x: 2 * x, 1.0, 0.25, 2)  # f(x) = x**2: each step halves x
    assert np.shape(xs) == (3,), f"x0 and 2 steps: expected shape (3,), got {np.shape(xs)}"
    assert np.allclose(xs, [1.0, 0.5, 0.25]), xs
    assert abs(gradient_descent(grad_f, 0.0, 0.1, 60)[-1] - 3) < 1e-4, "with lr = 0.1 it should reach x = 3"
    assert np.shape(gradient_descent(lambda x: 2 * x, np.ones(3), 0.1, 5)) == (6, 3), "x0 may be an array"
    print("gradient_descent: visible checks passed")
    """),
    hidden("gradient_descent"),
    md("""
    ## 2. A learning rate that is too large

    Run your `gradient_descent` on $f$ from $x_0 = 0$ for 20 steps, once with `lr = 0.1` (call the iterates
    `xs_small`) and once with `lr = 1.1` (`xs_big`). Then set `diverges` to `True` if the run with `lr = 1.1`
    moves away from the minimum, `False` if it approaches it. The plot below shows both runs.
    """),
    solution("solution_too_large_lr", """
    ### BEGIN SOLUTION
    xs_small = gradient_descent(grad_f, 0.0, 0.1, 20)
    xs_big = gradient_descent(grad_f, 0.0, 1.1, 20)
    diverges = bool(abs(xs_big[-1] - 3) > abs(xs_big[0] - 3))
    ### END SOLUTION
    """),
    visible_checks("check_too_large_lr", """
    assert np.shape(xs_big) == (21,), f"x0 and 20 steps: expected shape (21,), got {np.shape(xs_big)}"
    assert isinstance(diverges, (bool, np.bool_)), "diverges is True or False"
    """),
    hidden("too_large_lr"),
    given("plot_learning_rates", """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    grid = np.linspace(-4, 10, 200)
    left.plot(grid, f(grid), color="lightgray")
    for lr, xs in [(0.1, xs_small), (1.1, xs_big)]:
        xs = np.asarray(xs, dtype=float)
        left.plot(xs[:8], f(xs[:8]), "o-", label=f"lr = {lr} (first steps)")
        right.semilogy(np.abs(xs - 3) + 1e-16, label=f"lr = {lr}")
    left.set(xlabel="x", ylabel="f(x)", title="steps on f(x) = (x - 3)²")
    right.set(xlabel="step k", ylabel="|x_k - 3|", title="distance to the minimum")
    left.legend()
    right.legend()
    plt.show()
    """),
    md("""
    Each step multiplies the distance to the minimum by $1 - 2\\eta$: it shrinks for $0 < \\eta < 1$ and grows
    for $\\eta > 1$. As the slide says: *if the loss diverges to infinity, don't panic, lower the learning rate!*

    ## 3. One gradient step on the banknote neuron

    The week-1 neuron says $p = \\sigma(w_1 x_1 + w_2 x_2 + b)$, with $w = (0.3, 0.1)$, $b = 1$. Its loss on a
    batch is the mean binary cross-entropy, whose gradient is

    $$\\frac{\\partial J}{\\partial w} = \\frac{1}{N} X^\\top (p - y), \\qquad
      \\frac{\\partial J}{\\partial b} = \\frac{1}{N} \\sum_i (p_i - y_i).$$

    Write `logistic_gd_step(X, y, w, b, lr)` returning the pair `(w_new, b_new)` after one gradient-descent step
    (`X` `(N, D)`, `y` `(N,)` of 0/1, `w` `(D,)`, `b` a number). The `sigmoid` of the setup cell is yours to use.
    On the slide's note $x = (1, 2.2)$, a fake ($y = 1$), with `lr = 0.1`: $w = (0.317946, 0.139482)$,
    $b = 1.017946$, and $P(\\text{fake})$ rises from 0.820538 to 0.837909.
    """),
    solution("solution_logistic_step", """
    def logistic_gd_step(X, y, w, b, lr):
        \"\"\"One gradient-descent step of a sigmoid neuron on the mean binary cross-entropy: (w_new, b_new).\"\"\"
        ### BEGIN SOLUTION
        N = X.shape[0]
        p = sigmoid(X @ w + b)  # (N,)
        error = (p - y) / N  # (N,), the 1/N of the mean
        return w - lr * (X.T @ error), b - lr * error.sum()
        ### END SOLUTION
    """),
    visible_checks("check_logistic_step", """
    x_note = np.array([[1.0, 2.2]])
    w_new, b_new = logistic_gd_step(x_note, np.array([1.0]), np.array([0.3, 0.1]), 1.0, 0.1)
    assert np.shape(w_new) == (2,), f"w_new has the shape of w, (2,); got {np.shape(w_new)}"
    assert np.allclose(w_new, [0.317946, 0.139482], atol=1e-6), w_new
    assert np.isclose(b_new, 1.017946, atol=1e-6), b_new
    assert np.isclose(sigmoid(x_note @ w_new + b_new)[0], 0.837909, atol=1e-6), "P(fake) after the step"
    print("logistic_gd_step: visible checks passed", w_new, b_new)
    """),
    hidden("logistic_step"),
    md("""
    ## 4. The derivative of the sigmoid

    Backpropagation through a sigmoid layer needs $\\sigma'(z)$. Differentiate
    $\\sigma(z) = 1 / (1 + e^{-z})$ by hand and write the result as `dsigma`, a sympy expression in the symbol
    `z`. Any equivalent form is accepted; the neatest one uses $\\sigma(z)$ itself.
    """),
    solution("solution_sigmoid_derivative", """
    z = sympy.Symbol("z")
    sigma = 1 / (1 + sympy.exp(-z))
    ### BEGIN SOLUTION
    dsigma = sigma * (1 - sigma)
    ### END SOLUTION
    dsigma
    """),
    visible_checks("check_sigmoid_derivative", """
    assert isinstance(dsigma, sympy.Expr), "dsigma is a sympy expression"
    assert dsigma.free_symbols == {sympy.Symbol("z")}, "use the symbol z, and only z"
    h = 1e-6
    slope = (float(sigma.subs(z, 0.5 + h)) - float(sigma.subs(z, 0.5 - h))) / (2 * h)
    assert abs(float(dsigma.subs(z, 0.5)) - slope) < 1e-6, "at z = 0.5 it should equal the slope of sigma"
    print("sigmoid_derivative: visible checks passed")
    """),
    hidden("sigmoid_derivative"),
    md("""
    ## 5. The forward pass of a two-layer network

    The network has a sigmoid hidden layer and a softmax output over C classes:

    $$Z_1 = X W_1 + b_1,\\quad A_1 = \\sigma(Z_1),\\quad Z_2 = A_1 W_2 + b_2,\\quad P = \\mathrm{softmax}(Z_2)
      \\ \\text{(row by row)}.$$

    Its parameters live in a dict `params` with `W1` `(D, H)`, `b1` `(H,)`, `W2` `(H, C)`, `b2` `(C,)`; the
    function below makes small random starting weights. Write `forward(X, params)` returning `P`, shape
    `(N, C)`; each row sums to 1. (Subtract each row's maximum before the exponential.)
    """),
    given("init_params", """
    def init_params(D, H, C, seed=0):
        \"\"\"Small random weights (standard deviation 0.1) and zero biases for a D -> H -> C network.\"\"\"
        rng = np.random.default_rng(seed)
        return {"W1": 0.1 * rng.standard_normal((D, H)), "b1": np.zeros(H),
                "W2": 0.1 * rng.standard_normal((H, C)), "b2": np.zeros(C)}
    """),
    solution("solution_forward", """
    def forward(X, params):
        \"\"\"Class probabilities P (N, C) of the sigmoid -> softmax network.\"\"\"
        ### BEGIN SOLUTION
        A1 = sigmoid(X @ params["W1"] + params["b1"])  # (N, H)
        Z2 = A1 @ params["W2"] + params["b2"]  # (N, C)
        E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
        ### END SOLUTION
    """),
    visible_checks("check_forward", """
    P = forward(np.array([[0.5, -1.0], [2.0, 0.0], [0.0, 0.0]]), init_params(2, 8, 3))
    assert np.shape(P) == (3, 3), f"one row per example, one column per class: got {np.shape(P)}"
    assert np.allclose(P.sum(axis=1), 1), "each row is a probability distribution"
    zero = {"W1": np.zeros((2, 4)), "b1": np.zeros(4), "W2": np.zeros((4, 3)), "b2": np.zeros(3)}
    assert np.allclose(forward(np.ones((2, 2)), zero), 1 / 3), "all-zero weights give equal probabilities"
    print("forward: visible checks passed")
    """),
    hidden("forward"),
    md("""
    ## 6. The backward pass

    The loss is the mean cross-entropy plus an L2 penalty on the **weights** (never the biases):
    $J = \\frac{1}{N}\\sum_i -\\ln P_{i y_i} + \\text{reg}\\,(\\sum W_1^2 + \\sum W_2^2)$.
    Backpropagation applies the chain rule layer by layer, from the output back ($Y$: one-hot rows of `y`):

    $$dZ_2 = \\frac{P - Y}{N},\\quad dW_2 = A_1^\\top dZ_2 + 2\\,\\text{reg}\\,W_2,\\quad db_2 = \\sum_i dZ_2,$$
    $$dA_1 = dZ_2 W_2^\\top,\\quad dZ_1 = dA_1 \\odot \\sigma'(Z_1),\\quad dW_1 = X^\\top dZ_1 + 2\\,\\text{reg}\\,W_1,
      \\quad db_1 = \\sum_i dZ_1,$$

    with $\\sigma'(Z_1) = A_1 (1 - A_1)$ from task 4. Write `loss_and_grads(X, y, params, reg=0.0)` returning
    `(loss, grads)`, where `grads` is a dict with `dW1`, `db1`, `dW2`, `db2`. The visible check compares your
    gradients with centered differences of your loss.
    """),
    solution("solution_loss_and_grads", """
    def loss_and_grads(X, y, params, reg=0.0):
        \"\"\"(loss, grads) of the two-layer network: the regularized mean cross-entropy and its gradients.\"\"\"
        ### BEGIN SOLUTION
        W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
        N = X.shape[0]
        A1 = sigmoid(X @ W1 + b1)  # (N, H)
        Z2 = A1 @ W2 + b2  # (N, C)
        shifted = Z2 - Z2.max(axis=1, keepdims=True)
        log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
        loss = -np.mean(log_P[np.arange(N), y]) + reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        dZ2 = np.exp(log_P)  # P
        dZ2[np.arange(N), y] -= 1.0
        dZ2 /= N  # (P - Y) / N
        dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)  # (N, H)
        grads = {"dW1": X.T @ dZ1 + 2 * reg * W1, "db1": dZ1.sum(axis=0),
                 "dW2": A1.T @ dZ2 + 2 * reg * W2, "db2": dZ2.sum(axis=0)}
        return loss, grads
        ### END SOLUTION
    """),
    visible_checks("check_loss_and_grads", """
    rng = np.random.default_rng(1)
    X_chk, y_chk = rng.normal(size=(5, 3)), np.array([0, 2, 1, 2, 0])
    p_chk = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 3)),
             "b2": rng.normal(size=3)}
    loss, grads = loss_and_grads(X_chk, y_chk, p_chk, reg=0.1)
    assert np.ndim(loss) == 0, "the loss is one number"
    for name in ["W1", "b1", "W2", "b2"]:
        g = grads["d" + name]
        assert np.shape(g) == p_chk[name].shape, f"d{name} has the shape of {name}"
        numerical = np.zeros_like(p_chk[name])
        for k in np.ndindex(*p_chk[name].shape):
            plus, minus = dict(p_chk), dict(p_chk)
            plus[name], minus[name] = p_chk[name].copy(), p_chk[name].copy()
            plus[name][k] += 1e-5
            minus[name][k] -= 1e-5
            numerical[k] = (loss_and_grads(X_chk, y_chk, plus, 0.1)[0] - loss_and_grads(X_chk, y_chk, minus, 0.1)[0]) / 2e-5
        rel = np.max(np.abs(numerical - g)) / np.max(np.abs(numerical) + np.abs(g))
        assert rel < 1e-6, f"d{name} differs from the numerical gradient: relative error {rel:.2g}"
    print("loss_and_grads: visible checks passed")
    """),
    hidden("loss_and_grads"),
    md("""
    ## 7. Training on the banknotes

    Write `train(X, y, params, lr, num_iters)`: full-batch gradient descent with your `loss_and_grads`
    (no regularization). Return `(params, history)`: the trained parameters and the array of the `num_iters`
    losses, `history[k]` being the loss **before** update $k$. Do not change the arrays of the `params` you
    receive: build new ones (`W - lr * dW`, not `W -= ...`).
    """),
    solution("solution_train", """
    def train(X, y, params, lr, num_iters):
        \"\"\"Full-batch gradient descent: (trained params, history of the num_iters losses before each step).\"\"\"
        ### BEGIN SOLUTION
        history = []
        for _ in range(num_iters):
            loss, grads = loss_and_grads(X, y, params)
            history.append(loss)
            params = {name: value - lr * grads["d" + name] for name, value in params.items()}
        return params, np.array(history)
        ### END SOLUTION
    """),
    visible_checks("check_train", """
    start = init_params(3, 4, 3, seed=1)
    kept = {k: v.copy() for k, v in start.items()}
    trained, hist = train(X_chk, y_chk, start, lr=0.5, num_iters=20)
    assert np.shape(hist) == (20,), f"one loss per update: expected shape (20,), got {np.shape(hist)}"
    assert np.isclose(hist[0], loss_and_grads(X_chk, y_chk, start)[0]), "history[0] is the loss before any step"
    assert hist[-1] < hist[0], "the loss should go down"
    assert all(np.array_equal(start[k], kept[k]) for k in start), "train must not change the params it receives"
    print("train: visible checks passed")
    """),
    hidden("train"),
    md("""
    The banknotes: two features per note, skewness $x_1$ and entropy $x_2$ of a wavelet-transformed image, and
    the label (1 = fake). The file is downloaded once and checked against its SHA-256; the rows come sorted by
    class, so they are shuffled before the split. The features are standardized (mean 0, standard deviation 1
    on the training set), which lets one learning rate suit both.
    """),
    given("load_banknotes", """
    BANKNOTE_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00267/data_banknote_authentication.txt"
    BANKNOTE_SHA256 = "63cb547740b3d71fc4a7fa05a6f5005ba63e86a64d2dfb11251398611fb7b19c"
    path = keras.utils.get_file("data_banknote_authentication.txt", origin=BANKNOTE_URL, file_hash=BANKNOTE_SHA256)
    data = np.loadtxt(path, delimiter=",")
    X_all, y_all = data[:, [1, 3]], data[:, 4].astype(int)  # skewness, entropy; class 1 = fake
    order = np.random.default_rng(42).permutation(len(y_all))  # the file is sorted by class
    n_train = int(0.8 * len(order))
    X_train, y_train = X_all[order[:n_train]], y_all[order[:n_train]]
    X_test, y_test = X_all[order[n_train:]], y_all[order[n_train:]]
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    print("train", X_train.shape, "test", X_test.shape)
    """),
    given("train_banknotes", """
    params_trained, history = train(X_train, y_train, init_params(2, 8, 2, seed=0), lr=2.0, num_iters=1000)
    accuracy = np.mean(forward(X_test, params_trained).argmax(axis=1) == y_test)
    print(f"training loss {history[0]:.3f} -> {history[-1]:.3f}; test accuracy {accuracy:.3f}")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(history)
    ax.set(xlabel="update", ylabel="mean cross-entropy (training set)", title="loss curve, lr = 2.0")
    plt.show()
    """),
    md("""
    ## 8. The same network in Keras

    Build `model`: `keras.Input(shape=(2,))`, then `Dense(8, activation="sigmoid")`, then
    `Dense(2, activation="softmax")`. Compile it with `keras.optimizers.SGD` and the loss
    `"sparse_categorical_crossentropy"` (the labels stay 0 and 1). Then give both layers the **same initial
    weights** as the numpy network, `params0` below, with `layer.set_weights([kernel, bias])`: a Dense
    layer's kernel has the shape `(inputs, units)`, exactly like `W1`. Use Keras' own layers and `keras.ops`
    only (no backend-specific code), so that it runs on any backend. Do not train `model` here: the grader
    compares its weights with `params0`.
    """),
    given("keras_start", """
    params0 = init_params(2, 8, 2, seed=0)
    """),
    solution("solution_keras_net", """
    ### BEGIN SOLUTION
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="sigmoid"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy")
    model.layers[0].set_weights([params0["W1"], params0["b1"]])
    model.layers[1].set_weights([params0["W2"], params0["b2"]])
    ### END SOLUTION
    """),
    visible_checks("check_keras_net", """
    P_keras = model.predict(X_test[:5], verbose=0)
    assert P_keras.shape == (5, 2), f"one probability per class: expected (5, 2), got {P_keras.shape}"
    assert np.allclose(P_keras, forward(X_test[:5], params0), atol=1e-5), \\
        "with the same weights Keras and your forward pass should agree"
    print("model: visible checks passed")
    """),
    hidden("keras_net"),
    md("""
    **Same gradients.** One SGD step moves each weight by $-\\eta \\cdot$ gradient, so
    (weights before − weights after) / $\\eta$ is the gradient Keras computed. The cell below takes that step on a
    copy of your model (your `model` stays as it is) and compares it with your numpy `loss_and_grads` on the same
    batch and the same weights.
    """),
    given("compare_one_step", """
    lr_check = 0.1
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    twin.compile(optimizer=keras.optimizers.SGD(learning_rate=lr_check), loss="sparse_categorical_crossentropy")
    X_batch, y_batch = X_train[:64], y_train[:64]
    before = [np.array(w, dtype=float) for w in twin.get_weights()]
    twin.train_on_batch(X_batch.astype("float32"), y_batch)
    after = [np.array(w, dtype=float) for w in twin.get_weights()]
    _, grads = loss_and_grads(X_batch, y_batch, dict(zip(["W1", "b1", "W2", "b2"], before)))
    for name, w_before, w_after in zip(["dW1", "db1", "dW2", "db2"], before, after):
        keras_grad = (w_before - w_after) / lr_check
        print(f"{name}: largest difference between Keras and numpy {np.max(np.abs(keras_grad - grads[name])):.1e}")
        assert np.allclose(keras_grad, grads[name], atol=1e-4), f"{name}: Keras and your backward pass disagree"
    """),
]

if __name__ == "__main__":
    write(cells, OUT)
    print("wrote", OUT)
