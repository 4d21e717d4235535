//! Seed files of the catalog: `catalog.toml`, `publishers.toml`,
//! `vocabularies/*.toml`.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::model::{
    CatalogRecord, Concept, Dataset, DatasetRecord, DatasetStatus, PUBLISHER_KINDS, Publisher,
    RUIAN_PREFIX, VOCAB_SCHEMES,
};
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::lifecycle::State;
use crate::seed::{SeedError, SeedFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    catalog: CatalogEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogEntry {
    title_cs: String,
    title_en: Option<String>,
    description_cs: String,
    description_en: Option<String>,
    homepage: Option<Spanned<String>>,
    contact_email: Option<String>,
    publisher: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishersFile {
    publisher: Vec<PublisherEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublisherEntry {
    slug: Spanned<String>,
    name_cs: String,
    name_en: Option<String>,
    kind: Spanned<String>,
    ico: Option<Spanned<String>>,
    rpp_iri: Option<Spanned<String>>,
    homepage: Option<Spanned<String>>,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    scheme: Spanned<String>,
    concept: Vec<ConceptEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptEntry {
    iri: Spanned<String>,
    code: String,
    label_cs: String,
    label_en: String,
    media_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetFile {
    dataset: DatasetEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetEntry {
    slug: Spanned<String>,
    publisher: Spanned<String>,
    status: Spanned<String>,
    #[serde(default)]
    example: bool,
    title_cs: String,
    title_en: Option<String>,
    description_cs: String,
    description_en: Option<String>,
    /// EU data-theme codes, e.g. "ENVI".
    themes: Spanned<Vec<String>>,
    /// EU frequency code, e.g. "ANNUAL".
    frequency: Spanned<String>,
    /// RÚIAN IRI of the territory covered.
    spatial: Spanned<String>,
    keywords_cs: Spanned<Vec<String>>,
    #[serde(default)]
    keywords_en: Vec<String>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    documentation_url: Option<Spanned<String>>,
    /// EuroVoc concept codes of vocabularies/eurovoc.toml, e.g. "2527".
    #[serde(default)]
    eurovoc: Option<Spanned<Vec<String>>>,
    conforms_to: Option<Spanned<String>>,
    /// West, south, east, north in WGS 84 degrees.
    bbox: Option<Spanned<Vec<f64>>>,
}

pub struct CatalogSeed {
    pub record: CatalogRecord,
    /// The catalog's publisher by slug; resolved to an id when applied.
    pub publisher_slug: String,
    pub publishers: Vec<Publisher>,
    pub concepts: Vec<Concept>,
    /// Datasets with the slug of their publisher, resolved when applied.
    pub datasets: Vec<(DatasetRecord, String)>,
}

impl CatalogSeed {
    pub fn has_publisher(&self, slug: &str) -> bool {
        self.publishers.iter().any(|p| p.slug == slug)
    }
}

pub fn valid_slug(s: &str) -> bool {
    super::model::Slug::parse(s).is_some()
}

fn check_http_url(
    file: &SeedFile,
    v: &Option<Spanned<String>>,
    field: &str,
) -> Result<(), SeedError> {
    if let Some(u) = v {
        let ok = url::Url::parse(u.get_ref())
            .map(|p| matches!(p.scheme(), "http" | "https"))
            .unwrap_or(false);
        if !ok {
            return Err(file.error_at(
                u.span(),
                field,
                format!("{:?} is not an http(s) URL", u.get_ref()),
            ));
        }
    }
    Ok(())
}

pub fn load(dir: &Path) -> Result<CatalogSeed, SeedError> {
    let pub_file = SeedFile::read(&dir.join("publishers.toml"))?;
    let parsed: PublishersFile = pub_file.parse()?;
    let mut slugs = HashSet::new();
    let mut publishers = Vec::new();
    for (i, p) in parsed.publisher.into_iter().enumerate() {
        let slug = p.slug.get_ref();
        if !valid_slug(slug) {
            return Err(pub_file.error_at(
                p.slug.span(),
                "slug",
                "use lowercase letters, digits and hyphens",
            ));
        }
        if !slugs.insert(slug.clone()) {
            return Err(pub_file.error_at(
                p.slug.span(),
                "slug",
                format!("{slug:?} is used twice"),
            ));
        }
        if !PUBLISHER_KINDS.contains(&p.kind.get_ref().as_str()) {
            return Err(pub_file.error_at(
                p.kind.span(),
                "kind",
                format!(
                    "unknown kind {:?}; one of {}",
                    p.kind.get_ref(),
                    PUBLISHER_KINDS.join(", ")
                ),
            ));
        }
        if let Some(ico) = &p.ico
            && !valid_ico(ico.get_ref())
        {
            return Err(pub_file.error_at(
                ico.span(),
                "ico",
                "an IČO has 8 digits and a valid check digit",
            ));
        }
        check_http_url(&pub_file, &p.rpp_iri, "rpp_iri")?;
        check_http_url(&pub_file, &p.homepage, "homepage")?;
        publishers.push(Publisher {
            id: crate::db::new_id(),
            slug: slug.clone(),
            name_cs: p.name_cs,
            name_en: p.name_en,
            kind: p.kind.into_inner(),
            ico: p.ico.map(Spanned::into_inner),
            rpp_iri: p.rpp_iri.map(Spanned::into_inner),
            homepage: p.homepage.map(Spanned::into_inner),
            email: p.email,
            position: i as i32 + 1,
        });
    }

    let cat_file = SeedFile::read(&dir.join("catalog.toml"))?;
    let cat: CatalogFile = cat_file.parse()?;
    let c = cat.catalog;
    if !slugs.contains(c.publisher.get_ref()) {
        return Err(cat_file.error_at(
            c.publisher.span(),
            "publisher",
            format!(
                "no publisher {:?} in publishers.toml",
                c.publisher.get_ref()
            ),
        ));
    }
    check_http_url(&cat_file, &c.homepage, "homepage")?;

    let mut concepts = Vec::new();
    let files = crate::seed::toml_files(&dir.join("vocabularies"), true)?;
    let mut iris = HashSet::new();
    for path in files {
        let file = SeedFile::read(&path)?;
        let v: VocabularyFile = file.parse()?;
        let scheme = v.scheme.get_ref().clone();
        if !VOCAB_SCHEMES.contains(&scheme.as_str()) {
            return Err(file.error_at(
                v.scheme.span(),
                "scheme",
                format!(
                    "unknown scheme {scheme:?}; one of {}",
                    VOCAB_SCHEMES.join(", ")
                ),
            ));
        }
        for (i, entry) in v.concept.into_iter().enumerate() {
            check_http_url(&file, &Some(entry.iri.clone()), "iri")?;
            if !iris.insert(entry.iri.get_ref().clone()) {
                return Err(file.error_at(entry.iri.span(), "iri", "this IRI is listed twice"));
            }
            concepts.push(Concept {
                iri: entry.iri.into_inner(),
                scheme: scheme.clone(),
                code: entry.code,
                label_cs: entry.label_cs,
                label_en: entry.label_en,
                media_type: entry.media_type,
                position: i as i32 + 1,
            });
        }
    }

    let datasets = load_datasets(dir, &slugs, &concepts)?;

    Ok(CatalogSeed {
        datasets,
        record: CatalogRecord {
            title_cs: c.title_cs,
            title_en: c.title_en,
            description_cs: c.description_cs,
            description_en: c.description_en,
            homepage: c.homepage.map(Spanned::into_inner),
            contact_email: c.contact_email,
            publisher_id: String::new(),
        },
        publisher_slug: c.publisher.into_inner(),
        publishers,
        concepts,
    })
}

/// `datasets/*.toml`, one dataset per file (the directory is optional).
fn load_datasets(
    dir: &Path,
    publishers: &HashSet<String>,
    concepts: &[Concept],
) -> Result<Vec<(DatasetRecord, String)>, SeedError> {
    let files = crate::seed::toml_files(&dir.join("datasets"), false)?;
    let iri_of = |scheme: &str, code: &str| {
        concepts
            .iter()
            .find(|c| c.scheme == scheme && c.code == code)
            .map(|c| c.iri.clone())
    };
    let mut slugs = HashSet::new();
    let mut out = Vec::new();
    for path in files {
        let file = SeedFile::read(&path)?;
        let d: DatasetEntry = file.parse::<DatasetFile>()?.dataset;
        let slug = d.slug.get_ref().clone();
        if !valid_slug(&slug) {
            return Err(file.error_at(
                d.slug.span(),
                "slug",
                "use lowercase letters, digits and hyphens",
            ));
        }
        if !slugs.insert(slug.clone()) {
            return Err(file.error_at(
                d.slug.span(),
                "slug",
                "another dataset file uses this slug",
            ));
        }
        if !publishers.contains(d.publisher.get_ref()) {
            return Err(file.error_at(
                d.publisher.span(),
                "publisher",
                format!(
                    "no publisher {:?} in publishers.toml",
                    d.publisher.get_ref()
                ),
            ));
        }
        let Some(status) = DatasetStatus::parse(d.status.get_ref()) else {
            return Err(file.error_at(
                d.status.span(),
                "status",
                "one of draft, published, withdrawn",
            ));
        };
        let mut themes = Vec::new();
        for code in d.themes.get_ref() {
            match iri_of("theme", code) {
                Some(iri) => themes.push(iri),
                None => {
                    return Err(file.error_at(
                        d.themes.span(),
                        "themes",
                        format!("{code:?} is not an EU data theme of vocabularies/"),
                    ));
                }
            }
        }
        if themes.is_empty() {
            return Err(file.error_at(d.themes.span(), "themes", "at least one EU data theme"));
        }
        let frequency_iri = iri_of("frequency", d.frequency.get_ref()).ok_or_else(|| {
            file.error_at(
                d.frequency.span(),
                "frequency",
                format!(
                    "{:?} is not an EU frequency of vocabularies/",
                    d.frequency.get_ref()
                ),
            )
        })?;
        if !d.spatial.get_ref().starts_with(RUIAN_PREFIX) {
            return Err(file.error_at(
                d.spatial.span(),
                "spatial",
                format!("a RÚIAN IRI starting with {RUIAN_PREFIX}"),
            ));
        }
        if d.keywords_cs.get_ref().iter().all(|k| k.trim().is_empty()) {
            return Err(file.error_at(
                d.keywords_cs.span(),
                "keywords_cs",
                "at least one Czech keyword",
            ));
        }
        check_http_url(&file, &d.documentation_url, "documentation_url")?;
        check_http_url(&file, &d.conforms_to, "conforms_to")?;
        if let Some(codes) = &d.eurovoc {
            for code in codes.get_ref() {
                match iri_of("eurovoc", code) {
                    Some(iri) => themes.push(iri),
                    None => {
                        return Err(file.error_at(
                            codes.span(),
                            "eurovoc",
                            format!("{code:?} is not a EuroVoc concept of vocabularies/"),
                        ));
                    }
                }
            }
        }
        let bbox = match &d.bbox {
            None => None,
            Some(b) => match b.get_ref().as_slice() {
                [w, s, e, n] if super::model::Bbox::new([*w, *s, *e, *n]).is_some() => {
                    Some([*w, *s, *e, *n])
                }
                _ => {
                    return Err(file.error_at(
                        b.span(),
                        "bbox",
                        "[west, south, east, north] in WGS 84 degrees, west < east, south < north",
                    ));
                }
            },
        };
        let rec = DatasetRecord {
            dataset: Dataset {
                id: crate::db::new_id(),
                slug,
                publisher_id: String::new(),
                status,
                title_cs: d.title_cs,
                title_en: d.title_en,
                description_cs: d.description_cs.trim().to_string(),
                description_en: d.description_en.map(|s| s.trim().to_string()),
                frequency_iri,
                spatial_iri: d.spatial.into_inner(),
                temporal_start: None,
                temporal_end: None,
                contact_name: d.contact_name,
                contact_email: d.contact_email,
                documentation_url: d.documentation_url.map(Spanned::into_inner),
                is_example: d.example,
                withdrawn_reason: None,
                published_at: None,
                origin_iri: None,
                harvest_source_id: None,
                conforms_to: d.conforms_to.map(Spanned::into_inner),
                bbox_west: bbox.map(|b| b[0]),
                bbox_south: bbox.map(|b| b[1]),
                bbox_east: bbox.map(|b| b[2]),
                bbox_north: bbox.map(|b| b[3]),
            },
            themes,
            keywords_cs: d.keywords_cs.into_inner(),
            keywords_en: d.keywords_en,
            distributions: Vec::new(),
        };
        // The rules every record passes (lengths, links), as a curator's.
        let errors = super::input::check_record(&rec, super::input::Origin::Curator);
        if !errors.is_empty() {
            return Err(file.error_at(
                d.slug.span(),
                "dataset",
                super::input::describe_cs(&errors),
            ));
        }
        out.push((rec, d.publisher.into_inner()));
    }
    Ok(out)
}

/// Czech company number: 8 digits, weighted mod-11 check digit.
pub fn valid_ico(ico: &str) -> bool {
    if ico.len() != 8 || !ico.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let d: Vec<u32> = ico.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = (0..7).map(|i| d[i] * (8 - i as u32)).sum();
    let check = (11 - sum % 11) % 10;
    check == d[7]
}

pub fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    seed: &CatalogSeed,
) -> diesel::QueryResult<()> {
    for p in &seed.publishers {
        super::store::upsert_publisher(conn, actor, p)?;
    }
    let publisher_id = super::store::publisher_by_slug(conn, &seed.publisher_slug)?
        .map(|p| p.id)
        .ok_or(diesel::result::Error::NotFound)?;
    let record = CatalogRecord {
        publisher_id,
        ..seed.record.clone()
    };
    super::store::upsert_catalog(conn, actor, &record)?;
    for c in &seed.concepts {
        super::store::upsert_concept(conn, actor, c)?;
    }
    for (rec, publisher_slug) in &seed.datasets {
        let publisher_id = super::store::publisher_by_slug(conn, publisher_slug)?
            .map(|p| p.id)
            .ok_or(diesel::result::Error::NotFound)?;
        let mut rec = rec.clone();
        rec.dataset.publisher_id = publisher_id;
        // The seed gives a dataset's description; its distributions are the
        // curators' and the system's (a stored example file), and a seed
        // run again keeps them.
        if let Some(stored) = super::store::record_by_slug(conn, &rec.dataset.slug)? {
            // A box the seed does not give is the data's (an imported
            // layer's): it stays too.
            if rec.dataset.bbox().is_none() {
                rec.dataset.bbox_west = stored.dataset.bbox_west;
                rec.dataset.bbox_south = stored.dataset.bbox_south;
                rec.dataset.bbox_east = stored.dataset.bbox_east;
                rec.dataset.bbox_north = stored.dataset.bbox_north;
            }
            rec.distributions = stored.distributions;
        }
        super::store::save_record(conn, actor, &rec, None)?;
    }
    Ok(())
}
