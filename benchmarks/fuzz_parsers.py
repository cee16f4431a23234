"""Long mutation fuzz of every netlist reader: prints how many inputs were tried and any escapes.

An escape is any exception other than circuitforge's own, or a ParseError
without file and line. Seeds: the package examples, the dialect examples of
tests/netlists/test_{hspice,ltspice,cdl,kicad,json,realworld_constructs}.py
(the last: auCdl/HSPICE, LTspice, KiCad and '#'-comment decks of issue 16),
and generated decks.

    .venv/bin/python benchmarks/fuzz_parsers.py --seconds 300
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import time
import traceback
from pathlib import Path

from circuitforge.examples import example_names, example_path
from circuitforge.netlists import INPUT_DIALECTS, CircuitforgeError, ParseError, parse
from circuitforge.netlists.validate import validate

ROOT = Path(__file__).resolve().parents[1]
TOKENS = list("(){}[]'\"=+*-/;$\\\n .,:0123456789abcdemkMuµ\x00\ufeff") + [
    ".subckt", ".ends", ".SUBCKT", ".ENDS", ".param", ".end", ".model", ".lib", ".endl", ".alter", ".data",
    ".enddata", ".protect", ".control\n", ".endc\n", "*.PININFO a:I", "$[", "$PINS", "$X=", " / ", "*@opaque ",
    "Rser=", "4k7", "SINE(", "PULSE(", "subckt", "ends", "simulator lang=spectre\n", "parameters", "\n+",
    '"component_type"', '"port_connection"', '{"Drain": ', '"Memristor"', "null", "[[[[", "{{{{", "\\\n",
    ".include x", ".lib 'a' b", "X1 a b / inv", "M1 d g s b nch", "{w*", "'1+", "1e999", "1e-999", "--1",
    # constructs of real-world decks (issue 16)
    "*.GLOBAL vdd!\n+ gnd!\n", "*.PIN vdd!\n*+ gnd!\n", ".PARAM\n", "*.RESI = 2000\n", "vdd!", "ends ",
    "parameters w l=1u\n", " load", "Laplace=1/(1+s)", " OFF ", "SINE(0 1 1k 0 0 0 10)", "level=2", " * ",
    "\n+ )\n", "#REVISION: Rev: 13\n", "SW1 a b SW_Push\n", "H1 MountingHole\n", "RV1 a b c POT_TRIM\n",
    "1µF / 16V", "/16V", "F_Small", "TP1 a TestPoint\n"]


def seeds() -> list[str]:
    out = [example_path(n).read_text() for n in example_names()]
    for mod in ("test_hspice", "test_ltspice", "test_cdl", "test_kicad", "test_json", "test_realworld_constructs"):
        path = ROOT / "tests" / "netlists" / f"{mod}.py"
        if not path.is_file():
            continue
        spec = importlib.util.spec_from_file_location(f"_seed_{mod}", path)
        m = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(m)  # type: ignore[union-attr]
        out += list(m.EXAMPLES.values())
    rng = random.Random(0)
    for k in range(20):  # generated flat decks
        lines = [f"* gen {k}"]
        for i in range(rng.randint(3, 40)):
            a, b, c, d = (f"n{rng.randint(0, 9)}" for _ in range(4))
            lines.append(rng.choice([f"R{i} {a} {b} {rng.randint(1, 99)}k", f"C{i} {a} 0 {rng.randint(1, 9)}p",
                                     f"M{i} {a} {b} {c} {d} nch w=1u l=0.1u", f"X{i} {a} {b} sub",
                                     f"V{i} {a} 0 PULSE(0 1 0 1n 1n 5n 10n)"]))
        out.append("\n".join(lines) + "\n.end\n")
    return out


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 10)):
        if not text:
            break
        i = rng.randrange(len(text))
        op = rng.randrange(5)
        if op == 0:
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif op == 1:
            text = text[:i] + text[min(len(text), i + rng.randint(0, 30)):]
        elif op == 2:
            j = rng.randrange(len(text))
            a, b = sorted((i, j))
            text = text[:a] + text[b:b + 1] + text[a + 1:b] + text[a:a + 1] + text[b + 1:]
        elif op == 3:
            j = min(len(text), i + rng.randint(0, 60))
            text = text[:j] + text[i:j] + text[j:]
        else:
            lines = text.splitlines(keepends=True)
            lines.insert(rng.randrange(len(lines)), lines.pop(rng.randrange(len(lines))))
            text = "".join(lines)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = seeds()
    dialects = [None, *INPUT_DIALECTS]
    tried = parsed = errors = 0
    escapes: list[str] = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        text = mutate(rng, rng.choice(pool))
        dialect = rng.choice(dialects)
        tried += 1
        try:
            n = parse(text, dialect=dialect, resolve_includes=False, filename="fuzz.cir")
            validate(n)
            parsed += 1
        except ParseError as exc:
            errors += 1
            if exc.loc is None or exc.loc.file != "fuzz.cir":
                escapes.append(f"ParseError without location: {exc!r}\n--- input ({dialect}):\n{text[:400]}")
        except CircuitforgeError:
            errors += 1
        except Exception:  # noqa: BLE001 - this is what the fuzzer looks for
            escapes.append(f"{traceback.format_exc(limit=3)}--- input ({dialect}):\n{text[:400]}")
    dt = time.perf_counter() - t0
    print(f"inputs tried: {tried:,} in {dt:.0f} s ({tried / dt:,.0f}/s); parsed {parsed:,}, "
          f"circuitforge errors {errors:,}, escapes {len(escapes)}")
    for e in escapes[:10]:
        print("=" * 60)
        print(e)


if __name__ == "__main__":
    main()
