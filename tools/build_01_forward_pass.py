"""Writes source/01_forward_pass/forward_pass.ipynb (week 1: the neuron, the banknote task, Keras)."""
from pathlib import Path

from nbbuild import given, hidden_checks, manual_answer, md, solution, visible_checks, write

KEY = "forward_pass"
OUT = Path(__file__).resolve().parent.parent / "source" / "01_forward_pass" / "forward_pass.ipynb"

cells = [
    md("""
    # Assignment 01: the neuron, the banknote task, and a first Keras model

    You will build a single sigmoid neuron by hand, in matrix form, and in Keras, and train it to tell
    real banknotes from fakes. Conventions used in every assignment of this course:

    - **examples are rows**: a batch `X` has shape `(N, D)` (N examples, D features); weights `W` have shape
      `(D, H)`, biases `b` shape `(H,)`, and a layer computes `X @ W + b`. (The slides draw examples as
      columns, `z = Θx`; the math is the same, transposed.)
    - losses are **means** over the N examples and use the **natural log**.

    Fill in each cell marked `# YOUR CODE HERE`, run the visible checks below it, and keep the names the
    task asks for. Hidden checks run when your notebook is graded: they call your code on new inputs.

    *Data: Banknote authentication data set, V. Lohweg and H. Dörksen, UCI Machine Learning Repository,
    DOI 10.24432/C55P57, CC BY 4.0.*
    """),
    given("setup", """
    import numpy as np
    import sympy
    import matplotlib.pyplot as plt
    import keras

    keras.utils.set_random_seed(0)
    print("Keras", keras.__version__, "with backend", keras.backend.backend())
    """),
    md("""
    ## 1. The sigmoid

    $\\sigma(z) = \\dfrac{1}{1 + e^{-z}}$ turns any score into a probability. Write `sigmoid(z)` for numbers
    and numpy arrays of any shape (elementwise). It must give finite values for large $|z|$ such as ±1000.
    """),
    solution("solution_sigmoid", """
    def sigmoid(z):
        \"\"\"The logistic function, elementwise: an array of the shape of z, values in [0, 1].\"\"\"
        ### BEGIN SOLUTION
        z = np.asarray(z, dtype=float)
        e = np.exp(-np.abs(z))  # never overflows
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        ### END SOLUTION
    """),
    visible_checks("check_sigmoid", """
    assert np.isclose(sigmoid(0.0), 0.5), "sigmoid(0) should be 0.5"
    assert np.shape(sigmoid(np.zeros((2, 3)))) == (2, 3), "sigmoid keeps the shape of its input"
    assert np.allclose(sigmoid(np.array([-1.0, 1.0])), [0.268941, 0.731059], atol=1e-6)
    assert np.all(np.isfinite(sigmoid(np.array([-1000.0, 1000.0])))), "large |z| must give finite values"
    print("sigmoid: visible checks passed")
    """),
    hidden_checks(KEY, "sigmoid", "sigmoid", 2),
    md("""
    ## 2. The banknote neuron by hand

    The week-1 neuron scores a banknote from two features, $z = w_1 x_1 + w_2 x_2 + b$ with
    $w_1 = 0.3$, $w_2 = 0.1$, $b = 1.0$, and says $P(\\text{fake}) = \\sigma(z)$.
    Compute `p_fake` for the note with $x_1 = 1$ and $x_2 = 2.2$.
    """),
    solution("solution_p_fake", """
    ### BEGIN SOLUTION
    z = 0.3 * 1 + 0.1 * 2.2 + 1.0
    p_fake = sigmoid(z)
    ### END SOLUTION
    print(f"P(fake) = {float(p_fake):.6f}")
    """),
    visible_checks("check_p_fake", """
    assert 0 < p_fake < 1, "a probability lies between 0 and 1"
    """),
    hidden_checks(KEY, "p_fake", "p_fake", 1),
    md("""
    ## 3. The same neuron on a whole batch

    With examples in rows, one matrix product scores the whole batch: $z = Xw + b$.
    Write `neuron_forward(X, w, b)` returning $P(y = 1 \\mid x)$ for every row: `X` `(N, D)`, `w` `(D,)`,
    `b` a number; the result has shape `(N,)`.
    """),
    solution("solution_neuron_forward", """
    def neuron_forward(X, w, b):
        \"\"\"Probabilities of shape (N,) for X (N, D), weights w (D,) and bias b.\"\"\"
        ### BEGIN SOLUTION
        z = X @ w + b  # (N,)
        return sigmoid(z)
        ### END SOLUTION
    """),
    visible_checks("check_neuron_forward", """
    p = neuron_forward(np.array([[1.0, 2.2], [0.0, 0.0]]), np.array([0.3, 0.1]), 1.0)
    assert np.shape(p) == (2,), f"expected shape (2,), got {np.shape(p)}"
    assert np.isclose(p[0], p_fake), "the first row is the banknote of question 2"
    print("neuron_forward: visible checks passed")
    """),
    hidden_checks(KEY, "neuron_forward", "neuron_forward", 2),
    md("""
    ## 4. Matrix multiplication, and an error on a slide

    A slide multiplies $A = \\begin{pmatrix}2 & 1\\\\ 0 & 3\\end{pmatrix}$ by
    $B = \\begin{pmatrix}3 & 1 & 7\\\\ 8 & 2 & 4\\end{pmatrix}$. Compute the product `C` (shape `(2, 3)`).
    """),
    given("matrices", """
    A = np.array([[2, 1], [0, 3]])
    B = np.array([[3, 1, 7], [8, 2, 4]])
    """),
    solution("solution_matmul", """
    ### BEGIN SOLUTION
    C = A @ B
    ### END SOLUTION
    C
    """),
    visible_checks("check_matmul", """
    assert np.shape(C) == (2, 3), f"A (2, 2) times B (2, 3) has shape (2, 3), got {np.shape(C)}"
    """),
    hidden_checks(KEY, "matmul", "C", 1),
    md("""
    The slide prints the top-left entry of the product as $c_{11} = 11$. Is that right?
    Set `c11_correct` to the right value of $c_{11}$ (a number).
    """),
    solution("solution_c11", """
    ### BEGIN SOLUTION
    c11_correct = 2 * 3 + 1 * 8
    ### END SOLUTION
    """),
    visible_checks("check_c11", """
    assert np.ndim(c11_correct) == 0, "c11_correct is a single number"
    """),
    hidden_checks(KEY, "c11", "c11_correct", 1),
    md("""
    ## 5. The decision boundary

    A neuron says "fake" when $p > 0.5$, that is when $z > 0$: the boundary is the line $z = 0$.
    For the banknote neuron, $0.3 x_1 + 0.1 x_2 + 1 = 0$ gives $x_2 = -10 - 3 x_1$.

    Another neuron has $\\ln\\frac{p}{1-p} = 1 + 2 x_1 + 0.5 x_2$. Give its boundary as `boundary`:
    a sympy expression for $x_2$ in terms of the symbol `x1` (any equivalent form is fine), or a pair
    `(slope, intercept)` of numbers.
    """),
    solution("solution_decision_boundary", """
    x1, x2 = sympy.symbols("x1 x2")
    ### BEGIN SOLUTION
    boundary = sympy.solve(sympy.Eq(1 + 2 * x1 + sympy.Rational(1, 2) * x2, 0), x2)[0]
    ### END SOLUTION
    boundary
    """),
    visible_checks("check_decision_boundary", """
    assert isinstance(boundary, sympy.Expr) or len(boundary) == 2, "a sympy expression or (slope, intercept)"
    """),
    hidden_checks(KEY, "decision_boundary", "boundary", 2),
    md("""
    ## 6. A hidden layer

    A network with one hidden layer computes $a = \\sigma(X W_1 + b_1)$, then $p = \\sigma(a W_2 + b_2)$.
    Write `forward_one_hidden(X, W1, b1, W2, b2)`: `X` `(N, D)`, `W1` `(D, H)`, `b1` `(H,)`, `W2` `(H, C)`,
    `b2` `(C,)`; it returns `p` of shape `(N, C)`.

    The check below uses a small network that computes "x1 > 0.5 AND x2 > 0.5".
    """),
    solution("solution_forward_one_hidden", """
    def forward_one_hidden(X, W1, b1, W2, b2):
        \"\"\"Sigmoid hidden layer, sigmoid output: probabilities of shape (N, C).\"\"\"
        ### BEGIN SOLUTION
        a = sigmoid(X @ W1 + b1)  # (N, H)
        return sigmoid(a @ W2 + b2)  # (N, C)
        ### END SOLUTION
    """),
    visible_checks("check_forward_one_hidden", """
    W1 = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0]])  # (2, 3)
    b1 = np.array([-5.0, -5.0, 0.0])
    W2 = np.array([[10.0], [10.0], [0.0]])  # (3, 1)
    b2 = np.array([-18.0])
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    out = forward_one_hidden(corners, W1, b1, W2, b2)
    assert np.shape(out) == (4, 1), f"expected shape (4, 1), got {np.shape(out)}"
    assert (out[:, 0] > 0.5).tolist() == [False, False, False, True], "this network computes an AND"
    print("forward_one_hidden: visible checks passed")
    """),
    hidden_checks(KEY, "forward_one_hidden", "forward_one_hidden", 3),
    md("""
    ## 7. The negative log-likelihood

    For predictions $p_i$ and labels $y_i \\in \\{0, 1\\}$ the binary cross-entropy is the mean NLL,
    $-\\frac{1}{N}\\sum_i \\big(y_i \\ln p_i + (1 - y_i) \\ln(1 - p_i)\\big)$.
    Write `binary_cross_entropy(p, y)`; it must stay finite when a prediction is exactly 0 or 1 and right
    (clip `p` into $[\\varepsilon, 1 - \\varepsilon]$ with a tiny $\\varepsilon$).
    """),
    solution("solution_binary_cross_entropy", """
    def binary_cross_entropy(p, y):
        \"\"\"Mean NLL (natural log) of probabilities p (N,) for labels y (N,) in {0, 1}.\"\"\"
        ### BEGIN SOLUTION
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        ### END SOLUTION
    """),
    visible_checks("check_binary_cross_entropy", """
    # the banknote of question 2: NLL 0.197794 if it is fake, 1.717794 if it is real
    assert np.isclose(binary_cross_entropy(np.array([p_fake]), np.array([1.0])), 0.197794, atol=1e-6)
    assert np.isclose(binary_cross_entropy(np.array([p_fake]), np.array([0.0])), 1.717794, atol=1e-6)
    # guessing 0.5 everywhere costs ln 2
    assert np.isclose(binary_cross_entropy(np.full(4, 0.5), np.array([0.0, 1.0, 0.0, 1.0])), np.log(2))
    print("binary_cross_entropy: visible checks passed")
    """),
    hidden_checks(KEY, "binary_cross_entropy", "binary_cross_entropy", 2),
    md("""
    ## 8. The banknote neuron in Keras

    Build `model_neuron`: `keras.Input(shape=(2,))` followed by `Dense(1, activation="sigmoid")`; compile it
    with the SGD optimizer and the binary cross-entropy loss; then give its layer the hand-made weights
    ($w = (0.3, 0.1)$, $b = 1$) with `set_weights([kernel of shape (2, 1), bias of shape (1,)])`.
    Its predictions must equal your numpy neuron's.
    """),
    solution("solution_keras_neuron", """
    ### BEGIN SOLUTION
    model_neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model_neuron.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
    model_neuron.layers[0].set_weights([np.array([[0.3], [0.1]]), np.array([1.0])])
    ### END SOLUTION
    """),
    visible_checks("check_keras_neuron", """
    p_keras = model_neuron.predict(np.array([[1.0, 2.2]]), verbose=0)
    assert np.isclose(p_keras[0, 0], p_fake, atol=1e-6), "Keras and numpy should agree on the banknote"
    print("model_neuron: visible checks passed")
    """),
    hidden_checks(KEY, "keras_neuron", "model_neuron", 3),
    md("""
    ## 9. Training on the banknotes

    The data below are the 1372 banknotes; we keep two features, skewness ($x_1$) and entropy ($x_2$) of a
    wavelet-transformed image, and the label (1 = fake). The rows come sorted by class, so they are shuffled
    before the split. The file is downloaded once and checked against its SHA-256.

    Build `model_trained` like `model_neuron` (`keras.Input(shape=(2,))`, then `Dense(1, activation="sigmoid")`,
    with fresh weights), compile it with `SGD(learning_rate=0.15)`, the binary cross-entropy and the accuracy
    metric, and train it with `model_trained.fit` on `X_train, y_train` (batch size 128) until its accuracy on the
    test set `X_test, y_test` is at least 0.68. Train on the raw features (no scaling): it is graded on raw ones.

    The grader checks the architecture and the compile settings above; that `model_trained` itself was trained
    (`fit` ran on it for at least one epoch: a model that was never fitted loses this check, however well its
    starting weights happen to score); its accuracy on the same 275 test notes `X_test, y_test` (at least 0.68);
    and that its predictions equal a forward pass with its own weights.
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
    print("train", X_train.shape, "test", X_test.shape, "fraction fake", y_all.mean().round(3))
    """),
    solution("solution_keras_trained", """
    ### BEGIN SOLUTION
    keras.utils.set_random_seed(1)
    model_trained = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss="binary_crossentropy",
                          metrics=["accuracy"])
    model_trained.fit(X_train, y_train, epochs=40, batch_size=128, verbose=0)
    ### END SOLUTION
    test_loss, test_accuracy = model_trained.evaluate(X_test, y_test, verbose=0)
    print(f"test loss {test_loss:.3f}, test accuracy {test_accuracy:.3f}")
    """),
    visible_checks("check_keras_trained", """
    assert test_accuracy >= 0.68, f"train longer or check the model: test accuracy {test_accuracy:.3f} < 0.68"
    """),
    hidden_checks(KEY, "keras_trained", "model_trained", 3),
    md("""
    The picture: the banknotes and the line where your trained neuron says $p = 0.5$.
    """),
    given("plot_boundary", """
    (kernel, bias) = model_trained.layers[0].get_weights()
    w1, w2, b = float(kernel[0, 0]), float(kernel[1, 0]), float(bias[0])
    xs = np.linspace(X_all[:, 0].min(), X_all[:, 0].max(), 2)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(*X_all[y_all == 0].T, s=6, alpha=0.5, label="real (0)")
    ax.scatter(*X_all[y_all == 1].T, s=6, alpha=0.5, label="fake (1)")
    ax.plot(xs, -(b + w1 * xs) / w2, "k-", label="p = 0.5")
    ax.set(xlabel="skewness x1", ylabel="entropy x2", ylim=(X_all[:, 1].min() - 1, X_all[:, 1].max() + 1))
    ax.legend()
    plt.show()
    """),
    md("""
    ## 10. A hidden layer in Keras

    Build `model_hidden`: `keras.Input(shape=(2,))`, `Dense(8, activation="sigmoid")`, then
    `Dense(2, activation="softmax")` (one probability per class); compile it with SGD and the
    `"sparse_categorical_crossentropy"` loss (labels stay 0 and 1), and train it for a few epochs with
    `model_hidden.fit` on `X_train, y_train` (the grader checks its layers, its compile settings, and that `fit`
    ran on it).
    Then count its parameters by hand: set `n_params` to the number of weights and biases of both layers
    (you can compare with `model_hidden.count_params()` afterwards).
    """),
    solution("solution_keras_hidden", """
    ### BEGIN SOLUTION
    model_hidden = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="sigmoid"),
                                     keras.layers.Dense(2, activation="softmax")])
    model_hidden.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"])
    model_hidden.fit(X_train, y_train, epochs=10, batch_size=128, verbose=0)
    ### END SOLUTION
    """),
    visible_checks("check_keras_hidden", """
    assert model_hidden.predict(X_test[:3], verbose=0).shape == (3, 2), "one probability per class"
    """),
    hidden_checks(KEY, "keras_hidden", "model_hidden", 2),
    solution("solution_n_params", """
    ### BEGIN SOLUTION
    n_params = (2 * 8 + 8) + (8 * 2 + 2)
    ### END SOLUTION
    """),
    visible_checks("check_n_params", """
    assert float(n_params).is_integer() and n_params > 0, "a count of parameters is a positive whole number"
    """),
    hidden_checks(KEY, "n_params", "n_params", 1),
    md("""
    ## 11. In your own words (graded by hand)

    Why is the decision boundary of a single sigmoid neuron a straight line, and what does adding a hidden
    layer change about the boundaries a network can draw? Two or three sentences.
    """),
    manual_answer("explain_boundary", """
    The neuron says p = 0.5 exactly where z = w·x + b = 0, and that set is a straight line (a hyperplane in more
    dimensions), because z is linear in x. A hidden layer applies a non-linear function to several such lines
    and combines them, so the network can draw curved or piecewise boundaries (for example an AND of two lines).
    """, 2),
]

if __name__ == "__main__":
    write(cells, OUT)
    print("wrote", OUT)
