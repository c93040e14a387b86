"""The command-line interface: a thin Click layer over the library.

Each command parses its options, makes one library call and prints the result. Human
messages go to stderr; stdout carries only data (``--json``). Every ``MediaPubError``
becomes one line naming the file and field, and a non-zero exit; tracebacks only with -v.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click

import media_pub
from media_pub import config
from media_pub.errors import ExitStatus, MediaPubError
from media_pub.model import Settings

# The CLI imports the pipeline only when a command runs; the type is for annotations.
if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from media_pub.build import BuildReport

log = logging.getLogger("media_pub")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class Context:
    """What the group hands every command: where the project is, and how chatty to be."""

    def __init__(self, project: Path, verbose: int, quiet: bool):
        self.project = project
        self.verbose = verbose
        self.quiet = quiet

    def settings(self, **overrides: Any) -> Settings:
        settings = config.load(self.project, os.environ, overrides)
        log.debug("settings from: %s", ", ".join(settings.sources))
        return settings


def say(message: str) -> None:
    """A human message on stderr (silenced by -q)."""
    ctx = click.get_current_context().find_object(Context)
    if not (ctx and ctx.quiet):
        click.echo(message, err=True)


def handle_errors(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn library errors into one clear line and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        ctx = click.get_current_context().find_object(Context)
        verbose = bool(ctx and ctx.verbose)
        try:
            return command(*args, **kwargs)
        except MediaPubError as error:
            if verbose:
                click.echo(traceback.format_exc(), err=True)
            click.echo(f"Error: {error}", err=True)
            sys.exit(error.exit_status)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            sys.exit(ExitStatus.INTERRUPTED)
        except OSError as error:
            if verbose:
                click.echo(traceback.format_exc(), err=True)
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"Error: {where}{error.strerror or error}", err=True)
            sys.exit(ExitStatus.ERROR)

    return wrapper


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    click_ctx.obj = Context(project, verbose, quiet)


def main() -> None:
    cli(prog_name="media-pub")


# --- commands ---------------------------------------------------------------------------

def _echo_json(data: object) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The show's title (default: ask on a terminal, else \"My Show\").")
@click.option("--url", "base_url", metavar="URL",
              help="The public URL the build folder will be served at, e.g. https://media.ourcharity.org/.")
@click.option("--email", help="The owner's email address (Apple and Spotify write to it).")
@pass_context
@handle_errors
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
@handle_errors
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
@handle_errors
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
@pass_context
@handle_errors
def build(ctx: Context, shows: tuple[str, ...], out: Path | None, jobs: int | None) -> None:
    """Normalise media and write feeds and the embed index into the build directory.

    Example: media-pub build locked-up-living --jobs 2
    """
    from media_pub.build import build as run_build

    settings = ctx.settings(out=str(out) if out else None)
    with ProgressDisplay(ctx.quiet) as progress:
        report = run_build(settings, shows, jobs=jobs, progress=progress)
    _warn_untracked(ctx, report)
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
        self.shown[key] = percent
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
    """Print the build summary and exit non-zero when an episode failed."""
    for warning in report.warnings:
        click.echo(f"Warning: {warning.file}: {warning.field}: {warning.message}", err=True)
    for key, error in report.failed:
        click.echo(f"Error: {key}: {error}", err=True)
    episodes = sum(len(s.episodes) for s in report.shows)
    say(f"Built {len(report.shows)} show(s), {episodes} live episode(s): {report.encoded} encoded, "
        f"{report.cached} cached, {len(report.failed)} failed; {len(report.written)} file(s) written, "
        f"{len(report.removed)} removed, in {report.seconds:.1f}s -> {report.out_dir}")
    if report.failed:
        say("Feeds were left as they were, so they never point at a missing file.")
        sys.exit(ExitStatus.PARTIAL)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@pass_context
@handle_errors
def status(ctx: Context, shows: tuple[str, ...], as_json: bool) -> None:
    """Show each episode's state: draft, scheduled, new, changed, built, published.

    Example: media-pub status --json
    """
    from dataclasses import asdict

    from media_pub.status import project_status

    rows = project_status(ctx.settings(), shows)
    if as_json:
        _echo_json({"episodes": [asdict(row) for row in rows]})
        return
    for row in rows:
        if row.source is not None:   # untracked: say how to make it an episode
            click.echo(f"{row.state:<10} {row.show}/{row.episode:<30} not an episode yet: "
                       f"run {_add_command(ctx, row.show, row.source)}")
            continue
        click.echo(f"{row.state:<10} {row.show}/{row.episode:<30} {row.published}  {row.title}")


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
@handle_errors
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
    shows = sorted(p.parent.name for p in (settings.out_dir / "embed").glob("*/index.html"))
    if shows:
        say(f"Players: {server.url}embed/{shows[0]}/index.html")
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
@handle_errors
def validate(ctx: Context, targets: tuple[str, ...], as_json: bool, fetch_images: bool) -> None:
    """Check feeds against Apple Podcasts, Spotify and Podcasting 2.0 rules.

    SHOW names are built first (nothing is re-encoded when unchanged), then their RSS and
    JSON feeds are checked with the built media and artwork. FEED_FILE may be any RSS or
    JSON feed. Prints one line per finding; exits 1 on any error (warnings pass).

    Example: media-pub validate locked-up-living public/feeds/other.xml
    """
    from media_pub.errors import FeedError
    from media_pub.checks import Severity, delivery_findings, validate_outputs, validate_path

    settings = ctx.settings()
    files = [Path(t) for t in targets if Path(t).is_file()]
    shows = [t for t in targets if not Path(t).is_file()]
    for name in shows:
        if "/" in name or name.endswith((".xml", ".json", ".rss")):
            raise FeedError("no such feed file (and not a show name)", name)
    findings = []
    if shows or not files:
        from media_pub.build import build as run_build

        with ProgressDisplay(ctx.quiet) as progress:
            report = run_build(settings, shows, progress=progress)
        if report.failed:
            finish_build(report)
        keys = [key for built in report.shows for key in (built.show.feed_key, built.show.json_feed_key)]
        from media_pub.checks.sources import check_sources
        from media_pub.project.load import load_project

        findings += check_sources(load_project(settings, shows))   # the files to edit, first
        findings += delivery_findings(settings.project, report.warnings)
        from media_pub.checks.locate import in_project_terms

        findings += in_project_terms(validate_outputs(settings, keys, report.out_dir, fetch_images=fetch_images,
                                                      readiness=True), report.shows, settings.project)
    out_dir = settings.out_dir.resolve()
    for path in files:
        inside = path.resolve().is_relative_to(out_dir)
        found = validate_path(path, build_dir=out_dir if inside else None,
                              base_url=settings.base_url if inside else None, fetch_images=fetch_images,
                              readiness=True)
        findings += [replace(f, file=str(path)) for f in found]
    errors = sum(f.severity is Severity.ERROR for f in findings)
    warnings = len(findings) - errors
    if as_json:
        _echo_json({"errors": errors, "warnings": warnings, "findings": [f.to_dict() for f in findings]})
    else:
        for finding in findings:
            click.echo(finding.line())
    checked = len(files) + (len(keys) if shows or not files else 0)
    say(f"{checked} feed(s) checked: {errors} error(s), {warnings} warning(s)")
    if errors:
        sys.exit(ExitStatus.ERROR)


@cli.command()
@click.argument("shows", nargs=-1)
@click.option("--to", "target", metavar="TARGET",
              help="A folder (relative to the project) or s3://bucket/prefix (default: storage.target, else public/).")
@click.option("--dry-run", is_flag=True, help="List what would change; build nothing, upload nothing.")
@click.option("--prune", is_flag=True,
              help="Delete published objects the build no longer has (after the new feeds are up).")
@click.option("--force", is_flag=True, help="Upload even when validate finds errors (not recommended).")
@pass_context
@handle_errors
def publish(ctx: Context, shows: tuple[str, ...], target: str | None, dry_run: bool, prune: bool,
            force: bool) -> None:
    """Build, then upload to the storage target: media first, feeds and the embed index last.

    Unchanged objects are skipped; nothing remote is deleted without --prune.

    Example: media-pub publish --to s3://my-bucket/podcasts --dry-run
    """
    from media_pub.build import build as run_build
    from media_pub.publish import publish as run_publish

    settings = ctx.settings(**{"storage.target": target})
    from media_pub.project.placeholders import refuse_for_real_target

    refuse_for_real_target(settings, shows)   # example values never go live: before any build
    if not dry_run:
        with ProgressDisplay(ctx.quiet) as progress:
            built = run_build(settings, shows, progress=progress)
        _warn_untracked(ctx, built)
        if built.failed:
            finish_build(built)   # exits: a failed build is never published
        say(f"Built {sum(len(s.episodes) for s in built.shows)} live episode(s) in {built.seconds:.1f}s.")
    from media_pub.checks import gate_publish, has_errors

    findings = gate_publish(settings, shows, force=force)   # a feed with errors: FeedError, nothing uploaded
    if not dry_run:
        from media_pub.checks.locate import in_project_terms

        findings = in_project_terms(findings, built.shows, settings.project)
    for finding in findings:
        click.echo(finding.line(), err=True)
    if has_errors(findings):
        click.echo("WARNING: --force: uploading feeds that fail validation; Apple or Spotify may reject them.",
                   err=True)
    with BytesBar(ctx.quiet) as bar:
        report = run_publish(settings, shows, dry_run=dry_run, prune=prune, progress=bar)
    if dry_run:
        for action in report.actions:
            size = f" ({action.size} bytes)" if action.kind == "upload" else ""
            click.echo(f"{action.kind:<7}{action.key}  [{action.reason}]{size}")
    for key in report.uploaded if not dry_run else ():
        log.debug("uploaded %s", key)
    for failure in report.failures:
        click.echo(f"Error: {failure.message}", err=True)
    if not dry_run and report.ok:
        from media_pub.websub import notify_hubs

        for note in notify_hubs(settings, built.shows, report.uploaded):
            if note.problem:
                click.echo(f"Warning: WebSub hub {note.hub} was not notified: {note.problem}; the feeds are "
                           "published and apps that poll will still find them", err=True)
            else:
                log.info("notified WebSub hub %s of %s", note.hub, ", ".join(note.topics))
    say(report.summary)
    if report.failures:
        sys.exit(report.exit_code)


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

    def __call__(self, sent: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Uploading", file=sys.stderr,
                                         show_pos=False, show_percent=True, width=30)
        self.bar.update(sent - self.bar.pos)
