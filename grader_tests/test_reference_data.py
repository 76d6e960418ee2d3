"""Tests of reference_impl.data: the verified cache, the real download path, the split, and the fit."""

from __future__ import annotations

import hashlib
import http.server
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import reference_impl.data as data_module
from reference_impl import (
    BANKNOTE_FILENAME,
    BANKNOTE_SHA256,
    FEATURES,
    banknote_path,
    binary_cross_entropy_from_logits,
    default_cache_dir,
    load_banknote,
    shuffle_split,
    train_logistic_regression,
)

pytestmark = pytest.mark.filterwarnings("error")

# A port on which nothing listens: a download attempted from it fails at once.
UNREACHABLE_URL = "http://127.0.0.1:9/data_banknote_authentication.txt"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads or writes the real ~/.cache, and no proxy sits between us and 127.0.0.1."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("BANKNOTE_CACHE_DIR", "BANKNOTE_DATA_DIR", "BANKNOTE_URL"):
        monkeypatch.delenv(var, raising=False)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder, selected through BANKNOTE_CACHE_DIR."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("BANKNOTE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def seeded(shared_banknote_dir, monkeypatch, cache) -> Path:
    """BANKNOTE_DATA_DIR points at the shared verified copy; returns the (empty) cache."""
    monkeypatch.setenv("BANKNOTE_DATA_DIR", str(shared_banknote_dir))
    return cache


@pytest.fixture
def server(tmp_path, shared_banknote_dir, monkeypatch):
    """A local HTTP server in a thread, serving a copy of the shared file; BANKNOTE_URL points at it."""
    root = tmp_path / "www"
    root.mkdir()
    shutil.copyfile(shared_banknote_dir / BANKNOTE_FILENAME, root / BANKNOTE_FILENAME)
    hits: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

        def log_message(self, format, *args):  # keep the test output clean
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{BANKNOTE_FILENAME}"
    monkeypatch.setenv("BANKNOTE_URL", url)
    try:
        yield SimpleNamespace(root=root, hits=hits, url=url)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- loading


def test_load_banknote_from_shared_copy(seeded):
    """Skewness and entropy of 1372 notes, 610 of class 1 and 762 of class 0, sorted by class."""
    X, y = load_banknote()
    assert X.shape == (1372, 2) and X.dtype == np.float64
    assert y.shape == (1372,) and y.dtype == np.int64
    assert int(y.sum()) == 610 and int((y == 0).sum()) == 762
    assert np.all(y[:762] == 0) and np.all(y[762:] == 1)
    np.testing.assert_allclose(X[0], [8.6661, -0.44699])  # first row: 3.6216,8.6661,-2.8073,-0.44699,0
    cached = seeded / BANKNOTE_FILENAME
    assert cached.is_file() and sha256(cached) == BANKNOTE_SHA256


def test_feature_selection_and_order(seeded):
    """features picks columns by name, in the order given."""
    X_all, _ = load_banknote(FEATURES)
    assert X_all.shape == (1372, 4)
    X, _ = load_banknote(("entropy", "variance"))
    np.testing.assert_array_equal(X, X_all[:, [3, 0]])


def test_cached_copy_is_used_without_any_source(seeded, monkeypatch):
    """Once cached, loading needs neither BANKNOTE_DATA_DIR nor the network."""
    load_banknote()
    monkeypatch.delenv("BANKNOTE_DATA_DIR")
    monkeypatch.setenv("BANKNOTE_URL", UNREACHABLE_URL)
    X, y = load_banknote()
    assert X.shape == (1372, 2) and int(y.sum()) == 610


def test_cache_dir_argument_overrides_the_environment(seeded, tmp_path):
    """cache_dir= wins over BANKNOTE_CACHE_DIR."""
    other = tmp_path / "other-cache"
    path = banknote_path(cache_dir=other)
    assert path == other / BANKNOTE_FILENAME and path.is_file()
    assert not (seeded / BANKNOTE_FILENAME).exists()


def test_default_cache_dir_is_under_home(tmp_path):
    """Without BANKNOTE_CACHE_DIR the cache is ~/.cache/dl-course."""
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "dl-course"


def test_damaged_cache_is_replaced_by_a_verified_copy(seeded):
    """A cached file with the wrong sha256 is discarded and fetched again."""
    seeded.mkdir(parents=True)
    (seeded / BANKNOTE_FILENAME).write_bytes(b"not the banknote data\n")
    path = banknote_path()
    assert sha256(path) == BANKNOTE_SHA256


def test_missing_data_dir_copy_is_reported(cache, tmp_path, monkeypatch):
    """BANKNOTE_DATA_DIR pointing at a folder without the file raises FileNotFoundError."""
    monkeypatch.setenv("BANKNOTE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="BANKNOTE_DATA_DIR"):
        banknote_path()


def test_corrupted_seed_copy_is_rejected(cache, tmp_path, monkeypatch, shared_banknote_dir):
    """A wrong local copy raises ValueError with both hashes and leaves the cache empty."""
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    content = (shared_banknote_dir / BANKNOTE_FILENAME).read_bytes()
    (bad_dir / BANKNOTE_FILENAME).write_bytes(content.replace(b"\r\n", b"\n"))  # LF endings: other hash
    monkeypatch.setenv("BANKNOTE_DATA_DIR", str(bad_dir))
    with pytest.raises(
        ValueError, match=rf"{BANKNOTE_FILENAME}: sha256 mismatch.*expected {BANKNOTE_SHA256}, got [0-9a-f]{{64}}"
    ):
        banknote_path()
    assert list(cache.iterdir()) == []


# --------------------------------------------------------------------------- download


def test_download_verifies_and_caches(cache, server):
    """The file is downloaded once from BANKNOTE_URL, verified and cached; the second call is offline."""
    X, y = load_banknote()
    assert X.shape == (1372, 2) and int(y.sum()) == 610
    assert server.hits == [f"/{BANKNOTE_FILENAME}"]
    assert [p.name for p in cache.iterdir()] == [BANKNOTE_FILENAME]
    assert sha256(cache / BANKNOTE_FILENAME) == BANKNOTE_SHA256
    assert (cache / BANKNOTE_FILENAME).stat().st_mode & 0o444 == 0o444  # readable by all, not mkstemp's 0600
    load_banknote()
    assert len(server.hits) == 1


def test_corrupted_download_raises_and_caches_nothing(cache, server):
    """A served file with one changed byte raises ValueError naming the hashes; the cache stays empty."""
    served = server.root / BANKNOTE_FILENAME
    content = bytearray(served.read_bytes())
    content[0:1] = b"4"  # 3.6216 -> 4.6216
    served.write_bytes(bytes(content))
    got = hashlib.sha256(bytes(content)).hexdigest()
    with pytest.raises(ValueError, match=rf"expected {BANKNOTE_SHA256}, got {got}") as excinfo:
        load_banknote()
    assert BANKNOTE_FILENAME in str(excinfo.value) and server.url in str(excinfo.value)
    assert list(cache.iterdir()) == []  # no bad file, no leftover temporary file


def test_failed_download_leaves_no_partial_file(cache, monkeypatch):
    """A connection error propagates and leaves the cache without temporary files."""
    import urllib.error

    monkeypatch.setenv("BANKNOTE_URL", UNREACHABLE_URL)
    with pytest.raises(urllib.error.URLError):
        banknote_path()
    assert list(cache.iterdir()) == []


def test_module_keeps_the_attribution():
    """The data module's docstring carries the CC BY 4.0 attribution line."""
    assert (
        "Banknote authentication data set, V. Lohweg and H. Dörksen, UCI Machine Learning Repository, "
        "DOI 10.24432/C55P57, CC BY 4.0." in data_module.__doc__
    )


# --------------------------------------------------------------------------- split and fit


def test_shuffle_split_keeps_pairs_and_mixes_classes(seeded, rng):
    """20 % test split: sizes 1098/274, rows and labels stay paired, both classes on each side."""
    X, y = load_banknote()
    X_train, X_test, y_train, y_test = shuffle_split(X, y, 0.2, rng)
    assert X_train.shape == (1098, 2) and X_test.shape == (274, 2)
    assert y_train.shape == (1098,) and y_test.shape == (274,)
    assert set(np.unique(y_train)) == {0, 1} and set(np.unique(y_test)) == {0, 1}
    lookup = {tuple(row): label for row, label in zip(X, y)}  # rows are distinct enough to pair
    assert all(lookup[tuple(row)] == label for row, label in zip(X_test, y_test))
    again = shuffle_split(X, y, 0.2, np.random.default_rng(12345))
    np.testing.assert_array_equal(again[1], X_test)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), np.sort(y))


def test_logistic_regression_on_skewness_and_entropy_reaches_the_optimum(seeded):
    """Gradient descent on standardized skewness + entropy: mean NLL 0.511435, accuracy 0.708455."""
    X, y = load_banknote()
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)  # (1372, 2), a well-conditioned problem
    w, b, history = train_logistic_regression(Xs, y, lr=2.0, num_iters=300)
    z = Xs @ w + b  # (1372,)
    assert binary_cross_entropy_from_logits(z, y) == pytest.approx(0.511435, abs=1e-3)
    assert np.mean((z > 0) == y) == pytest.approx(0.708455, abs=0.01)
    assert history[0] == pytest.approx(np.log(2), rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: load_banknote("skewness"), TypeError, r"features: expected a sequence of column names"),
        (
            lambda: load_banknote(("skewness", "kurtosis")),
            ValueError,
            r"features: expected column names.*got 'kurtosis'",
        ),
        (lambda: load_banknote(()), ValueError, r"features: expected at least one"),
        (lambda: banknote_path(cache_dir=3), TypeError, r"cache_dir: expected a path"),
        (
            lambda: shuffle_split(np.zeros((10, 2)), np.zeros(9), 0.2, np.random.default_rng(0)),
            ValueError,
            r"y: expected shape \(10,\)",
        ),
        (
            lambda: shuffle_split(np.zeros((10, 2)), np.zeros(10), 1.0, np.random.default_rng(0)),
            ValueError,
            r"test_fraction: expected a number strictly between 0 and 1",
        ),
        (
            lambda: shuffle_split(np.zeros((10, 2)), np.zeros(10), 0.01, np.random.default_rng(0)),
            ValueError,
            r"test_fraction: 0.01 of N = 10 examples gives 0",
        ),
        (
            lambda: shuffle_split(np.zeros((10, 2)), np.zeros(10), 0.2, 42),
            TypeError,
            r"rng: expected a numpy.random.Generator",
        ),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Bad feature names, paths, fractions and generators name the argument."""
    with pytest.raises(error, match=match):
        call()
