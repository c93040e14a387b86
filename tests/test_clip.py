"""`media-pub clip`: audiogram MP4s checked with ffmpeg itself (streams, size, duration, loudness),
and `publish --clips` against a folder and moto's S3 server over HTTP."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from media_factory import FFMPEG, make_speech
from project_factory import copy_project, make_show, write_site
from s3_server import aws_env, bucket, s3_endpoint  # noqa: F401

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


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


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


class FolderTarget:
    def __init__(self, root: Path):
        self.root, self.target, self.env = root, str(root), None

    def keys(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                if p.is_file() and ".media-pub" not in p.parts}

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def put(self, key: str, data: bytes) -> None:
        (self.root / key).parent.mkdir(parents=True, exist_ok=True)
        (self.root / key).write_bytes(data)

    def content_type(self, key: str) -> str:
        return "video/mp4"     # a folder has no headers: served by whatever serves it


class BucketTarget:
    def __init__(self, bucket):
        self.bucket, self.target = bucket, f"s3://{bucket.name}/site"
        self.env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": bucket.proxy.url, "MEDIA_PUB_STORAGE_REGION": "us-east-1"}

    def keys(self) -> set[str]:
        return {k.removeprefix("site/") for k in self.bucket.keys("site/") if "/.media-pub/" not in f"/{k}"}

    def read(self, key: str) -> bytes:
        return self.bucket.read(f"site/{key}")

    def put(self, key: str, data: bytes) -> None:
        self.bucket.client.put_object(Bucket=self.bucket.name, Key=f"site/{key}", Body=data)

    def content_type(self, key: str) -> str:
        return self.bucket.head(f"site/{key}")["ContentType"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["folder", "s3"])
def test_publish_clips_uploads_them_only_when_asked_and_prunes_only_its_own(project, tmp_path, kind, request):
    root = copy_project(project, tmp_path)
    shutil.rmtree(root / "public/clips", ignore_errors=True)     # other tests' clips
    made = invoke("--project", str(root), "clip", "demo", "one", "--start", "1", "--duration", "2")
    assert made.exit_code == 0, made.stderr
    clip = root / "public/clips/demo/one-1s-2s-square.mp4"
    key = "clips/demo/one-1s-2s-square.mp4"
    place = FolderTarget(tmp_path / "site") if kind == "folder" else BucketTarget(request.getfixturevalue("bucket"))

    def publish(*flags: str) -> dict:
        result = invoke("--project", str(root), "publish", "--to", place.target, "--json", *flags, env=place.env)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    publish()
    assert "feeds/demo.xml" in place.keys()
    assert not any(k.startswith("clips/") for k in place.keys())       # not unless asked

    asked = publish("--clips")
    assert [a["key"] for a in asked["publish"]["actions"] if a["kind"] == "upload"] == [key]
    assert place.read(key) == clip.read_bytes()
    assert place.content_type(key) == "video/mp4"
    assert publish("--clips")["uploaded"] == 0                           # a second run: nothing to send

    # Someone else's clip at a clips/ key is theirs; ours, once deleted here, may go.
    place.put("clips/demo/made-elsewhere.mp4", b"not ours")
    clip.unlink()
    publish("--prune")                                                   # clips not asked: left alone
    assert key in place.keys()
    pruned = publish("--clips", "--prune")
    assert [a["key"] for a in pruned["publish"]["actions"] if a["kind"] == "delete"] == [key]
    assert key not in place.keys()
    assert place.read("clips/demo/made-elsewhere.mp4") == b"not ours"


def test_clip_refuses_a_start_past_the_end(project):
    result = invoke("--project", str(project), "clip", "demo", "one", "--start", "10:00")
    assert result.exit_code == 1
    assert "--start: 600 s is past the end of one.mp3" in result.stderr
    assert not (project / "public/clips/demo/one-600s-30s-square.mp4").exists()
