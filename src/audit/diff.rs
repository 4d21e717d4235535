//! What a change changed, field by field, for people reading the log: the
//! fields whose values differ, each before and after, instead of two JSON
//! documents to compare by eye.

use serde::Serialize;
use serde_json::Value;

/// A value longer than this is cut (the log keeps it whole).
const SHOWN: usize = 400;

#[derive(Serialize, Debug, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn shown(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => "—".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    };
    if text.chars().count() > SHOWN {
        let cut: String = text.chars().take(SHOWN).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The fields that differ between two JSON objects (a create or a delete
/// has one side only: its filled fields). Anything but objects is one field,
/// `value`.
pub fn fields(before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    let parse = |s: Option<&str>| s.and_then(|s| serde_json::from_str::<Value>(s).ok());
    let (before, after) = (parse(before), parse(after));
    let empty = serde_json::Map::new();
    let as_map = |v: &Option<Value>| -> Option<serde_json::Map<String, Value>> {
        match v {
            Some(Value::Object(m)) => Some(m.clone()),
            Some(other) => {
                let mut m = serde_json::Map::new();
                m.insert("value".into(), other.clone());
                Some(m)
            }
            None => None,
        }
    };
    let (b, a) = (as_map(&before), as_map(&after));
    if b.is_none() && a.is_none() {
        return Vec::new();
    }
    let (b, a) = (b.unwrap_or_else(|| empty.clone()), a.unwrap_or(empty));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            let (x, y) = (b.get(*k), a.get(*k));
            x != y && !(x.is_none_or(Value::is_null) && y.is_none_or(Value::is_null))
        })
        .map(|k| FieldChange {
            field: k.clone(),
            before: shown(b.get(k)),
            after: shown(a.get(k)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_that_changed_are_listed() {
        let before =
            r#"{"title_cs":"Stromy","keywords_cs":["a","b"],"bbox_west":null,"status":"draft"}"#;
        let after = r#"{"title_cs":"Stromy města","keywords_cs":["a","b"],"bbox_west":13.4,"status":"draft"}"#;
        assert_eq!(
            fields(Some(before), Some(after)),
            vec![
                FieldChange {
                    field: "bbox_west".into(),
                    before: "—".into(),
                    after: "13.4".into()
                },
                FieldChange {
                    field: "title_cs".into(),
                    before: "Stromy".into(),
                    after: "Stromy města".into()
                },
            ]
        );
        // A create lists what it filled, a password change nothing.
        let created = fields(None, Some(r#"{"a":"x","b":null}"#));
        assert_eq!(created.len(), 1);
        assert!(fields(None, None).is_empty());
        let long = format!(r#"{{"d":"{}"}}"#, "x".repeat(1000));
        assert!(fields(None, Some(&long))[0].after.ends_with('…'));
    }
}
