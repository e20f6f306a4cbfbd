//! Which events a subscription receives: the event types it names, or `*`
//! for every event, present and future.

use std::collections::BTreeSet;

use clientele_kernel::InvalidValue;

use crate::event::EventType;

/// The wildcard event type: every event, present and future.
pub const ALL_EVENTS: &str = "*";

/// Which events a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event (`*`).
    All,
    /// These event types (at least one).
    Only(BTreeSet<EventType>),
}

impl EventFilter {
    /// Parses a list of event types: each must be known, or the list is `["*"]`.
    /// Errors name the offending element by its index.
    pub fn parse(types: &[String]) -> Result<EventFilter, Vec<(Option<usize>, InvalidValue)>> {
        if types.is_empty() {
            return Err(vec![(None, InvalidValue::new("required", "name at least one event type, or \"*\""))]);
        }
        if types.iter().any(|t| t == ALL_EVENTS) {
            if types.len() > 1 {
                return Err(vec![(
                    None,
                    InvalidValue::new("not_allowed", "\"*\" cannot be combined with other types"),
                )]);
            }
            return Ok(EventFilter::All);
        }
        let mut errors = Vec::new();
        let mut set = BTreeSet::new();
        for (i, t) in types.iter().enumerate() {
            match EventType::parse(t) {
                None => {
                    let known = EventType::NAMES.join(", ");
                    errors
                        .push((Some(i), InvalidValue::new("unknown_event_type", format!("not one of {known}, or *"))));
                }
                Some(event_type) => {
                    if !set.insert(event_type) {
                        errors.push((Some(i), InvalidValue::new("duplicate", format!("{t} is listed twice"))));
                    }
                }
            }
        }
        if errors.is_empty() { Ok(EventFilter::Only(set)) } else { Err(errors) }
    }

    /// The names, as a subscription stores and lists them: `["*"]`, or the
    /// event types in alphabetical order. [`EventFilter::parse`] reads them
    /// back as the same filter.
    pub fn names(&self) -> Vec<&'static str> {
        match self {
            EventFilter::All => vec![ALL_EVENTS],
            EventFilter::Only(set) => {
                let mut names: Vec<&'static str> = set.iter().map(|t| t.as_str()).collect();
                names.sort_unstable();
                names
            }
        }
    }

    /// True when an event of this type is delivered to the subscription:
    /// every event under `*`, else exactly the types named. (The store's
    /// fan-out matches the stored names the same way, in SQL.)
    pub fn accepts(&self, event_type: &str) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(set) => EventType::parse(event_type).is_some_and(|t| set.contains(&t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn event_filters() {
        assert_eq!(EventFilter::parse(&s(&["*"])), Ok(EventFilter::All));
        assert!(
            matches!(EventFilter::parse(&s(&["tier.changed", "points.changed"])), Ok(EventFilter::Only(t)) if t.len() == 2)
        );
        assert!(EventFilter::parse(&[]).is_err());
        assert!(EventFilter::parse(&s(&["*", "tier.changed"])).is_err());
        let errors = EventFilter::parse(&s(&["tier.changed", "nope", "tier.changed"])).err().unwrap_or_default();
        assert_eq!(
            errors.iter().map(|(i, e)| (*i, e.code)).collect::<Vec<_>>(),
            [(Some(1), "unknown_event_type"), (Some(2), "duplicate")]
        );
    }

    #[test]
    fn an_unknown_type_is_answered_with_the_known_ones_in_the_documented_order() {
        let errors = EventFilter::parse(&s(&["order.shipped"])).err().unwrap_or_default();
        assert_eq!(
            errors[0].1.message,
            "not one of customer.created, order.ingested, order.returned, points.changed, points.expiring, \
             tier.changed, customer.merged, campaign.message, or *"
        );
    }

    #[test]
    fn names_are_stored_in_alphabetical_order() {
        let filter = EventFilter::parse(&s(&["tier.changed", "customer.merged", "order.ingested"]));
        assert_eq!(filter.map(|f| f.names()), Ok(vec!["customer.merged", "order.ingested", "tier.changed"]));
        assert_eq!(EventFilter::All.names(), ["*"]);
    }
}
