"""The kernel side of grading: report what the student's code answers, decide nothing.

This module is injected as *text* into a grade cell at grading time (see
``autograder.preprocessors.InjectProbes``); the student's kernel never imports
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
        return obj if abs(obj) < 2**53 else {"__float__": repr(float(obj))}
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, complex):
        return {"__complex__": [encode(obj.real), encode(obj.imag)]}
    if np is not None and isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
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
    if sympy is not None and isinstance(obj, sympy.Basic):
        return {"__sympy__": sympy.srepr(obj)[: 50 * MAX_STR]}
    for attr in ("numpy", "__array__"):  # tensors of any backend
        if np is not None and hasattr(obj, attr):
            try:
                return encode(np.asarray(obj.numpy() if attr == "numpy" else obj), depth + 1)
            except Exception:
                break
    return {"__unsupported__": type(obj).__name__[:200]}


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
        return complex(decode(val[0], depth + 1), decode(val[1], depth + 1))
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


def describe_keras_model(model, inputs):
    """Everything the judge needs of a Keras model, as plain data (kernel side)."""
    import keras
    import numpy as np

    if not isinstance(model, keras.Model):
        return {"__unsupported__": "not a keras.Model but %s" % type(model).__name__}
    backend = keras.backend.backend()
    layers = []
    for layer in model.layers:
        cfg = layer.get_config()
        layers.append({
            "class": type(layer).__name__,
            "units": cfg.get("units"),
            "activation": cfg.get("activation") if isinstance(cfg.get("activation"), str) else str(cfg.get("activation")),
            "use_bias": cfg.get("use_bias"),
            "weights": [np.asarray(w) for w in layer.get_weights()],
        })
    compiled = {}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        compiled["optimizer"] = type(optimizer).__name__
        try:
            compiled["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        except Exception:
            compiled["learning_rate"] = None
    loss = getattr(model, "loss", None)
    if loss is not None:
        compiled["loss"] = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    try:
        input_shape = list(model.input_shape)
    except Exception:
        input_shape = None
    x = np.asarray(inputs, dtype="float32")
    try:
        predictions = np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype="float64")
    except Exception as exc:
        predictions = _error(exc)
    return {
        "backend": backend,
        "device": _keras_device(backend),
        "keras_version": keras.__version__,
        "input_shape": input_shape,
        "layers": layers,
        "compiled": compiled,
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
