"""What a run tells the instructor: a line per submission that needs attention, and the devices kernels saw."""
from __future__ import annotations

from pathlib import Path

from .. import grading
from .pool import RunResult
from .worker import _last_line


# --------------------------------------------------------------------------------------------------
# reporting


def devices_seen(root: Path, assignment: str, students: list[str]) -> dict[str, int]:
    """{device: number of verdicts} as the Keras verdicts recorded them (e.g. {"CPU": 60})."""
    seen: dict[str, int] = {}
    for s in students:
        for v in grading.verdicts(root, assignment, s).values():
            device = (v.get("environment") or {}).get("device")
            if device:
                seen[device] = seen.get(device, 0) + 1
    return seen


def summary_lines(result: RunResult, root: Path) -> list[str]:
    """The lines the command prints after the per-student table."""
    graded, skipped, failed = result.of("graded"), result.of("skipped"), result.of("failed")
    lines = ["graded %d, skipped %d (already graded; --force regrades), failed %d, in %.1f s with %d worker(s)"
             % (len(graded), len(skipped), len(failed), result.seconds, result.workers)]
    for s in failed:
        lines.append("  failed: %s: %s" % (s, _last_line(result.outcomes[s].error)))
    busy = [s for s in graded if result.outcomes[s].busy_timeouts]
    if busy:
        lines.append("  graded on a machine too busy for its time limits (a cell ran out of time while its kernel "
                     "mostly waited for a CPU, twice): %s; grade again when the machine is quiet: "
                     "--force %s" % (", ".join(busy), " ".join("--student " + s for s in busy)))
    if result.cluster:
        lines.append("graded on the Dask cluster at %s" % result.cluster)
    if result.sandbox:
        lines.append(result.sandbox)
    devices = devices_seen(root, result.assignment, graded + skipped)
    if devices:
        lines.append("devices: " + ", ".join("%s (%d verdicts)" % kv for kv in sorted(devices.items())))
    return lines
