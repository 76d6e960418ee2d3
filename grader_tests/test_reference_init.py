"""Tests of the reference_impl package itself: every public name is importable from the top."""

from __future__ import annotations

import importlib

import pytest

import reference_impl

pytestmark = pytest.mark.filterwarnings("error")

SUBMODULES = [
    "activations",
    "neuron",
    "losses",
    "regularization",
    "network",
    "optim",
    "gradcheck",
    "boundary",
    "data",
]


def test_all_lists_every_public_name_of_every_submodule_once():
    """reference_impl.__all__ is the union of the submodules' __all__, without duplicates."""
    expected = [name for mod in SUBMODULES for name in importlib.import_module(f"reference_impl.{mod}").__all__]
    assert sorted(reference_impl.__all__) == sorted(expected)
    assert len(set(reference_impl.__all__)) == len(reference_impl.__all__)


@pytest.mark.parametrize("name", reference_impl.__all__)
def test_public_name_is_importable_from_the_package(name):
    """`from reference_impl import <name>` gives the submodule's object."""
    obj = getattr(reference_impl, name)
    owners = [mod for mod in SUBMODULES if name in importlib.import_module(f"reference_impl.{mod}").__all__]
    assert obj is getattr(importlib.import_module(f"reference_impl.{owners[0]}"), name)


def test_api_names_of_the_brief_are_present():
    """The names other code depends on exist."""
    required = """sigmoid sigmoid_derivative relu relu_derivative softmax neuron_forward dense_forward
    forward_pass binary_cross_entropy svm_loss svm_loss_per_example softmax_cross_entropy
    cross_entropy_per_example l1_penalty l1_penalty_grad l2_penalty l2_penalty_grad regularized_loss
    gradient_descent sgd_step logistic_gd_step init_two_layer two_layer_forward two_layer_backward
    two_layer_loss train_two_layer numerical_gradient relative_error decision_boundary decision_line X1 X2
    load_banknote banknote_path shuffle_split FEATURES BANKNOTE_SHA256 BANKNOTE_URL EPS""".split()
    assert [n for n in required if n not in reference_impl.__all__] == []


def test_conventions_are_stated_once_in_the_package_docstring():
    """The package docstring states the mean-over-N and the regularization conventions."""
    doc = reference_impl.__doc__
    assert "mean over the N examples" in doc
    assert "sum(W**2)" in doc and "Biases" in doc
