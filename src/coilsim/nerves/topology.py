"""How a fibre's nodes are linked: parent arrays in Hines order and the graph Laplacian.

A cable (unbranched or branching) is a tree: every node but node 0 is linked to exactly one
``parent[i] < i`` (Hines order, ``parent[0] = -1``). An unbranched fibre is ``parent[i] = i - 1``.
The cable kernels eliminate from the leaves to the root in this order, so a branching fibre
costs what an unbranched one of the same node count does.
"""

from __future__ import annotations

import numpy as np

from ..errors import CoilsimTypeError, CoilsimValueError

__all__ = ["chain_parent", "check_parent", "degree", "laplacian", "path_to_root", "path_between"]


def chain_parent(n: int) -> np.ndarray:
    """Parent array of an unbranched cable of ``n`` nodes: ``[-1, 0, 1, ..., n - 2]``."""
    return np.arange(-1, int(n) - 1, dtype=np.int64)


def check_parent(parent, n: int | None = None, name: str = "parent") -> np.ndarray:
    """Validate a parent array (Hines order) -> contiguous int64 (read-only copy)."""
    try:
        arr = np.asarray(parent)
    except (TypeError, ValueError) as exc:
        raise CoilsimTypeError(f"{name} must be a 1-D integer array (the parent of each node)") from exc
    if arr.ndim != 1 or arr.size == 0 or not (np.issubdtype(arr.dtype, np.integer)):
        raise CoilsimTypeError(f"{name} must be a non-empty 1-D integer array (the parent of each node, "
                               f"-1 for node 0); got dtype {arr.dtype}, shape {arr.shape}")
    if n is not None and arr.size != n:
        raise CoilsimValueError(f"{name} has {arr.size} entries; the cable has {n} nodes")
    arr = np.array(arr, dtype=np.int64)
    idx = np.arange(arr.size)
    if arr[0] != -1 or np.any(arr[1:] < 0) or np.any(arr[1:] >= idx[1:]):
        raise CoilsimValueError(f"{name} must be in Hines order: {name}[0] = -1 and "
                                f"0 <= {name}[i] < i for every other node (number the nodes so that "
                                "each node's parent comes before it)")
    arr.flags.writeable = False
    return arr


def degree(parent: np.ndarray) -> np.ndarray:
    """Number of neighbours of every node (1: an end, 2: along the cable, 3+: a branch point)."""
    out = np.zeros(parent.size, dtype=np.int64)
    out[1:] += 1
    np.add.at(out, parent[1:], 1)
    return out


def laplacian(x, parent: np.ndarray, weights=None) -> np.ndarray:
    """``(L x)_i = Σ_{j ~ i} w_ij (x_j - x_i)`` over the links of the tree, for ``x`` (..., n).

    ``weights`` (n,): the weight of the link between node ``j`` and ``parent[j]`` at index ``j``
    (entry 0 unused); None: 1. Sealed ends: an end node sees only its one neighbour.
    """
    x = np.asarray(x, dtype=np.float64)
    n = parent.size
    c = np.arange(1, n)
    p = parent[1:]
    d = x[..., p] - x[..., c]
    if weights is not None:
        d = d * np.asarray(weights, dtype=np.float64)[1:]
    out = np.zeros(x.shape)
    out[..., c] += d
    flat = out.reshape(-1, n).T                # (n, m) view of the output
    np.add.at(flat, p, -d.reshape(-1, n - 1).T)
    return out


def path_to_root(parent: np.ndarray, i: int) -> np.ndarray:
    """Node indices from node ``i`` to node 0 (inclusive)."""
    out = [int(i)]
    while parent[out[-1]] >= 0:
        out.append(int(parent[out[-1]]))
    return np.array(out, dtype=np.int64)


def path_between(parent: np.ndarray, a: int, b: int) -> np.ndarray:
    """Node indices along the tree from node ``a`` to node ``b`` (inclusive)."""
    pa, pb = path_to_root(parent, a), path_to_root(parent, b)
    k = 0                                       # length of the shared tail (towards node 0)
    while k < min(pa.size, pb.size) and pa[-1 - k] == pb[-1 - k]:
        k += 1
    return np.concatenate((pa[:pa.size - k + 1], pb[:pb.size - k][::-1]))
