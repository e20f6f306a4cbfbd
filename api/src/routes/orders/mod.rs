//! Orders and returns from POS, e-shop and ERP, and the exchange rates
//! that convert them into the base currency.

pub(crate) mod shapes;

use actix_web::{HttpResponse, get, post, put, web};
use clientele_profiles::Permission;
use uuid::Uuid;

use self::shapes::{
    CreateOrderRequest, CreateReturnRequest, FxQuery, FxRateView, OrderList, OrderView, PutFxRatesRequest,
    ReturnResult, decode_order_cursor,
};
use super::shared::{PageQuery, customer_error, customer_id, parse_limit};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

fn order_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse::<Uuid>().map_err(|_| ApiError::NotFound("order"))
}

fn order_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("order"),
        other => other,
    }
}

/// Sends an order (POS, e-shop, ERP). The same (`source`, `external_id`)
/// sent again — a retry after a timeout, or many at once — is stored once,
/// awards once, and is answered 200 with the stored order.
#[utoipa::path(tag = "orders", request_body = CreateOrderRequest,
    responses((status = 201, body = OrderView), (status = 200, description = "Sent before: the stored order", body = OrderView),
        (status = 409, description = "`order_conflict`: another order was sent before under this `source` + `external_id`", body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/orders")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::SendOrders)?;
    let now = crate::clock::now();
    let order = body.value.into_domain(now)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let ingested = state.run(move |conn| clientele_app::orders::ingest_order(conn, order, &scope, &audit)).await?;
    let view = OrderView::new(&ingested.order);
    Ok(if ingested.replayed {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Created().insert_header(("Location", format!("/v1/orders/{}", view.id))).json(view)
    })
}

/// One order, with its lines, the points each earned, and its returns.
#[utoipa::path(tag = "orders", params(("id" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
#[get("/v1/orders/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadOrders)?;
    let id = order_id(&path)?;
    let scope = caller.scope().clone();
    let order = state.run(move |conn| clientele_store::get_order(conn, id, &scope)).await.map_err(order_error)?;
    Ok(HttpResponse::Ok().json(OrderView::new(&order)))
}

/// Returns some lines (or some units of a line) of an order: what they
/// earned is taken back. Idempotent on the return's (`source`, `external_id`).
#[utoipa::path(tag = "orders", params(("id" = Uuid, Path)), request_body = CreateReturnRequest,
    responses((status = 201, body = ReturnResult), (status = 200, description = "Sent before", body = ReturnResult),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/orders/{id}/returns")]
pub async fn create_return(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<CreateReturnRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::SendOrders)?;
    let id = order_id(&path)?;
    let request = body.value.into_domain(crate::clock::now())?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let returned = state
        .run(move |conn| clientele_app::orders::record_return(conn, id, request, &scope, &audit))
        .await
        .map_err(order_error)?;
    let result = ReturnResult::new(returned.return_id, &returned.order);
    Ok(if returned.replayed { HttpResponse::Ok().json(result) } else { HttpResponse::Created().json(result) })
}

/// A customer's orders, newest first.
#[utoipa::path(tag = "orders", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = OrderList), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/orders")]
pub async fn customer_orders(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadOrders)?;
    let id = customer_id(&path)?;
    let before = query.cursor.as_deref().map(decode_order_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())?;
    let scope = caller.scope().clone();
    let (orders, next) = state
        .run(move |conn| clientele_store::customer_orders(conn, id, &scope, before, limit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(OrderList::new(&orders, next)))
}

/// Sets exchange rates into the base currency (admin, crm_manager). An
/// order in another currency is converted at the latest rate valid on its
/// date; an order with none is refused.
#[utoipa::path(tag = "orders", request_body = PutFxRatesRequest,
    responses((status = 200, body = [FxRateView]), (status = 422, body = Problem)))]
#[put("/v1/fx-rates")]
pub async fn put_fx_rates(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PutFxRatesRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageFxRates)?;
    let (config, _) = state.run(clientele_store::program).await?;
    let base = config.base_currency().clone();
    let rates = body.value.into_domain(&base)?;
    let audit = caller.audit();
    let stored = state
        .run(move |conn| {
            clientele_app::orders::put_fx_rates(conn, &rates, &audit)?;
            clientele_store::list_fx_rates(conn, None)
        })
        .await?;
    Ok(HttpResponse::Ok().json(stored.iter().map(FxRateView::new).collect::<Vec<_>>()))
}

/// Exchange rates, by currency, newest first.
#[utoipa::path(tag = "orders", params(FxQuery), responses((status = 200, body = [FxRateView])))]
#[get("/v1/fx-rates")]
pub async fn list_fx_rates(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<FxQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadOrganisation)?;
    let currency = query.currency()?;
    let rates = state.run(move |conn| clientele_store::list_fx_rates(conn, currency.as_ref())).await?;
    Ok(HttpResponse::Ok().json(rates.iter().map(FxRateView::new).collect::<Vec<_>>()))
}
