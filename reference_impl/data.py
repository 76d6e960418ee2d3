r"""The banknote authentication data: a verified, cached download, loading, and a shuffled split.

Banknote authentication data set, V. Lohweg and H. Dörksen, UCI Machine Learning Repository, DOI 10.24432/C55P57, CC BY 4.0.

The file has 1372 rows and 5 comma-separated columns without a header: variance, skewness,
curtosis and entropy of a wavelet-transformed image of a banknote, and its class (0 or 1).
The rows are sorted by class, so shuffle before splitting (:func:`shuffle_split`).

Where the file comes from, in order (:func:`banknote_path`):

1. the cache folder: the ``cache_dir`` argument, else ``$BANKNOTE_CACHE_DIR``, else
   ``~/.cache/dl-course``;
2. a local copy in the folder ``$BANKNOTE_DATA_DIR`` (set it where there is no internet);
3. a download from ``$BANKNOTE_URL``, else :data:`BANKNOTE_URL`.

Every copy is checked against :data:`BANKNOTE_SHA256` before it is moved into the cache
(a temporary file in the cache folder, then an atomic ``os.replace``), so the cache never
holds a partial or wrong file; a mismatch raises ``ValueError`` with both hashes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .activations import _as_float_array, _as_real_scalar, _describe

__all__ = [
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

#: The four feature columns, in file order; the fifth column is the class.
FEATURES = ("variance", "skewness", "curtosis", "entropy")
BANKNOTE_FILENAME = "data_banknote_authentication.txt"
#: sha256 of the file as the UCI repository publishes it (46,402 bytes, CRLF line endings).
BANKNOTE_SHA256 = "63cb547740b3d71fc4a7fa05a6f5005ba63e86a64d2dfb11251398611fb7b19c"
BANKNOTE_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00267/data_banknote_authentication.txt"
#: Seconds to wait for the server before a download gives up.
DOWNLOAD_TIMEOUT = 30.0
_CHUNK = 1 << 16


def default_cache_dir() -> Path:
    """The cache folder used when no ``cache_dir`` is given.

    Returns
    -------
    pathlib.Path
        ``$BANKNOTE_CACHE_DIR`` if set, else ``~/.cache/dl-course``.
    """
    env = os.environ.get("BANKNOTE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dl-course"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _install(write_to: Any, source: str, target: Path) -> None:
    """Write a copy into a temporary file beside ``target``, verify it, then move it in.

    ``write_to(fh)`` writes the bytes into the open binary file ``fh``. On a hash mismatch
    or any error the temporary file is removed and ``target`` is left untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write_to(fh)
        got = _sha256(tmp)
        if got != BANKNOTE_SHA256:
            raise ValueError(
                f"{BANKNOTE_FILENAME}: sha256 mismatch for the copy from {source}: "
                f"expected {BANKNOTE_SHA256}, got {got}; the file was not cached"
            )
        tmp.chmod(0o644)  # mkstemp creates 0600; the cache is an ordinary readable file
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def banknote_path(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Path of a verified local copy of the banknote file, fetching it when needed.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Cache folder; default :func:`default_cache_dir`.

    Returns
    -------
    pathlib.Path
        ``cache_dir / "data_banknote_authentication.txt"``, whose sha256 is
        :data:`BANKNOTE_SHA256`.

    Raises
    ------
    ValueError
        If a fetched copy has the wrong sha256 (nothing is cached then).
    FileNotFoundError
        If ``$BANKNOTE_DATA_DIR`` is set but holds no copy of the file.
    urllib.error.URLError
        If the download fails.

    Notes
    -----
    A cached copy with the wrong sha256 (a damaged cache) is deleted and fetched again.
    """
    if cache_dir is not None and not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir: expected a path (str or pathlib.Path) or None, got {_describe(cache_dir)}")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    target = folder / BANKNOTE_FILENAME
    if target.is_file():
        if _sha256(target) == BANKNOTE_SHA256:
            return target
        target.unlink()  # damaged cache: fetch a good copy below

    data_dir = os.environ.get("BANKNOTE_DATA_DIR")
    if data_dir:
        source = Path(data_dir).expanduser() / BANKNOTE_FILENAME
        if not source.is_file():
            raise FileNotFoundError(
                f"BANKNOTE_DATA_DIR: expected a folder holding {BANKNOTE_FILENAME}, "
                f"got {data_dir!r} where {source} does not exist"
            )

        def copy(fh: Any) -> None:
            with open(source, "rb") as src:
                shutil.copyfileobj(src, fh, _CHUNK)

        _install(copy, str(source), target)
        return target

    url = os.environ.get("BANKNOTE_URL") or BANKNOTE_URL

    def download(fh: Any) -> None:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            shutil.copyfileobj(response, fh, _CHUNK)

    _install(download, url, target)
    return target


def load_banknote(
    features: Sequence[str] = ("skewness", "entropy"),
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load the banknote data: chosen feature columns and the class labels.

    Parameters
    ----------
    features : sequence of str, default ("skewness", "entropy")
        Columns to return, in this order, from :data:`FEATURES`. The default is the
        two-feature task of the week-1 slides.
    cache_dir : str or path-like, optional
        Passed to :func:`banknote_path`.

    Returns
    -------
    X : ndarray of float64, shape (1372, F)
        One banknote per row, F = ``len(features)``; rows in file order (sorted by class).
    y : ndarray of int64, shape (1372,)
        Class of each banknote, 0 or 1 (610 ones, 762 zeros).
    """
    if isinstance(features, (str, bytes)) or not isinstance(features, Sequence):
        raise TypeError(
            f"features: expected a sequence of column names from {FEATURES}, e.g. ('skewness',), "
            f"got {_describe(features)}"
        )
    if len(features) == 0:
        raise ValueError(f"features: expected at least one column name from {FEATURES}, got an empty sequence")
    for f in features:
        if not isinstance(f, str) or f not in FEATURES:
            raise ValueError(f"features: expected column names from {FEATURES}, got {f!r}")
    data = np.loadtxt(banknote_path(cache_dir), delimiter=",", dtype=np.float64, ndmin=2)  # (1372, 5)
    columns = [FEATURES.index(f) for f in features]
    X = data[:, columns]  # (1372, F), a copy
    y = data[:, -1].astype(np.int64)  # (1372,)
    return X, y


def shuffle_split(
    X: Any,
    y: Any,
    test_fraction: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Shuffle the examples and split them into a training and a test set.

    Parameters
    ----------
    X : array_like of shape (N, D)
        Inputs, one example per row.
    y : array_like of shape (N,)
        Labels.
    test_fraction : float
        Share of the examples for the test set, strictly between 0 and 1.
    rng : numpy.random.Generator
        Source of the permutation.

    Returns
    -------
    X_train : ndarray of shape (N - N_test, D)
    X_test : ndarray of shape (N_test, D)
    y_train : ndarray of shape (N - N_test,)
    y_test : ndarray of shape (N_test,)

    Notes
    -----
    :math:`N_{test} = \mathrm{round}(\text{test\_fraction} \cdot N)`, which must leave at
    least one example on each side. One permutation is applied to the rows of `X` and `y`,
    so pairs stay together; the labels keep their dtype.
    """
    X = _as_float_array(X, "X", ndim=2, shape_hint="(N, D), one example per row")
    y_arr = np.asarray(y)
    if y_arr.shape != (X.shape[0],):
        raise ValueError(f"y: expected shape ({X.shape[0]},), one label per row of X, got shape {y_arr.shape}")
    test_fraction = _as_real_scalar(test_fraction, "test_fraction", minimum=0.0, strict=True)
    if test_fraction >= 1.0:
        raise ValueError(f"test_fraction: expected a number strictly between 0 and 1, got {test_fraction}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {_describe(rng)}")
    N = X.shape[0]
    n_test = int(round(test_fraction * N))
    if not 0 < n_test < N:
        raise ValueError(
            f"test_fraction: {test_fraction} of N = {N} examples gives {n_test} test examples; "
            f"expected at least one in each set"
        )
    order = rng.permutation(N)  # (N,)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y_arr[train], y_arr[test]
