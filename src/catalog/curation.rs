//! Curators' pages: dataset and distribution forms, publish and withdraw.
//! Every handler: CSRF (on POST) -> authorise -> validate -> one transaction
//! with its audit row -> 303, or the form again with its field errors (422).

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::editing::{DatasetForm, DistributionForm, distribution_input};
use super::model::{Concept, DatasetRecord, Publisher, terms};
use super::{datasets, store};
use crate::auth::{CurrentUser, Permission, authorize, csrf};
use crate::error::{AppError, AppResult, FieldError};
use crate::web::forms::Multi;
use crate::web::{Page, form_status, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/datasets/new", web::get().to(new_form))
        .route("/datasets/new", web::post().to(create))
        .route("/datasets/{slug}/edit", web::get().to(edit_form))
        .route("/datasets/{slug}/edit", web::post().to(update))
        .route(
            "/datasets/{slug}/distributions/new",
            web::get().to(new_distribution_form),
        )
        .route(
            "/datasets/{slug}/distributions/new",
            web::post().to(add_distribution),
        )
        .route(
            "/datasets/{slug}/distributions/{id}/edit",
            web::get().to(edit_distribution_form),
        )
        .route(
            "/datasets/{slug}/distributions/{id}/edit",
            web::post().to(update_distribution),
        )
        .route(
            "/datasets/{slug}/distributions/{id}/delete",
            web::post().to(delete_distribution),
        )
        .route("/datasets/{slug}/publish", web::post().to(publish))
        .route("/datasets/{slug}/withdraw", web::post().to(withdraw));
}

/// Publishers the user may act for, and the vocabularies the forms offer.
async fn choices(page: &Page, user: &CurrentUser) -> AppResult<(Vec<Publisher>, Vec<Concept>)> {
    let user = user.clone();
    crate::db::run(&page.state.pool, move |c| {
        Ok::<_, diesel::result::Error>((
            datasets::publishers_for(c, &user)?,
            store::concepts(c, None)?,
        ))
    })
    .await
}

fn errors_map(page: &Page, errors: &[FieldError]) -> HashMap<String, String> {
    errors
        .iter()
        // `terms.author_work` is the form's `author_work`.
        .map(|e| {
            let field = e.field.rsplit('.').next().unwrap_or(&e.field).to_string();
            (field, page.t(&e.message).to_string())
        })
        .collect()
}

async fn render_dataset_form(
    page: &Page,
    user: &CurrentUser,
    form: &DatasetForm,
    editing: Option<&str>,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let (publishers, concepts) = choices(page, user).await?;
    let by = |s: &str| {
        concepts
            .iter()
            .filter(|c| c.scheme == s)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut ctx = page.context();
    ctx.insert("form", form);
    ctx.insert("editing", &editing);
    ctx.insert("publishers", &publishers);
    ctx.insert("themes", &by("theme"));
    ctx.insert("eurovoc", &by("eurovoc"));
    ctx.insert("frequencies", &by("frequency"));
    ctx.insert("errors", &errors_map(page, errors));
    page.render_status(form_status(errors), "catalog/dataset_form.html", &ctx)
}

async fn new_form(page: Page) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let form = DatasetForm {
        spatial: "https://linked.cuzk.cz/resource/ruian/obec/562971".to_string(),
        ..DatasetForm::default()
    };
    render_dataset_form(&page, &user, &form, None, &[]).await
}

/// Validates and stores in one transaction; `Ok(Err(errors))` when the form
/// must be shown again.
async fn save(
    page: &Page,
    user: &CurrentUser,
    input: super::editing::DatasetInput,
    creating: bool,
) -> AppResult<Result<String, Vec<FieldError>>> {
    let user = user.clone();
    let state = page.state.clone();
    crate::db::run(&page.state.pool, move |c| {
        super::editing::save(c, &state.rdf, &user, &input, creating)
    })
    .await
}

async fn create(
    req: HttpRequest,
    page: Page,
    form: web::Form<Multi<DatasetForm>>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().into_inner();
    csrf::verify(&req, &form.csrf_token)?;
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    match save(&page, &user, form.to_input(Vec::new()), true).await? {
        Ok(slug) => Ok(see_other(&format!("/datasets/{slug}"))),
        Err(errors) => render_dataset_form(&page, &user, &form, None, &errors).await,
    }
}

/// The record and its publisher's slug, if the user may change it.
async fn editable(
    page: &Page,
    user: &CurrentUser,
    slug: String,
) -> AppResult<(DatasetRecord, String)> {
    let user = user.clone();
    crate::db::run(&page.state.pool, move |c| {
        let rec = super::editing::editable(c, &user, &slug)?;
        let publisher = store::publisher_by_id(c, &rec.dataset.publisher_id)?.slug;
        Ok::<_, AppError>((rec, publisher))
    })
    .await
}

async fn edit_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, publisher) = editable(&page, &user, slug.into_inner()).await?;
    let form = DatasetForm::from_record(&rec, &publisher);
    render_dataset_form(&page, &user, &form, Some(&rec.dataset.slug), &[]).await
}

async fn update(
    req: HttpRequest,
    page: Page,
    slug: web::Path<String>,
    form: web::Form<Multi<DatasetForm>>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner().into_inner();
    csrf::verify(&req, &form.csrf_token)?;
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, _) = editable(&page, &user, slug.into_inner()).await?;
    // The address never changes; the form does not offer it.
    form.slug = rec.dataset.slug.clone();
    let kept = rec.distributions.iter().map(distribution_input).collect();
    match save(&page, &user, form.to_input(kept), false).await? {
        Ok(slug) => Ok(see_other(&format!("/datasets/{slug}"))),
        Err(errors) => {
            render_dataset_form(&page, &user, &form, Some(&rec.dataset.slug), &errors).await
        }
    }
}

async fn render_distribution_form(
    page: &Page,
    user: &CurrentUser,
    slug: &str,
    editing: Option<&str>,
    form: &DistributionForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let (_, concepts) = choices(page, user).await?;
    let by = |s: &str| {
        concepts
            .iter()
            .filter(|c| c.scheme == s)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut ctx = page.context();
    ctx.insert("slug", slug);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("file_types", &by("file_type"));
    ctx.insert("licences", &by("licence"));
    ctx.insert(
        "tou",
        &serde_json::json!({
            "author_work": terms::NO_AUTHOR_WORK,
            "db_author_work": terms::NOT_AUTHOR_DATABASE,
            "db_sui_generis": terms::NO_SUI_GENERIS,
            "no_personal_data": terms::NO_PERSONAL_DATA,
            "personal_data": terms::PERSONAL_DATA,
        }),
    );
    ctx.insert("errors", &errors_map(page, errors));
    page.render_status(form_status(errors), "catalog/distribution_form.html", &ctx)
}

async fn new_distribution_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, _) = editable(&page, &user, slug.into_inner()).await?;
    let form = DistributionForm {
        author_work: terms::NO_AUTHOR_WORK.to_string(),
        db_author_work: terms::NOT_AUTHOR_DATABASE.to_string(),
        db_sui_generis: terms::NO_SUI_GENERIS.to_string(),
        personal_data: terms::NO_PERSONAL_DATA.to_string(),
        ..DistributionForm::default()
    };
    render_distribution_form(&page, &user, &rec.dataset.slug, None, &form, &[]).await
}

async fn add_distribution(
    req: HttpRequest,
    page: Page,
    slug: web::Path<String>,
    form: web::Form<DistributionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    csrf::verify(&req, &form.csrf_token)?;
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, publisher) = editable(&page, &user, slug.into_inner()).await?;
    let new = match form.to_input() {
        Ok(d) => d,
        Err(e) => {
            return render_distribution_form(&page, &user, &rec.dataset.slug, None, &form, &[e])
                .await;
        }
    };
    let mut distributions: Vec<_> = rec.distributions.iter().map(distribution_input).collect();
    let index = distributions.len();
    distributions.push(new);
    save_distributions(
        &page,
        &user,
        &rec,
        &publisher,
        distributions,
        index,
        None,
        &form,
    )
    .await
}

/// Saves the dataset with its distributions changed; field errors can only
/// be the changed distribution's, and come back on its form.
#[expect(
    clippy::too_many_arguments,
    reason = "one form, its dataset and where it sits"
)]
async fn save_distributions(
    page: &Page,
    user: &CurrentUser,
    rec: &DatasetRecord,
    publisher: &str,
    distributions: Vec<super::editing::DistributionInput>,
    index: usize,
    editing: Option<&str>,
    form: &DistributionForm,
) -> AppResult<HttpResponse> {
    let input = DatasetForm::from_record(rec, publisher).to_input(distributions);
    match save(page, user, input, false).await? {
        Ok(slug) => Ok(see_other(&format!("/datasets/{slug}"))),
        Err(errors) => {
            let prefix = format!("distributions[{index}].");
            let mine: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new(e.field.trim_start_matches(&prefix), &e.message))
                .collect();
            render_distribution_form(page, user, &rec.dataset.slug, editing, form, &mine).await
        }
    }
}

/// The dataset and the position of one of its distributions.
async fn distribution_of(
    page: &Page,
    user: &CurrentUser,
    slug: String,
    id: &str,
) -> AppResult<(DatasetRecord, String, usize)> {
    let (rec, publisher) = editable(page, user, slug).await?;
    let index = rec
        .distributions
        .iter()
        .position(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((rec, publisher, index))
}

async fn edit_distribution_form(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, _, index) = distribution_of(&page, &user, slug, &id).await?;
    let form = DistributionForm::from_distribution(&rec.distributions[index]);
    render_distribution_form(&page, &user, &rec.dataset.slug, Some(&id), &form, &[]).await
}

async fn update_distribution(
    req: HttpRequest,
    page: Page,
    path: web::Path<(String, String)>,
    form: web::Form<DistributionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    csrf::verify(&req, &form.csrf_token)?;
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, publisher, index) = distribution_of(&page, &user, slug, &id).await?;
    let mut changed = match form.to_input() {
        Ok(d) => d,
        Err(e) => {
            return render_distribution_form(
                &page,
                &user,
                &rec.dataset.slug,
                Some(&id),
                &form,
                &[e],
            )
            .await;
        }
    };
    changed.id = Some(id.clone());
    let mut distributions: Vec<_> = rec.distributions.iter().map(distribution_input).collect();
    distributions[index] = changed;
    save_distributions(
        &page,
        &user,
        &rec,
        &publisher,
        distributions,
        index,
        Some(&id),
        &form,
    )
    .await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf_token: String,
}

async fn delete_distribution(
    req: HttpRequest,
    page: Page,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfOnly>,
) -> AppResult<HttpResponse> {
    csrf::verify(&req, &form.csrf_token)?;
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, publisher, _) = distribution_of(&page, &user, slug, &id).await?;
    // The others keep their ids, so their IRIs do not move.
    let distributions: Vec<_> = rec
        .distributions
        .iter()
        .filter(|d| d.id != id)
        .map(distribution_input)
        .collect();
    let input = DatasetForm::from_record(&rec, &publisher).to_input(distributions);
    match save(&page, &user, input, false).await? {
        Ok(slug) => Ok(see_other(&format!("/datasets/{slug}"))),
        // Removing a distribution leaves nothing to get wrong.
        Err(errors) => Err(AppError::Validation(errors)),
    }
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf_token: String,
    #[serde(default)]
    reason: String,
}

async fn change_status(
    req: HttpRequest,
    page: Page,
    slug: String,
    form: StatusForm,
    status: &'static str,
) -> AppResult<HttpResponse> {
    csrf::verify(&req, &form.csrf_token)?;
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let reason = (status == "withdrawn").then_some(form.reason);
    let state = page.state.clone();
    let saved = crate::db::run(&page.state.pool, move |c| {
        super::editing::set_status(c, &state.rdf, &user, &slug, status, reason)
    })
    .await?;
    Ok(see_other(&format!("/datasets/{}", saved.dataset.slug)))
}

async fn publish(
    req: HttpRequest,
    page: Page,
    slug: web::Path<String>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    change_status(req, page, slug.into_inner(), form.into_inner(), "published").await
}

async fn withdraw(
    req: HttpRequest,
    page: Page,
    slug: web::Path<String>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    change_status(req, page, slug.into_inner(), form.into_inner(), "withdrawn").await
}
