//! A reason in the words an associate reads on the shop floor.

use chrono::NaiveDate;
use clientele_profiles::{ImportantDateKind, Relation};
use rust_decimal::Decimal;

use super::{Lapse, Reason};

/// `1234567` → `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A whole amount with separators (decimals dropped after rounding up).
fn amount(d: Decimal) -> String {
    let whole = d.ceil();
    i64::try_from(whole).map_or_else(|_| whole.to_string(), thousands)
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

fn percent(p: Decimal) -> String {
    format!("{}%", (p * Decimal::ONE_HUNDRED).round())
}

fn when(on: NaiveDate, today: NaiveDate) -> String {
    match (on - today).num_days() {
        0 => "today".to_owned(),
        1 => format!("tomorrow, {}", day(on)),
        n => format!("in {n} days, on {}", day(on)),
    }
}

fn whose(relation: Relation) -> &'static str {
    match relation {
        Relation::Own => "",
        Relation::Spouse => "Spouse's ",
        Relation::Partner => "Partner's ",
        Relation::Child => "Child's ",
        Relation::Parent => "Parent's ",
        Relation::Friend => "Friend's ",
        Relation::Other => "Family ",
    }
}

fn important_date(kind: ImportantDateKind, relation: Relation, label: Option<&str>) -> String {
    let what = match (kind, relation) {
        (ImportantDateKind::Birthday, Relation::Own) => "Birthday".to_owned(),
        (ImportantDateKind::Birthday, r) => format!("{}birthday", whose(r)),
        (ImportantDateKind::ChildBirthday, _) => "Child's birthday".to_owned(),
        (ImportantDateKind::Anniversary, _) => "Anniversary".to_owned(),
        (ImportantDateKind::FamilyTrip, _) => "Family trip".to_owned(),
        (ImportantDateKind::Other, _) => "Important date".to_owned(),
    };
    match label {
        Some(label) => format!("{what} ({label})"),
        None => what,
    }
}

impl Reason {
    /// The reason in words, as of `today`, e.g. "Birthday in 5 days, on 12
    /// Dec", "CNY 3,200 more for S4 (level 4)".
    pub fn words(&self, today: NaiveDate) -> String {
        match self {
            Reason::ImportantDate { kind, relation, label, on } => {
                format!("{} {}", important_date(*kind, *relation, label.as_deref()), when(*on, today))
            }
            Reason::Lapsing(lapse) => lapse.words(),
            Reason::PointsExpiring { points, first_on } => {
                format!("{} points expire soon, the first on {}", thousands(*points), day(*first_on))
            }
            Reason::JustUpgraded { from, to, on } => format!("Upgraded from {from} to {to} on {}", day(*on)),
            Reason::CloseToNextTier { next, next_name, spend, currency } => {
                format!("{currency} {} more for {next} ({next_name})", amount(*spend))
            }
            Reason::FollowUpDue { due_on, reason, .. } => format!("Follow-up {}: {reason}", due(*due_on, today)),
            Reason::CampaignTask { due_on, reason, .. } => format!("Campaign task {}: {reason}", due(*due_on, today)),
        }
    }
}

fn due(due_on: NaiveDate, today: NaiveDate) -> String {
    if due_on < today { format!("overdue since {}", day(due_on)) } else { "due today".to_owned() }
}

impl Lapse {
    /// The signal in words.
    pub fn words(&self) -> String {
        match self {
            Lapse::MovedInto { from, to } => format!(
                "Top client moved from {} into {} since the last snapshot",
                from.display_name(),
                to.display_name()
            ),
            Lapse::PAliveFell { from, to } => {
                format!("Top client: chance of still being active fell from {} to {}", percent(*from), percent(*to))
            }
            Lapse::Overdue { usual_gap_days, days_since } => {
                format!("Top client: no purchase for {days_since} days, usually buys every {usual_gap_days} days")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_with_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(amount(Decimal::new(319_901, 2)), "3,200");
        assert_eq!(percent(Decimal::new(8249, 4)), "82%");
    }
}
