"""Benchmark: our loudness delivery vs ffmpeg-normalize vs the floor, on long speech-like WAVs.

For each length (default 60 and 180 minutes) it generates a stereo 44.1 kHz speech-like WAV
(two espeak-ng voices, looped) and, in the same run, times:

  ours   media_pub.audio.encode -> MP3 128k at -16 LUFS / -1 dBTP (measure + one encode,
         verified on the encoded bytes)
  peer   ffmpeg-normalize (same ffmpeg binary via FFMPEG_PATH, -t -16 -tp -1, libmp3lame
         128k, 44.1 kHz; its other settings at their defaults)
  floor  one decode + one plain encode to MP3 128k with no filters

Each contender runs ``--rounds`` times (default 3), the order rotating every round so
that a drift in the machine's load does not favour whoever runs first; the best time of
each is compared. Each run is a child process; its peak memory is the largest sum of resident memory over
its whole process tree (the ffmpeg children included), polled from /proc every 50 ms.
Each output's loudness is measured independently with ffmpeg's ebur128 filter.

    python benchmarks/normalise.py                          # 60 and 180 min, all three
    python benchmarks/normalise.py --minutes 60 --minutes 180 --peer-max 60
    python benchmarks/normalise.py --minutes 5 --rounds 1   # a quick check

Run from a venv made with ``pip install -e '.[bench]'``: ffmpeg-normalize is found beside
this Python, whether or not the venv is on PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import imageio_ffmpeg  # noqa: E402

from speech import make_speech  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
# The bench extra installs ffmpeg-normalize into this venv; its script sits beside python.
FFMPEG_NORMALIZE = str(Path(sys.executable).with_name("ffmpeg-normalize"))
TARGET, CEILING, BITRATE = -16.0, -1.0, "128k"


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, read from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def measured_run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall seconds, peak tree RSS bytes) of running ``cmd`` to completion."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, peak


def loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by ffmpeg's ebur128, independent of our code."""
    log = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def run_ours(source: Path, out: Path) -> None:
    """The child-process body for 'ours' (so its memory is measured like the others')."""
    from media_pub.media import loudness as audio
    from media_pub.model import Delivery

    result = audio.encode(source, out, Delivery(loudness=TARGET, true_peak=CEILING, bitrate=BITRATE))
    print(f"ours: {result.normalization}, {result.attempts} encode(s)", file=sys.stderr)


def contenders(source: Path, work: Path, with_peer: bool) -> dict[str, tuple[list[str], dict | None, Path]]:
    runs = {}
    out = work / f"{source.stem}-floor.mp3"
    runs["floor"] = ([FFMPEG, "-v", "error", "-y", "-i", str(source), "-c:a", "libmp3lame",
                      "-b:a", BITRATE, "-ar", "44100", str(out)], None, out)
    out = work / f"{source.stem}-ours.mp3"
    runs["ours"] = ([sys.executable, __file__, "--run-ours", str(source), str(out)], None, out)
    if with_peer:
        out = work / f"{source.stem}-ffmpeg-normalize.mp3"
        env = dict(os.environ, FFMPEG_PATH=FFMPEG)
        runs["ffmpeg-normalize"] = ([FFMPEG_NORMALIZE, str(source), "-o", str(out), "-f",
                                     "-t", str(TARGET), "-tp", str(CEILING), "-c:a", "libmp3lame",
                                     "-b:a", BITRATE, "-ar", "44100"], env, out)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, action="append",
                        help="length of a generated file (repeatable; default 60 and 180)")
    parser.add_argument("--peer-max", type=float, default=float("inf"),
                        help="run ffmpeg-normalize only on files up to this many minutes")
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each contender, in rotating order; the best counts")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".work",
                        help="folder for generated sources and outputs (reused between runs)")
    parser.add_argument("--run-ours", nargs=2, type=Path, metavar=("SRC", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_ours:
        run_ours(*args.run_ours)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"ffmpeg: {subprocess.run([FFMPEG, '-version'], capture_output=True, text=True).stdout.splitlines()[0]}")
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    for minutes in args.minutes or [60.0, 180.0]:
        source = args.work / f"speech-{minutes:g}min.wav"
        if not source.exists():
            started = time.perf_counter()
            make_speech(source, minutes)
            print(f"generated {source.name} in {time.perf_counter() - started:.0f} s")
        src_i, src_tp = loudness(source)
        print(f"\n== {minutes:g} min stereo 44.1 kHz WAV ({source.stat().st_size / 1e6:.0f} MB), "
              f"source {src_i:.1f} LUFS, {src_tp:.1f} dBTP; target {TARGET} LUFS, ceiling {CEILING} dBTP")
        runs = contenders(source, args.work, minutes <= args.peer_max)
        names = list(runs)
        walls: dict[str, list[float]] = {name: [] for name in names}
        peaks: dict[str, int] = {name: 0 for name in names}
        for round_ in range(max(1, args.rounds)):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                cmd, env, _ = runs[name]
                wall, peak = measured_run(cmd, env)
                walls[name].append(wall)
                peaks[name] = max(peaks[name], peak)
        results = {}
        for name in names:
            integrated, tp = loudness(runs[name][2])
            results[name] = min(walls[name])
            print(f"{name:17s} best {results[name]:7.1f} s of {len(walls[name])} "
                  f"({', '.join(f'{w:.1f}' for w in walls[name])})   peak memory {peaks[name] / 2**20:6.0f} MB   "
                  f"output {integrated:6.1f} LUFS (error {integrated - TARGET:+.1f} LU)  "
                  f"TP {tp:5.1f} dBTP {'ok' if tp <= CEILING else 'OVER CEILING'}   "
                  f"load {os.getloadavg()[0]:.1f}")
        if "ffmpeg-normalize" in results:
            print(f"ours / ffmpeg-normalize = {results['ours'] / results['ffmpeg-normalize']:.2f}x"
                  f"  (goal <= 0.35x)")
        print(f"ours / floor = {results['ours'] / results['floor']:.2f}x  (goal <= 1.3x)")


if __name__ == "__main__":
    main()
