"""``python -m helpers.classroom bundle|grade``: see the package's docstring and README "For teachers"."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from helpers.classroom import bundle as bundling
from helpers.classroom import grade as grading


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.classroom",
                                     description="Hand the lessons out, and grade what comes back.")
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="build the learner's folder and zip (no solutions, no teacher tools)")
    bundle.add_argument("--out", type=Path, default=bundling.ROOT / "build")
    marking = commands.add_parser("grade", help="run returned notebooks in sandboxes and tabulate this run's checks")
    marking.add_argument("folder", type=Path)
    marking.add_argument("--out", type=Path, default=Path("report"), help="report folder (default: report)")
    marking.add_argument("--time-limit", type=float, default=120.0,
                         help="seconds for all of a notebook's cells together (default: 120)")
    marking.add_argument("--check-limit", type=float, default=60.0,
                         help="seconds for the grader's checks after them (default: 60)")
    marking.add_argument("--memory-gb", type=float, default=4.0, help="memory bound per notebook (default: 4)")
    marking.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                         help=f"notebooks graded at once (default: the number of cores, {os.cpu_count()})")
    marking.add_argument("--no-sandbox", action="store_true", help="run kernels without bubblewrap (not advised)")
    args = parser.parse_args(argv)
    if args.command == "bundle":
        archive = bundling.build_bundle(args.out)
        print(f"learner's bundle: {archive.parent / bundling.BUNDLE_NAME}/ and {archive}")
        return 0
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder of returned notebooks")
    problem = grading.check_out_folder(args.out, args.folder)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if args.workers < 1 or args.time_limit <= 0 or args.check_limit <= 0 or args.memory_gb <= 0:
        parser.error("--workers, --time-limit, --check-limit and --memory-gb must be positive")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        rows, report = grading.grade(args.folder, args.out, time_limit=args.time_limit,
                                     check_limit=args.check_limit, memory_gb=args.memory_gb, workers=args.workers,
                                     use_bwrap=not args.no_sandbox,
                                     progress=lambda line: print(line, file=sys.stderr, flush=True))
    except grading.GradingInterrupted as stop:
        left = sum(grading.INTERRUPTED in row.notes for row in stop.rows)
        print(f"interrupted: {left} notebook(s) not graded; what was graded is in {args.out / 'grades.md'}",
              file=sys.stderr)
        return 130
    ungraded = [row for row in rows if not row.graded]
    flagged = [row for row in rows if row.flags]
    print((args.out / "grades.md").read_text())
    print(f"{len(rows)} notebook(s): {len(rows) - len(ungraded)} fully graded, {len(ungraded)} not, "
          f"{len(flagged)} flagged; written {args.out / 'grades.csv'} and {args.out / 'grades.md'}")
    return 0 if not ungraded else 1  # 130 after Ctrl-C


if __name__ == "__main__":
    sys.exit(main())
