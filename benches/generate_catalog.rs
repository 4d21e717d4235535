//! Fills a data directory with a large generated catalog for the load
//! figures: the seed, then N published datasets with 3 distributions each,
//! written through the same audited save as curators' datasets.
//!
//! cargo bench --bench generate_catalog -- DATA_DIR [N]
//! (DATABASE_URL chooses PostgreSQL instead of SQLite in DATA_DIR.)

use std::path::PathBuf;

use radnice::audit::Actor;
use radnice::catalog::model::{Dataset, DatasetRecord, Distribution, terms};
use radnice::catalog::store;

const WORDS: [&str; 40] = [
    "zeleň",
    "stromy",
    "parkování",
    "doprava",
    "ovzduší",
    "hluk",
    "voda",
    "povodně",
    "školy",
    "sport",
    "kultura",
    "rozpočet",
    "smlouvy",
    "dotace",
    "odpady",
    "energie",
    "osvětlení",
    "komunikace",
    "chodníky",
    "cyklostezky",
    "hřiště",
    "lesy",
    "památky",
    "turistika",
    "MHD",
    "zastávky",
    "senzory",
    "meteo",
    "teplota",
    "srážky",
    "pozemky",
    "budovy",
    "byty",
    "sociální služby",
    "zdraví",
    "bezpečnost",
    "policie",
    "hasiči",
    "územní plán",
    "volby",
];
const FORMATS: [(&str, &str); 3] = [
    (
        "http://publications.europa.eu/resource/authority/file-type/CSV",
        "text/csv",
    ),
    (
        "http://publications.europa.eu/resource/authority/file-type/JSON",
        "application/json",
    ),
    (
        "http://publications.europa.eu/resource/authority/file-type/GEOJSON",
        "application/geo+json",
    ),
];

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("DATA_DIR missing"))?,
    );
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    std::fs::create_dir_all(&dir)?;
    let target =
        radnice::db::DbTarget::from_config(std::env::var("DATABASE_URL").ok().as_deref(), &dir)
            .map_err(|e| anyhow::anyhow!(e))?;
    let mut conn = radnice::db::connect_one(&target)?;
    radnice::seed::run(
        &mut conn,
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("catalog"),
        // `serve` points the strategy's open data at its own base on start.
        "http://localhost",
    )?;
    let publishers = store::list_publishers(&mut conn)?;
    let concepts = store::concepts(&mut conn, None)?;
    let themes: Vec<&str> = concepts
        .iter()
        .filter(|c| c.scheme == "theme")
        .map(|c| c.iri.as_str())
        .collect();
    let frequencies: Vec<&str> = concepts
        .iter()
        .filter(|c| c.scheme == "frequency")
        .map(|c| c.iri.as_str())
        .collect();
    let actor = Actor::system("generate_catalog");
    let started = std::time::Instant::now();
    // A fixed LCG: the same catalog on every run.
    let mut seed: u64 = 0x5eed;
    let mut rnd = move |m: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % m
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
        let records: Vec<DatasetRecord> = chunk
            .iter()
            .map(|&i| {
                let w = |r: &mut dyn FnMut(usize) -> usize| WORDS[r(WORDS.len())];
                let title = format!("{} a {} {i}", w(&mut rnd), w(&mut rnd));
                let p = &publishers[rnd(publishers.len())];
                let mut ts = vec![themes[rnd(themes.len())].to_string()];
                if rnd(2) == 0 {
                    ts.push(themes[rnd(themes.len())].to_string());
                }
                let slug = format!("gen-{i:06}");
                DatasetRecord {
                    dataset: Dataset {
                        id: radnice::db::new_id(),
                        slug: slug.clone(),
                        publisher_id: p.id.clone(),
                        status: radnice::catalog::model::DatasetStatus::Published,
                        title_cs: title.clone(),
                        title_en: Some(format!("Dataset {i}")),
                        description_cs: format!("Generovaná datová sada {i} pro měření: {title}."),
                        description_en: None,
                        frequency_iri: frequencies[rnd(frequencies.len())].to_string(),
                        spatial_iri: "https://linked.cuzk.cz/resource/ruian/obec/562971".into(),
                        temporal_start: None,
                        temporal_end: None,
                        contact_name: None,
                        contact_email: None,
                        documentation_url: None,
                        is_example: true,
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
                    themes: ts,
                    keywords_cs: (0..3).map(|_| w(&mut rnd).to_string()).collect(),
                    keywords_en: vec![],
                    distributions: FORMATS
                        .iter()
                        .map(|(format, media)| Distribution {
                            id: radnice::db::new_id(),
                            dataset_id: String::new(),
                            position: 0,
                            title_cs: format!("{title} ({media})"),
                            title_en: None,
                            download_url: Some(format!(
                                "https://data.example.cz/soubory/{slug}/{media}"
                            )),
                            access_url: format!("https://data.example.cz/soubory/{slug}/{media}"),
                            media_type: media.to_string(),
                            format_iri: format.to_string(),
                            byte_size: Some(1000 + i as i64),
                            licence_iri: Some(
                                "https://creativecommons.org/publicdomain/zero/1.0/".into(),
                            ),
                            tou_author_work: terms::NO_AUTHOR_WORK.into(),
                            tou_db_author_work: terms::NOT_AUTHOR_DATABASE.into(),
                            tou_db_sui_generis: terms::NO_SUI_GENERIS.into(),
                            tou_personal_data: terms::NO_PERSONAL_DATA.into(),
                            conforms_to: None,
                            service_endpoint_url: None,
                            service_description_url: None,
                            service_conforms_to: None,
                            managed_by: None,
                            checksum_sha256: None,
                        })
                        .collect(),
                }
            })
            .collect();
        radnice::audit::write_tx(&mut conn, |c| {
            for r in &records {
                store::save_record(c, &actor, r, None)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        eprint!("\r{} datasets", chunk[chunk.len() - 1] + 1);
    }
    eprintln!(
        "\n{n} datasets generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
