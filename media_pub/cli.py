"""The command-line interface: a thin Click layer over the library.

Each command parses its options, makes one library call and prints the result. Human
messages go to stderr; stdout carries only data (``--json``). Every ``MediaPubError``
becomes one line naming the file and field, and a non-zero exit; tracebacks only with -v.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

import media_pub
from media_pub import config, site
from media_pub.errors import BuildFailedError, ExitStatus, MediaPubError
from media_pub.model import Settings
from media_pub.project import require_project

if TYPE_CHECKING:   # the library loads per command, so `--help` stays fast
    from click._termui_impl import ProgressBar

    from media_pub.report import BuildReport, ReleaseReport

log = logging.getLogger("media_pub")


class Context:
    """What the group hands every command: where the project is, and how chatty to be."""

    def __init__(self, project: Path, verbose: int, quiet: bool):
        self.project = project
        self.verbose = verbose
        self.quiet = quiet

    def settings(self, need_project: bool = True, **overrides: Any) -> Settings:
        """The layered settings; first, unless ``need_project`` is False (init, probe,
        validate FEED_FILE...), refuse a folder that is not a project, so a command run in
        the wrong place writes nothing there (SPEC 5.1)."""
        if need_project:
            require_project(self.project)
        settings = config.load(self.project, os.environ, overrides)
        log.debug("settings from: %s", ", ".join(settings.sources))
        return settings


def say(message: str) -> None:
    """A human message on stderr (silenced by -q)."""
    ctx = click.get_current_context().find_object(Context)
    if not (ctx and ctx.quiet):
        click.echo(message, err=True)


EXIT_BROKEN_PIPE = 128 + 13   # what a shell reports for a reader that went away (as git does)


def _verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Context) if ctx else None
    return bool(obj and obj.verbose)


def _fail(message: str, status: int) -> NoReturn:
    if _verbose():
        click.echo(traceback.format_exc(), err=True)
    click.echo(f"Error: {message}", err=True)
    sys.exit(status)


def _quiet_broken_pipe() -> NoReturn:
    """The reader (``| head``) has all it wanted: stop quietly, as git does."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())   # the final flush at exit must not complain either
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_BROKEN_PIPE)


class MediaPubCommand(click.Command):
    """A command that also takes -v/-q after its name (``media-pub build -q``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params += [
            click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_more_verbose,
                         help="Say more; -v also shows tracebacks."),
            click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=_quieter, help="Only errors."),
        ]


def _more_verbose(click_ctx: click.Context, _param: click.Parameter, value: int) -> None:
    obj = click_ctx.find_object(Context)
    if value and obj:
        obj.verbose += value
        _configure_logging(obj)


def _quieter(click_ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    obj = click_ctx.find_object(Context)
    if value and obj:
        obj.quiet = True
        _configure_logging(obj)


def _configure_logging(obj: Context) -> None:
    level = logging.DEBUG if obj.verbose else logging.WARNING if obj.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    logging.getLogger().setLevel(level)


class MediaPubGroup(click.Group):
    """The one place library errors become a line on stderr and an exit status."""

    command_class = MediaPubCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
            return result
        except BuildFailedError as error:
            for key, failure in error.failures:
                click.echo(f"Error: {key}: {failure}", err=True)
            _fail(str(error), error.exit_status)
        except MediaPubError as error:
            _fail(str(error), error.exit_status)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}", ExitStatus.ERROR)


pass_context = click.make_pass_decorator(Context)


@click.group(cls=MediaPubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(media_pub.__version__, prog_name="media-pub")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The project folder (holds media-pub.toml, feeds/, episodes/).")
@click.option("-v", "--verbose", count=True, help="Say more; -v also shows tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(click_ctx: click.Context, project: Path, verbose: int, quiet: bool) -> None:
    """Publish podcasts and short film series.

    Put a recording and a few lines of TOML into the project, then run
    `media-pub publish`: media is normalised, uploaded, and the podcast feeds and
    embeddable players are written.
    """
    click_ctx.obj = Context(project, verbose, quiet)
    _configure_logging(click_ctx.obj)


def main() -> None:
    cli(prog_name="media-pub")


# --- commands ---------------------------------------------------------------------------

def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The show's title (default: ask on a terminal, else \"My Show\").")
@click.option("--url", "base_url", metavar="URL",
              help="The public URL the build folder will be served at, e.g. https://media.ourcharity.org/.")
@click.option("--email", help="The owner's email address (Apple and Spotify write to it).")
@pass_context
def init(ctx: Context, directory: Path | None, title: str | None, base_url: str | None,
         email: str | None) -> None:
    """Scaffold a project: media-pub.toml, feeds/ and episodes/ with one example show.

    On a terminal it asks for the show's title, its public URL and the owner's email;
    press Enter to keep an example value and edit the files later.

    Example: media-pub init my-podcast && cd my-podcast && media-pub build
    """
    from media_pub.scaffold import Identity, check_base_url, check_email, scaffold

    target = directory or ctx.project
    if _on_terminal():
        say("A few questions (Enter keeps an example value; you can edit the files later).")
        title = title or click.prompt("Show title", default="My Show", err=True)
        base_url = base_url or _ask("Public URL where the show will be served (e.g. https://media.ourcharity.org/)",
                                    check_base_url)
        email = email or _ask("Owner's email (Apple and Spotify write to it)", check_email)
    created = scaffold(target, Identity(title=title, base_url=base_url, email=email))
    for path in created:
        say(f"created {path}")
    show_file = next(path for path in created if path.parent.name == "feeds")
    say(f"Next: edit {show_file}, then run `media-pub build`.")


def _on_terminal() -> bool:
    """Questions only for a person at a terminal: never in scripts, pipes or CI."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def _ask(question: str, check: Callable[[str], str]) -> str | None:
    """Ask until the answer passes ``check`` (or is empty: keep the example)."""
    def value(text: str) -> str:
        if not text.strip():
            return ""
        try:
            return check(text)
        except MediaPubError as error:
            raise click.BadParameter(error.message) from None

    return click.prompt(question, default="", show_default=False, value_proc=value, err=True) or None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--loudness", is_flag=True,
              help="Also measure EBU R128 integrated loudness (LUFS), true peak (dBTP) and LRA (LU).")
@pass_context
def probe(ctx: Context, files: tuple[Path, ...], as_json: bool, loudness: bool) -> None:
    """Show what media-pub reads from media files: streams, tags, chapters, artwork.

    Example: media-pub probe episodes/my-show/welcome.mp3 --loudness
    """
    from dataclasses import asdict

    from media_pub.media.loudness import measure
    from media_pub.media.probe import media_info_dict
    from media_pub.media.probe import probe as probe_file

    results = []
    for path in files:
        info = media_info_dict(probe_file(path))
        if loudness:
            info["loudness"] = asdict(measure(path))
        results.append(info)
    if as_json:
        _echo_json(results if len(results) > 1 else results[0])
        return
    for info in results:
        click.echo(_describe(info))


def _describe(info: dict[str, Any]) -> str:
    minutes, seconds = divmod(info["duration"], 60)
    lines = [
        f"{info['path']}",
        f"  duration     {int(minutes)}:{seconds:06.3f} ({info['duration']:.3f} s)",
        f"  container    {info['container']} ({info['mime_type']})",
        f"  audio        {info['codec']}, {info['channels']} ch, {info['sample_rate']} Hz, "
        f"{round(info['bitrate'] / 1000)} kb/s",
        f"  size         {info['size']} bytes",
    ]
    if info["video"]:
        v = info["video"]
        lines.append(f"  video        {v['codec']} {v['width']}x{v['height']}"
                     + (f" {v['fps']:g} fps" if v["fps"] else ""))
    for key, value in sorted(info["tags"].items()):
        lines.append(f"  {key:<12} {value}")
    if info["artwork"]:
        lines.append(f"  artwork      {info['artwork']['mime_type']}, {info['artwork']['size']} bytes")
    for chapter in info["chapters"]:
        lines.append(f"  chapter      {chapter['start']:>9.3f} s  {chapter['title']}")
    if info.get("loudness"):
        loud = info["loudness"]
        lines.append(f"  loudness     {loud['integrated']:.1f} LUFS, true peak {loud['true_peak']:.1f} dBTP, "
                     f"LRA {loud['lra']:.1f} LU")
    return "\n".join(lines)


@cli.command()
@click.argument("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="Episode title (default: the file's title tag).")
@click.option("--published", help="Publication date-time with zone, e.g. 2026-11-20T09:00:00Z "
              "(default: the file's date tag, else now).")
@click.option("--draft", is_flag=True, help="Mark as a draft: never built into feeds.")
@pass_context
def add(ctx: Context, show: str, file: Path, title: str | None, published: str | None, draft: bool) -> None:
    """Create episodes/SHOW/<slug>.toml for FILE from its tags.

    A file outside the show's episode folder is copied in; the original is never moved.

    Example: media-pub add locked-up-living ~/Recordings/ep-12.wav --title "Making amends"
    """
    from media_pub.scaffold import add_episode

    added = add_episode(ctx.settings(), show, file, title=title, published=published, draft=draft)
    for warning in added.warnings:
        say(f"Warning: {warning}")
    say(f"created {added.sidecar}")


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Build directory (default: public).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Episodes encoded at once (default: CPU count).")
@click.option("--json", "as_json", is_flag=True, help="One JSON summary document on stdout.")
@pass_context
def build(ctx: Context, shows: tuple[str, ...], out: Path | None, jobs: int | None, as_json: bool) -> None:
    """Normalise media and write feeds and the embed index into the build directory.

    Example: media-pub build locked-up-living --jobs 2
    """
    from media_pub import release

    settings = ctx.settings(out=str(out) if out else None)
    with ProgressDisplay(ctx.quiet) as progress:
        report = release.build(settings, shows, jobs=jobs, progress=progress)
    _warn_untracked(ctx, report)
    if as_json:
        _echo_json(report.as_json())
    finish_build(report)


class ProgressDisplay:
    """Draws per-episode progress on a terminal; silent when piped or with -q."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.shown: dict[str, int] = {}

    def __enter__(self) -> ProgressDisplay | None:
        return self if self.enabled else None

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self.shown:
            click.echo("\r\033[K", err=True, nl=False)

    def __call__(self, key: str, fraction: float) -> None:
        percent = int(fraction * 100)
        if self.shown.get(key) == percent:
            return
        first = key not in self.shown
        self.shown[key] = percent
        if first and percent == 0:
            return   # the build announces every episode first: draw once the total is known
        # With --jobs N several episodes run at once: one bar for the episode that moved,
        # then the others still running, so parallel encodes don't overwrite each other.
        done = sum(1 for value in self.shown.values() if value >= 100)
        bar = "#" * (percent // 5)
        others = "  ".join(f"{k.rsplit('/', 1)[-1][:16]} {v}%" for k, v in self.shown.items()
                           if k != key and v < 100)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = f"[{done}/{len(self.shown)}] {key:<32.32} [{bar:<20}] {percent:3d}%  {others}"
        click.echo(f"\r\033[K{line[:width]}", err=True, nl=False)


def _warn_untracked(ctx: Context, report: BuildReport) -> None:
    """A recording copied in without ``add`` is not an episode: say so, and how to fix it."""
    for show, path in report.untracked:
        source = path.relative_to(ctx.project.resolve()).as_posix()
        say(f"Warning: {source}: not an episode (no sidecar names it), so it was not built; "
            f"run {_add_command(ctx, show, source)}")


def finish_build(report: BuildReport) -> None:
    """Print the build's failures, delivered loudness and summary; exit as the report says."""
    for key, error in report.failed:
        click.echo(f"Error: {key}: {error}", err=True)
    for row in report.loudness:
        if row.encoded:
            say(f"Delivered {row.line()}")
    for warning in report.warnings:
        click.echo(f"WARNING {warning}", err=True)
    say(report.summary)
    if report.exit_code:
        sys.exit(report.exit_code)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@pass_context
def status(ctx: Context, shows: tuple[str, ...], as_json: bool) -> None:
    """Show each episode's state: draft, scheduled, new, changed, built, published.

    Example: media-pub status --json
    """
    from dataclasses import asdict

    from media_pub.status import status as project_status

    report = project_status(ctx.settings(), shows)
    if as_json:
        _echo_json({"episodes": [asdict(row) for row in report.episodes],
                    "feeds": [asdict(feed) for feed in report.feeds]})
        return
    for row in report.episodes:
        if row.source is not None:   # untracked: say how to make it an episode
            click.echo(f"{row.state:<10} {row.show}/{row.episode:<30} not an episode yet: "
                       f"run {_add_command(ctx, row.show, row.source)}")
            continue
        click.echo(f"{row.state:<10} {row.show}/{row.episode:<30} {row.published}  {row.title}"
                   + ("" if row.transcript else "  [no transcript]"))
    for feed in report.feeds:
        note = "" if report.public else "  (not public yet: set base_url in media-pub.toml)"
        click.echo(f"{'feed':<10} {feed.show:<31} {feed.url}{note}")
    missing = sum(not row.transcript for row in report.episodes if row.source is None)
    if missing:   # part of the listing (stdout), like the feed lines: `status | head` stays quiet
        click.echo(f"{missing} episode(s) have no transcript: `media-pub transcribe` writes draft ones.")


def _add_command(ctx: Context, show: str, source: str) -> str:
    """The ``media-pub add`` line to paste, valid from the current folder."""
    import shlex

    project = ctx.project.resolve()
    if project == Path.cwd().resolve():
        return f"media-pub add {shlex.quote(show)} {shlex.quote(source)}"
    return (f"media-pub --project {shlex.quote(str(ctx.project))} add {shlex.quote(show)} "
            f"{shlex.quote(str(project / source))}")


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@pass_context
def serve(ctx: Context, port: int) -> None:
    """Serve the build directory on 127.0.0.1 to preview players and feeds.

    Answers HEAD and byte-range requests like the storage does. Stop with Ctrl-C.

    Example: media-pub build && media-pub serve --port 0
    """
    from media_pub.serve import make_server

    settings = ctx.settings()
    server = make_server(settings.out_dir, port, log=log.debug)
    say(f"Serving {settings.out_dir} at {server.url} (Ctrl-C to stop)")
    if (settings.out_dir / "index.html").is_file():
        say(f"Website: {server.url}")
    shows = sorted(p.parent.name for p in (settings.out_dir / site.EMBED).glob("*/index.html"))
    if shows:
        say(f"Players: {server.url}{site.show_page_key(shows[0])}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        say("Stopped.")
    finally:
        server.server_close()


@cli.command()
@click.argument("targets", nargs=-1, metavar="[SHOW... | FEED_FILE...]")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--fetch-images", is_flag=True, help="Also download artwork that is not in the build folder.")
@pass_context
def validate(ctx: Context, targets: tuple[str, ...], as_json: bool, fetch_images: bool) -> None:
    """Check feeds against Apple Podcasts, Spotify and Podcasting 2.0 rules.

    SHOW names are built first (nothing is re-encoded when unchanged), then their RSS and
    JSON feeds are checked with the built media and artwork. FEED_FILE may be any RSS or
    JSON feed. Prints one line per finding; exits 1 on any error (warnings pass).

    Example: media-pub validate locked-up-living public/feeds/other.xml
    """
    from media_pub import release

    feed_files = [t for t in targets if Path(t).is_file()]
    need_project = not targets or len(feed_files) < len(targets)   # shows are built: a project's
    with ProgressDisplay(ctx.quiet) as progress:
        report = release.check(ctx.settings(need_project=need_project), targets, fetch_images=fetch_images,
                               progress=progress)
    if as_json:
        _echo_json(report.as_json())
    else:
        for finding in report.findings:
            click.echo(finding.line())
    say(report.summary)
    if report.exit_code:
        sys.exit(report.exit_code)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--to", "target", metavar="TARGET",
              help="A folder (relative to the project) or s3://bucket/prefix (default: storage.target, else public/).")
@click.option("--dry-run", is_flag=True,
              help="Build the current sources aside and list what publish would change; change nothing.")
@click.option("--prune", is_flag=True,
              help="Delete published objects the build no longer has (after the new feeds are up).")
@click.option("--force", is_flag=True, help="Upload even when validate finds errors (not recommended).")
@click.option("--clips", is_flag=True,
              help="Also upload the clips made by `media-pub clip` (clips/SHOW/); without it they stay local.")
@click.option("--json", "as_json", is_flag=True, help="One JSON summary document on stdout.")
@pass_context
def publish(ctx: Context, shows: tuple[str, ...], target: str | None, dry_run: bool, prune: bool,
            force: bool, clips: bool, as_json: bool) -> None:
    """Build, then upload to the storage target: media first, feeds and the embed index last.

    Unchanged objects are skipped; nothing remote is deleted without --prune. Clips are
    uploaded only with --clips (and --prune --clips deletes the published clips you removed).

    Example: media-pub publish --to s3://my-bucket/podcasts --dry-run
    """
    from media_pub import release

    overrides: dict[str, Any] = {"storage.target": target}
    settings = ctx.settings(**overrides)
    with ProgressDisplay(ctx.quiet) as progress, BytesBar(ctx.quiet) as bar:
        report = release.publish(settings, shows, target=target, force=force, dry_run=dry_run, prune=prune,
                                 build_progress=progress, upload_progress=bar, clips=clips)
    if report.build is not None:
        _warn_untracked(ctx, report.build)
    if as_json:
        _echo_json(report.as_json())
    finish_publish(report)


def finish_publish(report: ReleaseReport) -> None:
    """Print what the release did, the feed URLs to submit, and exit as the report says."""
    if report.build is not None:
        for row in report.build.loudness:
            if row.encoded:
                say(f"Delivered {row.line()}")
        say(report.build.summary)
    for warning in report.warnings:
        click.echo(warning, err=True)
    if report.forced:
        click.echo("WARNING: --force: uploading feeds that fail validation; Apple or Spotify may reject them.",
                   err=True)
    published = report.publish
    if published is None:
        return
    if published.dry_run and not _json_requested():
        for action in published.actions:
            if action.key in published.foreign:
                continue   # listed below, in the words the README uses
            size = f" ({action.size} bytes)" if action.kind == "upload" else ""
            click.echo(f"{action.kind:<7}{action.key}  [{action.reason}]{size}")
    for key in published.uploaded if not published.dry_run else ():
        log.debug("uploaded %s", key)
    if published.prune or published.dry_run:
        for key in published.foreign:
            say(f"kept (not published by media-pub): {key}")
    for key in published.clashes:   # always: the volunteer's build of that key did not go up
        click.echo(f"WARNING: kept (not published by media-pub): {key}; media-pub's own {key} was not "
                   "uploaded over it. Move or delete that object yourself to publish ours.", err=True)
    for failure in published.failures:
        click.echo(f"Error: {failure.message}", err=True)
    say(published.summary)
    for feed in report.feeds:
        say(f"Feed of {feed.title}: {feed.url}")
    if report.new_feeds:
        from media_pub.report import DIRECTORIES

        say("Next: submit each new feed URL once; the directories then fetch new episodes by themselves:")
        for name, url in DIRECTORIES:
            say(f"  {name:<24} {url}")
    if report.exit_code:
        sys.exit(report.exit_code)


def _json_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.params.get("as_json"))


class BytesBar:
    """A progress bar over bytes sent, drawn on a terminal only (not when piped, not with -q)."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar: ProgressBar[int] | None = None

    def __enter__(self) -> BytesBar | None:
        return self if self.enabled else None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.render_finish()

    def __call__(self, item: str, fraction: float) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=1000, label="Uploading", file=sys.stderr,
                                         show_pos=False, show_percent=True, width=30)
        self.bar.update(round(fraction * 1000) - self.bar.pos)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--episode", metavar="SLUG", help="Only this episode.")
@click.option("--model", type=click.Path(file_okay=False, path_type=Path),
              help="A faster-whisper model directory (default: the show's, else the bundled English one).")
@click.option("--force", is_flag=True, help="Replace existing transcripts (and, with --chapters, chapters).")
@click.option("--chapters", is_flag=True,
              help="Then suggest chapters from long pauses, for episodes that have none.")
@click.option("--yes", "-y", is_flag=True, help="Write the suggested chapters without asking.")
@pass_context
def transcribe(ctx: Context, shows: tuple[str, ...], episode: str | None, model: Path | None,
               force: bool, chapters: bool, yes: bool) -> None:
    """Write draft transcripts offline for episodes that have none (SHOW...: all by default).

    Each becomes episodes/SHOW/EPISODE.vtt, named in the sidecar as `transcript`. It is a
    draft made by speech recognition: read it against the audio and correct it.
    Needs the optional extra: pip install 'media-pub[transcribe]'.

    Example: media-pub transcribe locked-up-living --episode 002-what-is-restorative-justice --chapters
    """
    from media_pub.transcribe import suggest_chapters, transcribe as run_transcribe, write_chapters

    settings = ctx.settings()
    with ProgressDisplay(ctx.quiet) as progress:
        report = run_transcribe(settings, shows, episode=episode, model=model, force=force,
                                progress=progress)
    for outcome in report.outcomes:
        name = f"{outcome.show}/{outcome.episode}"
        if outcome.state == "failed":
            click.echo(f"Error: {outcome.message}", err=True)
        elif outcome.state == "skipped":
            say(f"skipped  {name}: {outcome.message}")
        else:
            cached = ", from the cache" if outcome.state == "cached" else ""
            say(f"wrote    {outcome.path} ({outcome.cues} cues{cached})")
    written = sum(o.state in ("written", "cached") for o in report.outcomes)
    say(f"{written} transcript(s) written, {len(report.outcomes) - written - len(report.failed)} skipped, "
        f"{len(report.failed)} failed." + (" Review each draft against the audio before publishing."
                                            if written else ""))
    if chapters:
        for suggestion in suggest_chapters(settings, shows, episode=episode, force=force):
            name = f"{suggestion.show}/{suggestion.episode}"
            if not suggestion.chapters:
                say(f"{name}: no long pauses to suggest chapters from")
                continue
            click.echo(f"Suggested chapters for {name}:")
            for chapter in suggestion.chapters:
                click.echo(f"  {chapter.start:8.1f} s  {chapter.title}")
            try:
                accepted = yes or click.confirm(f"Write them into {suggestion.sidecar.name}?", default=False,
                                                err=True)
            except click.Abort:
                accepted = False
            if accepted:
                write_chapters(suggestion)
                say(f"wrote chapters into {suggestion.sidecar}")
            else:
                say("not written (--yes writes them without asking)")
    if report.failed:
        sys.exit(report.exit_code)


@cli.command()
@click.argument("show")
@click.argument("episode")
@click.option("--start", required=True, help="Where the clip starts: seconds, MM:SS or HH:MM:SS.")
@click.option("--duration", default="30", show_default=True, help="How long: seconds, or MM:SS.")
@click.option("--shape", type=click.Choice(["square", "vertical", "wide"]), default="square",
              show_default=True, help="1080x1080, 1080x1920 (stories) or 1920x1080.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Build directory (default: public).")
@pass_context
def clip(ctx: Context, show: str, episode: str, start: str, duration: str, shape: str, out: Path | None) -> None:
    """Render a shareable audiogram clip of an episode: artwork, waveform, title, captions.

    The MP4 goes into clips/SHOW/ of the build directory. Publish uploads it only when
    asked: media-pub publish --clips (then it is at BASE_URL/clips/SHOW/NAME.mp4).

    Example: media-pub clip locked-up-living 001-gerard-drennan --start 0:10 --duration 20 --shape vertical
    """
    from media_pub.clip import make_clip
    from media_pub.project.load import parse_timestamp

    settings = ctx.settings(out=str(out) if out else None)
    with ProgressDisplay(ctx.quiet) as progress:
        result = make_clip(settings, show, episode, start=parse_timestamp(start, None, "--start"),
                           duration=parse_timestamp(duration, None, "--duration"), shape=shape,
                           progress=(lambda f: progress(f"{show}/{episode}", f)) if progress else None)
    say(f"wrote {result.path} ({result.duration:g} s, {result.captions} caption(s))")
