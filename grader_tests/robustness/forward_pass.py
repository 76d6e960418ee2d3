"""Assignment 01 as students write it: right answers in many forms, realistic wrong ones.

Each entry is a whole solution cell; the notebook's own cells before it (the student's sigmoid, the
matrices A and B) are in the namespace. The expected outcome of each is read off the question's text.
Keras variants are in KERAS_RIGHT / KERAS_WRONG (they build real, tiny models).
"""
from __future__ import annotations

from . import SOME, right, wrong

SYMBOLS = 'x1, x2 = sympy.symbols("x1 x2")\n'

RIGHT = [
    # ---- sigmoid: "numbers and numpy arrays of any shape (elementwise) ... finite values for large |z|"
    right("sigmoid", "naive_formula", "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"),
    right("sigmoid", "stable_where", "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
          "    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))\n"),
    right("sigmoid", "tanh_identity", "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n"),
    right("sigmoid", "math_exp_loop", "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
          "    out = np.empty_like(z)\n"
          "    for idx, v in np.ndenumerate(z):\n        if v >= 0:\n            out[idx] = 1 / (1 + math.exp(-v))\n"
          "        else:\n            e = math.exp(v)\n            out[idx] = e / (1 + e)\n    return out\n"),
    right("sigmoid", "float32", "def sigmoid(z):\n    z = np.asarray(z, dtype=np.float32)\n"
          "    return 1 / (1 + np.exp(-z))\n"),
    right("sigmoid", "clipped_input", "def sigmoid(z):\n    z = np.clip(z, -500, 500)  # avoid overflow\n"
          "    return 1.0 / (1.0 + np.exp(-z))\n"),
    right("sigmoid", "logaddexp", "def sigmoid(z):\n    return np.exp(-np.logaddexp(0, -z))\n"),
    right("sigmoid", "reciprocal_e_power", "def sigmoid(z):\n    return np.reciprocal(1 + np.e ** (-np.asarray(z)))\n"),
    right("sigmoid", "nested_lists", "def sigmoid(z):\n    print('computing sigmoid of', np.shape(z))\n"
          "    return (1 / (1 + np.exp(-np.asarray(z)))).tolist()\n"),
    right("sigmoid", "vectorize_math", "def _s(t):\n    return 1 / (1 + math.exp(-t)) if t > -700 else 0.0\n\n"
          "sigmoid = np.vectorize(_s, otypes=[float])\n"),
    # ---- p_fake: "compute p_fake for the note with x1 = 1 and x2 = 2.2"
    right("p_fake", "own_sigmoid", "z = 0.3 * 1 + 0.1 * 2.2 + 1.0\np_fake = sigmoid(z)\nprint(p_fake)\n"),
    right("p_fake", "math_exp", "w1, w2, b = 0.3, 0.1, 1.0\np_fake = 1 / (1 + math.exp(-(w1 * 1 + w2 * 2.2 + b)))\n"),
    right("p_fake", "dot_product", "w = np.array([0.3, 0.1])\nx = np.array([1, 2.2])\np_fake = sigmoid(w @ x + 1)\n"),
    right("p_fake", "float32", "p_fake = np.float32(1) / (1 + np.exp(np.float32(-1.52)))\n"),
    right("p_fake", "one_element_array", "p_fake = sigmoid(np.array([[1.0, 2.2]]) @ np.array([0.3, 0.1]) + 1.0)\n"),
    right("p_fake", "sympy_number", "z = sympy.Rational(3, 10) + sympy.Rational(1, 10) * sympy.Rational(11, 5) + 1\n"
          "p_fake = sympy.N(1 / (1 + sympy.exp(-z)))\n"),
    right("p_fake", "python_list", "p_fake = [float(sigmoid(1.52))]\n"),
    right("decision_boundary", "unsolved_equation", SYMBOLS + "boundary = sympy.Eq(1 + 2 * x1 + x2 / 2, 0)\n"),
    # ---- neuron_forward: X (N, D), w (D,), b a number; result (N,)
    right("neuron_forward", "matmul", "def neuron_forward(X, w, b):\n    return sigmoid(X @ w + b)\n"),
    right("neuron_forward", "np_dot_inline", "def neuron_forward(X, w, b):\n    z = np.dot(X, w) + b\n"
          "    return 1 / (1 + np.exp(-z))\n"),
    right("neuron_forward", "einsum", "def neuron_forward(X, w, b):\n"
          "    return sigmoid(np.einsum('nd,d->n', X, w) + b)\n"),
    right("neuron_forward", "row_loop", "def neuron_forward(X, w, b):\n    out = []\n    for row in X:\n"
          "        z = sum(x_i * w_i for x_i, w_i in zip(row, w)) + b\n        out.append(1 / (1 + math.exp(-z)))\n"
          "    return np.array(out)\n"),
    right("neuron_forward", "broadcast_sum", "def neuron_forward(X, w, b):\n"
          "    return sigmoid((X * w).sum(axis=1) + b)\n"),
    right("neuron_forward", "column_then_ravel", "def neuron_forward(X, w, b):\n"
          "    return sigmoid(X @ w.reshape(-1, 1) + b).ravel()\n"),
    right("neuron_forward", "float32", "def neuron_forward(X, w, b):\n"
          "    return sigmoid(X.astype(np.float32) @ w.astype(np.float32) + np.float32(b)).astype(np.float32)\n"),
    right("neuron_forward", "list_result", "def neuron_forward(X, w, b):\n    return list(sigmoid(w @ X.T + b))\n"),
    # ---- matmul: "Compute the product C (shape (2, 3))" of the integer matrices A and B
    right("matmul", "at_operator", "C = A @ B\n"),
    right("matmul", "np_dot", "C = np.dot(A, B)\nprint(C)\n"),
    right("matmul", "float_matmul", "C = np.matmul(A.astype(float), B.astype(float))\n"),
    right("matmul", "einsum", "C = np.einsum('ik,kj->ij', A, B)\n"),
    right("matmul", "triple_loop_lists", "C = [[0] * 3 for _ in range(2)]\nfor i in range(2):\n    for j in range(3):\n"
          "        for k in range(2):\n            C[i][j] += A[i][k] * B[k][j]\n"),
    right("matmul", "tuple_of_tuples", "C = ((14, 4, 18), (24, 6, 12))\n"),
    right("matmul", "np_matrix", "C = np.matrix(A) * np.matrix(B)\n"),
    right("matmul", "sympy_matrix", "C = sympy.Matrix(A.tolist()) * sympy.Matrix(B.tolist())\n"),
    # ---- c11: "the right value of c11 (a number)"
    right("c11", "arithmetic", "c11_correct = 2 * 3 + 1 * 8\n"),
    right("c11", "from_product", "c11_correct = (A @ B)[0, 0]\n"),
    right("c11", "row_times_column", "c11_correct = A[0, :] @ B[:, 0]\n"),
    right("c11", "float", "c11_correct = 14.0\n"),
    right("c11", "float32", "c11_correct = np.float32(14)\n"),
    right("c11", "sympy_integer", "c11_correct = sympy.Integer(2) * 3 + 1 * 8\n"),
    # ---- decision_boundary: 1 + 2 x1 + 0.5 x2 = 0 as an expression for x2 in x1, or (slope, intercept)
    right("decision_boundary", "solve", SYMBOLS + "boundary = sympy.solve(1 + 2 * x1 + x2 / 2, x2)[0]\n"),
    right("decision_boundary", "by_hand", SYMBOLS + "boundary = -4 * x1 - 2\n"),
    right("decision_boundary", "float_division", SYMBOLS + "boundary = (-1 - 2 * x1) / 0.5\n"),
    right("decision_boundary", "factored", SYMBOLS + "boundary = -2 * (2 * x1 + 1)\n"),
    right("decision_boundary", "equation", SYMBOLS + "boundary = sympy.Eq(x2, -2 - 4 * x1)\n"),
    right("decision_boundary", "pair_tuple", SYMBOLS + "boundary = (-4, -2)\n"),
    right("decision_boundary", "pair_list_floats", SYMBOLS + "boundary = [-4.0, -2.0]\n"),
    right("decision_boundary", "pair_array", SYMBOLS + "boundary = np.array([-4.0, -2.0])\n"),
    right("decision_boundary", "pair_of_sympy_numbers", SYMBOLS + "slope = sympy.Rational(-2, 1) / sympy.Rational(1, 2)\n"
          "boundary = (slope, sympy.Integer(-1) / sympy.Rational(1, 2))\n"),
    right("decision_boundary", "real_symbols", 'x1 = sympy.Symbol("x1", real=True)\nx2 = sympy.Symbol("x2", real=True)\n'
          "boundary = sympy.solve(sympy.Eq(1 + 2 * x1 + sympy.Rational(1, 2) * x2, 0), x2)[0]\n"),
    right("decision_boundary", "expanded_float", SYMBOLS + "boundary = sympy.expand(-(1 + 2.0 * x1) * 2)\n"),
    # ---- forward_one_hidden: a = sigma(X W1 + b1), p = sigma(a W2 + b2), shape (N, C)
    right("forward_one_hidden", "own_sigmoid", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)\n"),
    right("forward_one_hidden", "np_dot_naive_exp", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    h = 1 / (1 + np.exp(-(np.dot(X, W1) + b1)))\n    out = np.dot(h, W2) + b2\n"
          "    return 1 / (1 + np.exp(-out))\n"),
    right("forward_one_hidden", "slide_layout_transposed_back", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = sigmoid(W1.T @ X.T + b1[:, None])  # columns are examples, as on the slides\n"
          "    p = sigmoid(W2.T @ a + b2[:, None])\n    return p.T\n"),
    right("forward_one_hidden", "einsum", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = sigmoid(np.einsum('nd,dh->nh', X, W1) + b1)\n"
          "    return sigmoid(np.einsum('nh,hc->nc', a, W2) + b2)\n"),
    right("forward_one_hidden", "loop_over_examples", "def forward_one_hidden(X, W1, b1, W2, b2):\n    rows = []\n"
          "    for x in X:\n        a = sigmoid(x @ W1 + b1)\n        rows.append(sigmoid(a @ W2 + b2))\n"
          "    return np.stack(rows)\n"),
    right("forward_one_hidden", "float32", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    X, W1, b1, W2, b2 = (np.asarray(t, dtype=np.float32) for t in (X, W1, b1, W2, b2))\n"
          "    a = 1 / (1 + np.exp(-(X @ W1 + b1)))\n    return 1 / (1 + np.exp(-(a @ W2 + b2)))\n"),
    right("forward_one_hidden", "tanh_sigmoid_helper", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    act = lambda t: 0.5 + 0.5 * np.tanh(0.5 * t)\n    layer = lambda inp, W, b: act(inp.dot(W) + b)\n"
          "    return layer(layer(X, W1, b1), W2, b2)\n"),
    # ---- binary_cross_entropy: mean NLL, natural log, finite for p exactly 0 or 1 and right
    right("binary_cross_entropy", "clip_1e-7", "def binary_cross_entropy(p, y):\n    eps = 1e-7\n"
          "    p = np.clip(p, eps, 1 - eps)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
    right("binary_cross_entropy", "where_branches", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p, 1e-15, 1 - 1e-15)\n    return np.mean(np.where(y == 1, -np.log(p), -np.log(1 - p)))\n"),
    right("binary_cross_entropy", "loop_math_log", "def binary_cross_entropy(p, y):\n    total = 0.0\n"
          "    for p_i, y_i in zip(p, y):\n        p_i = min(max(p_i, 1e-12), 1 - 1e-12)\n"
          "        total += y_i * math.log(p_i) + (1 - y_i) * math.log(1 - p_i)\n    return -total / len(p)\n"),
    right("binary_cross_entropy", "dot_products", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
          "    return -(y @ np.log(p) + (1 - y) @ np.log(1 - p)) / len(y)\n"),
    right("binary_cross_entropy", "nan_to_num", "def binary_cross_entropy(p, y):\n"
          "    terms = y * np.log(p) + (1 - y) * np.log(1 - p)  # 0 * log 0 is nan: count it as 0\n"
          "    return -np.mean(np.nan_to_num(terms))\n"),
    right("binary_cross_entropy", "epsilon_inside_log", "def binary_cross_entropy(p, y):\n    eps = 1e-12\n"
          "    return -np.average(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))\n"),
    right("binary_cross_entropy", "float32", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p.astype(np.float32), 1e-7, 1 - 1e-7)\n    y = y.astype(np.float32)\n"
          "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
    right("binary_cross_entropy", "machine_epsilon", "def binary_cross_entropy(p, y):\n    eps = np.finfo(float).eps\n"
          "    p = np.clip(p, eps, 1 - eps)\n    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n"),
    right("binary_cross_entropy", "two_means", "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
          "    return -np.mean(y * np.log(p)) - np.mean((1 - y) * np.log(1 - p))\n"),
    # ---- n_params: weights and biases of Dense(8) on 2 inputs and Dense(2)
    right("n_params", "sum_of_layers", "n_params = (2 * 8 + 8) + (8 * 2 + 2)\n"),
    right("n_params", "literal_float", "n_params = 42.0\n"),
    right("n_params", "numpy_sum", "shapes = [(2, 8), (8,), (8, 2), (2,)]\n"
          "n_params = np.sum([np.prod(s) for s in shapes])\n"),
]

WRONG = [
    # ---- sigmoid
    wrong("sigmoid", "exp_over_one_plus_exp", "def sigmoid(z):\n    return np.exp(z) / (1 + np.exp(z))\n",
          fails=("large |z|",)),
    wrong("sigmoid", "one_minus_sigma", "def sigmoid(z):\n    return np.exp(-z) / (1 + np.exp(-z))\n",
          mistake="sigmoid.sign"),
    wrong("sigmoid", "sign_in_helper", "def sigmoid(z):\n    denominator = 1 + np.exp(z)\n    return 1 / denominator\n",
          mistake="sigmoid.sign"),
    wrong("sigmoid", "tanh_activation", "def sigmoid(z):\n"
          "    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))\n",
          mistake="sigmoid.tanh"),
    wrong("sigmoid", "forgot_one_plus", "def sigmoid(z):\n    return np.exp(z)\n", mistake="sigmoid.no_one"),
    wrong("sigmoid", "math_exp_overflows", "def sigmoid(z):\n"
          "    return np.array([1 / (1 + math.exp(-v)) for v in np.ravel(z)]).reshape(np.shape(z))\n",
          fails=("shape", "large |z|")),
    wrong("sigmoid", "flattened", "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.ravel(z)))\n", fails=("shape",)),
    wrong("sigmoid", "rounded", "def sigmoid(z):\n    return np.round(1 / (1 + np.exp(-z)), 4)\n", fails=("values",)),
    wrong("sigmoid", "float16", "def sigmoid(z):\n    z = np.asarray(z, dtype=np.float16)\n"
          "    return 1 / (1 + np.exp(-z))\n",
          fails=("values",)),
    wrong("sigmoid", "minus_in_denominator", "def sigmoid(z):\n    return 1 / (1 - np.exp(-z))\n",
          fails=("values", "large |z|")),
    wrong("sigmoid", "returns_none", "def sigmoid(z):\n    s = 1 / (1 + np.exp(-z))\n",
          fails=("shape", "values", "large |z|")),
    # ---- p_fake
    wrong("p_fake", "the_score", "p_fake = 0.3 * 1 + 0.1 * 2.2 + 1.0\n", mistake="p_fake.z"),
    wrong("p_fake", "probability_of_real", "p_fake = sigmoid(-(0.3 + 0.22 + 1.0))\n", mistake="p_fake.real"),
    wrong("p_fake", "percent", "p_fake = round(100 * sigmoid(1.52), 10)\n", mistake="p_fake.percent"),
    wrong("p_fake", "features_swapped", "p_fake = sigmoid(0.3 * 2.2 + 0.1 * 1 + 1.0)\n", fails=("value",)),
    wrong("p_fake", "bias_forgotten", "p_fake = sigmoid(0.3 * 1 + 0.1 * 2.2)\n", fails=("value",)),
    wrong("p_fake", "rounded_by_hand", "p_fake = 0.82\n", fails=("value",)),
    wrong("p_fake", "a_string", "p_fake = f'{sigmoid(1.52):.6f}'\n", fails=("value",)),
    wrong("p_fake", "float16", "p_fake = np.float16(sigmoid(1.52))\n", fails=("value",)),
    # ---- neuron_forward
    wrong("neuron_forward", "bias_forgotten", "def neuron_forward(X, w, b):\n    return sigmoid(np.dot(X, w))\n",
          mistake="neuron.no_bias"),
    wrong("neuron_forward", "score_returned", "def neuron_forward(X, w, b):\n    z = np.einsum('ij,j->i', X, w) + b\n"
          "    return z\n", mistake="neuron.no_sigmoid"),
    wrong("neuron_forward", "column_vector", "def neuron_forward(X, w, b):\n    W = w[:, np.newaxis]  # (D, 1)\n"
          "    return sigmoid(X @ W + b)\n", mistake="neuron.column"),
    wrong("neuron_forward", "squeezed_scalar_for_one_row", "def neuron_forward(X, w, b):\n"
          "    return np.squeeze(sigmoid(X @ w[:, None] + b))\n", fails=("shape",)),
    wrong("neuron_forward", "bias_subtracted", "def neuron_forward(X, w, b):\n    return sigmoid(X @ w - b)\n",
          fails=("values",)),
    wrong("neuron_forward", "transposed_product_raises", "def neuron_forward(X, w, b):\n"
          "    return sigmoid(X.T @ w + b)\n",
          fails=("shape", "values")),
    wrong("neuron_forward", "mean_of_batch", "def neuron_forward(X, w, b):\n    return np.mean(sigmoid(X @ w + b))\n",
          fails=("shape", "values")),
    # ---- matmul
    wrong("matmul", "transposed_product", "C = (A @ B).T\n", mistake="matmul.transposed"),
    wrong("matmul", "slide_value_kept", "C = np.array([[11, 4, 18], [24, 6, 12]])\n", mistake="matmul.slide"),
    wrong("matmul", "A_transposed", "C = A.T @ B\n", fails=("value",)),
    wrong("matmul", "row_times_row_loop", "C = np.zeros((2, 3))\nfor i in range(2):\n    for j in range(3):\n"
          "        C[i, j] = A[i, 0] * B[i, j] + A[i, 1] * B[1 - i, j]\n", fails=("value",)),
    wrong("matmul", "only_first_column", "C = A @ B[:, :1]\n", fails=("value",)),
    # ---- c11
    wrong("c11", "trusted_the_slide", "c11_correct = 11.0\n", mistake="c11.slide"),
    wrong("c11", "row_times_row", "c11_correct = A[0] @ B[0, :2]\n", mistake="c11.row_row"),
    wrong("c11", "first_entries_only", "c11_correct = A[0, 0] * B[0, 0]\n", fails=("value",)),
    wrong("c11", "a_boolean", "c11_correct = False  # the slide is wrong\n", fails=("value",)),
    # ---- decision_boundary
    wrong("decision_boundary", "not_divided", SYMBOLS + "boundary = sympy.solve(1 + 2 * x1 + x2, x2)[0]\n",
          mistake="boundary.not_divided"),
    wrong("decision_boundary", "signs_flipped", SYMBOLS + "boundary = (1 + 2 * x1) / sympy.Rational(1, 2)\n",
          mistake="boundary.sign"),
    wrong("decision_boundary", "banknote_line", SYMBOLS + "boundary = sympy.solve(0.3 * x1 + 0.1 * x2 + 1, x2)[0]\n",
          mistake="boundary.banknote"),
    wrong("decision_boundary", "intercept_sign", SYMBOLS + "boundary = -4 * x1 + 2\n", fails=("intercept",)),
    wrong("decision_boundary", "slope_wrong", SYMBOLS + "boundary = -1 * x1 - 2\n", fails=("slope",)),
    wrong("decision_boundary", "solved_for_x1", SYMBOLS + "boundary = sympy.solve(1 + 2 * x1 + x2 / 2, x1)[0]\n",
          fails=("slope", "intercept")),
    wrong("decision_boundary", "a_string", "boundary = '-4*x1 - 2'\n", fails=("slope", "intercept")),
    wrong("decision_boundary", "pair_swapped", "boundary = (-2, -4)\n", fails=("slope", "intercept")),
    # ---- forward_one_hidden
    wrong("forward_one_hidden", "linear_hidden_layer", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    hidden = np.dot(X, W1) + b1\n    return sigmoid(np.dot(hidden, W2) + b2)\n",
          mistake="hidden.no_activation"),
    wrong("forward_one_hidden", "no_biases", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    return sigmoid(sigmoid(np.einsum('nd,dh->nh', X, W1)) @ W2)\n", mistake="hidden.no_bias"),
    wrong("forward_one_hidden", "logits_out", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = sigmoid(X @ W1 + b1)\n"
          "    z = a @ W2 + b2\n    p = z\n    return p\n", mistake="hidden.logits"),
    wrong("forward_one_hidden", "slide_layout", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = sigmoid(W1.T @ X.T + b1.reshape(-1, 1))\n    return sigmoid(W2.T @ a + b2.reshape(-1, 1))\n",
          mistake="hidden.transposed"),
    wrong("forward_one_hidden", "relu_hidden", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = np.maximum(0, X @ W1 + b1)\n    return sigmoid(a @ W2 + b2)\n", fails=("values",)),
    wrong("forward_one_hidden", "output_bias_forgotten", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    a = sigmoid(X @ W1 + b1)\n    return sigmoid(a @ W2)\n", fails=("values",)),
    wrong("forward_one_hidden", "flattened_output", "def forward_one_hidden(X, W1, b1, W2, b2):\n"
          "    return sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2).flatten()\n", fails=("shape",)),
    # ---- binary_cross_entropy
    wrong("binary_cross_entropy", "log10", "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-7, 1 - 1e-7)\n"
          "    return -np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p))\n", mistake="bce.log10"),
    wrong("binary_cross_entropy", "summed", "def binary_cross_entropy(p, y):\n    eps = 1e-12\n"
          "    return -(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)).sum()\n", mistake="bce.sum"),
    wrong("binary_cross_entropy", "minus_forgotten", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
          "    ll = y * np.log(p) + (1 - y) * np.log(1 - p)\n    return ll.mean()\n", mistake="bce.sign"),
    wrong("binary_cross_entropy", "positive_term_only", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p, 1e-12, 1 - 1e-12)\n    return -np.sum(y * np.log(p)) / len(y)\n", mistake="bce.one_term"),
    wrong("binary_cross_entropy", "nan_from_log_0", "def binary_cross_entropy(p, y):\n"
          "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n", fails=("confident predictions",)),
    wrong("binary_cross_entropy", "clip_too_wide", "def binary_cross_entropy(p, y):\n    p = np.clip(p, 0.01, 0.99)\n"
          "    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))\n", fails=("confident predictions",)),
    wrong("binary_cross_entropy", "log2", "def binary_cross_entropy(p, y):\n    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
          "    return -np.mean(y * np.log2(p) + (1 - y) * np.log2(1 - p))\n", fails=("values",)),
    wrong("binary_cross_entropy", "labels_swapped", "def binary_cross_entropy(p, y):\n"
          "    p = np.clip(p, 1e-12, 1 - 1e-12)\n"
          "    return -np.mean((1 - y) * np.log(p) + y * np.log(1 - p))\n", fails=("values", "confident predictions")),
    # ---- n_params
    wrong("n_params", "weights_only", "layers = [(2, 8), (8, 2)]\nn_params = sum(d * h for d, h in layers)\n",
          mistake="n_params.no_bias"),
    wrong("n_params", "first_layer_only", "n_params = (2 + 1) * 8  # inputs and bias, times units\n",
          mistake="n_params.first_layer"),
    wrong("n_params", "bias_per_input", "n_params = (2 * 8 + 2) + (8 * 2 + 2)\n", fails=("value",)),
    wrong("n_params", "biases_only", "n_params = 8 + 2\n", fails=("value",)),
]

_NEURON_WEIGHTS = "[np.array([[0.3], [0.1]]), np.array([1.0])]"

KERAS_RIGHT = [
    right("keras_neuron", "functional_loss_instance",
          "inputs = keras.Input(shape=(2,))\noutputs = keras.layers.Dense(1, activation='sigmoid')(inputs)\n"
          "model_neuron = keras.Model(inputs, outputs)\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.BinaryCrossentropy())\n"
          "model_neuron.set_weights(%s)\n" % _NEURON_WEIGHTS),
    right("keras_neuron", "loss_function_optimizer_string",
          "model_neuron = keras.Sequential()\nmodel_neuron.add(keras.Input(shape=(2,)))\n"
          "model_neuron.add(keras.layers.Dense(1, activation=keras.activations.sigmoid))\n"
          "model_neuron.compile(optimizer='sgd', loss=keras.losses.binary_crossentropy, metrics=['accuracy'])\n"
          "model_neuron.layers[-1].set_weights(%s)\n" % _NEURON_WEIGHTS),
    right("keras_neuron", "activation_layer",
          "model_neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1),\n"
          "                                 keras.layers.Activation('sigmoid')])\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=keras.losses.BinaryCrossentropy)\n"
          "model_neuron.layers[0].set_weights(%s)\n" % _NEURON_WEIGHTS),
    right("keras_hidden", "functional_loss_instance",
          "inp = keras.Input(shape=(2,))\nh = keras.layers.Dense(8, activation='sigmoid')(inp)\n"
          "out = keras.layers.Dense(2, activation='softmax')(h)\nmodel_hidden = keras.Model(inputs=inp, outputs=out)\n"
          "model_hidden.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15),\n"
          "                     loss=keras.losses.SparseCategoricalCrossentropy(), metrics=['accuracy'])\n"
          "model_hidden.fit(X_train, y_train, epochs=2, batch_size=128, verbose=0)\n"),
    right("keras_hidden", "input_shape_argument",
          "model_hidden = keras.Sequential([keras.layers.Dense(8, activation='sigmoid', input_shape=(2,)),\n"
          "                                 keras.layers.Dense(2, activation='softmax')])\n"
          "model_hidden.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
          "model_hidden.fit(X_train, y_train, epochs=2, batch_size=128, verbose=0)\n"),
    right("keras_trained", "fitted_like_the_text",
          "keras.utils.set_random_seed(7)\nmodel_trained = keras.Sequential([keras.Input(shape=(2,)),\n"
          "                                  keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15),\n"
          "                      loss=keras.losses.BinaryCrossentropy, metrics=[keras.metrics.BinaryAccuracy()])\n"
          "model_trained.fit(X_train, y_train, epochs=5, batch_size=128, verbose=0)  # test accuracy 0.75\n"),
]

KERAS_WRONG = [
    wrong("keras_neuron", "relu_functional",
          "inputs = keras.Input(shape=(2,))\n"
          "model_neuron = keras.Model(inputs, keras.layers.Dense(1, activation='relu')(inputs))\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(), loss='binary_crossentropy')\n"
          "model_neuron.set_weights(%s)\n" % _NEURON_WEIGHTS, mistake="keras_neuron.relu"),
    wrong("keras_neuron", "mse_instance",
          "model_neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.MeanSquaredError())\n"
          "model_neuron.layers[0].set_weights(%s)\n" % _NEURON_WEIGHTS, mistake="keras_neuron.mse"),
    wrong("keras_neuron", "weights_swapped",
          "model_neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(), loss='binary_crossentropy')\n"
          "model_neuron.layers[0].set_weights([np.array([[0.1], [0.3]]), np.array([1.0])])\n", fails=("weights",)),
    wrong("keras_neuron", "never_set",
          "model_neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_neuron.compile(optimizer=keras.optimizers.SGD(), loss='binary_crossentropy')\n",
          mistake="keras_neuron.weights_not_set"),
    wrong("keras_hidden", "sigmoid_output_layer",
          "model_hidden = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid'),\n"
          "                                 keras.layers.Dense(2), keras.layers.Activation('sigmoid')])\n"
          "model_hidden.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
          "model_hidden.fit(X_train, y_train, epochs=1, batch_size=128, verbose=0)\n",
          mistake="keras_hidden.sigmoid_out"),
    wrong("keras_trained", "neuron_weights_copied_never_fitted",  # test accuracy 0.35
          "model_trained = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss='binary_crossentropy',\n"
          "                      metrics=['accuracy'])\n"
          "model_trained.set_weights([np.array([[0.3], [0.1]]), np.array([1.0])])  # model_neuron's\n",
          mistake="keras_trained.untrained", fails=("trained", "accuracy")),
    wrong("keras_trained", "hand_set_never_fitted",  # test accuracy 0.684
          "model_trained = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss='binary_crossentropy',\n"
          "                      metrics=['accuracy'])\n"
          "model_trained.layers[0].set_weights([np.array([[-0.9], [-0.2]]), np.array([0.3])])\n",
          mistake="keras_trained.untrained", fails=("trained",)),
    wrong("keras_trained", "lucky_start_never_fitted",  # its random start scores 0.76 on the notebook's test split
          "keras.utils.set_random_seed(17)\n"
          "model_trained = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss='binary_crossentropy',\n"
          "                      metrics=['accuracy'])\n", mistake="keras_trained.untrained", fails=("trained",)),
    wrong("keras_trained", "hidden_layer_instead",  # "build model_trained like model_neuron": one Dense(1) layer
          "keras.utils.set_random_seed(3)\n"
          "model_trained = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation='sigmoid'),\n"
          "                                  keras.layers.Dense(1, activation='sigmoid')])\n"
          "model_trained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss='binary_crossentropy')\n"
          "model_trained.fit(X_train, y_train, epochs=10, batch_size=128, verbose=0)\n", fails=SOME),
]
