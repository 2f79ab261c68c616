"""Option defaults read from the one place that defines them: a dataclass field, a function parameter, a dict.

A command's option that sets a settings field or a function parameter takes that field's (parameter's) default
rather than writing the value a second time; its help text shows the same value through :func:`shown`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any


def field_default(cls: type, name: str) -> Any:
    """The default of the dataclass ``cls``'s field ``name`` (a field without a plain default is an error)."""
    field = {f.name: f for f in dataclasses.fields(cls)}[name]
    if field.default is dataclasses.MISSING:
        raise TypeError(f"{cls.__name__}.{name} has no plain default")
    return field.default


def parameter_default(func: Callable[..., Any], name: str) -> Any:
    """The default of the parameter ``name`` of ``func`` (one without a default is an error)."""
    default = inspect.signature(func).parameters[name].default
    if default is inspect.Parameter.empty:
        raise TypeError(f"{func.__name__}'s {name} has no default")
    return default


def shown(value: Any) -> str:
    """A default as the help texts show it (``150``, ``0.25``, ``csv``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = ["field_default", "parameter_default", "shown"]
