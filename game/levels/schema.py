"""The level file format: pydantic models, the single source of truth for levels/*.toml.

A level is read from TOML (game.levels.loader), checked here, and turned into the sim's `WorldSpec` by
`Level.to_world_spec()`. Teachers and students edit these files, so every field carries a title, a
description stating its unit, and limits (game.levels.fields); `levels/level.schema.json` is exported from
these models for editors and, later, the in-game level editor. Unknown keys are errors, never ignored.

Time fields are in *model* seconds (the simulated patient's clock), not seconds of play; the level's
`pace_model_s_per_play_s` sets how fast the model clock runs.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, PrivateAttr, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from game.levels.fields import (
    MAX_MODEL_S,
    SLUG_PATTERN,
    Section,
    choice,
    entries,
    flag,
    fraction,
    num,
    number,
    prose,
    quote,
    rule_error,
    table,
    whole,
)
from game.sim.limits import MAX_FIBRE_IMPULSES
from game.sim.spec import CONDITIONS, DRUGS, MUSCLE_GROUPS, TREATMENTS, DemandTask, WorldSpec

SCHEMA_VERSION = 1
SEXES = ("female", "male", "other")
TASK_KINDS = ("blink", "read", "gaze", "chew", "swallow", "speak", "climb", "breathe", "hold", "lift")
TREATMENT_KINDS = DRUGS + TREATMENTS
TUTORIAL_TRIGGERS = ("start", "first_impulse", "first_fail", "first_dose", "time")
# The course's learning objectives (shared/reference/nmj-seed.md), as tags a level can carry.
TOPICS = ("nmj-structure", "transmission-steps", "quantal-release", "ache", "mg-antibodies", "mg-symptoms",
          "fatigability", "ache-inhibitors", "cholinergic-crisis", "myasthenic-crisis", "immunotherapy")
QUIZ_KINDS = ("order", "choice", "match")

# Enum types (Literal[tuple] is Literal[*tuple]); the names themselves live in game.sim.spec.
Condition = Literal[CONDITIONS]  # type: ignore[valid-type]
MuscleGroup = Literal[MUSCLE_GROUPS]  # type: ignore[valid-type]
Drug = Literal[DRUGS]  # type: ignore[valid-type]
TreatmentKind = Literal[TREATMENT_KINDS]  # type: ignore[valid-type]
Sex = Literal[SEXES]  # type: ignore[valid-type]
TaskKind = Literal[TASK_KINDS]  # type: ignore[valid-type]
# How the patient looks on the card (drawing only; nothing in the model depends on these).
SKIN_TONES = ("light", "medium-light", "medium", "medium-dark", "dark")
HAIR_STYLES = ("short", "long", "bun", "curly", "receding", "bald")
HAIR_COLOURS = ("black", "dark-brown", "brown", "auburn", "blonde", "grey", "white")
FACE_SHAPES = ("oval", "round", "long", "square")
FACIAL_HAIR = ("none", "stubble", "moustache", "beard")
SkinTone = Literal[SKIN_TONES]  # type: ignore[valid-type]
HairStyle = Literal[HAIR_STYLES]  # type: ignore[valid-type]
HairColour = Literal[HAIR_COLOURS]  # type: ignore[valid-type]
FaceShape = Literal[FACE_SHAPES]  # type: ignore[valid-type]
FacialHair = Literal[FACIAL_HAIR]  # type: ignore[valid-type]
Trigger = Literal[TUTORIAL_TRIGGERS]  # type: ignore[valid-type]
Topic = Literal[TOPICS]  # type: ignore[valid-type]

# List items that are short text (quiz options, hints...).
Phrase = Annotated[str, Field(min_length=1, max_length=150)]
Hint = Annotated[str, Field(min_length=1, max_length=300)]
Score = Annotated[float, Field(ge=0.0, le=100.0)]


def _duplicates(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    return [v for v in values if v in seen or seen.add(v)]


# --- the patient ------------------------------------------------------------------------------------

class Mechanism(Section):
    """How the antibodies harm the junction, as shares (normalised inside the model)."""

    block: float = number("Block share", "Share of the antibody effect that blocks the ACh binding site "
                          "(relative share, no unit; 0..1).", ge=0.0, le=1.0, default=0.0)
    complement: float = number("Complement share", "Share of the antibody effect that destroys the "
                               "end-plate membrane through complement (relative share, no unit; 0..1).",
                               ge=0.0, le=1.0, default=0.0)
    modulation: float = number("Modulation share", "Share of the antibody effect that speeds up receptor "
                               "removal by cross-linking (relative share, no unit; 0..1).",
                               ge=0.0, le=1.0, default=0.0)

    @model_validator(mode="after")
    def _some_share(self) -> Mechanism:
        if self.block + self.complement + self.modulation <= 0.0:
            raise rule_error("", "at least one of block, complement, modulation must be above 0")
        return self


class Patient(Section):
    """Who is being treated: shown on the patient card; the condition sets the junction's presets."""

    name: str = prose("Name", "Patient's first name shown on the card (text, up to 40 characters).",
                     max_length=40)
    age_years: int = whole("Age", "Age in years (0..120).", ge=0, le=120)
    sex: Sex = choice("Sex", 'Sex shown on the patient card: "female", "male" or "other".')
    condition: Condition = choice("Condition", "Named preset of the junction (receptors, antibodies): "
                                  + ", ".join(f'"{c}"' for c in CONDITIONS) + ".")
    achr_fraction: float | None = number(
        "AChR fraction", "Functional acetylcholine receptors relative to a healthy junction (fraction, "
        "0.01..1.5; 1 = healthy). Leave out to use the condition's value.", ge=0.01, le=1.5, default=None)
    antibody_titre: float | None = number(
        "Antibody titre", "Anti-AChR antibody level relative to the condition's preset (ratio, 0..10; "
        "1 = the preset's titre). Leave out to use the preset.", ge=0.0, le=10.0, default=None)
    mechanism: Mechanism | None = table(
        "Antibody mechanisms", "Shares of block, complement and modulation (relative shares, 0..1 each). "
        "Leave out to use the condition's mix.", optional=True)
    n_fibers: int = whole("Muscle fibres", "Number of simulated fibres in the muscle (count, 100..1000); "
                          "more is smoother but slower.", ge=100, le=1000, default=200)
    skin: SkinTone | None = choice("Skin tone", "How the patient is drawn: "
                                   + ", ".join(f'"{c}"' for c in SKIN_TONES)
                                   + ". Leave out to pick one from the name.", default=None)
    hair: HairStyle | None = choice("Hair", "Hair style on the card: " + ", ".join(f'"{c}"' for c in HAIR_STYLES)
                                    + ". Leave out to pick one from sex and age.", default=None)
    hair_colour: HairColour | None = choice("Hair colour", "One of " + ", ".join(f'"{c}"' for c in HAIR_COLOURS)
                                            + ". Leave out to pick one from age and name.", default=None)
    face: FaceShape | None = choice("Face shape", "One of " + ", ".join(f'"{c}"' for c in FACE_SHAPES)
                                    + ". Leave out to pick one from the name.", default=None)
    facial_hair: FacialHair | None = choice("Facial hair", "One of " + ", ".join(f'"{c}"' for c in FACIAL_HAIR)
                                            + ". Leave out for none.", default=None)
    glasses: bool = flag("Glasses", "Whether the patient wears glasses on the card (true or false).",
                         default=False)


# --- what the muscle must do --------------------------------------------------------------------------

class Task(Section):
    """One demand: from start_s for duration_s the muscle must give at least force_fraction of its maximum."""

    name: str = prose("Task name", "What the patient is doing, shown on the timeline (text, up to 40 "
                     "characters), e.g. \"Read the menu\".", max_length=40)
    kind: TaskKind = choice("Kind", "Sort of task, for the picture and sound: "
                            + ", ".join(f'"{k}"' for k in TASK_KINDS) + ".")
    start_s: float = number("Start", "When the task begins, in model seconds after the level starts "
                            "(0..2 years).", ge=0.0, le=MAX_MODEL_S)
    duration_s: float = number("Duration", "How long the task lasts, in model seconds (0.01 s..2 years).",
                               ge=0.01, le=MAX_MODEL_S)
    force_fraction: float = fraction("Force needed", "Force the muscle must produce, as a fraction of its "
                                     "maximal (tetanic) force (0..1).")


# --- what the player may do ---------------------------------------------------------------------------

class Controls(Section):
    """Which nerve and release controls the player has."""

    fire: bool = flag("Single impulse", "Player can fire single nerve impulses (true/false).", default=True)
    train: bool = flag("Trains", "Player can fire held trains of impulses (true/false).", default=True)
    train_min_hz: float = number("Slowest train", "Lowest train frequency the player may set, in Hz "
                                 "(impulses per second, 0.1..100).", ge=0.1, le=100.0, default=1.0)
    train_max_hz: float = number("Fastest train", "Highest train frequency the player may set, in Hz "
                                 "(impulses per second, 0.1..100).", ge=0.1, le=100.0, default=50.0)
    release: bool = flag("Release strength", "Player can change release strength through the bath "
                         "calcium, within ca_min_mM..ca_max_mM (true/false).", default=False)
    ca_min_mM: float = number("Lowest calcium", "Lowest extracellular Ca2+ the player may set, in mM "
                              "(0.1..10).", ge=0.1, le=10.0, default=1.0)
    ca_max_mM: float = number("Highest calcium", "Highest extracellular Ca2+ the player may set, in mM "
                              "(0.1..10).", ge=0.1, le=10.0, default=4.0)
    rest: bool = flag("Rest", "Player can order a rest (no firing) so the vesicle pool refills "
                      "(true/false).", default=True)
    auto_drive_hz: float | None = number(
        "Patient drives", "During every task the patient fires the nerve by themself at this frequency, in "
        "Hz (impulses per second, 1..100), and rests between tasks: for levels about treatment where the "
        "player does not fire. Leave out to let the player drive the nerve.", ge=1.0, le=100.0, default=None)

    @model_validator(mode="after")
    def _ranges(self) -> Controls:
        if self.train_min_hz > self.train_max_hz:
            raise rule_error("train_max_hz", f"should be at least train_min_hz = {num(self.train_min_hz)} Hz "
                             f"(got {num(self.train_max_hz)})")
        if self.ca_min_mM > self.ca_max_mM:
            raise rule_error("ca_max_mM", f"should be at least ca_min_mM = {num(self.ca_min_mM)} mM "
                             f"(got {num(self.ca_max_mM)})")
        return self


class Treatment(Section):
    """A drug or treatment the player may give, with its limits."""

    kind: TreatmentKind = choice("Treatment", "Drug or treatment: "
                                 + ", ".join(f'"{k}"' for k in TREATMENT_KINDS) + ".")
    dose_mg: float | None = number("Dose", "Dose given each time, in mg (0.1..1000). Required for drugs, "
                                   "left out for plex, ivig, steroids, thymectomy, ventilation and ice-pack.",
                                   ge=0.1, le=1000.0, default=None)
    max_doses: int = whole("Doses allowed", "How many times it may be given in the level (count, 1..1000).",
                           ge=1, le=1000, default=1)
    cooldown_s: float = number("Cooldown", "Shortest wait between two doses, in model seconds "
                               "(0..2 years).", ge=0.0, le=MAX_MODEL_S, default=0.0)
    cost: int = whole("Cost", "Treatment points used each time it is given (points, 0..1000). The score's "
                      "cost part falls from full to nothing as the points spent in the level go from 0 to 100.",
                      ge=0, le=1000, default=0)
    side_effect_weight: float = number("Side-effect weight", "Multiplies the side-effect load it adds "
                                       "(ratio, 0..10; 1 = as modelled, 0 = none).",
                                       ge=0.0, le=10.0, default=1.0)

    @model_validator(mode="after")
    def _dose_for_drugs(self) -> Treatment:
        if self.kind in DRUGS and self.dose_mg is None:
            raise rule_error("dose_mg", f"required for the drug {quote(self.kind)}: the dose in mg")
        if self.kind not in DRUGS and self.dose_mg is not None:
            raise rule_error("dose_mg", f"leave it out: {quote(self.kind)} is not a drug dosed in mg")
        return self


# --- the state at the start ---------------------------------------------------------------------------

class StartDose(Section):
    """A drug dose already taken before the level starts."""

    drug: Drug = choice("Drug", "Drug already taken: " + ", ".join(f'"{d}"' for d in DRUGS) + ".")
    dose_mg: float = number("Dose", "Dose taken, in mg (0.1..1000).", ge=0.1, le=1000.0)
    before_start_s: float = number("Taken before start", "How long before the level starts it was taken, "
                                   "in model seconds (0..7 days).", ge=0.0, le=7 * 86_400.0, default=0.0)


class Start(Section):
    """The bath and drugs when the level begins."""

    ca_mM: float = number("Calcium", "Extracellular Ca2+ concentration, in mM (0.1..10; normal about 2).",
                          ge=0.1, le=10.0, default=2.0)
    mg_mM: float = number("Magnesium", "Extracellular Mg2+ concentration, in mM (0..10; normal about 1).",
                          ge=0.0, le=10.0, default=1.0)
    ache_inhibition: float = fraction("AChE blocked", "Fraction of acetylcholinesterase activity blocked by "
                                      "a bath-applied inhibitor, on top of any drug (0..1).", default=0.0)
    doses: list[StartDose] = entries("Doses already taken", "Drug doses taken before the level starts "
                                   "(list, up to 10).", max_length=10)


# --- winning, losing, scoring -------------------------------------------------------------------------

class Win(Section):
    """What the player must achieve."""

    min_demand_met_fraction: float = fraction(
        "Demand to meet", "Fraction of the demand timeline (force × time) that must be met to win (0..1).",
        default=0.8)


class Lose(Section):
    """What ends the level early."""

    myasthenic_crisis: bool = flag("Myasthenic crisis loses", "A myasthenic crisis (breathing fails from "
                                   "weakness) ends the level (true/false).", default=True)
    cholinergic_crisis: bool = flag("Cholinergic crisis loses", "A cholinergic crisis (too much AChE "
                                    "inhibitor) ends the level (true/false).", default=True)
    max_side_effects: float = fraction("Side-effect limit", "The level is lost when the side-effect meter "
                                       "reaches this fraction (0..1; 1 = only when full).", default=1.0)
    max_missed_tasks: int | None = whole("Missed tasks allowed", "The level is lost when more tasks than "
                                         "this are missed (count, 0..200). Leave out for no limit.",
                                         ge=0, le=200, default=None)


class Scoring(Section):
    """How the 0..100 score is made: each part counts in proportion to its weight."""

    demand_met_weight: float = number("Demand weight", "Weight of the fraction of demand met (relative "
                                      "weight, no unit; 0..10).", ge=0.0, le=10.0, default=1.0)
    crises_avoided_weight: float = number("Crises weight", "Weight of avoiding both crises (relative "
                                          "weight, no unit; 0..10).", ge=0.0, le=10.0, default=1.0)
    side_effects_weight: float = number("Side-effect weight", "Weight of keeping side effects low "
                                        "(relative weight, no unit; 0..10).", ge=0.0, le=10.0, default=0.5)
    treatment_cost_weight: float = number("Cost weight", "Weight of spending few treatment points "
                                          "(relative weight, no unit; 0..10).", ge=0.0, le=10.0, default=0.5)
    star_thresholds: list[Score] = Field(
        [50.0, 70.0, 90.0], min_length=3, max_length=3, title="Star thresholds",
        description="Scores (points, 0..100) needed for one, two and three stars; three increasing numbers.")

    @model_validator(mode="after")
    def _increasing(self) -> Scoring:
        a, b, c = self.star_thresholds
        if not a < b < c:
            raise rule_error("star_thresholds", "should be three increasing scores, e.g. [50, 70, 90] "
                             f"(got [{num(a)}, {num(b)}, {num(c)}])")
        return self


# --- teaching: tutorial, quiz --------------------------------------------------------------------------

class TutorialStep(Section):
    """A message shown during play when its trigger happens."""

    text: str = prose("Text", "What the message says (text, up to 300 characters).", max_length=300)
    trigger: Trigger = choice("Trigger", "When to show it: \"start\", \"first_impulse\", \"first_fail\" "
                              "(first impulse that fails to fire the muscle), \"first_dose\" or \"time\" "
                              "(at at_s).")
    at_s: float | None = number("At", "For trigger \"time\": when to show it, in model seconds after the "
                                "level starts (0..2 years). Leave out for other triggers.",
                                ge=0.0, le=MAX_MODEL_S, default=None)

    @model_validator(mode="after")
    def _time_needs_at(self) -> TutorialStep:
        if self.trigger == "time" and self.at_s is None:
            raise rule_error("at_s", 'required when trigger = "time" (model seconds)')
        if self.trigger != "time" and self.at_s is not None:
            raise rule_error("at_s", f'only for trigger = "time"; leave it out for "{self.trigger}"')
        return self


def _explanation(required: bool) -> Any:
    description = ("Shown after the answer (beside the right answer when the student's was wrong): a sentence "
                   "or two on why it is right, in the model's terms (text, up to 600 characters).")
    if required:
        return prose("Explanation", description, max_length=600)
    return prose("Explanation", description + " Optional.", max_length=600, default=None)


def _question() -> Any:
    return prose("Question", "The question or instruction shown to the student (text, up to 300 "
                "characters).", max_length=300)


class OrderQuestion(Section):
    """Put items in order; the file lists them in the right order and the game shuffles them."""

    kind: Literal["order"] = choice("Kind", '"order": put the items in order.')
    question: str = _question()
    items: list[Phrase] = entries("Items", "The items in the correct order (list of 2..8 texts, each up to "
                                "150 characters, all different).", min_length=2, max_length=8,
                                required=True)
    explanation: str | None = _explanation(required=False)

    @model_validator(mode="after")
    def _unique(self) -> OrderQuestion:
        if twice := _duplicates(self.items):
            raise rule_error("items", f"each item must differ ({quote(twice[0])} appears twice)")
        return self


class ChoiceQuestion(Section):
    """Pick the one right answer among options."""

    kind: Literal["choice"] = choice("Kind", '"choice": pick one answer.')
    question: str = _question()
    options: list[Phrase] = entries("Options", "Possible answers (list of 2..6 texts, each up to 150 "
                                  "characters, all different).", min_length=2, max_length=6, required=True)
    answer_index: int = whole("Right answer", "Position of the right option, counting from 0 (index, "
                              "0..5).", ge=0, le=5)
    explanation: str = _explanation(required=True)

    @model_validator(mode="after")
    def _answer_exists(self) -> ChoiceQuestion:
        if twice := _duplicates(self.options):
            raise rule_error("options", f"each option must differ ({quote(twice[0])} appears twice)")
        if self.answer_index >= len(self.options):
            raise rule_error("answer_index", f"should be below the number of options, {len(self.options)} "
                             f"(got {self.answer_index}; counting starts at 0)")
        return self


class MatchPair(Section):
    """One correct pairing, e.g. a symptom and its mechanism."""

    left: str = prose("Left", "Left-hand item, e.g. a symptom or a drug (text, up to 150 characters).",
                     max_length=150)
    right: str = prose("Right", "Its match, e.g. a mechanism or an effect (text, up to 150 characters).",
                      max_length=150)


class MatchQuestion(Section):
    """Match each left item with its right item; the game shuffles the right column."""

    kind: Literal["match"] = choice("Kind", '"match": pair each left item with its right item.')
    question: str = _question()
    pairs: list[MatchPair] = entries("Pairs", "The correct pairs (list of 2..8; left items all different, "
                                   "right items all different).", min_length=2, max_length=8, required=True)
    explanation: str | None = _explanation(required=False)

    @model_validator(mode="after")
    def _unique(self) -> MatchQuestion:
        for side in ("left", "right"):
            if twice := _duplicates([getattr(p, side) for p in self.pairs]):
                raise rule_error("pairs", f"each {side} item must differ ({quote(twice[0])} appears twice)")
        return self


Question = Annotated[Union[OrderQuestion, ChoiceQuestion, MatchQuestion], Field(discriminator="kind")]


# --- the level ----------------------------------------------------------------------------------------

class Level(Section):
    """One level: a patient, a muscle, a demand timeline, the player's means, and what is taught."""

    schema_version: Literal[1] = choice("Format version", "Version of the level file format (integer); "
                                        "this game reads 1.")
    id: str = Field(title="Id", description="Unique name of the level: lowercase letters, digits and "
                    'single hyphens, up to 40 characters (e.g. "ocular-mg-1"). Saves and class reports '
                    "use it, so keep it once students have played.",
                    min_length=1, max_length=40, pattern=SLUG_PATTERN)
    title: str = prose("Title", "Level name shown in menus (text, up to 48 characters).", max_length=48)
    order: int = whole("Campaign position", "Position in the campaign, lowest first (integer, 0..9999; "
                       "0 = lab or first).", ge=0, le=9999)
    concept: str = prose("Concept", "The one new idea this level teaches (text, up to 120 characters).",
                        max_length=120)
    learning_objective: str = prose("Learning objective", "What the student can do after the level "
                                   "(text, up to 300 characters).", max_length=300)
    muscle_group: MuscleGroup = choice("Muscle", "The muscle that must work: "
                                       + ", ".join(f'"{m}"' for m in MUSCLE_GROUPS) + ".")
    pace_model_s_per_play_s: float = number(
        "Pace", "Model seconds that pass in one second of play at normal speed (ratio, 0.001..86400; "
        "1 = real time, 3600 = an hour per second).", ge=0.001, le=86_400.0, default=1.0)
    duration_model_s: float = number("Length", "Length of the level in model seconds (0.1 s..2 years; "
                                     "1 day = 86400).", ge=0.1, le=MAX_MODEL_S)
    briefing: str = prose("Briefing", "Shown before play: the patient, the task, what is new (text, up to "
                         "2000 characters).", max_length=2000)
    debrief: str = prose("Debrief", "Shown after play: what to remember (text, up to 2000 characters).",
                        max_length=2000)
    topics: list[Topic] = entries("Topics", "Learning objectives of the course this level teaches (list of "
                                  "up to 11 names, each once): " + ", ".join(f'"{t}"' for t in TOPICS)
                                  + ".", max_length=len(TOPICS))
    hints: list[Hint] = entries("Hints", "Short tips the player can ask for during play (list of up to 20 "
                              "texts, each up to 300 characters).", max_length=20)
    patient: Patient = table("The patient", "Who is treated and the state of their junctions.")
    demand: list[Task] = entries("Demand", "The tasks the muscle must perform (list of up to 200); each "
                                 "must end within duration_model_s.", max_length=200)
    controls: Controls = table("Player controls", "Nerve and release controls offered to the player "
                               "(defaults if left out).", default_factory=Controls)
    treatments: list[Treatment] = entries("Treatments", "Drugs and treatments the player may give (list "
                                          "of up to 9: one for each number key).", max_length=9)
    start: Start = table("Starting state", "Bath and drugs at time 0 (defaults: normal bath, no drugs).",
                         default_factory=Start)
    win: Win = table("Win conditions", "Conditions to win the level (defaults if left out).",
                     default_factory=Win)
    lose: Lose = table("Lose conditions", "Conditions that lose the level (defaults if left out).",
                       default_factory=Lose)
    scoring: Scoring = table("Score and stars", "Score weights and star thresholds (defaults if left out).",
                             default_factory=Scoring)
    tutorial: list[TutorialStep] = entries("Tutorial", "Messages shown during play (list of up to 30).",
                                         max_length=30)
    quiz: list[Question] = entries("Quiz", "Questions after the debrief (list of up to 10).", max_length=10)

    _source_sha256: str = PrivateAttr(default="")      # SHA-256 of the text it was read from (loader)

    def __eq__(self, other: object) -> bool:
        # Two levels are equal when their fields are, whatever text they were read from.
        if not isinstance(other, Level):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _known_version(cls, data: Any) -> Any:
        # Checked first, alone: a file of another format version would give a flood of unrelated errors.
        if isinstance(data, dict) and "schema_version" in data:
            version = data["schema_version"]
            if isinstance(version, bool):
                raise rule_error("schema_version", f"should be {SCHEMA_VERSION} (got {str(version).lower()})")
            if isinstance(version, float):
                raise rule_error("schema_version", f"should be the whole number {SCHEMA_VERSION}, without a "
                                 f"decimal point (got {version!r})")
            if isinstance(version, int) and version != SCHEMA_VERSION:
                raise rule_error("schema_version", f"this file is level format version {version}, but this "
                                 f"game reads version {SCHEMA_VERSION}")
        return data

    @model_validator(mode="after")
    def _fits_in_time(self) -> Level:
        end_s = self.duration_model_s
        for i, task in enumerate(self.demand):
            if task.start_s + task.duration_s > end_s:
                ends_s = task.start_s + task.duration_s
                raise rule_error(f"demand.{i}", f"task {quote(task.name)} ends at {num(ends_s)} s (start_s + "
                                 f"duration_s), after the level ends (duration_model_s = {num(end_s)} s)")
        for i, step in enumerate(self.tutorial):
            if step.at_s is not None and step.at_s > end_s:
                raise rule_error(f"tutorial.{i}.at_s", f"should be at most duration_model_s = {num(end_s)} s "
                                 f"(got {num(step.at_s)})")
        return self

    @model_validator(mode="after")
    def _model_work(self) -> Level:
        fibres, rate_hz, task_s = self.model_work()
        work = fibres * rate_hz * task_s
        if work > MAX_FIBRE_IMPULSES:
            raise rule_error("demand", f"asks the model for about {work:.2g} fibre-impulses ({fibres} fibres × "
                             f"{num(rate_hz)} Hz × {num(round(task_s, 1))} s of tasks); at most "
                             f"{MAX_FIBRE_IMPULSES:.2g}: use fewer fibres, a lower rate or shorter tasks")
        return self

    def model_work(self) -> tuple[int, float, float]:
        """(fibres, impulse rate in Hz, seconds of tasks): what playing the level asks of the model. The rate
        is the patient's own drive, or the fastest train the player may hold (single impulses: 5 a second)."""
        c = self.controls
        rate = c.auto_drive_hz if c.auto_drive_hz is not None else (c.train_max_hz if c.train else 5.0)
        return self.patient.n_fibers, float(rate), float(sum(t.duration_s for t in self.demand))

    @model_validator(mode="after")
    def _topics_once(self) -> Level:
        if twice := _duplicates(list(self.topics)):
            raise rule_error("topics", f"each topic must appear once ({quote(twice[0])} appears twice)")
        return self

    @model_validator(mode="after")
    def _consistent_means(self) -> Level:
        seen: dict[tuple[str, float | None], int] = {}
        for i, t in enumerate(self.treatments):
            key = (t.kind, t.dose_mg)
            if key in seen:
                raise rule_error(f"treatments.{i}", f"{quote(t.kind)}"
                                 + (f" at {num(t.dose_mg)} mg" if t.dose_mg is not None else "")
                                 + f" is already listed as treatments.{seen[key]}")
            seen[key] = i
        c = self.controls
        if c.release and not c.ca_min_mM <= self.start.ca_mM <= c.ca_max_mM:
            raise rule_error("start.ca_mM", f"should lie within controls.ca_min_mM..ca_max_mM = "
                             f"{num(c.ca_min_mM)}..{num(c.ca_max_mM)} mM (got {num(self.start.ca_mM)})")
        return self

    def to_world_spec(self) -> WorldSpec:
        """The sim's description of this level's patient, muscle, bath and demand.

        Not carried over, because WorldSpec has no place for them and the game applies them itself:
        controls, treatments, win/lose, scoring, the teaching text, and `start.doses` (doses taken
        `before_start_s` before the level starts).
        """
        p, m = self.patient, self.patient.mechanism
        return WorldSpec(
            condition=p.condition,
            muscle_group=self.muscle_group,
            n_fibers=p.n_fibers,
            achr_fraction=p.achr_fraction,
            antibody_titre=p.antibody_titre,
            mechanism_block=m.block if m else None,
            mechanism_complement=m.complement if m else None,
            mechanism_modulation=m.modulation if m else None,
            ca_mM=self.start.ca_mM,
            mg_mM=self.start.mg_mM,
            ache_inhibition=self.start.ache_inhibition,
            demand=tuple(DemandTask(name=t.name, start_s=t.start_s, duration_s=t.duration_s,
                                    force_fraction=t.force_fraction) for t in self.demand),
        )


# --- the exported JSON Schema ---------------------------------------------------------------------------

class TomlJsonSchema(GenerateJsonSchema):
    """JSON Schema as a TOML file sees it: TOML has no null, so an optional field is just left out.

    Optional fields therefore show their plain type and limits (easier for form builders) and no
    `default: null`; the document names its dialect in `$schema`.
    """

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", 0) is None:
            del json_schema["default"]
        return json_schema

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        return {"$schema": self.schema_dialect, **super().generate(schema, mode)}


def level_json_schema() -> dict[str, Any]:
    """The JSON Schema of a level file (draft 2020-12), as saved in levels/level.schema.json."""
    return Level.model_json_schema(schema_generator=TomlJsonSchema)
