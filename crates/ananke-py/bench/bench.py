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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import numpy as np

import ananke

REPO = Path(os.environ.get("ANANKE_REPO", Path(__file__).resolve().parents[3]))
DATA = Path(os.environ.get("ANANKE_DATA_DIR", REPO.parent / "shared" / "data"))
BIN = Path(os.environ.get("ANANKE_BIN", REPO / "target" / "debug" / "ananke"))
PROGRAMS = int(os.environ.get("ANANKE_BENCH_PROGRAMS", "30"))


def quantile(xs: List[float], q: float) -> float:
    s = sorted(xs)
    return s[round((len(s) - 1) * q)] if s else float("nan")


def programs(n: int) -> List[str]:
    with open(DATA / "mbpp_typed.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["source"] for line in f if line.strip()][:n]


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
    compiled = ananke.Compiler(tok).compile(ananke.Spec(), domains=list(ananke.DOMAINS))
    bitmask = ananke.allocate_token_bitmask(1, tok.vocab_size)
    times: List[float] = []
    for source in sources:
        matcher = ananke.Matcher(compiled)
        for token in tok.encode(source):
            t = time.perf_counter()
            matcher.fill_next_token_bitmask(bitmask, 0)
            times.append((time.perf_counter() - t) * 1e6)
            if not matcher.consume_token(token):
                break
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
    import llguidance

    setup = ananke._ananke.llguidance_setup()
    table = tok.token_bytes()

    class Vocab:
        eos_token_id = tok.eos_token_ids[0]
        bos_token_id = None
        tokens = table
        special_token_ids = tok.special_token_ids

        def __call__(self, s: Any) -> List[int]:
            return tok.encode(s.decode("utf-8", "replace") if isinstance(s, bytes) else s)

    lltok = llguidance.LLTokenizer(llguidance.TokenizerWrapper(Vocab()), slices=setup["slices"])
    limits = llguidance.LLParserLimits(step_max_items=setup["step_max_items"], step_lexer_fuel=setup["step_lexer_fuel"])
    grammar = llguidance.LLMatcher.grammar_from_lark(setup["lark"])
    words = ananke.bitmask_words(tok.vocab_size)
    results = {}

    def run(name: str, new: Callable[[], Any], fill: Callable[[Any, np.ndarray], None], consume: Callable[[Any, int], bool]) -> None:
        bitmask = np.zeros((1, words), dtype=np.int32)
        times: List[float] = []
        for source in sources:
            m = new()
            for token in tok.encode(source):
                t = time.perf_counter()
                fill(m, bitmask)
                times.append((time.perf_counter() - t) * 1e6)
                if not consume(m, token):
                    break
        results[name] = {"median_us": quantile(times, 0.5), "p99_us": quantile(times, 0.99), "masks": len(times)}

    def ll_fill(m: Any, bitmask: np.ndarray) -> None:
        m.unsafe_compute_mask_ptr(bitmask.ctypes.data, bitmask.nbytes)

    run(
        "llguidance LLMatcher",
        lambda: llguidance.LLMatcher(lltok, grammar, log_level=0, limits=limits),
        ll_fill,
        lambda m, t: m.consume_token(t) and not m.is_error(),
    )
    for name, domains in (("ananke syntax only", ["syntax"]), ("ananke all domains", list(ananke.DOMAINS))):
        compiled = ananke.Compiler(tok).compile(ananke.Spec(), domains=domains)
        run(name, lambda: ananke.Matcher(compiled), lambda m, b: m.fill_next_token_bitmask(b), lambda m, t: m.consume_token(t))
    return results


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
