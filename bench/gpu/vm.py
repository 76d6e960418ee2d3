"""A Keras fit in the sandbox, as the grading kernels run (limits, a user id of its own, no user name in the
grader's environment): the user name it sees, its device, and its memory (VmData is what RLIMIT_DATA limits).

    KERAS_BACKEND=torch python bench/gpu/vm.py      (from the repository root)
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from autograder.pipeline.bwrap import bwrap_command, set_limits
from autograder.pipeline.execute import SafeExecute
from autograder.pipeline.kernel import KERNEL_ENV

sys.path.insert(0, os.getcwd())

PROBE = """
import getpass, time
import numpy as np
t = time.time()
import keras
t1 = time.time()
m = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation="sigmoid"),
                      keras.layers.Dense(1, activation="sigmoid")])
m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.15), loss="binary_crossentropy")
x = np.random.rand(1000, 2)
m.fit(x, (x.sum(axis=1) > 1).astype(float), epochs=3, verbose=0)
print("user", getpass.getuser(), "| import %.1f s, fit %.1f s" % (t1 - t, time.time() - t1),
      "| weights on", getattr(m.layers[0].kernel.value, "device", "?"))
print([line.strip() for line in open("/proc/self/status") if line.startswith(("VmData", "VmHWM", "VmPeak"))])
"""

os.environ["AUTOGRADER_COURSE_ROOT"] = os.getcwd()
for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):  # as under a service or in a container
    os.environ.pop(name, None)
spec = SafeExecute().sandbox_spec(None, "bwrap")
uid = spec["uid"]
private = Path(tempfile.mkdtemp(prefix="agvm-"))
if uid is not None:
    os.chown(private, uid, uid)
cmd = bwrap_command([sys.executable, "-c", PROBE], workdir=private, private=private, hidden=spec["hidden"],
                            readable=spec["readable"], uid=uid, env_unset=spec["env_unset"])
limits = spec["limits"]
print("limits:", {k: v for k, v in limits.items() if v})
proc = subprocess.run(cmd, capture_output=True, text=True, timeout=150,
                      preexec_fn=lambda: set_limits(limits), env=dict(os.environ, **KERNEL_ENV))
print("exit", proc.returncode)
print((proc.stdout + proc.stderr)[-2500:])
