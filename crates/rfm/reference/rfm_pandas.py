"""The RFM rules of clientele-rfm's settings, done with pandas, for comparison.

    cargo run --release -p clientele-rfm --example score_million -- 1000000 --csv /tmp/rfm
    pip install pandas        # if missing (a venv if pip refuses to install system-wide)
    python3 crates/rfm/reference/rfm_pandas.py /tmp/rfm

The example can score under other settings or on another date too
(`--settings FILE`, JSON in the form of `settings.json`; `--as-of DATE`);
this script reads whatever it wrote.

Reads what the Rust example wrote to the directory: the population
(`facts.csv`: first and last purchase, orders and net paid in the window and
over the whole history), the settings it scored by (`settings.json`), the
segment map (`map.csv`), the as-of date (`as_of.txt`) and its result
(`ours.csv`). Applies the documented rules (docs/segments.md; the module
docs of crates/rfm/src/settings.rs and scoring.rs) on its own, prints how
long that took (best of three; reading the files is not timed, as the Rust
example does not time generating the population), and checks that every
customer got the same R, F, M and segment. Exits with status 1 if any
customer differs (and shows some of them), 2 if the input is inconsistent.

The rules, as implemented here:
- the window starts after `window_start` = the as-of date minus
  `window_months` calendar months (the day clamped to the end of a shorter
  month, as chrono's `checked_sub_months`); a client bought in the window
  iff the last purchase is after `window_start`;
- F and M are scored on the window's orders and net paid for a client who
  bought in it, on the whole history's for the others;
- R by thresholds in days since the last purchase, the most days still
  scoring 5, 4, 3, 2: `recency_days` and then (days from `window_start` to
  the as-of date) - 1, so R 1 is exactly "no purchase in the window";
- F and M by thresholds (the least value scoring 2, 3, 4, 5) or by
  quintiles: score = 1 + floor(5 * worse / n), `worse` the number of
  customers strictly worse. `rank(method="min") - 1` counts exactly that,
  so a tie group is never split (`pd.qcut` would split ties arbitrarily, or
  fail on repeated bin edges, which is why it is not used);
- the segment is the map's for the (R, F, M) cell, except that a client
  whose first purchase is fewer than `new_customer_days` days before the
  as-of date is New Customers whatever the cell, and any other client whose
  cell is New Customers is Promising.

Amounts are compared as exact integers of cents (a monetary threshold t
becomes ceil(100 t): a whole number of cents c is at least t iff it is at
least that).
"""

import calendar
import datetime as dt
import json
import math
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd


def window_start(as_of: dt.date, months: int) -> dt.date:
    """as_of minus `months` calendar months, the day clamped to the month's end."""
    index = as_of.year * 12 + (as_of.month - 1) - months
    year, month0 = divmod(index, 12)
    day = min(as_of.day, calendar.monthrange(year, month0 + 1)[1])
    return dt.date(year, month0 + 1, day)


def day_numbers(dates: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01."""
    return dates.to_numpy(dtype="datetime64[D]").astype(np.int64)


def day_number(date: dt.date) -> int:
    return int(np.datetime64(date, "D").astype(np.int64))


def cents(amounts: pd.Series, column: str) -> np.ndarray:
    """Exact integers of cents from decimal strings with at most two decimals."""
    s = amounts.astype(str)
    negative = s.str.startswith("-").to_numpy()
    parts = s.str.lstrip("-").str.split(".", n=1, expand=True)
    whole = parts[0].astype(np.int64).to_numpy()
    frac = parts[1].fillna("") if parts.shape[1] > 1 else pd.Series("", index=s.index)
    if (frac.str.len() > 2).any():
        sys.exit(f"{column}: an amount has more than two decimals")
    frac = frac.str.ljust(2, "0").astype(np.int64).to_numpy()
    value = whole * 100 + frac
    return np.where(negative, -value, value)


def quintiles(values: pd.Series) -> np.ndarray:
    """1 + floor(5 * worse / n), higher values better."""
    n = len(values)
    worse = values.rank(method="min").to_numpy(dtype=np.int64) - 1
    return 1 + (5 * worse) // n


def at_least(values: np.ndarray, cuts: list[int]) -> np.ndarray:
    """1 + the number of cut points the value reaches."""
    return 1 + np.searchsorted(np.asarray(cuts, dtype=np.int64), values, side="right")


def cents_cut(amount) -> int:
    """The least whole number of cents that is at least `amount`."""
    return math.ceil(Decimal(str(amount)) * 100)


def segment(facts: pd.DataFrame, as_of: dt.date, settings: dict, segment_of_cell: np.ndarray) -> pd.DataFrame:
    start = window_start(as_of, settings["window_months"])
    today = day_number(as_of)
    last = facts["last_day"].to_numpy()
    in_window = last > day_number(start)
    orders = np.where(in_window, facts["window_orders"].to_numpy(), facts["lifetime_orders"].to_numpy())
    net = np.where(in_window, facts["window_cents"].to_numpy(), facts["lifetime_cents"].to_numpy())

    # R: thresholds, the most days still scoring 5, 4, 3, 2.
    days = today - last
    last_in_window = max(today - day_number(start) - 1, 0)
    r_cuts = np.asarray([*settings["recency_days"], last_in_window], dtype=np.int64)
    r = 5 - np.searchsorted(r_cuts, days, side="left")  # minus the cut points exceeded

    frequency = settings["frequency"]
    if frequency == "quintiles":
        f = quintiles(pd.Series(orders))
    else:
        f = at_least(orders, frequency["thresholds"])

    monetary = settings["monetary"]
    if monetary == "quintiles":
        m = quintiles(pd.Series(net))
    else:
        m = at_least(net, [cents_cut(t) for t in monetary["thresholds"]])

    cell = (r - 1) * 25 + (f - 1) * 5 + (m - 1)
    by_map = segment_of_cell[cell]
    new = (today - facts["first_day"].to_numpy()) < settings["new_customer_days"]
    seg = np.where(new, "new_customers", np.where(by_map == "new_customers", "promising", by_map))
    return pd.DataFrame({"customer": facts["customer"], "r": r, "f": f, "m": m, "segment": seg})


def read(d: str):
    as_of = dt.date.fromisoformat(open(f"{d}/as_of.txt").read().strip())
    with open(f"{d}/settings.json") as file:
        settings = json.load(file)
    raw = pd.read_csv(
        f"{d}/facts.csv",
        dtype={"customer": str, "window_net": str, "lifetime_net": str},
        parse_dates=["first_purchase", "last_purchase"],
        date_format="%Y-%m-%d",
    )
    facts = pd.DataFrame(
        {
            "customer": raw["customer"],
            "first_day": day_numbers(raw["first_purchase"]),
            "last_day": day_numbers(raw["last_purchase"]),
            "window_orders": raw["window_orders"].astype(np.int64),
            "window_cents": cents(raw["window_net"], "window_net"),
            "lifetime_orders": raw["lifetime_orders"].astype(np.int64),
            "lifetime_cents": cents(raw["lifetime_net"], "lifetime_net"),
        }
    )
    cells = pd.read_csv(f"{d}/map.csv").sort_values("cell")
    if list(cells["cell"]) != list(range(125)) or list(
        (cells["r"] - 1) * 25 + (cells["f"] - 1) * 5 + (cells["m"] - 1)
    ) != list(range(125)):
        print("map.csv is not the 125 cells in (r, f, m) order")
        sys.exit(2)
    ours = pd.read_csv(f"{d}/ours.csv", dtype={"customer": str})
    return as_of, settings, facts, cells["segment"].to_numpy(dtype=object), ours


def check_input(facts: pd.DataFrame, as_of: dt.date) -> None:
    problems = []
    if facts["customer"].duplicated().any():
        problems.append("a customer appears twice")
    if (facts["last_day"] > day_number(as_of)).any():
        problems.append("a last purchase is after the as-of date")
    if (facts["first_day"] > facts["last_day"]).any():
        problems.append("a first purchase is after the last")
    if problems:
        print("inconsistent input: " + "; ".join(problems))
        sys.exit(2)


def main() -> None:
    d = sys.argv[1]
    as_of, settings, facts, segment_of_cell, ours = read(d)
    check_input(facts, as_of)

    times = []
    result = None
    for _ in range(3):
        start = time.perf_counter()
        result = segment(facts, as_of, settings, segment_of_cell)
        times.append(time.perf_counter() - start)
    print(f"pandas {pd.__version__}, numpy {np.__version__}: {len(facts)} customers as of {as_of}, "
          f"window after {window_start(as_of, settings['window_months'])}")
    print(f"settings {json.dumps(settings, separators=(',', ':'))}")
    print(f"pandas scoring (window, R, F, M, segments): best {min(times) * 1000:.1f} ms "
          f"of {', '.join(f'{t * 1000:.1f}' for t in times)} ms")
    for name, count in result["segment"].value_counts().sort_index().items():
        print(f"  {name:<20} {count:>8}")

    columns = ["customer", "r", "f", "m", "segment"]
    mine = result[columns].sort_values("customer", kind="stable", ignore_index=True)
    theirs = ours[columns].sort_values("customer", kind="stable", ignore_index=True)
    if len(mine) != len(theirs) or not (mine["customer"] == theirs["customer"]).all():
        print(f"ours.csv holds other customers than facts.csv ({len(theirs)} against {len(mine)})")
        sys.exit(1)
    same = (mine == theirs).all(axis=1)
    print(f"customers with the same R, F, M and segment as clientele-rfm: {int(same.sum())} of {len(theirs)}")
    if not same.all():
        for column in columns[1:]:
            print(f"  {column}: {int((mine[column] != theirs[column]).sum())} differ")
        diff = mine[~same].merge(theirs[~same], on="customer", suffixes=("", "_rust"))
        shown = diff.head(10).merge(facts, on="customer")
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(shown)
        sys.exit(1)


if __name__ == "__main__":
    main()
