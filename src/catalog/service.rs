//! The catalog's write path, for the forms and the API alike: authorise
//! with the catalog's policy -> validate (`input`) -> one transaction with
//! its audit row (`audit::write_tx`) -> the registered views catch up
//! (`Views::after_commit`; the catalog does not know which there are). The
//! handlers (`routes`, `curation`) only parse and render; nothing else
//! writes a dataset.

use super::input::{DatasetInput, validate};
use super::model::{DATASET_LIFECYCLE, DatasetRecord, DatasetStatus, Slug};
use super::store;
use crate::audit::follow::Views;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};
use crate::lifecycle::{State, TransitionInput};

/// Who may change which dataset: an admin any, a curator those of the
/// publishers assigned to them, nobody a harvested one (its source owns it).
pub struct Policy;

impl Policy {
    /// A dataset whose data `user` may read: a published one for
    /// everyone, a draft or a withdrawn one for its publisher's curators;
    /// a withdrawn one is gone (410, with the reason) for the rest, a
    /// draft not found.
    pub fn readable(
        conn: &mut DbConnection,
        user: Option<&CurrentUser>,
        rec: DatasetRecord,
    ) -> Result<DatasetRecord, AppError> {
        if rec.dataset.status == DatasetStatus::Published {
            return Ok(rec);
        }
        let curator = match user {
            Some(u) => Self::may_act_for(conn, u, &rec.dataset.publisher_id)?,
            None => false,
        };
        match rec.dataset.status {
            _ if curator => Ok(rec),
            DatasetStatus::Withdrawn => Err(AppError::Gone(
                rec.dataset
                    .withdrawn_reason
                    .clone()
                    .unwrap_or_else(|| rec.dataset.title_cs.clone()),
            )),
            _ => Err(AppError::NotFound),
        }
    }

    /// Whether `user` may act for `publisher_id` (one query).
    pub fn may_act_for(
        conn: &mut DbConnection,
        user: &CurrentUser,
        publisher_id: &str,
    ) -> diesel::QueryResult<bool> {
        if user.has(Role::Admin) {
            return Ok(true);
        }
        if !user.has(Role::Curator) {
            return Ok(false);
        }
        store::is_assigned(conn, &user.id, publisher_id)
    }

    /// The same answer without failing, for a page that offers the edit
    /// buttons: any error means no.
    pub fn allows(
        conn: &mut DbConnection,
        user: Option<&CurrentUser>,
        rec: &DatasetRecord,
    ) -> bool {
        user.is_some_and(|u| {
            !rec.dataset.is_harvested()
                && Self::may_act_for(conn, u, &rec.dataset.publisher_id).unwrap_or(false)
        })
    }
}

/// Creating a dataset, or changing one from a known version.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Create,
    /// `version` is the audit sequence number of the change the editor
    /// started from (a form's hidden field, an `If-Match`); `None` when the
    /// client does not say (API without `If-Match`).
    Update {
        version: Option<i64>,
    },
}

/// What a save returns: the record's slug and its new version.
#[derive(Debug, Clone)]
pub struct Saved {
    pub slug: String,
    pub version: i64,
}

/// The one write path for a curator's dataset: the right to act for the
/// publisher (old and new), the slug (free when creating, existing when
/// editing), the version, every field; an edit keeps the status, the
/// example mark and what a harvest set. `Ok(Err(errors))` are field
/// errors; a stale version is `AppError::Stale`; nothing was stored.
pub fn save(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    input: &DatasetInput,
    mode: Mode,
) -> Result<Result<Saved, Vec<FieldError>>, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        // A new dataset without a slug takes one made of its title (the form
        // suggests it as the title is typed; this is the same without script).
        let derived;
        let input = match (mode, input.slug.trim().is_empty()) {
            (Mode::Create, true) => match Slug::from_title(&input.title_cs) {
                Some(base) => {
                    derived = DatasetInput {
                        slug: free_slug(c, base.as_str())?,
                        ..input.clone()
                    };
                    &derived
                }
                None => input,
            },
            _ => input,
        };
        let publisher = store::publisher_by_slug(c, input.publisher.trim())?;
        if let Some(p) = &publisher
            && !Policy::may_act_for(c, user, &p.id)?
        {
            return Err(AppError::Forbidden);
        }
        let existing = store::record_by_slug(c, input.slug.trim())?;
        match (&existing, mode) {
            (Some(_), Mode::Create) => {
                return Ok(Err(vec![FieldError::new("slug", "dataset_slug_taken")]));
            }
            (Some(old), Mode::Update { version }) => {
                check_may_edit(c, user, old)?;
                check_version(c, old, version)?;
            }
            (None, Mode::Update { .. }) => return Err(AppError::NotFound),
            (None, Mode::Create) => {}
        }
        let concepts = store::concepts(c, None)?;
        let mut rec = match validate(input, publisher.as_ref().map(|p| p.id.as_str()), &concepts) {
            Ok(rec) => rec,
            Err(errors) => return Ok(Err(errors)),
        };
        if let Some(old) = existing {
            // The input holds the curator's own links; the distributions the
            // system manages stay as they are, and only their own actions
            // change them.
            let managed: Vec<_> = old
                .distributions
                .iter()
                .filter(|d| d.is_managed())
                .cloned()
                .collect();
            let claims_managed = input.distributions.iter().position(|d| {
                d.id.as_ref()
                    .is_some_and(|id| managed.iter().any(|m| &m.id == id))
            });
            if let Some(i) = claims_managed {
                return Ok(Err(vec![FieldError::new(
                    &format!("distributions[{i}].id"),
                    "distribution_managed",
                )]));
            }
            rec.distributions.extend(managed);
            rec.dataset.status = old.dataset.status;
            rec.dataset.withdrawn_reason = old.dataset.withdrawn_reason;
            rec.dataset.is_example = old.dataset.is_example;
            rec.dataset.origin_iri = old.dataset.origin_iri;
            rec.dataset.harvest_source_id = old.dataset.harvest_source_id;
        }
        let id = store::save_record(c, &actor, &rec, None)?;
        Ok(Ok(Saved {
            slug: rec.dataset.slug,
            version: store::version(c, &id)?,
        }))
    })?;
    views.after_commit(conn, &["dataset"]);
    Ok(saved)
}

/// `base`, or `base-2`, `base-3`, … whichever no dataset has yet.
fn free_slug(conn: &mut DbConnection, base: &str) -> diesel::QueryResult<String> {
    let mut candidate = base.to_string();
    let mut n = 1;
    while store::record_by_slug(conn, &candidate)?.is_some() {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

fn check_may_edit(
    conn: &mut DbConnection,
    user: &CurrentUser,
    rec: &DatasetRecord,
) -> Result<(), AppError> {
    if !Policy::may_act_for(conn, user, &rec.dataset.publisher_id)? {
        return Err(AppError::Forbidden);
    }
    if rec.dataset.is_harvested() {
        return Err(AppError::Conflict(
            "harvested from another catalog: change it at its source".into(),
        ));
    }
    Ok(())
}

/// A stale edit is refused, never merged: the editor sees what changed.
fn check_version(
    conn: &mut DbConnection,
    rec: &DatasetRecord,
    version: Option<i64>,
) -> Result<(), AppError> {
    match version {
        Some(v) if v != store::version(conn, &rec.dataset.id)? => Err(AppError::Stale),
        _ => Ok(()),
    }
}

/// A dataset the user may change, whatever its status, with its version.
pub fn editable(
    conn: &mut DbConnection,
    user: &CurrentUser,
    slug: &str,
) -> Result<(DatasetRecord, i64), AppError> {
    let rec = store::record_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    check_may_edit(conn, user, &rec)?;
    let version = store::version(conn, &rec.dataset.id)?;
    Ok((rec, version))
}

/// Moves a dataset along `DATASET_LIFECYCLE` (publish, withdraw with its
/// reason, publish again), audited as a transition with its reason.
pub fn transition(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    slug: &str,
    step: &TransitionInput,
    version: Option<i64>,
) -> Result<DatasetRecord, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let (mut rec, _) = editable(c, user, slug)?;
        check_version(c, &rec, version)?;
        let (to, moved) =
            DATASET_LIFECYCLE.check(user, rec.dataset.status, &step.to, step.reason.as_deref())?;
        rec.dataset.status = to;
        rec.dataset.withdrawn_reason = match to {
            DatasetStatus::Withdrawn => moved.reason.clone(),
            _ => None,
        };
        store::save_record(c, &actor, &rec, Some(&moved))?;
        store::record_by_slug(c, slug)?.ok_or(AppError::NotFound)
    })?;
    views.after_commit(conn, &["dataset"]);
    Ok(saved)
}

/// Takes the seed's "example" mark off a dataset that has real data now: a
/// curator may once it has a distribution (a link or a file), never before,
/// so the catalog does not claim data it does not hold.
pub fn unmark_example(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    slug: &str,
    version: Option<i64>,
) -> Result<DatasetRecord, AppError> {
    let actor = user.actor();
    let saved = crate::audit::write_tx(conn, |c| {
        let (mut rec, _) = editable(c, user, slug)?;
        check_version(c, &rec, version)?;
        if !rec.dataset.is_example {
            return Err(AppError::Conflict("not marked as an example".into()));
        }
        if rec.distributions.iter().all(|d| d.is_example_data()) {
            return Err(AppError::Conflict(
                "an example without distributions of real data holds no data yet".into(),
            ));
        }
        rec.dataset.is_example = false;
        store::save_record(c, &actor, &rec, None)?;
        store::record_by_slug(c, slug)?.ok_or(AppError::NotFound)
    })?;
    views.after_commit(conn, &["dataset"]);
    Ok(saved)
}

/// Deletes a draft that was never published (there is nothing public to
/// withdraw), audited with the whole record. A dataset that was ever out is
/// withdrawn instead: the refusal names the moves it has.
pub fn delete_draft(
    conn: &mut DbConnection,
    views: &Views,
    user: &CurrentUser,
    slug: &str,
    version: Option<i64>,
) -> Result<(), AppError> {
    let actor = user.actor();
    crate::audit::write_tx(conn, |c| {
        let (rec, _) = editable(c, user, slug)?;
        check_version(c, &rec, version)?;
        if rec.dataset.was_published() {
            return Err(AppError::Transition {
                from: rec.dataset.status.as_str(),
                to: "deleted".into(),
                allowed: DATASET_LIFECYCLE
                    .next(rec.dataset.status, &user.roles)
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
            });
        }
        store::delete_record(c, &actor, &rec)?;
        Ok::<_, AppError>(())
    })?;
    views.after_commit(conn, &["dataset"]);
    Ok(())
}
