//! The campaign job: a round over every running campaign, then the
//! delivery of the messages whose time has come.
//!
//! A round runs under one advisory lock, so however many instances run the
//! job (and however many launches ask for a round at once) one plans at a
//! time, and each plan sees every message the ones before it scheduled:
//! the frequency cap holds across campaigns. In a round, campaigns go in
//! order of priority (highest first), so when two compete for the last
//! message a customer may get, the higher priority gets it; a message
//! already scheduled is not taken back.
//!
//! For each campaign the round finds who it reaches now and for which
//! occurrence: a one-off campaign, its audience once (when its time has
//! come; it is finished when its last scheduled message went); a trigger, its audience narrowed by the trigger's prefilter,
//! then each customer's occurrence worked out from their facts (the tier
//! upgrade: from the recent `tier.changed` events). Every decision is
//! keyed by (campaign, customer, occurrence) and an occurrence already
//! decided is skipped, so rerunning the job sends nothing twice. The
//! decisions are made by [`clientele_campaigns::plan`] and written a chunk
//! of customers per transaction, with the campaign's row locked (a pause
//! stops it between chunks).
//!
//! The delivery step takes scheduled messages whose send time has passed
//! (of campaigns not paused), checks the consent again, and writes a
//! `campaign.message` event (sent by the webhook dispatcher) and a timeline
//! entry — or records that the consent is gone and gives the cost back.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, TimeZone as _, Utc};
use clientele_campaigns::audience::AudienceFacts;
use clientele_campaigns::trigger::{GRACE_DAYS, Trigger};
use clientele_campaigns::{Action, CampaignSettings, Outcome, Round, Schedule, Target, plan};
use clientele_kernel::{Actor, CustomerId, LongText, StoreId, TimeZone};
use clientele_profiles::{AssociateId, CampaignStep, Channel, Interaction, InteractionDetail, InteractionId};
use clientele_store::campaigns::{CampaignStatus, DueMessage, NewContact, NewFollowUp, StoredCampaign, TargetInfo};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError, Tx};
use clientele_webhooks::{CampaignMessage, Event, MessageVariables};
use serde_json::json;
use uuid::Uuid;

/// Advisory lock key of the campaign job.
pub const CAMPAIGNS_LOCK: i64 = 0x636c_6965_6e74_0012;

/// Customers decided in one transaction.
const CHUNK: usize = 5_000;

/// Messages delivered in one transaction.
const DELIVERY_BATCH: i64 = 2_000;

/// What one run of the campaign job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignJobReport {
    /// False when another instance held the lock and this run did nothing.
    pub ran: bool,
    pub campaigns: usize,
    pub scheduled: u64,
    pub tasks: u64,
    pub held_out: u64,
    pub no_consent: u64,
    pub capped: u64,
    pub over_budget: u64,
    /// `campaign.message` events written.
    pub delivered: u64,
    /// Scheduled messages that could not go (consent withdrawn meanwhile).
    pub undeliverable: u64,
}

impl std::fmt::Display for CampaignJobReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.ran {
            return f.write_str("another instance is running the campaign job; nothing done");
        }
        write!(
            f,
            "{} running campaign(s): {} message(s) scheduled, {} task(s), {} held out, {} without consent, \
             {} capped, {} over budget; {} message(s) delivered, {} not (consent withdrawn)",
            self.campaigns,
            self.scheduled,
            self.tasks,
            self.held_out,
            self.no_consent,
            self.capped,
            self.over_budget,
            self.delivered,
            self.undeliverable
        )
    }
}

impl CampaignJobReport {
    fn count(&mut self, outcome: Outcome) {
        let n = match outcome {
            Outcome::Scheduled => &mut self.scheduled,
            Outcome::Task => &mut self.tasks,
            Outcome::HeldOut => &mut self.held_out,
            Outcome::NoConsent => &mut self.no_consent,
            Outcome::Capped => &mut self.capped,
            Outcome::OverBudget => &mut self.over_budget,
        };
        *n += 1;
    }
}

/// One run of the campaign job at `now`: a round over the running
/// campaigns, then delivery. Does nothing when another instance holds the
/// lock.
pub fn run_campaigns(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<CampaignJobReport, StoreError> {
    job(conn, now, true)
}

/// The round of [`run_campaigns`] without the delivery: what is scheduled
/// waits for the next delivery step.
pub fn plan_campaigns(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<CampaignJobReport, StoreError> {
    job(conn, now, false)
}

fn job(conn: &mut PgConnection, now: DateTime<Utc>, deliver: bool) -> Result<CampaignJobReport, StoreError> {
    let report = clientele_store::with_job_lock(conn, CAMPAIGNS_LOCK, |conn| {
        let mut report = CampaignJobReport { ran: true, ..CampaignJobReport::default() };
        let (settings, _) = clientele_store::settings::settings::<CampaignSettings>(conn)?;
        let fallback = clientele_store::campaigns::main_time_zone(conn)?
            .and_then(|z| TimeZone::parse(&z).ok())
            .unwrap_or(TimeZone::UTC);
        let mut campaigns = Vec::new();
        for id in clientele_store::campaigns::running_campaigns(conn)? {
            campaigns.extend(clientele_store::campaigns::get_campaign(conn, id, false)?);
        }
        campaigns.sort_by_key(|c| (std::cmp::Reverse(c.spec.priority), c.launched_at, c.id));
        report.campaigns = campaigns.len();
        let job = Job { settings: &settings, fallback, now };
        for campaign in &campaigns {
            job.campaign_round(conn, campaign, &mut report)?;
        }
        if deliver {
            (report.delivered, report.undeliverable) = deliver_due(conn, now)?;
        }
        clientele_store::campaigns::finish_reached_campaigns(conn, now)?;
        Ok(report)
    })?;
    Ok(report.unwrap_or_default())
}

/// When an occurrence is due: at a time, or on a day (from its start in
/// the customer's time zone).
#[derive(Debug, Clone, Copy)]
enum Due {
    At(DateTime<Utc>),
    On(NaiveDate),
}

impl Due {
    fn resolve(self, zone: TimeZone) -> DateTime<Utc> {
        match self {
            Due::At(at) => at,
            Due::On(day) => zone
                .tz()
                .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc(), |t| t.with_timezone(&Utc)),
        }
    }
}

/// A customer a campaign reaches, the occurrence, and when it is due.
type Reached = (Uuid, String, Due);

struct Job<'a> {
    settings: &'a CampaignSettings,
    fallback: TimeZone,
    now: DateTime<Utc>,
}

impl Job<'_> {
    fn campaign_round(
        &self,
        conn: &mut PgConnection,
        campaign: &StoredCampaign,
        report: &mut CampaignJobReport,
    ) -> Result<(), StoreError> {
        let once = matches!(campaign.spec.schedule, Schedule::Once { .. });
        if once && campaign.reached_at.is_some() {
            return Ok(());
        }
        let Some(reached) = self.reached(conn, campaign)? else { return Ok(()) };
        for chunk in reached.chunks(CHUNK) {
            if !self.decide_chunk(conn, campaign, chunk, report)? {
                return Ok(());
            }
        }
        if once {
            clientele_store::campaigns::mark_reached(conn, campaign.id, self.now)?;
        }
        Ok(())
    }

    /// Who the campaign reaches now, with the occurrence and when it is
    /// due, by customer; None when a one-off campaign's time has not come.
    fn reached(&self, conn: &mut PgConnection, campaign: &StoredCampaign) -> Result<Option<Vec<Reached>>, StoreError> {
        let today = self.now.date_naive();
        let spec = &campaign.spec;
        let scope = campaign.scope();
        let reached = match &spec.schedule {
            Schedule::Once { at } => {
                let due = at.or(campaign.launched_at).unwrap_or(self.now);
                if due > self.now {
                    return Ok(None);
                }
                let ids = clientele_store::campaigns::select_audience(conn, &spec.audience, today, &scope)?;
                ids.into_iter().map(|id| (id, "once".to_owned(), Due::At(due))).collect()
            }
            Schedule::Trigger(Trigger::TierUpgrade) => {
                let since = self.now - chrono::TimeDelta::days(i64::from(GRACE_DAYS));
                let changes = clientele_store::campaigns::tier_changes_since(conn, since, None)?;
                let upgrades: Vec<_> = changes.into_iter().filter(|c| c.to > c.from).collect();
                let among: Vec<Uuid> = upgrades.iter().map(|u| u.customer).collect();
                let ids =
                    clientele_store::campaigns::select_audience_among(conn, &spec.audience, today, &scope, &among)?;
                upgrades
                    .into_iter()
                    .filter(|u| ids.binary_search(&u.customer).is_ok())
                    .map(|u| (u.customer, Trigger::tier_upgrade(u.to, u.on).key, Due::On(u.on)))
                    .collect()
            }
            Schedule::Trigger(trigger) => {
                let audience = match trigger.prefilter() {
                    Some(rule) => spec.audience.and(rule),
                    None => spec.audience.clone(),
                };
                let ids = clientele_store::campaigns::select_audience(conn, &audience, today, &scope)?;
                let mut reached = Vec::new();
                for chunk in ids.chunks(2_000) {
                    for (id, facts) in clientele_store::campaigns::audience_facts(conn, chunk, today)? {
                        reached.extend(occurrence(trigger, id, &facts, today));
                    }
                }
                reached
            }
        };
        Ok(Some(reached))
    }

    /// Decides one chunk in one transaction; false when the campaign is no
    /// longer running (paused, or stopped by its budget).
    fn decide_chunk(
        &self,
        conn: &mut PgConnection,
        campaign: &StoredCampaign,
        chunk: &[Reached],
        report: &mut CampaignJobReport,
    ) -> Result<bool, StoreError> {
        let spec = &campaign.spec;
        clientele_store::transaction(conn, |tx| {
            let current = clientele_store::campaigns::get_campaign(tx.conn()?, campaign.id, true)?;
            let Some(current) = current.filter(|c| c.status == CampaignStatus::Running) else { return Ok(false) };
            let mut ids: Vec<Uuid> = chunk.iter().map(|(id, _, _)| *id).collect();
            ids.dedup();
            let info: HashMap<Uuid, TargetInfo> =
                clientele_store::campaigns::target_info(tx.conn()?, campaign.id, spec.channel, &ids)?
                    .into_iter()
                    .map(|i| (i.customer, i))
                    .collect();
            let targets: Vec<Target> = chunk
                .iter()
                .filter_map(|(id, occurrence, due)| {
                    let i = info.get(id).filter(|i| !i.decided.contains(occurrence))?;
                    let zone = i.zone.as_deref().and_then(|z| TimeZone::parse(z).ok()).unwrap_or(self.fallback);
                    Some(Target {
                        customer: *id,
                        occurrence: occurrence.clone(),
                        due: due.resolve(zone),
                        zone,
                        consented: i.consented,
                        contacted: i.contacted,
                    })
                })
                .collect();
            if targets.is_empty() {
                return Ok(true);
            }
            let since = self.now - self.settings.cap.window();
            let history = clientele_store::campaigns::cap_history(tx.conn()?, &ids, spec.channel, since)?;
            let round =
                Round { campaign: campaign.id, spec, settings: self.settings, spent: current.spent, now: self.now };
            let planned = plan(&round, &targets, |id| history.get(&id).map_or(&[][..], Vec::as_slice));
            let mut contacts = Vec::new();
            let mut follow_ups = Vec::new();
            let mut timeline = Vec::new();
            for (t, d) in targets.iter().zip(&planned.decisions) {
                let Some(d) = d else { continue };
                report.count(d.outcome);
                contacts.push(NewContact {
                    customer: t.customer,
                    occurrence: t.occurrence.clone(),
                    outcome: d.outcome.as_str(),
                    at: d.at,
                    cost: d.cost,
                });
                let step = match d.outcome {
                    Outcome::HeldOut => CampaignStep::HeldOut,
                    Outcome::Task => CampaignStep::Task,
                    _ => continue,
                };
                let made = entry(campaign.id, &spec.name, spec.channel, step, d.at);
                timeline.push((CustomerId::from_uuid(t.customer), made));
                if let Action::AssociateTask { note, due_in_days } = &spec.action {
                    follow_ups.push(NewFollowUp {
                        id: Uuid::now_v7(),
                        customer: t.customer,
                        due_on: d
                            .at
                            .date_naive()
                            .checked_add_days(Days::new(u64::from(*due_in_days)))
                            .unwrap_or(NaiveDate::MAX),
                        reason: note.clone(),
                        occurrence: t.occurrence.clone(),
                    })
                }
            }
            clientele_store::campaigns::record_contacts(tx, campaign.id, spec.channel, &contacts, planned.cost)?;
            clientele_store::campaigns::record_follow_ups(tx, campaign.id, &follow_ups, "campaign", self.now)?;
            clientele_store::insert_interactions(tx.conn()?, &timeline, self.now)?;
            if planned.budget_exhausted {
                stop_for_budget(tx, campaign.id, current.spent + planned.cost, self.now)?;
                return Ok(false);
            }
            Ok(true)
        })
    }
}

fn occurrence(trigger: &Trigger, id: Uuid, facts: &AudienceFacts, today: NaiveDate) -> Option<Reached> {
    let o = trigger.occurrence(facts, today)?;
    Some((id, o.key, Due::On(o.due_on)))
}

/// A timeline entry of a campaign's step (no store or associate: the
/// caller adds them when it knows them).
fn entry(campaign: Uuid, name: &str, channel: Channel, step: CampaignStep, at: DateTime<Utc>) -> Interaction {
    Interaction {
        id: InteractionId::from_uuid(Uuid::now_v7()),
        at,
        store: None,
        associate: None,
        note: LongText::parse(name).ok(),
        detail: InteractionDetail::Campaign { campaign, step, channel },
        recorded_by: Actor::system(),
    }
}

/// The budget stop: the campaign says so, and the audit log records it.
fn stop_for_budget(
    tx: &mut Tx<'_>,
    id: Uuid,
    spent: rust_decimal::Decimal,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    clientele_store::campaigns::set_campaign_status(tx.conn()?, id, CampaignStatus::BudgetExhausted, now, false)?;
    tx.audit(
        &AuditContext::system(now),
        NewAuditEntry {
            action: "budget_stop",
            entity: "campaign",
            entity_id: id.to_string(),
            customer: None,
            changes: json!({ "status": { "before": "running", "after": "budget_exhausted" }, "spent": spent }),
        },
    );
    Ok(())
}

/// The delivery step (see the module's documentation): (delivered, not
/// delivered for want of consent).
pub fn deliver_due(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let (mut delivered, mut undeliverable) = (0_u64, 0_u64);
    let mut templates: HashMap<Uuid, String> = HashMap::new();
    loop {
        let taken = clientele_store::transaction(conn, |tx| {
            let due = clientele_store::campaigns::due_messages(tx.conn()?, now, DELIVERY_BATCH)?;
            let mut timeline = Vec::new();
            for m in due.iter().filter(|m| m.reachable) {
                let template = match templates.get(&m.campaign_id) {
                    Some(t) => t.clone(),
                    None => {
                        let t = template_of(tx.conn()?, m.campaign_id)?;
                        templates.insert(m.campaign_id, t.clone());
                        t
                    }
                };
                tx.emit(&Event::CampaignMessage(message_event(m, template)), now)?;
                let channel =
                    m.channel.parse().map_err(|e| StoreError::Corrupt(format!("campaign_contacts.channel: {e}")))?;
                let interaction = Interaction {
                    store: m.store_id.map(StoreId::from_uuid),
                    associate: m.associate_id.map(AssociateId::from_uuid),
                    ..entry(m.campaign_id, &m.campaign_name, channel, CampaignStep::Message, now)
                };
                timeline.push((CustomerId::from_uuid(m.customer_id), interaction));
            }
            clientele_store::insert_interactions(tx.conn()?, &timeline, now)?;
            let marks: Vec<(&DueMessage, bool)> = due.iter().map(|m| (m, m.reachable)).collect();
            clientele_store::campaigns::mark_delivered(tx, &marks)?;
            let sent = due.iter().filter(|m| m.reachable).count() as u64;
            Ok((due.len(), sent))
        })?;
        delivered += taken.1;
        undeliverable += taken.0 as u64 - taken.1;
        if (taken.0 as i64) < DELIVERY_BATCH {
            return Ok((delivered, undeliverable));
        }
    }
}

/// The template of a campaign's messages (read once per campaign and
/// delivery step).
fn template_of(conn: &mut PgConnection, campaign: Uuid) -> Result<String, StoreError> {
    let stored = clientele_store::campaigns::get_campaign(conn, campaign, false)?.ok_or(StoreError::NotFound)?;
    Ok(match stored.spec.action {
        Action::Message { template } => template,
        Action::AssociateTask { .. } => String::new(),
    })
}

fn message_event(m: &DueMessage, template: String) -> CampaignMessage {
    let contact = match m.channel.as_str() {
        "email" => m.email.clone(),
        "wechat" => m.wechat.clone(),
        _ => m.phone.clone(),
    };
    CampaignMessage {
        campaign_id: m.campaign_id,
        campaign: m.campaign_name.clone(),
        occurrence: m.occurrence.clone(),
        customer_id: m.customer_id,
        member_no: m.member_no.clone(),
        channel: m.channel.clone(),
        template,
        contact,
        variables: MessageVariables { name: m.name.clone(), tier: m.tier.clone(), points: m.points, offer_code: None },
        send_at: m.at,
    }
}
