"""`python -m bench` (`make bench`): run every benchmark, or those named.

    python -m bench                  # all of them: submit, mix, findings, then export
    python -m bench mix              # only the mix (1,000 and 100,000 new responses)
    python -m bench findings         # only the findings benchmark
    python -m bench export           # only the export benchmark
    python -m bench submit --seconds 5
"""

import argparse
import sys

from bench import export, findings, mix, submit

BENCHMARKS = {"submit": submit, "mix": mix, "findings": findings, "export": export}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS),
                        help="run only this benchmark (repeatable; same as naming it)")
    for module in BENCHMARKS.values():
        module.add_arguments(parser)
    options = parser.parse_args(argv)
    chosen = list(options.names) + list(options.only or [])
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from "
                     f"{', '.join(BENCHMARKS)}")
    status = 0
    for name in [n for n in BENCHMARKS if n in chosen] or list(BENCHMARKS):
        status = max(status, BENCHMARKS[name].run(options))
    return status


if __name__ == "__main__":
    sys.exit(main())
