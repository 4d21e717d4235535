//! HTML forms send repeated fields (`roles=a&roles=b`), which
//! `serde_urlencoded` cannot gather into a Vec. `Multi<T>` reads the pairs and
//! gathers the fields named in `LISTS` into arrays before deserialising `T`.

use serde::de::{DeserializeOwned, Error};

/// The form fields that may repeat (checkbox groups).
const LISTS: [&str; 4] = ["roles", "publishers", "themes", "eurovoc"];

pub struct Multi<T>(pub T);

impl<T> Multi<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for Multi<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(String, String)> = serde::Deserialize::deserialize(d)?;
        let mut map = serde_json::Map::new();
        for name in LISTS {
            map.insert(name.to_string(), serde_json::Value::Array(Vec::new()));
        }
        for (k, v) in pairs {
            match map.get_mut(&k) {
                Some(serde_json::Value::Array(list)) if LISTS.contains(&k.as_str()) => {
                    list.push(serde_json::Value::String(v))
                }
                _ => {
                    map.insert(k, serde_json::Value::String(v));
                }
            }
        }
        serde_json::from_value(serde_json::Value::Object(map))
            .map(Multi)
            .map_err(D::Error::custom)
    }
}
