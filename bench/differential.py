"""Differential check of validation against the strict emulator (vnet2vnet/differential.py): N random stack configs
from a seed, each judged by our validation and by the emulator's Azure; a seeded sample also runs `up` on the real
engine against the emulator, and its verdict must equal the offline one. Prints every disagreement, the per-rule
table and the wall time; the last line reads
`differential: N configs, W wrong accepts, O over-strict, R rules unreached`.

    venv/bin/python bench/differential.py --count 60 --seed 2026 [--engine-sample 0.05] [--workers 2]

Exit 0 when there is no wrong accept, no uncited over-strict refusal, no program error, no unreached rule and no
engine disagreement; else 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the stack program's `components` helpers

from components import side_providers  # noqa: E402 (after the path)
from vnet2vnet.differential import (  # noqa: E402
    GeneratedConfig,
    Summary,
    Verdict,
    describe,
    engine_sample,
    engine_verdicts,
    generate,
    judge,
    reachable_rules,
)


def _judge(generated: GeneratedConfig) -> Verdict:
    return judge(generated, side_providers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="how many configs (default 60)")
    parser.add_argument("--seed", type=int, default=2026, help="the generator's seed (default 2026)")
    parser.add_argument(
        "--engine-sample",
        type=float,
        default=0.05,
        help="the share of configs that also run `up` on the real engine (default 0.05, at least 3; 0: none)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes judging offline")
    arguments = parser.parse_args()
    started = time.monotonic()
    configs = generate(arguments.count, arguments.seed)
    with ProcessPoolExecutor(max_workers=max(1, arguments.workers)) as pool:
        verdicts = []
        for done, verdict in enumerate(pool.map(_judge, configs, chunksize=4), start=1):
            verdicts.append(verdict)
            if done % 50 == 0 or done == len(configs):
                print(f"judged {done}/{len(configs)} in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    summary = Summary(verdicts)
    offline_seconds = time.monotonic() - started
    print(f"kinds: {dict(summary.kinds())}")
    print(f"outcomes: {dict(summary.outcomes())}")
    for verdict in verdicts:
        if verdict.outcome not in ("agree", "unexpressed"):
            print(f"  {verdict.outcome}: {describe(verdict)}")
    print("refusals by rule (the emulator's rules a config can reach):")
    for rule in reachable_rules():
        print(f"  {summary.refusals_by_rule()[rule.id]:5d}  {rule.id}")
    engine_disagreements = 0
    if arguments.engine_sample > 0:
        sample = engine_sample(verdicts, arguments.engine_sample)
        print(f"real engine: {len(sample)} configs ({', '.join(sorted({v.config.kind for v in sample}))})")
        for verdict, engine in engine_verdicts(sample, say=lambda line: print(line, file=sys.stderr, flush=True)):
            same = engine == verdict.refused_by
            engine_disagreements += not same
            print(
                f"  #{verdict.config.index} {verdict.config.kind}: offline {verdict.refused_by or 'accepted'}, "
                f"engine {engine or 'accepted'}" + ("" if same else "  DISAGREE")
            )
    print(f"wall time: {time.monotonic() - started:.0f}s (offline {offline_seconds:.0f}s)")
    print(summary.last_line())
    return 0 if summary.ok and not engine_disagreements else 1


if __name__ == "__main__":
    sys.exit(main())
