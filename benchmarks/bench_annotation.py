"""Annotation-compiler speed: compile a 50-file code directory (search space + expanded copy).

Baseline in the same process: ``ast.parse`` + ``ast.unparse`` of every file (a whole-file re-emit, roughly what
NNI's astor-based compiler did per file). Several repeats, median.

    .venv/bin/python benchmarks/bench_annotation.py [--files 50] [--repeats 7]
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import ast
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nastuners.annotation import expand, generate_search_space

TEMPLATE = '''"""Trial file {i}."""
import nni
import numpy as np


def conv(inputs, ch=16, size=3):
    return inputs


def pool(inputs):
    return inputs


class Net{i}:
    def build(self, x):
        """@nni.variable(nni.choice(0.1, 0.01, 0.001), name=self.lr)"""
        self.lr = 0.1
        h = conv([[x], []])
        """@nni.mutable_layers(
        {{
            layer_choice: [conv(ch=16), conv(ch=32, size=5), pool()],
            fixed_inputs: [h],
            layer_output: l0
        }},
        {{
            layer_choice: [conv(ch=16), conv(ch=32, size=5), pool()],
            fixed_inputs: [l0],
            optional_inputs: [x, h],
            optional_input_size: [0, 2],
            layer_output: l1
        }}
        )"""
        for step in range(10):
            """@nni.report_intermediate_result(step)"""
        """@nni.report_final_result(0.5)"""
        return l1
''' + "\n".join(f"\ndef helper_{k}(a, b):\n    # plain code\n    return [a * {k}, b + {k}]\n" for k in range(30))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp, "code")
        for i in range(args.files):
            sub = code / f"pkg{i % 5}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"trial_{i}.py").write_text(TEMPLATE.format(i=i))
        lines = sum(len(p.read_text().splitlines()) for p in code.rglob("*.py"))
        base, space_t, expand_t = [], [], []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            for p in sorted(code.rglob("*.py")):
                ast.unparse(ast.parse(p.read_text()))
            base.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            space = generate_search_space(code)
            space_t.append(time.perf_counter() - t0)
            out = Path(tmp, f"out{r}")
            t0 = time.perf_counter()
            expand(code, out)
            expand_t.append(time.perf_counter() - t0)
            shutil.rmtree(out)
        assert len(space) == 2 * args.files
        b, s, e = (statistics.median(x) for x in (base, space_t, expand_t))
        print(f"{args.files} files, {lines} lines, {len(space)} space entries, {args.repeats} repeats (median)")
        print(f"baseline parse+unparse : {b * 1e3:8.1f} ms  ({b / args.files * 1e3:.2f} ms/file)")
        print(f"generate_search_space  : {s * 1e3:8.1f} ms  ({s / args.files * 1e3:.2f} ms/file, {s / b:.2f}x)")
        print(f"expand (space + copy)  : {e * 1e3:8.1f} ms  ({e / args.files * 1e3:.2f} ms/file, {e / b:.2f}x)")


if __name__ == "__main__":
    main()
