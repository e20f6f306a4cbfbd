//! The endpoints, one folder per area: `<area>/mod.rs` holds the handlers,
//! one small function per endpoint (extract → permission → into domain →
//! one store call → view), and `<area>/shapes.rs` that area's request and
//! response shapes (requests convert themselves into domain types, every bad
//! field reported at once; views are built from domain values). What more
//! than one area uses is in `shared/`; areas do not import each other.

mod campaigns;
mod clienteling;
pub(crate) mod customers;
mod follow_ups;
mod health;
mod keys;
mod loyalty;
mod offers;
pub(crate) mod orders;
mod org;
mod privacy;
pub(crate) mod segments;
pub(crate) mod shared;
pub(crate) mod timeline;
mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every endpoint. Fixed paths come before `{id}` paths.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(org::create_store)
        .service(org::list_stores)
        .service(org::create_associate)
        .service(org::list_associates)
        .service(customers::lookup)
        .service(customers::relations::duplicates)
        .service(customers::search)
        .service(customers::create)
        .service(customers::get)
        .service(customers::update)
        .service(customers::relations::set_tag)
        .service(customers::relations::remove_tag)
        .service(customers::relations::set_consent)
        .service(customers::relations::merge)
        .service(timeline::record)
        .service(timeline::list)
        .service(privacy::export)
        .service(privacy::erase)
        .service(orders::create)
        .service(orders::get)
        .service(orders::create_return)
        .service(orders::customer_orders)
        .service(orders::put_fx_rates)
        .service(orders::list_fx_rates)
        .service(loyalty::loyalty)
        .service(loyalty::ledger)
        .service(loyalty::reserve)
        .service(loyalty::confirm)
        .service(loyalty::cancel)
        .service(loyalty::get_redemption)
        .service(loyalty::adjust_points)
        .service(loyalty::put_tier_floor)
        .service(loyalty::delete_tier_floor)
        .service(loyalty::get_program)
        .service(loyalty::put_program)
        .service(keys::create)
        .service(keys::list)
        .service(keys::revoke)
        .service(webhooks::create)
        .service(webhooks::list)
        .service(webhooks::delete)
        .service(webhooks::deliveries)
        .configure(configure_campaigns)
        .service(follow_ups::create)
        .service(follow_ups::list)
        .service(follow_ups::change)
        .service(follow_ups::hand_over)
        .service(follow_ups::get_settings)
        .service(follow_ups::put_settings)
        .configure(configure_offers)
        .service(clienteling::kpis::all_store_kpis)
        .service(clienteling::lapsed)
        .service(clienteling::kpis::store_kpis)
        .service(clienteling::kpis::associate_kpis)
        .service(clienteling::worklist::worklist)
        .service(clienteling::suggestions::suggestions)
        .service(segments::get_config)
        .service(segments::put_config)
        .service(segments::preview)
        .service(segments::summary)
        .service(segments::transitions)
        .service(segments::customers)
        .service(segments::customer_value)
        .service(segments::top_customers);
}

/// The offers' endpoints (fixed paths first).
/// The campaigns' routes, settings before `{id}`.
fn configure_campaigns(cfg: &mut ServiceConfig) {
    cfg.service(campaigns::get_settings)
        .service(campaigns::put_settings)
        .service(campaigns::create)
        .service(campaigns::list)
        .service(campaigns::get_one)
        .service(campaigns::update)
        .service(campaigns::dry_run)
        .service(campaigns::audience)
        .service(campaigns::launch)
        .service(campaigns::pause)
        .service(campaigns::resume)
        .service(campaigns::messages)
        .service(campaigns::results::results)
        .service(campaigns::results::scorecard);
}

fn configure_offers(cfg: &mut ServiceConfig) {
    cfg.service(offers::entitlements::draw)
        .service(offers::gifts::create_gift_offer)
        .service(offers::gifts::list_gift_offers)
        .service(offers::gifts::get_gift_offer)
        .service(offers::rewards::create_reward)
        .service(offers::rewards::list_rewards)
        .service(offers::rewards::get_reward)
        .service(offers::rewards::redeem_reward)
        .service(offers::rewards::collect)
        .service(offers::rewards::cancel)
        .service(offers::points::create_points_offer)
        .service(offers::points::list_points_offers)
        .service(offers::points::get_points_offer)
        .service(offers::validate)
        .service(offers::get_settings)
        .service(offers::put_settings)
        .service(offers::create)
        .service(offers::get_one)
        .service(offers::issue)
        .service(offers::list_codes)
        .service(offers::customer_offers)
        .service(offers::void_code);
}
