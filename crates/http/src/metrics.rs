//! `/healthz` and `/metrics` (Prometheus text format): request counts by status class and
//! their total duration, so an operator's Prometheus can graph rate and mean latency.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Default)]
pub struct Metrics {
    /// Requests by status class: 1xx..5xx at index 0..4.
    requests: [AtomicU64; 5],
    micros: AtomicU64,
    started: std::sync::OnceLock<Instant>,
}

pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    state.metrics.started.get_or_init(Instant::now);
    let response = next.run(request).await;
    let class = (response.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    state.metrics.requests[class].fetch_add(1, Ordering::Relaxed);
    state.metrics.micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    response
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let mut out = String::new();
    out.push_str("# HELP opencpd_http_requests_total HTTP requests answered, by status class.\n");
    out.push_str("# TYPE opencpd_http_requests_total counter\n");
    for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
        out.push_str(&format!(
            "opencpd_http_requests_total{{status=\"{class}\"}} {}\n",
            m.requests[i].load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP opencpd_http_request_duration_seconds_sum Time spent answering requests.\n");
    out.push_str("# TYPE opencpd_http_request_duration_seconds_sum counter\n");
    out.push_str(&format!(
        "opencpd_http_request_duration_seconds_sum {:.6}\n",
        m.micros.load(Ordering::Relaxed) as f64 / 1e6
    ));
    out.push_str("# HELP opencpd_openapi_undocumented_total API answers the OpenAPI document does not list.\n");
    out.push_str("# TYPE opencpd_openapi_undocumented_total counter\n");
    out.push_str(&format!("opencpd_openapi_undocumented_total {}\n", state.contract.count()));
    out.push_str("# HELP opencpd_uptime_seconds Seconds since the first request.\n");
    out.push_str("# TYPE opencpd_uptime_seconds gauge\n");
    out.push_str(&format!("opencpd_uptime_seconds {}\n", m.started.get().map(|s| s.elapsed().as_secs()).unwrap_or(0)));
    let backend = match state.db.backend() {
        opencpd_kernel::Backend::Sqlite => "sqlite",
        opencpd_kernel::Backend::Postgres => "postgres",
    };
    out.push_str("# TYPE opencpd_database_info gauge\n");
    out.push_str(&format!("opencpd_database_info{{backend=\"{backend}\"}} 1\n"));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
