//! Who may do what: roles, permissions and store scopes of API keys.

use std::collections::BTreeSet;

use clientele_kernel::{InvalidValue, StoreId, keyword_enum};

use crate::ids::AssociateId;

keyword_enum! {
    /// The role of an API key.
    pub enum Role {
        /// Everything, including API keys.
        Admin => "admin",
        /// The brand's CRM team: everything but API keys.
        CrmManager => "crm_manager",
        /// A store manager: their stores' customers.
        StoreManager => "store_manager",
        /// A sales associate: their stores' customers.
        Associate => "associate",
        /// A point-of-sale or e-shop integration: sends orders and returns, looks
        /// members up (with their points) and redeems — nothing else.
        Pos => "pos",
        /// An analyst: reads, without contact details.
        Analyst => "analyst",
    }
}

keyword_enum! {
    /// Something an API key may be allowed to do.
    pub enum Permission {
        /// Create and revoke API keys.
        ManageApiKeys => "manage_api_keys",
        /// Create and change stores and associates.
        WriteOrganisation => "write_organisation",
        /// Read stores and associates.
        ReadOrganisation => "read_organisation",
        /// Read a customer record.
        ReadCustomers => "read_customers",
        /// Search and list customers.
        SearchCustomers => "search_customers",
        /// Find one customer by phone, member number or external id.
        LookupCustomers => "lookup_customers",
        /// Enrol customers.
        CreateCustomers => "create_customers",
        /// Change customer records.
        UpdateCustomers => "update_customers",
        /// Record consent decisions.
        RecordConsent => "record_consent",
        /// Set and remove tags.
        TagCustomers => "tag_customers",
        /// Read timelines.
        ReadTimeline => "read_timeline",
        /// Record interactions.
        RecordInteractions => "record_interactions",
        /// Find duplicates and merge customers.
        MergeCustomers => "merge_customers",
        /// Export everything about a customer.
        ExportCustomers => "export_customers",
        /// Erase a customer's personal data.
        EraseCustomers => "erase_customers",
        /// Send orders and returns (POS, e-shop, ERP).
        SendOrders => "send_orders",
        /// Read orders.
        ReadOrders => "read_orders",
        /// Read points, growth value, tier and ledger.
        ReadLoyalty => "read_loyalty",
        /// Set exchange rates.
        ManageFxRates => "manage_fx_rates",
        /// Reserve, confirm and cancel redemptions of points.
        Redeem => "redeem",
        /// Grant activity points, adjust points by hand, set tier floors.
        AdjustLoyalty => "adjust_loyalty",
        /// Change the loyalty programme (tiers, earn rate, expiry).
        ManageProgram => "manage_program",
        /// Subscribe to events and read the delivery log.
        ManageWebhooks => "manage_webhooks",
        /// Define coupons and issue their codes.
        ManageOffers => "manage_offers",
        /// Check coupon codes against a basket at the till.
        ValidateCoupons => "validate_coupons",
        /// Read RFM segments, transitions, customer value and the top
        /// customers (of the key's stores when it is store-scoped).
        ReadAnalytics => "read_analytics",
        /// Create, change, dry-run and launch campaigns (a store-scoped key:
        /// campaigns whose audience is limited to its stores' customers).
        ManageCampaigns => "manage_campaigns",
        /// Read campaigns, their audiences and messages.
        ReadCampaigns => "read_campaigns",
        /// Hand an associate's clients (and their open follow-ups) over to
        /// another associate.
        HandOverClients => "hand_over_clients",
        /// Read an associate's worklist (their clients to reach, and why).
        ReadWorklists => "read_worklists",
    }
}

impl Role {
    /// True when this role may do `p`.
    pub fn allows(self, p: Permission) -> bool {
        use Permission as P;
        use Role::{Admin, Analyst, Associate, CrmManager, Pos, StoreManager};
        // The whole matrix, one arm per permission and no wildcard: a new
        // permission does not compile until someone decides who gets it.
        let roles: &[Role] = match p {
            P::ManageApiKeys => &[Admin],
            P::WriteOrganisation => &[Admin, CrmManager],
            P::ReadOrganisation => &[Admin, CrmManager, StoreManager, Associate, Analyst],
            P::ReadCustomers => &[Admin, CrmManager, StoreManager, Associate, Pos, Analyst],
            P::SearchCustomers => &[Admin, CrmManager, StoreManager, Associate, Analyst],
            P::LookupCustomers => &[Admin, CrmManager, StoreManager, Associate, Pos],
            P::CreateCustomers => &[Admin, CrmManager, StoreManager, Associate],
            P::UpdateCustomers => &[Admin, CrmManager, StoreManager, Associate],
            P::RecordConsent => &[Admin, CrmManager, StoreManager, Associate],
            P::TagCustomers => &[Admin, CrmManager, StoreManager, Associate],
            P::ReadTimeline => &[Admin, CrmManager, StoreManager, Associate, Analyst],
            P::RecordInteractions => &[Admin, CrmManager, StoreManager, Associate],
            P::MergeCustomers => &[Admin, CrmManager],
            P::ExportCustomers => &[Admin, CrmManager],
            P::EraseCustomers => &[Admin, CrmManager],
            P::SendOrders => &[Admin, CrmManager, Pos],
            P::ReadOrders => &[Admin, CrmManager, StoreManager, Associate, Pos, Analyst],
            P::ReadLoyalty => &[Admin, CrmManager, StoreManager, Associate, Pos, Analyst],
            P::ManageFxRates => &[Admin, CrmManager],
            P::Redeem => &[Admin, CrmManager, Pos],
            P::AdjustLoyalty => &[Admin, CrmManager],
            P::ManageProgram => &[Admin, CrmManager],
            P::ManageWebhooks => &[Admin, CrmManager],
            P::ReadAnalytics => &[Admin, CrmManager, StoreManager, Associate, Analyst],
            P::ManageOffers => &[Admin, CrmManager],
            P::ValidateCoupons => &[Admin, CrmManager, StoreManager, Associate, Pos],
            P::ManageCampaigns => &[Admin, CrmManager, StoreManager],
            P::ReadCampaigns => &[Admin, CrmManager, StoreManager, Analyst],
            P::HandOverClients => &[Admin, CrmManager, StoreManager],
            P::ReadWorklists => &[Admin, CrmManager, StoreManager, Associate],
        };
        roles.contains(&self)
    }

    /// True when this role sees phone numbers and e-mail addresses in full.
    /// The till (`Pos`) only shows a masked number for the customer to
    /// confirm who they are, and analysts work on aggregates, so both see
    /// contact details masked (PIPL/GDPR: no access without need).
    pub fn sees_contact_details(self) -> bool {
        match self {
            Role::Admin | Role::CrmManager | Role::StoreManager | Role::Associate => true,
            Role::Pos | Role::Analyst => false,
        }
    }

    /// True for roles that work across the whole brand and so cannot be
    /// limited to stores (`Admin`, `CrmManager`).
    pub fn is_brand_wide(self) -> bool {
        match self {
            Role::Admin | Role::CrmManager => true,
            Role::StoreManager | Role::Associate | Role::Pos | Role::Analyst => false,
        }
    }

    /// True for roles that must be limited to stores (`StoreManager`,
    /// `Associate`).
    pub fn needs_store_scope(self) -> bool {
        match self {
            Role::StoreManager | Role::Associate => true,
            Role::Admin | Role::CrmManager | Role::Pos | Role::Analyst => false,
        }
    }
}

/// Which stores' customers a key reaches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreScope {
    /// Every customer of the brand.
    All,
    /// Customers whose home store is one of these.
    Stores(BTreeSet<StoreId>),
}

impl StoreScope {
    /// True when a customer with this home store is in scope: always for
    /// `All`; for `Stores` only a customer whose home store is listed (one
    /// without a home store is out of scope).
    pub fn covers(&self, store: Option<StoreId>) -> bool {
        match self {
            StoreScope::All => true,
            StoreScope::Stores(stores) => store.is_some_and(|s| stores.contains(&s)),
        }
    }

    /// The stores of a `Stores` scope; None for `All`.
    pub fn store_ids(&self) -> Option<&BTreeSet<StoreId>> {
        match self {
            StoreScope::All => None,
            StoreScope::Stores(stores) => Some(stores),
        }
    }
}

/// A validated role + scope pair for an API key, and for an associate's
/// own key, the associate it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyGrant {
    role: Role,
    scope: StoreScope,
    associate: Option<AssociateId>,
}

impl KeyGrant {
    /// Checks the pair: `Admin` and `CrmManager` must reach all stores
    /// (`not_allowed`: brand-wide roles cannot be store-scoped);
    /// `StoreManager` and `Associate` must name their stores (`required`);
    /// `Pos` and `Analyst` may do either; an empty list of stores is always
    /// refused (`required`).
    pub fn new(role: Role, scope: StoreScope) -> Result<KeyGrant, InvalidValue> {
        match &scope {
            StoreScope::Stores(_) if role.is_brand_wide() => Err(InvalidValue::new(
                "not_allowed",
                format!("the {role} role is brand-wide and cannot be store-scoped"),
            )),
            StoreScope::Stores(stores) if stores.is_empty() => {
                Err(InvalidValue::new("required", "a store scope must list at least one store"))
            }
            StoreScope::All if role.needs_store_scope() => {
                Err(InvalidValue::new("required", format!("the {role} role must be limited to one or more stores")))
            }
            StoreScope::All | StoreScope::Stores(_) => Ok(KeyGrant { role, scope, associate: None }),
        }
    }

    /// The same grant, belonging to one associate: only an `Associate`
    /// key may (`not_allowed`). Such a key reads that associate's own
    /// worklist and figures, not their colleagues'. That the associate
    /// works at one of the key's stores is the store's to check.
    pub fn for_associate(self, associate: AssociateId) -> Result<KeyGrant, InvalidValue> {
        if self.role != Role::Associate {
            return Err(InvalidValue::new("not_allowed", "only an associate's key belongs to an associate"));
        }
        Ok(KeyGrant { associate: Some(associate), ..self })
    }

    /// The associate the key belongs to, if any.
    pub fn associate(&self) -> Option<AssociateId> {
        self.associate
    }

    /// True when the key may see this associate's own lists and figures:
    /// any associate (in scope) unless the key belongs to another one.
    pub fn may_see_associate(&self, associate: AssociateId) -> bool {
        self.associate.is_none_or(|own| own == associate)
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The store scope.
    pub fn scope(&self) -> &StoreScope {
        &self.scope
    }

    /// True when the role allows `p` (see [`Role::allows`]).
    pub fn allows(&self, p: Permission) -> bool {
        self.role.allows(p)
    }

    /// True when a customer with this home store is in scope (see
    /// [`StoreScope::covers`]).
    pub fn covers(&self, store: Option<StoreId>) -> bool {
        self.scope.covers(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn store(n: u128) -> StoreId {
        StoreId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn the_matrix() {
        use Permission as P;
        // Rows in Role::ALL order: admin, crm, store mgr, associate, pos, analyst.
        let expected: [(Permission, [bool; 6]); 30] = [
            (P::ManageApiKeys, [true, false, false, false, false, false]),
            (P::WriteOrganisation, [true, true, false, false, false, false]),
            (P::ReadOrganisation, [true, true, true, true, false, true]),
            (P::ReadCustomers, [true, true, true, true, true, true]),
            (P::SearchCustomers, [true, true, true, true, false, true]),
            (P::LookupCustomers, [true, true, true, true, true, false]),
            (P::CreateCustomers, [true, true, true, true, false, false]),
            (P::UpdateCustomers, [true, true, true, true, false, false]),
            (P::RecordConsent, [true, true, true, true, false, false]),
            (P::TagCustomers, [true, true, true, true, false, false]),
            (P::ReadTimeline, [true, true, true, true, false, true]),
            (P::RecordInteractions, [true, true, true, true, false, false]),
            (P::MergeCustomers, [true, true, false, false, false, false]),
            (P::ExportCustomers, [true, true, false, false, false, false]),
            (P::EraseCustomers, [true, true, false, false, false, false]),
            (P::SendOrders, [true, true, false, false, true, false]),
            (P::ReadOrders, [true, true, true, true, true, true]),
            (P::ReadLoyalty, [true, true, true, true, true, true]),
            (P::ManageFxRates, [true, true, false, false, false, false]),
            (P::Redeem, [true, true, false, false, true, false]),
            (P::AdjustLoyalty, [true, true, false, false, false, false]),
            (P::ManageProgram, [true, true, false, false, false, false]),
            (P::ManageWebhooks, [true, true, false, false, false, false]),
            (P::ManageOffers, [true, true, false, false, false, false]),
            (P::ValidateCoupons, [true, true, true, true, true, false]),
            (P::ReadAnalytics, [true, true, true, true, false, true]),
            (P::ManageCampaigns, [true, true, true, false, false, false]),
            (P::ReadCampaigns, [true, true, true, false, false, true]),
            (P::HandOverClients, [true, true, true, false, false, false]),
            (P::ReadWorklists, [true, true, true, true, false, false]),
        ];
        assert_eq!(expected.map(|(p, _)| p), Permission::ALL);
        for (p, row) in expected {
            for (role, allowed) in Role::ALL.into_iter().zip(row) {
                assert_eq!(role.allows(p), allowed, "{role} / {p}");
            }
        }
    }

    #[test]
    fn contact_details() {
        let seeing: Vec<Role> = Role::ALL.into_iter().filter(|r| r.sees_contact_details()).collect();
        assert_eq!(seeing, [Role::Admin, Role::CrmManager, Role::StoreManager, Role::Associate]);
    }

    #[test]
    fn names() {
        assert_eq!(Role::CrmManager.as_str(), "crm_manager");
        for r in Role::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        for p in Permission::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), serde_json::json!(p.as_str()));
            assert_eq!(p.as_str().parse::<Permission>(), Ok(p));
        }
        assert_eq!("root".parse::<Role>().unwrap_err().code, "invalid_format");
    }

    #[test]
    fn scopes() {
        let some = StoreScope::Stores([store(1), store(2)].into_iter().collect());
        assert!(some.covers(Some(store(1))));
        assert!(!some.covers(Some(store(3))));
        assert!(!some.covers(None));
        assert!(StoreScope::All.covers(None));
        assert_eq!(StoreScope::All.store_ids(), None);
        assert_eq!(some.store_ids().unwrap().len(), 2);
    }

    #[test]
    fn an_associates_own_key_sees_only_them() {
        let some = StoreScope::Stores([store(1)].into_iter().collect());
        let (lin, mei) = (AssociateId::from_uuid(Uuid::from_u128(7)), AssociateId::from_uuid(Uuid::from_u128(8)));
        let shared = KeyGrant::new(Role::Associate, some.clone()).unwrap();
        assert!(shared.may_see_associate(lin) && shared.may_see_associate(mei));
        let own = shared.for_associate(lin).unwrap();
        assert_eq!(own.associate(), Some(lin));
        assert!(own.may_see_associate(lin) && !own.may_see_associate(mei));
        let manager = KeyGrant::new(Role::StoreManager, some).unwrap();
        assert_eq!(manager.for_associate(lin).map_err(|e| e.code), Err("not_allowed"));
    }

    #[test]
    fn grants() {
        let some = StoreScope::Stores([store(1)].into_iter().collect());
        let none = StoreScope::Stores(BTreeSet::new());
        let code = |role, scope| KeyGrant::new(role, scope).map(|_| ()).map_err(|e| e.code);
        for role in [Role::Admin, Role::CrmManager] {
            assert_eq!(code(role, StoreScope::All), Ok(()));
            assert_eq!(code(role, some.clone()), Err("not_allowed"));
            assert!(code(role, none.clone()).is_err());
        }
        for role in [Role::StoreManager, Role::Associate] {
            assert_eq!(code(role, StoreScope::All), Err("required"));
            assert_eq!(code(role, some.clone()), Ok(()));
            assert_eq!(code(role, none.clone()), Err("required"));
        }
        for role in [Role::Pos, Role::Analyst] {
            assert_eq!(code(role, StoreScope::All), Ok(()));
            assert_eq!(code(role, some.clone()), Ok(()));
            assert_eq!(code(role, none.clone()), Err("required"));
        }
        let g = KeyGrant::new(Role::Associate, some.clone()).unwrap();
        assert_eq!(g.role(), Role::Associate);
        assert_eq!(g.scope(), &some);
        assert!(g.covers(Some(store(1))));
        assert!(g.allows(Permission::RecordInteractions));
        assert!(!g.allows(Permission::EraseCustomers));
    }
}
