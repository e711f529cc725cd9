"""The level file format: shipped levels, one-line error messages, round trip, schema/docs freshness, fuzz."""
from __future__ import annotations

import copy
import io
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.levels import (
    LEVELS_DIR,
    SCHEMA_PATH,
    Level,
    LevelError,
    Problem,
    level_from_data,
    level_to_toml,
    load_level,
    load_levels,
    parse_level_text,
    run_validate,
    save_level,
)
from game.levels.reference import DOCS_PATH, generated_part, reference_markdown
from game.levels.validate import schema_text
from game.sim.spec import DRUGS, DemandTask, WorldSpec
from game.sim.world import check_spec

PTOSIS = Path(__file__).parent / "data" / "example-ptosis.toml"  # a fixture whose lines the tests edit
LAB = LEVELS_DIR / "lab.toml"
SHIPPED = sorted(LEVELS_DIR.glob("*.toml"))


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LevelError) as caught:
        load_level(path)
    lines = [str(p) for p in caught.value.problems]
    assert str(caught.value) == "\n".join(lines)
    return lines


def one_problem(path: Path) -> str:
    lines = problems_of(path)
    assert len(lines) == 1, lines
    return lines[0]


def edited(tmp_path: Path, old: str, new: str, name: str = "level.toml") -> Path:
    """The ptosis level with one line changed, written to tmp_path."""
    text = PTOSIS.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def docs_example() -> str:
    match = re.search(r"```toml\n(.*?)```", DOCS_PATH.read_text(encoding="utf-8"), re.S)
    assert match
    return match.group(1)


# --- shipped levels ----------------------------------------------------------------------------------

def test_shipped_levels_exist_and_validate() -> None:
    assert "lab.toml" in {p.name for p in SHIPPED}
    assert len([p for p in SHIPPED if p.name[:2].isdigit()]) >= 10  # the campaign
    for path in SHIPPED:
        assert isinstance(load_level(path), Level)


def test_validate_command_accepts_the_levels_folder() -> None:
    out = io.StringIO()
    assert run_validate([str(LEVELS_DIR)], out=out) == 0
    assert out.getvalue().splitlines() == [f"OK {p}" for p in SHIPPED]


def test_lab_is_a_generous_healthy_sandbox() -> None:
    lab = load_level(LAB)
    assert lab.order == 0 and lab.patient.condition == "healthy"
    assert {t.kind for t in lab.treatments} >= set(DRUGS)
    assert lab.controls.fire and lab.controls.train and lab.controls.release and lab.controls.rest
    assert not lab.lose.myasthenic_crisis and not lab.lose.cholinergic_crisis


def test_ptosis_example_is_ocular_mg_of_the_eyelid() -> None:
    level = load_level(PTOSIS)
    assert (level.patient.condition, level.muscle_group) == ("mg-ocular", "eyelid")
    assert level.pace_model_s_per_play_s == 1.0 and 60 <= level.duration_model_s <= 600
    assert "pyridostigmine" in {t.kind for t in level.treatments}
    assert level.demand


def test_docs_example_is_a_valid_complete_level() -> None:
    level = parse_level_text(docs_example(), "docs/levels.md")
    data = level.model_dump(exclude_none=True)
    # The example shows every section, each kind of quiz question and every optional patient override.
    assert set(data) == set(Level.model_fields)
    assert {q.kind for q in level.quiz} == {"order", "choice", "match"}
    assert level.patient.mechanism and level.patient.achr_fraction and level.start.doses


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_levels_give_a_world_spec_the_sim_accepts(path: Path) -> None:
    check_spec(load_level(path).to_world_spec())


def test_to_world_spec_carries_patient_bath_and_demand() -> None:
    level = parse_level_text(docs_example())
    spec = level.to_world_spec()
    assert isinstance(spec, WorldSpec)
    assert (spec.condition, spec.muscle_group, spec.n_fibers) == ("mg-moderate", "bulbar", 200)
    assert (spec.achr_fraction, spec.antibody_titre) == (0.35, None)
    assert (spec.mechanism_block, spec.mechanism_complement, spec.mechanism_modulation) == (0.2, 0.5, 0.3)
    assert (spec.ca_mM, spec.mg_mM, spec.ache_inhibition) == (2.0, 1.0, 0.0)
    assert spec.demand[1] == DemandTask(name="Chew the sandwich", start_s=1800.0, duration_s=300.0,
                                        force_fraction=0.4)
    assert load_level(LAB).to_world_spec().mechanism_block is None


# --- one line per error, naming file and field -----------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param('order = 4\n', 'order = 4\ncolour = "red"\n',
                 'colour: unknown field "colour" (allowed here: schema_version, id, title, order, ',
                 id="unknown-key"),
    pytest.param('sex = "female"', 'sex = "female"\nage = 3',
                 'patient.age: unknown field "age" (did you mean "age_years"?)', id="unknown-nested-key"),
    pytest.param("cooldown_s = 10800.0", "cooldown = 10800.0",
                 'treatments.0.cooldown: unknown field "cooldown" (did you mean "cooldown_s"?)',
                 id="unit-suffix-forgotten"),
    pytest.param("age_years = 34", 'age_years = "34"',
                 'patient.age_years: should be a whole number (got "34")', id="wrong-type"),
    pytest.param("age_years = 34", "age_years = 34.5",
                 "patient.age_years: should be a whole number, without a decimal point (got 34.5)",
                 id="float-for-int"),
    pytest.param("force_fraction = 0.3\n", 'force_fraction = "high"\n',
                 'demand.0.force_fraction: should be a number (got "high")', id="text-for-number"),
    pytest.param("start_s = 150.0", "start_s = -5.0",
                 "demand.2.start_s: should be at least 0 (got -5.0)", id="below-range"),
    pytest.param("n_fibers = 200", "n_fibers = 5000",
                 "patient.n_fibers: should be at most 1000 (got 5000)", id="above-range"),
    pytest.param("dose_mg = 60.0\nmax_doses", "dose_mg = nan\nmax_doses",
                 "treatments.0.dose_mg: should be a finite number (not nan or inf) (got nan)", id="nan"),
    pytest.param('condition = "mg-ocular"', 'condition = "mg"',
                 'patient.condition: should be "healthy", "mg-ocular", "mg-moderate", "mg-severe", "lems" or '
                 '"mg-musk" (got "mg")', id="bad-enum"),
    pytest.param('kind = "hold"', 'kind = "nap"',
                 'demand.3.kind: should be "blink", "read", "gaze", "chew", "swallow", "speak", "climb", '
                 '"breathe", "hold" or "lift" (got "nap")', id="bad-task-kind"),
    pytest.param("start_s = 220.0", "start_s = 290.0",
                 'demand.3: task "Keep the eyes open for the test" ends at 350 s (start_s + duration_s), '
                 "after the level ends (duration_model_s = 300 s)", id="task-beyond-duration"),
    pytest.param("star_thresholds = [50.0, 70.0, 90.0]", "star_thresholds = [50.0, 40.0, 90.0]",
                 "scoring.star_thresholds: should be three increasing scores, e.g. [50, 70, 90] "
                 "(got [50, 40, 90])", id="stars-not-increasing"),
    pytest.param("star_thresholds = [50.0, 70.0, 90.0]", "star_thresholds = [50.0, 70.0]",
                 "scoring.star_thresholds: should have at least 3 items (got an array of 2)",
                 id="stars-too-few"),
    pytest.param('id = "example-ptosis"', 'id = "Example Ptosis"',
                 'id: should be lowercase letters, digits and single hyphens, e.g. "ocular-mg-1" '
                 '(got "Example Ptosis")', id="bad-slug"),
    pytest.param('sex = "female"\n', "",
                 'patient.sex: required field is missing: Sex shown on the patient card: "female", "male" '
                 'or "other"', id="missing"),
    pytest.param("schema_version = 1", "schema_version = 2",
                 "schema_version: this file is level format version 2, but this game reads version 1",
                 id="future-version"),
    pytest.param("train_max_hz = 40.0", "train_max_hz = 1.0",
                 "controls.train_max_hz: should be at least train_min_hz = 2 Hz (got 1)", id="hz-range"),
    pytest.param("answer_index = 0", "answer_index = 4",
                 "quiz.0.answer_index: should be below the number of options, 4 (got 4; counting starts "
                 "at 0)", id="answer-index"),
    pytest.param('kind = "choice"', 'kind = "essay"',
                 'quiz.0.kind: should be one of "order", "choice", "match" (got "essay")', id="quiz-kind"),
    pytest.param('kind = "choice"\n', "",
                 'quiz.0.kind: required field is missing: one of "order", "choice", "match"',
                 id="quiz-kind-missing"),
    pytest.param('trigger = "time"', 'trigger = "start"',
                 'tutorial.2.at_s: only for trigger = "time"; leave it out for "start"', id="at-s"),
    pytest.param('drug = "pyridostigmine"', 'drug = "plex"',
                 'start.doses.0.drug: should be "pyridostigmine", "pyridostigmine-er", "edrophonium", '
                 '"neostigmine" or "dap" (got "plex")', id="start-dose-drug"),
])
def test_schema_error_is_one_line_with_file_and_field(tmp_path: Path, old: str, new: str,
                                                       expected: str) -> None:
    path = edited(tmp_path, old, new)
    line = one_problem(path)
    assert line.startswith(f"{path}: {expected}"), line


def test_misspelt_key_reports_the_unknown_and_the_missing_key(tmp_path: Path) -> None:
    path = edited(tmp_path, "start_s = 90.0", "strat_s = 90.0")
    assert problems_of(path) == [
        f"{path}: demand.1.start_s: required field is missing: When the task begins, in model seconds after "
        "the level starts (0..2 years)",
        f'{path}: demand.1.strat_s: unknown field "strat_s" (did you mean "start_s"?)',
    ]


def test_every_bad_field_is_reported(tmp_path: Path) -> None:
    path = edited(tmp_path, "age_years = 34", "age_years = -1\nn_fibers = 3")
    text = path.read_text(encoding="utf-8").replace("n_fibers = 200\n", "")
    path.write_text(text.replace("force_fraction = 0.5", "force_fraction = 2"), encoding="utf-8")
    assert [line.split(": ")[1] for line in problems_of(path)] == [
        "patient.age_years", "patient.n_fibers", "demand.1.force_fraction"]


def test_problem_object_carries_file_location_and_message(tmp_path: Path) -> None:
    path = edited(tmp_path, "start_s = 150.0", "start_s = -5.0")
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert caught.value.problems == [Problem(str(path), "demand.2.start_s", "should be at least 0 (got -5.0)")]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('schema_version = 1\nsex = female\n', "2:7: TOML syntax error: Invalid value", id="bare-text"),
    pytest.param('schema_version = 1\nid = "a"\nid = "b"\n',
                 "3:9: TOML syntax error: Cannot overwrite a value (this key is set twice)",
                 id="duplicate-key"),
    pytest.param("schema_version = 1\n[patient\n", "2:9: TOML syntax error: Expected ']' at the end of a table "
                 "declaration", id="unclosed-header"),
    pytest.param('schema_version = 1\nhints = ["a",\n', "3:1: TOML syntax error: ", id="at-end-of-document"),
])
def test_toml_syntax_error_gives_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    line = one_problem(path)
    assert line.startswith(f"{path}:{expected}"), line


def test_syntax_error_hint_names_the_likely_cause(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('schema_version = 1\nhints = ["a",\n', encoding="utf-8")
    assert "a missing ], } or closing quote?" in one_problem(path)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    assert one_problem(path) == f"{path}: file not found"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert one_problem(tmp_path).startswith(f"{tmp_path}: is a folder, not a level file")


def test_non_utf8_bytes_give_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('schema_version = 1\ntitle = "Caf\u00e9"\n'.encode("latin-1"))
    assert one_problem(path) == f"{path}:2:13: not UTF-8 text (byte 0xe9); save the file with UTF-8 encoding"


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PTOSIS.read_bytes())
    assert load_level(path) == load_level(PTOSIS)


@pytest.mark.parametrize("content", ["", "  \n\n", "# just a comment\n"])
def test_empty_file_is_one_clear_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.toml"
    path.write_text(content, encoding="utf-8")
    line = one_problem(path)
    assert line.startswith(f"{path}: ") and "schema_version = 1" in line


def test_not_a_table_at_all() -> None:
    with pytest.raises(LevelError) as caught:
        level_from_data([1, 2], "x")
    assert [str(p) for p in caught.value.problems] == [
        "x: should be a table (a [section] or { key = value, ... }) (got an array of 2)"]


# --- many files --------------------------------------------------------------------------------------------

def test_load_levels_keeps_valid_ones_in_order_and_reports_the_rest(tmp_path: Path) -> None:
    for path in SHIPPED:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    edited(tmp_path, 'id = "example-ptosis"', 'id = "lab"', name="z-duplicate.toml")
    edited(tmp_path, "order = 4", "order = -1", name="bad.toml")
    early = PTOSIS.read_text(encoding="utf-8").replace('id = "example-ptosis"', 'id = "early"')
    (tmp_path / "early.toml").write_text(early.replace("order = 4", "order = 0"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a level", encoding="utf-8")
    levels, problems = load_levels(tmp_path)
    campaign = [lv.id for lv in load_levels().levels if lv.id != "lab"]
    assert [lv.id for lv in levels] == ["early", "lab", *campaign]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'bad.toml'}: order: should be at least 0 (got -1)",
        f'{tmp_path / "z-duplicate.toml"}: id: "lab" is already used by {tmp_path / "lab.toml"}; '
        "ids must be unique",
    ]


def test_load_levels_of_a_missing_folder_reports_it(tmp_path: Path) -> None:
    assert load_levels(tmp_path / "nope") == ([], [Problem(str(tmp_path / "nope"), "", "folder not found")])


def test_load_levels_default_folder_is_the_shipped_levels() -> None:
    levels, problems = load_levels()
    assert problems == [] and [lv.id for lv in levels][0] == "lab"


def test_run_validate_prints_one_line_per_problem_and_returns_2(tmp_path: Path) -> None:
    bad = edited(tmp_path, "start_s = 150.0", "start_s = -5.0")
    out = io.StringIO()
    assert run_validate([str(PTOSIS), str(bad), str(tmp_path / "nope.toml")], out=out) == 2
    assert out.getvalue().splitlines() == [
        f"OK {PTOSIS}",
        f"{bad}: demand.2.start_s: should be at least 0 (got -5.0)",
        f"{tmp_path / 'nope.toml'}: file not found",
    ]


def test_run_validate_rejects_an_empty_folder_and_no_paths(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_validate([str(tmp_path)], out=out) == 2
    assert out.getvalue() == f"{tmp_path}: no .toml level files in this folder\n"
    assert run_validate([], out=io.StringIO()) == 2


# --- writing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["lab", "example-ptosis", "docs"])
def test_save_then_load_gives_the_same_level(tmp_path: Path, source: str) -> None:
    paths = {"lab": LAB, "example-ptosis": PTOSIS}
    level = parse_level_text(docs_example()) if source == "docs" else load_level(paths[source])
    path = save_level(level, tmp_path / "copy.toml")
    assert load_level(path) == level
    assert Level.model_validate(tomllib.loads(level_to_toml(level))) == level
    assert [p.name for p in tmp_path.iterdir()] == ["copy.toml"]  # no temporary file left behind


def test_save_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    level = load_level(PTOSIS)
    path = tmp_path / "mine.toml"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(LevelError) as caught:
        save_level(level, path)
    assert str(caught.value).startswith(f"{path}: already exists; not overwritten")
    assert path.read_text(encoding="utf-8") == "keep me"
    save_level(level, path, overwrite=True)
    assert load_level(path) == level


def test_save_into_a_missing_folder_is_a_level_error(tmp_path: Path) -> None:
    with pytest.raises(LevelError):
        save_level(load_level(PTOSIS), tmp_path / "no" / "such.toml")


# --- the schema for editors and the docs are generated and up to date -----------------------------------

def test_schema_file_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "run: uv run python -m game.levels --write-schema")


def test_docs_field_reference_is_up_to_date() -> None:
    assert generated_part(DOCS_PATH) == reference_markdown(), (
        "run: uv run python -m game.levels --write-schema")


def _objects(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [("Level", schema), *schema["$defs"].items()]


def test_every_field_has_title_description_and_limits() -> None:
    schema = json.loads(schema_text())
    for name, obj in _objects(schema):
        assert obj.get("additionalProperties") is False, name
        for field, prop in obj["properties"].items():
            where = f"{name}.{field}"
            assert prop.get("title") and prop.get("description"), where
            kind = prop.get("type")
            if kind in ("number", "integer") and "enum" not in prop and "const" not in prop:
                assert "minimum" in prop and "maximum" in prop, where
            if kind == "string" and "enum" not in prop and "const" not in prop:
                assert "maxLength" in prop, where
            if kind == "array":
                assert "maxItems" in prop, where
                item = prop["items"]
                if item.get("type") in ("number", "integer"):
                    assert "minimum" in item and "maximum" in item, where
                if item.get("type") == "string" and "enum" not in item:
                    assert "maxLength" in item, where


def test_unit_suffix_fields_say_their_unit() -> None:
    units = {"_s": "second", "_hz": "Hz", "_mM": "mM", "_mg": "mg", "_years": "year"}
    for _, obj in _objects(json.loads(schema_text())):
        for field, prop in obj["properties"].items():
            for suffix, unit in units.items():
                if field.endswith(suffix):
                    assert unit in prop["description"], field


# --- fuzz: whatever a user feeds in, a Level or a LevelError, never another exception --------------------

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = tomllib.loads(PTOSIS.read_text(encoding="utf-8"))

toml_scalars = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=30),
    st.dates(), st.datetimes(), st.times())
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10)
python_values = st.one_of(toml_values, st.none(), st.tuples(st.integers()), st.just(object()))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _out_of_range(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return -1
    return value * 1e9 + 1e9 if isinstance(value, float) else -value - 10**12


@st.composite
def mutated_levels(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["delete", "replace", "add", "range"]))
        if op == "delete":
            del parent[last]
        elif op == "replace":
            parent[last] = draw(values)
        elif op == "add":
            target = parent[last]
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=12))] = draw(values)
            elif isinstance(target, list):
                target.append(draw(values))
            else:
                parent[last] = [target]
        else:
            parent[last] = _out_of_range(parent[last])
    return data


def _check(make: Any) -> None:
    try:
        level = make()
    except LevelError as e:
        assert e.problems
        for problem in e.problems:
            assert "\n" not in str(problem) and problem.message
        return
    assert isinstance(level, Level)
    check_spec(level.to_world_spec())  # whatever the format accepts, the sim can build


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(data)
    _check(lambda: load_level(path))


@FUZZ
@given(st.text(max_size=300))
def test_fuzz_random_text(text: str) -> None:
    _check(lambda: parse_level_text(text, "fuzz.toml"))


LINES = PTOSIS.read_text(encoding="utf-8").splitlines()


@st.composite
def mangled_level_text(draw: st.DrawFn) -> str:
    """The ptosis file with lines dropped, repeated or cut, and characters inserted: near-valid TOML."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "repeat", "cut", "insert"]))
        if op == "drop":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        else:
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(min_size=1, max_size=3)) + lines[i][at:]
    return "\n".join(lines)


@FUZZ
@given(mangled_level_text())
def test_fuzz_mangled_level_text(text: str) -> None:
    _check(lambda: parse_level_text(text, "fuzz.toml"))


@FUZZ
@given(mutated_levels(toml_values))
def test_fuzz_mutated_level_through_toml(data: dict[str, Any]) -> None:
    _check(lambda: parse_level_text(tomli_w.dumps(data), "fuzz.toml"))


@FUZZ
@given(mutated_levels(python_values))
def test_fuzz_mutated_level_data(data: dict[str, Any]) -> None:
    _check(lambda: level_from_data(data, "fuzz"))
