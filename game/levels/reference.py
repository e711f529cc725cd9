"""The field reference of docs/levels.md, generated from the level schema so it can never drift.

The hand-written parts of docs/levels.md (introduction, example, how to validate) stay as they are;
only the text between the two markers below is rewritten by `update_docs` (run by
`uv run python -m game.levels --write-schema`). A test checks it is up to date.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from game.levels.fields import num
from game.levels.schema import level_json_schema

_TYPES = {"number": "number", "integer": "whole number"}
# Tables that may be left out entirely (rather than filled with defaults).
_OPTIONAL_TABLES = {"mechanism"}
DOCS_PATH = Path(__file__).resolve().parents[2] / "docs" / "levels.md"
BEGIN = "<!-- BEGIN field reference (generated from game/levels/schema.py; do not edit by hand) -->"
END = "<!-- END field reference -->"


def reference_markdown() -> str:
    """One table per TOML section: each field with its type, limits, default and meaning."""
    schema = level_json_schema()
    defs = schema["$defs"]
    out: list[str] = []
    _section(out, "Top level", "", schema, defs)
    return "\n".join(out).rstrip() + "\n"


def update_docs(path: str | Path = DOCS_PATH) -> Path:
    """Rewrite the generated part of docs/levels.md (between BEGIN and END)."""
    target = Path(path)
    text = target.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    target.write_text(f"{head}{BEGIN}\n{reference_markdown()}{END}{tail}", encoding="utf-8")
    return target


def generated_part(path: str | Path = DOCS_PATH) -> str:
    """The generated part as it currently stands in the file."""
    text = Path(path).read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].removeprefix("\n")


# --- walking the schema ---------------------------------------------------------------------------------

def _section(out: list[str], heading: str, path: str, obj: dict[str, Any], defs: dict[str, Any]) -> None:
    required = set(obj.get("required", []))
    nested: list[tuple[str, str, dict[str, Any]]] = []
    out.append(f"### {heading}\n")
    if obj.get("description"):
        out.append(obj["description"] + "\n")
    out.append("| Field | Type | Limits | Default | Meaning |")
    out.append("|---|---|---|---|---|")
    for name, prop in obj["properties"].items():
        kind, limits, target = _describe(prop, defs)
        if name in required:
            default = "**required**"
        elif "default" in prop:
            default = _value(prop["default"])
        elif "$ref" in prop and name not in _OPTIONAL_TABLES:
            default = "(defaults)"
        else:
            default = "optional"
        out.append(f"| `{name}` | {kind} | {limits} | {default} | {_cell(prop.get('description', ''))} |")
        child = f"{path}.{name}" if path else name
        if target is not None:
            ref, is_list = target
            if isinstance(ref, list):  # quiz: one table per kind of question
                for sub in ref:
                    sub_obj = defs[sub]
                    tag = sub_obj["properties"]["kind"]["const"]
                    nested.append((f'`[[{child}]]` with `kind = "{tag}"`', child, sub_obj))
            else:
                header = f"`[[{child}]]`" if is_list else f"`[{child}]`"
                nested.append((header, child, defs[ref]))
    out.append("")
    for sub_heading, child, sub_obj in nested:
        _section(out, sub_heading, child, sub_obj, defs)


def _describe(prop: dict[str, Any], defs: dict[str, Any]) -> tuple[str, str, Any]:
    """(type, limits, nested table ref or None) of one property."""
    if "$ref" in prop:
        return "table", "", (_ref(prop["$ref"]), False)
    kind = prop.get("type")
    if kind == "array":
        item = prop.get("items", {})
        n = _range(prop.get("minItems"), prop.get("maxItems"), "items")
        if "$ref" in item:
            return "array of tables", n, (_ref(item["$ref"]), True)
        if "oneOf" in item:
            return "array of tables", n, ([_ref(o["$ref"]) for o in item["oneOf"]], True)
        inner, inner_limits, _ = _describe(item, defs)
        return f"array of {inner}", "; ".join(x for x in (n, inner_limits) if x), None
    if "enum" in prop or "const" in prop:
        names = prop.get("enum", [prop.get("const")])
        word = "name" if kind == "string" else _TYPES.get(kind, str(kind))
        return word, "one of " + ", ".join(_value(v) for v in names), None
    if kind in ("number", "integer"):
        return _TYPES[kind], _range(prop.get("minimum"), prop.get("maximum"), ""), None
    if kind == "string":
        limits = _range(prop.get("minLength"), prop.get("maxLength"), "characters")
        if "pattern" in prop:
            limits += "; lowercase letters, digits, hyphens"
        return "text", limits, None
    if kind == "boolean":
        return "true/false", "", None
    return str(kind), "", None


def _ref(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _range(low: Any, high: Any, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if low is not None and low == high:
        return f"exactly {num(low)}{suffix}"
    if low is not None and high is not None:
        return f"{num(low)} to {num(high)}{suffix}"
    if high is not None:
        return f"up to {num(high)}{suffix}"
    if low is not None:
        return f"at least {num(low)}{suffix}"
    return ""


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "`true`" if v else "`false`"
    if isinstance(v, str):
        return f'`"{v}"`'
    if isinstance(v, list):
        return "`[" + ", ".join(num(x) for x in v) + "]`" if v else "`[]`"
    if isinstance(v, dict):
        return "(see below)"
    return f"`{num(v)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
