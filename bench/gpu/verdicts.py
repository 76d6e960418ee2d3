"""The GPU check's grades: dump the judge's verdicts of the demo class, or compare dumps.

    python bench/gpu/verdicts.py dump ASSIGNMENT OUT.json   {student: {question: [points, status, backend, device]}}
    python bench/gpu/verdicts.py compare BASE.json OTHER.json...   points and status per student and question
"""
import json
import os
import sys

sys.path.insert(0, os.getcwd())


def dump(name, out):
    from pathlib import Path

    from autograder import grading, specs, synth

    res = {}
    for s in synth.demo_class(specs.get(name)):
        res[s.name] = {q: [v["points"], v["status"], (v.get("environment") or {}).get("keras_backend"),
                           (v.get("environment") or {}).get("device")]
                       for q, v in sorted(grading.verdicts(Path.cwd(), name, s.name).items())}
    with open(out, "w") as f:
        json.dump(res, f, indent=0, sort_keys=True)
    print("dumped the verdicts of %d students to %s" % (len(res), out))


def compare(base_path, *others):
    with open(base_path) as f:
        base = json.load(f)
    for path in others:
        with open(path) as f:
            other = json.load(f)
        diff = []
        for s in sorted(set(base) | set(other)):
            for q in sorted(set(base.get(s, {})) | set(other.get(s, {}))):
                a, b = base.get(s, {}).get(q, [None, None])[:2], other.get(s, {}).get(q, [None, None])[:2]
                if a != b:
                    diff.append((s, q, a, b))
        ran_on = sorted({"%s/%s" % (v[2], v[3]) for st in other.values() for v in st.values() if v[2]})
        print("%s against %s: %d students, %d verdicts differ; Keras ran on %s"
              % (path, base_path, len(other), len(diff), ran_on or "nothing"))
        for d in diff[:30]:
            print("   %s %s: %s, then %s" % d)


if __name__ == "__main__":
    {"dump": dump, "compare": compare}[sys.argv[1]](*sys.argv[2:])
