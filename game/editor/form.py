"""The editor's form, described from the level schema (game/levels/schema.py), so a new field in the
schema appears in the editor with no editor code.

`describe(Level)` walks the pydantic models and returns `FieldSpec`s: for each field its key, title,
description, unit, range or length limit, choices, whether it may be left out, its default, and for
tables and lists what they hold. `parse_input(spec, text)` turns what was typed into the value stored in
the draft: a number typed as "12a" is kept as the text "12a", so the schema reports it in its own words
("should be a number") and the draft can still be kept.
"""
from __future__ import annotations

import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from game.levels.fields import num

# kinds: number, integer, text, prose (multi-line), bool, choice, table, list (of scalars), tables (list
# of tables), union (list of tables of several kinds, told apart by their "kind")
PROSE_MIN_LENGTH = 301            # text fields allowing this many characters get a multi-line box
UNIT_PATTERNS = (
    (r"in model seconds", "s (model)"), (r"in mM\b", "mM"), (r"in mg\b", "mg"), (r"in Hz\b", "Hz"),
    (r"\bin years\b|Age in years", "years"), (r"\(points\b", "points"), (r"relative (share|weight)", "relative"),
    (r"\(fraction\b|^Fraction of|as a fraction|this fraction", "fraction"),
    (r"\(count\b", "count"), (r"\(ratio\b", "ratio"), (r"\(index\b", "index"),
)


@dataclass
class FieldSpec:
    key: str
    title: str
    description: str
    kind: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False            # may be left out (None = use the default / the preset)
    required: bool = True             # must be present in the file
    default: Any = None
    children: list["FieldSpec"] = field(default_factory=list)   # table
    item: "FieldSpec | None" = None                              # list, tables
    variants: dict[str, list["FieldSpec"]] = field(default_factory=dict)   # union: kind -> fields

    @property
    def range_text(self) -> str:
        if self.kind in ("number", "integer") and self.minimum is not None and self.maximum is not None:
            return f"{num(self.minimum)}..{num(self.maximum)}" + (f" {self.unit}" if self.unit else "")
        if self.kind in ("text", "prose") and self.max_length:
            return f"up to {self.max_length} characters"
        if self.kind in ("list", "tables", "union") and self.max_length:
            return f"up to {self.max_length}"
        return ""

    @property
    def tooltip(self) -> str:
        return f"{self.title}: {self.description}"

    def child(self, key: str) -> "FieldSpec | None":
        return next((c for c in self.children if c.key == key), None)

    def variant_fields(self, kind: str) -> list["FieldSpec"]:
        return self.variants.get(kind, [])

    def new_item(self, kind: str | None = None, n: int = 1) -> Any:
        """A starting value for the n-th item of this list: defaults where there are any, numbered
        placeholders otherwise (the level maker replaces them; the schema shows what is still missing)."""
        spec = self.item
        if self.kind == "union":
            kind = kind or next(iter(self.variants))
            return {"kind": kind, **{c.key: _starter(c, n) for c in self.variants[kind]
                                     if c.key != "kind" and c.required}}
        if spec is None:
            return None
        return _starter(spec, n)


def _starter(spec: FieldSpec, n: int = 1) -> Any:
    """A starting value; `n` numbers texts so that the items of a new list differ (the schema asks that)."""
    if spec.default is not None:
        return spec.default
    if spec.kind == "number":
        lo = float(spec.minimum or 0.0)
        hi = float(spec.maximum if spec.maximum is not None else 1.0)
        if hi <= 1.0:
            return round(lo + 0.2 * (hi - lo), 3)
        return max(lo, 1.0) if lo > 0 else 0.0
    if spec.kind == "integer":
        return int(spec.minimum or 0)
    if spec.kind in ("text", "prose"):
        title = spec.title[:-1] if spec.title.endswith("s") and not spec.title.endswith("ss") else spec.title
        return f"{title} {n}"
    if spec.kind == "choice":
        return spec.choices[0] if spec.choices else ""
    if spec.kind == "bool":
        return False
    if spec.kind == "table":
        return {c.key: _starter(c, n) for c in spec.children if c.required}
    if spec.kind in ("list", "tables", "union"):
        return [_starter(spec.item, k + 1) if spec.item is not None else spec.new_item()
                for k in range(spec.min_length or 0)]
    return None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, whether None is allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) < len(typing.get_args(annotation)):
                optional = True
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, optional


def _limits(metadata: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, (Ge, Gt)):
            out["minimum"] = getattr(m, "ge", getattr(m, "gt", None))
        if isinstance(m, (Le, Lt)):
            out["maximum"] = getattr(m, "le", getattr(m, "lt", None))
        if isinstance(m, MinLen):
            out["min_length"] = m.min_length
        if isinstance(m, MaxLen):
            out["max_length"] = m.max_length
    return out


def _annotated_limits(annotation: Any) -> dict[str, Any]:
    """Limits carried by an Annotated item type (list items such as Hint, Phrase, Score)."""
    meta: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        for a in args[1:]:
            meta.extend(getattr(a, "metadata", [a]))
        annotation = args[0]
    return _limits(meta)


def unit_of(description: str) -> str:
    for pattern, unit in UNIT_PATTERNS:
        if re.search(pattern, description):
            return unit
    return ""


def _scalar(key: str, title: str, description: str, annotation: Any, limits: dict[str, Any]) -> FieldSpec:
    inner, _ = _unwrap(annotation)
    if typing.get_origin(inner) is typing.Literal:
        return FieldSpec(key, title, description, "choice", choices=tuple(str(a) for a in typing.get_args(inner)))
    if inner is bool:
        return FieldSpec(key, title, description, "bool")
    if inner is int:
        return FieldSpec(key, title, description, "integer", unit=unit_of(description), **limits)
    if inner is float:
        return FieldSpec(key, title, description, "number", unit=unit_of(description), **limits)
    if inner is str:
        kind = "prose" if (limits.get("max_length") or 0) >= PROSE_MIN_LENGTH else "text"
        return FieldSpec(key, title, description, kind, **limits)
    return FieldSpec(key, title, description, "text", **limits)


def _model_fields(model: type[BaseModel]) -> list[FieldSpec]:
    return [_field(name, info) for name, info in model.model_fields.items()]


def _field(name: str, info: Any) -> FieldSpec:
    title = info.title or name
    description = info.description or ""
    annotation, optional = _unwrap(info.annotation)
    limits = _limits(info.metadata)
    has_default = info.default is not PydanticUndefined or info.default_factory is not None
    default = None
    if info.default is not PydanticUndefined and info.default is not None and not isinstance(info.default, list):
        default = info.default
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        spec = FieldSpec(name, title, description, "table", children=_model_fields(annotation))
    elif typing.get_origin(annotation) is list:
        (item_type,) = typing.get_args(annotation)
        inner, _ = _unwrap(item_type)
        spec = FieldSpec(name, title, description, "list", **limits)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            spec.kind = "tables"
            spec.item = FieldSpec(name, inner.__doc__.split("\n")[0] if inner.__doc__ else title, "", "table",
                                  children=_model_fields(inner))
        elif typing.get_origin(inner) in (typing.Union, types.UnionType):
            spec.kind = "union"
            for member in typing.get_args(inner):
                kinds = typing.get_args(member.model_fields["kind"].annotation)
                spec.variants[str(kinds[0])] = _model_fields(member)
        else:
            spec.item = _scalar(name, title, description, item_type, _annotated_limits(item_type))
        if isinstance(info.default, list):
            default = list(info.default) or None
    else:
        spec = _scalar(name, title, description, annotation, limits)
    spec.optional = optional
    spec.required = not has_default
    spec.default = default
    return spec


def describe(model: type[BaseModel] | None = None) -> list[FieldSpec]:
    """The form of a level (or of any schema model): one FieldSpec per field, in the schema's order."""
    if model is None:
        from game.levels.schema import Level
        model = Level
    return _model_fields(model)


def parse_input(spec: FieldSpec, text: str) -> Any:
    """What a typed entry means for the draft: a number or whole number when it reads as one, None for an
    empty optional field (left out of the file), otherwise the text as typed (the schema then says what
    is wrong with it)."""
    t = text.strip()
    if spec.kind in ("number", "integer"):
        if t == "" and (spec.optional or not spec.required):
            return None
        try:
            if spec.kind == "integer" and re.fullmatch(r"[+-]?\d+", t):
                return int(t)
            value = float(t)
            if spec.kind == "number" and math.isfinite(value):
                return value
            if spec.kind == "integer" and math.isfinite(value):
                return value          # 3.5 for a whole number: the schema says "without a decimal point"
        except ValueError:
            pass
        return text
    if spec.kind == "bool":
        return t.lower() in ("true", "1", "yes", "on")
    if spec.kind in ("text", "prose") and t == "" and spec.optional:
        return None
    return text


def show_value(value: Any) -> str:
    """A value as shown in an entry box."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return num(value)
    return str(value)
