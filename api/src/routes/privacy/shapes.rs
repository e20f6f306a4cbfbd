//! The privacy export's shape: everything held about one person.

use clientele_store::CustomerExport;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::routes::shared::{CustomerView, InteractionView};

/// Everything held about one person: profile, member numbers, timeline,
/// records merged into theirs, and the audit trail of changes to them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerExportView {
    pub customer: CustomerView,
    pub member_numbers: Vec<String>,
    pub timeline: Vec<InteractionView>,
    #[schema(value_type = Vec<Object>)]
    pub merged_records: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub audit: Vec<serde_json::Value>,
}

impl CustomerExportView {
    /// The export, contact details shown: it is the person's own data.
    pub fn new(export: CustomerExport) -> Result<Self, ApiError> {
        let audit = export
            .audit
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(CustomerExportView {
            customer: CustomerView::new(&export.customer, true),
            member_numbers: export.member_numbers,
            timeline: export.timeline.iter().map(InteractionView::new).collect(),
            merged_records: export.merged_records,
            audit,
        })
    }
}
