"""The bad-input corpus, on top of a project that was already built once.

Each case is generated at test time (cheap: tiny real files made with ffmpeg or Pillow)
and run through the CLI. Each must give exit 1, one line on stderr naming the file (and
field), no traceback, the previous build untouched byte for byte, and every source file
untouched. tests/test_bad_input.py covers the config-file cases on a fresh project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from media_factory import FFMPEG, make_audio, make_video
from mutagen.id3 import ID3, TIT2, TPE1
from PIL import Image
from project_factory import make_episode, make_show, write_site, source_snapshot as snapshot

from media_pub.cli import cli


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("template") / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    make_episode(root, "demo", "good", title="Good")
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture
def project(built_template, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built_template, root, symlinks=True)
    return root


def add_media(root: Path, name: str, data: bytes | None = None, source: Path | None = None,
              extra: str = "") -> str:
    """Put a media file and its sidecar in the show; return the key of the file."""
    folder = root / "episodes/demo"
    path = folder / name
    if source is not None:
        shutil.copyfile(source, path)
    elif data is not None:
        path.write_bytes(data)
    (folder / f"{Path(name).stem}.toml").write_text(
        f'title = "Bad"\nmedia = "{name}"\npublished = 2026-01-02T09:00:00Z\n{extra}', "utf-8")
    return f"episodes/demo/{name}"


def cut(path: Path, fraction: float) -> bytes:
    data = path.read_bytes()
    return data[: int(len(data) * fraction)]


# Each case: set up the bad input, return (where the message must point, words it must hold).

def zero_byte_media(root, tmp):
    return add_media(root, "bad.mp3", b""), "empty"


def text_renamed_mp3(root, tmp):
    return add_media(root, "bad.mp3", b"Meeting notes, not audio.\n" * 40), "not a readable media file"


def truncated_mp3(root, tmp):
    return add_media(root, "bad.mp3", cut(make_audio(tmp / "a.mp3", 3.0), 0.5)), "cut short"


def truncated_mp4_faststart(root, tmp):
    video = make_video(tmp / "v.mp4", 2.0)
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(video), "-c", "copy", "-movflags", "+faststart",
                    str(tmp / "fs.mp4")], check=True)
    return add_media(root, "bad.mp4", cut(tmp / "fs.mp4", 0.5)), "cut short"


def truncated_m4a_index_at_end(root, tmp):
    return add_media(root, "bad.m4a", cut(make_audio(tmp / "a.m4a", 3.0), 0.5)), "not a readable media file"


def mp3_named_m4a(root, tmp):
    return add_media(root, "bad.m4a", source=make_audio(tmp / "a.mp3", 1.0)), "rename the file"


def video_named_mp3(root, tmp):
    return add_media(root, "bad.mp3", source=make_video(tmp / "v.mp4", 1.0)), "rename the file"


def unsupported_container(root, tmp):
    aiff = tmp / "a.aiff"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", str(aiff)], check=True)
    return add_media(root, "bad.aiff", source=aiff), "unsupported file type .aiff"


def unsupported_codec_in_ogg(root, tmp):
    """FLAC in Ogg: a real Ogg file, but not a codec media-pub delivers from (Vorbis, Opus)."""
    ogg = tmp / "a.ogg"
    made = subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "flac",
                           str(ogg)], check=False)
    assert made.returncode == 0
    return add_media(root, "bad.ogg", source=ogg), "unsupported format"


def non_utf8_sidecar(root, tmp):
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0))
    (root / "episodes/demo/bad.toml").write_bytes(
        'title = "Caf\u00e9"\nmedia = "bad.mp3"\npublished = 2026-01-02T09:00:00Z\n'.encode("latin-1"))
    return "episodes/demo/bad.toml", "not UTF-8"


def enormous_show_notes(root, tmp):
    notes = "Long notes. " * 20_000          # 240 KB
    return add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0),
                     extra=f'description = """{notes}"""\n').replace(".mp3", ".toml") + ": description", "100 KB"


def artwork_not_an_image(root, tmp):
    (root / "feeds/art/demo.jpg").write_text("a drawing of the logo, to follow")
    return "feeds/demo.toml: artwork", "not a readable image"


def artwork_png_named_jpg(root, tmp):
    Image.new("RGB", (1400, 1400), "white").save(root / "feeds/art/demo.jpg", "PNG")
    return "feeds/demo.toml: artwork", "is a PNG file"


def episode_image_not_an_image(root, tmp):
    (root / "episodes/demo/cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0), extra='image = "cover.png"\n')
    return "episodes/demo/bad.toml: image", "not a readable image"


def image_absolute_path(root, tmp):
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0), extra=f'image = "{root}/feeds/art/demo.jpg"\n')
    return "episodes/demo/bad.toml: image", "absolute path"


def transcript_traversal(root, tmp):
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0),
              extra='transcript = "../../../../etc/hosts.vtt"\n')
    return "episodes/demo/bad.toml: transcript", "outside the project"


def media_traversal(root, tmp):
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0))
    sidecar = root / "episodes/demo/bad.toml"
    sidecar.write_text(sidecar.read_text().replace('media = "bad.mp3"', 'media = "../../../../tmp/x.mp3"'))
    return "episodes/demo/bad.toml: media", "outside the project"


def image_symlink_escape(root, tmp):
    outside = tmp / "outside.jpg"
    Image.new("RGB", (1400, 1400), "white").save(outside)
    os.symlink(outside, root / "episodes/demo/cover.jpg")
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0), extra='image = "cover.jpg"\n')
    return "episodes/demo/bad.toml: image", "outside the project"


def duplicate_show_slugs(root, tmp):
    shutil.copyfile(root / "feeds/demo.toml", root / "feeds/Demo.toml")
    return "feeds/demo.toml", "slug 'demo'"


def duplicate_guid_with_published_episode(root, tmp):
    guid = next(line for line in (root / "episodes/demo/good.toml").read_text().splitlines()
                if line.startswith("guid"))
    add_media(root, "bad.mp3", source=make_audio(tmp / "a.mp3", 1.0), extra=guid + "\n")
    return "episodes/demo/good.toml: guid", "also the guid"


CASES = [zero_byte_media, text_renamed_mp3, truncated_mp3, truncated_mp4_faststart, truncated_m4a_index_at_end,
         mp3_named_m4a, video_named_mp3, unsupported_container, unsupported_codec_in_ogg, non_utf8_sidecar,
         enormous_show_notes, artwork_not_an_image, artwork_png_named_jpg, episode_image_not_an_image,
         image_absolute_path, transcript_traversal, media_traversal, image_symlink_escape,
         duplicate_show_slugs, duplicate_guid_with_published_episode]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_leaves_the_previous_build_alone(project: Path, tmp_path: Path, case):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    where, words = case(project, scratch)
    before = snapshot(project)
    assert any(key.startswith("public/feeds/") for key in before)     # there is a previous build

    result = CliRunner().invoke(cli, ["--project", str(project), "build"])

    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {project.resolve()}/{where}"), lines[0]
    assert words in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    assert snapshot(project) == before        # previous outputs and every source untouched


def test_non_utf8_tags_are_read_not_fatal(project: Path, tmp_path: Path):
    """A Latin-1 title frame and an artist frame with broken UTF-8: old tools write both.

    Refusing the file would block a volunteer for nothing. The Latin-1 title is read as
    what it says; the broken frame is dropped (mutagen skips it), and the feed still
    parses and validates.
    """
    audio = make_audio(tmp_path / "a.mp3", 1.0)
    tags = ID3(audio)
    tags.add(TIT2(encoding=0, text="Caf\u00e9 cr\u00e8me"))          # Latin-1
    tags.add(TPE1(encoding=3, text="Andr\u00e9"))                      # UTF-8, broken below
    tags.save(audio, v2_version=4)
    raw = bytearray(audio.read_bytes())
    at = raw.find("Andr\u00e9".encode())
    raw[at + 5] = 0x28                                                  # C3 28: not UTF-8
    audio.write_bytes(bytes(raw))
    folder = project / "episodes/demo"
    shutil.copyfile(audio, folder / "tagged.mp3")
    (folder / "tagged.toml").write_text('media = "tagged.mp3"\npublished = 2026-01-03T09:00:00Z\n')

    result = CliRunner().invoke(cli, ["--project", str(project), "validate", "demo"])

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    parsed = feedparser.parse((project / "public/feeds/demo.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.entries[0].title == "Caf\u00e9 cr\u00e8me"
