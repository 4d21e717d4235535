//! The admin's pages for publishers: create one (name, kind, IČO, RPP IRI,
//! homepage, contact), edit it, and choose the curators who act for it.
//! Every change goes through the audited store, and the RDF projection and
//! the list follow it as they follow any catalog change.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::model::{PUBLISHER_KINDS, Publisher, Slug};
use super::store;
use crate::auth::{Permission, Role, authorize};
use crate::error::{AppError, AppResult, FieldError};
use crate::web::Page;
use crate::web::forms::Form;

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
pub struct PublisherForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name_cs: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ico: String,
    #[serde(default)]
    rpp_iri: String,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    email: String,
    /// Ids of the users who curate for it (edit form only).
    #[serde(default)]
    curators: Vec<String>,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn web_url(s: &str, https_only: bool) -> bool {
    url::Url::parse(s).is_ok_and(|u| {
        u.host().is_some() && (u.scheme() == "https" || (!https_only && u.scheme() == "http"))
    })
}

impl PublisherForm {
    fn of(p: &Publisher, curators: Vec<String>) -> PublisherForm {
        PublisherForm {
            slug: p.slug.clone(),
            name_cs: p.name_cs.clone(),
            name_en: p.name_en.clone().unwrap_or_default(),
            kind: p.kind.clone(),
            ico: p.ico.clone().unwrap_or_default(),
            rpp_iri: p.rpp_iri.clone().unwrap_or_default(),
            homepage: p.homepage.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            curators,
        }
    }

    /// The publisher the form describes, or its field errors.
    fn to_publisher(&self, existing: Option<&Publisher>) -> Result<Publisher, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut bad = |f: &str, key: &str| errors.push(FieldError::new(f, key));
        let slug = match existing {
            Some(p) => p.slug.clone(),
            None => match Slug::parse(self.slug.trim()) {
                Some(s) => s.as_str().to_string(),
                None => {
                    bad("slug", "dataset_slug_invalid");
                    String::new()
                }
            },
        };
        let name_cs = self.name_cs.trim();
        if name_cs.is_empty() || name_cs.chars().count() > 300 {
            bad("name_cs", "publisher_name_required");
        }
        if self.name_en.trim().chars().count() > 300 {
            bad("name_en", "field_too_long");
        }
        if !PUBLISHER_KINDS.contains(&self.kind.as_str()) {
            bad("kind", "publisher_kind_unknown");
        }
        let ico = some(&self.ico);
        if ico.as_deref().is_some_and(|i| !super::seed::valid_ico(i)) {
            bad("ico", "publisher_ico_invalid");
        }
        let rpp_iri = some(&self.rpp_iri);
        if rpp_iri
            .as_deref()
            .is_some_and(|u| !web_url(u, true) || u.len() > 500)
        {
            bad("rpp_iri", "url_https_required");
        }
        let homepage = some(&self.homepage);
        if homepage
            .as_deref()
            .is_some_and(|u| !web_url(u, false) || u.len() > 500)
        {
            bad("homepage", "url_invalid");
        }
        let email = some(&self.email).map(|e| e.to_lowercase());
        if email
            .as_deref()
            .is_some_and(|e| !crate::auth::store::valid_email(e))
        {
            bad("email", "user_email_invalid");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Publisher {
            id: existing
                .map(|p| p.id.clone())
                .unwrap_or_else(crate::db::new_id),
            slug,
            name_cs: name_cs.to_string(),
            name_en: some(&self.name_en),
            kind: self.kind.clone(),
            ico,
            rpp_iri,
            homepage,
            email,
            position: existing.map(|p| p.position).unwrap_or(1000),
        })
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn render(
    page: &Page,
    editing: Option<&Publisher>,
    form: &PublisherForm,
    errors: &[FieldError],
) -> AppResult<HttpResponse> {
    let (publishers, curators) = crate::db::run(&page.state.pool, |c| {
        let publishers = store::list_publishers(c)?;
        // Anyone with the curator role may be chosen.
        let curators: Vec<Choice> = crate::auth::store::list_users(c)?
            .into_iter()
            .filter(|u| u.active && u.roles.contains(&Role::Curator))
            .map(|u| Choice {
                label: format!("{} ({})", u.display_name, u.email),
                value: u.id,
            })
            .collect();
        Ok::<_, AppError>((publishers, curators))
    })
    .await?;
    let kinds: Vec<Choice> = PUBLISHER_KINDS
        .iter()
        .map(|k| Choice {
            value: k.to_string(),
            label: page.t(&format!("publisher_kind_{k}")).to_string(),
        })
        .collect();
    let mut ctx = page.context();
    ctx.insert("publishers", &publishers);
    ctx.insert("editing", &editing);
    ctx.insert("form", form);
    ctx.insert("kinds", &kinds);
    ctx.insert("curator_choices", &curators);
    let map: std::collections::HashMap<&str, &str> = errors
        .iter()
        .map(|e| (e.field.as_str(), page.t(&e.message)))
        .collect();
    ctx.insert("errors", &map);
    let template = if editing.is_some() {
        "catalog/publisher_edit.html"
    } else {
        "catalog/publishers_admin.html"
    };
    page.render_status(crate::web::form_status(errors), template, &ctx)
}

pub(crate) async fn list(page: Page) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ManagePublishers)?;
    let form = PublisherForm {
        kind: "contributory_organisation".into(),
        ..Default::default()
    };
    render(&page, None, &form, &[]).await
}

pub(crate) async fn create(page: Page, form: Form<PublisherForm>) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManagePublishers)?.clone();
    let form = form.into_inner();
    let p = match form.to_publisher(None) {
        Ok(p) => p,
        Err(errors) => return render(&page, None, &form, &errors).await,
    };
    let slug = p.slug.clone();
    let state = page.state.clone();
    let created = crate::db::run(&page.state.pool, move |c| {
        if store::publisher_by_slug(c, &p.slug)?.is_some() {
            return Ok::<_, AppError>(false);
        }
        crate::audit::write_tx(c, |c| store::upsert_publisher(c, &user.actor(), &p))?;
        state.views.after_commit(c, &["publisher"]);
        Ok(true)
    })
    .await?;
    if !created {
        let errors = [FieldError::new("slug", "publisher_slug_taken")];
        return render(&page, None, &form, &errors).await;
    }
    Ok(page.see_other_saying(&format!("/admin/publishers/{slug}"), "flash_saved"))
}

async fn load(page: &Page, slug: String) -> AppResult<(Publisher, Vec<String>)> {
    crate::db::run(&page.state.pool, move |c| {
        let p = store::publisher_by_slug(c, &slug)?.ok_or(AppError::NotFound)?;
        let curators = crate::auth::store::curators_of(c, &p.id)?;
        Ok::<_, AppError>((p, curators))
    })
    .await
    .map_err(AppError::from)
}

pub(crate) async fn edit_form(page: Page, slug: web::Path<String>) -> AppResult<HttpResponse> {
    authorize(&page.identity, Permission::ManagePublishers)?;
    let (p, curators) = load(&page, slug.into_inner()).await?;
    render(&page, Some(&p), &PublisherForm::of(&p, curators), &[]).await
}

pub(crate) async fn update(
    page: Page,
    slug: web::Path<String>,
    form: Form<PublisherForm>,
) -> AppResult<HttpResponse> {
    let user = authorize(&page.identity, Permission::ManagePublishers)?.clone();
    let (old, _) = load(&page, slug.into_inner()).await?;
    let form = form.into_inner();
    let p = match form.to_publisher(Some(&old)) {
        Ok(p) => p,
        Err(errors) => return render(&page, Some(&old), &form, &errors).await,
    };
    let curators = form.curators.clone();
    let state = page.state.clone();
    let bad_curator = crate::db::run(&page.state.pool, move |c| {
        // Only curators may be chosen; an unknown id is a form error.
        let allowed: Vec<String> = crate::auth::store::list_users(c)?
            .into_iter()
            .filter(|u| u.roles.contains(&Role::Curator))
            .map(|u| u.id)
            .collect();
        if curators.iter().any(|id| !allowed.contains(id)) {
            return Ok::<_, AppError>(true);
        }
        crate::audit::write_tx(c, |c| {
            store::upsert_publisher(c, &user.actor(), &p)?;
            crate::auth::store::set_curators_of(c, &user.actor(), &p.id, &curators)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
        })?;
        state.views.after_commit(c, &["publisher"]);
        Ok(false)
    })
    .await?;
    if bad_curator {
        let errors = [FieldError::new("curators", "publisher_curator_unknown")];
        return render(&page, Some(&old), &form, &errors).await;
    }
    Ok(page.see_other_saying(&format!("/admin/publishers/{}", old.slug), "flash_saved"))
}
