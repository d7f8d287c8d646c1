"""The benchmark script still runs and its two methods still agree. No timing is asserted:
speed is read from `make benchmark`, not from tests."""

from helpers import benchmark


def test_quick_benchmark_prints_a_markdown_table_of_agreeing_fits(monkeypatch, capsys):
    # In this process instead of one fresh process per method (4 s each to import TensorFlow).
    monkeypatch.setattr(benchmark, "run_child", benchmark.measure)
    benchmark.main(["--quick", "--repeat", "1", "--processes", "2"])
    header, blank, *table = capsys.readouterr().out.strip().splitlines()
    assert header.startswith("k-means, ms per Lloyd iteration (best of 1 fits in each of 2 processes);")
    assert blank == ""
    assert table[0].startswith("| data |") and table[1].startswith("|---|")
    rows = [line.split("|")[1:-1] for line in table[2:]]
    assert [row[0].strip() for row in rows] == ["blobs 1500×2, k=3", "digits 1797×64, k=10"]
    for row in rows:
        ratio, sklearn_inertia, tf_inertia, iterations = row[5], row[7], row[8], row[9]
        assert float(ratio.strip().rstrip("×")) > 0
        assert "differs" not in tf_inertia and float(tf_inertia) > 0 and float(sklearn_inertia) > 0
        assert "vs" not in iterations  # both ran the same number of iterations
