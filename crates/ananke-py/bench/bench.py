"""`cargo xtask bench --python`: what the Python layer costs, side by side
in one run.

1. Overhead: `Matcher.fill_next_token_bitmask` through Python against
   `Session::compute_mask` in Rust (`ananke check`'s own per-mask timings)
   on the same states: the same MBPP programs force-fed in the same order,
   every domain, cl100k_base.
2. Batch throughput: masks per second for 1, 8 and 64 matchers advancing
   through their programs, one `fill_next_token_bitmask_batch` per step
   against one `fill_next_token_bitmask` per row.
3. llguidance's own `LLMatcher` (from its package) against Ananke's
   syntax-only and all-domain matchers, on the same programs, tokenizer
   and Lark grammar (the expanded grammar Ananke gives llguidance): median
   and p99 per mask.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import ananke
from harness import REPO, Peer, ananke_peer, ananke_peers, feed, llguidance_peer, programs, quantile

BIN = Path(os.environ.get("ANANKE_BIN", REPO / "target" / "debug" / "ananke"))
PROGRAMS = int(os.environ.get("ANANKE_BENCH_PROGRAMS", "30"))


def overhead(tok: ananke.Tokenizer, sources: List[str]) -> Dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for i, s in enumerate(sources):
            f.write(json.dumps({"id": i, "source": s}) + "\n")
    cli = subprocess.run(
        [str(BIN), "check", "--tokenizer", tok.name, "--jsonl", f.name],
        capture_output=True,
        text=True,
        check=True,
    )
    m = re.search(r"mask time median ([0-9.]+) µs, p99 ([0-9.]+) µs", cli.stderr)
    assert m, cli.stderr
    rust_median, rust_p99 = float(m.group(1)), float(m.group(2))
    times = feed(ananke_peer(tok, list(ananke.DOMAINS)), tok, sources, check_mask=False).times_us
    py_median, py_p99 = quantile(times, 0.5), quantile(times, 0.99)
    return {
        "rust_median_us": rust_median,
        "rust_p99_us": rust_p99,
        "python_median_us": py_median,
        "python_p99_us": py_p99,
        "overhead_median_pct": 100 * (py_median / rust_median - 1),
    }


def batch(tok: ananke.Tokenizer, sources: List[str], sizes: List[int], steps: int = 25) -> List[Dict[str, float]]:
    rows = []
    for n in sizes:
        result: Dict[str, float] = {"matchers": n}
        for mode in ("batch", "row_by_row"):
            # A fresh compiled spec: no masks cached from the other mode.
            compiled = ananke.Compiler(tok).compile(ananke.Spec())
            token_lists = [tok.encode(sources[i % len(sources)]) for i in range(n)]
            matchers = [ananke.Matcher(compiled) for _ in range(n)]
            bitmask = ananke.allocate_token_bitmask(n, tok.vocab_size)
            masks = 0
            start = time.perf_counter()
            for step in range(steps):
                live = [i for i in range(n) if step < len(token_lists[i])]
                if mode == "batch":
                    ananke.fill_next_token_bitmask_batch([matchers[i] for i in live], bitmask, live)
                else:
                    for i in live:
                        matchers[i].fill_next_token_bitmask(bitmask, i)
                masks += len(live)
                for i in live:
                    matchers[i].consume_token(token_lists[i][step])
            # Consuming is part of each step for both modes alike.
            result[f"{mode}_masks_per_s"] = masks / (time.perf_counter() - start)
        rows.append(result)
    return rows


def per_mask(tok: ananke.Tokenizer, sources: List[str]) -> Dict[str, Dict[str, float]]:
    peers: List[Peer] = [llguidance_peer(tok), *ananke_peers(tok)]
    return {p.name: feed(p, tok, sources, check_mask=False).summary() for p in peers}


def main() -> None:
    tok = ananke.Tokenizer.from_tiktoken("cl100k_base")
    sources = programs(PROGRAMS)
    print(f"# Python benchmark: {len(sources)} MBPP programs, cl100k_base, {os.cpu_count()} cores\n")
    o = overhead(tok, sources)
    print("## fill_next_token_bitmask (Python) vs Session::compute_mask (Rust), same states\n")
    print("| side | median µs | p99 µs |\n|---|---:|---:|")
    print(f"| Rust compute_mask | {o['rust_median_us']:.1f} | {o['rust_p99_us']:.1f} |")
    print(f"| Python fill | {o['python_median_us']:.1f} | {o['python_p99_us']:.1f} |")
    print(f"\nmedian overhead: {o['overhead_median_pct']:+.1f}% (target ≤ 5%)\n")
    print("## batch fill throughput (masks/s, every domain)\n")
    print("| matchers | batch | row by row | speed-up |\n|---:|---:|---:|---:|")
    for r in batch(tok, sources, [1, 8, 64]):
        print(f"| {r['matchers']:.0f} | {r['batch_masks_per_s']:.0f} | {r['row_by_row_masks_per_s']:.0f} | {r['batch_masks_per_s'] / r['row_by_row_masks_per_s']:.2f}× |")
    print("\n## per mask: llguidance's LLMatcher vs Ananke (same grammar, programs, tokenizer)\n")
    print("| matcher | masks | median µs | p99 µs |\n|---|---:|---:|---:|")
    for name, r in per_mask(tok, sources).items():
        print(f"| {name} | {r['masks']:.0f} | {r['median_us']:.1f} | {r['p99_us']:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
