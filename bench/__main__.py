"""``python -m bench``: the whole benchmark in one command (see bench/README.md)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from bench import runner
from bench.scenarios import ALL, BY_KEY

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
QUICK_LARGE = 10_000


def _connections(text: str) -> tuple[int, ...]:
    values = tuple(int(part) for part in text.split(",") if part)
    if not values or min(values) < 1 or max(values) > 1024:
        raise argparse.ArgumentTypeError("connection counts must be between 1 and 1024")
    return values


def _scenarios(text: str) -> tuple[str, ...]:
    keys = tuple(part for part in text.split(",") if part)
    unknown = [key for key in keys if key not in BY_KEY]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scenarios {unknown}; known: {', '.join(BY_KEY)}")
    return keys


def parse(argv: list[str]) -> runner.Settings:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run [10]")
    parser.add_argument("--warmup", type=float, default=5.0, help="warm-up seconds before each run [5]")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="slices the measured time is cut into, alternating the sides [2]",
    )
    parser.add_argument("--connections", type=_connections, default=(16, 64), help="e.g. 16,64 [16,64]")
    parser.add_argument(
        "--scenarios",
        type=_scenarios,
        default=tuple(BY_KEY),
        help=f"comma-separated subset of: {', '.join(BY_KEY)}",
    )
    parser.add_argument(
        "--large-instances",
        type=int,
        default=None,
        help="instances in the database for list_100_of_100k [100000; --quick: 10000]",
    )
    parser.add_argument(
        "--create-addresses",
        type=int,
        default=120_000,
        help="private addresses (in /24 networks) added for the create scenarios [120000]",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CLOUDCA_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server on which throw-away databases may be created, for the PostgreSQL "
        f"columns [$CLOUDCA_BENCH_POSTGRES_URL or {DEFAULT_POSTGRES}]",
    )
    parser.add_argument("--no-postgres", action="store_true", help="leave out the PostgreSQL columns")
    parser.add_argument("--no-peer", action="store_true", help="leave out the peer (moto's EC2 server)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"1 s warm-up, 2 s measured in 1 slice, {QUICK_LARGE:,} instances for the large list: "
        "to try the harness",
    )
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="let the reference play cloudca too (tests the harness without the server)",
    )
    parser.add_argument("--server-cpu", type=int, default=1, help="CPU the server is pinned to [1]")
    parser.add_argument("--load-cpu", type=int, default=0, help="CPU wrk is pinned to [0]")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="[bench/results]")
    parser.add_argument("--keep-work-dir", action="store_true", help="keep server logs and data dirs")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.rounds = 2.0, 1.0, 1
    if args.large_instances is None:
        args.large_instances = QUICK_LARGE if args.quick else 100_000
    cpus = os.cpu_count() or 1
    if cpus < 2 or args.server_cpu == args.load_cpu:
        parser.error("needs two CPUs: one for the server, one for wrk")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    if args.duration <= 0 or args.duration > 120 or args.warmup < 0 or args.warmup > 60:
        parser.error("--duration must be in (0, 120] and --warmup in [0, 60]")
    chosen = set(args.scenarios)
    return runner.Settings(
        duration_s=args.duration,
        warmup_s=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        scenarios=tuple(s for s in ALL if s.key in chosen),
        large_instances=args.large_instances,
        create_addresses=args.create_addresses,
        server_cpu=args.server_cpu,
        load_cpu=args.load_cpu,
        stand_in=args.stand_in,
        results_dir=args.results_dir,
        keep_work_dir=args.keep_work_dir,
        postgres_url=None if args.no_postgres else args.postgres_url,
        peer=not args.no_peer,
        quick=args.quick,
    )


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds through the runner's cleanup, which stops every server it started.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    settings = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    path = runner.run(settings)
    print(path.with_suffix(".md").read_text())
    print(f"wrote {path}, {path.with_suffix('.md')} and {path.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
