"""Lab recordings as CSV files that open in a spreadsheet, written next to each other, never overwriting.

One export writes three files with a common stem (`lab-20250101-120000`):

* `<stem>-pulses.csv`: one row per nerve impulse (the per-pulse table);
* `<stem>-traces.csv`: force, pool and AChE inhibition over model time;
* `<stem>-epp.csv`: the focus junction's membrane potential during the last impulse.

A file that already exists is never replaced: `write_csv` opens with exclusive creation and raises
`FileExistsError`; `export_recording` picks a stem no file uses yet (adding -2, -3...).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

PULSE_COLUMNS = ("pulse", "t_s", "stimulus", "cmap_mV", "fibres_fired_percent", "epp_mean_mV", "quantal_content",
                 "focus_epp_mV", "focus_needed_mV", "focus_fired", "failed_stage", "force_percent", "ca_mM", "mg_mM",
                 "ache_inhibition_percent")
TRACE_COLUMNS = ("t_s", "force_percent", "rrp_percent", "ache_inhibition_percent")
EPP_COLUMNS = ("t_ms", "membrane_potential_mV")


@dataclass
class Recording:
    """What the lab has recorded since the last clear."""

    pulses: list[dict] = field(default_factory=list)
    traces: list[tuple[float, float, float, float]] = field(default_factory=list)
    epp: list[tuple[float, float]] = field(default_factory=list)

    def clear(self) -> None:
        self.pulses.clear()
        self.traces.clear()
        self.epp.clear()

    @property
    def empty(self) -> bool:
        return not (self.pulses or self.traces)


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    """Write one CSV (UTF-8 with BOM for spreadsheets). Raises FileExistsError rather than overwrite."""
    p = Path(path)
    with open(p, "x", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell(v) for v in row])
    return p


def _cell(v: object) -> object:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, bool):
        return int(v)
    if v is None:
        return ""
    return v


def free_stem(folder: Path, stem: str) -> str:
    """`stem`, or `stem-2`, `stem-3`... so that none of the export's files exists yet."""
    k = 1
    candidate = stem
    while any((folder / f"{candidate}-{part}.csv").exists() for part in ("pulses", "traces", "epp")):
        k += 1
        candidate = f"{stem}-{k}"
    return candidate


def export_recording(folder: str | Path, rec: Recording, stem: str | None = None) -> list[Path]:
    """Write the recording's three CSV files into `folder` (created if needed); returns their paths."""
    out = Path(folder).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    stem = free_stem(out, stem or datetime.now().strftime("lab-%Y%m%d-%H%M%S"))
    paths = [write_csv(out / f"{stem}-pulses.csv", PULSE_COLUMNS,
                       ([row.get(c) for c in PULSE_COLUMNS] for row in rec.pulses)),
             write_csv(out / f"{stem}-traces.csv", TRACE_COLUMNS, rec.traces),
             write_csv(out / f"{stem}-epp.csv", EPP_COLUMNS, rec.epp)]
    return paths
