//! Tags on a customer: brand-wide system tags and associates' personal tags,
//! each with who set it and when.

use std::collections::BTreeMap;
use std::collections::btree_map;

use chrono::{DateTime, Utc};
use clientele_kernel::text::check_length;
use clientele_kernel::{Actor, InvalidValue, keyword_enum, string_newtype};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A tag's name: trimmed, 1 to 64 characters, no control characters and none
/// of `/ ? # %` (names appear in URL paths). Case is kept: `VIP` and `vip`
/// are two tags.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TagName(String);

impl TagName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 64;

    /// Trims and checks (codes `required`, `too_long`, `invalid_format`).
    pub fn parse(s: &str) -> Result<TagName, InvalidValue> {
        let name = s.trim();
        if name.chars().any(|c| c.is_control() || matches!(c, '/' | '?' | '#' | '%')) {
            return Err(InvalidValue::new("invalid_format", "must not contain control characters or any of / ? # %"));
        }
        check_length(name.to_owned(), Self::MAX_CHARS).map(TagName)
    }
}
string_newtype!(TagName);

keyword_enum! {
    /// Who a tag is for.
    pub enum TagKind {
        /// Brand-wide, set by the CRM team or by rules.
        System => "system",
        /// An associate's own note-like tag.
        Personal => "personal",
    }
}

/// A tag on a customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// Its name.
    pub name: TagName,
    /// System or personal.
    pub kind: TagKind,
    /// Who set it.
    pub set_by: Actor,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

/// A customer's tags, at most one per name. Iterates and serialises in name
/// order, as a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Tags(BTreeMap<TagName, Tag>);

impl Tags {
    /// No tags.
    pub fn new() -> Tags {
        Tags(BTreeMap::new())
    }

    /// Adds a tag; a tag of the same name is replaced and returned.
    pub fn insert(&mut self, tag: Tag) -> Option<Tag> {
        self.0.insert(tag.name.clone(), tag)
    }

    /// Removes the tag of this name.
    pub fn remove(&mut self, name: &TagName) -> Option<Tag> {
        self.0.remove(name)
    }

    /// The tag of this name.
    pub fn get(&self, name: &TagName) -> Option<&Tag> {
        self.0.get(name)
    }

    /// True if a tag of this name is set.
    pub fn contains(&self, name: &TagName) -> bool {
        self.0.contains_key(name)
    }

    /// The tags, in name order.
    pub fn iter(&self) -> btree_map::Values<'_, TagName, Tag> {
        self.0.values()
    }

    /// The names, in order.
    pub fn names(&self) -> btree_map::Keys<'_, TagName, Tag> {
        self.0.keys()
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no tag.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every tag.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Every name of both; when both have a name, the tag set earlier is kept
    /// (on the same instant, this one's).
    pub fn union(&self, other: &Tags) -> Tags {
        let mut out = self.clone();
        for (name, theirs) in &other.0 {
            match out.0.get(name) {
                Some(ours) if ours.set_at <= theirs.set_at => {}
                _ => {
                    out.0.insert(name.clone(), theirs.clone());
                }
            }
        }
        out
    }
}

impl FromIterator<Tag> for Tags {
    /// Later tags replace earlier ones of the same name.
    fn from_iter<I: IntoIterator<Item = Tag>>(iter: I) -> Self {
        let mut tags = Tags::new();
        for tag in iter {
            tags.insert(tag);
        }
        tags
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a Tag;
    type IntoIter = btree_map::Values<'a, TagName, Tag>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.values()
    }
}

impl IntoIterator for Tags {
    type Item = Tag;
    type IntoIter = btree_map::IntoValues<TagName, Tag>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_values()
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.values())
    }
}

impl<'de> Deserialize<'de> for Tags {
    /// From a list; for a repeated name the last one wins.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Tag>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn tag(name: &str, by: &str, secs: i64) -> Tag {
        Tag {
            name: TagName::parse(name).unwrap(),
            kind: TagKind::System,
            set_by: Actor::new(by).unwrap(),
            set_at: at(secs),
        }
    }

    #[test]
    fn tag_names() {
        assert_eq!(TagName::parse("  VIP gold ").unwrap().as_str(), "VIP gold");
        assert_ne!(TagName::parse("VIP").unwrap(), TagName::parse("vip").unwrap());
        assert_eq!(TagName::parse("爱看电影").unwrap().as_str(), "爱看电影");
        for bad in ["a/b", "a?b", "a#b", "100%", "a\nb"] {
            assert_eq!(TagName::parse(bad).unwrap_err().code, "invalid_format", "{bad:?}");
        }
        assert_eq!(TagName::parse(" ").unwrap_err().code, "required");
        assert_eq!(TagName::parse(&"x".repeat(65)).unwrap_err().code, "too_long");
    }

    #[test]
    fn insert_replaces_and_union_keeps_earliest() {
        let mut a = Tags::new();
        assert!(a.insert(tag("vip", "x", 10)).is_none());
        assert_eq!(a.insert(tag("vip", "y", 20)).unwrap().set_by.as_str(), "x");
        a.insert(tag("films", "x", 5));
        let b: Tags = [tag("vip", "z", 15), tag("golf", "z", 1)].into_iter().collect();
        let u = a.union(&b);
        let names: Vec<&str> = u.names().map(TagName::as_str).collect();
        assert_eq!(names, ["films", "golf", "vip"]);
        assert_eq!(u.get(&TagName::parse("vip").unwrap()).unwrap().set_by.as_str(), "z");
        // Ties keep self's.
        let c: Tags = [tag("vip", "w", 20)].into_iter().collect();
        assert_eq!(a.union(&c).get(&TagName::parse("vip").unwrap()).unwrap().set_by.as_str(), "y");
        assert!(a.remove(&TagName::parse("vip").unwrap()).is_some());
        assert!(!a.contains(&TagName::parse("vip").unwrap()));
        assert_eq!(a.len(), 1);
    }

    #[test]
    fn serde_as_a_list() {
        let tags: Tags = [tag("b", "x", 1), tag("a", "x", 2)].into_iter().collect();
        let json = serde_json::to_value(&tags).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(json[0]["name"], "a");
        assert_eq!(json[0]["kind"], "system");
        assert_eq!(serde_json::from_value::<Tags>(json).unwrap(), tags);
        let repeated = serde_json::to_value([tag("a", "first", 1), tag("a", "last", 2)]).unwrap();
        let back: Tags = serde_json::from_value(repeated).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back.iter().next().unwrap().set_by.as_str(), "last");
    }
}
