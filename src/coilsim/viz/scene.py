"""3-D scenes with pyvista: the leg's layers, the coil's windings, |E| and the fibres.

:func:`scene` returns a :class:`pyvista.Plotter` (never calls ``show()``): leg surfaces
semi-transparent, windings as tubes, |E| on the sampled grid (or slices of it) and along the
fibres, activated fibres highlighted. :func:`screenshot` renders one off-screen **in a child
process**, so a machine without a working OpenGL library gets a reason string instead of a
crash (VTK can abort the whole process when it cannot open a context).

Run as ``python -m coilsim.viz.scene VTK_DIR OUT.png`` to render the VTK files a study report
wrote (``coil.vtp``, ``leg.vtm``, ``efield.vts``, ``fibers.vtp``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

__all__ = ["scene", "screenshot", "scene_from_vtk", "render_vtk_dir"]


def _pv():
    import pyvista as pv
    return pv


def _fiber_polydata(fibers, field=None, activated=None):
    pv = _pv()
    pts, lines, mag, act = [], [], [], []
    off = 0
    for i, f in enumerate(fibers):
        # a BranchedFiber is one polyline per section
        paths = [s.path for s in f.sections] if hasattr(f, "sections") else [getattr(f, "path", f)]
        for path in paths:
            path = np.asarray(path, dtype=float)
            n = len(path)
            pts.append(path)
            lines.append(np.concatenate([[n], np.arange(off, off + n)]))
            off += n
            if field is not None:
                try:
                    mag.append(np.linalg.norm(field.E(path), axis=-1))
                except Exception:
                    mag.append(np.full(n, np.nan))
            act.append(np.full(n, 1.0 if (activated is not None and activated[i]) else 0.0))
    poly = pv.PolyData(np.vstack(pts), lines=np.concatenate(lines))
    if mag:
        poly.point_data["|E|"] = np.concatenate(mag)
    poly.point_data["activated"] = np.concatenate(act)
    return poly


def scene(coil, leg, field=None, fibers=(), *, grid=None, activated=None, off_screen=True,
          window_size=(1200, 900), opacity=0.18):
    """A pyvista Plotter with ``leg`` (a TissueModel; its surfaces semi-transparent), ``coil``
    (windings as tubes), optionally |E| of ``field`` on ``grid`` (a pyvista dataset or (n, 3)
    points; default: a slice through the coil centre) and ``fibers`` (Fibers, BranchedFibers or (n, 3) paths,
    coloured by |E|; ``activated`` (bool per fibre) draws those thicker and red).
    The plotter is off-screen by default; call ``.show()`` or ``.screenshot()`` yourself."""
    pv = _pv()
    pl = pv.Plotter(off_screen=off_screen, window_size=list(window_size))
    blocks = leg.to_pyvista()
    colours = {"skin": "#e8b796", "fat": "#f5d97a", "muscle": "#c75b5b"}
    for name in blocks.keys():
        b = blocks[name]
        pl.add_mesh(b, color=colours.get(name, "#dddddd"), opacity=opacity, smooth_shading=True,
                    name=f"leg:{name}")
    pl.add_mesh(coil.to_pyvista(tube=True), color="#b87333", name="coil")
    if field is not None:
        if grid is None:
            c = coil.contact_point
            ax = coil.axis
            u = np.linspace(-0.05, 0.05, 41)
            w = np.linspace(0.0005, 0.04, 25)
            U, W = np.meshgrid(u, w, indexing="ij")
            ex = coil.rotation[:, 1]
            pts = c + U[..., None] * ex - W[..., None] * ax
            pts = pts.reshape(-1, 3)
            grid = pts[leg.region(pts) >= 0]
        ds = field.to_pyvista(grid)
        pl.add_mesh(ds, scalars="|E|", cmap="viridis", point_size=6, render_points_as_spheres=True,
                    nan_opacity=0.0, name="E")
    if len(fibers):
        poly = _fiber_polydata(fibers, field, activated)
        pl.add_mesh(poly, scalars="|E|" if field is not None else None, cmap="magma", line_width=3,
                    name="fibres")
        if activated is not None and np.any(activated):
            hot = poly.threshold(0.5, scalars="activated")
            pl.add_mesh(hot, color="red", line_width=6, name="activated")
    pl.add_axes()
    pl.camera_position = "yz"
    pl.camera.azimuth = 35
    pl.camera.elevation = 20
    pl.reset_camera()
    return pl


def scene_from_vtk(vtk_dir, *, off_screen=True, window_size=(1200, 900)):
    """A Plotter from the VTK files of a study report (``coil.vtp``, ``leg.vtm``, ``efield.vts``,
    ``fibers.vtp``; those present)."""
    pv = _pv()
    d = Path(vtk_dir)
    pl = pv.Plotter(off_screen=off_screen, window_size=list(window_size))
    colours = {"skin": "#e8b796", "fat": "#f5d97a", "muscle": "#c75b5b"}
    if (d / "leg.vtm").exists():
        blocks = pv.read(d / "leg.vtm")
        for name in blocks.keys():
            pl.add_mesh(blocks[name], color=colours.get(name, "#dddddd"), opacity=0.18,
                        smooth_shading=True)
    if (d / "coil.vtp").exists():
        coil = pv.read(d / "coil.vtp")
        pl.add_mesh(coil.tube(radius=1.5e-3), color="#b87333")
    focus = None
    if (d / "efield.vts").exists():
        g = pv.read(d / "efield.vts")
        focus = g.center
        pl.add_mesh(g.outline(), color="grey")
        nz = g.dimensions[2]
        for k in sorted({min(nz - 1, 2), nz // 2}):
            lev = g.extract_subset((0, g.dimensions[0] - 1, 0, g.dimensions[1] - 1, k, k))
            pl.add_mesh(lev, scalars="|E|", cmap="viridis", opacity=0.85, nan_opacity=0.0,
                        show_scalar_bar=k == min(nz - 1, 2), scalar_bar_args={"title": "|E| (V/m)"})
    if (d / "fibers.vtp").exists():
        fib = pv.read(d / "fibers.vtp")
        pl.add_mesh(fib, scalars="activated" if "activated" in fib.point_data else None,
                    cmap=["#4060ff", "#ff2020"], line_width=4, show_scalar_bar=False)
    pl.add_axes()
    pl.camera_position = "yz"
    pl.camera.azimuth = 40
    pl.camera.elevation = 25
    pl.reset_camera()
    if focus is not None:
        pl.camera.focal_point = focus
        pl.camera.zoom(2.2)
    return pl


def render_vtk_dir(vtk_dir, png) -> None:
    """Render :func:`scene_from_vtk` to ``png`` (in this process)."""
    pl = scene_from_vtk(vtk_dir)
    pl.screenshot(str(png))
    pl.close()


def screenshot(vtk_dir, png, *, timeout=120.0):
    """Render the report's VTK files in ``vtk_dir`` to ``png`` in a child process.

    Returns ``(True, "")`` or ``(False, reason)``: a missing OpenGL library, no display, a
    crash or a blank image all give a reason instead of an exception.
    """
    env = dict(os.environ)
    env.setdefault("PYVISTA_OFF_SCREEN", "true")
    cmd = [sys.executable, "-m", "coilsim.viz.scene", str(vtk_dir), str(png)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, f"the 3-D renderer did not finish within {timeout:.0f} s"
    except OSError as exc:
        return False, f"could not start the renderer: {exc}"
    if r.returncode != 0 or not Path(png).is_file():
        tail = (r.stderr or r.stdout or "").strip().splitlines()[-3:]
        why = " | ".join(tail) or f"exit status {r.returncode}"
        if r.returncode < 0:
            why = f"the renderer crashed (signal {-r.returncode}); {why}"
        return False, f"OpenGL off-screen rendering failed: {why}"
    try:
        from PIL import Image
        img = np.asarray(Image.open(png).convert("L"), dtype=float)
        if img.std() < 1.0:
            Path(png).unlink()
            return False, "the renderer produced a blank image (no working OpenGL context)"
    except Exception:
        pass
    return True, ""


if __name__ == "__main__":  # pragma: no cover - exercised through screenshot()
    if len(sys.argv) != 3:
        print("usage: python -m coilsim.viz.scene VTK_DIR OUT.png", file=sys.stderr)
        sys.exit(2)
    render_vtk_dir(sys.argv[1], sys.argv[2])
