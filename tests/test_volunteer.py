"""The volunteer's path (issue 14): from `init` to a published episode, in their own terms.

Each test runs the real CLI on a generated project and asserts the message or behaviour a
volunteer would notice: placeholders never becoming identity, TOML mistakes explained on
the line where they are, files the tool would otherwise ignore.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from media_factory import make_audio, make_video
from project_factory import make_episode, make_show, source_snapshot, write_site

import media_pub.cli
from media_pub.cli import cli

PODCAST_NS = {"podcast": "https://podcastindex.org/namespace/1.0"}


def run(root: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None):
    return CliRunner().invoke(cli, ["--project", str(root), *args], env=env, input=input)


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scaffold") / "podcast"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def fresh(scaffold: Path, tmp_path: Path) -> Path:
    root = tmp_path / "podcast"
    shutil.copytree(scaffold, root)
    return root


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    write_site(root)
    make_show(root)
    make_episode(root, "demo", "good", title="Good")
    return root


# --- init placeholders never become identity ----------------------------------------------

def test_fresh_init_and_build_write_no_show_guid_and_validate_names_each_placeholder(fresh: Path):
    show_file = fresh / "feeds/my-show.toml"
    result = run(fresh, "build")
    assert result.exit_code == 0, result.output
    feed = etree.fromstring((fresh / "public/feeds/my-show.xml").read_bytes())
    assert feed.findtext("channel/podcast:guid", namespaces=PODCAST_NS)   # the preview feed has one...
    assert "guid" not in show_file.read_text()                            # ...but it is not written for good

    result = run(fresh, "validate")
    assert result.exit_code == 0, result.output          # warnings: the preview still validates
    lines = result.stdout.splitlines()
    for where, value in (("media-pub.toml:base_url", "https://media.example.org/"),
                         ("feeds/my-show.toml:owner.email", "podcast@example.org")):
        line = next((line for line in lines if f"project.placeholder {where}:" in line), None)
        assert line is not None, (where, result.stdout)
        assert line.startswith("WARNING") and repr(value) in line and "example value" in line


def test_publish_to_a_real_bucket_refuses_placeholders_before_building(fresh: Path):
    before = source_snapshot(fresh)
    # .invalid can never resolve: nothing could be uploaded even if the refusal were missing.
    env = {"MEDIA_PUB_STORAGE_ENDPOINT_URL": "https://storage.invalid"}
    result = run(fresh, "publish", "--to", "s3://podcast-bucket/shows", env=env)
    assert result.exit_code == 1, result.output
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"Error: {fresh / 'media-pub.toml'}: base_url: 'https://media.example.org/' "
                              "is a placeholder, and s3://podcast-bucket/shows is a real target"), message
    assert "nothing was built or uploaded" in message and "1 more" in message
    assert not (fresh / "public").exists()
    assert source_snapshot(fresh) == before

    # With the real public URL, the owner's email is what still stands in the way.
    (fresh / "media-pub.toml").write_text('base_url = "https://media.ourcharity.org.uk/"\n')
    result = run(fresh, "publish", "--to", "s3://podcast-bucket/shows", env=env)
    assert result.exit_code == 1
    assert "feeds/my-show.toml: owner.email: 'podcast@example.org' is a placeholder" in result.stderr


# --- messages in the volunteer's terms ------------------------------------------------------

def test_toml_syntax_error_shows_the_line_with_a_caret_and_what_toml_wanted(demo: Path):
    show = demo / "feeds/demo.toml"
    show.write_text(show.read_text().replace('title = "Demo Show"', 'title = "Demo" Show'))
    result = run(demo, "build")
    assert result.exit_code == 1
    first, line, caret = result.stderr.rstrip("\n").splitlines()
    assert first == (f"Error: {show}: line 1, column 16: invalid TOML: TOML wanted the end of the line after "
                     'the value; put text in quotes as a whole, e.g. title = "My Show", and dates as '
                     "2026-11-20T09:00:00Z")
    assert line == '    title = "Demo" Show'
    assert caret == "    " + " " * 15 + "^"          # under the S of Show
    assert "Traceback" not in result.output and not (demo / "public").exists()


@pytest.mark.parametrize("file, typo, key", [("feeds/demo.toml", "titel", "title"),
                                              ("episodes/demo/good.toml", "descripton", "description"),
                                              ("media-pub.toml", "base_ulr", "base_url")])
def test_unknown_key_says_did_you_mean(demo: Path, file: str, typo: str, key: str):
    path = demo / file
    text = path.read_text()
    path.write_text(text.replace(f"{key} =", f"{typo} =") if f"{key} =" in text else f'{typo} = "x"\n' + text)
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.strip() == f'Error: {path}: {typo}: unknown key "{typo}" (did you mean "{key}"?)'


def test_chapters_are_numbered_from_one_in_messages(demo: Path):
    sidecar = demo / "episodes/demo/good.toml"
    sidecar.write_text(sidecar.read_text() + 'chapters = [ { start = "0:00", title = "One" }, '
                       '{ start = "0:01", title = "Two" }, { start = "9:00", title = "Three" } ]\n')
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {sidecar}: chapters[3].start: is past the end"), result.stderr


def test_person_role_must_be_a_podcast_taxonomy_role_and_gets_its_group(demo: Path):
    sidecar = demo / "episodes/demo/good.toml"
    text = sidecar.read_text()
    sidecar.write_text(text + 'persons = [ { name = "Ann", role = "Host" }, { name = "Bo", role = "gust" } ]\n')
    result = run(demo, "build")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {sidecar}: persons[2].role: 'gust' is not a Podcast Taxonomy "
                                     'role (did you mean "guest"?)')

    sidecar.write_text(text + 'persons = [ { name = "Ann", role = "Host" }, { name = "Cy", role = "Producer" } ]\n')
    assert run(demo, "build").exit_code == 0
    feed = etree.fromstring((demo / "public/feeds/demo.xml").read_bytes())
    persons = [(p.text, p.get("role"), p.get("group"))
               for p in feed.findall("channel/item/podcast:person", PODCAST_NS)]
    assert persons == [("Ann", "host", "cast"), ("Cy", "producer", "creative direction")]


def test_init_on_a_terminal_asks_for_title_url_and_email(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(media_pub.cli, "_on_terminal", lambda: True)
    target = tmp_path / "lul"
    answers = "Locked Up Living\nmedia.lul.org.uk\nhttps://media.lockeduplivingpodcast.org.uk\nnot-an-email\nhello@lockeduplivingpodcast.org.uk\n"
    result = CliRunner().invoke(cli, ["init", str(target)], input=answers)
    assert result.exit_code == 0, result.output
    assert "Show title" in result.stderr and "not a public URL" in result.stderr and "not an email" in result.stderr
    site = tomllib.loads((target / "media-pub.toml").read_text())
    show = tomllib.loads((target / "feeds/locked-up-living.toml").read_text())
    assert site["base_url"] == "https://media.lockeduplivingpodcast.org.uk/"
    assert show["title"] == "Locked Up Living"
    assert show["owner"]["email"] == "hello@lockeduplivingpodcast.org.uk"
    # Real answers are identity: the first build writes the show's podcast:guid back.
    assert run(target, "build").exit_code == 0
    assert "guid" in tomllib.loads((target / "feeds/locked-up-living.toml").read_text())
    assert "project.placeholder" not in run(target, "validate").stdout


def test_init_in_a_script_asks_nothing_and_keeps_the_examples(tmp_path: Path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p")], input="")
    assert result.exit_code == 0 and "Show title" not in result.stderr
    assert 'base_url = "https://media.example.org/"' in (tmp_path / "p/media-pub.toml").read_text()


# --- files the tool would silently ignore -----------------------------------------------------

def test_status_and_build_name_a_recording_without_sidecar_with_the_add_command(demo: Path, monkeypatch):
    make_audio(demo / "episodes/demo/Second take.wav", 1.0)
    monkeypatch.chdir(demo)
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("untracked"))
    assert line.endswith("run media-pub add demo 'episodes/demo/Second take.wav'"), line
    build = CliRunner().invoke(cli, ["build"])
    assert build.exit_code == 0
    assert ("Warning: episodes/demo/Second take.wav: not an episode (no sidecar names it), so it was not built; "
            "run media-pub add demo 'episodes/demo/Second take.wav'") in build.stderr
    rows = json.loads(CliRunner().invoke(cli, ["status", "--json"]).stdout)["episodes"]
    assert [(r["state"], r["source"]) for r in rows if r["state"] == "untracked"] == [
        ("untracked", "episodes/demo/Second take.wav")]
    # The command it prints works, and the recording is then an episode.
    assert CliRunner().invoke(cli, ["add", "demo", "episodes/demo/Second take.wav"]).exit_code == 0
    assert "untracked" not in CliRunner().invoke(cli, ["status"]).stdout


def test_add_refuses_audio_for_a_video_show(tmp_path: Path):
    write_site(tmp_path)
    make_show(tmp_path, "films", medium="video")
    recording = make_audio(tmp_path.parent / f"{tmp_path.name}-interview.mp3", 1.0)
    before = source_snapshot(tmp_path)
    result = run(tmp_path, "add", "films", str(recording))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"Error: {recording}: has no video stream, but films is a video show")
    assert source_snapshot(tmp_path) == before            # no sidecar, no copied file


def test_add_warns_that_an_audio_show_keeps_only_the_sound_of_a_video(demo: Path):
    clip = make_video(demo.parent / "clip.mp4", 1.0)
    result = run(demo, "add", "demo", str(clip))
    assert result.exit_code == 0, result.output
    assert "Warning: clip.mp4 is a video, but demo is an audio show: listeners get the sound only" in result.stderr
    assert (demo / "episodes/demo/clip.toml").is_file()
    assert "episode.media.video episodes/demo/clip.toml:media" in run(demo, "validate").stdout


# --- add ----------------------------------------------------------------------------------

def test_add_takes_the_date_tag_and_writes_a_commented_template(demo: Path):
    recording = make_audio(demo.parent / "take.mp3", 1.0, metadata={"title": "Making amends", "date": "2026-03-04"})
    result = run(demo, "add", "demo", str(recording))
    assert result.exit_code == 0, result.output
    text = (demo / "episodes/demo/take.toml").read_text()
    data = tomllib.loads(text)
    assert data["published"].isoformat() == "2026-03-04T00:00:00+00:00"    # the file's own date
    assert "description" not in data and "chapters" not in data and "persons" not in data
    for line in ('# description = """', '# chapters = [', '#   { start = "00:00:00", title = "Introduction" },',
                 '#   { name = "Guest Name", role = "guest" },'):
        assert line in text.splitlines(), line
    # Uncommented, the template is valid: the volunteer only fills it in.
    uncommented = "\n".join(line[2:] if line.startswith("# ") and not line.startswith("# Added") else line
                            for line in text.splitlines() if not line.startswith(("# Show", "# Without",
                                                                                  "# Chapters", "# Hosts", "# An ")))
    assert tomllib.loads(uncommented)["persons"][1]["role"] == "guest"


def test_validate_warns_about_an_episode_with_no_notes(demo: Path):
    result = run(demo, "validate")
    assert result.exit_code == 0
    assert ("WARNING episode.notes.empty episodes/demo/good.toml:description: no show notes: the episode goes "
            "live with an empty description") in result.stdout
    sidecar = demo / "episodes/demo/good.toml"
    sidecar.write_text(sidecar.read_text() + 'description = "Who we talk to, and why."\n')
    assert "episode.notes.empty" not in run(demo, "validate").stdout


def test_validate_hints_name_the_toml_key_to_edit_not_the_generated_xml(demo: Path):
    show = demo / "feeds/demo.toml"
    show.write_text(show.read_text().replace('"Health & Fitness/Mental Health", ', '"Mental Health", '))
    result = run(demo, "validate")
    assert result.exit_code == 1
    # The finding stands at the show file and key to edit, and its fix is told in TOML.
    line = next(line for line in result.stdout.splitlines() if line.startswith("ERROR apple.category "))
    assert line.startswith("ERROR apple.category feeds/demo.toml:categories: 'Mental Health' is not one of "
                           "Apple's categories (fix: write \"Health & Fitness/Mental Health\" in categories"), line
    assert "itunes:" not in line and "feeds/demo.xml" not in line
    assert "<itunes:category" not in result.stdout
