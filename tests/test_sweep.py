"""cs.sweep: one field reused across 50 points, default process pool == Dask, resume from cache."""

import concurrent.futures as cf

import numpy as np
import pandas as pd
import pytest

from coilsim.study import sweep

from study_helpers import planar_scenario

PARAMS = {"stimulator.intensity": [0.2, 0.3, 0.4, 0.5, 0.6],
          "nerves.families": [["alpha_motor"], ["Ia"], ["II"], ["Abeta"], ["alpha_motor", "Abeta"]],
          "stimulator.preset": ["generic_biphasic_rapid", "generic_controllable_width"]}   # 50 points


def _numeric_equal(a, b):
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]):
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            same = (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= 1e-12 * np.maximum(np.abs(x), np.abs(y)))
            assert same.all(), c
        else:
            assert (a[c].astype(str) == b[c].astype(str)).all(), c


@pytest.fixture(scope="module")
def pool_table(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    t = sweep(planar_scenario(), PARAMS, cache_dir=cache)   # default executor: spawn process pool
    return t, cache


def test_sweep_table_is_tidy(pool_table):
    t, _ = pool_table
    assert t.attrs["fields_solved"] == 1 and t.attrs["points_computed"] == 50
    assert t["point"].nunique() == 50
    assert len(t) == 60                                  # 10 points hold two families
    for col in ("threshold_A_per_s", "threshold_intensity", "activation_depth_m", "E_max_V_per_m",
                "pulse_energy_J", "coil_heat_per_pulse_J", "d_half_m"):
        assert col in t
    assert (t["threshold_A_per_s"] > 0).all()
    # the drive scales with intensity, thresholds in A/s do not
    a = t[(t.family == "alpha_motor") & (t["stimulator.preset"] == "generic_biphasic_rapid")]
    assert a["threshold_A_per_s"].nunique() == 1
    assert a.sort_values("stimulator.intensity")["E_max_V_per_m"].is_monotonic_increasing


def test_dask_gives_the_same_table(pool_table):
    distributed = pytest.importorskip("distributed")
    t, _ = pool_table
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        t2 = sweep(planar_scenario(), PARAMS, executor=client.get_executor())
    _numeric_equal(t, t2)


def test_resume_after_interruption(pool_table, tmp_path):
    t, _ = pool_table
    seen = []

    def stop_after_20(done, total):
        seen.append(done)
        if done >= 20:
            raise KeyboardInterrupt

    with cf.ThreadPoolExecutor(1) as ex, pytest.raises(KeyboardInterrupt):
        sweep(planar_scenario(), PARAMS, executor=ex, cache_dir=tmp_path, progress=stop_after_20)
    with cf.ThreadPoolExecutor(1) as ex:
        t2 = sweep(planar_scenario(), PARAMS, executor=ex, cache_dir=tmp_path)
    assert t2.attrs["points_cached"] >= 20 and t2.attrs["fields_solved"] == 0
    assert t2.attrs["points_cached"] + t2.attrs["points_computed"] == 50
    _numeric_equal(t, t2)


def test_cached_field_is_reused_and_bad_points_fail_early(pool_table):
    t, cache = pool_table
    with cf.ThreadPoolExecutor(1) as ex:
        t2 = sweep(planar_scenario(), {"stimulator.intensity": [0.25, 0.35]}, executor=ex, cache_dir=cache)
    assert t2.attrs["fields_solved"] == 0
    from coilsim.study import ScenarioError
    with pytest.raises(ScenarioError, match="coil.outer_radius"):
        sweep(planar_scenario(), {"coil.outer_radius": [0.04, 40]})
