//! Clienteling in PostgreSQL (issue #12): the store manager's lapsed list,
//! the stores' and associates' figures and the acquisition channels, and
//! the associate's worklist.

mod acquisition;
mod affinity;
mod clients;
mod kpis;
mod lapsed;
mod worklist;

pub use acquisition::{AcquisitionRow, acquisition_groups};
pub use affinity::{
    AffinityRun, Product, PurchaseRow, StoredRule, affinity_ran_on, catalogue, kept_purchases, product_names,
    replace_rules, rules_from,
};
pub use clients::{ClientCard, KeptLine, client_cards, kept_lines};
pub use kpis::{SalesFacts, SalesOf, sales_facts};
pub use lapsed::{LapsedClient, lapsed_clients};
pub use worklist::{
    associate_time_zone, associates_with_clients, client_facts, is_built, last_contacts, lock_worklist, save_build,
    worklist_candidates,
};
