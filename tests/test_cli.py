"""The command line as a volunteer uses it: init, add, probe, status, in-process and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

import media_pub
from media_pub.cli import cli
from media_factory import make_audio, make_video
from project_factory import make_show, write_site

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_and_help():
    assert invoke("--version").output.strip() == f"media-pub, version {media_pub.__version__}"
    help_text = invoke("--help").output
    for command in ("init", "probe", "add", "build", "status"):
        assert command in help_text


def test_init_scaffolds_a_project_that_builds(tmp_path: Path):
    target = tmp_path / "new"
    result = invoke("init", str(target))
    assert result.exit_code == 0
    for name in ("media-pub.toml", "feeds/my-show.toml", "episodes/my-show/welcome.toml",
                 "episodes/my-show/welcome.mp3"):
        assert (target / name).is_file(), name
    result = invoke("--project", str(target), "build")
    assert result.exit_code == 0, result.stderr
    assert b"Welcome to My Show" in (target / "public/feeds/my-show.xml").read_bytes()
    # never overwrites
    again = invoke("init", str(target))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_add_creates_a_sidecar_from_the_tags_and_copies_the_file(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path)
    outside = make_audio(tmp_path.parent / f"{tmp_path.name}-Rec 01.mp3", 1.0,
                         metadata={"title": "Tagged title", "comment": "From the recorder"})
    before = outside.read_bytes()
    result = invoke("--project", str(tmp_path), "add", "demo", str(outside), "--published", "2026-05-01T10:00:00+01:00")
    assert result.exit_code == 0, result.stderr
    sidecar = tmp_path / "episodes/demo" / f"{tmp_path.name.lower().replace('_', '-')}-rec-01.toml"
    data = tomllib.loads(sidecar.read_text())
    assert data["title"] == "Tagged title"
    assert data["description"] == "From the recorder"
    assert data["published"].isoformat() == "2026-05-01T10:00:00+01:00"
    assert (sidecar.parent / data["media"]).read_bytes() == before
    assert outside.read_bytes() == before                     # the original is untouched
    assert invoke("--project", str(tmp_path), "build").exit_code == 0
    again = invoke("--project", str(tmp_path), "add", "demo", str(outside))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_add_rejects_unknown_show_and_bad_media(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path)
    media = make_audio(tmp_path / "x.mp3", 0.5)
    result = invoke("--project", str(tmp_path), "add", "nope", str(media))
    assert result.exit_code == 1 and "no such show 'nope'" in result.stderr
    junk = tmp_path / "junk.mp3"
    junk.write_text("not audio")
    result = invoke("--project", str(tmp_path), "add", "demo", str(junk))
    assert result.exit_code == 1 and str(junk) in result.stderr
    assert not (tmp_path / "episodes").exists()


def test_probe_json_reports_streams_tags_and_video(tmp_path: Path):
    audio = make_audio(tmp_path / "a.m4a", 1.2, channels=1, metadata={"title": "Hello", "artist": "Ann"})
    video = make_video(tmp_path / "v.mp4", 1.0, size="320x240")
    result = invoke("probe", "--json", str(audio), str(video))
    assert result.exit_code == 0
    a, v = json.loads(result.stdout)
    assert a["codec"] == "aac" and a["channels"] == 1 and a["sample_rate"] == 44100
    assert abs(a["duration"] - 1.2) < 0.1 and a["size"] == audio.stat().st_size
    assert a["tags"]["title"] == "Hello" and a["tags"]["artist"] == "Ann"
    assert a["video"] is None and a["mime_type"] == "audio/x-m4a"
    assert v["video"]["codec"] == "h264" and (v["video"]["width"], v["video"]["height"]) == (320, 240)
    assert v["mime_type"] == "video/mp4"
    text = invoke("probe", str(audio)).output
    assert "aac, 1 ch, 44100 Hz" in text and "Hello" in text


def test_probe_reads_id3_chapters_and_artwork(tmp_path: Path):
    from mutagen.id3 import APIC, CHAP, CTOC, ID3, TIT2, CTOCFlags
    path = make_audio(tmp_path / "c.mp3", 3.0)
    tags = ID3(path)
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=["c1", "c2"]))
    tags.add(CHAP(element_id="c1", start_time=0, end_time=1500, sub_frames=[TIT2(text=["Opening"])]))
    tags.add(CHAP(element_id="c2", start_time=1500, end_time=3000, sub_frames=[TIT2(text=["Close"])]))
    tags.add(APIC(mime="image/jpeg", type=3, desc="cover", data=b"\xff\xd8\xff" + b"0" * 100))
    tags.save()
    info = json.loads(invoke("probe", "--json", str(path)).stdout)
    assert [(c["start"], c["title"]) for c in info["chapters"]] == [(0.0, "Opening"), (1.5, "Close")]
    assert info["artwork"] == {"mime_type": "image/jpeg", "size": 103}


def test_probe_on_a_broken_file_names_it(tmp_path: Path):
    broken = tmp_path / "broken.m4a"
    broken.write_bytes(b"\x00" * 2048)
    result = invoke("probe", str(broken))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {broken}:") and "Traceback" not in result.output


def test_environment_overrides_the_site_file(tmp_path: Path):
    write_site(tmp_path, "https://file.example.org/")
    make_show(tmp_path)
    from project_factory import make_episode
    make_episode(tmp_path, "demo", "ep")
    env = {"MEDIA_PUB_BASE_URL": "https://env.example.org/cdn/", "MEDIA_PUB_OUT": "site"}
    result = CliRunner(env=env).invoke(cli, ["--project", str(tmp_path), "build"])
    assert result.exit_code == 0, result.stderr
    assert b"https://env.example.org/cdn/media/demo/ep.mp3" in (tmp_path / "site/feeds/demo.xml").read_bytes()
    result = CliRunner(env=env).invoke(cli, ["--project", str(tmp_path), "build", "--out", "other", "--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "other/feeds/demo.xml").exists()
    assert "0 encoded, 1 cached" in result.stderr      # the encode cache is shared between build folders


def test_real_process_on_the_sample_shows(tmp_path: Path):
    """The installed entry point, as a subprocess, on a copy of the repository's samples."""
    import shutil
    project = tmp_path / "samples"
    project.mkdir()
    for name in ("media-pub.toml", "feeds", "episodes"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, project / name)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "media_pub", "--project", str(project), "build"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (project / "public/feeds/locked-up-living.xml").is_file()
    assert (project / "public/feeds/bethlem-ceramics.xml").is_file()
    status = subprocess.run([sys.executable, "-m", "media_pub", "--project", str(project), "status", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)
    states = {r["episode"]: r["state"] for r in json.loads(status.stdout)["episodes"]}
    assert states["004-families-and-visits"] == "draft"
    assert states["001-gerard-drennan"] == "built"


def test_every_command_has_help_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), name
        assert f"| `{name}" in readme, f"{name} is missing from the README's usage table"
        assert invoke(name, "--help").exit_code == 0
