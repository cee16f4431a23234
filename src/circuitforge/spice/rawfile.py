"""Reader of ngspice raw files (binary and ASCII), as written by ``ngspice -b -r out.raw``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .results import AnalysisResult

__all__ = ["read_raw", "normalise_name", "PLOT_KINDS"]

PLOT_KINDS = {"operating point": "op", "dc transfer characteristic": "dc", "ac analysis": "ac",
              "transient analysis": "tran", "noise spectral density curves": "noise",
              "integrated noise": "noise_total"}


def normalise_name(name: str) -> str:
    """Raw-file vector names in the shared library's spelling: ``v(out)`` → ``out``, ``i(v1)`` → ``v1#branch``."""
    n = name.strip().lower()
    m = re.fullmatch(r"v\((.+)\)", n)
    if m and "," not in m.group(1):
        return m.group(1)
    m = re.fullmatch(r"i\((.+)\)", n)
    if m:
        return m.group(1) + "#branch"
    return n


def read_raw(path: str | Path) -> list[AnalysisResult]:
    """Every complete plot in the raw file, in order (a truncated last plot is left out)."""
    data = Path(path).read_bytes()
    out: list[AnalysisResult] = []
    try:
        _read_plots(data, out)
    except (ValueError, KeyError, IndexError):
        pass  # ngspice stopped writing mid-plot (a failed analysis): keep the complete ones
    return out


def _read_plots(data: bytes, out: list[AnalysisResult]) -> None:
    pos = 0
    while pos < len(data):
        header: dict[str, str] = {}
        names: list[tuple[str, str]] = []
        while True:
            end = data.index(b"\n", pos)
            line = data[pos:end].decode("latin-1").rstrip("\r")
            pos = end + 1
            if line.startswith(("Binary:", "Values:")):
                fmt = line.split(":")[0]
                break
            if line.startswith("Variables:"):
                nvars = int(header["no. variables"])
                for _ in range(nvars):
                    end = data.index(b"\n", pos)
                    parts = data[pos:end].decode("latin-1").split()
                    pos = end + 1
                    names.append((parts[1], parts[2] if len(parts) > 2 else ""))
                continue
            if ":" in line:
                k, v = line.split(":", 1)
                header[k.strip().lower()] = v.strip()
        nvars = int(header["no. variables"])
        npoints = int(header["no. points"])
        complex_ = "complex" in header.get("flags", "")
        if fmt == "Binary":
            width = 2 if complex_ else 1
            count = nvars * npoints * width
            if pos + count * 8 > len(data):
                raise ValueError("truncated plot")
            arr = np.frombuffer(data, dtype="<f8", count=count, offset=pos).copy()
            pos += count * 8
            if complex_:
                arr = arr.view(np.complex128)
            table = arr.reshape(npoints, nvars)
        else:
            values: list[complex] = []
            while len(values) < nvars * npoints:
                end = data.find(b"\n", pos)
                end = len(data) if end < 0 else end
                tokens = data[pos:end].decode("latin-1").split()
                pos = end + 1
                if not tokens:
                    continue
                if len(tokens) >= 2 and tokens[0].isdigit() and len(values) % nvars == 0:
                    tokens = tokens[1:]
                for t in tokens:
                    if "," in t:
                        re_, im = t.split(",")
                        values.append(complex(float(re_), float(im)))
                    else:
                        values.append(float(t))
            table = np.array(values, dtype=np.complex128 if complex_ else np.float64).reshape(npoints, nvars)
        kind = PLOT_KINDS.get(header.get("plotname", "").lower(), header.get("plotname", "").lower())
        vectors = {normalise_name(n): table[:, i] for i, (n, _) in enumerate(names)}
        units = {normalise_name(n): u for n, u in names}
        first = normalise_name(names[0][0])
        sweep = np.real(vectors[first]) if kind not in ("op", "noise_total") else np.array([])
        out.append(AnalysisResult(kind, sweep, first if sweep.size else "", vectors, units))
        while pos < len(data) and data[pos:pos + 1] in (b"\n", b"\r"):
            pos += 1
