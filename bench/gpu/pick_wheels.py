"""Copy from FOLDER to DEST the wheels the device machine does not already have (its package list, 2026-11)."""
import os
import re
import shutil
import sys

# what the device machine's Python holds already (the device tool's KINDS.md), and what the check never imports
HAVE = """absl-py anyio attrs certifi charset-normalizer contourpy cycler filelock fonttools fsspec h11 h5py httpcore
httpx idna jax jaxlib jinja2 kiwisolver markdown-it-py markupsafe matplotlib mdurl ml-dtypes mpmath networkx numpy
packaging pillow pip pluggy prometheus-client psutil pygments pyparsing python-dateutil pyyaml requests rich
setuptools six sympy torch tqdm typing-extensions urllib3 wheel""".split()
SKIP = ["babel", "jupyterlab", "jupyter-builder", "jupyterlab-widgets", "widgetsnbextension"]


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


src, dest = sys.argv[1], sys.argv[2]
drop = {norm(n) for n in HAVE + SKIP}
kept = [f for f in sorted(os.listdir(src)) if f.endswith(".whl") and norm(f.split("-")[0]) not in drop]
for f in kept:
    shutil.copy(os.path.join(src, f), os.path.join(dest, f))
print("%d wheels to carry" % len(kept))
