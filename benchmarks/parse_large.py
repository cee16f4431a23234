"""Parse a generated 100k-device flat LTspice-style netlist: seconds, devices/s and peak memory.

Compares with spicelib (``SpiceEditor``) on the same file in the same run when
spicelib is installed (``pip install spicelib``); skips it with a message otherwise.

    .venv/bin/python benchmarks/parse_large.py                # 100,000 devices
    .venv/bin/python benchmarks/parse_large.py --devices 20000
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from circuitforge.netlists import read


def generate(path: Path, devices: int, seed: int = 0) -> None:
    """An LTspice-style flat deck: R/C/L with 4k7 values and Rser=, MOSFETs, BJTs, diodes, sources."""
    rng = random.Random(seed)
    nets = max(10, devices // 3)
    lines = [f"* {path.stem}.asc", ".model NMOS1 NMOS(Vto=0.5 Kp=200u)", ".model PMOS1 PMOS(Vto=-0.5 Kp=80u)",
             ".model D1N4148 D(Is=2.52n Rs=0.568)", ".model 2N3904 NPN(Bf=300)"]

    def n() -> str:
        return f"N{rng.randrange(nets):06d}"

    for i in range(devices):
        k = i % 10
        if k < 3:
            lines.append(f"R{i} {n()} {n()} {rng.randint(1, 9)}k{rng.randint(0, 9)}")
        elif k < 5:
            lines.append(f"C{i} {n()} {n()} {rng.randint(1, 999)}p Rser=10m")
        elif k == 5:
            lines.append(f"L{i} {n()} {n()} {rng.randint(1, 99)}µ Rser=0.1 Cpar=1p")
        elif k < 8:
            model = "NMOS1" if k == 6 else "PMOS1"
            lines.append(f"M{i} {n()} {n()} {n()} {n()} {model} l=180n w={rng.randint(1, 20)}u m=1")
        elif k == 8:
            lines.append(f"Q{i} {n()} {n()} {n()} 2N3904" if i % 20 == 8 else f"D{i} {n()} {n()} D1N4148")
        else:
            lines.append(f"V{i} {n()} 0 PULSE(0 1.8 {rng.randint(0, 9)}n 100p 100p 5n 10n)"
                         if i % 20 == 9 else f"I{i} {n()} 0 {rng.randint(1, 99)}u")
    lines += [".tran 0 100n 0 1n", ".backanno", ".end"]
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")


def measure(fn) -> tuple[object, float, float]:
    """(result, seconds without tracing, peak MiB traced in a second run)."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    dt = time.perf_counter() - t0
    del result
    gc.collect()
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, dt, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.net"
        generate(path, args.devices)
        size = path.stat().st_size / 2**20
        print(f"file: {args.devices:,} devices, {size:.1f} MiB")
        netlist, dt, peak = measure(lambda: read(path, dialect="ltspice"))
        ndev = len(netlist.devices)  # type: ignore[attr-defined]
        print(f"circuitforge: {ndev:,} devices in {dt:.2f} s ({ndev / dt:,.0f} devices/s), "
              f"peak {peak:.0f} MiB traced ({peak / size:.0f}x the file)")
        try:
            from spicelib import SpiceEditor
        except ImportError:
            print("spicelib: not installed, skipped (pip install spicelib to compare)")
            return
        editor, sdt, speak = measure(lambda: SpiceEditor(str(path)))
        scount = len(editor.get_components())  # type: ignore[attr-defined]
        print(f"spicelib SpiceEditor: {scount:,} components in {sdt:.2f} s ({scount / sdt:,.0f} devices/s), "
              f"peak {speak:.0f} MiB traced")
        print(f"ratio: circuitforge {sdt / dt:.1f}x the speed of spicelib")


if __name__ == "__main__":
    main()
