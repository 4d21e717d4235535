//! Curators' pages: dataset and distribution forms, lifecycle moves, the
//! deletion of a draft. Thin handlers over `service`: parse the form, call,
//! then 303, the form again with its field errors (422), or the form again
//! with what changed meanwhile (409) when it started from an older version.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::forms::{DatasetForm, DistributionForm, distribution_input};
use super::input::{DatasetInput, DistributionInput};
use super::model::{Concept, DatasetRecord, DatasetStatus, Publisher, terms};
use super::service::{self, Mode};
use super::store;
use crate::auth::{CurrentUser, Permission, authorize};
use crate::error::{AppError, AppResult, FieldError};
use crate::lifecycle::TransitionInput;
use crate::web::forms::Form;
use crate::web::{Page, form_status};

/// Publishers the user may act for, and the vocabularies the forms offer.
pub(crate) async fn choices(
    page: &Page,
    user: &CurrentUser,
) -> AppResult<(Vec<Publisher>, Vec<Concept>)> {
    let user = user.clone();
    crate::db::run(&page.state.pool, move |c| {
        Ok::<_, diesel::result::Error>((
            store::publishers_for(c, &user)?,
            store::concepts(c, None)?,
        ))
    })
    .await
    .map_err(crate::error::AppError::from)
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

/// What changed since `version`, for a form shown again at 409: when, and
/// which fields.
pub(crate) async fn changed_since(
    page: &Page,
    id: String,
    version: i64,
) -> AppResult<Vec<serde_json::Value>> {
    let rows = crate::db::run(&page.state.pool, move |c| {
        crate::audit::store::changes_since(c, "dataset", &id, version)
    })
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": crate::web::local_time(&r.at),
                "fields": crate::audit::store::changed_fields(r),
            })
        })
        .collect())
}

/// A form the curator fills in: its values, its field errors, and when it
/// started from an older version, what changed meanwhile.
struct Shown<'a, F> {
    form: &'a F,
    editing: Option<&'a str>,
    errors: &'a [FieldError],
    changed: Option<Vec<serde_json::Value>>,
}

impl<F> Shown<'_, F> {
    fn status(&self) -> actix_web::http::StatusCode {
        if self.changed.is_some() {
            actix_web::http::StatusCode::CONFLICT
        } else {
            form_status(self.errors)
        }
    }
}

async fn render_dataset_form(
    page: &Page,
    user: &CurrentUser,
    shown: Shown<'_, DatasetForm>,
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
    ctx.insert("form", shown.form);
    ctx.insert("editing", &shown.editing);
    ctx.insert("publishers", &publishers);
    ctx.insert("themes", &by("theme"));
    ctx.insert("eurovoc", &by("eurovoc"));
    ctx.insert("frequencies", &by("frequency"));
    ctx.insert("errors", &errors_map(page, shown.errors));
    ctx.insert("changed", &shown.changed);
    page.render_status(shown.status(), "catalog/dataset_form.html", &ctx)
}

pub(crate) async fn new_form(page: Page) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let form = DatasetForm {
        spatial: "https://linked.cuzk.cz/resource/ruian/obec/562971".to_string(),
        ..DatasetForm::default()
    };
    let shown = Shown {
        form: &form,
        editing: None,
        errors: &[],
        changed: None,
    };
    render_dataset_form(&page, &user, shown).await
}

/// What a save ended in, for a form handler.
enum Outcome {
    Saved(String),
    Invalid(Vec<FieldError>),
    /// Started from an older version; the changes since it.
    Stale(Vec<serde_json::Value>),
}

/// Validates and stores in one transaction.
async fn save(
    page: &Page,
    user: &CurrentUser,
    input: DatasetInput,
    mode: Mode,
    stale_from: Option<(String, i64)>,
) -> AppResult<Outcome> {
    let user = user.clone();
    let state = page.state.clone();
    let saved = crate::db::run(&page.state.pool, move |c| {
        service::save(c, &state.views, &user, &input, mode)
    })
    .await
    .map_err(AppError::from);
    match saved {
        Ok(Ok(saved)) => Ok(Outcome::Saved(saved.slug)),
        Ok(Err(errors)) => Ok(Outcome::Invalid(errors)),
        Err(AppError::Stale) => {
            let (id, version) = stale_from.ok_or(AppError::Stale)?;
            Ok(Outcome::Stale(changed_since(page, id, version).await?))
        }
        Err(e) => Err(e),
    }
}

/// The version a form says it started from: none when the field is empty
/// (a client that does not track versions, like an API call without
/// `If-Match`), and a value that is not a version can only be stale.
fn form_version(v: &str) -> Option<i64> {
    match v.trim() {
        "" => None,
        v => Some(v.parse().unwrap_or(-1)),
    }
}

pub(crate) async fn create(page: Page, form: Form<DatasetForm>) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let shown = |errors| Shown {
        form: &form,
        editing: None,
        errors,
        changed: None,
    };
    match save(&page, &user, form.to_input(Vec::new()), Mode::Create, None).await? {
        Outcome::Saved(slug) => {
            Ok(page.see_other_saying(&format!("/datasets/{slug}"), "flash_created"))
        }
        Outcome::Invalid(errors) => render_dataset_form(&page, &user, shown(&errors)).await,
        Outcome::Stale(_) => Err(AppError::Stale),
    }
}

/// The record, its version and its publisher's slug, if the user may
/// change it.
pub(crate) async fn editable(
    page: &Page,
    user: &CurrentUser,
    slug: String,
) -> AppResult<(DatasetRecord, i64, String)> {
    let user = user.clone();
    crate::db::run(&page.state.pool, move |c| {
        let (rec, version) = service::editable(c, &user, &slug)?;
        let publisher = store::publisher_by_id(c, &rec.dataset.publisher_id)?.slug;
        Ok::<_, AppError>((rec, version, publisher))
    })
    .await
    .map_err(crate::error::AppError::from)
}

pub(crate) async fn edit_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, version, publisher) = editable(&page, &user, slug.into_inner()).await?;
    let mut form = DatasetForm::from_record(&rec, &publisher);
    form.version = version.to_string();
    let shown = Shown {
        form: &form,
        editing: Some(&rec.dataset.slug),
        errors: &[],
        changed: None,
    };
    render_dataset_form(&page, &user, shown).await
}

pub(crate) async fn update(
    page: Page,
    slug: web::Path<String>,
    form: Form<DatasetForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, current, _) = editable(&page, &user, slug.into_inner()).await?;
    // The address never changes; the form does not offer it.
    form.slug = rec.dataset.slug.clone();
    let version = form_version(&form.version);
    let kept = own(&rec).map(distribution_input).collect();
    let mode = Mode::Update { version };
    let stale_from = version.map(|v| (rec.dataset.id.clone(), v));
    let outcome = save(&page, &user, form.to_input(kept), mode, stale_from).await?;
    let (errors, changed) = match outcome {
        Outcome::Saved(slug) => {
            return Ok(page.see_other_saying(&format!("/datasets/{slug}"), "flash_saved"));
        }
        Outcome::Invalid(errors) => (errors, None),
        Outcome::Stale(changed) => {
            // Saving again from here overwrites what is shown as changed:
            // the curator has now seen it.
            form.version = current.to_string();
            (Vec::new(), Some(changed))
        }
    };
    let shown = Shown {
        form: &form,
        editing: Some(&rec.dataset.slug),
        errors: &errors,
        changed,
    };
    render_dataset_form(&page, &user, shown).await
}

async fn render_distribution_form(
    page: &Page,
    user: &CurrentUser,
    slug: &str,
    shown: Shown<'_, DistributionForm>,
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
    ctx.insert("editing", &shown.editing);
    ctx.insert("form", shown.form);
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
    ctx.insert("errors", &errors_map(page, shown.errors));
    ctx.insert("changed", &shown.changed);
    page.render_status(shown.status(), "catalog/distribution_form.html", &ctx)
}

pub(crate) async fn new_distribution_form(
    page: Page,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, version, _) = editable(&page, &user, slug.into_inner()).await?;
    let form = DistributionForm {
        author_work: terms::NO_AUTHOR_WORK.to_string(),
        db_author_work: terms::NOT_AUTHOR_DATABASE.to_string(),
        db_sui_generis: terms::NO_SUI_GENERIS.to_string(),
        personal_data: terms::NO_PERSONAL_DATA.to_string(),
        version: version.to_string(),
        ..DistributionForm::default()
    };
    let shown = Shown {
        form: &form,
        editing: None,
        errors: &[],
        changed: None,
    };
    render_distribution_form(&page, &user, &rec.dataset.slug, shown).await
}

pub(crate) async fn add_distribution(
    page: Page,
    slug: web::Path<String>,
    form: Form<DistributionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, current, publisher) = editable(&page, &user, slug.into_inner()).await?;
    let new = match form.to_input() {
        Ok(d) => d,
        Err(e) => {
            let shown = Shown {
                form: &form,
                editing: None,
                errors: &[e],
                changed: None,
            };
            return render_distribution_form(&page, &user, &rec.dataset.slug, shown).await;
        }
    };
    let mut distributions: Vec<_> = own(&rec).map(distribution_input).collect();
    let index = distributions.len();
    distributions.push(new);
    let target = Target {
        rec: &rec,
        publisher: &publisher,
        current,
        index,
        editing: None,
    };
    save_distributions(&page, &user, target, distributions, form).await
}

/// The dataset a distribution form changes, and where in it.
struct Target<'a> {
    rec: &'a DatasetRecord,
    publisher: &'a str,
    /// The dataset's version now.
    current: i64,
    index: usize,
    editing: Option<&'a str>,
}

/// Saves the dataset with its distributions changed, from the version the
/// form started from; field errors can only be the changed distribution's,
/// and come back on its form.
async fn save_distributions(
    page: &Page,
    user: &CurrentUser,
    target: Target<'_>,
    distributions: Vec<DistributionInput>,
    mut form: DistributionForm,
) -> AppResult<HttpResponse> {
    let rec = target.rec;
    let input = DatasetForm::from_record(rec, target.publisher).to_input(distributions);
    let version = form_version(&form.version);
    let mode = Mode::Update { version };
    let stale_from = version.map(|v| (rec.dataset.id.clone(), v));
    let (errors, changed) = match save(page, user, input, mode, stale_from).await? {
        Outcome::Saved(slug) => {
            return Ok(
                page.see_other_saying(&format!("/datasets/{slug}"), "flash_distribution_saved")
            );
        }
        Outcome::Invalid(errors) => {
            let prefix = format!("distributions[{}].", target.index);
            let mine: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new(e.field.trim_start_matches(&prefix), &e.message))
                .collect();
            (mine, None)
        }
        Outcome::Stale(changed) => {
            form.version = target.current.to_string();
            (Vec::new(), Some(changed))
        }
    };
    let shown = Shown {
        form: &form,
        editing: target.editing,
        errors: &errors,
        changed,
    };
    render_distribution_form(page, user, &rec.dataset.slug, shown).await
}

/// The dataset, its version, its publisher and the position of one of its
/// distributions.
pub(crate) async fn distribution_of(
    page: &Page,
    user: &CurrentUser,
    slug: String,
    id: &str,
) -> AppResult<(DatasetRecord, i64, String, usize)> {
    let (rec, version, publisher) = editable(page, user, slug).await?;
    let found = rec
        .distributions
        .iter()
        .find(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    if found.is_managed() {
        return Err(AppError::Conflict(
            page.t("distribution_managed").to_string(),
        ));
    }
    let index = own(&rec)
        .position(|d| d.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((rec, version, publisher, index))
}

/// The curator's own links, in order: the forms edit these; the
/// distributions the system manages are kept by the write path.
fn own(rec: &DatasetRecord) -> impl Iterator<Item = &super::model::Distribution> {
    rec.distributions.iter().filter(|d| !d.is_managed())
}

pub(crate) async fn edit_distribution_form(
    page: Page,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, version, _, index) = distribution_of(&page, &user, slug, &id).await?;
    let current = own(&rec).nth(index).ok_or(AppError::NotFound)?;
    let mut form = DistributionForm::from_distribution(current);
    form.version = version.to_string();
    let shown = Shown {
        form: &form,
        editing: Some(&id),
        errors: &[],
        changed: None,
    };
    render_distribution_form(&page, &user, &rec.dataset.slug, shown).await
}

pub(crate) async fn update_distribution(
    page: Page,
    path: web::Path<(String, String)>,
    form: Form<DistributionForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, current, publisher, index) = distribution_of(&page, &user, slug, &id).await?;
    let mut changed = match form.to_input() {
        Ok(d) => d,
        Err(e) => {
            let shown = Shown {
                form: &form,
                editing: Some(&id),
                errors: &[e],
                changed: None,
            };
            return render_distribution_form(&page, &user, &rec.dataset.slug, shown).await;
        }
    };
    changed.id = Some(id.clone());
    let mut distributions: Vec<_> = own(&rec).map(distribution_input).collect();
    distributions[index] = changed;
    let target = Target {
        rec: &rec,
        publisher: &publisher,
        current,
        index,
        editing: Some(&id),
    };
    save_distributions(&page, &user, target, distributions, form).await
}

/// A form that only says which version it acts on (deletions).
#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

pub(crate) async fn delete_distribution(
    page: Page,
    path: web::Path<(String, String)>,
    form: Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let (slug, id) = path.into_inner();
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let (rec, _, publisher, _) = distribution_of(&page, &user, slug, &id).await?;
    // The others keep their ids, so their IRIs do not move.
    let distributions: Vec<_> = own(&rec)
        .filter(|d| d.id != id)
        .map(distribution_input)
        .collect();
    let input = DatasetForm::from_record(&rec, &publisher).to_input(distributions);
    let mode = Mode::Update {
        version: form_version(&form.version),
    };
    match save(&page, &user, input, mode, None).await? {
        Outcome::Saved(slug) => {
            Ok(page.see_other_saying(&format!("/datasets/{slug}"), "flash_distribution_deleted"))
        }
        // Removing a distribution leaves nothing to get wrong.
        Outcome::Invalid(errors) => Err(AppError::Validation(errors)),
        Outcome::Stale(_) => Err(AppError::Stale),
    }
}

/// A lifecycle move from the dataset page: the target state, the reason
/// (a withdrawal's), the version the page showed.
#[derive(Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: String,
}

pub(crate) async fn move_dataset(
    page: Page,
    slug: String,
    form: TransitionForm,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let state = page.state.clone();
    let step = TransitionInput {
        to: form.to,
        reason: Some(form.reason),
    };
    let version = form_version(&form.version);
    let saved = crate::db::run(&page.state.pool, move |c| {
        service::transition(c, &state.views, &user, &slug, &step, version)
    })
    .await?;
    let said = match saved.dataset.status {
        DatasetStatus::Published => "flash_published",
        DatasetStatus::Withdrawn => "flash_withdrawn",
        DatasetStatus::Draft => "flash_saved",
    };
    Ok(page.see_other_saying(&format!("/datasets/{}", saved.dataset.slug), said))
}

pub(crate) async fn transition(
    page: Page,
    slug: web::Path<String>,
    form: Form<TransitionForm>,
) -> AppResult<HttpResponse> {
    move_dataset(page, slug.into_inner(), form.into_inner()).await
}

/// Alias of `transition` to `published`.
pub(crate) async fn publish(
    page: Page,
    slug: web::Path<String>,
    form: Form<TransitionForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    form.to = "published".into();
    move_dataset(page, slug.into_inner(), form).await
}

/// Alias of `transition` to `withdrawn`.
pub(crate) async fn withdraw(
    page: Page,
    slug: web::Path<String>,
    form: Form<TransitionForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    form.to = "withdrawn".into();
    move_dataset(page, slug.into_inner(), form).await
}

pub(crate) async fn unmark_example(
    page: Page,
    slug: web::Path<String>,
    form: Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let state = page.state.clone();
    let slug = slug.into_inner();
    let version = form_version(&form.version);
    let saved = crate::db::run(&page.state.pool, move |c| {
        service::unmark_example(c, &state.views, &user, &slug, version)
    })
    .await?;
    Ok(page.see_other_saying(
        &format!("/datasets/{}", saved.dataset.slug),
        "flash_unmarked",
    ))
}

pub(crate) async fn delete_draft(
    page: Page,
    slug: web::Path<String>,
    form: Form<VersionForm>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::EditCatalog)?.clone();
    let state = page.state.clone();
    let slug = slug.into_inner();
    let version = form_version(&form.version);
    crate::db::run(&page.state.pool, move |c| {
        service::delete_draft(c, &state.views, &user, &slug, version)
    })
    .await?;
    Ok(page.see_other_saying("/datasets", "flash_deleted"))
}
