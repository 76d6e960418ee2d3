"""Summarise an smi.sh sample file: peak number of processes on the GPU at once, peak per-process and total memory."""
import sys
for path in sys.argv[1:]:
    samples, cur = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith("t "):
            cur = {"procs": {}, "gpu": None}; samples.append(cur)
        elif line.startswith("gpu ") and cur is not None:
            try: cur["gpu"] = [float(x) for x in line[4:].split(",")]
            except ValueError: pass
        elif line and cur is not None and "," in line:
            pid, mem = line.split(",")[:2]
            try: cur["procs"][pid.strip()] = float(mem)
            except ValueError: pass
    n = max((len(s["procs"]) for s in samples), default=0)
    per = max((m for s in samples for m in s["procs"].values()), default=0)
    tot = max((s["gpu"][0] for s in samples if s["gpu"]), default=0)
    util = max((s["gpu"][1] for s in samples if s["gpu"]), default=0)
    pids = {p for s in samples for p in s["procs"]}
    print("%s: %d samples, %d processes used the GPU, at most %d at once; peak per process %.0f MiB; peak total %.0f MiB; peak utilisation %.0f %%"
          % (path, len(samples), len(pids), n, per, tot, util))
