"""`media-pub transcribe`: real recognition of real (espeak-ng) speech with a known script.

One project is transcribed once per session (the slow part, ~10 s); the tests read that
result, or copy the project with its recognition cache, so later runs are cheap.
"""

from __future__ import annotations

import itertools
import os
import pty
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import webvtt
from click.testing import CliRunner
from media_factory import make_audio, make_speech
from project_factory import make_show, write_site
from terminal import read_terminal

from word_error import word_error_rate
from media_pub.cli import cli

SECTIONS = [
    ("Welcome to Locked Up Living. My guest today is Gerard Drennan, a clinical psychologist. "
    "We talk about trauma and the harm behind it."),
    ("Restorative justice brings together people harmed by crime and the people responsible. "
    "Everyone affected can play a part in repairing the harm."),
    "Thank you for listening to Locked Up Living. Goodbye until next time.",
]
SIDECAR = """\
# A comment the volunteer wrote: it must survive the write-back.
title = "Trauma and harm"
media = "001-trauma.mp3"
published = 2026-01-01T09:00:00Z

# People in this episode (names are hints for the recogniser).
persons = [
  { name = "Morgan Ellis", role = "host" },
  { name = "Gerard Drennan", role = "guest" },
]
"""


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, input=input)


@pytest.fixture(scope="session")
def spoken(tmp_path_factory) -> tuple[Path, list[tuple[float, float]]]:
    """A project with one episode of espeak-ng speech, transcribed once; and its pauses."""
    root = tmp_path_factory.mktemp("spoken")
    write_site(root)
    make_show(root, "locked-up-living", title="Locked Up Living")
    folder = root / "episodes" / "locked-up-living"
    pauses = make_speech(folder / "001-trauma.mp3", SECTIONS)
    (folder / "001-trauma.toml").write_text(SIDECAR, "utf-8")
    result = invoke("--project", str(root), "transcribe")
    assert result.exit_code == 0, result.stderr
    return root, pauses


def copy_project(spoken_root: Path, tmp_path: Path) -> Path:
    """The transcribed project, with its recognition cache, in a fresh folder."""
    target = tmp_path / "project"
    shutil.copytree(spoken_root, target, ignore=shutil.ignore_patterns("public"))
    return target


def vtt_of(root: Path) -> Path:
    return root / "episodes/locked-up-living/001-trauma.vtt"


@pytest.mark.slow
def test_transcript_reads_the_script_with_the_names_spelt_right(spoken):
    root, _ = spoken
    text = " ".join(c.text for c in webvtt.read(str(vtt_of(root))).captions)
    assert word_error_rate(" ".join(SECTIONS), text) < 0.10, text
    # The names come from the show and the sidecar's persons: spelt as there.
    assert "Gerard Drennan" in text
    assert "Locked Up Living" in text


@pytest.mark.slow
def test_cues_are_readable_timed_and_marked_as_a_draft(spoken):
    root, _ = spoken
    raw = vtt_of(root).read_text("utf-8")
    assert raw.startswith("WEBVTT\n")
    assert re.search(r"^NOTE .*made by machine", raw, re.MULTILINE | re.IGNORECASE)
    assert "<v" not in raw      # speakers are not guessed
    captions = webvtt.read(str(vtt_of(root))).captions
    duration = 33.0
    starts = [c.start_time.in_milliseconds() / 1000 for c in captions]
    assert len(captions) >= 4
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for caption in captions:
        start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
        assert 0 <= start < end <= duration
        assert end - start <= 7.0
        lines = caption.text.splitlines()
        assert 1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines), lines
    for previous, following in itertools.pairwise(captions):
        assert previous.end_time.in_milliseconds() <= following.start_time.in_milliseconds()


@pytest.mark.slow
def test_sidecar_gets_the_transcript_key_with_its_comments_kept(spoken):
    root, _ = spoken
    text = (root / "episodes/locked-up-living/001-trauma.toml").read_text("utf-8")
    assert tomllib.loads(text)["transcript"] == "001-trauma.vtt"
    # Every line the volunteer wrote is still there, in order; only the key was added.
    added = [line for line in text.splitlines() if line not in SIDECAR.splitlines()]
    assert added == ['transcript = "001-trauma.vtt"']
    assert [line for line in text.splitlines() if line in SIDECAR.splitlines()] == SIDECAR.splitlines()


@pytest.mark.slow
def test_second_run_changes_nothing_and_force_replaces(spoken, tmp_path):
    root = copy_project(spoken[0], tmp_path)
    vtt, sidecar = vtt_of(root), root / "episodes/locked-up-living/001-trauma.toml"
    vtt.write_text(vtt.read_text("utf-8").replace("Drennan", "Brennan"), "utf-8")   # a reviewer's edit
    before = (vtt.read_bytes(), vtt.stat().st_mtime_ns, sidecar.read_bytes())
    again = invoke("--project", str(root), "transcribe")
    assert again.exit_code == 0, again.stderr
    assert "skipped" in again.stderr and "--force" in again.stderr
    assert (vtt.read_bytes(), vtt.stat().st_mtime_ns, sidecar.read_bytes()) == before

    forced = invoke("--project", str(root), "transcribe", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert "from the cache" in forced.stderr        # same audio and model: not recognised again
    assert "Gerard Drennan" in vtt.read_text("utf-8")
    assert sidecar.read_text("utf-8").count("transcript =") == 1


@pytest.mark.slow
def test_an_existing_file_the_sidecar_does_not_name_is_not_overwritten(spoken, tmp_path):
    root = copy_project(spoken[0], tmp_path)
    sidecar = root / "episodes/locked-up-living/001-trauma.toml"
    sidecar.write_text(SIDECAR, "utf-8")
    vtt_of(root).write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nTyped by hand\n", "utf-8")
    result = invoke("--project", str(root), "transcribe")
    assert result.exit_code == 0
    assert "001-trauma.vtt exists" in result.stderr
    assert "Typed by hand" in vtt_of(root).read_text("utf-8")
    assert "transcript" not in tomllib.loads(sidecar.read_text("utf-8"))


@pytest.mark.slow
def test_chapter_suggestions_land_on_the_pauses(spoken, tmp_path):
    root = copy_project(spoken[0], tmp_path)
    sidecar = root / "episodes/locked-up-living/001-trauma.toml"
    declined = invoke("--project", str(root), "transcribe", "--chapters", input="n\n")
    assert declined.exit_code == 0, declined.stderr
    assert "Suggested chapters" in declined.output
    assert "chapters" not in tomllib.loads(sidecar.read_text("utf-8"))   # nothing without a yes

    result = invoke("--project", str(root), "transcribe", "--chapters", "--yes")
    assert result.exit_code == 0, result.stderr
    chapters = tomllib.loads(sidecar.read_text("utf-8"))["chapters"]
    assert len(chapters) == len(SECTIONS)
    seconds = [sum(float(part) * 60 ** i for i, part in enumerate(reversed(c["start"].split(":"))))
               for c in chapters]
    assert seconds[0] == 0
    for (_, pause_end), start in zip(spoken[1], seconds[1:], strict=True):
        assert abs(start - pause_end) <= 1.0, (start, pause_end)
    assert chapters[1]["title"].startswith("Restorative justice")
    assert "# A comment the volunteer wrote" in sidecar.read_text("utf-8")
    # The loader accepts what was written, and build carries the chapters.
    built = invoke("--project", str(root), "build")
    assert built.exit_code == 0, built.stderr
    assert b"Restorative justice" in (root / "public/chapters/locked-up-living/001-trauma.json").read_bytes()


@pytest.mark.slow
def test_auto_transcripts_in_build_and_status(spoken, tmp_path):
    root = copy_project(spoken[0], tmp_path)
    sidecar = root / "episodes/locked-up-living/001-trauma.toml"
    sidecar.write_text(SIDECAR, "utf-8")
    vtt_of(root).unlink()
    status = invoke("--project", str(root), "status")
    assert "[no transcript]" in status.output and "media-pub transcribe" in status.output

    show = root / "feeds/locked-up-living.toml"
    show.write_text(show.read_text("utf-8") + "\n[transcripts]\nauto = true\nlanguage = \"en\"\n", "utf-8")
    built = invoke("--project", str(root), "build")
    assert built.exit_code == 0, built.stderr
    assert tomllib.loads(sidecar.read_text("utf-8"))["transcript"] == "001-trauma.vtt"
    delivered = root / "public/transcripts/locked-up-living/001-trauma.vtt"
    assert "Gerard Drennan" in delivered.read_text("utf-8")
    assert b'type="text/vtt"' in (root / "public/feeds/locked-up-living.xml").read_bytes()
    assert "[no transcript]" not in invoke("--project", str(root), "status").output


@pytest.mark.slow
def test_long_audio_is_recognised_in_pieces_cut_at_silence_without_losing_words(spoken):
    from media_pub.media import speech

    root, _ = spoken
    audio = root / "episodes/locked-up-living/001-trauma.mp3"
    # 8 s pieces: every section is cut at least once, mid-speech.
    heard = speech.recognise(audio, speech.default_model(), language="en",
                             hints=["Locked Up Living", "Gerard Drennan"], piece_seconds=8.0)
    text = "".join(w.text for w in heard.words)
    assert word_error_rate(" ".join(SECTIONS), text) < 0.10, text
    starts = [w.start for w in heard.words]
    assert starts == sorted(starts) and 0 <= starts[0] and heard.words[-1].end <= heard.duration


@pytest.mark.slow
def test_ctrl_c_mid_recognition_leaves_nothing_half_written(tmp_path):
    """Ctrl-C while the recogniser runs: exit 130, one line, and nothing written or left over."""
    root = tmp_path / "project"
    root.mkdir()
    write_site(root)
    make_show(root, "locked-up-living", title="Locked Up Living")
    folder = root / "episodes" / "locked-up-living"
    make_speech(folder / "001-trauma.mp3", SECTIONS * 2, pause=1.0)   # about a minute
    sidecar = folder / "001-trauma.toml"
    sidecar.write_text(SIDECAR, "utf-8")
    before = sorted(p.name for p in folder.iterdir())
    temp = tmp_path / "tmp"       # where the decoded audio goes while it is recognised
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "media_pub", "--project", str(root), "transcribe"]

    # The terminal shows the progress bar; Ctrl-C goes to the whole foreground process group.
    terminal, secondary = pty.openpty()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary,
                               env=env, start_new_session=True)
    os.close(secondary)
    try:
        # Past 5 % the audio is decoded and the recogniser is at work.
        shown = read_terminal(terminal, process, 120, until=r"\] +[1-9]\d%")
        assert process.poll() is None, "finished before it could be interrupted:\n" + shown
        os.killpg(process.pid, signal.SIGINT)
        shown += read_terminal(terminal, process, 60)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        os.close(terminal)

    assert code == 130, shown
    assert "Interrupted" in shown and "Traceback" not in shown, shown
    assert sorted(p.name for p in folder.iterdir()) == before        # no .vtt, no temporary file
    assert sidecar.read_text("utf-8") == SIDECAR
    cache = root / ".media-pub" / "transcripts"
    assert not cache.exists() or not list(cache.iterdir())           # no half-made cache entry
    # Only onnxruntime's telemetry-session file, which importing it writes on every run.
    assert [p.name for p in temp.iterdir()] in ([], [".ses"])

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert tomllib.loads(sidecar.read_text("utf-8"))["transcript"] == "001-trauma.vtt"
    assert "Gerard Drennan" in vtt_of(root).read_text("utf-8")
    assert [p.name for p in temp.iterdir()] in ([], [".ses"])


def test_missing_extra_names_the_install_command(tmp_path, monkeypatch):
    write_site(tmp_path)
    make_show(tmp_path)
    folder = tmp_path / "episodes" / "demo"
    make_audio(folder / "one.mp3", 2.0)
    (folder / "one.toml").write_text('title = "One"\npublished = 2026-01-01T09:00:00Z\n', "utf-8")
    monkeypatch.setitem(sys.modules, "faster_whisper", None)   # what Python does when it is absent
    result = invoke("--project", str(tmp_path), "transcribe")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: speech recognition is an optional extra that is not installed; "
        "install it with: pip install 'media-pub[transcribe]'")
    assert not (folder / "one.vtt").exists()


def test_model_directory_without_a_tokenizer_is_refused(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path)
    folder = tmp_path / "episodes" / "demo"
    make_audio(folder / "one.mp3", 2.0)
    (folder / "one.toml").write_text('title = "One"\npublished = 2026-01-01T09:00:00Z\n', "utf-8")
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"x")
    (model / "config.json").write_text("{}")
    result = invoke("--project", str(tmp_path), "transcribe", "--model", str(model))
    assert result.exit_code == 1
    assert "--model" in result.stderr and "tokenizer.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_silent_and_too_short_audio_are_refused_clearly(tmp_path):
    write_site(tmp_path)
    make_show(tmp_path)
    folder = tmp_path / "episodes" / "demo"
    make_audio(folder / "silent.mp3", 4.0, volume_db=-120)
    make_audio(folder / "short.mp3", 0.5)
    for slug in ("silent", "short"):
        (folder / f"{slug}.toml").write_text(f'title = "{slug}"\npublished = 2026-01-01T09:00:00Z\n', "utf-8")
    result = invoke("--project", str(tmp_path), "transcribe")
    assert result.exit_code == 3
    assert "silent.mp3: media: no speech was heard in it" in result.stderr
    assert "short.mp3: media: is too short to transcribe" in result.stderr
    assert not list(folder.glob("*.vtt"))
