"""A PyG dataset of circuit graphs over the AnalogGenie corpus or a folder of netlists.

Processed graphs are cached under ``root/processed`` in a file named after
the configuration (source, view, ids, feature spec), beside the fitted
:class:`FeatureSpec` as JSON, so a second construction with the same
arguments loads instead of converting. ``transform``/``pre_transform``/
``pre_filter`` work as for any PyG dataset (``T.ToUndirected``,
``T.AddSelfLoops``, ...; graphs already carry reverse relations).

>>> import tempfile
>>> from pathlib import Path
>>> src = Path(tempfile.mkdtemp())
>>> _ = (src / "rc.cir").write_text("* rc\\nR1 in out 1k\\nC1 out 0 1p\\n.end\\n")
>>> _ = (src / "cs.cir").write_text("* cs\\nM1 out in 0 0 nmos w=1u l=1u\\nR1 vdd out 1k\\n.end\\n")
>>> ds = CircuitGraphDataset(Path(tempfile.mkdtemp()), src, labels={"rc": "filter", "cs": "amplifier"})
>>> ds
CircuitGraphDataset(2, view='bipartite', classes=2)
>>> ds.classes, ds[1].y.tolist(), ds[1].name
(['amplifier', 'filter'], [1], 'rc')
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, get_args

import torch
from torch_geometric.data import HeteroData, InMemoryDataset

from ..netlists.analoggenie import (
    FAMILIES,
    CorpusCircuit,
    corpus_path,
    iter_corpus,
    load_categories,
    load_circuit,
)
from ..netlists.errors import CircuitforgeError
from ..netlists.netlist import Netlist
from ..netlists.parsers import read
from .bipartite import to_heterodata
from .errors import GraphError
from .features import FeatureSpec
from .pinlevel import to_pin_heterodata

__all__ = ["GRAPH_VIEWS", "NETLIST_SUFFIXES", "CircuitGraphDataset", "GraphView", "class_counts", "netlist_to_graph"]

GraphView = Literal["bipartite", "pinlevel"]
GRAPH_VIEWS: tuple[str, ...] = get_args(GraphView)
NETLIST_SUFFIXES: tuple[str, ...] = (".cir", ".sp", ".spice", ".net", ".ckt", ".scs")
"""Files of a netlist folder that :class:`CircuitGraphDataset` reads."""


def netlist_to_graph(netlist: Netlist, view: GraphView = "bipartite", spec: FeatureSpec | None = None,
                     *, meta: bool = True) -> HeteroData:
    """``to_heterodata`` or ``to_pin_heterodata`` by name; raises :class:`GraphError` listing the views.

    >>> from circuitforge.netlists import parse
    >>> netlist_to_graph(parse("* r\\nR1 a 0 1\\n.end\\n"), "pins")
    Traceback (most recent call last):
    ...
    circuitforge.graph.errors.GraphError: Could not resolve graph view 'pins' among choices ['bipartite', 'pinlevel']
    """
    if view == "bipartite":
        return to_heterodata(netlist, spec, meta=meta)
    if view == "pinlevel":
        return to_pin_heterodata(netlist, spec, meta=meta)
    raise GraphError(f"Could not resolve graph view {view!r} among choices {list(GRAPH_VIEWS)}")


def _is_corpus(folder: Path) -> bool:
    return (folder / "data_categorization.md").is_file() or any(
        p.is_dir() and p.name.isdigit() and (p / f"{p.name}.cir").is_file() for p in folder.iterdir())


class CircuitGraphDataset(InMemoryDataset):
    """Circuit graphs (``HeteroData``) with labels as ``y``.

    ``source``: the AnalogGenie corpus folder (default: :func:`corpus_path`)
    or any folder of netlist files (:data:`NETLIST_SUFFIXES`, read with
    dialect detection). Corpus graphs are labelled with their family
    (:data:`~circuitforge.netlists.analoggenie.FAMILIES` order, from
    ``load_categories``) and carry ``circuit_id``; a folder's graphs are
    labelled through ``labels`` (file stem → class name; classes sorted), or
    not at all. ``ids`` restricts the corpus to those circuit ids. ``spec``
    fixes the features; by default one is fitted on the data and saved in
    ``processed/`` (see :attr:`spec`). ``view``: ``bipartite`` or ``pinlevel``.
    Every graph has ``name`` (corpus id or file stem) and, with ``meta``,
    device and net names.
    """

    def __init__(self, root: str | Path, source: str | Path | None = None, *, view: GraphView = "bipartite",
                 ids: Iterable[int] | None = None, labels: Mapping[str, str] | None = None,
                 spec: FeatureSpec | None = None, meta: bool = True,
                 transform: Callable[[HeteroData], HeteroData] | None = None,
                 pre_transform: Callable[[HeteroData], HeteroData] | None = None,
                 pre_filter: Callable[[HeteroData], bool] | None = None,
                 force_reload: bool = False, log: bool = False) -> None:
        if view not in GRAPH_VIEWS:
            raise GraphError(f"Could not resolve graph view {view!r} among choices {list(GRAPH_VIEWS)}")
        self.source = corpus_path(source) if source is None else Path(source).expanduser().resolve()
        if not self.source.is_dir():
            raise GraphError(f"dataset source {self.source} is not a folder (expected the AnalogGenie corpus "
                             f"or a folder of netlists {list(NETLIST_SUFFIXES)})")
        self.view: GraphView = view
        self.ids = sorted(set(ids)) if ids is not None else None
        self.labels = dict(labels) if labels is not None else None
        self.meta = meta
        self._given_spec = spec
        self.corpus = _is_corpus(self.source)
        key = json.dumps([str(self.source), view, self.ids, sorted((self.labels or {}).items()), meta,
                          spec.to_dict() if spec is not None else None], sort_keys=True)
        self._key = hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
        super().__init__(str(root), transform, pre_transform, pre_filter, log=log, force_reload=force_reload)
        self.load(self.processed_paths[0], data_cls=HeteroData)
        info = json.loads(Path(self.processed_paths[2]).read_text(encoding="utf-8"))
        self.classes: list[str] = info["classes"]
        self.skipped: list[str] = info["skipped"]
        self.spec: FeatureSpec = FeatureSpec.load(self.processed_paths[1])

    # ---- PyG plumbing ---------------------------------------------------------------
    @property
    def raw_dir(self) -> str:
        return str(self.source)

    @property
    def raw_file_names(self) -> list[str]:
        return []

    @property
    def processed_file_names(self) -> list[str]:
        return [f"{self.view}-{self._key}.pt", f"features-{self._key}.json", f"info-{self._key}.json"]

    def download(self) -> None:  # the source is local
        return None

    def _circuits(self) -> tuple[list[tuple[str, Netlist, str | None, int | None]], list[str], list[str]]:
        """(name, netlist, label, circuit id) for every readable source item, the classes, and skipped items."""
        items: list[tuple[str, Netlist, str | None, int | None]] = []
        skipped: list[str] = []
        if self.corpus:
            if self.ids is None:
                for c in iter_corpus(self.source):
                    if isinstance(c, CorpusCircuit):
                        items.append((str(c.id), c.netlist, c.family, c.id))
                    else:
                        skipped.append(str(c))
            else:
                md = self.source / "data_categorization.md"
                cats = load_categories(self.source) if md.is_file() else []
                for cid in self.ids:
                    try:
                        c = load_circuit(self.source / str(cid), categories=cats)
                    except CircuitforgeError as exc:
                        skipped.append(f"{cid}: {exc}")
                        continue
                    items.append((str(c.id), c.netlist, c.family, c.id))
            return items, list(FAMILIES), skipped
        files = sorted(p for p in self.source.iterdir() if p.suffix.lower() in NETLIST_SUFFIXES and p.is_file())
        if not files:
            raise GraphError(f"no netlist files {list(NETLIST_SUFFIXES)} in {self.source}")
        for p in files:
            try:
                items.append((p.stem, read(p), self.labels.get(p.stem) if self.labels else None, None))
            except CircuitforgeError as exc:
                skipped.append(f"{p}: {exc}")
        classes = sorted(set(self.labels.values())) if self.labels else []
        return items, classes, skipped

    def process(self) -> None:
        items, classes, skipped = self._circuits()
        if skipped:
            warnings.warn(f"{len(skipped)} circuits of {self.source} could not be read (first: {skipped[0]})",
                          stacklevel=2)
        spec = self._given_spec or FeatureSpec.fit(n for _, n, _, _ in items)
        class_index = {c: i for i, c in enumerate(classes)}
        data_list: list[HeteroData] = []
        for name, netlist, label, cid in items:
            data = netlist_to_graph(netlist, self.view, spec, meta=self.meta)
            data.name = name
            if label is not None and label in class_index:
                data.y = torch.tensor([class_index[label]], dtype=torch.long)
            elif classes:
                data.y = torch.tensor([-1], dtype=torch.long)  # unlabelled in a labelled set
            if cid is not None:
                data.circuit_id = torch.tensor([cid], dtype=torch.long)
            if self.pre_filter is not None and not self.pre_filter(data):
                continue
            if self.pre_transform is not None:
                data = self.pre_transform(data)
            data_list.append(data)
        if not data_list:
            raise GraphError(f"no graphs made from {self.source} (ids={self.ids}, skipped {len(skipped)})")
        self.save(data_list, self.processed_paths[0])
        spec.save(self.processed_paths[1])
        Path(self.processed_paths[2]).write_text(json.dumps({"classes": classes, "skipped": skipped}),
                                                 encoding="utf-8")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)}, view={self.view!r}, classes={len(self.classes)})"


def class_counts(dataset: Sequence[HeteroData]) -> dict[int, int]:
    """How many graphs have each ``y`` (a helper for balanced sampling and reports)."""
    out: dict[int, int] = {}
    for d in dataset:
        k = int(d.y)
        out[k] = out.get(k, 0) + 1
    return out
