//! Coupons (issue #13): defined by a CRM manager, their codes issued to
//! customers (one personal code each) or shared, and checked at the till
//! against a basket — every rule is `clientele_offers`'; this module reads
//! the facts it needs and keeps what it decides.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue};
use clientele_offers::{
    Application, Basket, CodeFacts, CodeFormat, CouponCode, CouponDefinition, CouponOutcome, CouponRefusal,
    CouponRequest, OffersSettings, PresentedCoupon, apply_coupons, generate_batch, normalize,
};
use clientele_profiles::StoreScope;
use clientele_store::offers::{NewCode, NewCoupon, StoredCode, StoredCoupon};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;
use uuid::Uuid;

/// How many codes one request may issue.
pub const MAX_CODES_PER_REQUEST: usize = 10_000;

fn field(name: &str, code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(name, InvalidValue::new(code, message)))
}

/// An offer's campaign must exist: 422 on `campaign_id` otherwise.
/// The offers a customer may get: all but those of a campaign that held
/// them out (`held_out_of`) — a campaign's control group gets none of its
/// offers, or its results would not measure them (docs/experiments.md).
/// The same rule for orders sent one by one and for bulk imports.
pub(crate) fn open_to<T: Clone>(
    offers: &[T],
    campaign: impl Fn(&T) -> Option<Uuid>,
    held_out_of: impl Fn(Uuid) -> bool,
) -> Vec<T> {
    offers.iter().filter(|o| campaign(o).is_none_or(|c| !held_out_of(c))).cloned().collect()
}

pub(crate) fn check_campaign(conn: &mut PgConnection, campaign: Option<Uuid>) -> Result<(), StoreError> {
    match campaign {
        Some(id) if clientele_store::campaigns::get_campaign(conn, id, false)?.is_none() => {
            Err(field("campaign_id", "unknown_reference", format!("no campaign with id {id}")))
        }
        _ => Ok(()),
    }
}

/// Keeps a coupon (audited). A campaign named must exist (422 on
/// `campaign_id`).
pub fn create_coupon(
    conn: &mut PgConnection,
    (name, campaign): (String, Option<Uuid>),
    definition: CouponDefinition,
    ctx: &AuditContext,
) -> Result<StoredCoupon, StoreError> {
    clientele_store::transaction(conn, |tx| {
        check_campaign(tx.conn()?, campaign)?;
        let new = NewCoupon { id: Uuid::now_v7(), name, campaign, definition, at: ctx.at, by: ctx.actor_name() };
        let stored = clientele_store::offers::insert_coupon(tx.conn()?, &new)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "coupon",
                entity_id: stored.id.to_string(),
                customer: None,
                changes: json!({ "name": stored.name, "campaign_id": campaign, "definition": stored.definition }),
            },
        );
        Ok(stored)
    })
}

/// A coupon, or NotFound.
pub fn coupon(conn: &mut PgConnection, id: Uuid) -> Result<StoredCoupon, StoreError> {
    clientele_store::offers::coupon(conn, id)?.ok_or(StoreError::NotFound)
}

/// Which codes to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// One personal code for each of these customers (a customer who has
    /// one of this coupon keeps it: issuing again is harmless).
    Personal(Vec<CustomerId>),
    /// One shared code: the text given (a brand's own, e.g. `WELCOME10`),
    /// or a random one.
    Shared(Option<String>),
}

/// Issues codes of a coupon (audited), random ones drawn from the
/// operating system's generator. Personal codes: each customer must be
/// live and in the caller's scope (422 on `customers[i]`). A shared code
/// already taken by another is 409.
pub fn issue_codes(
    conn: &mut PgConnection,
    coupon: Uuid,
    issue: &Issue,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Vec<StoredCode>, StoreError> {
    issue_codes_drawn(conn, (coupon, issue), scope, ctx, &mut rand::rng())
}

/// [`issue_codes`] with the generator random codes are drawn from (the
/// demo's is seeded, so its codes are the same at every load).
pub fn issue_codes_drawn(
    conn: &mut PgConnection,
    (coupon, issue): (Uuid, &Issue),
    scope: &StoreScope,
    ctx: &AuditContext,
    rng: &mut impl rand::RngCore,
) -> Result<Vec<StoredCode>, StoreError> {
    clientele_store::transaction(conn, |tx| {
        clientele_store::offers::coupon(tx.conn()?, coupon)?.ok_or(StoreError::NotFound)?;
        let issued = match issue {
            Issue::Personal(customers) => personal_codes(tx.conn()?, (coupon, customers), scope, ctx.at, rng)?,
            Issue::Shared(text) => vec![shared_code(tx.conn()?, coupon, text.as_deref(), ctx.at, rng)?],
        };
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "issue_codes",
                entity: "coupon",
                entity_id: coupon.to_string(),
                customer: None,
                changes: json!({ "codes": issued.len() }),
            },
        );
        Ok(issued)
    })
}

fn personal_codes(
    conn: &mut PgConnection,
    (coupon, customers): (Uuid, &[CustomerId]),
    scope: &StoreScope,
    at: DateTime<Utc>,
    rng: &mut impl rand::RngCore,
) -> Result<Vec<StoredCode>, StoreError> {
    let mut errors = FieldErrors::new();
    for (i, customer) in customers.iter().enumerate() {
        if clientele_store::check_writable(conn, *customer, scope).is_err() {
            errors.push(format!("customers[{i}]"), InvalidValue::new("unknown_reference", "no such customer"));
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let ids: Vec<Uuid> = customers.iter().map(|c| c.as_uuid()).collect();
    let mut codes = clientele_store::offers::codes_of_customers(conn, coupon, &ids)?;
    let format = CodeFormat::default();
    // A random code taken meanwhile (60 bits: next to never) is drawn again.
    for _ in 0..3 {
        let have: HashSet<Uuid> = codes.iter().filter_map(|c| c.customer.map(|id| id.as_uuid())).collect();
        let missing: Vec<CustomerId> = customers.iter().filter(|c| !have.contains(&c.as_uuid())).copied().collect();
        if missing.is_empty() {
            break;
        }
        let drawn = generate_batch(rng, &format, missing.len(), &Default::default())
            .map_err(|e| StoreError::Corrupt(format!("coupon codes: {e}")))?;
        let new: Vec<NewCode> = missing
            .iter()
            .zip(drawn)
            .map(|(customer, code)| NewCode { shown_as: code.grouped(4), code, customer: Some(*customer) })
            .collect();
        codes.extend(clientele_store::offers::insert_codes(conn, coupon, &new, at)?);
    }
    let order: std::collections::HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    codes.sort_by_key(|c| c.customer.and_then(|id| order.get(&id.as_uuid()).copied()));
    Ok(codes)
}

fn shared_code(
    conn: &mut PgConnection,
    coupon: Uuid,
    text: Option<&str>,
    at: DateTime<Utc>,
    rng: &mut impl rand::RngCore,
) -> Result<StoredCode, StoreError> {
    let (code, shown_as) = match text {
        Some(text) => {
            let code = normalize(text).map_err(|e| field("code", e.code(), e.to_string()))?;
            (code, text.trim().to_owned())
        }
        None => {
            let code = clientele_offers::generate(rng, &CodeFormat::default());
            let shown = code.grouped(4);
            (code, shown)
        }
    };
    let new = [NewCode { code: code.clone(), shown_as, customer: None }];
    clientele_store::offers::insert_codes(conn, coupon, &new, at)?
        .pop()
        .ok_or_else(|| StoreError::Conflict(clientele_store::Conflict::CouponCode(code.to_string())))
}

/// One code as the till typed it, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCode {
    /// As typed.
    pub typed: String,
    /// Its canonical form (None: not a code at all).
    pub code: Option<CouponCode>,
    /// Its coupon (None: unknown).
    pub coupon: Option<Uuid>,
    /// Applied (with the discount per line) or refused with the reason.
    pub outcome: CouponOutcome,
}

/// What `validate` answers: each code, and the basket after those that
/// apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub codes: Vec<CheckedCode>,
    pub application: Application,
    /// The gifts with purchase the basket qualifies for, after the coupons
    /// that apply (what the order would be given).
    pub gifts: Vec<clientele_store::offers::OrderGift>,
}

/// Checks codes against a basket for a customer (None: an anonymous
/// buyer) at `at`, without using them: the till's question before it
/// takes the order. The customer must be visible to the caller (else
/// NotFound).
pub fn validate(
    conn: &mut PgConnection,
    (typed, customer): (&[String], Option<CustomerId>),
    basket: &Basket,
    scope: &StoreScope,
    at: DateTime<Utc>,
) -> Result<Validation, StoreError> {
    if let Some(id) = customer {
        clientele_store::check_writable(conn, id, scope)?;
    }
    let checked = check_codes(conn, (typed, customer), basket, at)?;
    let mut validation = checked.validation;
    let offers = clientele_store::offers::gift_offers_open_at(conn, at)?;
    if !offers.is_empty() {
        let definitions: Vec<clientele_offers::GiftOffer> = offers.iter().map(|o| o.definition.clone()).collect();
        let decisions =
            clientele_offers::gifts_for(basket, Some(&validation.application), checked.tier, at, &definitions);
        validation.gifts = crate::gifts::given(decisions, &offers);
    }
    Ok(validation)
}

/// What [`check_codes`] found: the answer, and the facts it was drawn from.
pub(crate) struct Checked {
    pub validation: Validation,
    /// Each known code, with its coupon.
    pub found: HashMap<CouponCode, (StoredCode, StoredCoupon)>,
    /// The buyer's uses of each code so far.
    pub uses: HashMap<CouponCode, u32>,
    /// The buyer's tier (None: anonymous, or not a member yet).
    pub tier: Option<clientele_loyalty::Tier>,
}

/// The rules of `clientele_offers::apply_coupons` applied to codes as typed
/// for a buyer, at `at`, reading what the store knows of them (their
/// state, owner and uses, the buyer's tier, the programme's ceiling).
pub(crate) fn check_codes(
    conn: &mut PgConnection,
    (typed, customer): (&[impl AsRef<str>], Option<CustomerId>),
    basket: &Basket,
    at: DateTime<Utc>,
) -> Result<Checked, StoreError> {
    let tier = match customer {
        Some(id) => clientele_store::offers::member_tier(conn, id)?,
        None => None,
    };
    let (settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    let canonical: Vec<Option<CouponCode>> = typed.iter().map(|t| normalize(t.as_ref()).ok()).collect();
    let known_codes: Vec<CouponCode> = canonical.iter().flatten().cloned().collect();
    let found = clientele_store::offers::presented(conn, &known_codes)?;
    let uses = match customer {
        Some(id) => clientele_store::offers::uses_by(conn, id, &known_codes)?,
        None => Default::default(),
    };
    let presented: Vec<PresentedCoupon> = canonical
        .iter()
        .flatten()
        .filter_map(|code| {
            let (stored, coupon) = found.get(code)?;
            let facts = CodeFacts {
                state: stored.state,
                owner: stored.customer,
                presenter: customer,
                uses_by_presenter: uses.get(code).copied().unwrap_or(0),
                uses_total: stored.uses,
                held_by_this_order: false,
            };
            Some(PresentedCoupon { code: code.clone(), definition: coupon.definition.clone(), facts })
        })
        .collect();
    let application =
        apply_coupons(&CouponRequest { basket, tier, at, ceiling: settings.ceiling(None), coupons: &presented });
    let mut results = application.coupons.iter();
    let codes = typed
        .iter()
        .zip(canonical)
        .map(|(typed, code)| {
            let known = code.as_ref().and_then(|c| found.get(c));
            let outcome = match known {
                Some(_) => results.next().map(|r| r.outcome.clone()),
                None => None,
            };
            CheckedCode {
                typed: typed.as_ref().to_owned(),
                coupon: known.map(|(_, coupon)| coupon.id),
                code,
                outcome: outcome.unwrap_or(CouponOutcome::Refused { reason: CouponRefusal::Unknown }),
            }
        })
        .collect();
    Ok(Checked { validation: Validation { codes, application, gifts: Vec::new() }, found, uses, tier })
}

/// A coupon the member may use now: their code, its coupon, and how many
/// uses they have left.
#[derive(Debug, Clone, PartialEq)]
pub struct UsableCoupon {
    pub code: StoredCode,
    pub coupon: StoredCoupon,
    pub uses_left: u32,
}

/// What the till shows of a member's coupons at `at`: their personal codes
/// still issued, within validity, for their tier, with uses left — the
/// soonest to end first. The customer must be visible to the caller.
pub fn usable_coupons(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    at: DateTime<Utc>,
) -> Result<Vec<UsableCoupon>, StoreError> {
    clientele_store::check_visible(conn, customer, scope)?;
    let tier = clientele_store::offers::member_tier(conn, customer)?;
    let held = clientele_store::offers::customer_codes(conn, customer)?;
    let codes: Vec<CouponCode> = held.iter().map(|(c, _)| c.code.clone()).collect();
    let uses = clientele_store::offers::uses_by(conn, customer, &codes)?;
    let mut usable: Vec<UsableCoupon> = held
        .into_iter()
        .filter_map(|(code, coupon)| {
            let used = uses.get(&code.code).copied().unwrap_or(0);
            let uses_left = coupon.definition.uses_left((code.state, used), tier, at)?;
            Some(UsableCoupon { code, coupon, uses_left })
        })
        .collect();
    usable.sort_by_key(|u| u.coupon.definition.window().valid_to());
    Ok(usable)
}

/// Everything the till shows of a member's offers now: their usable
/// coupons, the rewards they may take and their tier benefits left.
#[derive(Debug, Clone)]
pub struct TillOffers {
    pub coupons: Vec<UsableCoupon>,
    pub rewards: Vec<clientele_store::offers::StoredReward>,
    pub entitlements: Vec<clientele_offers::EntitlementStatus>,
}

/// See [`TillOffers`]; the member's loyalty position is read once for the
/// rewards and the benefits. The customer must be visible to the caller.
pub fn till_offers(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    at: DateTime<Utc>,
) -> Result<TillOffers, StoreError> {
    let coupons = usable_coupons(conn, customer, scope, at)?;
    let position = clientele_store::loyalty_summary(conn, customer, scope, at.date_naive())?;
    let rewards = crate::rewards::affordable_rewards(conn, &position, at)?;
    let entitlements = crate::entitlements::member_entitlements(conn, &position, scope, at)?;
    Ok(TillOffers { coupons, rewards, entitlements })
}

/// Cancels a code of a coupon (audited): it applies no more. A code
/// redeemed, expired or void already is a conflict naming its state; a
/// code that is not this coupon's is NotFound.
pub fn void_code(
    conn: &mut PgConnection,
    coupon: Uuid,
    typed: &str,
    ctx: &AuditContext,
) -> Result<StoredCode, StoreError> {
    use clientele_offers::{CouponEvent, CouponState, TransitionFacts, transition};
    let code = normalize(typed).map_err(|_| StoreError::NotFound)?;
    clientele_store::transaction(conn, |tx| {
        let found = clientele_store::offers::presented(tx.conn()?, std::slice::from_ref(&code))?;
        let Some((stored, held_by)) = found.get(&code).filter(|(c, _)| c.coupon == coupon) else {
            return Err(StoreError::NotFound);
        };
        let facts = TransitionFacts { at: ctx.at, window: held_by.definition.window(), release_on_return: false };
        let refused = || StoreError::Conflict(clientele_store::Conflict::CouponState { state: stored.state.as_str() });
        let to = transition(stored.state, CouponEvent::Void, &facts).map_err(|_| refused())?;
        if !clientele_store::offers::change_code_state(tx.conn()?, &code, (stored.state, to), ctx.at)? {
            return Err(refused());
        }
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "void",
                entity: "coupon_code",
                entity_id: code.to_string(),
                customer: stored.customer,
                changes: json!({ "coupon_id": coupon, "state": [stored.state.as_str(), CouponState::Void.as_str()] }),
            },
        );
        Ok(StoredCode { state: to, ..stored.clone() })
    })
}
