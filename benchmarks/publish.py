"""Benchmark: media-pub publish against `aws s3 sync`, same run, same moto server on loopback.

1. Throughput: 200 x 5 MB and 20 x 50 MB, each tool into an empty prefix; wall time,
   MB/s, ratio (media-pub / awscli, higher is better) and each process's peak RSS.
2. No-op: 1,000 small objects already published; wall time and requests counted by a
   recording proxy. Then one file is changed in place with the same size and mtime: a
   content-exact publish uploads it, a size+time sync does not.

Both tools run as child processes (interpreter start-up included for both). awscli gets
AWS_REQUEST_CHECKSUM_CALCULATION=when_required, which media-pub sets itself for non-AWS
endpoints (STANDARDS 7.8), so neither computes CRC32 trailers.

Run: python benchmarks/publish.py [--small] [--rounds N]
(--small: 20 x 5 MB, 2 x 50 MB and 100 objects; --rounds: best of N, order alternating)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import boto3  # noqa: E402

from s3_server import RecordingProxy, start_moto  # noqa: E402

ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "AKIABENCHMARK0000001",
    "AWS_SECRET_ACCESS_KEY": "benchmark-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
    "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
    "PYTHONPATH": str(ROOT),
}
MEDIA_PUB = """
import sys
from pathlib import Path
from media_pub.model import Settings, StorageSettings
from media_pub.publish import publish
out, target, endpoint = sys.argv[1:4]
report = publish(Settings(project=Path(out).parent, storage=StorageSettings(target=target, endpoint_url=endpoint)),
                 out=Path(out))
print(report.summary, file=sys.stderr)
sys.exit(report.exit_code)
"""


def make_files(folder: Path, count: int, size: int, key: str) -> None:
    block = os.urandom(1 << 20)
    for n in range(count):
        path = folder / f"media/{key}/ep-{n:04d}.mp3"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            handle.write(f"{key} {n} ".encode().ljust(4096, b"."))
            left = size - 4096
            while left > 0:
                handle.write(block[: min(left, len(block))])
                left -= len(block)


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one child process; fails loudly if it fails.

    GNU time measures the peak: a child forked from this process (which hosts moto and
    its stored objects) would report this process's memory as its own.
    """
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *cmd], env=ENV,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if result.returncode:
            raise SystemExit(f"{cmd[:3]} failed ({result.returncode}): {result.stderr}")
        return seconds, int(peak.read().split()[-1]) // 1024


def media_pub(folder: Path, target: str, endpoint: str) -> tuple[float, int]:
    return run([sys.executable, "-c", MEDIA_PUB, str(folder), target, endpoint])


def awscli(folder: Path, target: str, endpoint: str) -> tuple[float, int]:
    return run(["aws", "s3", "sync", str(folder), target, "--endpoint-url", endpoint, "--only-show-errors"])


def empty(client, bucket: str) -> None:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    for page in pages:
        keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a tenth of the data, for a quick look")
    parser.add_argument("--rounds", type=int, default=2, help="runs per tool and set, order alternating")
    args = parser.parse_args()
    scale = 10 if args.small else 1
    server, endpoint = start_moto()
    os.environ.update({k: v for k, v in ENV.items() if k.startswith("AWS_")})
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="bench")
    work = Path(tempfile.mkdtemp(prefix="media-pub-bench-"))
    try:
        print(f"moto {endpoint}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
        print(f"{'set':<14}{'tool':<11}{'seconds':>9}{'MB/s':>9}{'peak MB':>9}")
        for count, size in ((200 // scale, 5_000_000), (20 // scale, 50_000_000)):
            folder = work / f"set-{count}x{size // 1_000_000}"
            make_files(folder, count, size, "show")
            total_mb = count * size / 1e6
            label = f"{count} x {size // 1_000_000} MB"
            best: dict[str, float] = {}
            for round_ in range(args.rounds):
                # alternate who goes first: the machine's load drifts between runs
                order = (("awscli", awscli), ("media-pub", media_pub))[:: 1 if round_ % 2 == 0 else -1]
                for tool, call in order:
                    seconds, peak = call(folder, f"s3://bench/{tool}-{folder.name}-{round_}", endpoint)
                    best[tool] = min(best.get(tool, seconds), seconds)
                    print(f"{label:<14}{tool:<11}{seconds:>9.2f}{total_mb / seconds:>9.1f}{peak:>9}")
                    empty(client, "bench")
            print(f"{label:<14}throughput ratio media-pub/awscli (best of {args.rounds}): "
                  f"{best['awscli'] / best['media-pub']:.2f}x")
            shutil.rmtree(folder)

        count = 1000 // scale
        folder = work / "noop"
        for n in range(count):
            path = folder / f"media/show/ep-{n:04d}.mp3"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(f"episode {n} ".encode().ljust(2048, b"."))
        proxy = RecordingProxy(endpoint)
        print(f"\nno-op publish of {count} objects (best of {args.rounds}; requests counted by a proxy)")
        print(f"{'tool':<11}{'seconds':>9}{'requests':>10}{'PUTs':>6}{'peak MB':>9}  same-size change caught")
        tools = (("awscli", awscli), ("media-pub", media_pub))
        for tool, call in tools:
            call(folder, f"s3://bench/noop-{tool}", endpoint)
        best: dict[str, tuple[float, int, int, int]] = {}
        for round_ in range(args.rounds):
            for tool, call in tools[:: 1 if round_ % 2 == 0 else -1]:
                proxy.clear()
                seconds, peak = call(folder, f"s3://bench/noop-{tool}", proxy.url)
                run_ = (seconds, proxy.count(), proxy.count("PUT"), peak)
                best[tool] = min(best.get(tool, run_), run_)
        for tool, call in tools:
            target = f"s3://bench/noop-{tool}"
            changed = folder / "media/show/ep-0007.mp3"
            stat = changed.stat()
            changed.write_bytes(changed.read_bytes().replace(b"episode 7 ", b"EPISODE 7 "))
            os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            proxy.clear()
            call(folder, target, proxy.url)
            caught = any(p.endswith("ep-0007.mp3") for p in proxy.writes())
            changed.write_bytes(changed.read_bytes().replace(b"EPISODE 7 ", b"episode 7 "))
            os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            seconds, requests, puts, peak = best[tool]
            print(f"{tool:<11}{seconds:>9.2f}{requests:>10}{puts:>6}{peak:>9}  {'yes' if caught else 'no'}")
        proxy.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        server.stop()


if __name__ == "__main__":
    main()
