"""The RFM scoring of clientele-rfm, done with pandas, for comparison.

    cargo run --release -p clientele-rfm --example score_million -- 1000000 --csv /tmp/rfm
    pip install pandas
    python3 crates/rfm/reference/rfm_pandas.py /tmp/rfm

Reads the population the Rust example scored (`facts.csv`), the default
segment map (`map.csv`) and the Rust result (`ours.csv`); scores the
population the same way with pandas, prints how long the scoring step took
(best of three; reading the CSV files is not timed, as the Rust example does
not time generating the population), and checks that every customer got the
same R, F, M and segment.

The rule (see crates/rfm/src/scoring.rs): score = 1 + floor(5 * worse / n),
where `worse` is the number of customers strictly worse on the dimension.
`rank(method="min")` counts exactly that, so a tie group is never split —
`pd.qcut` would split ties arbitrarily (or fail on repeated bin edges), which
is why it is not used here.
"""

import sys
import time

import numpy as np
import pandas as pd


def score(worse: pd.Series, n: int) -> np.ndarray:
    return 1 + (5 * worse.to_numpy(dtype=np.int64)) // n


def rfm(facts: pd.DataFrame, as_of: pd.Timestamp, segment_of_cell: np.ndarray) -> pd.DataFrame:
    n = len(facts)
    recency = (as_of - facts["last_purchase"]).dt.days
    # Worse recency: more days; worse frequency / monetary: less.
    r = score(recency.rank(method="min", ascending=False) - 1, n)
    f = score(facts["orders"].rank(method="min") - 1, n)
    m = score(facts["net_paid"].rank(method="min") - 1, n)
    cell = (r - 1) * 25 + (f - 1) * 5 + (m - 1)
    out = pd.DataFrame(
        {"customer": facts["customer"], "r": r, "f": f, "m": m, "segment": segment_of_cell[cell]}
    )
    # The Rust snapshot is sorted by customer too.
    return out.sort_values("customer", kind="stable", ignore_index=True)


def main() -> None:
    d = sys.argv[1]
    as_of = pd.Timestamp(open(f"{d}/as_of.txt").read().strip())
    facts = pd.read_csv(f"{d}/facts.csv", dtype={"customer": str}, parse_dates=["last_purchase"])
    # Amounts have two decimals: compared as exact integers of cents.
    facts["net_paid"] = (facts["net_paid"] * 100).round().astype(np.int64)
    cells = pd.read_csv(f"{d}/map.csv").sort_values("cell")
    segment_of_cell = cells["segment"].to_numpy()
    ours = pd.read_csv(f"{d}/ours.csv", dtype={"customer": str})

    times = []
    result = None
    for _ in range(3):
        start = time.perf_counter()
        result = rfm(facts, as_of, segment_of_cell)
        times.append(time.perf_counter() - start)
    print(f"pandas {pd.__version__}, numpy {np.__version__}: {len(facts)} customers")
    print(f"pandas scoring (scores + segments + sort by customer): best {min(times) * 1000:.1f} ms "
          f"of {', '.join(f'{t * 1000:.1f}' for t in times)} ms")

    ours = ours.sort_values("customer", kind="stable", ignore_index=True)
    same = (result[["customer", "r", "f", "m", "segment"]] == ours[["customer", "r", "f", "m", "segment"]]).all(axis=1)
    print(f"customers with the same scores and segment as clientele-rfm: {int(same.sum())} of {len(ours)}")
    if not same.all():
        print(result[~same].head(10))
        print(ours[~same].head(10))
        sys.exit(1)


if __name__ == "__main__":
    main()
