#!/bin/bash
# The GPU check, on the device machine, from the repository root (prepared here with bench/gpu/prepare.sh):
# installs the carried wheels and bubblewrap, then grades the demo class of 01_forward_pass with the runner on
# all cores three ways (PyTorch with the GPU hidden, PyTorch on the GPU, JAX on the GPU), sampling nvidia-smi,
# compares the grades, shows what JAX would take without the runner's memory setting, and runs a Keras fit in
# the sandbox to read the kernel's memory. About 6 minutes on an H200 machine with 16 cores.
set -u
cd "$(dirname "$0")/../.."
command -v nvidia-smi >/dev/null || { echo "no NVIDIA GPU here: this runs on the device machine (it installs wheels for Python 3.12)"; exit 1; }
OUT=${OUT:-/tmp/gpu-check}; mkdir -p "$OUT"
T0=$(date +%s)
log() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }
log machine; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; python3 -V; nproc
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir .whl/*.whl 2>&1 | tail -3
if ! command -v bwrap >/dev/null; then
  cp .gpu/bwrap /usr/local/bin/bwrap && chmod 755 /usr/local/bin/bwrap
  for l in .gpu/lib/*; do ldconfig -p | grep -q "$(basename "$l")" || cp "$l" /usr/local/lib/; done; ldconfig
  echo "bwrap carried"
fi
export BANKNOTE_DATA_DIR=$PWD/.gpu/banknote PYTHONUNBUFFERED=1
KERAS_BACKEND=torch python3 -c "import keras, torch; print('keras', keras.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available())"
python3 -c "import jax; print('jax', jax.__version__, jax.devices())" 2>&1 | tail -1
python3 -c "from autograder import sandbox; print('bwrap problem:', sandbox.bwrap_problem(False), '| as a user id:', sandbox.bwrap_problem(True)); print('GPU device files:', sandbox.gpu_devices())"
log "a Keras fit in the sandbox, as the kernels run"
KERAS_BACKEND=torch timeout 150 python3 bench/gpu/vm.py 2>&1 | tail -6
A=01_forward_pass
demo() {  # demo MODE VAR=VALUE...: grade the demo class of $A with the runner, all cores, sampling the GPU
  local mode=$1; shift
  log "demo $mode ($*)"
  bash bench/gpu/smi.sh "$OUT/smi-$mode.txt" & local smi=$!
  echo "######## $mode $*" >> "$OUT/demo.txt"
  env "$@" timeout 240 python3 -m autograder demo $A >> "$OUT/demo.txt" 2>&1; echo "exit $?"
  kill $smi; wait $smi 2>/dev/null
  grep -E "^graded|^devices|SANDBOX|too busy" "$OUT/demo.txt" | tail -3
  python3 bench/gpu/verdicts.py dump $A "$OUT/verdicts-$mode.json"
  python3 bench/gpu/smisum.py "$OUT/smi-$mode.txt"
}
demo cpu CUDA_VISIBLE_DEVICES= KERAS_BACKEND=torch
demo torch KERAS_BACKEND=torch
demo jax KERAS_BACKEND=jax
python3 bench/gpu/verdicts.py compare "$OUT/verdicts-cpu.json" "$OUT/verdicts-torch.json" "$OUT/verdicts-jax.json"
log "what JAX takes without the runner's XLA_PYTHON_CLIENT_PREALLOCATE=false: two processes, preallocation on, then off"
for pre in true false; do
  bash bench/gpu/smi.sh "/tmp/smi-pre-$pre.txt" & smi=$!
  pids=""
  for i in 1 2; do
    XLA_PYTHON_CLIENT_PREALLOCATE=$pre timeout 60 python3 -c "import jax, time; jax.numpy.ones(3).block_until_ready(); time.sleep(6)" \
      > "/tmp/pre-$pre-$i.txt" 2>&1 & pids="$pids $!"
  done
  wait $pids; kill $smi; wait $smi 2>/dev/null
  echo -n "XLA_PYTHON_CLIENT_PREALLOCATE=$pre: "; python3 bench/gpu/smisum.py "/tmp/smi-pre-$pre.txt"
done
log done
