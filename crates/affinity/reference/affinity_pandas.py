"""Co-purchase affinity on the reference data, counted with pandas.

    python3 -m venv target/affinity-venv
    target/affinity-venv/bin/pip install pandas==3.1.1
    target/affinity-venv/bin/python crates/affinity/reference/affinity_pandas.py crates/affinity/reference

Written with pandas 3.1.1 (Python 3.11). Reads `baskets.csv`, `lines.csv`
and `products.csv` from the directory (see README.md for where they come
from) and writes three files beside them, one row per directed rule
antecedent -> consequent whose two items share at least MIN_SHARED baskets:

- `pairs_reference.csv`: each basket an order, items the products
  (product_id), the whole year, MIN_SHARED 10;
- `pairs_reference_category.csv`: each basket an order, items the products'
  categories, baskets dated 2017-07-01..2017-12-31 only, MIN_SHARED 40;
- `pairs_reference_household.csv`: each basket one household's purchases
  dated 2017-04-01..2017-06-30, items the categories, MIN_SHARED 25.

A product without a category is left out of the category baskets, and a
basket left with no item is no basket. Columns: antecedent, consequent,
shared (baskets with both), antecedent_count, consequent_count (baskets with
each), baskets (N), support = shared / N, confidence = shared /
antecedent_count, lift = confidence / (consequent_count / N); floats as
Python's repr, which reads back to the same double. Rows are sorted by
antecedent, then consequent.

This is deliberately not a port of the Rust code: pairs come from a self-merge
of the (basket, item) table on basket, counts from groupby, and the ratios
are worked out in a different order.
"""

import sys
from pathlib import Path

import pandas as pd


def directed_pairs(table: pd.DataFrame, min_shared: int) -> pd.DataFrame:
    """Every ordered pair of distinct items sharing at least `min_shared` baskets.

    `table` has columns basket and item; repeated rows count once.
    """
    table = table[["basket", "item"]].drop_duplicates()
    n = table["basket"].nunique()
    item_counts = table.groupby("item")["basket"].nunique()

    both = table.merge(table, on="basket", suffixes=("_a", "_c"))
    both = both[both["item_a"] != both["item_c"]]
    shared = both.groupby(["item_a", "item_c"]).size().rename("shared").reset_index()
    shared = shared[shared["shared"] >= min_shared]

    rules = shared.rename(columns={"item_a": "antecedent", "item_c": "consequent"})
    rules["antecedent_count"] = rules["antecedent"].map(item_counts).astype("int64")
    rules["consequent_count"] = rules["consequent"].map(item_counts).astype("int64")
    rules["baskets"] = n
    rules["support"] = rules["shared"] / n
    rules["confidence"] = rules["shared"] / rules["antecedent_count"]
    rules["lift"] = rules["confidence"] / (rules["consequent_count"] / n)
    return rules.sort_values(["antecedent", "consequent"]).reset_index(drop=True)


def write(rules: pd.DataFrame, path: Path) -> None:
    columns = ["antecedent", "consequent", "shared", "antecedent_count", "consequent_count", "baskets"]
    out = rules[columns].copy()
    for name in ["support", "confidence", "lift"]:
        out[name] = rules[name].map(repr)
    out.to_csv(path, index=False, lineterminator="\n")
    print(f"{path.name}: {len(out)} rules over {rules['baskets'].iloc[0] if len(out) else 0} baskets")


def main() -> None:
    directory = Path(sys.argv[1])
    baskets = pd.read_csv(directory / "baskets.csv", dtype={"basket_id": "int64", "household_id": "int64"})
    lines = pd.read_csv(directory / "lines.csv", dtype={"basket_id": "int64", "product_id": "int64"})
    products = pd.read_csv(directory / "products.csv", dtype={"product_id": "int64", "category": "string"})
    baskets["date"] = pd.to_datetime(baskets["date"], format="%Y-%m-%d")

    lines = lines.merge(baskets, on="basket_id", how="inner", validate="many_to_one")
    by_product = lines.rename(columns={"basket_id": "basket", "product_id": "item"})
    write(directed_pairs(by_product, 10), directory / "pairs_reference.csv")

    categorised = lines.merge(products.dropna(subset=["category"]), on="product_id", how="inner")
    second_half = categorised[categorised["date"].between("2017-07-01", "2017-12-31")]
    by_category = second_half.rename(columns={"basket_id": "basket", "category": "item"})
    write(directed_pairs(by_category, 40), directory / "pairs_reference_category.csv")

    second_quarter = categorised[categorised["date"].between("2017-04-01", "2017-06-30")]
    by_household = second_quarter.rename(columns={"household_id": "basket", "category": "item"})
    write(directed_pairs(by_household, 25), directory / "pairs_reference_household.csv")


if __name__ == "__main__":
    main()
