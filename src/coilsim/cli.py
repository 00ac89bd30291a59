"""Command line: ``coilsim run | coils | bench``."""

from __future__ import annotations

import argparse
import sys

DEFAULT_COIL = "rpms_butterfly"


def _run(args) -> int:
    import coilsim as cs
    from coilsim.viz.coil_report import coil_report

    coil = cs.load_coil(args.coil)
    print(f"coilsim {cs.__version__}: coil report for {coil.name} ({coil.n_segments} segments) -> {args.out}/")
    s = coil_report(coil, args.out)
    print(f"  inductance        {s['inductance_H'] * 1e6:8.3f} µH")
    print(f"  wire length       {s['wire_length_m']:8.3f} m")
    print(f"  peak |B| at {-s['depth_plane_z_m'] * 1e3:.0f} mm {s['peak_B_at_depth_T_per_A'] * 1e6:8.3f} µT per A")
    print(f"  peak |A| at {-s['depth_plane_z_m'] * 1e3:.0f} mm {s['peak_A_at_depth_Tm_per_A'] * 1e6:8.3f} V/m per A/µs (primary E)")
    print(f"  {s['vtk']}; finished in {s['timings_s']['total']:.1f} s")
    return 0


def _coils(args) -> int:
    import coilsim as cs
    for name in cs.list_coils():
        c = cs.load_coil(name)
        print(f"{name:24s} {c.metadata.get('description', '')}")
    return 0


def _bench(args) -> int:
    from coilsim.benchmarks import biot_savart_perf
    return biot_savart_perf.main(["--out", args.out] + (["--quick"] if args.quick else []))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="coilsim", description="Magnetic-stimulation coil simulation.")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the default study (for now: the coil report)")
    r.add_argument("--coil", default=DEFAULT_COIL, help=f"built-in coil name or TOML path (default {DEFAULT_COIL})")
    r.add_argument("--out", default="coilsim-output", help="output folder (default ./coilsim-output)")
    r.set_defaults(func=_run)
    c = sub.add_parser("coils", help="list the built-in coils")
    c.set_defaults(func=_coils)
    b = sub.add_parser("bench", help="performance benchmark of the Biot–Savart kernels")
    b.add_argument("--out", default="coilsim-bench")
    b.add_argument("--quick", action="store_true", help="shorter timing runs")
    b.set_defaults(func=_bench)
    args = p.parse_args(argv)
    from coilsim.errors import CoilsimError
    try:
        return args.func(args)
    except CoilsimError as exc:
        print(f"coilsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
