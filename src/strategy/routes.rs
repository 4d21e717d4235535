//! Public pages and API of the strategies, their goals and measures.

use actix_web::{HttpResponse, web};

use super::store;
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::web::Page;

pub(crate) async fn list_page(page: Page) -> AppResult<HttpResponse> {
    let strategies = crate::db::run(&page.state.pool, store::summaries).await?;
    let mut ctx = page.context();
    ctx.insert("strategies", &strategies);
    page.render("strategy/list.html", &ctx)
}

/// A strategy's public page: how it is doing (each goal's two bars and
/// status, as of today or `?as_of`), then each goal with its measures,
/// projects and KPIs.
pub(crate) async fn detail_page(
    page: Page,
    slug: web::Path<String>,
    q: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let b = board_for(&page, slug, &q).await?;
    // Today's content is rendered once a language and kept with the board
    // (dropped when anything it shows changes); another day's is made for
    // its request.
    let slot = &b.page[usize::from(page.lang.code() == "en")];
    let made;
    let content: &str = match slot.get() {
        Some(html) => html,
        None => {
            made = detail_content(&page, &b)?;
            if q.as_of.is_none() {
                // Another request may have set it meanwhile: the same text.
                let _ = slot.set(made.clone());
            }
            &made
        }
    };
    // The layout around a mark, the kept content spliced in: one copy of
    // it per request, not three.
    const MARK: &str = "\u{2063}radnice:content\u{2063}";
    let mut ctx = page.context();
    // The frame needs the title only, not the whole strategy.
    let s = &b.detail.strategy;
    ctx.insert(
        "s",
        &serde_json::json!({"title_cs": s.title_cs, "title_en": s.title_en}),
    );
    ctx.insert("content", MARK);
    let frame = page.render_part("strategy/detail.html", &ctx)?;
    // The last mark is the slot: the frame's only text of the strategy's
    // own, its title, comes before it.
    let (head, tail) = frame
        .rsplit_once(MARK)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the strategy page lost its mark")))?;
    let mut html = String::with_capacity(frame.len() + content.len());
    html.push_str(head);
    html.push_str(content);
    html.push_str(tail);
    Ok(page.html(actix_web::http::StatusCode::OK, html))
}

fn detail_content(page: &Page, b: &super::dashboard::TodayBoard) -> AppResult<String> {
    let (detail, board) = (&b.detail, &b.board);
    let bars: std::collections::HashMap<&str, (Option<String>, Option<String>)> = board
        .goals
        .iter()
        .map(|g| {
            (
                g.chapter.as_str(),
                (
                    g.implementation.map(|v| super::chart::bar(v / 100.0)),
                    g.results.map(super::chart::bar),
                ),
            )
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("s", detail);
    ctx.insert("board", board);
    ctx.insert("lines", &board.lines);
    ctx.insert("bars", &bars);
    // Its tables are datasets of the catalog when it has a publisher.
    let datasets: std::collections::HashMap<&str, String> = ["goals", "projects", "kpi-values"]
        .into_iter()
        .filter(|_| detail.strategy.publisher_id.is_some())
        .filter_map(|t| Some((t, super::open_data::dataset_slug(&detail.strategy.slug, t)?)))
        .collect();
    ctx.insert("datasets", &datasets);
    page.render_part("strategy/detail_content.html", &ctx)
}

pub(crate) async fn api_list(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let list = crate::db::run(&state.pool, store::summaries).await?;
    Ok(HttpResponse::Ok().json(list))
}

pub(crate) async fn api_detail(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    let detail = crate::db::run(&state.pool, move |c| store::detail(c, &slug))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(detail))
}

/// `GET /api/v1/strategies/{slug}/dashboard`: every goal's two bars,
/// status and trend, as of today (or `?as_of=YYYY-MM-DD`).
pub(crate) async fn api_dashboard(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let slug = slug.into_inner();
    if q.as_of.is_none() {
        let cached = state.boards.today(&state.pool, &slug).await?;
        let b = cached.as_ref().as_ref().ok_or(AppError::NotFound)?;
        // Serialised once and kept with the board, like the page.
        let json = match b.json.get() {
            Some(j) => j.clone(),
            None => {
                let j =
                    web::Bytes::from(serde_json::to_vec(&b.board).map_err(|e| {
                        AppError::Internal(anyhow::anyhow!("dashboard as JSON: {e}"))
                    })?);
                let _ = b.json.set(j.clone());
                j
            }
        };
        return Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(json));
    }
    let as_of = q.day()?;
    let board = crate::db::run(&state.pool, move |c| {
        super::dashboard::dashboard(c, &slug, as_of)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(board))
}

/// `GET /api/v1/kpis/{code}`: a KPI with its verified values and its
/// assessment with every input.
pub(crate) async fn api_kpi(
    state: web::Data<AppState>,
    code: web::Path<String>,
    q: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let as_of = q.day()?;
    let report = crate::db::run(&state.pool, move |c| {
        super::dashboard::kpi_report(c, &code, as_of, true)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(report))
}

/// The day an assessment is made as of: today in Prague unless asked.
#[derive(serde::Deserialize)]
pub(crate) struct AsOf {
    as_of: Option<String>,
}

impl AsOf {
    fn day(&self) -> AppResult<chrono::NaiveDate> {
        match crate::web::day(&self.as_of, "as_of")? {
            None => Ok(super::dashboard::today()),
            Some(t) if (1990..=2100).contains(&chrono::Datelike::year(&t)) => Ok(t.date()),
            Some(_) => Err(AppError::bad_request(
                "as_of: a day between 1990 and 2100".to_string(),
                Some("as_of"),
            )),
        }
    }
}

/// A KPI's public page: what it measures, how it is computed with this
/// KPI's own numbers, its chart with the data table beside it.
pub(crate) async fn kpi_page(
    page: Page,
    code: web::Path<String>,
    q: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let as_of = q.day()?;
    let report = crate::db::run(&page.state.pool, move |c| {
        super::dashboard::kpi_report(c, &code, as_of, true)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let name = if page.lang == crate::web::i18n::Lang::En {
        report
            .name_en
            .clone()
            .unwrap_or_else(|| report.name.clone())
    } else {
        report.name.clone()
    };
    let description = page
        .t("kpi_chart_desc")
        .replace("{name}", &name)
        .replace("{unit}", &report.unit);
    let chart = super::chart::kpi(
        &report,
        &super::chart::Labels {
            title: &name,
            description: &description,
        },
    );
    let mut ctx = page.context();
    ctx.insert("k", &report);
    ctx.insert("name", &name);
    ctx.insert("chart", &chart);
    ctx.insert("attainment_bar", &report.attainment.map(super::chart::bar));
    page.render("strategy/kpi.html", &ctx)
}

/// A project's public page: what it is, the measures it fulfils, and its
/// submitted monthly reports (drafts are its author's).
pub(crate) async fn project_page(page: Page, code: web::Path<String>) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let user = page.identity.user().cloned();
    let (p, moves) = crate::db::run(&page.state.pool, move |c| {
        let Some(p) = store::project_page(c, &code)? else {
            return Err(AppError::NotFound);
        };
        let moves = match &user {
            Some(u) => super::tracking::moves_for(c, u, &p.project)?,
            None => Vec::new(),
        };
        Ok((p, moves))
    })
    .await?;
    let reports: Vec<serde_json::Value> = p
        .reports
        .iter()
        .map(|(start, end, r)| {
            serde_json::json!({
                "period": super::kpi::label_of_period(start, end),
                "report": r,
                "submitted": r.submitted_at.as_ref().map(crate::web::local_time),
            })
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("p", &p.project);
    ctx.insert("strategy", &p.strategy);
    ctx.insert("measures", &p.measures);
    ctx.insert("reports", &reports);
    let moves: Vec<serde_json::Value> = moves
        .iter()
        .map(|(to, reason)| serde_json::json!({"value": to, "label": page.t(&format!("project_state_{to}")), "reason": reason}))
        .collect();
    ctx.insert("moves", &moves);
    ctx.insert("form", &serde_json::json!({}));
    ctx.insert("errors", &serde_json::json!({}));
    ctx.insert(
        "progress_bar",
        &super::chart::bar(f64::from(p.project.progress) / 100.0),
    );
    page.render("strategy/project.html", &ctx)
}

/// A JSON body read only once the caller may track the strategy.
type TrackerJson<T> =
    crate::auth::guard::Authorized<crate::auth::guard::TrackStrategy, web::Json<T>>;

/// The strategy's writes are API calls with a bearer token: a session
/// cookie alone is not a credential here (no CSRF to check on JSON).
fn token_only(user: &crate::auth::CurrentUser) -> AppResult<()> {
    if user.via_token {
        Ok(())
    } else {
        Err(AppError::Unauthenticated)
    }
}

/// `POST /api/v1/kpis/{code}/measurements`: a provisional value, or a
/// correction (`supersedes`) of the period's current one.
pub(crate) async fn api_record_measurement(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: TrackerJson<super::service::MeasurementInput>,
) -> AppResult<HttpResponse> {
    token_only(&req.user)?;
    let code = code.into_inner();
    let user = req.user;
    let input = req.body.into_inner();
    let today = super::dashboard::today();
    let st = state.clone();
    let saved = crate::db::run(&state.pool, move |c| {
        super::service::record_measurement(c, &st.views, &user, &code, &input, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// `POST /api/v1/kpis/{code}/measurements/{id}/transition`.
pub(crate) async fn api_move_measurement(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: TrackerJson<crate::lifecycle::TransitionInput>,
) -> AppResult<HttpResponse> {
    token_only(&req.user)?;
    let (code, id) = path.into_inner();
    let user = req.user;
    let step = req.body.into_inner();
    let st = state.clone();
    let saved = crate::db::run(&state.pool, move |c| {
        super::service::move_measurement(c, &st.views, &user, &code, &id, &step)
    })
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// `GET /api/v1/projects/{code}/reports`: the submitted reports, newest
/// period first.
pub(crate) async fn api_reports(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let p = crate::db::run(&state.pool, move |c| store::project_page(c, &code))
        .await?
        .ok_or(AppError::NotFound)?;
    let reports: Vec<serde_json::Value> = p
        .reports
        .iter()
        .map(|(start, end, r)| {
            serde_json::json!({
                "id": r.id,
                "period": super::kpi::label_of_period(start, end),
                "version": r.version,
                "project_state": r.project_state,
                "progress": r.progress,
                "health": r.health,
                "health_reason": r.health_reason,
                "actual_start": r.actual_start,
                "actual_end": r.actual_end,
                "spent_czk": r.spent_czk,
                "risks": r.risks,
                "next_steps": r.next_steps,
                "asks": r.asks,
                "submitted_at": r.submitted_at.map(|t| t.and_utc().to_rfc3339()),
                "is_example": r.is_example,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "project": p.project.code,
        "reports": reports,
    })))
}

/// `POST /api/v1/projects/{code}/reports`: a monthly status report, a
/// draft or submitted (`"submit": true`).
pub(crate) async fn api_file_report(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: TrackerJson<super::service::ReportInput>,
) -> AppResult<HttpResponse> {
    token_only(&req.user)?;
    let code = code.into_inner();
    let user = req.user;
    let input = req.body.into_inner();
    let today = super::dashboard::today();
    let st = state.clone();
    let saved = crate::db::run(&state.pool, move |c| {
        super::service::file_report(c, &st.views, &user, &code, &input, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(saved))
}

/// `POST /api/v1/projects/{code}/transition` (`{"to", "reason"}`).
pub(crate) async fn api_move_project(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: TrackerJson<crate::lifecycle::TransitionInput>,
) -> AppResult<HttpResponse> {
    token_only(&req.user)?;
    let code = code.into_inner();
    let user = req.user;
    let step = req.body.into_inner();
    let st = state.clone();
    let saved = crate::db::run(&state.pool, move |c| {
        super::service::move_project(c, &st.views, &user, &code, &step)
    })
    .await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// The largest CSV of KPI values: 100,000 values of about 60 bytes fit.
pub(crate) const CSV_LIMIT: usize = 16 * 1024 * 1024;

/// `POST /api/v1/measurements.csv`: KPI values from CSV, all or nothing;
/// each bad row named by its line and column.
pub(crate) async fn api_import_csv(
    state: web::Data<AppState>,
    req: crate::auth::guard::Authorized<crate::auth::guard::TrackStrategy, web::Bytes>,
) -> AppResult<HttpResponse> {
    token_only(&req.user)?;
    let user = req.user;
    let data = req.body;
    let today = super::dashboard::today();
    let st = state.clone();
    let stored = crate::db::run(&state.pool, move |c| {
        super::service::import_csv(c, &st.views, &user, &data, today)
    })
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "imported": stored })))
}

/// Narrows a public table to one object: the rows whose first column (a
/// goal's chapter, a project's or a KPI's code) is `code`.
#[derive(serde::Deserialize)]
pub(crate) struct TableFilter {
    code: Option<String>,
}

/// `GET /strategies/{slug}/{goals|projects|kpi-values|reports}.{csv|json}`:
/// a public table of the strategy as data (CSV with a header line, UTF-8;
/// JSON as an array of objects), always current; `?code=` narrows it to
/// one goal, project or KPI (the tables its page shows).
pub(crate) async fn table_download(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    filter: web::Query<TableFilter>,
) -> AppResult<HttpResponse> {
    let (slug, table, ext) = path.into_inner();
    let t = table.clone();
    let (header, mut rows) =
        crate::db::run(&state.pool, move |c| store::public_table(c, &slug, &t))
            .await?
            .ok_or(AppError::NotFound)?;
    if let Some(code) = filter.into_inner().code.filter(|c| !c.is_empty()) {
        rows.retain(|r| r.first() == Some(&code));
    }
    if ext == "json" {
        let items: Vec<serde_json::Map<String, serde_json::Value>> = rows
            .into_iter()
            .map(|r| {
                header
                    .iter()
                    .zip(r)
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                    .collect()
            })
            .collect();
        return Ok(HttpResponse::Ok()
            .insert_header(("Access-Control-Allow-Origin", "*"))
            .json(items));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        out.write_record(&header)?;
        for r in &rows {
            out.write_record(r)?;
        }
        out.flush()?;
        Ok(())
    };
    write(&mut out).map_err(|e| AppError::Internal(e.into()))?;
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{table}.csv\""),
        ))
        .body(body))
}

/// A goal's page (`/strategies/{slug}/goals/{chapter}`): its bars and
/// status, measures, projects and KPIs; today's from the boards' cache.
pub(crate) async fn goal_page(
    page: Page,
    path: web::Path<(String, String)>,
    q: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let (slug, chapter) = path.into_inner();
    let b = board_for(&page, slug, &q).await?;
    let (detail, board) = (&b.detail, &b.board);
    let g = detail
        .goals
        .iter()
        .find(|g| g.goal.chapter == chapter)
        .ok_or(AppError::NotFound)?;
    let bg = board
        .goals
        .iter()
        .find(|g| g.chapter == chapter)
        .ok_or(AppError::NotFound)?;
    let bars = (
        bg.implementation.map(|v| super::chart::bar(v / 100.0)),
        bg.results.map(super::chart::bar),
    );
    let mut ctx = page.context();
    ctx.insert("s", &detail.strategy);
    ctx.insert("g", g);
    ctx.insert("bg", bg);
    ctx.insert("board", board);
    ctx.insert("lines", &board.lines);
    ctx.insert("bars", &bars);
    page.render("strategy/goal.html", &ctx)
}

/// A strategy's page data: today's from the boards' cache, another day's
/// computed for the request.
async fn board_for(
    page: &Page,
    slug: String,
    q: &AsOf,
) -> AppResult<std::sync::Arc<super::dashboard::TodayBoard>> {
    if q.as_of.is_none() {
        let cached = page.state.boards.today(&page.state.pool, &slug).await?;
        return cached.as_ref().clone().ok_or(AppError::NotFound);
    }
    let day = q.day()?;
    let (detail, board) = crate::db::run(&page.state.pool, move |c| {
        let detail = store::detail(c, &slug)?;
        let board = super::dashboard::dashboard(c, &slug, day)?;
        Ok::<_, AppError>((detail, board))
    })
    .await?;
    match (detail, board) {
        (Some(detail), Some(board)) => Ok(std::sync::Arc::new(super::dashboard::TodayBoard {
            day,
            detail,
            board,
            page: Default::default(),
            json: Default::default(),
        })),
        _ => Err(AppError::NotFound),
    }
}
