#!/bin/bash
# Run here, in the repository root, before the GPU check: puts into the ignored folders .whl/ and .gpu/ what the
# device machine lacks (it has Python 3.12, PyTorch, JAX, numpy, matplotlib, ... but not the Jupyter stack,
# nbgrader or Keras, nor bubblewrap, and it cannot download): wheels for Python 3.12, the bwrap program and
# its libraries, and the banknote data from ../shared. Then, with the device tool:
#   run(command="bash bench/gpu/run.sh 2>&1", carry=[".whl", ".gpu"], timeout_s=560)
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .whl .gpu && mkdir -p .whl .gpu/lib .gpu/banknote
dl=$(mktemp -d)
platforms=""
for p in manylinux_2_35 manylinux_2_34 manylinux_2_31 manylinux_2_28 manylinux_2_27 manylinux_2_24 manylinux_2_17 manylinux2014 manylinux1; do
  platforms="$platforms --platform ${p}_x86_64"
done
# the project's pins, less TensorFlow (too large to carry; the check runs Keras on torch and jax) and the browser
pins=$(grep -E '^[A-Za-z0-9_.-]+==' requirements.txt | grep -v -E '^(tensorflow|jupyterlab|notebook|playwright|pytest)')
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp $platforms -d "$dl" $pins
python3 bench/gpu/pick_wheels.py "$dl" .whl
cp "$(command -v bwrap)" .gpu/bwrap
for lib in $(ldd "$(command -v bwrap)" | awk '/=> \// {print $3}' | grep -v -E 'libc\.so'); do cp "$lib" .gpu/lib/; done
cp ../shared/data/banknote/data_banknote_authentication.txt .gpu/banknote/
du -sh .whl .gpu
