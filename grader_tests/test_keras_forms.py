"""Keras answers judged by what they are, not how they were spelled (issue 22, points 4, 5 and 8).

Real (tiny) Keras models, built here the ways students build them, go through the kernel-side probe
(``describe_keras_model``), the report format (``encode`` / ``decode``) and the judge's checks, as
``spec_checks`` does. Right models in any API or spelling get full points; plausible wrong models get a
verdict that names the failing checks, a known mistake only where the model really makes it, and never an
internal error. Trained-model questions are judged on the notebook's own test set, and a model that was
never fitted fails the training check whatever its start scores.
"""
from __future__ import annotations

import types
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sympy

import reference_impl as ref
from autograder.judging import judge
from autograder import specs
from autograder.judging.probe import Reported
from autograder.specs import forward_pass as fp
from autograder.specs import gradient_descent as gd
from spec_checks import reported

ROOT = Path(__file__).resolve().parents[1]
A01, A03 = specs.get("01_forward_pass"), specs.get("03_gradient_descent")
NEURON_W, NEURON_B = np.array([[0.3], [0.1]]), np.array([1.0])
P0 = gd.initial_params()


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def split():
    """X_train, y_train, X_test, y_test as the notebook of assignment 01 makes them (raw features)."""
    X, y = ref.load_banknote()
    order = np.random.default_rng(42).permutation(len(y))
    n = int(0.8 * len(y))
    return X[order[:n]], y[order[:n]], X[order[n:]], y[order[n:]]


def verdict(q, model, seed=0):
    assignment = A01 if q in A01.questions else A03
    ctx = q.context(np.random.default_rng(seed))
    return judge.run_checks(q, assignment.qid(q), ctx, reported(q, ctx, model))


def assert_verdict(v, failed=(), mistake=None):
    """The verdict fails exactly these checks, names exactly this mistake (or none), and holds no engine error."""
    assert "internal error" not in str(v), v
    assert {c["name"] for c in v["checks"] if not c["passed"]} == set(failed), v["message"]
    assert (v["mistake"] or {}).get("id") == mistake, (v["mistake"], v["message"])
    return v


def sequential(keras, *layers, n_in=2):
    return keras.Sequential([keras.Input(shape=(n_in,)), *layers])


def dense(keras, units, activation=None, **kw):
    return keras.layers.Dense(units, activation=activation, **kw)


def sgd(keras, lr=0.1):
    return keras.optimizers.SGD(learning_rate=lr)


def set_neuron(layer, W=NEURON_W, b=NEURON_B):
    layer.set_weights([W, b] if b is not None else [W])


# --------------------------------------------------------------------------------------
# 01 keras_neuron: every API and spelling of the same neuron


def _neuron_functional(keras):
    x = keras.Input(shape=(2,))
    out = keras.layers.Activation("sigmoid")(keras.layers.Dense(1)(x))
    model = keras.Model(x, out)
    model.compile(optimizer=keras.optimizers.SGD(), loss=keras.losses.binary_crossentropy)
    set_neuron(model.layers[1])
    return model


def _neuron_input_shape(keras):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras advises keras.Input over input_shape=, and still builds the model
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="sgd", loss=keras.losses.BinaryCrossentropy())
    set_neuron(model.layers[0])
    return model


class _Neuron:
    """Built lazily: a subclassed keras.Model (the class is made once Keras is imported)."""

    @staticmethod
    def build(keras):
        class Neuron(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = keras.layers.Dense(1, activation="sigmoid")

            def call(self, x):
                return self.out(x)

        model = Neuron()
        model(np.zeros((1, 2), dtype="float32"))
        model.compile(optimizer=sgd(keras), loss=keras.losses.BinaryCrossentropy)
        set_neuron(model.out)
        return model


def _neuron_spelled(keras, activation, loss, *extra_before, extra_after=()):
    model = sequential(keras, *extra_before, dense(keras, 1, activation), *extra_after)
    model.compile(optimizer=sgd(keras), loss=loss)
    set_neuron(next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense)))
    return model


RIGHT_NEURONS = {
    "keras.Input, strings": lambda k: _neuron_spelled(k, "sigmoid", "binary_crossentropy"),
    "input_shape=, 'sgd', BinaryCrossentropy()": _neuron_input_shape,
    "functional API, Dense + Activation, loss function": _neuron_functional,
    "subclassed model, loss class": _Neuron.build,
    "keras.activations.sigmoid, 'BinaryCrossentropy'": lambda k: _neuron_spelled(
        k, k.activations.sigmoid, "BinaryCrossentropy"),
    "lambda activation, 'bce'": lambda k: _neuron_spelled(k, lambda z: k.ops.sigmoid(z), "bce"),
    "Flatten, Dropout(0), Activation layer": lambda k: _neuron_spelled(
        k, None, "binary_crossentropy", k.layers.Flatten(),
        extra_after=(k.layers.Activation(k.activations.sigmoid), k.layers.Dropout(0.0))),
    "nested Sequential, Activation('linear')": lambda k: _nested_neuron(k),
}


def _nested_neuron(keras):
    inner = keras.Sequential([dense(keras, 1, "sigmoid"), keras.layers.Activation("linear")])
    model = sequential(keras, inner)
    model.compile(optimizer=sgd(keras), loss="binary_crossentropy")
    set_neuron(inner.layers[0])
    return model


@pytest.mark.parametrize("form", RIGHT_NEURONS)
def test_every_form_of_the_neuron_gets_full_points(keras, form):
    v = assert_verdict(verdict(fp.KERAS_NEURON, RIGHT_NEURONS[form](keras)))
    assert v["points"] == fp.KERAS_NEURON.points


WRONG_NEURONS = {  # builder, failed checks, mistake named
    "use_bias=False": (lambda k: _neuron_bias_free(k), {"architecture", "weights"}, None),
    "weights swapped": (lambda k: _neuron_set(k, W=NEURON_W[::-1]), {"weights"}, None),
    "weights set, then trained": (lambda k: _neuron_trained(k), {"weights"}, None),
    "two units": (lambda k: _two_units(k), {"architecture", "weights"}, None),
    "tanh": (lambda k: _neuron_spelled(k, "tanh", "binary_crossentropy"), {"architecture"}, None),
    "relu as an Activation layer": (lambda k: _neuron_spelled(
        k, None, "binary_crossentropy", extra_after=(k.layers.Activation("relu"),)), {"architecture"},
        "keras_neuron.relu"),
    "mse as a loss instance": (lambda k: _neuron_spelled(k, "sigmoid", k.losses.MeanSquaredError()), {"compiled"},
                               "keras_neuron.mse"),
    "mse as a loss function": (lambda k: _neuron_spelled(k, "sigmoid", k.losses.mean_squared_error), {"compiled"},
                               "keras_neuron.mse"),
    "from_logits=True on a sigmoid": (lambda k: _neuron_spelled(
        k, "sigmoid", k.losses.BinaryCrossentropy(from_logits=True)), {"compiled"}, None),
    "an extra hidden layer": (lambda k: _neuron_hidden(k), {"architecture", "weights"}, None),
    "a BatchNormalization layer": (lambda k: _neuron_spelled(
        k, "sigmoid", "binary_crossentropy", k.layers.BatchNormalization()),
        {"architecture", "predictions"}, None),
    "a Lambda layer doubling its input": (lambda k: _neuron_spelled(
        k, "sigmoid", "binary_crossentropy", k.layers.Lambda(lambda z: 2.0 * z)),
        {"architecture", "predictions"}, None),
    "not compiled": (lambda k: _neuron_uncompiled(k), {"compiled"}, None),
}


def _neuron_set(keras, W=NEURON_W, b=NEURON_B):
    model = _neuron_spelled(keras, "sigmoid", "binary_crossentropy")
    set_neuron(model.layers[0], W, b)
    return model


def _neuron_bias_free(keras):
    model = sequential(keras, dense(keras, 1, "sigmoid", use_bias=False))
    model.compile(optimizer=sgd(keras), loss="binary_crossentropy")
    set_neuron(model.layers[0], b=None)
    return model


def _neuron_trained(keras):
    model = _neuron_set(keras)
    model.fit(np.array([[1.0, 2.2], [-1.0, 0.5]]), np.array([0, 1]), epochs=1, verbose=0)
    return model


def _two_units(keras):
    model = sequential(keras, dense(keras, 2, "sigmoid"))
    model.compile(optimizer=sgd(keras), loss="binary_crossentropy")
    return model


def _neuron_hidden(keras):
    model = sequential(keras, dense(keras, 4, "sigmoid"), dense(keras, 1, "sigmoid"))
    model.compile(optimizer=sgd(keras), loss="binary_crossentropy")
    return model


def _neuron_uncompiled(keras):
    model = sequential(keras, dense(keras, 1, "sigmoid"))
    set_neuron(model.layers[0])
    return model


@pytest.mark.parametrize("form", WRONG_NEURONS)
def test_a_plausible_wrong_neuron_gets_a_fitting_verdict(keras, form):
    build, failed, mistake = WRONG_NEURONS[form]
    v = assert_verdict(verdict(fp.KERAS_NEURON, build(keras)), failed, mistake)
    assert v["points"] == pytest.approx(sum(c.points for c in fp.KERAS_NEURON.checks if c.name not in failed))


def test_misplaced_or_moved_weights_are_told_what_happened(keras):
    swapped = verdict(fp.KERAS_NEURON, _neuron_set(keras, W=NEURON_W[::-1]))
    assert "wrong places" in swapped["message"]
    moved = verdict(fp.KERAS_NEURON, _neuron_trained(keras))
    assert "trained after its weights were set" in moved["message"]


def test_the_history_fit_returns_is_named(keras):
    model = sequential(keras, dense(keras, 1, "sigmoid"))
    model.compile(optimizer=sgd(keras), loss="binary_crossentropy")
    history = model.fit(np.zeros((2, 2)), np.array([0, 1]), epochs=1, verbose=0)
    v = assert_verdict(verdict(fp.KERAS_NEURON, history), {c.name for c in fp.KERAS_NEURON.checks})
    assert "History that fit returns" in v["message"]


# --------------------------------------------------------------------------------------
# the mistakes' own example cells (01 runs them after the notebook's data cell)


def _notebook_cells(assignment):
    nb = nbformat.read(str(ROOT / "source" / assignment.name / (assignment.notebook + ".ipynb")), 4)
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}


def test_the_judge_scores_the_notebooks_own_test_set(split):
    """The rows the notebook calls X_test, y_test are those the judge scores a trained model on."""
    ns = {"np": np, "keras": types.SimpleNamespace(utils=types.SimpleNamespace(
        get_file=lambda *args, **kwargs: str(ref.banknote_path())))}
    exec(_notebook_cells(A01)["load_banknotes"], ns)
    ctx = fp.KERAS_TRAINED.context(np.random.default_rng(0))
    assert np.array_equal(ns["X_test"], ctx.extra["test_X"]) and np.array_equal(ns["y_test"], ctx.extra["test_y"])
    assert np.array_equal(ns["X_train"], split[0]) and len(ctx.extra["test_y"]) == 275


@pytest.mark.parametrize("q, mistake", [(q, m) for q in (fp.KERAS_NEURON, fp.KERAS_TRAINED, fp.KERAS_HIDDEN)
                                        for m in q.mistakes], ids=lambda x: getattr(x, "id", getattr(x, "name", "")))
def test_each_keras_example_cell_makes_its_mistake(keras, split, q, mistake):
    X_train, y_train, X_test, y_test = split
    ns = {"np": np, "sympy": sympy, "keras": keras, "X_train": X_train, "y_train": y_train}
    (source,) = mistake.example.values()
    exec(compile(source, "<example %s>" % mistake.id, "exec"), ns)
    model = ns[q.name.replace("keras", "model")]
    v = assert_verdict(verdict(q, model), mistake.fails, mistake.id)
    assert v["points"] == pytest.approx(q.points - sum(c.points for c in q.checks if c.name in mistake.fails))


# --------------------------------------------------------------------------------------
# 01 keras_trained and keras_hidden: trained models, judged on the test set


@pytest.fixture(scope="module")
def trained_neuron(keras, split):
    """As the notebook asks: SGD(0.15) on the raw training rows (3 epochs of small batches: quicker, as good)."""
    keras.utils.set_random_seed(1)
    model = sequential(keras, dense(keras, 1, "sigmoid"))
    model.compile(optimizer=sgd(keras, 0.15), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(split[0], split[1], epochs=3, batch_size=16, verbose=0)
    return model


def _fresh_copy(keras, model):
    """A new neuron holding ``model``'s weights, compiled as asked, never fitted."""
    copy = sequential(keras, dense(keras, 1, "sigmoid"))
    copy.compile(optimizer=sgd(keras, 0.15), loss="binary_crossentropy", metrics=["accuracy"])
    copy.set_weights(model.get_weights())
    return copy


@pytest.fixture(scope="module")
def fitted_copy(keras, trained_neuron):
    """A copy of the trained neuron that fit ran on (one epoch on one note, its weights put back after)."""
    copy = _fresh_copy(keras, trained_neuron)
    copy.fit(np.array([[0.0, 0.0]]), np.array([0]), epochs=1, verbose=0)
    copy.set_weights(trained_neuron.get_weights())
    return copy


def test_the_trained_model_is_judged_on_the_test_set_it_reports(keras, split, trained_neuron):
    """The accuracy the judge measures is the one the notebook prints for X_test, y_test."""
    v = assert_verdict(verdict(fp.KERAS_TRAINED, trained_neuron))
    _, printed = trained_neuron.evaluate(split[2], split[3], verbose=0)
    (message,) = [c["message"] for c in v["checks"] if c["name"] == "accuracy"]
    assert message.startswith("accuracy ") and "275 banknotes of the test set" in message
    assert abs(float(message.split()[1]) - printed) <= 1 / 275 + 1e-3


def test_a_never_fitted_model_fails_the_training_check_whatever_it_scores(keras, trained_neuron):
    """Good weights copied into a model that never trained: accuracy passes, training does not."""
    v = assert_verdict(verdict(fp.KERAS_TRAINED, _fresh_copy(keras, trained_neuron)), {"trained"},
                       "keras_trained.untrained")
    assert v["points"] == fp.KERAS_TRAINED.points - 0.5


@pytest.mark.parametrize("form, failed", [
    ("adam", {"compiled"}), ("sgd at its default rate", {"compiled"}), ("no accuracy metric", {"compiled"}),
    ("Accuracy() counts exact matches", {"compiled"}), ("BinaryAccuracy()", set()), ("'acc'", set())])
def test_the_compile_settings_the_question_states_are_checked(keras, fitted_copy, form, failed):
    """Compiled again after fit (the history fit left stays): only the compile settings decide."""
    optimizer, metrics = {
        "adam": (keras.optimizers.Adam(0.15), ["accuracy"]), "sgd at its default rate": ("sgd", ["accuracy"]),
        "no accuracy metric": (None, []), "Accuracy() counts exact matches": (None, [keras.metrics.Accuracy()]),
        "BinaryAccuracy()": (None, [keras.metrics.BinaryAccuracy()]), "'acc'": (None, ["acc"])}[form]
    fitted_copy.compile(optimizer=optimizer or sgd(keras, 0.15), loss="binary_crossentropy", metrics=metrics)
    v = assert_verdict(verdict(fp.KERAS_TRAINED, fitted_copy), failed)
    assert form != "Accuracy() counts exact matches" or "exact matches" in v["message"]


def test_another_architecture_fails_the_architecture_check_even_when_accurate(keras, split):
    keras.utils.set_random_seed(2)
    model = sequential(keras, dense(keras, 4, "relu"), dense(keras, 1, "sigmoid"))
    model.compile(optimizer=sgd(keras, 0.15), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(split[0], split[1], epochs=1, batch_size=len(split[1]), verbose=0)
    v = verdict(fp.KERAS_TRAINED, model)
    assert "architecture" in {c["name"] for c in v["checks"] if not c["passed"]} and v["mistake"] is None
    assert "trained" not in {c["name"] for c in v["checks"] if not c["passed"]}
    assert "internal error" not in str(v)


def _hidden_functional(keras, fit):
    x = keras.Input(shape=(2,))
    h = keras.layers.Activation(keras.activations.sigmoid)(keras.layers.Dense(8)(x))
    out = keras.layers.Softmax()(keras.layers.Dense(2)(h))
    model = keras.Model(x, out)
    model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy())
    if fit:
        model.fit(np.array([[0.5, -1.0], [2.0, 1.0]]), np.array([0, 1]), epochs=1, verbose=0)
    return model


def test_the_hidden_layer_model_in_the_functional_api_must_be_fitted(keras):
    assert_verdict(verdict(fp.KERAS_HIDDEN, _hidden_functional(keras, fit=True)))
    assert_verdict(verdict(fp.KERAS_HIDDEN, _hidden_functional(keras, fit=False)), {"trained"})


# --------------------------------------------------------------------------------------
# 03 keras_net: the same network, the same initial weights


def _net(keras, hidden="sigmoid", loss="sparse_categorical_crossentropy", layers=None, weights="layers"):
    model = sequential(keras, *(layers or (dense(keras, 8, hidden), dense(keras, 2, "softmax"))))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss)
    if weights == "layers":
        model.layers[0].set_weights([P0["W1"], P0["b1"]])
        model.layers[-1].set_weights([P0["W2"], P0["b2"]])
    elif weights == "model":
        model.set_weights([P0["W1"], P0["b1"], P0["W2"], P0["b2"]])
    return model


RIGHT_NETS = {
    "model.set_weights, 'sgd' string": lambda k: _net_sgd_string(k),
    "Dense + Activation pairs, loss instance": lambda k: _net(
        k, layers=(dense(k, 8), k.layers.Activation("sigmoid"), dense(k, 2), k.layers.Activation("softmax")),
        loss=k.losses.SparseCategoricalCrossentropy(), weights="model"),
    "loss function, keras.activations": lambda k: _net(
        k, layers=(dense(k, 8, k.activations.sigmoid), dense(k, 2, k.activations.softmax)),
        loss=k.losses.sparse_categorical_crossentropy),
    "an InputLayer entry, Softmax layer": lambda k: _net_input_layer(k),
}


def _net_input_layer(keras):
    model = keras.Sequential([keras.layers.InputLayer(shape=(2,)), dense(keras, 8, "sigmoid"), dense(keras, 2),
                              keras.layers.Softmax()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy")
    model.set_weights([P0["W1"], P0["b1"], P0["W2"], P0["b2"]])
    return model


def _net_sgd_string(keras):
    model = sequential(keras, dense(keras, 8, "sigmoid"), dense(keras, 2, "softmax"))
    model.compile(optimizer="sgd", loss="SparseCategoricalCrossentropy")
    model.set_weights([P0["W1"], P0["b1"], P0["W2"], P0["b2"]])
    return model


@pytest.mark.parametrize("form", RIGHT_NETS)
def test_every_form_of_the_keras_net_gets_full_points(keras, form):
    assert verdict(gd.KERAS_NET, RIGHT_NETS[form](keras))["points"] == gd.KERAS_NET.points


def _net_swapped(keras):
    model = _net(keras, weights=None)
    model.layers[0].set_weights([P0["W2"].T, P0["b1"]])
    model.layers[1].set_weights([P0["W1"].T, P0["b2"]])
    return model


def _net_first_only(keras):
    model = _net(keras, weights=None)
    model.layers[0].set_weights([P0["W1"], P0["b1"]])
    return model


WRONG_NETS = {
    "weights swapped between the layers": (_net_swapped, {"weights"}, None),
    "only the first layer set": (_net_first_only, {"weights"}, "keras_net.weights_not_set"),
    "use_bias=False in the hidden layer": (lambda k: _net(
        k, layers=(dense(k, 8, "sigmoid", use_bias=False), dense(k, 2, "softmax")), weights=None),
        {"architecture", "weights"}, None),
    "4 hidden units": (lambda k: _net(k, layers=(dense(k, 4, "sigmoid"), dense(k, 2, "softmax")), weights=None),
                       {"architecture", "weights"}, None),
    "the hidden layer missing": (lambda k: _net(k, layers=(dense(k, 2, "softmax"),), weights=None),
                                 {"architecture", "weights"}, None),
    "a Dropout(0.5) added": (lambda k: _net(
        k, layers=(dense(k, 8, "sigmoid"), k.layers.Dropout(0.5), dense(k, 2, "softmax"))), {"architecture"}, None),
    "relu spelled as a layer": (lambda k: _net(
        k, layers=(dense(k, 8), k.layers.ReLU(), dense(k, 2, "softmax"))), {"architecture"}, "keras_net.relu"),
    "categorical loss instance": (lambda k: _net(k, loss=k.losses.CategoricalCrossentropy()), {"compiled"},
                                  "keras_net.categorical"),
}


@pytest.mark.parametrize("form", WRONG_NETS)
def test_a_plausible_wrong_keras_net_gets_a_fitting_verdict(keras, form):
    build, failed, mistake = WRONG_NETS[form]
    assert_verdict(verdict(gd.KERAS_NET, build(keras)), failed, mistake)


# --------------------------------------------------------------------------------------
# odd reports: a verdict, never an engine error


def _odd_reports():
    layer = {"class": "Dense", "units": 1, "activation": "sigmoid", "use_bias": True,
             "weights": [NEURON_W, NEURON_B]}
    yield {"layers": [layer], "predictions": Reported("error", "ValueError: bad input")}
    yield {"layers": [dict(layer, weights=None, activation=None, units=None)], "compiled": None, "training": None}
    yield {"layers": [dict(layer, weights=[NEURON_W])], "compiled": {"loss": None, "optimizer": None}}
    yield {"layers": [dict(layer, weights=[np.zeros(3), "x"])], "predictions": None}
    yield {"layers": [dict(layer, activation={"form": "function"}, activation_values=[[1.0]])], "compiled": []}
    yield {"layers": [None, 3, {"class": None}, dict(layer, weights=Reported("error", "x"))], "training": [1]}
    yield {"layers": [dict(layer, weights=[np.full((2, 1), np.nan), np.array([np.inf])])],
           "predictions": np.full((16, 1), np.nan), "training": {"optimizer_steps": True, "history_epochs": "3"},
           "compiled": {"optimizer": {"class": 3}, "loss": {"class": None, "from_logits": "yes"}, "metrics": None,
                        "learning_rate": "fast"}}
    yield {"layers": []}


@pytest.mark.parametrize("q", [fp.KERAS_NEURON, fp.KERAS_TRAINED, fp.KERAS_HIDDEN, gd.KERAS_NET], ids=lambda q: q.name)
def test_odd_reports_get_a_verdict_not_an_internal_error(q):
    assignment = A01 if q in A01.questions else A03
    ctx = q.context(np.random.default_rng(0))
    for report in _odd_reports():
        v = judge.run_checks(q, assignment.qid(q), ctx, report)
        assert "internal error" not in str(v), (report, v)
        assert v["points"] < q.points
