"""The level editor scene, and its start screen.

The editing itself lives in game.editor (no pygame): this scene draws an `EditorSession` and turns input
into its edits. Form controls are pygame_gui's (text entries, multi-line boxes, drop-downs, sliders,
check boxes, a scrolling container, the file dialog, tool tips), themed by assets/editor-theme.json with
the game's palette and text size. The timeline, the patient and the force-vs-demand preview are drawn
with the game's own drawing code.

Keys: Ctrl+Z undo, Ctrl+Shift+Z or Ctrl+Y redo, Ctrl+S save, F5 test play, F6 check, Delete removes the
selected task (when no text field has the focus), Esc back.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import (
    UIButton,
    UICheckBox,
    UIDropDownMenu,
    UIHorizontalSlider,
    UILabel,
    UIScrollingContainer,
    UITextBox,
    UITextEntryBox,
    UITextEntryLine,
)
from pygame_gui.windows import UIFileDialog

from game.app.router import make
from game.app.scene import Pop, Push, Replace, Scene
from game.editor.custom import custom_dir, list_custom
from game.editor.document import DocumentError, is_campaign_file, path_key
from game.editor.form import FieldSpec, show_value
from game.editor.session import EditorSession
from game.editor.timeline import Box, Timeline, drug_windows, force_scale, time_label
from game.levels.loader import LEVELS_DIR
from game.ui.forms import Form, Item, draw_backdrop
from game.view import text as tx
from game.view.hud import patient_pose
from game.view.palette import Palette, mix
from game.view.patient import draw_patient

THEME_PATH = Path(__file__).resolve().parents[3] / "assets" / "editor-theme.json"
DOUBLE_CLICK_S = 0.45
TINY, SMALL, BODY, HEAD = 16, tx.SMALL, tx.BODY, tx.HEADING     # design sizes, as the game's text uses
COLLAPSE_OVER = 4                 # lists longer than this show one item's fields at a time
SLIDER_SPAN_MAX = 10.0            # number fields with a range this narrow get a slider beside the entry


def fitted(text: str, width: int, size: float, smallest: float = 13) -> tuple[str, float]:
    """(text, size) that fit in `width` px: a smaller size down to `smallest`, then a shortened text."""
    size = tx.fit_size(text, width, size, min_size=smallest)
    while len(text) > 4 and tx.text_size(text, size)[0] > width:
        text = text[:-4].rstrip() + "..."
    return text, size


def widget_h(size: float) -> int:
    """Height of a one-line control whose text has this design size (room for accents and descenders)."""
    return int(tx.scaled(size) * 1.5) + 8


# --- the theme ----------------------------------------------------------------------------------------

FONT_ELEMENTS = ("button", "label", "text_entry_line", "text_entry_box", "text_box", "drop_down_menu",
                 "selection_list", "window", "check_box", "horizontal_slider", "file_dialog", "scrolling_container")


def _hex(c) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c[:3])


def theme_dict(pal: Palette, path: Path = THEME_PATH) -> dict:
    """assets/editor-theme.json with the palette's colours, the game's font and the scaled text sizes."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    values = {f"${role}": _hex(colour) for role, colour in pal.colours.items()}
    values["$panel_hover"] = _hex(mix(pal.panel, pal.accent, 0.18))
    values["$accent_dark"] = _hex(mix(pal.accent, pal.background, 0.6))
    # the game's font file (game/view/text.py) at the game's em sizes, so both draw the same text alike
    font = getattr(tx, "_font_file", lambda bold: None)
    regular, bold = font(False), font(True)
    default = str(Path(pygame.__file__).with_name(pygame.font.get_default_font()))
    values["$font"] = regular or default
    values["$font_bold"] = bold or regular or default
    values["$size_body"] = str(tx.scaled(BODY))
    values["$size_small"] = str(tx.scaled(SMALL))
    values["$size_title"] = str(tx.scaled(HEAD))

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items() if not k.startswith("_")}
        if isinstance(node, str) and node.startswith("$"):
            return values.get(node, node)
        return node
    theme = fill(raw)
    # every kind of element gets the default font unless its block names one (pygame_gui would use its own)
    font = theme.get("defaults", {}).get("font")
    if font is not None:
        for element in FONT_ELEMENTS:
            theme.setdefault(element, {}).setdefault("font", dict(font))
    return theme


# --- the form: which widget edits which field -----------------------------------------------------------

@dataclass
class Binding:
    role: str                     # value, add, remove, up, down, add_table, remove_table, variant, section
    path: tuple = ()
    spec: FieldSpec | None = None
    index: int = 0
    extra: Any = None


def label_of(spec: FieldSpec) -> str:
    """A field's label: its title and unit ("Start [s]")."""
    unit = "s" if spec.unit == "s (model)" else spec.unit
    return spec.title + (f" [{unit}]" if unit else "")


def walk_specs(fields: list[FieldSpec]):
    """Every scalar field spec under these (tables, list items, quiz kinds), for measuring labels."""
    for f in fields:
        if f.kind == "table":
            yield from walk_specs(f.children)
        elif f.kind == "tables" and f.item is not None:
            yield from walk_specs(f.item.children)
        elif f.kind == "union":
            for kids in f.variants.values():
                yield from walk_specs(kids)
        elif f.kind not in ("list", "prose"):
            yield f


def _sections(form: list[FieldSpec]) -> list[tuple[str, list[FieldSpec]]]:
    """Form sections: the level's plain fields, its texts, then one per table or list (schema order)."""
    out: dict[str, list[FieldSpec]] = {}
    for f in form:
        if f.kind in ("table", "tables", "union"):
            out.setdefault(f.title, []).append(f)
        elif f.kind == "prose" or (f.kind == "list" and f.item is not None and f.item.kind == "text"):
            out.setdefault("Texts and hints", []).append(f)
        else:
            out.setdefault("Level", []).append(f)
    return list(out.items())


class FormView:
    """The fields of one section inside a scrolling container, rebuilt when the section's shape changes."""

    def __init__(self, scene: "EditorScene") -> None:
        self.scene = scene
        self.container: UIScrollingContainer | None = None
        self.bindings: dict[Any, Binding] = {}
        self.values: dict[str, Any] = {}          # path key -> the value widget
        self.y = 0
        self.placed: list[tuple[Any, int, int]] = []       # (element, x, y without the error lines above it)
        self.slots: list[tuple[int, tuple, int]] = []      # (y, path, indent): where a field's error goes
        self.error_labels: list[UITextBox] = []
        self.shown_errors: dict[int, str] = {}

    # -- building ---------------------------------------------------------------------------------------
    def build(self, rect: pygame.Rect, fields: list[FieldSpec]) -> None:
        s = self.scene
        old_scroll = None
        if self.container is not None:
            bar = self.container.vert_scroll_bar
            old_scroll = (bar.start_percentage, bar.scroll_position) if bar is not None else None
            self.container.kill()
        self.bindings, self.values = {}, {}
        self.placed, self.slots, self.error_labels, self.shown_errors = [], [], [], {}
        self.container = UIScrollingContainer(rect, s.ui, allow_scroll_x=False)
        self.width = rect.w - 22
        self.y = 6
        self.row_h = widget_h(BODY) + 4
        widest = max((tx.text_size(label_of(f), BODY)[0] for f in walk_specs(fields)), default=100)
        self.label_w = int(min(max(widest + 40, self.width * 0.3), self.width * 0.55))
        for spec in fields:
            self._field((spec.key,), spec, 0)
        self.placed = [(el, el.relative_rect.x, el.relative_rect.y) for el in self.container.get_container().elements]
        if s.session.doc.read_only:             # a campaign level: readable, not editable (Save as copy first)
            for el, b in self.bindings.items():
                if b.role != "open":               # looking at another item is still allowed
                    el.disable()
        self.relayout()
        bar = self.container.vert_scroll_bar
        if old_scroll is not None and bar is not None:
            bar.start_percentage, bar.scroll_position = old_scroll
            bar.target_scroll_position = old_scroll[1]
            bar.has_moved_recently = True

    def _bind(self, element: Any, binding: Binding) -> Any:
        self.bindings[element] = binding
        return element

    def _label(self, text: str, x: int, w: int, cls: str | None = None, h: int | None = None) -> UILabel:
        size = HEAD if cls == "@section" else SMALL if cls == "@field_error" else BODY
        text = tx.safe_text(text)
        while len(text) > 4 and tx.text_size(text, size)[0] > w - 8:      # one line: shorten, never overflow
            text = text[:-4].rstrip() + "..."
        return UILabel(pygame.Rect(x, self.y, w, h or self.row_h), text, self.scene.ui,
                       container=self.container, object_id=ObjectID(class_id=cls) if cls else None)

    def _button(self, text: str, x: int, w: int, binding: Binding, tip: str = "") -> UIButton:
        b = UIButton(pygame.Rect(x, self.y + 2, w, self.row_h - 4), text, self.scene.ui, container=self.container,
                     tool_tip_text=tip or None, object_id=ObjectID(class_id="@small_button"))
        return self._bind(b, binding)

    def _error(self, path: tuple, indent: int) -> None:
        """Where this field's (or item's) error line goes when it has one (see relayout)."""
        self.slots.append((self.y, path, indent))

    def relayout(self) -> None:
        """Show the current errors under their fields: open a gap under each field with an error (moving the
        rows below), write the schema's message in it, and give invalid entries a red border. Cheap: the
        widgets are moved, not made again, so typing never waits for a rebuild."""
        s = self.scene.session
        errors: dict[int, str] = {}
        gaps: list[tuple[int, int]] = []
        for i, (y, path, indent) in enumerate(self.slots):
            msg = s.error_at(path)
            if msg:
                errors[i] = msg
                lines = tx.wrap_lines("! " + msg, SMALL, self.width - indent - 36)
                gaps.append((y, max(1, len(lines)) * (tx.line_height(SMALL) + 3) + 8))
        if errors == self.shown_errors and self.error_labels is not None and self.placed:
            return
        self.shown_errors = errors
        for label in self.error_labels:
            label.kill()
        self.error_labels = []

        def shift(y: int, inclusive: bool = True) -> int:
            return sum(h for gy, h in gaps if (gy <= y if inclusive else gy < y))
        for el, x, y in self.placed:
            target = (x, y + shift(y))
            if (el.relative_rect.x, el.relative_rect.y) != target:
                el.set_relative_position(target)
        hs = dict(gaps)
        for i, msg in errors.items():
            y, path, indent = self.slots[i]
            top = y + shift(y, inclusive=False)
            label = UITextBox(html.escape(tx.safe_text("! " + msg)),
                              pygame.Rect(indent + 8, top, self.width - indent - 8, hs[y]), self.scene.ui,
                              container=self.container, object_id=ObjectID(class_id="@field_error"))
            self.error_labels.append(label)
        invalid = {path_key(self.slots[i][1]) for i in errors}
        for key, el in self.values.items():
            if isinstance(el, (UITextEntryLine, UITextEntryBox, UIDropDownMenu)) and not key.endswith("#slider"):
                want = "@invalid" if key in invalid else None
                have = el.class_id if hasattr(el, "class_id") else None
                if want != have and hasattr(el, "change_object_id"):
                    el.change_object_id(ObjectID(class_id=want) if want else None)
        self.container.set_scrollable_area_dimensions((self.width, self.y + shift(self.y) + 40))

    def _field(self, path: tuple, spec: FieldSpec, indent: int) -> None:
        if spec.kind == "table":
            self._table(path, spec, indent)
        elif spec.kind in ("tables", "union"):
            self._tables(path, spec, indent)
        elif spec.kind == "list":
            self._list(path, spec, indent)
        else:
            self._scalar(path, spec, indent, label_of(spec))

    def _heading(self, text: str, indent: int) -> None:
        self._label(text, indent, self.width - indent, "@section", tx.line_height(HEAD) + 12)
        self.y += tx.line_height(HEAD) + 12

    def _table(self, path: tuple, spec: FieldSpec, indent: int) -> None:
        s = self.scene
        present = s.session.doc.has(path)
        if indent == 0 or spec.optional:
            self._label(spec.title, indent, self.width - indent - 110, "@item_head")
            if spec.optional:
                if present:
                    self._button("Remove", self.width - 100, 96, Binding("remove_table", path, spec),
                                 f"Leave {spec.title.lower()} out: {spec.description}")
                else:
                    self._button("Add", self.width - 100, 96, Binding("add_table", path, spec), spec.description)
            self.y += self.row_h
        self._error(path, indent)
        if spec.optional and not present:
            return
        for child in spec.children:
            self._field((*path, child.key), child, indent + (14 if indent or spec.optional else 0))

    def _item_tools(self, path: tuple, i: int, n: int) -> None:
        w = tx.line_height(SMALL) * 2 + 8
        x = self.width - 3 * (w + 4)
        self._button("Up", x, w, Binding("up", path, index=i), "Move up")
        self._button("Dn", x + w + 4, w, Binding("down", path, index=i), "Move down")
        self._button("X", x + 2 * (w + 4), w, Binding("remove", path, index=i), "Remove")

    def _tables(self, path: tuple, spec: FieldSpec, indent: int) -> None:
        s = self.scene
        items = s.session.get(path, [])
        items = items if isinstance(items, list) else []
        self._error(path, indent)
        collapsed = len(items) > COLLAPSE_OVER
        open_i = s.open_items.get(path_key(path), 0) if collapsed else None
        for i, item in enumerate(items):
            item = item if isinstance(item, dict) else {}
            name = item.get("name") or item.get("question") or item.get("text") or item.get("kind") \
                or item.get("drug") or item.get("left") or ""
            head = f"{i + 1}. {str(name)[:48]}"
            w = tx.line_height(SMALL) * 2 + 8
            if collapsed and i != open_i:          # long lists: one line per item, the open one in full
                bad = bool(s.session.errors_under((*path, i)))
                ow = tx.text_size("Edit", SMALL)[0] + 24
                self._label(("! " if bad else "") + head, indent, self.width - indent - 3 * (w + 4) - ow - 8,
                            "@field_error" if bad else "@item_head")
                self._button("Edit", self.width - 3 * (w + 4) - ow - 4, ow, Binding("open", path, index=i),
                             "Show this item's fields")
                self._item_tools(path, i, len(items))
                self.y += self.row_h
                continue
            if spec.kind == "union":
                kinds = list(spec.variants)
                kind = str(item.get("kind", kinds[0]))
                self._label(head, indent, self.width - indent - 3 * (w + 4) - 130, "@item_head")
                dd = UIDropDownMenu(kinds if kind in kinds else kinds + [kind], kind,
                                    pygame.Rect(self.width - 3 * (w + 4) - 124, self.y + 1, 118, self.row_h - 2),
                                    s.ui, container=self.container)
                self._bind(dd, Binding("variant", (*path, i), spec))
                children = spec.variant_fields(kind)
            else:
                self._label(head, indent, self.width - indent - 3 * (w + 4), "@item_head")
                children = spec.item.children if spec.item else []
            self._item_tools(path, i, len(items))
            self.y += self.row_h
            self._error((*path, i), indent + 14)
            for child in children:
                if child.key == "kind" and spec.kind == "union":
                    continue
                self._field((*path, i, child.key), child, indent + 14)
            self.y += 4
        if spec.kind == "union":
            x = indent
            for kind in spec.variants:
                self._button(f"+ {kind}", x, 110, Binding("add", path, spec, extra=kind),
                             f"Add a {kind} question. {spec.description}")
                x += 116
        else:
            self._button(f"+ Add ({spec.title})", indent, min(self.width - indent, 280), Binding("add", path, spec),
                         spec.description)
        self.y += self.row_h + 6

    def _list(self, path: tuple, spec: FieldSpec, indent: int) -> None:
        s = self.scene
        self._label(spec.title + (f" ({spec.range_text})" if spec.range_text else ""), indent,
                    self.width - indent, "@item_head")
        self.y += self.row_h
        self._error(path, indent)
        items = s.session.get(path, None)
        if items is None and spec.default is not None:
            items = spec.default
        items = items if isinstance(items, list) else []
        item_spec = spec.item or FieldSpec(spec.key, spec.title, spec.description, "text")
        for i, _ in enumerate(items):
            self._scalar((*path, i), item_spec, indent + 14, f"{i + 1}.", tools=(path, i, len(items)),
                         tip=spec.tooltip)
        self._button("+ Add", indent + 14, 120, Binding("add", path, spec), spec.description)
        self.y += self.row_h + 4

    def _scalar(self, path: tuple, spec: FieldSpec, indent: int, label: str, tools=None, tip: str = "") -> None:
        s = self.scene
        ui = s.ui
        key = path_key(path)
        value = s.session.get(path, None)
        tip = tip or (spec.tooltip + (f" Range: {spec.range_text}." if spec.range_text else "")
                      + (" Leave empty to leave it out." if spec.optional else ""))
        label_w = self.label_w - indent if tools is None else tx.text_size("99.", BODY)[0] + 16
        tools_w = 3 * (tx.line_height(SMALL) * 2 + 12) if tools else 0
        x = indent + label_w
        w = self.width - x - tools_w - 4
        oid = None                                 # relayout() gives invalid fields their red border
        if spec.kind == "prose":
            self._label(label, indent, self.width - indent, h=self.row_h)
            self.y += self.row_h
            h = 5 * (tx.line_height(BODY) + 4)
            box = UITextEntryBox(pygame.Rect(indent, self.y, self.width - indent, h), show_value(value), ui,
                                 container=self.container, object_id=oid)
            box.set_tooltip(tip)
            self._bind(box, Binding("value", path, spec))
            self.values[key] = box
            self.y += h + 4
            self._error(path, indent)
            return
        lab = self._label(label, indent, label_w - 6)
        lab.set_tooltip(tip)
        rect = pygame.Rect(x, self.y + 1, w, self.row_h - 2)
        if spec.kind == "choice":
            opts = list(spec.choices)
            current = str(value) if value is not None else ""
            if current not in opts:
                opts = ([current] if current else ["(choose)"]) + opts
                current = current or "(choose)"
            el = UIDropDownMenu(opts, current, rect, ui, container=self.container, object_id=oid,
                                expansion_height_limit=max(120, s.size[1] // 2))
        elif spec.kind == "bool":
            shown = value if isinstance(value, bool) else bool(spec.default)
            side = max(18, min(self.row_h - 8, tx.scaled(BODY) + 6))
            el = UICheckBox(pygame.Rect(x, self.y + (self.row_h - side) // 2, side, side), "", ui,
                            container=self.container, initial_state=shown, tool_tip_text=tip)
        else:
            slider = (spec.kind == "number" and spec.minimum is not None and spec.maximum is not None
                      and spec.maximum - spec.minimum <= SLIDER_SPAN_MAX and w > 220)
            ew = w // 2 if slider else w
            el = UITextEntryLine(pygame.Rect(x, self.y + 1, ew, self.row_h - 2), ui, container=self.container,
                                 object_id=oid, initial_text=show_value(value),
                                 placeholder_text=(show_value(spec.default) + " (default)") if spec.default is not None
                                 else spec.range_text or "")
            if slider:
                v = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (spec.default or spec.minimum)
                v = min(max(float(v), spec.minimum), spec.maximum)
                sl = UIHorizontalSlider(pygame.Rect(x + ew + 6, self.y + 3, w - ew - 6, self.row_h - 6), v,
                                        (spec.minimum, spec.maximum), ui, container=self.container,
                                        click_increment=(spec.maximum - spec.minimum) / 20)
                sl.set_tooltip(tip)
                self._bind(sl, Binding("slider", path, spec))
                self.values[key + "#slider"] = sl
        el.set_tooltip(tip)
        self._bind(el, Binding("value", path, spec))
        self.values[key] = el
        if tools:
            self._item_tools(tools[0], tools[1], tools[2])
        self.y += self.row_h
        self._error(path, indent)

    # -- keeping widgets in step with the document (undo, redo, timeline drags) ---------------------------
    def sync(self, focused_too: bool = False) -> None:
        """Show the document's values in the widgets; the field being typed into keeps its text unless
        `focused_too` (after an undo or redo, which changed what it shows)."""
        s = self.scene
        for key, el in self.values.items():
            b = self.bindings.get(el)
            if b is None:
                continue
            value = s.session.get(b.path, None)
            if isinstance(el, (UITextEntryLine, UITextEntryBox)):
                if (focused_too or not el.is_focused) and el.get_text() != show_value(value):
                    el.set_text(show_value(value))
            elif isinstance(el, UIHorizontalSlider):
                if isinstance(value, (int, float)) and not isinstance(value, bool) and b.spec is not None:
                    v = min(max(float(value), b.spec.minimum), b.spec.maximum)
                    if abs(el.get_current_value() - v) > 1e-9:
                        el.set_current_value(v, warn=False)
            elif isinstance(el, UICheckBox):
                shown = value if isinstance(value, bool) else bool(b.spec.default if b.spec else False)
                if el.is_checked != shown:
                    el.set_state(shown) if hasattr(el, "set_state") else None

    def focused_path(self) -> str | None:
        for el, b in self.bindings.items():
            if getattr(el, "is_focused", False) and b.role == "value":
                return path_key(b.path)
        return None

    def refocus(self, key: str | None) -> None:
        if key is None:
            return
        el = self.values.get(key)
        if el is not None and hasattr(el, "focus"):
            self.scene.ui.set_focus_set(el)
            el.focus()

    def kill(self) -> None:
        if self.container is not None:
            self.container.kill()
            self.container = None


# --- the scene ------------------------------------------------------------------------------------------

class EditorScene(Scene):
    name = "editor"

    def __init__(self, ctx, path: str | Path | None = None, *, copy_of: str | Path | None = None,
                 session: EditorSession | None = None) -> None:
        super().__init__(ctx)
        if session is None:
            session = EditorSession.open(path, copy_of=copy_of)
        self.session = session
        self.form_specs = session.form
        self.sections = _sections(self.form_specs)
        self.section = 0
        self.size = ctx.window.size
        self.ui: pygame_gui.UIManager | None = None
        self.view: FormView | None = None
        self.top_buttons: dict[Any, str] = {}
        self.section_buttons: dict[Any, int] = {}
        self.offer_buttons: dict[Any, str] = {}
        self.file_dialog: UIFileDialog | None = None
        self.dialog_purpose = ""
        self.seen_revision = -1
        self.clock_s = 0.0
        self.rects: dict[str, pygame.Rect] = {}
        self.selected: int | None = None
        self.open_items: dict[str, int] = {}       # list path -> the item whose fields a long list shows
        self.sync_focused = False
        self.drag: dict | None = None
        self.last_click = (-10.0, (0, 0))
        self.cursor_t: float | None = None
        self.palette_name = ""
        self.text_scale = 0.0
        self.status = ""
        if session.doc.read_only:
            session.say("A campaign level opens read-only: Save as copy keeps your changes in your own "
                        "levels folder.", "warn")
        if session.draft_offer is not None:
            session.say(f"Unsaved work from {session.draft_offer.when} was found: restore it?", "warn")

    # -- layout and the UI manager ---------------------------------------------------------------------
    def resize(self, size: tuple[int, int]) -> None:
        if (self.ui is not None and tuple(size) == tuple(self.size) and self.palette_name == self.ctx.settings.palette
                and abs(self.text_scale - tx.get_text_scale()) < 1e-9):
            return                      # back from a test play, same window: keep the widgets (and focus)
        self.size = size
        self._build_ui()

    def _layout(self) -> None:
        w, h = self.size
        pad = 8
        bar_h = widget_h(BODY) + 8
        status_h = tx.line_height(SMALL) + 12
        form_w = max(340, min(int(w * 0.44), 760))
        sec_rows = self._section_rows(form_w - 2 * pad)
        sec_h = len(sec_rows) * (widget_h(SMALL) + 4) + 4
        R = self.rects
        R["bar"] = pygame.Rect(0, 0, w, bar_h)
        R["sections"] = pygame.Rect(pad, bar_h + 4, form_w - 2 * pad, sec_h)
        R["form"] = pygame.Rect(pad, bar_h + 6 + sec_h, form_w - pad, h - bar_h - sec_h - status_h - 12)
        rx = form_w + pad
        rw = w - rx - pad
        top = bar_h + 6
        avail = h - top - status_h - 8
        R["offer"] = pygame.Rect(rx, top, rw, 0)
        if self.session.draft_offer is not None:
            R["offer"].h = widget_h(BODY) + 4
            top += R["offer"].h + 6
            avail -= R["offer"].h + 6
        tl_h = int(avail * 0.34)
        R["timeline"] = pygame.Rect(rx, top, rw, tl_h)
        pv_h = int(avail * 0.40)
        pat_w = min(int(rw * 0.3), pv_h)
        R["patient"] = pygame.Rect(rx, top + tl_h + 6, pat_w, pv_h)
        R["chart"] = pygame.Rect(rx + pat_w + 6, top + tl_h + 6, rw - pat_w - 6, pv_h)
        R["check"] = pygame.Rect(rx, top + tl_h + pv_h + 12, rw, avail - tl_h - pv_h - 12)
        R["status"] = pygame.Rect(0, h - status_h, w, status_h)
        self._sec_rows = sec_rows

    def _section_label(self, i: int) -> str:
        name, fields = self.sections[i]
        n = sum(len(self.session.errors_under((f.key,))) for f in fields)
        return f"{name} !{n}" if n else name

    def _section_rows(self, width: int) -> list[list[tuple[int, int]]]:
        rows: list[list[tuple[int, int]]] = [[]]
        x = 0
        for i in range(len(self.sections)):
            bw = tx.text_size(self.sections[i][0] + " !99", SMALL)[0] + 14   # room for a problem count
            if x + bw > width and rows[-1]:
                rows.append([])
                x = 0
            rows[-1].append((i, bw))
            x += bw + 4
        return rows

    def _build_ui(self) -> None:
        pal = self.ctx.palette
        self.palette_name = self.ctx.settings.palette
        self.text_scale = tx.get_text_scale()
        focus = self.view.focused_path() if self.view is not None else None
        if self.view is not None:
            self.view.kill()
        self.ui = pygame_gui.UIManager(self.size, theme_dict(pal), enable_live_theme_updates=False)
        self._layout()
        R = self.rects
        self.top_buttons = {}
        x = 8
        bh = R["bar"].h - 8
        s = self.session
        labels = [("new", "New", "Start a new level (the current one is kept as a draft)"),
                  ("open", "Open...", "Open a level file"),
                  ("save", "Save", "Save (Ctrl+S); campaign levels: Save as copy"),
                  ("copy", "Save as copy", "Save into your custom levels folder under a new name"),
                  ("saveas", "Save as...", "Choose the file to save to"),
                  ("undo", "Undo", "Ctrl+Z"), ("redo", "Redo", "Ctrl+Shift+Z or Ctrl+Y"),
                  ("play", "Test play (F5)", "Play the draft in the real play screen; Esc comes back"),
                  ("check", "Check (F6)", "The bot plays seeds 1-5 (and once without treatments); an idle player too"),
                  ("back", "Back", "Back to the menu (Esc); unsaved work stays as a draft")]
        for key, text, tip in labels:
            bw = tx.text_size(text, BODY)[0] + 20
            if x + bw > self.size[0] - 8:
                break
            b = UIButton(pygame.Rect(x, 4, bw, bh), text, self.ui, tool_tip_text=tip,
                         object_id=ObjectID(class_id="@primary") if key in ("play", "check") else None)
            self.top_buttons[b] = key
            x += bw + 4
        self._build_sections()
        self.offer_buttons = {}
        if s.draft_offer is not None:
            o = R["offer"]
            b1 = UIButton(pygame.Rect(o.right - 250, o.y + 2, 120, o.h - 4), "Restore draft", self.ui)
            b2 = UIButton(pygame.Rect(o.right - 124, o.y + 2, 120, o.h - 4), "Discard", self.ui)
            self.offer_buttons = {b1: "restore", b2: "discard"}
        self.view = FormView(self)
        self._rebuild_form(focus)

    def _build_sections(self) -> None:
        """The row of section buttons (made again when the section changes)."""
        for b in self.section_buttons:
            b.kill()
        self.section_buttons = {}
        R = self.rects
        y = R["sections"].y
        for row in self._sec_rows:
            x = R["sections"].x
            for i, bw in row:
                b = UIButton(pygame.Rect(x, y, bw, widget_h(SMALL)), self._section_label(i), self.ui,
                             object_id=ObjectID(class_id="@small_button"),
                             tool_tip_text=" ".join(f.title for f in self.sections[i][1]))
                if i == self.section:
                    b.select()
                self.section_buttons[b] = i
                x += bw + 4
            y += widget_h(SMALL) + 4

    def show_section(self, index: int) -> None:
        """Show another section of the form."""
        self.section = index
        self._build_sections()
        self._rebuild_form()

    def _rebuild_form(self, focus: str | None = None) -> None:
        """The current section's fields made again (after a change of shape: an item added, removed...)."""
        if focus is None and self.view is not None and self.view.container is not None:
            focus = self.view.focused_path()
        self.view.build(self.rects["form"], self.sections[self.section][1])
        self.view.refocus(focus)
        self._update_section_labels()
        self.seen_revision = self.session.revision
        self.seen_shape = self.shape_of(self.sections[self.section][1])

    def _update_section_labels(self) -> None:
        for b, i in self.section_buttons.items():
            label = self._section_label(i)
            if b.text != label:
                b.set_text(label)

    def shape_of(self, fields: list[FieldSpec]) -> Any:
        """What forces a rebuild of the section: list lengths, quiz kinds, optional tables present."""
        s = self.session
        out = []

        def walk(path: tuple, spec: FieldSpec) -> None:
            if spec.kind == "table":
                out.append((path_key(path), s.doc.has(path)))
                for c in spec.children:
                    walk((*path, c.key), c)
            elif spec.kind in ("tables", "union", "list"):
                items = s.get(path, [])
                items = items if isinstance(items, list) else []
                out.append((path_key(path), len(items)))
                for i, it in enumerate(items):
                    if spec.kind == "union" and isinstance(it, dict):
                        kind = str(it.get("kind"))
                        out.append((path_key((*path, i)), kind))
                        for c in spec.variant_fields(kind):
                            walk((*path, i, c.key), c)
                    elif spec.kind == "tables" and spec.item is not None:
                        for c in spec.item.children:
                            walk((*path, i, c.key), c)
        for f in fields:
            walk((f.key,), f)
        out.append(("read-only", s.doc.read_only))
        keys = {f.key for f in fields}
        out.extend(sorted((k, v) for k, v in self.open_items.items() if k.split(".")[0] in keys))
        return tuple(out)

    # -- lifecycle -------------------------------------------------------------------------------------
    def enter(self) -> None:
        if self.ui is None or self.palette_name != self.ctx.settings.palette \
                or abs(self.text_scale - tx.get_text_scale()) > 1e-9:
            self._build_ui()

    def resumed(self, result: Any):
        if isinstance(result, tuple) and result and result[0] == "tested":
            summary = result[1]
            if summary is not None:
                self.session.say(f"Test play: {'won' if summary.won else 'lost'}, score {summary.score:.0f}, "
                                 f"{summary.stars} star(s) - {summary.reason}", "ok" if summary.won else "warn")
            else:
                self.session.say("Back from the test play; everything is as you left it.")
        self.session._preview_rev = -1     # the preview reran nothing while away: start it again
        return None

    def close(self) -> None:
        if not self.closed:
            self.session.close()
            if self.view is not None:
                self.view.kill()
        super().close()

    def autosave(self) -> None:
        self.session.autosave()

    # -- actions ---------------------------------------------------------------------------------------
    def action(self, key: str):
        s = self.session
        if key == "undo":
            s.undo()
            self.sync_focused = True
        elif key == "redo":
            s.redo()
            self.sync_focused = True
        elif key == "save":
            if s.doc.read_only:
                s.save_copy()
            elif s.doc.path is None:
                s.save(s.default_save_path())
            else:
                s.save()
        elif key == "copy":
            s.save_copy()
        elif key == "saveas":
            self._file_dialog("save", "Save the level as")
        elif key == "open":
            self._file_dialog("open", "Open a level file")
        elif key == "new":
            s.close()
            return Replace(EditorScene(self.ctx))
        elif key == "play":
            return self.test_play()
        elif key == "check":
            self.start_check()
        elif key == "back":
            return Pop()
        return None

    def _file_dialog(self, purpose: str, title: str) -> None:
        folder = custom_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = Path.cwd()
        start = self.session.doc.path or (folder / "my-level.toml")
        w, h = self.size
        self.file_dialog = UIFileDialog(pygame.Rect(w // 2 - min(w - 40, 560) // 2, 60, min(w - 40, 560),
                                                    min(h - 100, 440)), self.ui, window_title=title,
                                        initial_file_path=str(start), allow_existing_files_only=purpose == "open",
                                        allowed_suffixes={".toml"})
        self.dialog_purpose = purpose

    def start_check(self) -> None:
        self.session.start_check()

    def test_play(self):
        s = self.session
        level = s.level
        if level is None:
            s.say("Test play needs a valid level: fix the fields marked in red first.", "warn")
            return None
        s.stop_runs()
        s.autosave()
        play = make("play", self.ctx, level, self.ctx.seed, level_path=str(s.doc.path) if s.doc.path else None)
        return Push(TestPlayScene(self.ctx, play))

    # -- input -----------------------------------------------------------------------------------------
    def _text_focused(self) -> bool:
        if self.view is None:
            return False
        return any(getattr(el, "is_focused", False) and isinstance(el, (UITextEntryLine, UITextEntryBox))
                   for el in self.view.bindings)

    def handle(self, event: pygame.event.Event):
        s = self.session
        if event.type == pygame.KEYDOWN:
            ctrl = event.mod & pygame.KMOD_CTRL
            shift = event.mod & pygame.KMOD_SHIFT
            if ctrl and event.key == pygame.K_z:
                return self.action("redo" if shift else "undo")
            if ctrl and event.key == pygame.K_y:
                return self.action("redo")
            if ctrl and event.key == pygame.K_s:
                return self.action("save")
            if event.key == pygame.K_F5:
                return self.test_play()
            if event.key == pygame.K_F6:
                self.start_check()
                return None
            if event.key == pygame.K_ESCAPE:
                if self.file_dialog is not None and self.file_dialog.alive():
                    self.file_dialog.kill()
                    self.file_dialog = None
                    return None
                if self._text_focused():
                    self.ui.set_focus_set(None)
                    s.history.seal()
                    return None
                return Pop()
            if event.key == pygame.K_DELETE and not self._text_focused() and self.selected is not None:
                if self.selected < len(s.tasks()):
                    s.remove_item(("demand",), self.selected)
                    s.say(f"Task {self.selected + 1} removed (Ctrl+Z brings it back).")
                self.selected = None
                return None
        if self.ui is not None and self.ui.process_events(event):
            return None
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            return self._button(event.ui_element)
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED:
            b = self.view.bindings.get(event.ui_element) if self.view else None
            if b is not None and b.role == "value" and b.spec is not None:
                s.type_into(b.path, b.spec, event.ui_element.get_text())
            return None
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            b = self.view.bindings.get(event.ui_element) if self.view else None
            if b is None:
                return None
            if b.role == "variant":
                old = s.get(b.path, {})
                new = b.spec.new_item(event.text)
                if isinstance(old, dict) and old.get("question"):
                    new["question"] = old["question"]
                s.set(b.path, new)
            elif b.role == "value" and event.text != "(choose)":
                s.set(b.path, event.text)
            s.history.seal()
            return None
        if event.type in (pygame_gui.UI_CHECK_BOX_CHECKED, pygame_gui.UI_CHECK_BOX_UNCHECKED):
            b = self.view.bindings.get(event.ui_element) if self.view else None
            if b is not None:
                s.set(b.path, event.type == pygame_gui.UI_CHECK_BOX_CHECKED)
                s.history.seal()
            return None
        if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED:
            b = self.view.bindings.get(event.ui_element) if self.view else None
            if b is not None and b.spec is not None:
                v = round(float(event.value), 3)
                s.set(b.path, int(v) if b.spec.kind == "integer" else v)
                entry = self.view.values.get(path_key(b.path))
                if isinstance(entry, UITextEntryLine):
                    entry.set_text(show_value(s.get(b.path)))
            return None
        if event.type == pygame_gui.UI_FILE_DIALOG_PATH_PICKED:
            return self._picked(Path(event.text))
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self._mouse_down(event.pos)
        if event.type == pygame.MOUSEMOTION:
            self._mouse_move(event.pos)
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self._mouse_up()
        return None

    def _button(self, el):
        s = self.session
        if el in self.top_buttons:
            return self.action(self.top_buttons[el])
        if el in self.section_buttons:
            s.history.seal()
            self.section = self.section_buttons[el]
            self._build_sections()
            self._rebuild_form()
            return None
        if el in self.offer_buttons:
            if self.offer_buttons[el] == "restore":
                s.restore_draft()
            else:
                s.discard_offer()
                s.say("Draft discarded.")
            self._build_ui()
            return None
        b = self.view.bindings.get(el) if self.view else None
        if b is None:
            return None
        s.history.seal()
        if b.role == "open":
            self.open_items[path_key(b.path)] = b.index
            if b.path == ("demand",):
                self.selected = b.index
            self._rebuild_if_reshaped()
            return None
        if b.role == "add":
            self.open_items[path_key(b.path)] = s.doc.list_len(b.path)       # the new item opens
            if b.spec is not None and b.spec.kind == "list" and not s.doc.has(b.path) and b.spec.default:
                s.set(b.path, list(b.spec.default))        # start from the default list (star thresholds)
            s.add_item(b.path, b.spec, kind=b.extra)
        elif b.role == "remove":
            s.remove_item(b.path, b.index)
        elif b.role == "up" and b.index > 0:
            s.move_item(b.path, b.index, b.index - 1)
        elif b.role == "down":
            n = s.doc.list_len(b.path)
            if b.index < n - 1:
                s.move_item(b.path, b.index, b.index + 1)
        elif b.role == "add_table" and b.spec is not None:
            s.set(b.path, {c.key: c.default if c.default is not None else 0.0
                           for c in b.spec.children if c.kind in ("number", "integer")} or {})
        elif b.role == "remove_table":
            s.set(b.path, None)
        return None

    def _picked(self, path: Path):
        s = self.session
        self.file_dialog = None
        if self.dialog_purpose == "open":
            try:
                fresh = EditorSession.open(path)
            except DocumentError as e:
                s.say(str(e), "danger")
                return None
            s.close()
            return Replace(EditorScene(self.ctx, session=fresh))
        if path.suffix != ".toml":
            path = path.with_suffix(".toml")
        if is_campaign_file(path):
            s.say("Campaign levels are never overwritten: use Save as copy.", "danger")
            return None
        s.save(path, overwrite=True)
        return None

    # -- the timeline (mouse) --------------------------------------------------------------------------
    def timeline(self) -> Timeline:
        r = self.rects["timeline"]
        label_h = tx.line_height(TINY) + 8
        lanes = max(1, len(drug_windows(self.session.doc.data())))
        bottom = lanes * (tx.line_height(TINY) + 6) + label_h
        tasks = self.session.tasks()
        top = force_scale(*(float(t.get("force_fraction", 0) or 0) for t in tasks
                            if isinstance(t.get("force_fraction"), (int, float))))
        if self.drag is not None:
            top = self.drag.get("force_max", top)          # the scale stays put while a bar is dragged
        return Timeline(Box(r.x + 8, r.y + tx.line_height(SMALL) + 10, r.w - 16,
                            max(20, r.h - tx.line_height(SMALL) - 14 - bottom)), self.session.duration_s(), top)

    def _mouse_down(self, pos):
        s = self.session
        tlr = self.rects.get("timeline")
        if tlr is None or not tlr.collidepoint(pos):
            return None
        tl = self.timeline()
        tasks = s.tasks()
        hit = tl.hit(tasks, *pos)
        t_now = self.clock_s
        last_t, last_pos = self.last_click
        double = t_now - last_t <= DOUBLE_CLICK_S and abs(pos[0] - last_pos[0]) <= 6 and abs(pos[1] - last_pos[1]) <= 6
        self.last_click = (t_now, pos)
        if hit is None:
            self.selected = None
            if double and tl.box.contains(*pos) and not s.doc.read_only:
                t = tl.snap(tl.t_of(pos[0]))
                i = s.add_task(t, force=round(tl.force_of(pos[1]), 2) or 0.2)
                self.selected = i
                self.open_items["demand"] = i
                s.say(f"Task {i + 1} added at {time_label(t)}; drag it, or fill in its fields.")
                self._focus_task_section()
            return None
        i, part = hit
        self.selected = i
        self.open_items["demand"] = i
        if s.doc.read_only:
            s.say("A campaign level is read-only: Save as copy first to change it.", "warn")
            return None
        s.history.seal()
        s.history.begin(f"{'move' if part == 'move' else 'resize'} task {i + 1}")
        self.drag = {"index": i, "part": part, "start": pos, "task": dict(tasks[i]), "force_max": tl.force_max}
        return None

    def _focus_task_section(self) -> None:
        for i, (name, fields) in enumerate(self.sections):
            if any(f.key == "demand" for f in fields) and i != self.section:
                self.section = i
                self._build_sections()
                self._rebuild_form()

    def _mouse_move(self, pos) -> None:
        tlr = self.rects.get("timeline")
        chart = self.rects.get("chart")
        if self.drag is not None:
            d = self.drag
            tl = self.timeline()
            values = tl.drag(d["task"], d["part"], pos[0] - d["start"][0], pos[1] - d["start"][1])
            for k, v in values.items():
                self.session.set(("demand", d["index"], k), v)
            return
        for r in (tlr, chart):
            if r is not None and r.collidepoint(pos):
                tl = self.timeline() if r is tlr else self._chart_timeline()
                self.cursor_t = max(0.0, min(self.session.duration_s(), tl.t_of(pos[0])))
                return

    def _mouse_up(self) -> None:
        if self.drag is not None:
            self.drag = None
            self.session.history.end()
        self._rebuild_if_reshaped()

    def _rebuild_if_reshaped(self) -> None:
        """Make the form again if what it shows changed shape (another task opened, an item added...)."""
        if self.view is not None and self.shape_of(self.sections[self.section][1]) != self.seen_shape:
            self._rebuild_form()

    # -- per frame -------------------------------------------------------------------------------------
    def update(self, frame_s: float):
        self.clock_s += frame_s
        s = self.session
        s.tick(self.clock_s)
        if self.ui is None:
            self._build_ui()
        if s.revision != self.seen_revision and self.drag is None:
            self.seen_revision = s.revision
            shape = self.shape_of(self.sections[self.section][1])
            if shape != self.seen_shape:
                self._rebuild_form()
            else:
                self.view.sync(focused_too=self.sync_focused)
                self.view.relayout()
                self._update_section_labels()
            self.sync_focused = False
        self.ui.update(frame_s)
        return None

    # -- drawing ---------------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        pal = self.ctx.palette
        s = self.session
        surface.fill(pal.background)
        R = self.rects
        pygame.draw.rect(surface, pal.panel, R["bar"])
        name = s.doc.path.name if s.doc.path else "new level (not saved yet)"
        flags = " - read-only campaign level" if s.doc.read_only else (" - unsaved changes" if s.doc.dirty else "")
        free = self._bar_free()
        caption = f"{s.title}  ({name}{flags})"
        while len(caption) > 8 and tx.text_size(caption, TINY)[0] > free:
            caption = caption[:-4] + "..."
        if len(caption) > 8:
            tx.draw_text(surface, caption, (R["bar"].right - 8, R["bar"].centery), TINY, pal.text_dim,
                         anchor="midright", shadow=False)
        if s.draft_offer is not None and R["offer"].h:
            o = R["offer"]
            pygame.draw.rect(surface, mix(pal.warn, pal.background, 0.8), o, border_radius=4)
            tx.draw_text(surface, f"Unsaved work from {s.draft_offer.when} was found.", (o.x + 8, o.centery), SMALL,
                         pal.text, anchor="midleft", shadow=False)
        self._draw_timeline(surface, pal)
        self._draw_patient(surface, pal)
        self._draw_chart(surface, pal)
        self._draw_check(surface, pal)
        st = R["status"]
        pygame.draw.rect(surface, pal.panel, st)
        problems = s.problems
        if problems:
            text, colour = f"{len(problems)} problem(s) - not a valid level yet: {problems[0]}", pal.danger
        else:
            text, colour = "Valid level. F5 test play, F6 check, Ctrl+S save.", pal.ok
        if s.messages:
            m = s.messages[-1]
            text = m.text + "    |    " + text
            colour = {"ok": pal.ok, "warn": pal.warn, "danger": pal.danger}.get(m.level, pal.text)
        text = tx.safe_text(text)[:240]
        while len(text) > 20 and tx.text_size(text, SMALL)[0] > st.w - 16:
            text = text[:-12] + "..."
        tx.draw_text(surface, text, (8, st.centery), SMALL, colour, anchor="midleft", shadow=False)
        self.ui.draw_ui(surface)

    def _bar_free(self) -> int:
        right = max((b.rect.right for b in self.top_buttons), default=0)
        return self.size[0] - right - 24

    def _panel(self, surface, pal, rect: pygame.Rect, title: str) -> None:
        pygame.draw.rect(surface, pal.panel, rect, border_radius=6)
        pygame.draw.rect(surface, pal.panel_edge, rect, 1, border_radius=6)
        title, size = fitted(title, rect.w - 16, SMALL)
        tx.draw_text(surface, title, (rect.x + 8, rect.y + 4), size, pal.text, anchor="topleft", shadow=False)

    def _draw_timeline(self, surface, pal) -> None:
        s = self.session
        r = self.rects["timeline"]
        self._panel(surface, pal, r, "Timeline")
        hint = "drag: move  -  edges: resize  -  top: force  -  double-click: add  -  Delete: remove"
        if tx.text_size(hint, TINY)[0] < r.w - tx.text_size("Timeline", SMALL)[0] - 40:
            tx.draw_text(surface, hint, (r.right - 8, r.y + 6), TINY, pal.text_dim, anchor="topright", shadow=False)
        tl = self.timeline()
        b = tl.box
        box = pygame.Rect(b.x, b.y, b.w, b.h)
        pygame.draw.rect(surface, pal.background, box)
        self._force_grid(surface, pal, tl, box)
        for t, label in tl.ticks():
            x = int(tl.x_of(t))
            pygame.draw.line(surface, pal.grid, (x, box.y), (x, box.bottom))
            if x + tx.text_size(label, TINY)[0] + 2 <= box.right:
                tx.draw_text(surface, label, (x + 2, box.bottom + 2), TINY, pal.text_dim, anchor="topleft",
                             shadow=False)
        # tutorial messages at a time
        tut = s.get(("tutorial",), [])
        for step in tut if isinstance(tut, list) else []:
            at = step.get("at_s") if isinstance(step, dict) else None
            if isinstance(at, (int, float)) and not isinstance(at, bool):
                x = int(tl.x_of(float(at)))
                pygame.draw.line(surface, pal.accent, (x, box.y), (x, box.y + 8), 2)
        errors = {p.location.split(".")[1] for p in s.problems if p.location.startswith("demand.")
                  and len(p.location.split(".")) > 1}
        for i, task in enumerate(s.tasks()):
            bar = tl.bar(task)
            if bar.right > box.right + 1:       # (partly) after the end of the level: mark it at the edge
                y = max(box.y + 6, min(bar.y, box.bottom - 6))
                pygame.draw.polygon(surface, pal.danger, [(box.right - 1, y - 6), (box.right - 1, y + 6),
                                                          (box.right - 9, y)])
            rect = pygame.Rect(bar.x, bar.y, bar.w, bar.h).clip(box.inflate(0, 2))
            colour = pal.danger if str(i) in errors else pal.demand
            fill = mix(colour, pal.background, 0.55 if i != self.selected else 0.25)
            pygame.draw.rect(surface, fill, rect)
            pygame.draw.rect(surface, colour, rect, 2 if i == self.selected else 1)
            pygame.draw.line(surface, pal.highlight if i == self.selected else colour, (rect.x, bar.y),
                             (rect.right - 1, bar.y), 3)
            if rect.w > 30:
                name = str(task.get("name", ""))
                tx.draw_text(surface, name[: max(1, rect.w // max(1, tx.scaled(7)))], (rect.x + 3, max(box.y, bar.y - 2)),
                             12, pal.text, anchor="bottomleft", shadow=False)
        if self.cursor_t is not None:
            x = int(tl.x_of(self.cursor_t))
            pygame.draw.line(surface, pal.highlight, (x, box.y), (x, box.bottom), 1)
        # start doses and the windows in which the level's drugs act
        y = box.bottom + tx.line_height(TINY) + 8
        for label, t0, t1, what in drug_windows(s.doc.data()):
            x0, x1 = int(tl.x_of(t0)), int(tl.x_of(min(t1, tl.duration_s)))
            lane = pygame.Rect(x0, y, max(2, x1 - x0), tx.line_height(TINY) + 2)
            colour = pal.ache if what == "start" else pal.accent
            pygame.draw.rect(surface, mix(colour, pal.background, 0.72), lane, border_radius=3)
            lx = box.x + 4 if what != "start" else max(box.x, x0) + 4
            label, size = fitted(label, box.right - lx, TINY)
            tx.draw_text(surface, label, (lx, lane.centery), size, pal.text, anchor="midleft", shadow=False)
            y += tx.line_height(TINY) + 6

    def _force_grid(self, surface, pal, tl: Timeline, box: pygame.Rect) -> None:
        """Horizontal lines at quarters of the force axis, labelled as fractions of maximal force."""
        for k in range(1, 5):
            f = tl.force_max * k / 4
            y = int(tl.y_of(f))
            pygame.draw.line(surface, pal.grid, (box.x, y), (box.right, y))
            tx.draw_text(surface, f"{f:.2f}".rstrip("0").rstrip("."), (box.x + 2, y + 1), TINY, pal.text_dim, anchor="topleft", shadow=False)

    def _chart_timeline(self) -> Timeline:
        r = self.rects["chart"]
        top = r.y + tx.line_height(SMALL) + 12
        p = self.session.last_preview
        scale = force_scale(*(p.force + p.demand)) if p is not None and p.t_s else 1.0
        return Timeline(Box(r.x + 10, top, r.w - 20, r.bottom - top - tx.line_height(TINY) - 12),
                        self.session.duration_s(), scale)

    def _draw_chart(self, surface, pal) -> None:
        s = self.session
        r = self.rects["chart"]
        self._panel(surface, pal, r, "Untreated patient: force (line) against the demand (orange)")
        tl = self._chart_timeline()
        b = tl.box
        box = pygame.Rect(b.x, b.y, b.w, b.h)
        pygame.draw.rect(surface, pal.background, box)
        self._force_grid(surface, pal, tl, box)
        p = s.last_preview
        running = s.preview.running
        if s.level is None:
            tx.draw_text(surface, "Fix the problems in red to see the preview.", box.center, SMALL, pal.text_dim,
                         anchor="center", shadow=False)
        elif s.preview.error:
            tx.draw_wrapped(surface, f"The preview failed: {s.preview.error}", box.inflate(-16, -16), SMALL,
                            pal.danger)
        if p is not None and p.t_s and s.level is not None:
            scale = tl.duration_s / p.duration_s if p.duration_s > 0 else 1.0
            dem = [(tl.x_of(t * scale), tl.y_of(d)) for t, d in zip(p.t_s, p.demand)]
            step = []
            for (x, y), (x2, _) in zip(dem, dem[1:] + dem[-1:]):
                step += [(x, y), (x2, y)]
            if len(step) > 1:
                pygame.draw.lines(surface, pal.demand, False, step, 2)
            pts = [(tl.x_of(t * scale), tl.y_of(f)) for t, f in zip(p.t_s, p.force)]
            if len(pts) > 1:
                pygame.draw.lines(surface, mix(pal.force, pal.background, 0.5) if running else pal.force, False, pts, 2)
            cap, size = fitted(f"Untreated, with a healthy effort, the patient meets {100 * p.demand_met:.0f}% "
                               "of the demand", box.w, TINY)
            tx.draw_text(surface, cap, (box.x, box.bottom + 4), size, pal.text_dim, anchor="topleft", shadow=False)
        if running:
            bar = pygame.Rect(box.x + box.w // 4, box.centery - 8, box.w // 2, 16)
            pygame.draw.rect(surface, pal.panel, bar, border_radius=4)
            fill = bar.copy()
            fill.w = int(bar.w * max(0.0, min(1.0, s.preview.progress)))
            pygame.draw.rect(surface, pal.accent, fill, border_radius=4)
            pygame.draw.rect(surface, pal.panel_edge, bar, 1, border_radius=4)
            tx.draw_text(surface, "computing the preview...", (bar.centerx, bar.y - 2), TINY, pal.text,
                         anchor="midbottom", shadow=False)
        if self.cursor_t is not None:
            x = int(tl.x_of(self.cursor_t))
            pygame.draw.line(surface, pal.highlight, (x, box.y), (x, box.bottom), 1)

    def _patient_time(self) -> float | None:
        p = self.session.last_preview
        if self.cursor_t is not None:
            return self.cursor_t
        if p is None or not p.t_s:
            return None
        # by default: the moment the untreated patient falls furthest short
        worst = min((i for i in range(len(p.t_s)) if p.demand[i] > 0),
                    key=lambda i: p.force[i] / p.demand[i], default=None)
        return p.t_s[worst] if worst is not None else None

    def _draw_patient(self, surface, pal) -> None:
        s = self.session
        r = self.rects["patient"]
        self._panel(surface, pal, r, "Patient")
        t = self._patient_time()
        force, demand = (s.last_preview.at(t) if (s.last_preview and t is not None) else (0.0, 0.0))
        group = s.get(("muscle_group",), "limb")
        inner = pygame.Rect(r.x + 4, r.y + tx.line_height(SMALL) + 10, r.w - 8, r.h - tx.line_height(SMALL) - 14 - tx.line_height(TINY) - 6)
        draw_patient(surface, inner, pal, **patient_pose(str(group), force, demand), backdrop=False)
        name = str(s.get(("patient", "name"), ""))
        cap = f"{name} at {time_label(t)}: force {force:.2f}, need {demand:.2f}" if t is not None else name
        cap, size = fitted(cap, r.w - 8, TINY)
        tx.draw_text(surface, cap, (r.centerx, r.bottom - 4), size, pal.text_dim, anchor="midbottom", shadow=False)

    def _draw_check(self, surface, pal) -> None:
        s = self.session
        r = self.rects["check"]
        if r.h < 30:
            return
        self._panel(surface, pal, r, "Check (F6): the bot at seeds 1-5, without treatments, and an idle player")
        y = r.y + tx.line_height(SMALL) + 12
        x = r.x + 10
        w = r.w - 20
        if s.check.running:
            bar = pygame.Rect(x, y, w, 14)
            pygame.draw.rect(surface, pal.background, bar, border_radius=4)
            fill = bar.copy()
            fill.w = int(bar.w * max(0.0, min(1.0, s.check.progress)))
            pygame.draw.rect(surface, pal.accent, fill, border_radius=4)
            y += 20
            tx.draw_text(surface, f"playing: {s.check.label} ({100 * s.check.progress:.0f}%)", (x, y), TINY, pal.text,
                         anchor="topleft", shadow=False)
            y += tx.line_height(TINY) + 2
        report = s.last_check
        if s.check.error:
            tx.draw_text(surface, f"The check failed: {s.check.error}", (x, y), TINY, pal.danger, anchor="topleft",
                         shadow=False)
        if report is None:
            if not s.check.running:
                tx.draw_wrapped(surface, "Press F6 to let the bot play the draft five times and see whether it can "
                                "be won, how hard it is, and what a player who does nothing gets.",
                                pygame.Rect(x, y, w, r.bottom - y - 4), TINY, pal.text_dim)
            return
        for line in report.warnings:
            if y > r.bottom - tx.line_height(TINY):
                break
            y += tx.draw_wrapped(surface, "Warning: " + line, pygame.Rect(x, y, w, r.bottom - y), TINY, pal.warn) + 2
        for res, line in zip(report.results, report.lines()):
            if y > r.bottom - tx.line_height(TINY):
                break
            tx.draw_text(surface, line, (x, y), TINY, pal.ok if res.won else pal.danger, anchor="topleft", shadow=False)
            y += tx.line_height(TINY) + 1


class TestPlayScene(Scene):
    """Wraps the real play scene for a test play from the editor: Esc (or the end of the level) comes back
    to the editor, which kept everything (undo history included) while it waited below on the stack."""

    name = "test-play"

    def __init__(self, ctx, play: Scene) -> None:
        super().__init__(ctx)
        self.play = play

    def resize(self, size) -> None:
        self.play.resize(size)

    def enter(self) -> None:
        self.play.enter()

    def close(self) -> None:
        if not self.play.closed:
            self.play.close()
        super().close()

    def _back(self):
        run = getattr(self.play, "run", None)
        summary = run.summary() if run is not None and run.finished else None
        return Pop(("tested", summary))

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return self._back()
        return self._wrap(self.play.handle(event))

    def update(self, frame_s: float):
        return self._wrap(self.play.update(frame_s))

    def _wrap(self, tr):
        if isinstance(tr, Replace):          # the level ended (the play scene would show its debrief)
            if not tr.scene.closed:
                tr.scene.close()
            return self._back()
        return tr

    def resumed(self, result):
        return self._wrap(self.play.resumed(result))

    def draw(self, surface) -> None:
        self.play.draw(surface)
        tx.draw_text(surface, "TEST PLAY - Esc: back to the editor", (surface.get_width() // 2, 4), TINY,
                     self.ctx.palette.warn, anchor="midtop")


class EditorStartScene(Scene):
    """Level editor: a new level from the template, a custom level, or a copy of a campaign level."""

    name = "editor-start"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.mode = "main"
        self.form = self._main()

    def _main(self) -> Form:
        return Form([
            Item("New level (from the template)", on_activate=lambda: Push(EditorScene(self.ctx)),
                 help="A small valid level to start from: a patient, three tasks, a tablet and a quiz question."),
            Item("Open a custom level", on_activate=lambda: self._switch("custom"),
                 help="Your own levels, kept in the levels folder of your data folder."),
            Item("Copy a campaign level", on_activate=lambda: self._switch("campaign"),
                 help="Start from one of the campaign's levels (the original stays as it is)."),
            Item("Back", on_activate=lambda: Pop(), help="Back to the menu."),
        ], "Level editor", width=620)

    def _switch(self, mode: str):
        self.mode = mode
        items: list[Item] = []
        if mode == "custom":
            for c in list_custom():
                path = c.path
                items.append(Item(c.title, on_activate=lambda p=path: Push(EditorScene(self.ctx, p)),
                                  detail="valid" if c.valid else "has problems", accent=None if c.valid else "warn",
                                  help=str(path) if c.valid else (c.problems[0] if c.problems else str(path))))
            if not items:
                items.append(Item("No custom levels yet", kind="info", help=f"They are kept in {custom_dir()}."))
        else:
            for p in sorted(LEVELS_DIR.glob("[0-9][0-9]-*.toml")):
                items.append(Item(p.stem, on_activate=lambda p=p: Push(EditorScene(self.ctx, copy_of=p)),
                                  help=f"A new level copied from {p.name}."))
        items.append(Item("Back", on_activate=lambda: self._switch_main(), help="Back."))
        self.form = Form(items, "Open a custom level" if mode == "custom" else "Copy a campaign level", width=700)
        self.resize(self.ctx.window.size)
        return None

    def _switch_main(self):
        self.mode = "main"
        self.form = self._main()
        self.resize(self.ctx.window.size)
        return None

    def enter(self) -> None:
        if self.mode == "custom":
            self._switch("custom")

    def resize(self, size) -> None:
        self.form.set_area(pygame.Rect(0, 100, size[0], size[1] - 120))

    def handle(self, event):
        r = self.form.handle(event)
        if r == "back":
            return self._switch_main() if self.mode != "main" else Pop()
        return r

    def draw(self, surface) -> None:
        pal = self.ctx.palette
        draw_backdrop(surface, pal, "Endplate", "Level editor")
        self.form.draw(surface, pal)
