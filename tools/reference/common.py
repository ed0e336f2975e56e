"""Helpers shared by the reference scripts: paths, compact JSON, metadata."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
SIG_DIGITS = 7


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def round_sig(x: float, digits: int = SIG_DIGITS) -> float:
    """x with at most `digits` significant digits (non-finite values kept as they are)."""
    if not math.isfinite(x) or x == 0.0:
        return x
    return float(f"{x:.{digits}g}")


def compact(obj):
    """A copy of obj with every float rounded to SIG_DIGITS significant digits."""
    if isinstance(obj, float):
        return round_sig(obj)
    if isinstance(obj, dict):
        return {k: compact(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [compact(v) for v in obj]
    return obj


def write_json(obj, path: str | os.PathLike):
    """Write obj as compact JSON (one case per line at the top-level lists)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    data = compact(obj)
    parts = ["{"]
    keys = list(data)
    for i, key in enumerate(keys):
        value = data[key]
        sep = "," if i < len(keys) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows = ",\n  ".join(json.dumps(v, separators=(",", ":"), allow_nan=False) for v in value)
            parts.append(f"{json.dumps(key)}:[\n  {rows}\n]{sep}")
        else:
            parts.append(f"{json.dumps(key)}:{json.dumps(value, separators=(',', ':'), allow_nan=False)}{sep}")
    parts.append("}")
    Path(path).write_text("\n".join(parts) + "\n", encoding="utf-8")


def utc_now() -> str:
    """The current UTC time, ISO 8601, seconds."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
