"""The verdict of `make mutation`: every mutant killed, or listed as equivalent with the reason why.

Reads what `mutmut run` left in mutants/ (pinned in pyproject.toml's dev extra) and the list of
equivalent mutants (scripts/mutation-equivalent.toml). A mutant is named there by its function and
the line it changes, before and after, not by mutmut's number, which shifts when the code above it
changes. Prints "N killed, M equivalent (listed), K surviving", then each surviving mutant as a diff;
exits 1 while any mutant survives that is not listed, or a listed one no longer survives.
"""

from __future__ import annotations

import json
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
EQUIVALENT = Path(__file__).with_name("mutation-equivalent.toml")
KILLED_CODES = {1, 3}  # mutmut: the tests failed (3: pytest's internal error, a kill too)

Key = tuple[str, str, str]  # (function, line before, line after)


def _function(mutant: str) -> str:
    """``spec._json.x_parse_json__mutmut_3`` -> ``spec._json.parse_json``; methods as ``Class.method``."""
    module, _, mangled = mutant.rpartition(".")
    name = mangled.rpartition("__mutmut_")[0]
    if name.startswith("xǁ"):  # a method: xǁClassǁmethod
        return f"{module}.{name[2:].replace('ǁ', '.')}"
    return f"{module}.{name.removeprefix('x_')}"


def _key(mutant: str, source: Path) -> Key:
    diff = get_diff_for_mutant(mutant, path=source).splitlines()[2:]
    was = " ".join(line[1:].strip() for line in diff if line.startswith("-"))
    now = " ".join(line[1:].strip() for line in diff if line.startswith("+"))
    return _function(mutant), was, now


def _listed() -> dict[Key, str]:
    entries = tomllib.loads(EQUIVALENT.read_text("utf-8")).get("mutant", [])
    return {(e["function"], e["was"], e["now"]): e["why"] for e in entries}


def main(pattern: str = "*") -> int:
    """Judge the mutants whose names match ``pattern`` (make mutation's MUTANTS), and the listed ones in
    the modules it matches."""
    metas = sorted(MUTANTS.rglob("*.py.meta"))
    if not metas:
        print("no mutants/: run `mutmut run` first (make mutation does both)", file=sys.stderr)
        return 2
    killed, surviving = 0, []  # (key, mutant, exit code)
    for meta in metas:
        source = meta.relative_to(MUTANTS).with_suffix("")
        for mutant, code in json.loads(meta.read_text("utf-8"))["exit_code_by_key"].items():
            if not fnmatch(mutant, pattern):
                continue
            if code in KILLED_CODES:
                killed += 1
            else:
                surviving.append((_key(mutant, source), mutant, code))
    listed = {key: why for key, why in _listed().items() if fnmatch(key[0], pattern)}
    equivalent = [found for found in surviving if found[0] in listed]
    open_ = sorted(found for found in surviving if found[0] not in listed)
    stale = [key for key in listed if key not in {found[0] for found in surviving}]
    print(f"{killed} killed, {len(equivalent)} equivalent (listed), {len(open_)} surviving")
    for (function, was, now), mutant, code in open_:
        print(f"\n{mutant} (mutmut exit code {code}) in {function}:\n  - {was}\n  + {now}")
    for function, was, now in stale:
        why = "listed as equivalent but not surviving (killed, or the code changed)"
        print(f"\n{why}: {function}\n  - {was}\n  + {now}")
    return 1 if open_ or stale else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
