"""Benchmark: the staging swap of an in-place publish against `cp -al` + `mv` + `rm -rf`.

When the build directory is the live target, release.py builds into a hard-link copy of
it and swaps that in (media_pub/release.py). Its cost grows with the number of files, not
their size. This times media-pub's copy, and its swap plus removal of the old tree, on a
synthetic site of 5 files per episode, against what a careful user would script with
coreutils, best of N rounds in alternating order; prints the ratio and peak memory.

    python benchmarks/staging.py --episodes 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from media_pub.release import Staging, _clone, _swap_in  # noqa: E402

KINDS = (("media", ".mp3"), ("art", ".jpg"), ("chapters", ".json"), ("embed", ".html"), ("embed", ".oembed.json"))


def make_site(root: Path, episodes: int) -> int:
    for episode in range(episodes):
        for folder, ext in KINDS:
            path = root / folder / "show" / f"ep-{episode}{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * 256)
    return episodes * len(KINDS)


def ours(site: Path, work: Path) -> tuple[float, float]:
    copy = work / ".staging-site"
    started = time.perf_counter()
    _clone(site, copy)
    cloned = time.perf_counter()
    _swap_in(Staging(site, copy))
    return cloned - started, time.perf_counter() - cloned


def coreutils(site: Path, work: Path) -> tuple[float, float]:
    copy, old = work / "copy", work / "old"
    started = time.perf_counter()
    subprocess.run(["cp", "-al", str(site), str(copy)], check=True)
    cloned = time.perf_counter()
    subprocess.run(["mv", str(site), str(old)], check=True)
    subprocess.run(["mv", str(copy), str(site)], check=True)
    subprocess.run(["rm", "-rf", str(old)], check=True)
    return cloned - started, time.perf_counter() - cloned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        site = work / "site"
        files = make_site(site, args.episodes)
        best: dict[str, tuple[float, float]] = {}
        for round_ in range(args.rounds):
            order = (ours, coreutils) if round_ % 2 == 0 else (coreutils, ours)
            for tool in order:
                clone, swap = tool(site, work)
                name = tool.__name__
                if name not in best or clone + swap < sum(best[name]):
                    best[name] = (clone, swap)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{files} files ({args.episodes} episodes), best of {args.rounds}:")
    for name, (clone, swap) in best.items():
        print(f"  {name:<10} copy {clone:6.2f}s  swap + remove old {swap:6.2f}s  total {clone + swap:6.2f}s")
    ratio = sum(best["ours"]) / sum(best["coreutils"])
    print(f"  ratio media-pub / coreutils: {ratio:.2f}x; media-pub peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
