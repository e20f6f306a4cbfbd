//! What the demo data is made of: the stores and their associates, the
//! names customers are drawn from, the catalogue, and the calendar of a
//! luxury year (the busy days and the sales).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

pub(super) const STORES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("SH-IFC", "Shanghai IFC Mall", "Shanghai", "CN", "Asia/Shanghai", "CNY"),
    ("BJ-SKP", "Beijing SKP", "Beijing", "CN", "Asia/Shanghai", "CNY"),
    ("CD-TKL", "Chengdu Taikoo Li", "Chengdu", "CN", "Asia/Shanghai", "CNY"),
    ("SZ-MXC", "Shenzhen MixC", "Shenzhen", "CN", "Asia/Shanghai", "CNY"),
    ("HZ-TWR", "Hangzhou Tower", "Hangzhou", "CN", "Asia/Shanghai", "CNY"),
    ("GZ-TKH", "Guangzhou Taikoo Hui", "Guangzhou", "CN", "Asia/Shanghai", "CNY"),
    ("NJ-DJP", "Nanjing Deji Plaza", "Nanjing", "CN", "Asia/Shanghai", "CNY"),
    ("MI-MNP", "Milano Montenapoleone", "Milan", "IT", "Europe/Rome", "EUR"),
    ("PA-SHN", "Paris Saint-Honoré", "Paris", "FR", "Europe/Paris", "EUR"),
];

/// Share of customers (in percent) whose home store this is, in STORES order.
pub(super) const STORE_WEIGHTS: &[u64] = &[22, 20, 10, 12, 9, 11, 6, 5, 5];

pub(super) const ASSOCIATES: &[&str] = &[
    "王芳",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨敏",
    "赵磊",
    "黄丽",
    "吴婷",
    "周杰",
    "徐颖",
    "孙浩",
    "马琳",
    "朱晨",
    "Giulia Bianchi",
    "Marco Conti",
    "Camille Dubois",
    "Julien Moreau",
];
pub(super) const CN_SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "林"];
pub(super) const CN_GIVEN: &[&str] =
    &["芳", "娜", "静", "敏", "丽", "婷", "雪", "颖", "琳", "晨", "欣怡", "梓涵", "诗琪", "子轩", "浩然", "雨桐"];
pub(super) const IT_NAMES: &[&str] =
    &["Giulia Rossi", "Francesca Ferrari", "Chiara Romano", "Alessandro Greco", "Sofia Ricci"];
pub(super) const FR_NAMES: &[&str] = &["Camille Martin", "Léa Bernard", "Chloé Petit", "Louis Durand", "Manon Leroy"];
pub(super) const STYLES: &[&str] = &["minimalist", "classic", "avant-garde", "romantic", "streetwear"];
pub(super) const COLOURS: &[&str] = &["black", "ivory", "camel", "burgundy", "navy", "emerald"];
pub(super) const CATEGORIES: &[&str] = &["ready-to-wear", "leather goods", "jewelry", "beauty", "accessories"];
pub(super) const HOBBIES: &[&str] = &["likes films", "gardening", "golf", "travel", "tea ceremony", "opera", "yoga"];
pub(super) const TAGS: &[&str] = &["VIP", "bridal", "gift buyer", "collector", "new season early adopter"];

/// The catalogue: category, SKU prefix, share of lines (percent), price range in CNY, product names.
pub(super) struct Category {
    pub(super) name: &'static str,
    pub(super) prefix: &'static str,
    pub(super) share: u64,
    pub(super) price: (u64, u64),
    pub(super) products: &'static [&'static str],
}

pub(super) const CATALOGUE: &[Category] = &[
    Category {
        name: "ready-to-wear",
        prefix: "RTW",
        share: 30,
        price: (3_800, 42_000),
        products: &["Cashmere Coat", "Silk Blouse", "Tweed Jacket", "Pleated Skirt", "Wool Trousers", "Knit Dress"],
    },
    Category {
        name: "leather goods",
        prefix: "LG",
        share: 25,
        price: (9_500, 68_000),
        products: &["Le Sac Tote", "Mini Bag", "Shoulder Bag", "Travel Duffle", "Wallet on Chain", "Card Holder"],
    },
    Category {
        name: "jewelry",
        prefix: "JW",
        share: 8,
        price: (6_800, 260_000),
        products: &["Gold Bracelet", "Diamond Ring", "Pearl Earrings", "Pendant Necklace", "Signet Ring"],
    },
    Category {
        name: "beauty",
        prefix: "BT",
        share: 20,
        price: (320, 2_600),
        products: &["Eau de Parfum", "Lipstick", "Face Cream", "Cushion Foundation", "Eye Palette"],
    },
    Category {
        name: "accessories",
        prefix: "AC",
        share: 17,
        price: (1_500, 12_000),
        products: &["Silk Scarf", "Sunglasses", "Leather Belt", "Cashmere Gloves", "Hair Clip", "Loafers"],
    },
];

/// How busy a day is, in percent of an ordinary day: Golden Week and
/// 11.11, December gifting, the weeks before Chinese New Year (late
/// January – early February), 618 and the summer sales.
pub(super) fn seasonality(date: NaiveDate) -> u64 {
    match (date.month(), date.day()) {
        (11, 11) => 400,
        (11, _) => 170,
        (12, 20..=31) => 260,
        (12, _) => 190,
        (1, 10..=31) | (2, 1..=10) => 210,
        (6, 18) => 250,
        (6, _) | (7, _) => 140,
        (10, 1..=7) => 180,
        (2, _) | (3, _) => 70,
        _ => 100,
    }
}

/// The summer and winter sales: more and deeper discounts.
pub(super) fn on_sale(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (7, _) | (1, 1..=20) | (6, 15..=30))
}

pub(super) fn collection_of(date: NaiveDate) -> String {
    let yy = date.year() % 100;
    if (2..=7).contains(&date.month()) {
        format!("SS{yy:02}")
    } else if date.month() == 1 {
        format!("AW{:02}", yy - 1)
    } else {
        format!("AW{yy:02}")
    }
}

pub(super) fn money(cny: u64, eur: bool) -> Decimal {
    // Luxury prices end in 00 (CNY) or 0 (EUR).
    if eur { Decimal::from((cny * 10 / 78).max(10) / 10 * 10) } else { Decimal::from((cny / 100).max(1) * 100) }
}
