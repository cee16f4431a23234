#!/usr/bin/env python3
"""How often the canonical hash alone collides on the AnalogGenie corpus, versus the exact check.

Reproduce (after `make install`, with ../shared/datasets/analoggenie present):

    .venv/bin/python benchmarks/graph_hash.py
    .venv/bin/python benchmarks/graph_hash.py --json

For each labelling (port names kept, the AnalogGenie convention; and ports
ignored) and each hash (circuitforge.graph.canonical_hash: WL refined to a
stable partition on the typed device–net graph; netlists.compare.topology_hash:
networkx WL, 3 rounds, on the device–pin–net graph), it prints: circuits, distinct
hashes, hash-equal pairs and groups, how many of those pairs are truly the same
circuit (netlists.compare.same_topology, exact labelled isomorphism) and how many
are collisions, and how many circuits are exact duplicates of another. Timings are
for hashing the whole corpus once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from circuitforge.graph import canonical_hash, group_by_hash
from circuitforge.netlists.analoggenie import CorpusCircuit, corpus_path, iter_corpus
from circuitforge.netlists.compare import topology_hash


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=None, help="corpus folder (default: $CIRCUITFORGE_ANALOGGENIE or ../shared)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    root = corpus_path(args.corpus)
    t0 = time.perf_counter()
    circuits = [c for c in iter_corpus(root) if isinstance(c, CorpusCircuit)]
    netlists = [c.netlist for c in circuits]
    read_s = time.perf_counter() - t0
    rows = []
    for match_ports in (True, False):
        for name, fn in (("canonical_hash (WL to stability)",
                          lambda n, mp=match_ports: canonical_hash(n, match_ports=mp)),
                         ("compare.topology_hash (nx WL, 3 rounds)",
                          lambda n, mp=match_ports: topology_hash(n, match_ports=mp))):
            t = time.perf_counter()
            hashes = [fn(n) for n in netlists]
            hash_s = time.perf_counter() - t
            t = time.perf_counter()
            g = group_by_hash(netlists, match_ports=match_ports, hashes=hashes)
            exact_s = time.perf_counter() - t
            collided = sorted(circuits[cls[0]].id for classes in g.groups.values() if len(classes) > 1
                              for cls in classes)
            rows.append({
                "labelling": "port names kept" if match_ports else "ports ignored", "hash": name,
                "circuits": g.count, "distinct_hashes": g.distinct_hashes,
                "hash_equal_groups": sum(1 for c in g.groups.values() if sum(map(len, c)) > 1),
                "hash_equal_pairs": g.hash_equal_pairs, "isomorphic_pairs": g.isomorphic_pairs,
                "colliding_pairs": g.colliding_pairs, "colliding_groups": g.colliding_groups,
                "distinct_circuits": g.distinct_circuits, "exact_duplicates": g.duplicates,
                "hash_s": round(hash_s, 2), "exact_check_s": round(exact_s, 2), "collided_ids": collided[:12],
            })
    if args.json:
        print(json.dumps({"corpus": str(root), "read_s": round(read_s, 2), "rows": rows}, indent=1))
        return 0
    print(f"corpus {root}: {len(circuits)} circuits read in {read_s:.1f} s")
    for r in rows:
        print(f"\n[{r['labelling']}] {r['hash']}")
        print(f"  circuits {r['circuits']}, distinct hashes {r['distinct_hashes']}, "
              f"distinct circuits (exact) {r['distinct_circuits']}")
        print(f"  hash-equal: {r['hash_equal_pairs']} pairs in {r['hash_equal_groups']} groups; "
              f"truly isomorphic {r['isomorphic_pairs']} pairs, collisions {r['colliding_pairs']} pairs "
              f"in {r['colliding_groups']} groups")
        print(f"  circuits that are exact duplicates of another: {r['exact_duplicates']}")
        print(f"  hashing {r['hash_s']} s, exact check of hash-equal groups {r['exact_check_s']} s"
              + (f"; collided ids {r['collided_ids']}" if r["collided_ids"] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
