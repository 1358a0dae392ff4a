import json
import sys

from ose.environment import environment_key, execution_cache_dir
from ose.kernels import KERNELS, ensure_kernels, kernelspec_dir
from ose.project import Project


def test_the_cache_key_follows_the_lock(tmp_path):
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "pymc"\nversion = "5.28.5"\n'
    )
    project = Project.at(tmp_path)
    before = environment_key(project)
    assert environment_key(project) == before  # stable
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "pymc"\nversion = "5.29.0"\n'
    )
    after = environment_key(project)
    assert after != before
    assert execution_cache_dir(project).name == after
    assert execution_cache_dir(project).is_relative_to(tmp_path / "_build" / "cache")


def test_both_kernels_are_registered_with_an_absolute_python(tmp_path):
    written = ensure_kernels(prefix=str(tmp_path))
    assert sorted(written) == ["pymc-cpu", "pymc-jax"]
    for name in KERNELS:
        spec = json.loads((kernelspec_dir(name, str(tmp_path)) / "kernel.json").read_text())
        assert spec["argv"][0] == sys.executable
        assert "${OSE_CACHE_DIR}/pytensor" in spec["env"]["PYTENSOR_FLAGS"]
    jax = json.loads((kernelspec_dir("pymc-jax", str(tmp_path)) / "kernel.json").read_text())
    assert jax["env"]["PYTENSOR_FLAGS"].startswith("mode=JAX,")
    assert jax["env"]["JAX_COMPILATION_CACHE_DIR"] == "${OSE_CACHE_DIR}/jax"
    assert ensure_kernels(prefix=str(tmp_path)) == []  # idempotent: nothing rewritten
