"""lifetimes 0.11.3 on the CDNOW master data, for the fit-time comparison.

    pip install lifetimes==0.11.3
    python3 crates/value/reference/cdnow_master.py /tmp/cdnow_master_summary.csv
    cargo run --release -p clientele-value --example fit_million -- --summary /tmp/cdnow_master_summary.csv

The master data is the full CDNOW cohort (23,570 customers who first bought
in Q1 1997, transactions to 1998-06-30), shipped by lifetimes as
`lifetimes/datasets/CDNOW_master.txt`. It is summarised per customer in
days (`freq="D"`, as the refresh job does) with lifetimes'
`summary_data_from_transaction_data` (several purchases on one day are one
purchase), written to the file named on the command line (not committed:
it is derived from lifetimes' copy), and fitted with BetaGeoFitter and
GammaGammaFitter (penalizer 0) three times; the best time and the
parameters are printed.
"""

import os
import sys
import time

import lifetimes
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

out = sys.argv[1]
path = os.path.join(os.path.dirname(lifetimes.__file__), "datasets", "CDNOW_master.txt")
tx = pd.read_csv(path, sep=r"\s+", header=0, names=["customer_id", "date", "cds", "dollars"],
                 dtype={"customer_id": str, "date": str})
tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
summary = summary_data_from_transaction_data(
    tx, "customer_id", "date", monetary_value_col="dollars", observation_period_end="1998-06-30", freq="D"
)
summary = summary[["frequency", "recency", "T", "monetary_value"]]
summary.to_csv(out, float_format="%.10g")
repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]

times = []
for _ in range(3):
    t0 = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    t1 = time.perf_counter()
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    t2 = time.perf_counter()
    times.append((t1 - t0, t2 - t1))

print(f"lifetimes {lifetimes.__version__}: {len(tx)} transactions, {len(summary)} customers, "
      f"{len(repeat)} repeat buyers; summary written to {out}")
best = min(times, key=lambda t: t[0] + t[1])
print(f"fit seconds, best of 3: BG/NBD {best[0]:.4f}, Gamma-Gamma {best[1]:.4f}, total {best[0] + best[1]:.4f} "
      f"(runs: {', '.join(f'{a + b:.4f}' for a, b in times)})")
print("bgnbd " + " ".join(f"{k}={bgf.params_[k]:.10g}" for k in ["r", "alpha", "a", "b"]))
print("gammagamma " + " ".join(f"{k}={ggf.params_[k]:.10g}" for k in ["p", "q", "v"]))
