"""`media-pub clip`: audiogram MP4s checked with ffmpeg itself (streams, size, duration, loudness)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from media_factory import FFMPEG, make_speech
from project_factory import make_show, write_site

from media_pub.cli import cli

CUES = """\
WEBVTT

00:00:00.300 --> 00:00:03.000
Restorative justice brings people together.

00:00:03.500 --> 00:00:06.500
Everyone affected can play a part
in repairing the harm.

00:00:20.000 --> 00:00:22.000
Much later.
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def ffmpeg_facts(path: Path) -> dict:
    """Duration, streams, frame size and integrated loudness, as ffmpeg reports them
    (mono as dual-mono, as players play it on both speakers)."""
    log = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true:dualmono=true", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", log).groups()
    video = re.search(r"Stream #0:\d+.*: Video: (\w+).*?, (\d{3,4})x(\d{3,4})", log)
    audio = re.search(r"Stream #0:\d+.*: Audio: (\w+)", log)
    summary = log[log.rindex("Summary:"):]
    return {
        "duration": int(h) * 3600 + int(m) * 60 + float(s),
        "video": (video.group(1), int(video.group(2)), int(video.group(3))),
        "audio": audio.group(1),
        "lufs": float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)),
        "true_peak": float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1)),
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clip")
    write_site(root)
    make_show(root, "demo", title="Demo Show")
    folder = root / "episodes/demo"
    script = "Restorative justice brings people together. Everyone affected can play a part in repairing the harm."
    make_speech(folder / "one.mp3", [script], voice="en-gb")
    (folder / "one.vtt").write_text(CUES, "utf-8")
    (folder / "one.toml").write_text('title = "Repairing the harm: what restorative justice offers"\n'
                                     'published = 2026-01-01T09:00:00Z\ntranscript = "one.vtt"\n', "utf-8")
    return root


@pytest.mark.slow
@pytest.mark.parametrize(("shape", "size"), [("square", (1080, 1080)), ("vertical", (1080, 1920))])
def test_clip_is_an_h264_aac_mp4_of_the_asked_length_at_the_show_loudness(project, shape, size):
    result = invoke("--project", str(project), "clip", "demo", "one", "--start", "0.5", "--duration", "5",
                    "--shape", shape)
    assert result.exit_code == 0, result.stderr
    clip = project / f"public/clips/demo/one-0_5s-5s-{shape}.mp4"
    assert f"{clip}" in result.stderr and "2 caption(s)" in result.stderr
    facts = ffmpeg_facts(clip)
    assert facts["video"] == ("h264", *size)
    assert facts["audio"] == "aac"
    assert abs(facts["duration"] - 5.0) < 0.15
    assert abs(facts["lufs"] - -16.0) <= 1.0      # the show's delivery target (default -16 LUFS)
    assert facts["true_peak"] <= -1.0 + 0.5
    assert not list(clip.parent.glob(".*"))       # no temporary file left beside it


@pytest.mark.slow
def test_clips_are_kept_by_build_and_not_published(project, tmp_path):
    invoke("--project", str(project), "clip", "demo", "one", "--start", "1", "--duration", "2")
    clip = project / "public/clips/demo/one-1s-2s-square.mp4"
    assert clip.is_file()
    built = invoke("--project", str(project), "build")
    assert built.exit_code == 0, built.stderr
    assert clip.is_file()
    target = tmp_path / "site"
    published = invoke("--project", str(project), "publish", "--to", str(target))
    assert published.exit_code == 0, published.stderr
    assert (target / "feeds/demo.xml").is_file()
    assert not (target / "clips").exists()


def test_clip_refuses_a_start_past_the_end(project):
    result = invoke("--project", str(project), "clip", "demo", "one", "--start", "10:00")
    assert result.exit_code == 1
    assert "--start: 600 s is past the end of one.mp3" in result.stderr
    assert not (project / "public/clips/demo/one-600s-30s-square.mp4").exists()
