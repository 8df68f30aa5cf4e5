"""Sandboxed Jinja2 rendering of value strings and template files (jinja2 imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portsync import sandbox
from portsync.errors import PortsyncError, TargetError

_MARKERS = ("{{", "{%", "{#")


def is_template(text: str) -> bool:
    """Whether a value needs Jinja at all (literals skip it, and its import)."""
    return any(m in text for m in _MARKERS)


class Renderer:
    """One sandboxed environment per run; each distinct template is compiled once."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self._env: Any = None
        self._compiled: dict[str, Any] = {}
        self._budget = sandbox.Budget()

    def _environment(self) -> Any:
        if self._env is None:
            self._env = sandbox.environment(self.templates_dir)
        return self._env

    def value(self, text: str, context: dict[str, Any], where: str, key: str) -> str:
        """Render one value string; a literal comes back unchanged."""
        if not is_template(text):
            return text
        template = self._compiled.get(text)
        if template is None:
            template = self._compile(lambda: self._environment().from_string(text), where, key)
            self._compiled[text] = template
        return self._run(template, context, where, key)

    def file(self, name: str, context: dict[str, Any], where: str, key: str) -> str:
        """Render a template file from the templates folder."""
        template = self._compiled.get("file:" + name)
        if template is None:
            template = self._compile(lambda: self._environment().get_template(name), where, key)
            self._compiled["file:" + name] = template
        return self._run(template, context, where, key)

    def _compile(self, make: Any, where: str, key: str) -> Any:
        from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

        try:
            return make()
        except TemplateNotFound as err:
            raise self._not_found(err, where, key) from err
        except TemplateSyntaxError as err:
            raise TargetError(f"template syntax error on line {err.lineno}: {err.message}",
                              where=where, key=key) from err
        except TemplateError as err:
            raise TargetError(f"template error: {err}", where=where, key=key) from err

    def _not_found(self, err: Any, where: str, key: str) -> TargetError:
        return TargetError(f"template {err.name!r} not found in {self.templates_dir.name}/",
                           where=where, key=key)

    def _run(self, template: Any, context: dict[str, Any], where: str, key: str) -> str:
        from jinja2 import TemplateError, TemplateNotFound
        from jinja2.exceptions import SecurityError

        try:
            return self._budget.render(template, context, self._env)
        except sandbox.Exceeded as err:
            raise TargetError(f"template stopped: {err}", where=where, key=key) from err
        except MemoryError as err:
            raise TargetError("template stopped: out of memory", where=where, key=key) from err
        except SecurityError as err:
            raise TargetError(f"template blocked by the sandbox: {err}",
                              where=where, key=key) from err
        except TemplateNotFound as err:  # {% include %} of a missing file, or one outside
            raise self._not_found(err, where, key) from err
        except TemplateError as err:
            raise TargetError(f"template error: {err}", where=where, key=key) from err
        except LookupError as err:
            message = err.args[0] if err.args else str(err)
            raise TargetError(str(message), where=where, key=key) from err
        except PortsyncError:
            raise
        except (TypeError, ValueError, ArithmeticError, OverflowError, RecursionError) as err:
            raise TargetError(f"template failed: {err}", where=where, key=key) from err
