"""The adversarial corpus of SPEC 5.1 ("Nothing lost"): what a volunteer might type, and
what an attacker might leave in the project folder.

Every case runs the real CLI on a generated project that was built once, and must give
the expected exit status, one line on stderr naming the file (or option) at fault, no
traceback, and nothing lost: the sha256 of every file of the project (sources and the
previous build) and of any folder outside it are the same before and after. The S3
cases (publish to buckets on moto over HTTP) are in tests/test_nothing_lost_s3.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from media_factory import make_audio
from PIL import Image
from project_factory import make_episode, source_snapshot

from media_pub.cli import cli

tree = source_snapshot


@dataclass
class Run:
    """What a case runs, and what its one error line must say."""

    args: list[str]
    where: str                  # the line starts with "Error: <where>" (relative to the project: prefixed)
    words: str                  # ...and holds these words
    absolute: bool = False      # ``where`` is already absolute (a folder outside the project)
    cwd: Path | None = None     # run there instead of passing --project
    env: dict[str, str] = field(default_factory=dict)
    exit: int = 1
    watch: tuple[Path, ...] = ()   # folders outside the project that must stay exactly as they were


def sidecar(root: Path, name: str, extra: str = "", media: str | None = None) -> Path:
    """A new episode of the demo show with a real 1.5 s recording, plus ``extra`` TOML."""
    folder = root / "episodes/demo"
    if media is None:
        make_audio(folder / f"{name}.mp3", 1.5)
        media = f"{name}.mp3"
    path = folder / f"{name}.toml"
    path.write_text(f'title = "New"\nmedia = "{media}"\npublished = 2026-01-02T09:00:00Z\n{extra}', "utf-8")
    return path


# --- project detection -----------------------------------------------------------------

def not_a_project(command: list[str]) -> Callable[[Path, Path], Run]:
    def case(root: Path, tmp: Path) -> Run:
        empty = tmp / "empty"
        empty.mkdir()
        (empty / "notes.txt").write_text("a volunteer's own file")
        return Run(command, str(empty), "not a media-pub project", absolute=True, cwd=empty, watch=(empty,))
    case.__name__ = "outside_a_project_" + "_".join(c.strip("-") for c in command[:2])
    return case


def project_option_not_a_project(root, tmp):
    elsewhere = tmp / "downloads"
    elsewhere.mkdir()
    return Run(["--project", str(elsewhere), "publish", "--prune"], str(elsewhere), "not a media-pub project",
               absolute=True, watch=(elsewhere,))


# --- targets and build directories -----------------------------------------------------

def target(value: str, words: str) -> Callable[[Path, Path], Run]:
    def case(root: Path, tmp: Path) -> Run:
        return Run(["publish", "--to", value], "--to", words, absolute=True)
    case.__name__ = "target_" + "".join(c if c.isalnum() else "_" for c in value).strip("_")
    return case


def target_parent_of_the_project(root, tmp):
    return Run(["publish", "--to", "..", "--prune"], "--to", "contains the project folder", absolute=True)


def out_is_the_project(root, tmp):
    return Run(["build", "--out", "."], "--out", "is the project folder itself", absolute=True)


def out_inside_episodes(root, tmp):
    return Run(["build", "--out", "episodes/site"], "--out", "inside episodes/", absolute=True)


def config_out_is_the_project(root, tmp):
    (root / "media-pub.toml").write_text('base_url = "https://media.example.org/"\nout = "."\n')
    return Run(["build"], "media-pub.toml: out", "is the project folder itself")


def config_target_one_slash(root, tmp):
    (root / "media-pub.toml").write_text('base_url = "https://media.example.org/"\n[storage]\ntarget = "s3:/b/x"\n')
    return Run(["publish"], "media-pub.toml: storage.target", "did you mean s3://")


def env_target_http(root, tmp):
    return Run(["publish"], "MEDIA_PUB_STORAGE_TARGET", "looks like a URL", absolute=True,
               env={"MEDIA_PUB_STORAGE_TARGET": "http://example.org/site"})


def config_target_inside_feeds(root, tmp):
    (root / "media-pub.toml").write_text('base_url = "https://media.example.org/"\n[storage]\ntarget = "feeds/www"\n')
    return Run(["publish", "--prune"], "media-pub.toml: storage.target", "inside feeds/")


# --- orphaned episodes -----------------------------------------------------------------

def show_file_renamed_case_only(root, tmp):
    (root / "feeds/demo.toml").rename(root / "feeds/Demo.toml")
    return Run(["build"], "episodes/demo", "feeds/Demo.toml")


def show_file_renamed(root, tmp):
    (root / "feeds/demo.toml").rename(root / "feeds/renamed.toml")
    return Run(["publish", "--prune"], "episodes/demo", "no feeds/demo.toml")


# --- one URL rule ----------------------------------------------------------------------

def url_case(key: str, extra: str, words: str = "must be http:// or https://") -> Callable[[Path, Path], Run]:
    def case(root: Path, tmp: Path) -> Run:
        sidecar(root, "bad", extra)
        return Run(["build"], f"episodes/demo/bad.toml: {key}", words)
    case.__name__ = "url_" + "".join(c if c.isalnum() else "_" for c in key)
    return case


def show_link_javascript(root, tmp):
    show = root / "feeds/demo.toml"
    show.write_text(show.read_text().replace('link = "https://example.org/demo"', 'link = "javascript:alert(1)"'))
    return Run(["build"], "feeds/demo.toml: link", "must be http:// or https://")


def show_person_img_file(root, tmp):
    show = root / "feeds/demo.toml"
    text = show.read_text().replace("[delivery]", '[[persons]]\nname = "Host"\nimg = "file:///etc/passwd"\n\n[delivery]')
    show.write_text(text)
    return Run(["build"], "feeds/demo.toml: persons[1].img", "must be http:// or https://")


# --- hostile files ---------------------------------------------------------------------

def sidecar_symlink_to_dev_zero(root, tmp):
    os.symlink("/dev/zero", root / "episodes/demo/zero.toml")
    return Run(["build"], "episodes/demo/zero.toml", "outside the project")


def sidecar_is_a_fifo(root, tmp):
    os.mkfifo(root / "episodes/demo/pipe.toml")
    return Run(["build"], "episodes/demo/pipe.toml", "FIFO")


def sidecar_symlink_outside(root, tmp):
    outside = tmp / "elsewhere"
    outside.mkdir()
    (outside / "ep.toml").write_text('title = "x"\npublished = 2026-01-02T09:00:00Z\n')
    os.symlink(outside / "ep.toml", root / "episodes/demo/linked.toml")
    return Run(["build"], "episodes/demo/linked.toml", "outside the project", watch=(outside,))


def show_file_is_a_fifo(root, tmp):
    os.mkfifo(root / "feeds/piped.toml")
    return Run(["build"], "feeds/piped.toml", "FIFO")


def sidecar_nested_too_deeply(root, tmp):
    sidecar(root, "deep", "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    return Run(["build"], "episodes/demo/deep.toml", "nested too deeply")


def config_nested_too_deeply(root, tmp):
    (root / "media-pub.toml").write_text("x = " + "{a = " * 30_000 + "1" + "}" * 30_000 + "\n")
    return Run(["build"], "media-pub.toml", "nested too deeply")


def sidecar_too_large(root, tmp):
    sidecar(root, "huge", "# " + "x" * (2 << 20) + "\n")
    return Run(["build"], "episodes/demo/huge.toml", "at most")


def media_is_a_fifo(root, tmp):
    os.mkfifo(root / "episodes/demo/live.mp3")
    sidecar(root, "live", media="live.mp3")
    return Run(["build"], "episodes/demo/live.toml: media", "FIFO")


def media_symlink_to_device(root, tmp):
    os.symlink("/dev/urandom", root / "episodes/demo/random.mp3")
    sidecar(root, "random", media="random.mp3")
    return Run(["build"], "episodes/demo/random.toml: media", "outside the project")


def transcript_is_a_fifo(root, tmp):
    os.mkfifo(root / "episodes/demo/words.vtt")
    sidecar(root, "talk", 'transcript = "words.vtt"\n')
    return Run(["build"], "episodes/demo/talk.toml: transcript", "FIFO")


def artwork_is_a_folder(root, tmp):
    (root / "feeds/art/demo.jpg").unlink()
    (root / "feeds/art/demo.jpg").mkdir()
    return Run(["build"], "feeds/demo.toml: artwork", "folder")


def artwork_decompression_bomb(root, tmp):
    Image.new("1", (13000, 13000)).save(root / "feeds/art/demo.png", optimize=True)
    show = root / "feeds/demo.toml"
    show.write_text(show.read_text().replace("art/demo.jpg", "art/demo.png"))
    return Run(["build"], "feeds/demo.toml: artwork", "over the 50 megapixel limit")


def wav_header_claims_an_hour(root, tmp):
    """5 s of audio whose RIFF header claims an hour: the chapter at 600 s is past the end."""
    path = root / "episodes/demo/long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x10\x00\xf0\xff" * 20_000)
    data = bytearray(path.read_bytes())
    claimed = 8000 * 2 * 3600
    data[40:44] = claimed.to_bytes(4, "little")              # the data chunk's size
    data[4:8] = (claimed + 36).to_bytes(4, "little")         # the RIFF size
    path.write_bytes(bytes(data))
    sidecar(root, "long", '[[chapters]]\nstart = "00:00:00"\ntitle = "Start"\n'
                          '[[chapters]]\nstart = "00:10:00"\ntitle = "Later"\n', media="long.wav")
    return Run(["build"], "episodes/demo/long.toml: chapters[2].start", "past the end of the media (5 s)")


def json_feed_nested_too_deeply(root, tmp):
    feed = tmp / "deep.json"
    feed.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return Run(["validate", str(feed)], "", "", absolute=True)   # findings are checked in the test


def aws_profile_not_found(root, tmp):
    return Run(["publish", "--to", "s3://media-bucket/site"], "AWS_PROFILE", "'nosuch' not found", absolute=True,
               env={"AWS_PROFILE": "nosuch", "AWS_CONFIG_FILE": str(tmp / "none"),
                    "MEDIA_PUB_STORAGE_ENDPOINT_URL": "http://127.0.0.1:9",   # never reached: fails before
                    "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "none")})


def project_locked_by_a_live_build(root, tmp):
    """Another media-pub holds the project lock and stays alive: the build fails clearly."""
    ready = tmp / "ready"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib\n"
        "from media_pub.locks import project_lock\n"
        "with project_lock(pathlib.Path(sys.argv[1]), 'build'):\n"
        "    pathlib.Path(sys.argv[2]).write_text('x')\n"
        "    time.sleep(60)\n"), str(root / ".media-pub"), str(ready)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    HOLDERS.append(holder)
    for _ in range(200):
        if ready.exists():
            break
        holder.poll()
        import time
        time.sleep(0.05)
    return Run(["build"], ".media-pub/lock", f"pid {holder.pid}")


HOLDERS: list[subprocess.Popen] = []

CASES = [
    not_a_project(["build"]), not_a_project(["publish", "--prune"]), not_a_project(["status"]),
    not_a_project(["serve"]), not_a_project(["validate"]), project_option_not_a_project,
    target("s3:/bucket/x", "did you mean s3://"), target("s3:bucket", "did you mean s3://"),
    target("http://example.org/site", "looks like a URL"), target("gs://bucket/site", "looks like a URL"),
    target("s3://", "not a valid S3 target"), target("s3://Bad_Bucket/x", "not a valid S3 target"),
    target(".", "is the project folder itself"), target("feeds/site", "inside feeds/"),
    target("episodes/demo/www", "inside episodes/"), target(".media-pub/www", "inside .media-pub/"),
    target("public/sub", "inside the build directory"), target_parent_of_the_project,
    out_is_the_project, out_inside_episodes, config_out_is_the_project, config_target_one_slash,
    env_target_http, config_target_inside_feeds,
    show_file_renamed_case_only, show_file_renamed,
    url_case("chapters[1].url", '[[chapters]]\nstart = 0\ntitle = "A"\nurl = "javascript:alert(1)"\n'),
    url_case("chapters[1].img", '[[chapters]]\nstart = 0\ntitle = "A"\nimg = "data:image/png;base64,AAAA"\n'),
    url_case("persons[1].href", '[[persons]]\nname = "G"\nhref = "javascript:alert(document.cookie)"\n'),
    url_case("persons[1].img", '[[persons]]\nname = "G"\nimg = "file:///etc/passwd"\n'),
    url_case("link", 'link = "ftp://example.org/ep"\n'),
    url_case("chapters[1].url", '[[chapters]]\nstart = 0\ntitle = "A"\nurl = "/relative/page"\n'),
    show_link_javascript, show_person_img_file,
    sidecar_symlink_to_dev_zero, sidecar_is_a_fifo, sidecar_symlink_outside, show_file_is_a_fifo,
    sidecar_nested_too_deeply, config_nested_too_deeply, sidecar_too_large, media_is_a_fifo,
    media_symlink_to_device, transcript_is_a_fifo, artwork_is_a_folder, artwork_decompression_bomb,
    wav_header_claims_an_hour, json_feed_nested_too_deeply, aws_profile_not_found, project_locked_by_a_live_build,
]


@pytest.fixture(autouse=True)
def _stop_holders():
    yield
    while HOLDERS:
        holder = HOLDERS.pop()
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_refused_with_one_line_and_nothing_lost(project: Path, tmp_path: Path, monkeypatch, case):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("media_pub.locks.PROJECT_LOCK_WAIT", 1.0)
    run = case(project, scratch)
    before = tree(project)
    watched = {folder: tree(folder) for folder in run.watch}
    assert any(key.startswith("public/feeds/") for key in before)     # there is a previous build

    if run.cwd is not None:
        monkeypatch.chdir(run.cwd)
        args = run.args
    else:
        args = ["--project", str(project), *run.args]
    result = CliRunner().invoke(cli, args, env=run.env)

    assert result.exit_code == run.exit, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if case is json_feed_nested_too_deeply:
        assert "ERROR json.syntax" in result.stdout and "nested too deeply" in result.stdout
    else:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        where = run.where if run.absolute else f"{project.resolve()}/{run.where}"
        assert lines[0].startswith(f"Error: {where}"), lines[0]
        assert run.words in lines[0], lines[0]
        assert result.stdout == ""
    assert tree(project) == before         # every source and the previous build, byte for byte
    for folder, snapshot in watched.items():
        assert tree(folder) == snapshot    # nothing created or changed outside the project either
    assert not (project / "public/sub").exists() and not (project / "s3:").exists()


def test_two_builds_at_once_never_change_a_written_guid(built_template, tmp_path):
    """Eight trials of two `build` processes racing over new episodes without GUIDs.

    Each writes its own build folder, so each feed shows the GUIDs that process used: the
    second must wait for the first and reuse the GUIDs it wrote, never write new ones.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for trial in range(8):
        root = tmp_path / f"trial-{trial}"
        shutil.copytree(built_template, root, symlinks=True)
        for name in ("one", "two"):
            make_episode(root, "demo", name, title=name.title(), seconds=1.0)
        builds = [subprocess.Popen([sys.executable, "-m", "media_pub", "--project", str(root), "-q", "build",
                                    "--out", out], env=env, stderr=subprocess.PIPE, text=True)
                  for out in ("public", "public-2")]
        results = [(b.wait(timeout=300), b.stderr.read()) for b in builds]
        for code, stderr in results:
            assert code == 0, stderr
            assert "Traceback" not in stderr
        guids = {name: next(line for line in (root / f"episodes/demo/{name}.toml").read_text().splitlines()
                            if line.startswith("guid")) for name in ("one", "two")}
        for out in ("public", "public-2"):
            feed = (root / out / "feeds/demo.xml").read_text()
            for line in guids.values():
                assert line.split('"')[1] in feed, (trial, out)


def test_a_full_disk_is_reported_against_the_build_directory(project: Path):
    """The build directory on a 16 KiB tmpfs (in a private mount namespace, so nothing
    outlives the command): the error names the file being written there, not the cache."""
    out = project / "small"
    out.mkdir()
    before = source_snapshot(project)
    command = (f"mount -t tmpfs -o size=16k tmpfs {out} && "
               f"exec {sys.executable} -m media_pub --project {project} build --out {out}")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", command],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})

    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {out}/") and "the disk is full" in lines[0], lines[0]
    assert source_snapshot(project) == before


def test_build_removes_only_files_an_earlier_build_wrote(project: Path):
    """Issue 10, item 5: a volunteer's own files in the build directory survive the sweep."""
    make_episode(project, "demo", "later", title="Later", published="2026-01-03T09:00:00Z")
    assert CliRunner().invoke(cli, ["--project", str(project), "build"]).exit_code == 0
    assert (project / "public/embed/demo/later.peaks.json").exists()
    mine = {project / "public/media/demo/notes.txt": b"my notes", project / "public/media/demo/raw.wav": b"RIFF",
            project / "public/about-us.html": b"<h1>about us</h1>", project / "public/embed/demo/custom.html": b"<p>"}
    for path, data in mine.items():
        path.write_bytes(data)
    sidecar = project / "episodes/demo/later.toml"
    sidecar.write_text(sidecar.read_text() + "draft = true\n")

    result = CliRunner().invoke(cli, ["--project", str(project), "build"])

    assert result.exit_code == 0, result.stderr
    assert not (project / "public/media/demo/later.mp3").exists()       # ours, no longer built: removed
    assert not (project / "public/embed/demo/later.html").exists()
    assert not (project / "public/embed/demo/later.peaks.json").exists()   # its waveform too
    assert (project / "public/media/demo/good.mp3").exists()
    for path, data in mine.items():
        assert path.read_bytes() == data


def test_built_files_are_copies_never_links_to_sources(project: Path):
    """Issue 10, item 9: editing a built file in place must not reach the source."""
    source = project / "feeds/art/demo.jpg"
    built = project / "public/art/demo.jpg"
    built.unlink()
    os.link(source, built)                      # what the first release left behind
    original = source.read_bytes()

    result = CliRunner().invoke(cli, ["--project", str(project), "build"])

    assert result.exit_code == 0, result.stderr
    assert not os.path.samefile(source, built)
    with built.open("r+b") as handle:           # an editor or sync tool rewriting in place
        handle.write(b"\0" * 16)
    assert source.read_bytes() == original


# --- media-pub's temporary files: it deletes only its own ------------------------------------

def _dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


def test_a_failed_write_deletes_its_own_temp_file_and_nothing_beside_it(tmp_path: Path):
    """Every output, sidecar write-back and upload writes a temp file beside its target and
    renames it: when that fails, the temp file goes, and files named like one stay."""
    from media_pub.errors import OutputError
    from media_pub.fsutil import place_file, write_atomic

    folder = tmp_path / "feeds"
    (folder / "demo.xml").mkdir(parents=True)               # a folder where the file should go
    (folder / "demo.xml" / "keep.txt").write_text("mine")
    theirs = {name: f"the volunteer's {name}".encode() for name in (
        ".demo.xml.tmp", f".demo.xml.{os.getpid()}.tmp", f".demo.xml.media-pub-{os.getpid()}-notes.txt")}
    for name, data in theirs.items():
        (folder / name).write_bytes(data)
    source = tmp_path / "source.bin"
    source.write_bytes(b"media")
    before = source_snapshot(tmp_path)

    with pytest.raises(OutputError):
        write_atomic(folder / "demo.xml", b"<rss/>")
    with pytest.raises(OutputError):
        place_file(source, folder / "demo.xml")

    assert source_snapshot(tmp_path) == before                # nothing added, nothing lost
    assert {name: (folder / name).read_bytes() for name in theirs} == theirs


def test_publish_to_a_folder_removes_only_temp_files_of_media_pub_runs_that_died(project: Path, tmp_path: Path):
    """A killed publish leaves ``.<name>.media-pub-<pid>-*.tmp`` beside a key; the next one
    removes those of dead processes only: a running one's, and anyone else's file, stay."""
    site = tmp_path / "site"
    folder = site / "media/demo"
    folder.mkdir(parents=True)
    dead, alive = _dead_pid(), os.getpid()
    left = folder / f".good.mp3.media-pub-{dead}-0a1b2c3d.tmp"
    stay = {name: b"not ours to delete" for name in (
        f".good.mp3.media-pub-{alive}-0a1b2c3d.tmp",     # a run that is still going
        ".good.mp3.abc123.tmp", ".good.mp3.backup.tmp",  # named like temp files, but not ours
        f".other.mp3.media-pub-{dead}-0a1b2c3d.tmp")}    # beside no key of this publish
    left.write_bytes(b"half an upload")
    for name, data in stay.items():
        (folder / name).write_bytes(data)

    result = CliRunner().invoke(cli, ["--project", str(project), "publish", "--to", str(site)])

    assert result.exit_code == 0, result.stderr
    assert (folder / "good.mp3").is_file() and not left.exists()
    assert {name: (folder / name).read_bytes() for name in stay} == stay


def test_a_build_removes_only_encode_parts_of_builds_that_died(tmp_path: Path):
    """The encode cache's part files name the PID that writes them; a new encode clears those
    of dead processes, and leaves a running build's and any other file alone."""
    from media_pub.deliver import DeliveryJob, DeliveryTags, deliver_episodes
    from media_pub.model import Delivery

    cache = tmp_path / "cache"
    cache.mkdir()
    key = "0" * 64
    left = cache / f".{key}.{_dead_pid()}.1.part.mp3"
    stay = {name: b"not ours to delete" for name in (
        f".{key}.{os.getpid()}.1.part.mp3",   # a build that is still encoding
        ".notes.part.mp3", "readme.txt", f".{key[:63]}.1.1.part.mp3")}
    left.write_bytes(b"half an encode")
    for name, data in stay.items():
        (cache / name).write_bytes(data)
    source = make_audio(tmp_path / "ep.wav", 1.5)

    [outcome] = deliver_episodes([DeliveryJob("demo/ep", source, Delivery(), DeliveryTags("Ep"))], cache)

    assert outcome.error is None and outcome.path is not None and outcome.path.is_file()
    assert not left.exists()
    assert {name: (cache / name).read_bytes() for name in stay} == stay
