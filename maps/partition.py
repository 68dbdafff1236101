"""Deterministic partition of a set of lattice pixels into regions of target areas.

A region grows around a seed point as a cell of a *power diagram* (each pixel goes to the
seed minimising squared distance minus the seed's weight); the weights are adjusted until
each region's area matches its target. Detached fragments that border another region are
handed to that neighbour, so regions come out in one piece except where the land itself
is in pieces (islands).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

Int = NDArray[np.int64]
Float = NDArray[np.float64]


def fit_power_labels(points: Float, seeds: Float, targets: Float, pixel_area: float,
                     rounds: int = 80) -> Int:
    """Label each point (n×2, km) with a seed index so region areas approach ``targets`` (km²)."""
    if len(seeds) == 1:
        return np.zeros(len(points), dtype=np.int64)
    sq = ((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2).astype(np.float32)
    weights = np.zeros(len(seeds), dtype=np.float32)
    labels = np.argmin(sq, axis=1)
    for step in range(rounds):
        labels = np.argmin(sq - weights[None, :], axis=1)
        area = np.bincount(labels, minlength=len(seeds)) * pixel_area
        gain = 0.6 if step < rounds // 2 else 0.3
        weights += (gain * (targets - area) / np.pi).astype(np.float32)
    return labels.astype(np.int64)


def farthest_point_seeds(points: Float, k: int, start: Float) -> Float:
    """k spread-out seeds among points, starting from the point nearest ``start``; then Lloyd."""
    chosen = [int(np.argmin(((points - start) ** 2).sum(axis=1)))]
    dist = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, min(k, len(points))):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, ((points - points[nxt]) ** 2).sum(axis=1))
    seeds = points[chosen].astype(np.float64)
    for _ in range(12):
        labels = np.argmin(((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)
        for i in range(len(seeds)):
            member = points[labels == i]
            if len(member):
                seeds[i] = member.mean(axis=0)
    while len(seeds) < k:  # fewer pixels than regions: stack the rest on the first pixels
        seeds = np.vstack([seeds, points[len(seeds) % len(points)]])
    return seeds


def merge_fragments(grid: Int, seed_cells: dict[int, tuple[int, int]], passes: int = 6) -> Int:
    """In a label raster (-1 = not ours), give detached pieces to the neighbour they touch most."""
    grid = grid.copy()
    four = ndimage.generate_binary_structure(2, 1)
    for _ in range(passes):
        changed = False
        for lab in sorted(set(np.unique(grid).tolist()) - {-1}):
            comps, n = ndimage.label(grid == lab, structure=four)
            if n <= 1:
                continue
            sizes = np.bincount(comps.ravel())
            sizes[0] = 0
            keep = int(np.argmax(sizes))
            if lab in seed_cells:
                r, c = seed_cells[lab]
                keep = int(comps[r, c]) or keep
            for comp in range(1, n + 1):
                if comp == keep:
                    continue
                mask = comps == comp
                ring = ndimage.binary_dilation(mask, structure=four) & ~mask
                near = grid[ring]
                near = near[(near != -1) & (near != lab)]
                if len(near):
                    grid[mask] = int(np.bincount(near).argmax())
                    changed = True
        if not changed:
            break
    return grid
