"""How long `hotdash --help` takes to start, against a bare interpreter importing Typer, in the same run.

    python -m bench.cli_start --runs 15

The aim (issue 12) is 0.3 s or less for `--help`. Each figure is the median wall time of `--runs` fresh
processes; the baseline is `python -c "import typer"`, the floor any Typer command pays.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "baseline: python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "hotdash --help": [sys.executable, "-m", "hotdash", "--help"],
    "hotdash rules --help": [sys.executable, "-m", "hotdash", "rules", "--help"],
}


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {name: _median_seconds(command, args.runs) for name, command in COMMANDS.items()}
    baseline = next(iter(results.values()))
    for name, seconds in results.items():
        print(f"{name:40} median {seconds * 1000:7.1f} ms   {seconds / baseline:5.2f}x baseline")


if __name__ == "__main__":
    main()
