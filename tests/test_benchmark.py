"""The benchmark script still runs and its methods still agree. No timing is asserted: speed is
read from `make benchmark`, not from tests."""

import pytest

from helpers import benchmark


def table_rows(lines, title):
    """The rows of the Markdown table under the line that starts with ``title``."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    header, rule = lines[start + 2], lines[start + 3]
    assert header.startswith("| data |") and rule.startswith("|---|")
    rows = []
    for line in lines[start + 4 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.split("|")[1:-1]])
    return rows


def test_quick_benchmark_prints_both_tables_of_agreeing_fits(monkeypatch, capsys):
    # In this process instead of one fresh process per method (4 s each to import TensorFlow).
    monkeypatch.setattr(benchmark, "run_child", benchmark.measure)
    benchmark.main(["--quick", "--repeat", "1", "--processes", "1", "--seeds", "2"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("k-means on ") and ("AVX2" in lines[0] or "model" not in lines[0])
    per_iteration = table_rows(lines, "**Per Lloyd iteration**")
    assert [row[0] for row in per_iteration] == ["blobs 1500×2, k=3", "digits 1797×64, k=10"]
    for row in per_iteration:
        compute_floor, ratio, sklearn_inertia, tf_inertia, iterations = row[3], row[6], row[9], row[10], row[11]
        assert float(compute_floor) > 0 and float(ratio.rstrip("×")) > 0
        assert "differs" not in tf_inertia and float(tf_inertia) > 0 and float(sklearn_inertia) > 0
        assert "vs" not in iterations  # both ran the same number of iterations
    default = table_rows(lines, "**Default fit, end to end**")
    assert [row[0] for row in default] == ["blobs 1500×2, k=3", "digits 1797×64, k=10"]
    for row in default:
        # Quality over few seeds is a random outcome: it is read from `make benchmark`, and
        # tested over ten seeds in test_functions.py (test_kmeans_default_is_as_good_as_...).
        assert float(row[1]) > 0 and float(row[2]) > 0 and float(row[6]) > 0
        counts, total = row[7].split(" of ")
        assert total == "2" and sum(map(int, counts.split(", "))) == 2  # lower, same, higher: every seed once
        assert row[9].endswith(" s")
    minibatch = table_rows(lines, "**Mini-batch k-means**")
    assert len(minibatch) == 1 and minibatch[0][0].startswith("blobs 50000×32, k=16")
    assert float(minibatch[0][1]) > 0  # full Lloyd's inertia, the target both methods race to


def test_paired_counts_each_seed_once_and_round_off_as_the_same():
    assert benchmark.paired([1.0, 2.0, 3.0, 4.0], [1.5, 2.0 * (1 + 1e-7), 2.5, 4.0]) == "1, 2, 1 of 4"
    with pytest.raises(ValueError):
        benchmark.paired([1.0], [1.0, 2.0])  # one list per seed: a length mismatch is a bug


def test_describe_cpu_names_the_vector_extensions():
    text = benchmark.describe_cpu()
    assert "AVX2" in text and "AVX-512" in text
