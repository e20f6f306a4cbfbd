"""Reference values for clientele-value, from the `lifetimes` Python package.

Run: python3 cdnow_reference.py   (needs `pip install lifetimes==0.11.3`)

Fits lifetimes' BetaGeoFitter (all 2,357 customers) and GammaGammaFitter
(repeat buyers, frequency > 0), both with penalizer_coef=0.0, on the CDNOW
sample summary that lifetimes ships, writes that summary to
cdnow_summary.csv, and prints the fitted parameters, predictions for a few
customers and the fit times.
"""

import os
import time

import lifetimes
import numpy as np
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

HERE = os.path.dirname(os.path.abspath(__file__))

df = load_cdnow_summary_data_with_monetary_value()
df.to_csv(os.path.join(HERE, "cdnow_summary.csv"), float_format="%.2f")

t0 = time.perf_counter()
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(df["frequency"], df["recency"], df["T"])
t1 = time.perf_counter()
repeat = df[(df["frequency"] > 0) & (df["monetary_value"] > 0)]
ggf = GammaGammaFitter(penalizer_coef=0.0)
ggf.fit(repeat["frequency"], repeat["monetary_value"])
t2 = time.perf_counter()

print(f"lifetimes {lifetimes.__version__}")
print(f"customers {len(df)} repeat buyers {len(repeat)}")
print(f"BG/NBD fit seconds {t1 - t0:.4f}  Gamma-Gamma fit seconds {t2 - t1:.4f}  total {t2 - t0:.4f}")
for k in ["r", "alpha", "a", "b"]:
    print(f"bgnbd {k} = {bgf.params_[k]:.10g}")
print(f"bgnbd mean negative log-likelihood = {bgf._negative_log_likelihood_:.10g}")
for k in ["p", "q", "v"]:
    print(f"gammagamma {k} = {ggf.params_[k]:.10g}")
print(f"gammagamma mean negative log-likelihood = {ggf._negative_log_likelihood_:.10g}")
# Total log-likelihoods in the data's own units (weeks), comparable to ours.
ones = np.ones(len(df))
bg_ll = -BetaGeoFitter._negative_log_likelihood(
    np.log([bgf.params_[k] for k in ["r", "alpha", "a", "b"]]), df["frequency"].values, df["recency"].values, df["T"].values, ones, 0.0
) * len(df)
gg_ll = -GammaGammaFitter._negative_log_likelihood(
    np.log([ggf.params_[k] for k in ["p", "q", "v"]]), repeat["frequency"].values.astype(float), repeat["monetary_value"].values, np.ones(len(repeat)), 0.0
) * len(repeat)
print(f"bgnbd total log-likelihood (weeks) = {bg_ll:.10g}")
print(f"gammagamma total log-likelihood = {gg_ll:.10g}")

ids = [1, 2, 3, 18, 1516]
sub = df.loc[ids]
purchases = bgf.conditional_expected_number_of_purchases_up_to_time(39, sub["frequency"], sub["recency"], sub["T"])
alive = bgf.conditional_probability_alive(sub["frequency"], sub["recency"], sub["T"])
spend = ggf.conditional_expected_average_profit(sub["frequency"], sub["monetary_value"])
clv = ggf.customer_lifetime_value(
    bgf, sub["frequency"], sub["recency"], sub["T"], sub["monetary_value"], time=12, discount_rate=0.01, freq="W"
)
print("id x t_x T m | E[purchases in 39 weeks] | P(alive) | E[avg spend] | CLV(12 months, 1%/month, freq=W)")
for i, cid in enumerate(ids):
    row = sub.loc[cid]
    print(
        f"{cid} {int(row['frequency'])} {row['recency']:.2f} {row['T']:.2f} {row['monetary_value']:.2f} | "
        f"{float(purchases.iloc[i]):.10g} | {float(alive[i]):.10g} | {float(spend.iloc[i]):.10g} | {float(clv.iloc[i]):.10g}"
    )
print(f"population E[avg spend] = {ggf.conditional_expected_average_profit(repeat['frequency'], repeat['monetary_value']).mean():.10g}")
