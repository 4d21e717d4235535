//! What a stored file is: its versions, and what kind of file a name says
//! it is (media type, EU file type, whether the portal reads it as a
//! table, whether a browser would render it as a page).

use diesel::prelude::*;
use serde::Serialize;

/// What manages the distributions this domain makes: a curator's file, or
/// the seed's example (`catalog::model::EXAMPLE_FILE`) until a curator
/// stores a version of their own.
pub const MANAGED_BY: &str = "file";

/// Whether a distribution is a file this domain stores.
pub fn is_stored_file(d: &crate::catalog::model::Distribution) -> bool {
    d.managed_by.as_deref() == Some(MANAGED_BY) || d.is_example_data()
}

/// Whether a distribution's download is a file version the portal
/// stores: its own files, and those another feature generates (a GIS
/// layer's exports), which only that feature replaces.
pub fn is_served_file(d: &crate::catalog::model::Distribution) -> bool {
    is_stored_file(d) || (d.managed_by.is_some() && d.download_url.is_some())
}

const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";

/// One stored version of a file distribution.
#[derive(Serialize, Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::db::schema::file_versions)]
pub struct FileVersion {
    pub id: String,
    pub distribution_id: String,
    pub dataset_id: String,
    pub version: i32,
    pub sha256: String,
    pub byte_size: i64,
    pub media_type: String,
    pub file_name: String,
    pub created_at: chrono::NaiveDateTime,
    /// Who uploaded it (a user id): kept for the audit, never shown.
    #[serde(skip)]
    pub created_by: Option<String>,
}

/// How the portal reads a file as a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tabular {
    Csv,
    Xlsx,
}

/// What a file name (and the media type a client declared) say it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Kind {
    pub media_type: String,
    /// The EU file type's code (`CSV`, `XLSX`, …).
    pub format: &'static str,
    pub tabular: Option<Tabular>,
    /// Text worth compressing for clients that accept gzip.
    pub text: bool,
}

impl Kind {
    pub fn format_iri(&self) -> String {
        format!("{FILE_TYPE}{}", self.format)
    }

    /// Whether a browser would show it as a page or run it as a script,
    /// so it is only ever sent as an attachment.
    pub fn renders(&self) -> bool {
        let m = self.media_type.as_str();
        m.contains("html")
            || m.contains("xml")
            || m.contains("javascript")
            || m.contains("svg")
            || m == "text/css"
    }

    /// From the file's name; the extension decides, as a curator's
    /// download will be opened by it.
    pub fn of(name: &str) -> Kind {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        let (media, format, tabular, text): (&str, &'static str, Option<Tabular>, bool) =
            match ext.as_str() {
                "csv" => ("text/csv", "CSV", Some(Tabular::Csv), true),
                "tsv" => ("text/tab-separated-values", "TSV", Some(Tabular::Csv), true),
                "xlsx" => (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "XLSX",
                    Some(Tabular::Xlsx),
                    false,
                ),
                "xls" => ("application/vnd.ms-excel", "XLS", None, false),
                "ods" => (
                    "application/vnd.oasis.opendocument.spreadsheet",
                    "ODS",
                    None,
                    false,
                ),
                "json" => ("application/json", "JSON", None, true),
                "geojson" => ("application/geo+json", "GEOJSON", None, true),
                "jsonld" => ("application/ld+json", "JSON_LD", None, true),
                "xml" => ("application/xml", "XML", None, true),
                "gml" => ("application/gml+xml", "GML", None, true),
                "ttl" => ("text/turtle", "RDF_TURTLE", None, true),
                "nt" => ("application/n-triples", "RDF_N_TRIPLES", None, true),
                "rdf" => ("application/rdf+xml", "RDF_XML", None, true),
                "zip" => ("application/zip", "ZIP", None, false),
                "pdf" => ("application/pdf", "PDF", None, false),
                "txt" => ("text/plain", "TXT", None, true),
                "html" | "htm" => ("text/html", "HTML", None, true),
                "svg" => ("image/svg+xml", "SVG", None, true),
                "js" => ("text/javascript", "JS", None, true),
                "png" => ("image/png", "PNG", None, false),
                "jpg" | "jpeg" => ("image/jpeg", "JPEG", None, false),
                _ => ("application/octet-stream", "BIN", None, false),
            };
        Kind {
            media_type: media.to_string(),
            format,
            tabular,
            text,
        }
    }
}

/// A file name as a client gave it, made safe to store and to send back
/// in a header: the last path segment, no control characters, at most 200
/// characters; `None` when nothing is left.
pub fn clean_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let name = name.trim().trim_start_matches('.').trim().to_string();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_says_the_kind() {
        assert_eq!(Kind::of("Stromy 2026.CSV").format, "CSV");
        assert_eq!(Kind::of("a.xlsx").tabular, Some(Tabular::Xlsx));
        assert!(Kind::of("x.html").renders());
        assert!(Kind::of("x.svg").renders());
        assert!(!Kind::of("x.pdf").renders());
        assert_eq!(Kind::of("noext").media_type, "application/octet-stream");
    }

    #[test]
    fn a_name_is_made_safe() {
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            clean_name("C:\\data\\zeleň.csv").as_deref(),
            Some("zeleň.csv")
        );
        assert_eq!(clean_name("a\"b\r\n.csv").as_deref(), Some("ab.csv"));
        assert_eq!(clean_name(".."), None);
        assert_eq!(clean_name(""), None);
    }
}
