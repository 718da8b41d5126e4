"""Cost of the worst inputs of issue 21 (findings 1 and 2), now and before.

    python -m bench.dos_bench [--no-baseline] [--repeat 3]

Now: comments through markdown-it-py + bleach at the comment length limit,
diffs through diff-match-patch under the DIFF_TIMEOUT_MS deadline (100 ms).
Baselines (same machine, same run): Python-Markdown 3 + bleach.linkify on a
10,000-character comment (no limit existed; skipped when the markdown
package is not installed) and difflib.SequenceMatcher(autojunk=False) on
lines then tokens, the code these replaced. Each baseline runs in a child
process killed after --baseline-timeout seconds (reported as "> N s").
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
from difflib import SequenceMatcher

from app import limits
from app.documents.diff import diff_texts, tokenize
from app.issues.markdown import render
from bench import dos_inputs

DIFF_CASES = {
    "8,000 short lines (16 KB)": dos_inputs.short_lines,
    "56 KB paragraph, one word changed": dos_inputs.one_paragraph,
    "56 KB paragraph, a word changed every 40": dos_inputs.scattered_words,
}


def old_markdown(text: str) -> str:
    import bleach
    import markdown as md  # Python-Markdown, the renderer before issue 21

    html = md.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    return bleach.linkify(bleach.clean(html, tags={"p", "a", "code", "pre"}, strip=True))


def old_diff(old: str, new: str) -> None:
    """difflib as before issue 21: lines, then tokens of each replaced block."""
    a_lines, b_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a_lines, b_lines, autojunk=False).get_opcodes():
        if op == "replace":
            a, b = tokenize("".join(a_lines[i1:i2])), tokenize("".join(b_lines[j1:j2]))
            if len(a) + len(b) <= 200_000:
                SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def timed(func, *args, repeat: int = 1) -> float:
    """Median milliseconds of ``func(*args)``; diff_texts runs with its default 100 ms deadline."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _child(func, args, queue):
    queue.put(timed(func, *args))


def timed_in_child(func, args, timeout_s: float) -> str:
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_child, args=(func, args, queue))
    process.start()
    process.join(timeout_s)
    if process.is_alive():
        process.kill()
        process.join()
        return f"> {timeout_s * 1000:,.0f}"
    return f"{queue.get():,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-timeout", type=float, default=60.0)
    args = parser.parse_args()
    try:
        import markdown  # noqa: F401

        have_markdown = True
    except ImportError:
        have_markdown = False

    print(
        f"Markdown comment, limit {limits.COMMENT:,} characters (baseline: 10,000 characters, no limit then)"
    )
    print("| input | now ms (median) | before ms |")
    print("|---|---|---|")
    render("warm up")
    for name, text in dos_inputs.markdown_worst(limits.COMMENT).items():
        now = timed(render, text, repeat=args.repeat)
        before = "-"
        if not args.no_baseline and have_markdown:
            long_text = text * (10_000 // len(text) + 1)
            before = timed_in_child(old_markdown, (long_text[:10_000],), args.baseline_timeout)
        print(f"| {name} | {now:,.1f} | {before} |")

    print("\nDiff between two versions, deadline 100 ms")
    print("| input | now ms (median) | partial | before ms |")
    print("|---|---|---|---|")
    for name, make in DIFF_CASES.items():
        old, new = make()
        now = timed(diff_texts, old, new, repeat=args.repeat)
        partial = diff_texts(old, new, timeout_s=0.1).partial
        before = "-" if args.no_baseline else timed_in_child(old_diff, (old, new), args.baseline_timeout)
        print(f"| {name} | {now:,.1f} | {'yes' if partial else 'no'} | {before} |")


if __name__ == "__main__":
    main()
