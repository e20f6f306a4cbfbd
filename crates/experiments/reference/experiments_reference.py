"""Reference figures for clientele-experiments, from scipy and statsmodels.

Run from this folder (see README.md for the versions):

    python3 experiments_reference.py > reference_output.txt

Every line printed is `<case> <figure> <value>`, read by
../tests/reference.rs, which checks the crate's figures to 1e-9.
`revenue.csv` (group,value) is the fixed revenue data set: written by this
script on its first run (numpy's default_rng seeded 20261205), read
thereafter, so the data and the figures stay together.
"""

import csv
import os

import numpy as np
import scipy
import statsmodels
from scipy import optimize, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "revenue.csv")

# (case, treated responders, treated, control responders, control)
PROPORTIONS = [
    ("newcombe_a", 56, 70, 48, 80),
    ("newcombe_h", 0, 10, 0, 20),
    ("campaign", 1200, 10000, 100, 1000),
    ("small_uplift", 412, 5000, 71, 1250),
    ("all_but_one", 9, 10, 3, 10),
    ("million", 51234, 800000, 12011, 200000),
]

# (case, base rate, treated, control)
POWER = [
    ("mde_5pc_20k_5k", 0.05, 20000, 5000),
    ("mde_2pc_80k_20k", 0.02, 80000, 20000),
    ("mde_30pc_900_100", 0.30, 900, 100),
]


def write_data():
    rng = np.random.default_rng(20261205)
    rows = []
    for group, n, rate in (("treated", 3000, 0.11), ("control", 800, 0.08)):
        for _ in range(n):
            if rng.random() < rate:
                value = round(float(rng.lognormal(np.log(600.0), 0.9)), 2)
                if rng.random() < 0.05:
                    value = -round(value / 2, 2)
            else:
                value = 0.0
            rows.append((group, value))
    with open(DATA, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "value"])
        w.writerows(rows)


def read_data():
    groups = {"treated": [], "control": []}
    with open(DATA) as f:
        for row in csv.DictReader(f):
            groups[row["group"]].append(float(row["value"]))
    return np.array(groups["treated"]), np.array(groups["control"])


def out(case, figure, value):
    print(f"{case} {figure} {float(value)!r}")


def proportions():
    for case, x1, n1, x0, n0 in PROPORTIONS:
        for group, x, n in (("treated", x1, n1), ("control", x0, n0)):
            low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
            out(case, f"{group}_wilson_low", low)
            out(case, f"{group}_wilson_high", high)
        low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff", alpha=0.05)
        out(case, "difference_low", low)
        out(case, "difference_high", high)
        if 0 < x1 + x0 < n1 + n0:
            _, p = proportions_ztest([x1, x0], [n1, n0])
            out(case, "p_value", p)


def means():
    treated, control = read_data()
    cm = CompareMeans(DescrStatsW(treated), DescrStatsW(control))
    low, high = cm.tconfint_diff(alpha=0.05, usevar="unequal")
    t = stats.ttest_ind(treated, control, equal_var=False)
    out("revenue", "treated_mean", treated.mean())
    out("revenue", "control_mean", control.mean())
    out("revenue", "difference_low", low)
    out("revenue", "difference_high", high)
    out("revenue", "p_value", t.pvalue)
    out("revenue", "degrees_of_freedom", t.df)


def power():
    k = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    for case, p0, nt, nc in POWER:
        # The unsquared equation, solved by root finding (not the quadratic).
        f = lambda d: d - k * np.sqrt((p0 + d) * (1 - p0 - d) / nt + p0 * (1 - p0) / nc)
        out(case, "uplift", optimize.brentq(f, 1e-12, 1 - p0 - 1e-12, xtol=1e-15, rtol=1e-15))


def main():
    if not os.path.exists(DATA):
        write_data()
    print(f"# numpy {np.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}")
    proportions()
    means()
    power()


if __name__ == "__main__":
    main()
