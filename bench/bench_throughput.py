"""Benchmark: the throughput ratios of issue 27, in one run (one command, a few minutes).

Run from the repository root::

    PYTHONPATH=src python bench/bench_throughput.py [--repeat 3] [--duration 60] [--sample-data ../shared/data]

Prints, with the machine, the date and the load average (``uptime``) before and after each part:

1. **Cores and jobs.** The machine's own two-process ratio (a pure-Python CPU
   loop, one process on core 0 alone, then two at once on cores 0 and 1:
   the work of two over the time of one, as ``bench/bench_cores.py``),
   and ``openfield run FOLDER --arena-size-cm 40 40 --overwrite`` on four
   synthetic videos (``--duration`` s, 480x360, 30 fps) with ``--jobs 1``
   held to one core (``sched_setaffinity``) and ``--jobs 2`` on both; the
   three are interleaved round by round, best of ``--repeat``. The speed-up
   of ``--jobs 2`` (wall) over the machine's ratio is issue 27's first proof
   (>= 0.9); both runs must give the same ``summary_all.csv`` and per-video
   tables (checked, else the script fails).
2. **Start-up.** ``openfield kinematics`` on one hour of pose (30 fps, 20
   body parts, as ``bench/bench_kinematics.py``) against a fresh Python
   reading the same CSV with pandas (``pd.read_csv(path, header=[0, 1, 2],
   index_col=0)``), interleaved; CPU seconds of each process (its rusage),
   median of ``--repeat`` + 1; the proof: <= 3.
3. **The example video.** ``openfield run m3v1mp4.mp4 --arena-size-cm 48 32
   --jobs 1`` (the real 78-s, 640x480 video of ``dlc_openfield``): video
   seconds per CPU second of the whole command (interpreter, imports and
   report included), best and median of ``--repeat`` + 1; the proof: >= 10.
   Its distance and mean speed are printed beside (they must not move:
   tests/test_integration/test_run.py holds them).

CPU seconds come from the children's rusage (a process and every worker it
waited for), so they are exact, and steadier than wall time on a shared
machine; the jobs speed-up is a wall-time ratio, which is why the machine's
own ratio is measured in the same rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "MPLBACKEND": "Agg"}
STEMS = [f"mouse{i}" for i in range(4)]


def load() -> str:
    """``uptime``'s load averages."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def timed(cmd: list[str], cores: set[int] | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command: (wall seconds, CPU seconds of it and of every process it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    pin = (lambda: os.sched_setaffinity(0, cores)) if cores is not None else None
    done = subprocess.run(cmd, env=env or ENV, capture_output=True, text=True, preexec_fn=pin)  # noqa: PLW1509
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_loop() -> None:
    total = 0
    for i in range(20_000_000):
        total += i * i


def loop_seconds(n: int) -> float:
    """Wall seconds of ``n`` processes each running :func:`cpu_loop` at once, one per core (0, 1, ...)."""
    code = "import bench_throughput as b; b.cpu_loop()"
    env = {**ENV, "PYTHONPATH": f"{REPO / 'bench'}{os.pathsep}{ENV['PYTHONPATH']}"}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env,
                              preexec_fn=lambda k=k: os.sched_setaffinity(0, {k}))  # noqa: PLW1509
             for k in range(n)]
    for p in procs:
        p.wait()
    return time.perf_counter() - t0


def render(folder: Path, duration_s: float) -> None:
    from openfield import synthetic

    for i, stem in enumerate(STEMS):
        sv = synthetic.render_video(folder / "render", stem, fps=30, duration_s=duration_s, image_size=(480, 360),
                                    animal="dark" if i % 2 == 0 else "light", seed=100 + i)
        sv.video.rename(folder / sv.video.name)


def same_results(a: Path, b: Path) -> None:
    """The two runs' tables are equal (else the script fails)."""
    pd.testing.assert_frame_equal(pd.read_csv(a / "summary_all.csv"), pd.read_csv(b / "summary_all.csv"))
    for stem in STEMS:
        for suffix in ("_summary.csv", "_kinematics.csv", "_pose.csv"):
            pd.testing.assert_frame_equal(pd.read_csv(a / f"{stem}{suffix}"), pd.read_csv(b / f"{stem}{suffix}"))


def jobs_part(tmp: Path, duration: float, repeat: int) -> None:
    print(f"\n## 1. --jobs 2 against the machine's two-process ratio ({load()})")
    if len(os.sched_getaffinity(0)) < 2:
        print("fewer than 2 cores: skipped")
        return
    folder = tmp / "videos"
    folder.mkdir()
    render(folder, duration)
    base = [sys.executable, "-m", "openfield", "run", str(folder), "--arena-size-cm", "40", "40", "--overwrite"]
    rounds: dict[str, list[tuple[float, float]]] = {"loop1": [], "loop2": [], "jobs1": [], "jobs2": []}
    for _ in range(repeat):
        rounds["loop1"].append((loop_seconds(1), 0.0))
        rounds["loop2"].append((loop_seconds(2), 0.0))
        rounds["jobs1"].append(timed([*base, "-o", str(tmp / "out1"), "--jobs", "1"], cores={0}))
        rounds["jobs2"].append(timed([*base, "-o", str(tmp / "out2"), "--jobs", "2"], cores={0, 1}))
    same_results(tmp / "out1", tmp / "out2")
    best = {k: min(v) for k, v in rounds.items()}
    machine = 2 * best["loop1"][0] / best["loop2"][0]
    speedup = best["jobs1"][0] / best["jobs2"][0]
    print(f"4 videos of {duration:g} s, 480x360, 30 fps; best of {repeat} interleaved rounds; "
          "--jobs 1 and --jobs 2 give the same tables")
    print("| | wall s | CPU s (all processes) |\n|---|---|---|")
    print(f"| CPU loop, one process on one core | {best['loop1'][0]:.2f} | |")
    print(f"| CPU loop, two processes on two cores | {best['loop2'][0]:.2f} | |")
    print(f"| `--jobs 1` held to one core | {best['jobs1'][0]:.2f} | {best['jobs1'][1]:.2f} |")
    print(f"| `--jobs 2` on two cores | {best['jobs2'][0]:.2f} | {best['jobs2'][1]:.2f} |")
    print(f"machine's two-process ratio: {machine:.2f}x; --jobs 2 speed-up: {speedup:.2f}x = "
          f"**{speedup / machine:.2f} of the machine's ratio** (issue 27: >= 0.9)")
    # Amdahl: T1 = S + W and T2 = S + W / machine give the serial part S that the two runs imply
    serial = (machine * best["jobs2"][0] - best["jobs1"][0]) / (machine - 1)
    floor = import_floor(repeat)
    work = best["jobs1"][0] - serial
    needed = 0.1 * work / (0.9 * machine - 1)  # (S + W) / (S + W / m) >= 0.9 m  <=>  S <= 0.1 W / (0.9 m - 1)
    print(f"serial part implied by the two runs (Amdahl, T1 = S + W, T2 = S + W / {machine:.2f}): **{serial:.2f} s** "
          f"of {best['jobs1'][0]:.2f} s; 0.9 of the machine's ratio needs S <= {needed:.2f} s with this work. "
          f"Of it, importing what every video needs (`python -c 'import <the workers\' preload>'`, CPU s, median): "
          f"**{floor:.2f} s**, paid once before the workers fork while the other core waits")
    print(f"all rounds (wall s): loop1 {[round(w, 2) for w, _ in rounds['loop1']]}, "
          f"loop2 {[round(w, 2) for w, _ in rounds['loop2']]}, jobs1 {[round(w, 2) for w, _ in rounds['jobs1']]}, "
          f"jobs2 {[round(w, 2) for w, _ in rounds['jobs2']]}; {load()}")


def import_floor(repeat: int) -> float:
    """CPU seconds of a fresh Python importing what a run's workers are forked with (``parallel.PRELOAD``)."""
    code = ("import openfield.cli, openfield.commands.run; from openfield.pipeline.parallel import PRELOAD; "
            "import importlib; [importlib.import_module(m) for m in PRELOAD]")
    env = {**ENV, "OPENBLAS_NUM_THREADS": "1"}  # as the openfield command sets it (cli.console)
    return statistics.median(timed([sys.executable, "-c", code], env=env)[1] for _ in range(repeat))


def kinematics_part(tmp: Path, repeat: int) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_kinematics import make_pose

    from openfield.io import write_dlc_csv

    print(f"\n## 2. openfield kinematics on an hour of pose against a fresh pandas read ({load()})")
    csv = write_dlc_csv(make_pose(1.0), tmp / "hour.csv")
    read = [sys.executable, "-c", f"import pandas as pd; pd.read_csv({str(csv)!r}, header=[0, 1, 2], index_col=0)"]
    cmd = [sys.executable, "-m", "openfield", "kinematics", str(csv), "--arena-from-bodyparts", "tl", "tr", "br",
           "bl", "--arena-size-cm", "40", "40", "--fps", "30", "-o", str(tmp / "kin"), "--overwrite"]
    reads, reads1, cmds = [], [], []
    for _ in range(repeat + 1):
        reads.append(timed(read))
        reads1.append(timed(read, env={**ENV, "OPENBLAS_NUM_THREADS": "1"}))
        cmds.append(timed(cmd))
    r, c = statistics.median(x[1] for x in reads), statistics.median(x[1] for x in cmds)
    r1 = statistics.median(x[1] for x in reads1)
    print(f"file: {csv.stat().st_size / 1e6:.0f} MB, 108,000 frames x 20 body parts; median of {repeat + 1} "
          "interleaved runs, CPU seconds of each process")
    print("| | CPU s | wall s |\n|---|---|---|")
    print(f"| fresh `python -c` pandas read | {r:.2f} | {statistics.median(x[0] for x in reads):.2f} |")
    print(f"| `openfield kinematics` (4 plots, CSV table) | {c:.2f} | {statistics.median(x[0] for x in cmds):.2f} |")
    print(f"| the same read with `OPENBLAS_NUM_THREADS=1` (as the command sets it) | {r1:.2f} | "
          f"{statistics.median(x[0] for x in reads1):.2f} |")
    print(f"ratio command / fresh read: **{c / r:.2f}** (CPU; issue 27: <= 3), {c / r1:.2f} against the one-thread "
          "read; wall "
          f"{statistics.median(x[0] for x in cmds) / statistics.median(x[0] for x in reads):.2f}; {load()}")


def video_part(tmp: Path, sample_data: Path, repeat: int) -> None:
    video = sample_data / "dlc_openfield" / "videos" / "m3v1mp4.mp4"
    print(f"\n## 3. The example video: video seconds per CPU second ({load()})")
    if not video.is_file():
        print(f"{video} not found: skipped (give --sample-data)")
        return
    out = tmp / "real"
    cmd = [sys.executable, "-m", "openfield", "run", str(video), "-o", str(out), "--arena-size-cm", "48", "32",
           "--jobs", "1", "--overwrite"]
    runs = [timed(cmd) for _ in range(repeat + 1)]
    row = pd.read_csv(out / "summary_all.csv").iloc[0]
    duration = float(row["duration_s"])
    cpu = [c for _, c in runs]
    print(f"{video.name}: {duration:.1f} s of video; distance {row['distance_cm']:.1f} cm, mean speed "
          f"{row['mean_speed_cm_s']:.2f} cm/s")
    print(f"whole command, CPU s: {', '.join(f'{c:.2f}' for c in cpu)} (wall s: "
          f"{', '.join(f'{w:.2f}' for w, _ in runs)})")
    print(f"video seconds per CPU second: **{duration / statistics.median(cpu):.1f}** (median), "
          f"{duration / min(cpu):.1f} (best); issue 27: >= 10; {load()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per synthetic video")
    ap.add_argument("--sample-data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--parts", default="123", help="which parts to run (default all: 123)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    print(f"# Throughput (issue 27): {platform.machine()}, {len(os.sched_getaffinity(0))} cores, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M %Z')}, {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        if "1" in args.parts:
            jobs_part(Path(tmp), args.duration, args.repeat)
        if "2" in args.parts:
            kinematics_part(Path(tmp), args.repeat)
        if "3" in args.parts:
            video_part(Path(tmp), args.sample_data, args.repeat)
    print(f"\n(the whole script: {time.perf_counter() - t0:.0f} s; {load()})")


if __name__ == "__main__":
    main()
