//! The files domain's write path: a file distribution is created, or gets a
//! new version, in this order: the curator's right to change the dataset
//! (before the body is read), the body streamed to a temp file, the file
//! checked (a table's every row), the file moved into place, a tabular
//! file imported into a table of its own, and then one transaction that
//! writes the distribution, the version and the table's row with the
//! dataset's audit row. Whatever fails before the commit leaves nothing
//! anyone can see; the old version stays as it was.

use encoding_rs::Encoding;

use super::model::{FileVersion, Kind, MANAGED_BY, Tabular, is_stored_file};
use super::storage::{Storage, TempFile};
use super::store::{self, DataTable};
use super::table::{self, CsvFormat, Scanned};
use super::xlsx;
use crate::audit::follow::Views;
use crate::auth::CurrentUser;
use crate::catalog::model::{DatasetRecord, Distribution, terms};
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};

/// What an upload creates: a new distribution, or a new version of one.
#[derive(Clone, Debug)]
pub enum Target {
    New,
    Version(String),
}

/// How the curator wants a CSV read, where detection would guess wrong.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadAs {
    pub encoding: Option<&'static Encoding>,
    pub delimiter: Option<u8>,
}

impl ReadAs {
    /// From the form's or the query's words: an encoding label
    /// (`windows-1250`, `iso-8859-2`, `utf-8`) and a delimiter (`;`, `,`,
    /// `tab`); empty or `auto` means detect.
    pub fn parse(encoding: Option<&str>, delimiter: Option<&str>) -> Result<ReadAs, AppError> {
        let encoding = match encoding
            .map(str::trim)
            .filter(|e| !e.is_empty() && *e != "auto")
        {
            None => None,
            Some(label) => Some(Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                AppError::Validation(vec![FieldError::new("encoding", "file_encoding_unknown")])
            })?),
        };
        let delimiter = match delimiter
            .map(str::trim)
            .filter(|d| !d.is_empty() && *d != "auto")
        {
            None => None,
            Some(";") => Some(b';'),
            Some(",") => Some(b','),
            Some("tab") | Some("\t") => Some(b'\t'),
            Some(_) => {
                return Err(AppError::Validation(vec![FieldError::new(
                    "delimiter",
                    "file_delimiter_unknown",
                )]));
            }
        };
        Ok(ReadAs {
            encoding,
            delimiter,
        })
    }
}

/// The dataset the user may change, and for a new version the file
/// distribution it replaces. Called before the body is read, and again in
/// the transaction that stores it.
pub fn check_target(
    conn: &mut DbConnection,
    user: &CurrentUser,
    slug: &str,
    target: &Target,
) -> Result<DatasetRecord, AppError> {
    check_target_by(conn, By::User(user), slug, target)
}

/// Who stores a file: a user, whom the catalog's policy must let change
/// the dataset, or the system itself (the seed's example files).
#[derive(Clone, Copy)]
pub enum By<'a> {
    User(&'a CurrentUser),
    System(&'a crate::audit::Actor),
}

impl By<'_> {
    fn actor(&self) -> crate::audit::Actor {
        match self {
            By::User(u) => u.actor(),
            By::System(a) => (*a).clone(),
        }
    }
}

pub(crate) fn check_target_by(
    conn: &mut DbConnection,
    by: By<'_>,
    slug: &str,
    target: &Target,
) -> Result<DatasetRecord, AppError> {
    let rec = match by {
        By::User(user) => crate::catalog::service::editable(conn, user, slug)?.0,
        By::System(_) => {
            crate::catalog::store::record_by_slug(conn, slug)?.ok_or(AppError::NotFound)?
        }
    };
    if let Target::Version(id) = target {
        match rec.distributions.iter().find(|d| &d.id == id) {
            None => return Err(AppError::NotFound),
            Some(d) if !is_stored_file(d) => {
                return Err(AppError::Conflict(
                    "this distribution is not a stored file".into(),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(rec)
}

/// One sheet of a tabular file, checked.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub index: i32,
    pub name: Option<String>,
    pub scanned: Scanned,
}

/// A received file, checked and ready to store.
#[derive(Debug)]
pub struct Checked {
    pub name: String,
    pub kind: Kind,
    pub csv: Option<CsvFormat>,
    pub sheets: Vec<Sheet>,
}

/// Checks a received file for what the portal does with it: never empty;
/// a table's every row read (its problems name line and column); a
/// workbook's archive within its limits. Runs on a blocking thread.
pub fn check_file(
    path: &std::path::Path,
    size: u64,
    name: &str,
    read_as: ReadAs,
    max_rows: u64,
) -> Result<Checked, AppError> {
    let invalid = |e: FieldError| AppError::Validation(vec![e]);
    if size == 0 {
        return Err(invalid(FieldError::new("file", "file_empty")));
    }
    let kind = Kind::of(name);
    let (csv, sheets) = match kind.tabular {
        None => (None, Vec::new()),
        Some(Tabular::Csv) => {
            let encoding = match read_as.encoding {
                Some(e) => e,
                None => table::detect_encoding(path).map_err(invalid)?,
            };
            let delimiter = match read_as.delimiter {
                Some(d) => d,
                None => table::detect_delimiter(path, encoding).map_err(invalid)?,
            };
            let format = CsvFormat {
                encoding,
                delimiter,
            };
            let mut rows = table::csv_rows(path, format).map_err(invalid)?;
            let scanned = table::scan(&mut rows, max_rows).map_err(invalid)?;
            let sheet = Sheet {
                index: 0,
                name: None,
                scanned,
            };
            (Some(format), vec![sheet])
        }
        Some(Tabular::Xlsx) => {
            xlsx::check_archive(path).map_err(invalid)?;
            let mut sheets = Vec::new();
            for (index, sheet_name) in xlsx::sheet_names(path)
                .map_err(invalid)?
                .into_iter()
                .enumerate()
                .take(xlsx::MAX_SHEETS)
            {
                let mut rows = xlsx::rows(path, &sheet_name).map_err(invalid)?;
                match table::scan(&mut rows, max_rows) {
                    Ok(scanned) => sheets.push(Sheet {
                        index: index as i32,
                        name: Some(sheet_name),
                        scanned,
                    }),
                    // An empty sheet beside others is no table.
                    Err(e) if e.message == "file_empty" => {}
                    Err(mut e) => {
                        e.field = format!("sheet:{sheet_name}");
                        return Err(invalid(e));
                    }
                }
            }
            if sheets.is_empty() {
                return Err(invalid(FieldError::new("file", "file_empty")));
            }
            (None, sheets)
        }
    };
    Ok(Checked {
        name: name.to_string(),
        kind,
        csv,
        sheets,
    })
}

/// What a new file distribution is called; `None` keeps the name it has
/// (a new version) or takes the file's (a new distribution).
#[derive(Clone, Debug, Default)]
pub struct Titles {
    pub cs: Option<String>,
    pub en: Option<String>,
    /// Example data made for the seed, not the publisher's: a version a
    /// curator stores makes the distribution real data.
    pub example: bool,
}

/// What a stored upload answers.
#[derive(Debug)]
pub struct Stored {
    pub slug: String,
    pub distribution: Distribution,
    pub version: FileVersion,
}

/// Stores a checked file: in place under its hash, its tables imported,
/// then the distribution, its version and its tables' rows in one audited
/// transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one write path, each a distinct input"
)]
pub fn store(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    by: By<'_>,
    slug: &str,
    target: &Target,
    titles: &Titles,
    temp: TempFile,
    checked: Checked,
    base: &str,
) -> Result<Stored, AppError> {
    let sha256 = temp.sha256.clone();
    let size = temp.size as i64;
    let blob = storage
        .persist(temp, checked.kind.text)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("storing a file: {e}")))?;
    let distribution_id = match target {
        Target::New => crate::db::new_id(),
        Target::Version(id) => id.clone(),
    };
    // Imported before the transaction, under names nothing refers to yet:
    // a failure drops them and leaves the old version's tables in place.
    let mut imported: Vec<DataTable> = Vec::new();
    let drop_all = |conn: &mut DbConnection, tables: &[DataTable]| {
        crate::db::dialect::drop_tables(conn, tables.iter().map(|t| t.table_name.as_str()));
    };
    for sheet in &checked.sheets {
        let table_name = format!("ds_{}", uuid::Uuid::new_v4().simple());
        let result = match (checked.kind.tabular, checked.csv) {
            (Some(Tabular::Csv), Some(format)) => table::csv_rows(&blob, format)
                .and_then(|mut r| table::import(conn, &table_name, &sheet.scanned.fields, &mut r)),
            _ => xlsx::rows(&blob, sheet.name.as_deref().unwrap_or_default())
                .and_then(|mut r| table::import(conn, &table_name, &sheet.scanned.fields, &mut r)),
        };
        match result {
            Ok(rows) => imported.push(DataTable {
                id: crate::db::new_id(),
                distribution_id: distribution_id.clone(),
                file_version: 0,
                sheet: sheet.index,
                sheet_name: sheet.name.clone(),
                table_name,
                fields: serde_json::to_string(&sheet.scanned.fields).unwrap_or_default(),
                row_count: rows as i64,
                encoding: checked.csv.map(|f| f.encoding.name().to_string()),
                delimiter: checked.csv.map(|f| (f.delimiter as char).to_string()),
                imported_at: crate::db::now(),
            }),
            Err(e) => {
                drop_all(conn, &imported);
                return Err(AppError::Validation(vec![e]));
            }
        }
    }
    let actor = by.actor();
    let written = crate::audit::write_tx(conn, |c| {
        let mut rec = check_target_by(c, by, slug, target)?;
        let kind = &checked.kind;
        let url = format!(
            "{}/datasets/{}/distributions/{distribution_id}/download",
            base.trim_end_matches('/'),
            rec.dataset.slug
        );
        let apply = |d: &mut Distribution| {
            d.download_url = Some(url.clone());
            d.access_url = url.clone();
            d.media_type = kind.media_type.clone();
            d.format_iri = kind.format_iri();
            d.byte_size = Some(size);
            d.checksum_sha256 = Some(sha256.clone());
            d.managed_by = Some(if titles.example {
                crate::catalog::model::EXAMPLE_FILE.to_string()
            } else {
                MANAGED_BY.to_string()
            });
            if let Some(t) = titles
                .cs
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                d.title_cs = t.to_string();
            }
            if let Some(t) = titles
                .en
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                d.title_en = Some(t.to_string());
            }
        };
        match target {
            Target::New => {
                let mut d = new_distribution(&rec, &distribution_id, &checked.name);
                apply(&mut d);
                rec.distributions.push(d);
            }
            Target::Version(id) => {
                if let Some(d) = rec.distributions.iter_mut().find(|d| &d.id == id) {
                    apply(d);
                }
            }
        }
        let previous = store::version(c, &distribution_id, None)?;
        let number = previous.as_ref().map_or(1, |v| v.version + 1);
        crate::catalog::store::save_record(c, &actor, &rec, None)?;
        let version = FileVersion {
            id: crate::db::new_id(),
            distribution_id: distribution_id.clone(),
            dataset_id: rec.dataset.id.clone(),
            version: number,
            sha256: sha256.clone(),
            byte_size: size,
            media_type: kind.media_type.clone(),
            file_name: checked.name.clone(),
            created_at: crate::db::now(),
            created_by: match by {
                By::User(u) => Some(u.id.clone()),
                By::System(_) => None,
            },
        };
        store::insert_version(c, &version)?;
        for t in &mut imported {
            t.file_version = number;
        }
        let replaced = store::replace_tables(c, &distribution_id, &imported)?;
        let saved = crate::catalog::store::record_by_slug(c, &rec.dataset.slug)?
            .ok_or(AppError::NotFound)?;
        let distribution = saved
            .distributions
            .into_iter()
            .find(|d| d.id == distribution_id)
            .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>((
            Stored {
                slug: rec.dataset.slug.clone(),
                distribution,
                version,
            },
            replaced,
        ))
    });
    match written {
        Ok((stored, replaced)) => {
            crate::db::dialect::drop_tables(conn, replaced.iter().map(String::as_str));
            views.after_commit(conn, &["dataset"]);
            Ok(stored)
        }
        Err(e) => {
            drop_all(conn, &imported);
            Err(e)
        }
    }
}

/// Removes a file distribution with every version of it: the dataset's
/// change (audited, the distribution in what it was), the versions' rows
/// and the imported tables in one transaction, then the files no other
/// version holds. A file uploaded by mistake (personal data, say) is gone
/// from the portal, not only hidden.
pub fn remove(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    user: &CurrentUser,
    slug: &str,
    distribution_id: &str,
) -> Result<(), AppError> {
    let target = Target::Version(distribution_id.to_string());
    let actor = user.actor();
    let (tables, hashes) = crate::audit::write_tx(conn, |c| {
        let mut rec = check_target(c, user, slug, &target)?;
        rec.distributions.retain(|d| d.id != distribution_id);
        crate::catalog::store::save_record(c, &actor, &rec, None)?;
        let tables = store::replace_tables(c, distribution_id, &[])?;
        let hashes = store::delete_versions(c, distribution_id)?;
        Ok::<_, AppError>((tables, hashes))
    })?;
    crate::db::dialect::drop_tables(conn, tables.iter().map(String::as_str));
    for sha in hashes {
        if !store::is_referenced(conn, &sha)? {
            storage.remove(&sha);
        }
    }
    views.after_commit(conn, &["dataset"]);
    Ok(())
}

/// A new file distribution of `rec`: the terms of use of the dataset's
/// first distribution, or those of data in which the city claims no right.
pub(crate) fn new_distribution(rec: &DatasetRecord, id: &str, name: &str) -> Distribution {
    let like = rec.distributions.first();
    let term = |f: fn(&Distribution) -> &String, default: &str| {
        like.map(|d| f(d).clone())
            .unwrap_or_else(|| default.to_string())
    };
    Distribution {
        id: id.to_string(),
        dataset_id: rec.dataset.id.clone(),
        position: 0,
        title_cs: name.to_string(),
        title_en: None,
        download_url: None,
        access_url: String::new(),
        media_type: String::new(),
        format_iri: String::new(),
        byte_size: None,
        licence_iri: like.and_then(|d| d.licence_iri.clone()),
        tou_author_work: term(|d| &d.tou_author_work, terms::NO_AUTHOR_WORK),
        tou_db_author_work: term(|d| &d.tou_db_author_work, terms::NOT_AUTHOR_DATABASE),
        tou_db_sui_generis: term(|d| &d.tou_db_sui_generis, terms::NO_SUI_GENERIS),
        tou_personal_data: term(|d| &d.tou_personal_data, terms::NO_PERSONAL_DATA),
        conforms_to: None,
        service_endpoint_url: None,
        service_description_url: None,
        service_conforms_to: None,
        managed_by: Some(MANAGED_BY.to_string()),
        checksum_sha256: None,
    }
}

/// A local file (the seed's examples, an administrator's import) stored
/// as a new file distribution of `slug`, or a new version of `target`.
#[expect(
    clippy::too_many_arguments,
    reason = "one write path, each a distinct input"
)]
pub fn add_local_file(
    conn: &mut DbConnection,
    storage: &Storage,
    views: &Views,
    by: By<'_>,
    slug: &str,
    target: &Target,
    path: &std::path::Path,
    titles: &Titles,
    max_rows: u64,
    base: &str,
) -> Result<Stored, AppError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(super::model::clean_name)
        .ok_or_else(|| AppError::bad_request("a file name is required", Some("name")))?;
    check_target_by(conn, by, slug, target)?;
    let temp = storage
        .copy_in(path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading {}: {e}", path.display())))?;
    let checked = check_file(&temp.path, temp.size, &name, ReadAs::default(), max_rows)?;
    store(
        conn, storage, views, by, slug, target, titles, temp, checked, base,
    )
}
