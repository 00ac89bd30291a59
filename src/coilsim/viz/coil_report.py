"""Coil report: B and |A| maps of a coil, its inductance, as PNG + VTK + JSON.

This is what ``coilsim run`` writes until the tissue and nerve stages land.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def _grid(extent, n, plane, offset):
    u = np.linspace(-extent, extent, n)
    U, V = np.meshgrid(u, u, indexing="xy")
    if plane == "xz":
        pts = np.stack([U, np.full_like(U, offset), V], axis=-1)
    else:
        pts = np.stack([U, V, np.full_like(U, offset)], axis=-1)
    return u, pts


def coil_report(coil, out_dir, *, extent=0.08, n=121, depth=0.02) -> dict:
    """Write maps of |B| and |A| (per ampere) and a JSON summary into ``out_dir``.

    The folder is written atomically: a finished earlier report is replaced only when this
    one is complete. Returns the summary dict.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import coilsim

    out_dir = Path(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".coilsim-tmp-", dir=out_dir.parent if out_dir.parent.exists() else None))
    tmp.chmod(0o755)
    t0 = time.perf_counter()
    summary = {"coil": coil.name, "segments": coil.n_segments, "casing_offset_m": coil.casing_offset}
    t = time.perf_counter(); L = coil.inductance(); summary["timings_s"] = {"inductance": time.perf_counter() - t}
    summary["inductance_H"] = L
    summary["dipole_moment_m2"] = coil.dipole_moment().tolist()
    summary["wire_length_m"] = coil.wire_length()

    z_plane = -(coil.casing_offset + depth)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), constrained_layout=True)
    t = time.perf_counter()
    u, pxz = _grid(extent, n, "xz", 0.0)
    A, B = coil.fields(pxz)
    _, pxy = _grid(extent, n, "xy", z_plane)
    A2, B2 = coil.fields(pxy)
    summary["timings_s"]["fields"] = time.perf_counter() - t
    mm = 1e3 * u
    for ax, data, title in [
        (axes[0], np.linalg.norm(B, axis=-1) * 1e6, "|B| in the x-z plane (µT per A)"),
        (axes[1], np.linalg.norm(B2, axis=-1) * 1e6, f"|B| at z = {z_plane * 1e3:.1f} mm (µT per A)"),
        (axes[2], np.linalg.norm(A2, axis=-1) * 1e6, f"|A| at z = {z_plane * 1e3:.1f} mm (µT·m per A)\n= |primary E| per (A/µs), V/m"),
    ]:
        vmax = np.percentile(data, 99)
        im = ax.pcolormesh(mm, mm, data, shading="auto", vmax=vmax, cmap="viridis")
        fig.colorbar(im, ax=ax)
        ax.set_title(title); ax.set_aspect("equal")
        ax.set_xlabel("x (mm)"); ax.set_ylabel("z (mm)" if ax is axes[0] else "y (mm)")
    for v in coil.polylines():
        axes[0].plot(1e3 * v[:, 0], 1e3 * v[:, 2], "w.", ms=0.5)
        axes[1].plot(1e3 * v[:, 0], 1e3 * v[:, 1], "w-", lw=0.3)
    fig.suptitle(f"{coil.name}: L = {L * 1e6:.2f} µH, {coil.n_segments} segments")
    fig.savefig(tmp / "coil_fields.png", dpi=110)
    plt.close(fig)
    summary["peak_B_at_depth_T_per_A"] = float(np.linalg.norm(B2, axis=-1).max())
    summary["peak_A_at_depth_Tm_per_A"] = float(np.linalg.norm(A2, axis=-1).max())
    summary["depth_plane_z_m"] = z_plane

    vtk_note = None
    try:
        import pyvista as pv
        grid = pv.ImageData(dimensions=(n, n, 1), spacing=(u[1] - u[0],) * 2 + (1.0,),
                            origin=(u[0], u[0], z_plane))
        grid.point_data["B"] = B2.reshape(-1, 3)
        grid.point_data["A"] = A2.reshape(-1, 3)
        grid.save(tmp / "fields_depth_plane.vti")
        coil.to_pyvista().save(tmp / "coil.vtp")
    except Exception as exc:  # VTK is optional for the report; say why it is missing
        vtk_note = f"VTK files not written: {exc}"
    summary["vtk"] = vtk_note or "coil.vtp, fields_depth_plane.vti"
    summary["versions"] = {"coilsim": coilsim.__version__, "numpy": np.__version__,
                           "python": platform.python_version()}
    summary["timings_s"]["total"] = time.perf_counter() - t0
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(out_dir)
    return summary
