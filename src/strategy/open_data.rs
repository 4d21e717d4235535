//! A strategy is open data: each has three datasets in the catalog (its
//! goals and measures, its projects' status, its KPIs' values), published by
//! the strategy's publisher, whose CSV and JSON distributions download the
//! public tables live (`/strategies/{slug}/{table}.{csv|json}`), so they are
//! always current without a re-upload.
//!
//! The distributions are managed (`managed_by = "strategy"`): a curator may
//! edit the datasets' descriptions, keywords and the rest, but not these
//! links, which `ensure` keeps pointing at the public base URL (a changed
//! base is corrected at the next start).

use diesel::QueryResult;

use super::model::Strategy;
use crate::audit::Actor;
use crate::catalog::model::{Dataset, DatasetRecord, DatasetStatus, Distribution, terms};
use crate::db::DbConnection;

pub const MANAGED_BY: &str = "strategy";

const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/GOVE";
const EUROVOC_ELECTRONIC_GOVERNMENT: &str = "http://eurovoc.europa.eu/6894";
const EUROVOC_LOCAL_AUTHORITY: &str = "http://eurovoc.europa.eu/5501";
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// The Czech Republic: a strategy that names no territory covers at most it.
const WHOLE_COUNTRY: &str = "https://linked.cuzk.cz/resource/ruian/stat/1";

/// One of a strategy's public tables as a dataset.
struct Table {
    /// The table's name in its URL (`store::public_table`).
    name: &'static str,
    slug_suffix: &'static str,
    title_cs: &'static str,
    title_en: &'static str,
    description_cs: &'static str,
    description_en: &'static str,
    frequency: &'static str,
    keywords_cs: &'static [&'static str],
    keywords_en: &'static [&'static str],
}

const TABLES: [Table; 3] = [
    Table {
        name: "goals",
        slug_suffix: "cile-a-opatreni",
        title_cs: "cíle a opatření",
        title_en: "goals and measures",
        description_cs: "Strategické cíle strategie (podle kapitol dokumentu, s kódem SC, kde jej dokument uvádí) a opatření, jimiž se naplňují. Sloupce: goal, goal_code, goal_title, measure, measure_text.",
        description_en: "The strategy's goals (by the document's chapters, with their SC code where the document gives one) and the measures that fulfil them. Columns: goal, goal_code, goal_title, measure, measure_text.",
        frequency: "IRREG",
        keywords_cs: &["strategie", "strategické cíle", "opatření"],
        keywords_en: &["strategy", "strategic goals", "measures"],
    },
    Table {
        name: "projects",
        slug_suffix: "projekty",
        title_cs: "stav realizačních projektů",
        title_en: "status of the implementation projects",
        description_cs: "Realizační projekty strategie: opatření, která naplňují, garant, zdroj financování, stav, pokrok (%), zdraví (podle poslední odevzdané měsíční zprávy), rozpočet a čerpání v Kč, plánované a skutečné termíny. Sloupec example označuje ukázková data.",
        description_en: "The strategy's implementation projects: the measures they fulfil, guarantor, funding source, state, progress (%), health (from the latest submitted monthly report), budget and spend in CZK, planned and actual dates. The example column marks example data.",
        frequency: "MONTHLY",
        keywords_cs: &["strategie", "projekty", "stav realizace"],
        keywords_en: &["strategy", "projects", "implementation status"],
    },
    Table {
        name: "kpi-values",
        slug_suffix: "hodnoty-ukazatelu",
        title_cs: "ověřené hodnoty ukazatelů (KPI)",
        title_en: "verified KPI values",
        description_cs: "Ověřené hodnoty ukazatelů plnění strategie (KPI) po obdobích: kód ukazatele, začátek a konec období, hodnota, jednotka, zdroj a čas záznamu. Opravená hodnota nahrazuje předchozí; neověřené hodnoty se nezveřejňují. Sloupec example označuje ukázková data.",
        description_en: "The verified values of the strategy's KPIs by period: KPI code, period start and end, value, unit, source and time recorded. A correction replaces the value it corrects; values not yet verified are not published. The example column marks example data.",
        frequency: "MONTHLY",
        keywords_cs: &["strategie", "ukazatele", "KPI"],
        keywords_en: &["strategy", "indicators", "KPI"],
    },
];

/// The slug of the dataset of a strategy's table.
pub fn dataset_slug(strategy_slug: &str, table: &str) -> Option<String> {
    TABLES
        .iter()
        .find(|t| t.name == table)
        .map(|t| format!("{strategy_slug}-{}", t.slug_suffix))
}

/// Creates the strategy's three datasets, or points their managed
/// distributions at `base` again; writes (and audits) only what differs.
/// A strategy without a publisher has no datasets: the catalog's datasets
/// all have one.
pub fn ensure(
    conn: &mut DbConnection,
    actor: &Actor,
    strategy: &Strategy,
    base: &str,
) -> QueryResult<()> {
    let Some(publisher_id) = &strategy.publisher_id else {
        return Ok(());
    };
    let publisher = crate::catalog::store::publisher_by_id(conn, publisher_id)?;
    let base = base.trim_end_matches('/');
    for table in &TABLES {
        let slug = format!("{}-{}", strategy.slug, table.slug_suffix);
        let files = distributions(strategy, table, base);
        let rec = match crate::catalog::store::record_by_slug(conn, &slug)? {
            // What a curator made of it stays; only the live links are ours.
            Some(mut rec) => {
                rec.distributions
                    .retain(|d| d.managed_by.as_deref() != Some(MANAGED_BY));
                let mut kept = files;
                kept.append(&mut rec.distributions);
                rec.distributions = kept;
                rec
            }
            None => DatasetRecord {
                dataset: Dataset {
                    id: crate::db::new_id(),
                    slug: slug.clone(),
                    publisher_id: publisher_id.clone(),
                    status: DatasetStatus::Published,
                    title_cs: format!("{}: {}", strategy.title_cs, table.title_cs),
                    title_en: strategy
                        .title_en
                        .as_ref()
                        .map(|t| format!("{t}: {}", table.title_en)),
                    description_cs: table.description_cs.to_string(),
                    description_en: Some(table.description_en.to_string()),
                    frequency_iri: format!("{FREQUENCY}{}", table.frequency),
                    spatial_iri: strategy
                        .spatial_iri
                        .clone()
                        .unwrap_or_else(|| WHOLE_COUNTRY.to_string()),
                    temporal_start: Some(format!("{}-01-01", strategy.period_start)),
                    temporal_end: Some(format!("{}-12-31", strategy.period_end)),
                    contact_name: Some(publisher.name_cs.clone()),
                    contact_email: publisher.email.clone(),
                    documentation_url: Some(format!("{base}/strategies/{}", strategy.slug)),
                    is_example: false,
                    withdrawn_reason: None,
                    published_at: None,
                    origin_iri: None,
                    harvest_source_id: None,
                    conforms_to: None,
                    bbox_west: None,
                    bbox_south: None,
                    bbox_east: None,
                    bbox_north: None,
                },
                themes: vec![
                    THEME.to_string(),
                    EUROVOC_ELECTRONIC_GOVERNMENT.to_string(),
                    EUROVOC_LOCAL_AUTHORITY.to_string(),
                ],
                keywords_cs: table.keywords_cs.iter().map(|k| k.to_string()).collect(),
                keywords_en: table.keywords_en.iter().map(|k| k.to_string()).collect(),
                distributions: files,
            },
        };
        crate::catalog::store::save_record(conn, actor, &rec, None)?;
    }
    Ok(())
}

/// `ensure` for every strategy, as one audited transaction.
pub fn ensure_all(conn: &mut DbConnection, base: &str) -> anyhow::Result<()> {
    let actor = Actor::system("strategy-open-data");
    crate::audit::write_tx(conn, |c| -> QueryResult<()> {
        for s in super::store::list(c)? {
            ensure(c, &actor, &s, base)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn distributions(strategy: &Strategy, table: &Table, base: &str) -> Vec<Distribution> {
    [
        ("csv", "CSV", "text/csv"),
        ("json", "JSON", "application/json"),
    ]
    .into_iter()
    .map(|(ext, code, media_type)| {
        let url = format!("{base}/strategies/{}/{}.{ext}", strategy.slug, table.name);
        Distribution {
            // `save_record` keeps the stored id at the same position.
            id: crate::db::new_id(),
            dataset_id: String::new(),
            position: 0,
            title_cs: format!("{} ({code})", capitalised(table.title_cs)),
            title_en: Some(format!("{} ({code})", capitalised(table.title_en))),
            download_url: Some(url.clone()),
            access_url: url,
            media_type: media_type.to_string(),
            format_iri: format!("{FILE_TYPE}{code}"),
            byte_size: None,
            // The four terms of use below are the licence (DCAT-AP-CZ):
            // the city claims no right in these tables.
            licence_iri: None,
            tou_author_work: terms::NO_AUTHOR_WORK.to_string(),
            tou_db_author_work: terms::NOT_AUTHOR_DATABASE.to_string(),
            tou_db_sui_generis: terms::NO_SUI_GENERIS.to_string(),
            tou_personal_data: terms::NO_PERSONAL_DATA.to_string(),
            conforms_to: None,
            service_endpoint_url: None,
            service_description_url: None,
            service_conforms_to: None,
            managed_by: Some(MANAGED_BY.to_string()),
            checksum_sha256: None,
        }
    })
    .collect()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
