"""Benchmark: `media-pub transcribe` on long generated speech: WER, x real time, peak memory.

For each length (default 10 and 60 minutes) espeak-ng reads a known text (varied sentences
with the show's names in them, repeated to length) into an MP3 episode of a small project,
and in the same run it times, each as a child process:

  ours   `media-pub transcribe` (bundled tiny.en, int8; batched pipeline with VAD, one window
         a batch, in 120 s pieces; names as a "Glossary:" prompt), cold: an empty cache
  peer   faster-whisper used as its README shows, on the same file and model:
         `WhisperModel(model, device="cpu", compute_type="int8").transcribe(path, beam_size=5)`
         with the same names as hotwords (only on lengths up to --peer-max minutes)

Word error rate is measured against the text read (lower-cased words, punctuation dropped).
Peak memory is the largest resident size of the child's process tree, polled from /proc.
Goals (issue 12): at least 8x real time on 2 cores, under 600 MB, WER under 10 %.

    python benchmarks/transcribe.py                    # 10 and 60 min; peer on 10 min
    python benchmarks/transcribe.py --minutes 2        # a quick check
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

import imageio_ffmpeg  # noqa: E402
from normalise import measured_run  # noqa: E402  (beside this file)
from word_error import word_error_rate  # noqa: E402  (the tests' scorer)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
NAMES = ["Locked Up Living", "Morgan Ellis", "Gerard Drennan"]
PARAGRAPHS = [
    "Welcome back to Locked Up Living, the podcast about restorative justice and mental health.",
    "I am Morgan Ellis, and my guest today is Gerard Drennan, a clinical psychologist.",
    "If there is trauma, there will have been harm, and that harm has to be named.",
    "Restorative justice brings together people harmed by crime and the people responsible.",
    "Nobody is made to meet anyone, and a trained facilitator talks with each person first.",
    "Families talk about visits, distance and keeping in touch while someone is in prison.",
    "A routine, a letter home, a good book and someone who listens can make a hard day easier.",
    "Gerard Drennan worked for many years in secure hospitals before he taught others.",
    "Telling the truth about harm is painful, but it is also necessary for repair.",
    "If you are struggling, tell someone you trust and ask to see the healthcare team.",
    "Thank you for listening to Locked Up Living, and take care of yourself until next time.",
    "People who have lived in prison tell us what helped them most after they came home.",
]
SHOW = """\
title = "Locked Up Living"
description = "Benchmark show."
author = "Locked Up Living"
language = "en-GB"
persons = [ { name = "Morgan Ellis", role = "host" } ]
"""
SIDECAR = """\
title = "Trauma and harm"
media = "long.mp3"
published = 2026-01-01T09:00:00Z
persons = [ { name = "Gerard Drennan", role = "guest" } ]
"""
WORDS_PER_MINUTE = 165


def make_episode(project: Path, minutes: float) -> tuple[str, float]:
    """The project with one MP3 episode of espeak-ng reading; (the text read, its seconds)."""
    if not shutil.which("espeak-ng"):
        raise SystemExit("espeak-ng is needed to make the speech")
    count = max(1, round(minutes * WORDS_PER_MINUTE / (sum(map(len, map(str.split, PARAGRAPHS))) / len(PARAGRAPHS))))
    text = " ".join(PARAGRAPHS[i % len(PARAGRAPHS)] for i in range(count))
    (project / "feeds").mkdir(parents=True)
    (project / "feeds/bench.toml").write_text(SHOW, "utf-8")
    folder = project / "episodes/bench"
    folder.mkdir(parents=True)
    (folder / "long.toml").write_text(SIDECAR, "utf-8")
    script, wav = project / "script.txt", project / "long.wav"
    script.write_text(text, "utf-8")
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", str(WORDS_PER_MINUTE), "-f", str(script), "-w", str(wav)],
                   check=True)
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(wav), "-ar", "44100", "-c:a", "libmp3lame",
                    "-b:a", "96k", str(folder / "long.mp3")], check=True)
    wav.unlink()
    probe = subprocess.run([FFMPEG, "-hide_banner", "-i", str(folder / "long.mp3")],
                           capture_output=True, text=True, check=False)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe.stderr).groups()
    return text, int(h) * 3600 + int(m) * 60 + float(s)


def vtt_text(path: Path) -> str:
    lines = path.read_text("utf-8").splitlines()
    return " ".join(line for line in lines[1:] if line and "-->" not in line and not line.isdigit()
                    and not line.startswith("NOTE"))


def run_peer(audio: str, out: str) -> None:
    """The child-process body for 'peer': faster-whisper as its README shows."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    from media_pub.media.speech import default_model

    model = WhisperModel(str(default_model()), device="cpu", compute_type="int8")
    segments, _ = model.transcribe(audio, beam_size=5, language="en", hotwords=", ".join(NAMES))
    Path(out).write_text(" ".join(s.text for s in segments), "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, action="append", help="lengths (default 10 and 60)")
    parser.add_argument("--peer-max", type=float, default=10, help="run the peer up to this length")
    parser.add_argument("--peer-body", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_body:
        run_peer(*args.peer_body)
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"cores: {os.cpu_count()}, load: {os.getloadavg()[0]:.1f}")
    print(f"{'length':>8} {'tool':<5} {'wall s':>8} {'x real':>7} {'peak MB':>8} {'WER %':>6}")
    for minutes in args.minutes or [10, 60]:
        with tempfile.TemporaryDirectory(prefix="media-pub-bench-") as tmp:
            project = Path(tmp) / "project"
            reference, seconds = make_episode(project, minutes)
            runs = {"ours": [sys.executable, "-m", "media_pub", "-q", "--project", str(project), "transcribe"]}
            if minutes <= args.peer_max:
                runs["peer"] = [sys.executable, __file__, "--peer-body",
                                str(project / "episodes/bench/long.mp3"), str(Path(tmp) / "peer.txt")]
            results = {}
            for name, cmd in runs.items():
                wall, peak = measured_run(cmd, env=env)
                text = (vtt_text(project / "episodes/bench/long.vtt") if name == "ours"
                        else (Path(tmp) / "peer.txt").read_text("utf-8"))
                results[name] = wall
                print(f"{seconds / 60:7.1f}m {name:<5} {wall:8.1f} {seconds / wall:7.1f} {peak / 1e6:8.0f} "
                      f"{100 * word_error_rate(reference, text):6.1f}", flush=True)
            if "peer" in results:
                print(f"{'':>8} ours is {results['peer'] / results['ours']:.1f}x faster than the peer")


if __name__ == "__main__":
    main()
