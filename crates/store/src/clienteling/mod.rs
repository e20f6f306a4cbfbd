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
    AffinityRun, Product, PurchaseRow, StoredRule, kept_purchases, product_names, replace_rules, rules_from,
};
pub use clients::{ClientCard, KeptLine, client_cards, kept_lines};
pub use kpis::{SalesFacts, SalesOf, sales_facts};
pub use lapsed::{LapsedClient, lapsed_clients};
pub use worklist::{
    Candidate, associate_time_zone, associates_with_clients, built_details, client_facts, follow_up_clients, is_built,
    lock_worklist, save_build, worklist_candidates,
};
