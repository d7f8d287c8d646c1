"""Stored outputs hold on other CPUs: every notebook re-run under nbval with other matrix kernels.

nbval (`make test`) compares each notebook's stored outputs with a fresh run on this machine.
Another x86-64 machine may run other kernels for the same matrix product and so round
differently: oneDNN picks its kernels by the CPU at run time (AVX-512 here, only AVX2 on an
AMD EPYC of the same machine kind), TensorFlow can run without oneDNN at all, and XLA
compiles for the host CPU. A number printed from such a product must not change with
them: print it rounded, or as a comparison (see FIELD-NOTES, "Machines differ").

Each test runs one notebook in a fresh kernel under strict nbval, in a child process whose
environment selects one variant; the kernel inherits that environment:

- ``avx2``: oneDNN's kernels capped at AVX2 (``ONEDNN_MAX_CPU_ISA``), and XLA told to
  compile for AVX2 at most (``--xla_cpu_max_isa=AVX2`` added to ``XLA_FLAGS``);
- ``onednn-off``: TensorFlow's own (Eigen) kernels instead of oneDNN's
  (``TF_ENABLE_ONEDNN_OPTS=0``).

``helpers/_tf_import.py`` (imported by ``helpers._quiet``) adds its own flag to ``XLA_FLAGS`` and keeps the one set here, and it
hides the start-up lines that oneDNN-off adds. Capping at AVX2 is a real change only on a
CPU with AVX-512 (like the developers'); on an AVX2 CPU the ``avx2`` run repeats the
default one, and oneDNN-off still differs.
"""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("lessons/*.ipynb")) + sorted(ROOT.glob("solutions/*.ipynb"))

VARIANTS = {
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "XLA_FLAGS": "--xla_cpu_max_isa=AVX2"},
    "onednn-off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}
X86 = platform.machine().lower() in ("x86_64", "amd64")


def variant_environment(variant):
    env = dict(os.environ)
    for name, value in VARIANTS[variant].items():
        env[name] = f"{env[name]} {value}".strip() if name == "XLA_FLAGS" and env.get(name) else value
    return env


def test_variant_environment_keeps_existing_xla_flags(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_experimental_ynn_fusion_type=")
    env = variant_environment("avx2")
    assert env["XLA_FLAGS"] == "--xla_cpu_experimental_ynn_fusion_type= --xla_cpu_max_isa=AVX2"
    assert env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    monkeypatch.delenv("XLA_FLAGS")
    assert variant_environment("avx2")["XLA_FLAGS"] == "--xla_cpu_max_isa=AVX2"
    assert variant_environment("onednn-off")["TF_ENABLE_ONEDNN_OPTS"] == "0"


def run_nbval(path, env):
    command = [
        sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q",
        "--nbval", "--nbval-current-env", "--nbval-sanitize-with=tests/nbval_sanitize.cfg",
        "--nbval-cell-timeout=120", str(path.relative_to(ROOT)),
    ]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.skipif(not X86, reason="the variants name x86-64 instruction sets")
def test_the_variants_are_real():
    """The settings reach TensorFlow: an XLA flag it did not know would abort the process,
    and oneDNN reports the instruction set it was capped at."""
    probe = (
        "import helpers.functions, tensorflow as tf\n"
        "f = tf.function(lambda x: tf.matmul(x, x), jit_compile=True)\n"
        "print(float(f(tf.ones((64, 64)))[0, 0]))\n"
    )
    env = variant_environment("avx2") | {"ONEDNN_VERBOSE": "1"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "64.0" in result.stdout
    assert "isa:Intel AVX2" in result.stdout + result.stderr or "isa:AVX2" in result.stdout + result.stderr, (
        "oneDNN did not report an AVX2 cap: " + (result.stdout + result.stderr)[-1500:]
    )


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_notebook_outputs_hold_under_other_kernels(path, variant):
    if variant == "avx2" and not X86:
        pytest.skip("the AVX2 cap names an x86-64 instruction set")
    result = run_nbval(path, variant_environment(variant))
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, (
        f"{path.parent.name}/{path.name} under {variant} ({VARIANTS[variant]}): its stored outputs differ.\n"
        "Print round-off-sensitive numbers rounded or as comparisons.\n" + report
    )
