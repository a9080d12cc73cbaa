//! The routes and their handlers. Every path parameter is a run id or a fixed name: a request
//! path never becomes a filesystem path.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::error::{Result, ServeError};
use super::jobs::{run_dir, LOG, RATED};
use super::names::{allowed_server_path, clean_run_name};
use super::options::RunOptions;
use super::pages::{self, RunView};
use super::upload::{input_of, over_cap, receive};
use super::app::App;
use super::{files, live, predict, security};

const APP_JS: &str = include_str!("static/app.js");
const STYLE_CSS: &str = include_str!("static/style.css");

pub fn router(app: Arc<App>) -> Router {
    let guard = app.guard.clone();
    Router::new()
        .route("/", get(index))
        .route("/new", get(new_run))
        .route("/runs", post(create_run))
        .route("/runs/{id}", get(run_page))
        .route("/runs/{id}/events", get(events))
        .route("/runs/{id}/cancel", post(cancel))
        .route("/runs/{id}/report", get(report))
        .route("/runs/{id}/download/{name}", get(download))
        .route("/runs/{id}/predict", post(predict_upload))
        .route("/runs/{id}/predict/{n}/predictions.csv", get(predict_csv))
        .route("/api/runs", get(api_runs))
        .route("/api/runs/{id}", get(api_run))
        .route("/static/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS) }))
        .route("/static/style.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE_CSS) }))
        .fallback(|| async { ServeError::NotFound("no such page".into()) })
        // uploads are counted against --max-upload by `upload::receive` as they stream
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(guard, security::guard))
        .with_state(app)
}

fn run_id(text: &str) -> Result<i64> {
    text.parse::<i64>().map_err(|_| ServeError::NotFound(format!("no run {text:?}")))
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServeError::Internal(e.to_string()))?
}

async fn index(State(app): State<Arc<App>>) -> Result<Html<String>> {
    let runs = app.db.list()?;
    Ok(Html(pages::runs_list(&runs, &app.guard.csrf).into_string()))
}

async fn new_run(State(app): State<Arc<App>>) -> Html<String> {
    Html(pages::new_run(&app.guard.csrf, &app.allow_paths, app.max_upload).into_string())
}

/// A new run: the upload streamed into `RUN/input`, options checked, then queued. On any
/// error the run folder and row are removed: a refused upload leaves nothing behind.
async fn create_run(State(app): State<Arc<App>>, headers: HeaderMap, multipart: Multipart) -> Result<Response> {
    // a declared length over the cap is refused before a byte of the body is read
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.max_upload.saturating_add(1 << 20)) {
        return Err(over_cap(app.max_upload));
    }
    let id = app.db.insert_uploading("upload")?;
    let dir = run_dir(&app.runs_dir, id);
    // The run folder must be new: one already there was not made by this server (a reused
    // --data), and the clean-up below must never remove it.
    if let Err(e) = tokio::fs::create_dir(&dir).await {
        let _ = app.db.delete(id);
        return Err(if e.kind() == std::io::ErrorKind::AlreadyExists {
            ServeError::Conflict(format!(
                "{} already exists but is not a run of this server's database: move it out of --data (nothing was changed)",
                dir.display()
            ))
        } else {
            ServeError::io(format!("creating {}", dir.display()), e)
        });
    }
    match stage(&app, id, multipart).await {
        Ok(()) => {
            app.jobs.wake();
            let url = format!("/runs/{id}");
            Ok(if wants_json(&headers) {
                json(StatusCode::CREATED, serde_json::json!({ "id": id, "url": url }))
            } else {
                Redirect::to(&url).into_response()
            })
        }
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            let _ = app.db.delete(id);
            Err(e)
        }
    }
}

async fn stage(app: &App, id: i64, multipart: Multipart) -> Result<()> {
    let dir = run_dir(&app.runs_dir, id);
    let got = receive(multipart, &dir.join("input"), &dir.join("upload"), app.max_upload, app.caps).await?;
    let _ = tokio::fs::remove_dir_all(dir.join("upload")).await;
    let mut options = RunOptions::default();
    let mut server_path = None;
    for (field, value) in &got.fields {
        match field.as_str() {
            "server_path" if !value.trim().is_empty() => server_path = Some(value.clone()),
            "server_path" => {}
            _ => options.set(field, value)?,
        }
    }
    let uploaded = input_of(&dir.join("input")).map_err(|e| ServeError::io("reading the upload", e))?;
    let input = match (server_path, uploaded) {
        (Some(_), Some(_)) => return Err(ServeError::BadRequest("choose either an upload or a server folder, not both".into())),
        (Some(p), None) => {
            // read in place: the empty upload folder goes
            let _ = tokio::fs::remove_dir(dir.join("input")).await;
            allowed_server_path(&p, &app.allow_paths)?
        }
        (None, Some(p)) => p,
        (None, None) => {
            return Err(ServeError::BadRequest("no data: choose a folder, files, an archive or a server folder".into()))
        }
    };
    if options.name.is_empty() {
        options.name = clean_run_name(&input.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    if options.name.is_empty() {
        options.name = format!("run {id}");
    }
    let input_text = input.to_str().ok_or_else(|| ServeError::BadRequest("the input's path is not UTF-8".into()))?;
    app.db.queue(id, &options.name, &options.domain, &options.to_json(), input_text)?;
    Ok(())
}

async fn run_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Html<String>> {
    let id = run_id(&id)?;
    let page = blocking(move || {
        let run = app.db.must_get(id)?;
        let dir = run_dir(&app.runs_dir, id);
        let progress = app.live.progress(&app.runs_dir, &run);
        let out = dir.join(RATED);
        let terminal = run.state.is_terminal();
        let view = RunView {
            run: &run,
            progress: &progress,
            downloads: if terminal { files::available(&dir, &run) } else { Vec::new() },
            has_model: terminal && out.join(scoring::run_layout::BUNDLE_DIR).join(scoring::run_layout::CONFIG_FILE).is_file(),
            has_report: terminal && out.join("report.html").is_file(),
            log_tail: pages::tail(&dir.join(LOG), 60),
            skipped: skipped_lines(&super::jobs::dataset_dir(&out, std::path::Path::new(&run.input))),
            predictions: predict::list(&dir),
        };
        Ok(pages::run_page(&view, &app.guard.csrf).into_string())
    })
    .await?;
    Ok(Html(page))
}

/// The first lines of the conversion's `<name>_skipped.tsv`, when it has one.
fn skipped_lines(dataset: &std::path::Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dataset) else { return Vec::new() };
    let Some(tsv) = rd.flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with("_skipped.tsv")) else {
        return Vec::new();
    };
    std::fs::read_to_string(tsv).unwrap_or_default().lines().take(50).map(str::to_string).collect()
}

async fn events(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response> {
    let id = run_id(&id)?;
    app.db.must_get(id)?;
    Ok(live::events(app.db.clone(), app.live.clone(), app.runs_dir.clone(), id).into_response())
}

async fn cancel(State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response> {
    let id = run_id(&id)?;
    app.db.must_get(id)?;
    app.jobs.cancel(id)?;
    let url = format!("/runs/{id}");
    Ok(if wants_json(&headers) { json(StatusCode::OK, serde_json::json!({ "id": id, "url": url })) } else { Redirect::to(&url).into_response() })
}

/// report.html inline, for the run page's frame (sandboxed: it runs no script).
async fn report(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response> {
    let id = run_id(&id)?;
    app.db.must_get(id)?;
    let path = run_dir(&app.runs_dir, id).join(RATED).join("report.html");
    if !path.is_file() {
        return Err(ServeError::NotFound(format!("run {id} has no report (yet)")));
    }
    let mut r = files::stream_file(&path, "text/html; charset=utf-8", None).await?;
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src data:; frame-ancestors 'self'"));
    Ok(r)
}

async fn download(State(app): State<Arc<App>>, Path((id, name)): Path<(String, String)>) -> Result<Response> {
    let id = run_id(&id)?;
    let run = app.db.must_get(id)?;
    if !run.state.is_terminal() {
        return Err(ServeError::Conflict(format!("run {id} is {}: downloads come when it ends", run.state)));
    }
    files::download(run_dir(&app.runs_dir, id), &run, &name).await
}

async fn predict_upload(State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap, multipart: Multipart) -> Result<Response> {
    let id = run_id(&id)?;
    let run = app.db.must_get(id)?;
    if !run.state.is_terminal() {
        return Err(ServeError::Conflict(format!("run {id} is {}: predict once it has ended", run.state)));
    }
    let (n, rows) = predict::predict(&app, &run_dir(&app.runs_dir, id), multipart).await?;
    let url = format!("/runs/{id}/predict/{n}/predictions.csv");
    Ok(if wants_json(&headers) {
        json(StatusCode::CREATED, serde_json::json!({ "n": n, "rows": rows, "url": url }))
    } else {
        Html(pages::message("Predictions ready", &app.guard.csrf, &format!("{rows} rows predicted."), Some((&url, "Download the CSV"))).into_string()).into_response()
    })
}

async fn predict_csv(State(app): State<Arc<App>>, Path((id, n)): Path<(String, String)>) -> Result<Response> {
    let id = run_id(&id)?;
    app.db.must_get(id)?;
    let n: u32 = n.parse().map_err(|_| ServeError::NotFound(format!("no prediction {n:?}")))?;
    let path = predict::csv_path(&run_dir(&app.runs_dir, id), n);
    if !path.is_file() {
        return Err(ServeError::NotFound(format!("run {id} has no prediction {n}")));
    }
    files::stream_file(&path, "text/csv; charset=utf-8", Some(&format!("run-{id}-predictions-{n}.csv"))).await
}

async fn api_runs(State(app): State<Arc<App>>) -> Result<Response> {
    let runs = app.db.list()?;
    Ok(json(StatusCode::OK, serde_json::json!({ "runs": runs })))
}

async fn api_run(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response> {
    let id = run_id(&id)?;
    let value = blocking(move || {
        let run = app.db.must_get(id)?;
        let progress = app.live.progress(&app.runs_dir, &run);
        Ok(serde_json::json!({ "run": run, "progress": progress }))
    })
    .await?;
    Ok(json(StatusCode::OK, value))
}
