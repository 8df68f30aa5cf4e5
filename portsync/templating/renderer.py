"""Sandboxed Jinja2 rendering of value strings and template files (jinja2 imported lazily).

An error names where the template text is (the value's place in ports.yaml, or
the template file and line) and the target it was rendered for.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from portsync.errors import PortsyncError, TargetError
from portsync.fsio import display_path
from portsync.templating import quickvalue


def is_template(text: str) -> bool:
    """Whether a value needs Jinja at all (literals skip it, and its import)."""
    return "{{" in text or "{%" in text or "{#" in text  # Jinja's three markers


class Renderer:
    """One sandboxed environment per run; each distinct template is compiled once."""

    def __init__(self, templates_dir: Path, root: Path) -> None:
        self.templates_dir = templates_dir
        self.root = root
        self._env: Any = None
        self._compiled: dict[str, Any] = {}
        self._lasting: dict[int, tuple[Any, int, int]] = {}  # sizes of the shared context

    def _environment(self) -> Any:
        if self._env is None:
            from portsync.templating import sandbox  # Jinja's: only when a value needs it

            self._env = sandbox.environment(self.templates_dir, self.root)
        return self._env

    def value(self, text: str, context: dict[str, Any], where: str, key: str,
              target: str | None = None) -> str:
        """Render one value string for ``target``; a literal comes back unchanged."""
        if not is_template(text):
            return text
        quick = quickvalue.render(text, context)  # the common one-call shapes, without Jinja
        if quick is not None:
            return quick
        spot = _Spot(where, key, target, self.root)
        template = self._compiled.get(text)
        if template is None:
            template = self._compile(lambda: self._environment().from_string(text), spot)
            self._compiled[text] = template
        return self._run(template, context, spot)

    def file(self, name: str, context: dict[str, Any], where: str, key: str,
             target: str | None = None) -> str:
        """Render a template file from the templates folder for ``target``."""
        spot = _Spot(where, key, target, self.root)
        template = self._compiled.get("file:" + name)
        if template is None:
            template = self._compile(lambda: self._environment().get_template(name), spot)
            self._compiled["file:" + name] = template
        return self._run(template, context, spot)

    def _compile(self, make: Any, spot: _Spot) -> Any:
        env = self._environment()  # first: it imports Jinja
        from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

        from portsync.templating import budget

        env.meter = budget.Meter()  # Jinja runs constant filters while it compiles
        try:
            return make()
        except TemplateNotFound as err:
            raise self._fail(f"template {err.name!r} not found in {self._folder()}", err,
                             spot) from err
        except TemplateSyntaxError as err:
            place = env.loader.names.get(err.filename or "")
            line = f"{place}:{err.lineno}" if place else None
            raise spot.error(f"template syntax error: {err.message}", line) from err
        except SyntaxError as err:  # Jinja's generated Python refused: f(name=1, name=2)
            raise spot.error(f"template syntax error: {err.msg}", None) from err
        except budget.Exceeded as err:
            raise spot.error(f"template stopped: {err}", None) from err
        except TemplateError as err:
            raise spot.error(f"template error: {err}", None) from err
        except PortsyncError as err:  # the loader refused a file
            raise spot.refusal(err) from err

    def _folder(self) -> str:
        return f"{self.templates_dir.name}/"

    def _render(self, template: Any, context: dict[str, Any]) -> str:
        """Render within the meter's bounds; the output is counted while it is produced."""
        from portsync.templating import budget

        env = self._env
        meter = env.meter = budget.Meter(lasting=self._lasting)
        for value in context.values():
            meter.remember(value)
        pieces, chars = [], 0
        for piece in template.generate(context):
            meter.step()
            chars += len(piece)
            if chars > budget.MAX_TEXT:
                raise budget.Exceeded(f"the output is over {budget.MAX_TEXT} characters")
            pieces.append(piece)
        return "".join(pieces)

    def _run(self, template: Any, context: dict[str, Any], spot: _Spot) -> str:
        from jinja2 import TemplateError, TemplateNotFound
        from jinja2.exceptions import SecurityError

        from portsync.templating import budget

        try:
            return self._render(template, context)
        except budget.Exceeded as err:
            raise self._fail(f"template stopped: {err}", err, spot) from err
        except MemoryError as err:
            raise self._fail("template stopped: out of memory", err, spot) from err
        except SecurityError as err:
            raise self._fail(f"template blocked by the sandbox: {err}", err, spot) from err
        except TemplateNotFound as err:  # {% include %} of a missing file
            raise self._fail(f"template {err.name!r} not found in {self._folder()}", err,
                             spot) from err
        except TemplateError as err:
            raise self._fail(f"template error: {err}", err, spot) from err
        except PortsyncError as err:  # the loader refused an included file
            raise spot.refusal(err) from err
        except LookupError as err:
            message = err.args[0] if err.args else str(err)
            raise self._fail(str(message), err, spot) from err
        except (TypeError, ValueError, ArithmeticError, RecursionError) as err:
            raise self._fail(f"template failed: {err}", err, spot) from err

    def _fail(self, message: str, err: BaseException, spot: _Spot) -> TargetError:
        names = self._env.loader.names if self._env is not None else {}
        return spot.error(message, _template_line(err.__traceback__, names))


class _Spot:
    """What a render was for: the value's place (or the target's), its key, the target file."""

    def __init__(self, where: str, key: str, target: str | None, root: Path) -> None:
        self.where, self.key, self.target, self.root = where, key, target, root

    def _for(self, in_file: bool) -> str:
        # The target as every other message names a file: from the current folder.
        parts = [f"rendering {display_path(self.root / self.target)}"] if self.target else []
        if in_file and self.key:
            parts.append(self.key)
        return f" ({', '.join(parts)})" if parts else ""

    def error(self, message: str, template_line: str | None) -> TargetError:
        """The error at the template file's line when known, else at the value in ports.yaml."""
        if template_line is not None:
            return TargetError(message + self._for(True), where=template_line)
        return TargetError(message + self._for(False), where=self.where, key=self.key)

    def refusal(self, err: PortsyncError) -> TargetError:
        """A loader refusal (a template leading outside), with what was being rendered."""
        return TargetError(err.message + self._for(True), where=err.where, key=err.key)


def _template_line(tb: TracebackType | None, names: dict[str, str]) -> str | None:
    """``FILE:LINE`` of the innermost template-file frame of a traceback, if any."""
    found = None
    while tb is not None:
        shown = names.get(tb.tb_frame.f_code.co_filename)
        if shown is not None:
            found = f"{shown}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
