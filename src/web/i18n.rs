//! Messages in Czech (default) and English: one flat catalogue per language,
//! embedded in the binary. Templates read them as `t.key`; Rust code calls
//! `I18n::text`. A test fails when a key is missing in either language.

use std::collections::BTreeMap;

use actix_web::HttpRequest;
use serde::Serialize;

pub const LANG_COOKIE: &str = "radnice_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Cs,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Cs => "cs",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "cs" => Some(Lang::Cs),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Cs => Lang::En,
            Lang::En => Lang::Cs,
        }
    }

    /// The remembered choice, else Czech. An API client, which has no
    /// switch to press, is answered in the first of Czech and English its
    /// `Accept-Language` names (pages keep Czech until the switch, as a
    /// browser's English default is no choice of the reader's).
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
            return lang;
        }
        if !crate::web::is_api(req) {
            return Lang::Cs;
        }
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split(',')
                    .filter_map(|part| {
                        let mut bits = part.split(';');
                        let tag = bits.next()?.trim();
                        let q = bits
                            .find_map(|b| b.trim().strip_prefix("q="))
                            .and_then(|q| q.parse::<f32>().ok())
                            .unwrap_or(1.0);
                        let primary = tag.split('-').next()?.to_ascii_lowercase();
                        Lang::parse(&primary).map(|l| (l, q))
                    })
                    .filter(|(_, q)| *q > 0.0)
                    // The first of the most preferred.
                    .fold(None, |best: Option<(Lang, f32)>, (l, q)| match best {
                        Some((_, bq)) if bq >= q => best,
                        _ => Some((l, q)),
                    })
                    .map(|(l, _)| l)
            })
            .unwrap_or(Lang::Cs)
    }
}

pub const CS_SOURCE: &str = include_str!("i18n/cs.toml");
pub const EN_SOURCE: &str = include_str!("i18n/en.toml");

pub struct I18n {
    cs: BTreeMap<String, String>,
    en: BTreeMap<String, String>,
    cs_value: tera::Value,
    en_value: tera::Value,
}

impl I18n {
    pub fn load() -> anyhow::Result<I18n> {
        let cs: BTreeMap<String, String> =
            toml::from_str(CS_SOURCE).map_err(|e| anyhow::anyhow!("i18n/cs.toml: {e}"))?;
        let en: BTreeMap<String, String> =
            toml::from_str(EN_SOURCE).map_err(|e| anyhow::anyhow!("i18n/en.toml: {e}"))?;
        Ok(I18n {
            cs_value: tera::Value::from(cs.clone()),
            en_value: tera::Value::from(en.clone()),
            cs,
            en,
        })
    }

    fn map(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Cs => &self.cs,
            Lang::En => &self.en,
        }
    }

    /// The message, or the key itself so a gap shows instead of crashing.
    pub fn text<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        self.map(lang).get(key).map(String::as_str).unwrap_or(key)
    }

    /// The whole catalogue as a template value (cheap: shared, not copied).
    pub fn value(&self, lang: Lang) -> tera::Value {
        match lang {
            Lang::Cs => self.cs_value.clone(),
            Lang::En => self.en_value.clone(),
        }
    }

    /// Keys present in one catalogue and missing in the other.
    pub fn missing_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        for k in self.cs.keys().filter(|k| !self.en.contains_key(*k)) {
            out.push(format!("en lacks {k}"));
        }
        for k in self.en.keys().filter(|k| !self.cs.contains_key(*k)) {
            out.push(format!("cs lacks {k}"));
        }
        out
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.cs.keys()
    }
}
