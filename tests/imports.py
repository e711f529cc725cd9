"""What a source file imports (read with ast, nothing executed): for the layer-boundary tests."""
from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path) -> list[str]:
    """Every module named by an import statement in the file at `path`."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names
