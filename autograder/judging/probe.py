"""The kernel side of grading: report what the student's code answers, decide nothing.

This module is injected as *text* into a grade cell at grading time (see
``autograder.pipeline.inject.InjectProbes``); the student's kernel never imports
``autograder``. It depends on the standard library alone (numpy, sympy and keras are
used only if the student's kernel already imported them) and holds no expected value.

A hidden grade cell reads ``_autograder.ask("forward_pass.sigmoid", sigmoid)``. The plan
injected with the probe says how to ask each question of that cell:

``value``     report the object itself;
``function``  call it on the inputs the judge picked for this run and report each result
              (or the exception it raised);
``keras``     report a Keras model's layers, weights, compile settings and predictions on
              the judge's inputs, plus the backend and device it ran on.

Reports leave the kernel as display data of the MIME type ``REPORT_MIME``. The judge
reads them with :func:`decode`, which accepts plain data only (no pickle, numeric dtypes
only, bounded size), so that nothing a student sends can run code in the grader.
"""
import base64
import json
import math

REPORT_MIME = "application/vnd.autograder.report+json"
MAX_STR = 2000  # longest string reported (exception messages, repr of odd objects)
MAX_ARRAY_BYTES = 8 * 1024 * 1024  # largest array the judge accepts
MAX_DEPTH = 12  # deepest nesting of lists / tuples / dicts
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned int, float


class DecodeError(ValueError):
    """A report that is not plain data of the accepted forms."""


def _np():
    import sys

    return sys.modules.get("numpy")


def encode(obj, depth=0):
    """Turn a Python / numpy / sympy value into JSON-able plain data (kernel side)."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nested too deeply"}
    np = _np()
    if obj is None or isinstance(obj, (bool, str)):
        return obj[:MAX_STR] if isinstance(obj, str) else obj
    if isinstance(obj, int):
        return int(obj) if abs(obj) < 2**53 else _float_tag(obj)
    if isinstance(obj, float):  # numpy's float64 too: a subclass of float
        return float(obj) if math.isfinite(obj) else _float_tag(obj)
    if isinstance(obj, complex):
        return {"__complex__": [encode(float(obj.real)), encode(float(obj.imag))]}
    if np is not None and isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.hasobject and arr.size and arr.size * 8 <= MAX_ARRAY_BYTES and all(
                isinstance(v, (int, float)) or (isinstance(v, np.generic) and v.dtype.kind in NUMERIC_KINDS)
                for v in arr.flat):  # an object array that holds numbers only: as the numbers' own array
            arr = np.array(arr.tolist())
        if arr.dtype.kind not in NUMERIC_KINDS:
            return {"__unsupported__": "array of dtype %s" % arr.dtype}
        raw = arr.tobytes(order="C")
        return {"__ndarray__": [arr.dtype.str, list(arr.shape), base64.b64encode(raw).decode("ascii")]}
    if isinstance(obj, (list, tuple)):
        items = [encode(x, depth + 1) for x in obj]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        return {"__dict__": [[str(k)[:MAX_STR], encode(v, depth + 1)] for k, v in obj.items()]}
    sympy = __import__("sys").modules.get("sympy")
    if sympy is not None and isinstance(obj, (sympy.Basic, sympy.MatrixBase)):
        return {"__sympy__": sympy.srepr(obj)[: 50 * MAX_STR]}
    for attr in ("numpy", "__array__"):  # tensors of any backend
        if np is not None and hasattr(obj, attr):
            try:
                return encode(np.asarray(obj.numpy() if attr == "numpy" else obj), depth + 1)
            except Exception:
                break
    return {"__unsupported__": type(obj).__name__[:200]}


def _float_tag(x):
    """A number JSON cannot carry (nan, inf, -inf, or an int beyond 2**53) as a tagged string.

    ``float.__repr__`` gives 'nan', 'inf', '-inf' for numpy's float64 as for Python's float, and
    JSON itself (as Jupyter sends it, ``allow_nan=False``) has no literal for them.
    """
    try:
        return {"__float__": float.__repr__(float(x))}
    except OverflowError:  # an int too large for a float
        return {"__float__": "inf" if x > 0 else "-inf"}


def decode(data, depth=0):
    """Strictly turn reported plain data back into Python / numpy values (judge side).

    Raises
    ------
    DecodeError
        If the data holds anything but the forms :func:`encode` produces.
    """
    import numpy as np

    if depth > MAX_DEPTH + 2:
        raise DecodeError("report nested too deeply")
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, str):
        return data[:MAX_STR]
    if isinstance(data, list):
        return [decode(x, depth + 1) for x in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise DecodeError("unexpected %s in report" % type(data).__name__)
    (tag, val), = data.items()
    try:
        return _decode_tagged(np, tag, val, depth)
    except DecodeError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        raise DecodeError("malformed %s in report" % str(tag)[:40]) from None


def _decode_tagged(np, tag, val, depth):
    if tag == "__ndarray__":
        dtype_str, shape, payload = val
        dtype = np.dtype(str(dtype_str))
        if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
            raise DecodeError("array dtype %s not accepted" % dtype)
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape) or len(shape) > 8:
            raise DecodeError("bad array shape %r" % (shape,))
        raw = base64.b64decode(str(payload), validate=True)
        if len(raw) > MAX_ARRAY_BYTES or len(raw) != dtype.itemsize * math.prod(shape):
            raise DecodeError("array of %d bytes does not fit shape %r" % (len(raw), shape))
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if tag == "__float__":
        try:
            return float(str(val)[:40])
        except ValueError:
            raise DecodeError("bad float %r" % str(val)[:40]) from None
    if tag == "__complex__":
        real, imag = (decode(v, depth + 1) for v in val)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (real, imag)):
            raise DecodeError("bad complex number in report")
        return complex(real, imag)
    if tag == "__tuple__":
        return tuple(decode(x, depth + 1) for x in val)
    if tag == "__dict__":
        return {str(k): decode(v, depth + 1) for k, v in val}
    if tag in ("__sympy__", "__unsupported__", "__error__"):
        return Reported(tag.strip("_"), str(val)[: 50 * MAX_STR])
    raise DecodeError("unknown tag %r in report" % tag)


class Reported:
    """A reported thing that is not a value: a sympy srepr, an unsupported type, an error."""

    def __init__(self, kind, text):
        self.kind = kind
        self.text = text

    def __repr__(self):
        return "Reported(%r, %r)" % (self.kind, self.text)

    def __eq__(self, other):
        return isinstance(other, Reported) and (self.kind, self.text) == (other.kind, other.text)


def _error(exc):
    return {"__error__": "%s: %s" % (type(exc).__name__, str(exc)[:MAX_STR])}


# --------------------------------------------------------------------------------------
# Keras models (kernel side: keras and numpy are imported only when a model is described)

#: numbers each activation is evaluated on, so that the judge knows an activation by what it computes,
#: whatever name or spelling it was given (a string, keras.activations.sigmoid, a lambda, an Activation layer)
ACTIVATION_GRID = [[-7.0, -4.0, -1.5, -0.25, 0.5, 2.0], [7.0, 3.0, -2.5, 0.0, 1.0, -0.75]]
#: layers that compute nothing at inference: the judge decides whether they belong in the model asked for
PASS_THROUGH = ("InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
                "GaussianNoise", "GaussianDropout", "ActivityRegularization", "Flatten")
KERAS_BASES = ("Dense", "InputLayer", "Activation", "Dropout", "Flatten")  # reported by the base class they extend


def _keras_device(backend):
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
        if backend == "torch":
            import torch

            return "GPU (%s)" % torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
        if backend == "jax":
            import jax

            return jax.default_backend().upper()
    except Exception:
        pass
    return "unknown"


def _spelling(obj):
    """How a loss, metric, optimizer or activation was given (string, class, instance, function) and its names."""
    import functools
    import types

    try:
        if obj is None:
            return None
        if isinstance(obj, str):
            return {"form": "string", "name": obj[:200]}
        if isinstance(obj, type):
            return {"form": "class", "class": obj.__name__[:200]}
        if isinstance(obj, functools.partial):
            obj = obj.func
        plain = isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType))
        out = {"form": "function" if plain else "instance"}
        if not plain:
            out["class"] = type(obj).__name__[:200]
        name = getattr(obj, "__name__", None)  # functions, and callables that carry one (a jitted function)
        if not isinstance(name, str) and not plain:
            name = getattr(obj, "name", None)  # Loss and Metric instances
        if isinstance(name, str):
            out["name"] = name[:200]
        fn = getattr(obj, "fn", None)  # keras.losses.LossFunctionWrapper, keras.metrics.MeanMetricWrapper
        if callable(fn) and isinstance(getattr(fn, "__name__", None), str):
            out["function"] = fn.__name__[:200]
        logits = getattr(obj, "from_logits", None)
        if logits is None:
            kwargs = getattr(obj, "_fn_kwargs", None)
            logits = kwargs.get("from_logits") if isinstance(kwargs, dict) else None
        if isinstance(logits, bool):
            out["from_logits"] = logits
        return out
    except Exception:
        return {"form": "other", "class": type(obj).__name__[:200]}


def _on_grid(fn, keras, np):
    """What an activation function (or a weightless layer) computes on ACTIVATION_GRID, or None."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = keras.ops.convert_to_tensor(np.asarray(ACTIVATION_GRID, dtype="float32"))
            out = fn(x, training=False) if isinstance(fn, keras.layers.Layer) else fn(x)
            out = np.asarray(keras.ops.convert_to_numpy(out), dtype="float64")
        return out if out.shape == np.shape(ACTIVATION_GRID) else None
    except Exception:
        return None


def _flat_layers(model, keras, depth=0):
    """The model's layers in order, those of nested models (a Sequential inside a model) spliced in."""
    found = []
    for layer in list(getattr(model, "layers", None) or []):
        if isinstance(layer, keras.Model) and depth < 5:
            found.extend(_flat_layers(layer, keras, depth + 1))
        else:
            found.append(layer)
    return found


def _describe_layer(layer, keras, np):
    bases = [getattr(keras.layers, name, None) for name in KERAS_BASES]
    cls = next((b.__name__ for b in bases if isinstance(b, type) and isinstance(layer, b)), type(layer).__name__)
    out = {"class": cls[:200], "type": type(layer).__name__[:200]}
    for key, kinds in (("units", int), ("use_bias", bool), ("rate", (int, float))):
        value = getattr(layer, key, None)
        if isinstance(value, kinds) and (key == "use_bias" or not isinstance(value, bool)):
            out[key] = value
    try:
        out["weights"] = [np.asarray(w, dtype="float64") for w in layer.get_weights()]
    except Exception as exc:
        out["weights"] = _error(exc)
    act = getattr(layer, "activation", None)
    if callable(act):
        out["activation"] = _spelling(act)
        out["activation_values"] = _on_grid(act, keras, np)
    elif cls not in PASS_THROUGH and not out["weights"] and getattr(layer, "built", True):
        out["activation_values"] = _on_grid(layer, keras, np)  # ReLU, Softmax, LeakyReLU, Lambda, ...
    return out


def _number(x, keras):
    """A backend scalar (a Keras Variable: the learning rate, the optimizer's step count) as a Python float."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy 2 warns about the copy keyword of some backends' __array__
        return float(keras.ops.convert_to_numpy(x))


def _compile_settings(model, keras):
    compiled = {}
    optimizer = getattr(model, "optimizer", None)
    optimizer = getattr(optimizer, "inner_optimizer", None) or optimizer  # mixed precision's LossScaleOptimizer
    if optimizer is not None:
        compiled["optimizer"] = type(optimizer).__name__
        schedule_type = getattr(getattr(keras.optimizers, "schedules", None), "LearningRateSchedule", None)
        if isinstance(schedule_type, type) and isinstance(getattr(optimizer, "_learning_rate", None), schedule_type):
            compiled["learning_rate_schedule"] = type(optimizer._learning_rate).__name__
        try:
            compiled["learning_rate"] = _number(optimizer.learning_rate, keras)
        except Exception:
            compiled["learning_rate"] = None
    loss = getattr(model, "loss", None)
    if loss is not None:
        compiled["loss"] = _spelling(loss)
    config = getattr(getattr(model, "_compile_config", None), "config", None)
    metrics = config.get("metrics") if isinstance(config, dict) else None
    if metrics is not None:
        items = list(metrics.values()) if isinstance(metrics, dict) else list(metrics) if isinstance(
            metrics, (list, tuple)) else [metrics]
        flat = [m for item in items for m in (item if isinstance(item, (list, tuple)) else [item])]
        compiled["metrics"] = [_spelling(m) for m in flat[:20]]
    return compiled


def _training(model, keras):
    """Traces of training: the optimizer's step count and the epochs of the history fit leaves on the model."""
    out = {"optimizer_steps": None, "history_epochs": None}
    optimizer = getattr(model, "optimizer", None)
    try:
        if optimizer is not None:
            out["optimizer_steps"] = int(_number(optimizer.iterations, keras))
    except Exception:
        pass
    epochs = getattr(getattr(model, "history", None), "epoch", None)
    if isinstance(epochs, list):
        out["history_epochs"] = len(epochs)
    return out


def describe_keras_model(model, inputs):
    """Everything the judge needs of a Keras model, as plain data (kernel side).

    The model is called on the judge's inputs first, which builds a model that was never built (a subclassed
    model, a Sequential without an input shape), so that the weights read next are the ones it computes with.
    """
    import keras
    import numpy as np

    if not isinstance(model, keras.Model):
        return {"__unsupported__": "not a keras.Model but %s" % type(model).__name__}
    backend = keras.backend.backend()
    x = np.asarray(inputs, dtype="float32")
    try:
        predictions = np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype="float64")
    except Exception as exc:
        predictions = _error(exc)
    layers = []
    for layer in _flat_layers(model, keras):
        try:
            layers.append(_describe_layer(layer, keras, np))
        except Exception as exc:
            layers.append({"class": type(layer).__name__[:200], "weights": _error(exc)})
    try:
        input_shape = list(model.input_shape)
    except Exception:
        input_shape = None
    return {
        "backend": backend,
        "device": _keras_device(backend),
        "keras_version": keras.__version__,
        "input_shape": input_shape,
        "layers": layers,
        "compiled": _compile_settings(model, keras),
        "training": _training(model, keras),
        "predictions": predictions,
    }


class Probe:
    """Asks the student's objects the questions of one grade cell and reports the answers."""

    def __init__(self, nonce, plan_json):
        self._nonce = nonce
        self._plan = json.loads(plan_json)

    def ask(self, question, obj):
        spec = self._plan.get(question)
        if spec is None:
            raise KeyError("no plan for question %r in this cell" % question)
        kind = spec["kind"]
        if kind == "value":
            answer = encode(obj)
        elif kind == "function":
            answer = self._call_each(obj, spec["cases"])
        elif kind == "keras":
            try:
                answer = encode(describe_keras_model(obj, decode(spec["inputs"])))
            except Exception as exc:
                answer = _error(exc)
        else:
            raise ValueError("unknown kind %r" % kind)
        self._send(question, kind, answer)

    def _call_each(self, fn, cases):
        if not callable(fn):
            return {"__unsupported__": "not callable but %s" % type(fn).__name__}
        results = []
        for case in cases:
            args, kwargs = decode(case["args"]), decode(case["kwargs"])
            before = json.dumps([encode(args), encode(kwargs)])
            try:
                out = encode(fn(*args, **kwargs))
            except Exception as exc:
                out = _error(exc)
            mutated = json.dumps([encode(args), encode(kwargs)]) != before
            results.append({"__dict__": [["out", out], ["mutated", mutated]]})
        return results

    def _send(self, question, kind, answer):
        from IPython.display import display

        payload = {"nonce": self._nonce, "question": question, "kind": kind, "answer": answer}
        display({REPORT_MIME: payload, "text/plain": "(answer to %s reported)" % question}, raw=True)
