"""Heterogeneous GNN encoders for circuit graphs (one operator per file)."""

from .attention import GATv2Encoder
from .base import EncoderOutput, HeteroEncoder, Pool
from .gine import GINEEncoder

__all__ = ["EncoderOutput", "GATv2Encoder", "GINEEncoder", "HeteroEncoder", "Pool"]
