//! Quiet hours: [`QuietHours`], the time of day no message goes out in the
//! customer's local time (their home store's time zone), and
//! [`next_send_time`], the first moment a message may go.
//!
//! # The rule
//!
//! Quiet hours run from `start` (included) to `end` (excluded) on the local
//! clock, and may cross midnight: 21:00–09:00 (the default) is quiet from
//! 21:00 to 08:59:59.999… A message due at `at` goes at `at` if the local
//! clock then is outside quiet hours; otherwise at the **first instant after
//! `at` at which the local clock is outside them** — the end of the quiet
//! period, on the local clock.
//!
//! # Daylight saving time
//!
//! That definition decides the transitions, without a special case:
//!
//! - **A gap** (spring forward, the clock skips e.g. 02:00–03:00): if the
//!   quiet period ends inside the skipped hour (`end` = 02:30), the clock
//!   never shows 02:30 that night; the message goes at the instant of the
//!   jump, when the clock shows 03:00, the first time it is past the end.
//!   A quiet period that ends after the gap (09:00) is simply one hour
//!   shorter in real time. If the gap swallows all the hours outside quiet
//!   hours (quiet 03:00–02:00, and 02:00 jumps to 04:00), the clock is never
//!   outside them that night: the message waits for the next day's end.
//! - **A fold** (fall back, 02:00 becomes 01:00 again): if the end is in the
//!   repeated hour (`end` = 01:30), the message goes the first time the
//!   clock shows 01:30, unless `at` is already past that instant (then the
//!   second time). If the clock falls back from outside quiet hours into
//!   them, or out of them, the rule follows the clock: with quiet hours
//!   01:30–05:00, 01:45 before a fall-back at 02:00 is quiet, and the
//!   message goes at the fall-back, when the clock shows 01:00 (outside
//!   quiet hours) — the clock is what the client sees.
//! - A whole day skipped (Samoa, 2011-12-30) or an offset that changes
//!   twice in one night is handled the same way, one transition at a time.
//!
//! The zone's transitions are found by bisection to the second (the time
//! zone database places them on whole seconds); nothing is assumed about
//! their size or hour. A quiet period with more than 16 transitions in it
//! (none exists) would be cut short at the 16th.

use chrono::{DateTime, FixedOffset, NaiveDateTime, NaiveTime, Offset, TimeDelta, Timelike, Utc};
use clientele_kernel::TimeZone;
use serde::{Deserialize, Serialize};

use crate::error::CampaignError;

/// The hours of the local day no message goes out: from `start` (included)
/// to `end` (excluded), crossing midnight when `end` is earlier than
/// `start`. Serialised as `{"start": "21:00:00", "end": "09:00:00"}` (the
/// default); `"21:00"` is read too. Deserialising goes through
/// [`QuietHours::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "QuietHoursParts", into = "QuietHoursParts")]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

/// The fields of [`QuietHours`], unchecked (for serde).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuietHoursParts {
    start: NaiveTime,
    end: NaiveTime,
}

impl TryFrom<QuietHoursParts> for QuietHours {
    type Error = CampaignError;

    fn try_from(parts: QuietHoursParts) -> Result<QuietHours, CampaignError> {
        QuietHours::new(parts.start, parts.end)
    }
}

impl From<QuietHours> for QuietHoursParts {
    fn from(quiet: QuietHours) -> QuietHoursParts {
        QuietHoursParts { start: quiet.start, end: quiet.end }
    }
}

impl Default for QuietHours {
    /// 21:00 to 09:00.
    fn default() -> QuietHours {
        QuietHours { start: hour(21), end: hour(9) }
    }
}

/// A whole hour.
fn hour(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN)
}

impl QuietHours {
    /// Checks that `start` and `end` differ (equal, the hours would be
    /// empty or the whole day: a programme without quiet hours sets none)
    /// and that neither is a leap second (code `invalid_quiet_hours`).
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<QuietHours, CampaignError> {
        if start == end {
            return Err(CampaignError::InvalidQuietHours {
                reason: format!("start and end are both {start}: quiet hours must start and end at different times"),
            });
        }
        if start.nanosecond() >= 1_000_000_000 || end.nanosecond() >= 1_000_000_000 {
            return Err(CampaignError::InvalidQuietHours { reason: "start and end must not be a leap second".into() });
        }
        Ok(QuietHours { start, end })
    }

    /// When quiet hours start (included).
    pub const fn start(&self) -> NaiveTime {
        self.start
    }

    /// When they end (excluded): the first time of day a message may go.
    pub const fn end(&self) -> NaiveTime {
        self.end
    }

    /// Whether a local time of day is within quiet hours.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// Whether the instant is within quiet hours on the zone's clock.
    pub fn contains_instant(&self, at: DateTime<Utc>, zone: TimeZone) -> bool {
        self.contains(local_clock(at, zone).time())
    }

    /// When the quiet period a local date and time is in ends, on the local
    /// clock; None outside quiet hours.
    fn end_of_period(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        if !self.contains(local.time()) {
            return None;
        }
        let ends_next_day = self.start > self.end && local.time() >= self.start;
        let date = if ends_next_day { local.date().succ_opt()? } else { local.date() };
        Some(date.and_time(self.end))
    }
}

/// What the zone's clock shows at an instant.
fn local_clock(at: DateTime<Utc>, zone: TimeZone) -> NaiveDateTime {
    at.with_timezone(&zone.tz()).naive_local()
}

/// The zone's offset from UTC at an instant.
fn offset_at(at: DateTime<Utc>, zone: TimeZone) -> FixedOffset {
    at.with_timezone(&zone.tz()).offset().fix()
}

/// The most transitions of the zone's offset crossed in one quiet period.
const MAX_TRANSITIONS: usize = 16;

/// The first instant at or after `at` outside quiet hours on the zone's
/// clock: `at` itself if it is outside them, else the end of the quiet
/// period (see the [module documentation](self) for daylight saving time).
/// Never earlier than `at`, never within quiet hours, and every instant
/// between `at` and the answer is within them.
pub fn next_send_time(at: DateTime<Utc>, zone: TimeZone, quiet: &QuietHours) -> DateTime<Utc> {
    let mut from = at;
    for _ in 0..=MAX_TRANSITIONS {
        let local = local_clock(from, zone);
        let Some(end) = quiet.end_of_period(local) else { return from };
        // Where the clock would show `end` if the offset held till then.
        let by = from + (end - local);
        let offset = offset_at(from, zone);
        if offset_at(by, zone) == offset {
            return by;
        }
        // The offset changes before: look again from the change, where the
        // clock jumps (out of quiet hours, or to another point in them).
        from = first_change(from, by, offset, zone);
    }
    from
}

/// The first instant after `after` at which the zone's offset differs from
/// `offset`, given that it is `offset` at `after` and differs at `by`
/// (one transition between them).
fn first_change(after: DateTime<Utc>, by: DateTime<Utc>, offset: FixedOffset, zone: TimeZone) -> DateTime<Utc> {
    let (mut before, mut changed) = (after, by);
    while changed - before > TimeDelta::seconds(1) {
        let middle = before + (changed - before) / 2;
        if offset_at(middle, zone) == offset {
            before = middle;
        } else {
            changed = middle;
        }
    }
    // The transition is in (before, changed], at most a second long, and on
    // a whole second: the second `changed` is in.
    let whole = changed.with_nanosecond(0).unwrap_or(changed);
    if whole > before && offset_at(whole, zone) != offset { whole } else { changed }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};

    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// The instant the zone's clock first shows the local date and time.
    fn local(zone: TimeZone, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        let naive = NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_time(time(h, mi));
        zone.tz().from_local_datetime(&naive).earliest().unwrap().with_timezone(&Utc)
    }

    fn quiet(start: (u32, u32), end: (u32, u32)) -> QuietHours {
        QuietHours::new(time(start.0, start.1), time(end.0, end.1)).unwrap()
    }

    #[test]
    fn quiet_hours_are_checked_and_serialised() {
        let default = QuietHours::default();
        assert_eq!((default.start(), default.end()), (time(21, 0), time(9, 0)));
        let err = QuietHours::new(time(9, 0), time(9, 0)).unwrap_err();
        assert_eq!(err.code(), "invalid_quiet_hours");
        assert!(err.to_string().contains("both 09:00:00"), "{err}");
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap();
        assert!(QuietHours::new(leap, time(9, 0)).is_err());
        let json = serde_json::to_string(&default).unwrap();
        assert_eq!(json, r#"{"start":"21:00:00","end":"09:00:00"}"#);
        assert_eq!(serde_json::from_str::<QuietHours>(&json).unwrap(), default);
        let short: QuietHours = serde_json::from_str(r#"{"start":"22:30","end":"08:00"}"#).unwrap();
        assert_eq!(short, quiet((22, 30), (8, 0)));
        assert!(serde_json::from_str::<QuietHours>(r#"{"start":"22:30","end":"22:30"}"#).is_err());
        assert!(serde_json::from_str::<QuietHours>(r#"{"start":"25:00","end":"08:00"}"#).is_err());
    }

    #[test]
    fn hours_across_midnight_and_within_a_day() {
        let night = QuietHours::default();
        assert!(night.contains(time(21, 0)) && night.contains(time(0, 0)) && night.contains(time(8, 59)));
        assert!(!night.contains(time(9, 0)) && !night.contains(time(20, 59)) && !night.contains(time(12, 0)));
        let lunch = quiet((12, 0), (14, 0));
        assert!(lunch.contains(time(12, 0)) && lunch.contains(time(13, 59)));
        assert!(!lunch.contains(time(14, 0)) && !lunch.contains(time(11, 59)) && !lunch.contains(time(0, 0)));
    }

    #[test]
    fn a_message_in_quiet_hours_waits_for_their_end_in_the_customers_zone() {
        let shanghai = zone("Asia/Shanghai"); // UTC+8, no daylight saving time
        let night = QuietHours::default();
        // 14:00 UTC is 22:00 in Shanghai: it goes at 09:00 the next morning.
        assert_eq!(next_send_time(utc(2026, 3, 1, 14, 0), shanghai, &night), utc(2026, 3, 2, 1, 0));
        // 20:00 UTC is 04:00 the next day: 09:00 the same local day.
        assert_eq!(next_send_time(utc(2026, 3, 1, 20, 0), shanghai, &night), utc(2026, 3, 2, 1, 0));
        // 03:00 UTC is 11:00: it goes at once, to the nanosecond.
        let at = utc(2026, 3, 1, 3, 0) + TimeDelta::nanoseconds(7);
        assert_eq!(next_send_time(at, shanghai, &night), at);
        // The end itself is not quiet; the start is.
        assert_eq!(next_send_time(utc(2026, 3, 1, 1, 0), shanghai, &night), utc(2026, 3, 1, 1, 0));
        assert_eq!(next_send_time(utc(2026, 3, 1, 13, 0), shanghai, &night), utc(2026, 3, 2, 1, 0));
        // The same instant in Rome (UTC+1) is 15:00: not quiet.
        assert_eq!(next_send_time(utc(2026, 3, 1, 14, 0), zone("Europe/Rome"), &night), utc(2026, 3, 1, 14, 0));
        assert!(night.contains_instant(utc(2026, 3, 1, 14, 0), shanghai));
    }

    #[test]
    fn a_quiet_period_across_a_gap_ends_at_the_local_end_or_at_the_jump() {
        let paris = zone("Europe/Paris");
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00 UTC).
        let jump = utc(2026, 3, 29, 1, 0);
        // Ending at 09:00: the night is an hour shorter, 09:00 is 07:00 UTC.
        let at = local(paris, 2026, 3, 28, 23, 0);
        assert_eq!(next_send_time(at, paris, &QuietHours::default()), utc(2026, 3, 29, 7, 0));
        // Ending at 02:30, which the clock never shows: at the jump.
        assert_eq!(next_send_time(at, paris, &quiet((21, 0), (2, 30))), jump);
        // Ending at 03:00: the jump too (the clock shows 03:00 then).
        assert_eq!(next_send_time(at, paris, &quiet((21, 0), (3, 0))), jump);
        // Starting in the gap: quiet from the jump on.
        let before = jump - TimeDelta::minutes(1);
        assert_eq!(next_send_time(before, paris, &quiet((2, 30), (6, 0))), before);
        assert_eq!(next_send_time(jump, paris, &quiet((2, 30), (6, 0))), utc(2026, 3, 29, 4, 0));
    }

    #[test]
    fn a_quiet_period_across_a_fold_follows_the_clock() {
        let new_york = zone("America/New_York");
        // 2026-11-01: 02:00 EDT becomes 01:00 EST (06:00 UTC); 01:30 is
        // shown at 05:30 UTC and again at 06:30 UTC.
        let (first, second) = (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30));
        let ends_in_the_fold = quiet((21, 0), (1, 30));
        assert_eq!(next_send_time(local(new_york, 2026, 10, 31, 23, 0), new_york, &ends_in_the_fold), first);
        // Past the first 01:30 the clock falls back into quiet hours (01:00 to
        // 01:30 again): the second 01:30.
        let back = utc(2026, 11, 1, 6, 10); // 01:10 EST
        assert_eq!(next_send_time(back, new_york, &ends_in_the_fold), second);
        // Quiet 01:30–05:00: 01:45 EDT is quiet, but at the fall-back the
        // clock shows 01:00, outside quiet hours.
        let fall_back = utc(2026, 11, 1, 6, 0);
        assert_eq!(next_send_time(utc(2026, 11, 1, 5, 45), new_york, &quiet((1, 30), (5, 0))), fall_back);
        // The default night is an hour longer in real time: 09:00 EST.
        let night = next_send_time(local(new_york, 2026, 10, 31, 22, 0), new_york, &QuietHours::default());
        assert_eq!(night, utc(2026, 11, 1, 14, 0));
    }

    #[test]
    fn half_hour_shifts_and_a_skipped_day() {
        // Lord Howe Island moves by 30 minutes: 2026-10-04 02:00 → 02:30
        // (15:30 UTC the day before).
        let lord_howe = zone("Australia/Lord_Howe");
        let at = local(lord_howe, 2026, 10, 3, 23, 0);
        assert_eq!(next_send_time(at, lord_howe, &quiet((21, 0), (2, 15))), utc(2026, 10, 3, 15, 30));
        // Samoa skipped 2011-12-30: 23:59:59 on the 29th (UTC−10) was
        // followed by 00:00 on the 31st (UTC+14). A night from the 29th
        // ends at 09:00 on the 31st, 19:00 UTC on the 30th.
        let apia = zone("Pacific/Apia");
        let at = utc(2011, 12, 30, 8, 0); // 22:00 on the 29th
        assert_eq!(next_send_time(at, apia, &QuietHours::default()), utc(2011, 12, 30, 19, 0));
        // Quiet 23:00–01:00: the night starts on the 29th, the clock jumps
        // to 00:00 on the 31st (still quiet), and it ends at 01:00 then.
        let at = utc(2011, 12, 30, 9, 59); // 23:59 on the 29th
        assert_eq!(next_send_time(at, apia, &quiet((23, 0), (1, 0))), utc(2011, 12, 30, 11, 0));
    }

    #[test]
    fn a_gap_that_swallows_the_open_hour_joins_two_quiet_periods() {
        // Troll (Antarctica) goes from UTC+0 to UTC+2 at 01:00 UTC on
        // 2023-03-26: 01:00 becomes 03:00. Quiet 03:00–02:00 leaves one open
        // hour, 02:00–03:00, which that night never comes: the message waits
        // for 02:00 on the 27th (00:00 UTC).
        let troll = zone("Antarctica/Troll");
        let at = utc(2023, 3, 25, 18, 0);
        assert_eq!(next_send_time(at, troll, &quiet((3, 0), (2, 0))), utc(2023, 3, 27, 0, 0));
    }
}
