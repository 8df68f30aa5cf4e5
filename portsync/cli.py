"""The command line: parse options, call the core, print, exit. The only module using click."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from portsync import __version__, runner
from portsync.records import Record

if TYPE_CHECKING:
    from portsync.registry.access import GitAccess
    from portsync.report import Output

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
_OUTPUTS = ("text", "json", "github")
# Options that may come before the command as well as after it, by parameter name.
_SHARED = ("registry", "quiet", "verbose")


class _Leading(Record):
    """``-r``, ``-q`` and ``-v`` given before the command, for the command to merge."""

    registry: str | None = None
    quiet: bool = False
    verbose: bool = False


class _Portsync(click.Group):
    """The command group: a bare ``portsync [OPTIONS]`` syncs; an unknown word is an error."""

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            raise click.UsageError(_no_such_command(name, self.list_commands(ctx)), ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click cuts summaries to the terminal width with "..."; wrap them whole instead.
        rows = [(name, cmd.get_short_help_str(limit=1000)) for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _no_such_command(name: str, commands: Sequence[str]) -> str:
    import difflib  # a typo's path only: 10 ms of imports

    near = difflib.get_close_matches(name, commands, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else f"; commands: {', '.join(commands)}"
    return f"no such command {name!r}{hint}"


def _color(stream: TextIO) -> bool:
    """Color on ``stream``? ``--no-color``, then NO_COLOR, then FORCE_COLOR, then a terminal."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    from portsync.entry import color_wanted  # the rule entry.py applies without click

    return color_wanted(stream)


def progress(items: Sequence[T], label: str) -> Iterable[T]:
    """``items`` as they are; with a bar on a terminal's stderr when there are many."""
    if not runner.wants_progress(len(items)):
        return items
    return _bar(items, label)


def _bar(items: Sequence[T], label: str) -> Iterator[T]:
    with click.progressbar(items, label=f"{label} {len(items)} files", file=sys.stderr,
                           show_pos=True) as bar:
        yield from bar


def _or_leading(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An option's value after the command, else the one given before it."""
    before = ctx.find_object(_Leading)
    return value or (getattr(before, param.name or "") if before is not None else value)


def _no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.color = False  # _color() asks the context first; subcommands inherit it


def _color_option(func: F) -> F:
    return click.option("--no-color", is_flag=True, expose_value=False, callback=_no_color,
                        help="Plain output even on a terminal (as does $NO_COLOR).")(func)


def _verbose_option(func: F) -> F:
    return click.option("-v", "--verbose", is_flag=True, callback=_or_leading,
                        help="Tracebacks for internal errors.")(func)


def _quiet_option(func: F) -> F:
    return click.option("-q", "--quiet", is_flag=True, callback=_or_leading,
                        help="Print only drift and errors.")(func)


def _registry_option(func: F) -> F:
    return click.option("-r", "--registry", "registry", metavar="PATH", callback=_or_leading,
                        help="ports.yaml to use (default: $PORTSYNC_REGISTRY, else the nearest "
                             "ports.yaml in this folder or above).")(func)


def _global_options(func: F) -> F:
    """-r, -q, -v and --no-color, which every place of a command line takes."""
    return _registry_option(_quiet_option(_verbose_option(_color_option(func))))


def _sync_options(func: F) -> F:
    """The options of `sync`, which a bare ``portsync`` takes too."""
    for option in reversed((
        click.option("--check", is_flag=True,
                     help="Write nothing; report drift and exit 1 if any."),
        click.option("--dry-run", is_flag=True, help="Write nothing; print the unified diff."),
        click.option("--env", "envs", multiple=True, metavar="NAME",
                     help="Only targets of this environment (repeatable)."),
        click.option("--format", "output", type=click.Choice(_OUTPUTS), default="text",
                     show_default=True, help="Output format."),
        click.option("--no-cache", is_flag=True,
                     help="--check without the cache of in-sync answers (neither read nor "
                          "written)."),
        click.option("--fetch", is_flag=True,
                     help="Fetch every git include again (a moved tag), even with --check."),
    )):
        func = option(func)
    return func


def _find(registry: str | None) -> Path:
    """The run's ports.yaml, by entry.py's rule."""
    from portsync.entry import registry_path

    return registry_path(registry)


def _guarded(verbose: bool, output: str, body: Callable[[], Output]) -> int:
    """Run a command body: PortsyncError -> exit 2, anything else -> exit 3 (a bug)."""
    return runner.guarded(verbose, output, body, _color)


@click.group(cls=_Portsync, invoke_without_command=True,
             subcommand_metavar="[COMMAND] [ARGS]...",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="portsync")
@_sync_options
@_global_options
@click.pass_context
def cli(ctx: click.Context, check: bool, dry_run: bool, envs: tuple[str, ...], output: str,
        no_cache: bool, fetch: bool, registry: str | None, quiet: bool, verbose: bool) -> None:
    """Keep every config file that repeats a port in sync with ports.yaml.

    Without a command, portsync runs `sync` with the options below. -r, -q, -v
    and --no-color may also come after a command; `portsync help COMMAND` shows
    a command's own options.
    """
    if ctx.invoked_subcommand is None:
        ctx.exit(_sync(check, dry_run, registry, envs, output, no_cache, quiet, verbose, fetch))
    command = cli.get_command(ctx, ctx.invoked_subcommand)
    accepted = {p.name for p in command.params} if command is not None else set()
    _check_leading(ctx, ctx.invoked_subcommand, accepted)
    ctx.obj = _Leading(registry, quiet, verbose)


def _check_leading(ctx: click.Context, name: str, accepted: Collection[str | None]) -> None:
    """Refuse an option before the command that the command does not take."""
    from click.core import ParameterSource

    for param in ctx.command.params:
        if param.name == "no_color" or \
                ctx.get_parameter_source(param.name or "") is not ParameterSource.COMMANDLINE:
            continue
        given = "/".join(param.opts)
        if param.name not in _SHARED:
            raise click.UsageError(f"{given} is an option of sync: before a command only -r, "
                                   "-q, -v and --no-color may come", ctx)
        if param.name not in accepted:
            raise click.UsageError(f"{given} does not apply to {name}", ctx)


def _sync(check: bool, dry_run: bool, registry: str | None, envs: tuple[str, ...],
          output: str, no_cache: bool, quiet: bool, verbose: bool, fetch: bool) -> int:
    """``portsync [sync]``: write, check or diff every target; the exit code.

    entry.py runs most such command lines itself, without click; these are the rest.
    """
    if check and dry_run:
        raise click.UsageError("--check and --dry-run exclude each other")
    from portsync.commands.sync import fix_command, sync_output
    from portsync.mode import Mode

    mode = Mode.from_flags(check=check, dry_run=dry_run, output=output, quiet=quiet,
                           verbose=verbose, envs=envs, fetch=fetch, cache_dir=_cache_dir())
    # --fetch must reach the network: the cache would answer without fetching.
    use_cache = check and not no_cache and not fetch
    return _guarded(verbose, output, lambda: sync_output(
        _find(registry), mode, fix_command(registry, envs), use_cache,
        None if quiet else progress))


def _cache_dir() -> str | None:
    """``$PORTSYNC_CACHE_DIR``, as entry.py reads it."""
    from portsync.entry import cache_dir

    return cache_dir()


def _git() -> GitAccess:
    """Git includes as every command but sync reads them: fetched when not cached yet."""
    from portsync.registry.access import GitAccess

    return GitAccess(cache_dir=_cache_dir())


@cli.command()
@_sync_options
@_global_options
@click.pass_context
def sync(ctx: click.Context, check: bool, dry_run: bool, envs: tuple[str, ...], output: str,
         no_cache: bool, fetch: bool, registry: str | None, quiet: bool, verbose: bool
         ) -> None:
    """Bring every target file in line with ports.yaml (the default command)."""
    ctx.exit(_sync(check, dry_run, registry, envs, output, no_cache, quiet, verbose, fetch))


@cli.command()
@_registry_option
@click.option("--format", "output", type=click.Choice(_OUTPUTS), default="text",
              show_default=True, help="Output format.")
@click.option("-q", "--quiet", is_flag=True, callback=_or_leading,
              help="Print only errors; the exit code says the rest.")
@_verbose_option
@_color_option
@click.pass_context
def validate(ctx: click.Context, registry: str | None, output: str, quiet: bool,
             verbose: bool) -> None:
    """Check ports.yaml only: schema, ranges, collisions."""
    from portsync.report import render_validation
    from portsync.sync import load

    def body() -> Output:
        path = _find(registry)
        return render_validation(path, load(path, _git()).registry, output, quiet)

    ctx.exit(_guarded(verbose, output, body))


@cli.command()
@_registry_option
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="Only this environment's column (repeatable).")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown", "json", "csv")),
              default="text", show_default=True, help="Output format.")
@_verbose_option
@_color_option
@click.pass_context
def table(ctx: click.Context, registry: str | None, envs: tuple[str, ...], fmt: str,
          verbose: bool) -> None:
    """Every service and named port per environment."""
    from portsync.commands.table import render_table
    from portsync.report import plain
    from portsync.sync import load

    def body() -> Output:
        return plain(render_table(load(_find(registry), _git()).table, envs, fmt))

    ctx.exit(_guarded(verbose, fmt, body))


@cli.command()
@click.argument("service")
@click.option("--group", metavar="RANGE",
              help="Take the port from this named range (default: 1024-65535 outside "
                   "every named range).")
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="The service runs only in this environment (repeatable; default: all).")
@click.option("--publish", is_flag=True,
              help="A port published on the host (default: container-only, publish: false).")
@click.option("--write", is_flag=True, help="Add the service to ports.yaml.")
@_registry_option
@click.option("-q", "--quiet", is_flag=True, callback=_or_leading,
              help="Print only the port (no explanation on stderr).")
@_verbose_option
@_color_option
@click.pass_context
def allocate(ctx: click.Context, service: str, group: str | None, envs: tuple[str, ...],
             publish: bool, write: bool, registry: str | None, quiet: bool,
             verbose: bool) -> None:
    """The lowest free port for a new SERVICE; exit 1 when the range is full."""
    from portsync.commands.allocate import run_allocate

    def body() -> Output:
        return run_allocate(_find(registry), service, group, envs, write, quiet, publish,
                            _git())

    ctx.exit(_guarded(verbose, "text", body))


@cli.command()
@_registry_option
@click.option("--env", "envs", multiple=True, metavar="NAME",
              help="Only this environment's ports (repeatable).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Output format.")
@_verbose_option
@_color_option
@click.pass_context
def status(ctx: click.Context, registry: str | None, envs: tuple[str, ...], fmt: str,
           verbose: bool) -> None:
    """Which registry ports are listening on this host now, and by which process."""
    from portsync.commands.status import render_status
    from portsync.commands.table import select_envs
    from portsync.report import plain
    from portsync.sync import load

    def body() -> Output:
        loaded = load(_find(registry), _git())
        select_envs(loaded.registry, envs)  # an unknown name is a usage error
        return plain(render_status(loaded.table, envs, fmt))

    ctx.exit(_guarded(verbose, fmt, body))


@cli.command()
@_verbose_option
@click.pass_context
def init(ctx: click.Context, verbose: bool) -> None:
    """Write a commented starter ports.yaml and templates/ here (never overwrites)."""
    from portsync.commands.init import init as write_starter
    from portsync.report import plain

    def body() -> Output:
        written = write_starter(Path.cwd())
        return plain([*(f"created {rel}" for rel in written),
                      "next: edit ports.yaml, then run `portsync validate` and `portsync`"])

    ctx.exit(_guarded(verbose, "text", body))


@cli.command()
@_verbose_option
@click.pass_context
def schema(ctx: click.Context, verbose: bool) -> None:
    """Print the JSON Schema of ports.yaml (for yaml-language-server and other editors)."""
    from portsync.commands.schema import schema_text
    from portsync.report import plain

    ctx.exit(_guarded(verbose, "text", lambda: plain([schema_text().rstrip("\n")])))


@cli.command()
@click.option("--strict", is_flag=True, help="Exit 1 while any mention is hard-coded.")
@_registry_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="Output format.")
@_verbose_option
@_color_option
@click.pass_context
def audit(ctx: click.Context, strict: bool, registry: str | None, fmt: str,
          verbose: bool) -> None:
    """Port mentions in tracked files that no target manages, and the coverage.

    Without a ports.yaml (none given, none here or above), every port mention
    counts as unmanaged: the baseline before `portsync import`.
    """
    from portsync.commands.audit import audit as run_audit
    from portsync.commands.audit import audit_baseline, render_audit
    from portsync.registry.finding import nearest_registry

    def body() -> Output:
        chosen = registry or os.environ.get("PORTSYNC_REGISTRY")
        found = _find(registry) if chosen else nearest_registry(Path.cwd())
        result = run_audit(found, _git()) if found else audit_baseline(Path.cwd())
        return render_audit(result, fmt, strict)

    ctx.exit(_guarded(verbose, fmt, body))


@cli.command("import")
@click.option("--write", is_flag=True, help="Write ports.yaml (never overwrites one).")
@click.option("-r", "--root", "root", metavar="PATH", default=".",
              help="The repository folder to read (default: this folder).")
@_verbose_option
@_color_option
@click.pass_context
def import_(ctx: click.Context, write: bool, root: str, verbose: bool) -> None:
    """Propose a ports.yaml for a repository that has none, from its config files."""
    from portsync.commands.importer import run_import

    def body() -> Output:
        return run_import(Path(root), write)

    ctx.exit(_guarded(verbose, "text", body))


@cli.command("help")
@click.argument("command", required=False)
@click.pass_context
def help_(ctx: click.Context, command: str | None) -> None:
    """Show portsync's help, or a COMMAND's."""
    group = ctx.find_root()
    if command is None:
        click.echo(group.get_help())
        return
    found = cli.get_command(group, command)
    if found is None:
        raise click.UsageError(_no_such_command(command, cli.list_commands(group)), group)
    click.echo(found.get_help(click.Context(found, info_name=command, parent=group)))


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of exiting.
        code = cli.main(args=args, prog_name="portsync", standalone_mode=False)
    except click.ClickException as err:
        # One line, like every other error, with where to look next.
        where = err.ctx.command_path if isinstance(err, click.UsageError) and err.ctx \
            else "portsync"
        click.echo(f"portsync: error: {err.format_message()} (see `{where} --help`)", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("portsync: aborted", err=True)
        return 130
    return code if isinstance(code, int) else 0

