#!/usr/bin/env python
"""`make bench`: every benchmark, then one table of every figure beside its target.

Runs each script of BENCHMARKS in turn (each makes its own throw-away database and
server, see its docstring), collects the lines they record (scripts/benchlib.py
`record()`), prints the table and writes it to var/bench/<date>.json and .md, with the
machine's cores and the commit measured. A missed target says MISS. It measures; it
never fails because a target is missed (only because a benchmark itself broke).

    .venv/bin/python scripts/bench.py [--only bench_officer_lookup.py …]

The figures depend on the machine: on a shared 2-core machine they move between runs,
so each gunicorn benchmark compares its path with a bare Django view in the same run.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: In the order they run: the quick in-process one first, the big data set last.
BENCHMARKS = [
    "bench_qr_verify.py",
    "bench_api_verify.py",
    "bench_daily_report.py",
    "bench_f0_submit.py",
    "bench_lab_api.py",
    "bench_citizen_pages.py",
    "bench_staff_lists.py",
    "bench_officer_lookup.py",
]


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _markdown(header: dict, rows: list[dict]) -> str:
    lines = [
        f"# KhaiBao benchmarks, {header['date']}",
        "",
        f"Commit {header['commit']}, {header['cores']} cores, {header['machine']}, "
        f"Python {header['python']}; {header['minutes']:.0f} minutes in all.",
        "",
        "| path | measured | target | |",
        "|---|---|---|---|",
    ]
    for row in rows:
        mark = "met" if row["met"] else "**MISS**"
        lines.append(f"| {row['path']} | {row['figure']} | {row['target']} | {mark} |")
    failed = header.get("failed") or []
    if failed:
        lines += ["", "Benchmarks that broke (no figures): " + ", ".join(failed)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these scripts")
    args = parser.parse_args()
    scripts = args.only or BENCHMARKS
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as results:
        path = Path(results.name)
    env = {**os.environ, "BENCH_RESULTS": str(path)}
    failed = []
    for script in scripts:
        print(f"\n=== {script} ===", flush=True)
        answer = subprocess.run([sys.executable, str(ROOT / "scripts" / script)], env=env)
        if answer.returncode != 0:
            failed.append(script)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    path.unlink()
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    header = {
        "date": today,
        "commit": _commit(),
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "minutes": (time.perf_counter() - started) / 60,
        "failed": failed,
    }
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{today}.json").write_text(
        json.dumps({**header, "rows": rows}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    table = _markdown(header, rows)
    (folder / f"{today}.md").write_text(table, encoding="utf-8")
    print("\n" + table)
    print(f"Written to var/bench/{today}.json and var/bench/{today}.md")
    if failed:
        raise SystemExit(f"benchmarks that broke: {', '.join(failed)}")


if __name__ == "__main__":
    main()
