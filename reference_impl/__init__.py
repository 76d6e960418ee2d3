r"""Reference implementation (answer key) of the deep-learning course exercises.

Conventions, used by every module and every notebook of the course:

- **Layout.** Examples are rows: ``X`` has shape (N, D) (N examples, D features), a weight
  matrix ``W`` has shape (D, C) or (D, H), a bias ``b`` has shape (C,), class ``scores`` have
  shape (N, C) and integer labels ``y`` shape (N,). The slides draw one *column* per example:
  transpose their tables. A gradient is ``d`` + the name, with the same shape (``dW``).
- **Reduction.** Every loss is a **mean over the N examples** (never a sum), and its gradient
  already contains the 1/N. Logarithms are natural (nats).
- **Regularization.** ``J = data_loss + reg * penalty(W)`` with ``l2_penalty(W) = sum(W**2)``
  (the squared norm, no 1/2; gradient ``2 W``) or ``l1_penalty(W) = sum(abs(W))``. Biases
  are never regularized.
- **Numbers.** Results are float64 and never modify the inputs. Everything is numerically
  stable: softmax subtracts the row maximum, the sigmoid never overflows, log losses work
  from logits or clip probabilities to ``[EPS, 1 - EPS]`` with ``EPS = 1e-12``.
- **Errors.** Bad input raises ``TypeError`` (wrong kind of object) or ``ValueError`` (wrong
  shape, range, NaN/inf), and the message names the argument, what was expected and what
  arrived.

Every public name of the submodules is importable from here, e.g.
``from reference_impl import svm_loss``.
"""

from __future__ import annotations

from .activations import log_softmax, relu, relu_derivative, sigmoid, sigmoid_derivative, softmax
from .boundary import X1, X2, decision_boundary, decision_line
from .data import (
    BANKNOTE_FILENAME,
    BANKNOTE_SHA256,
    BANKNOTE_URL,
    DOWNLOAD_TIMEOUT,
    FEATURES,
    banknote_path,
    default_cache_dir,
    load_banknote,
    shuffle_split,
)
from .gradcheck import numerical_gradient, relative_error
from .losses import (
    EPS,
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    binary_cross_entropy_grad,
    cross_entropy_per_example,
    softmax_cross_entropy,
    svm_loss,
    svm_loss_per_example,
)
from .network import (
    accuracy,
    init_two_layer,
    train_two_layer,
    two_layer_backward,
    two_layer_forward,
    two_layer_loss,
    two_layer_predict,
)
from .neuron import ACTIVATIONS, count_params, dense_forward, forward_pass, get_activation, neuron_forward
from .optim import gradient_descent, logistic_gd_step, sgd_step, train_logistic_regression
from .regularization import l1_penalty, l1_penalty_grad, l2_penalty, l2_penalty_grad, regularized_loss

__all__ = [
    # activations
    "sigmoid",
    "sigmoid_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    "log_softmax",
    # neuron
    "ACTIVATIONS",
    "get_activation",
    "neuron_forward",
    "dense_forward",
    "forward_pass",
    "count_params",
    # losses
    "EPS",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_from_logits",
    "svm_loss",
    "svm_loss_per_example",
    "softmax_cross_entropy",
    "cross_entropy_per_example",
    # regularization
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "regularized_loss",
    # network
    "init_two_layer",
    "two_layer_forward",
    "two_layer_backward",
    "two_layer_loss",
    "train_two_layer",
    "two_layer_predict",
    "accuracy",
    # optim
    "gradient_descent",
    "sgd_step",
    "logistic_gd_step",
    "train_logistic_regression",
    # gradcheck
    "numerical_gradient",
    "relative_error",
    # boundary
    "X1",
    "X2",
    "decision_boundary",
    "decision_line",
    # data
    "FEATURES",
    "BANKNOTE_FILENAME",
    "BANKNOTE_SHA256",
    "BANKNOTE_URL",
    "DOWNLOAD_TIMEOUT",
    "default_cache_dir",
    "banknote_path",
    "load_banknote",
    "shuffle_split",
]
