//! Building and running the HTTP server.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use clientele_store::Db;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;

/// A bound, not yet running, server.
pub struct Application {
    port: u16,
    db: Db,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Connects the pool, applies migrations, binds the listener. Runs
    /// nothing in the background: `clientele serve` runs the jobs and the
    /// webhook sender beside it, on [`Application::db`].
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.db())?;
        let migrate_db = db.clone();
        let applied = web::block(move || migrate_db.migrate()).await??;
        if !applied.is_empty() {
            tracing::info!(?applied, "migrations applied");
        }
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState { webhook_guard: config.webhook_guard(), ..AppState::new(db.clone()) });
        let mut server = HttpServer::new(move || app(state.clone()));
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Application { port, db, server })
    }

    /// The port bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The pool the service uses (`serve` runs the scheduled jobs and the
    /// webhook sender on it).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The whole application: routes, middleware, OpenAPI document and viewer.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::build())
        .app_data(state)
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NoRoute.into()))
        .configure(routes::configure)
        .split_for_parts();
    let mut api = api;
    crate::openapi::complete(&mut api);
    app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::NoRoute) }))
        .wrap(from_fn(crate::middleware::refuse_nul))
        .wrap(from_fn(crate::middleware::authenticate))
        .wrap(Compress::default())
        .wrap(from_fn(crate::middleware::request_id))
}

/// The OpenAPI document, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(ApiDoc::build()).configure(routes::configure).split_for_parts();
    crate::openapi::complete(&mut api);
    api
}
