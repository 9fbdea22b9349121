//! One view over both value models, serde_json's and serde_yaml_ng's.

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

/// The operations the document code needs from a JSON or YAML value, so that navigation,
/// reading and write-back exist once. Map operations on a non-map are no-ops or `None`.
pub(super) trait Node: Clone {
    fn describe(&self) -> &'static str;
    fn as_text(&self) -> Option<&str>;
    fn from_text(s: &str) -> Self;
    fn new_map() -> Self;
    fn is_map(&self) -> bool;
    fn is_nothing(&self) -> bool;
    fn field(&self, key: &str) -> Option<&Self>;
    fn field_mut(&mut self, key: &str) -> Option<&mut Self>;
    fn elements(&self) -> Option<&[Self]>;
    fn element_mut(&mut self, index: usize) -> Option<&mut Self>;
    /// Map entries in order; a key that is not a string is given rendered, as `Err`.
    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>>;
    fn position(&self, key: &str) -> Option<usize>;
    fn insert_at(&mut self, index: usize, key: &str, value: Self);
    /// Removes keeping the order of the other keys (plain `remove` swaps in the last key).
    fn remove_field(&mut self, key: &str);
}

impl Node for Json {
    fn describe(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn from_text(s: &str) -> Self {
        Json::String(s.to_owned())
    }

    fn new_map() -> Self {
        Json::Object(serde_json::Map::new())
    }

    fn is_map(&self) -> bool {
        self.is_object()
    }

    fn is_nothing(&self) -> bool {
        self.is_null()
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        self.as_object_mut()?.get_mut(key)
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }

    fn element_mut(&mut self, index: usize) -> Option<&mut Self> {
        self.as_array_mut()?.get_mut(index)
    }

    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>> {
        let map = self.as_object()?;
        Some(map.iter().map(|(k, v)| (Ok(k.as_str()), v)).collect())
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.as_object()?.keys().position(|k| k == key)
    }

    fn insert_at(&mut self, index: usize, key: &str, value: Self) {
        if let Some(map) = self.as_object_mut() {
            let index = index.min(map.len());
            map.shift_insert(index, key.to_owned(), value);
        }
    }

    fn remove_field(&mut self, key: &str) {
        if let Some(map) = self.as_object_mut() {
            map.shift_remove(key);
        }
    }
}

impl Node for Yaml {
    fn describe(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "a boolean",
            Yaml::Number(_) => "a number",
            Yaml::String(_) => "a string",
            Yaml::Sequence(_) => "an array",
            Yaml::Mapping(_) => "an object",
            Yaml::Tagged(_) => "a tagged value",
        }
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn from_text(s: &str) -> Self {
        Yaml::String(s.to_owned())
    }

    fn new_map() -> Self {
        Yaml::Mapping(serde_yaml_ng::Mapping::new())
    }

    fn is_map(&self) -> bool {
        self.is_mapping()
    }

    fn is_nothing(&self) -> bool {
        self.is_null()
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.as_mapping()?.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        self.as_mapping_mut()?.get_mut(key)
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_sequence().map(Vec::as_slice)
    }

    fn element_mut(&mut self, index: usize) -> Option<&mut Self> {
        self.as_sequence_mut()?.get_mut(index)
    }

    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>> {
        let map = self.as_mapping()?;
        Some(
            map.iter()
                .map(|(k, v)| (k.as_str().ok_or_else(|| render_yaml_key(k)), v))
                .collect(),
        )
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.as_mapping()?
            .keys()
            .position(|k| k.as_str() == Some(key))
    }

    fn insert_at(&mut self, index: usize, key: &str, value: Self) {
        // serde_yaml_ng's Mapping has no positional insert: rebuild it around the new key.
        let Some(map) = self.as_mapping_mut() else {
            return;
        };
        let old = std::mem::take(map);
        let mut new_entry = Some((Yaml::String(key.to_owned()), value));
        for (i, (k, v)) in old.into_iter().enumerate() {
            if i == index
                && let Some((nk, nv)) = new_entry.take()
            {
                map.insert(nk, nv);
            }
            map.insert(k, v);
        }
        if let Some((nk, nv)) = new_entry {
            map.insert(nk, nv);
        }
    }

    fn remove_field(&mut self, key: &str) {
        if let Some(map) = self.as_mapping_mut() {
            map.shift_remove(key);
        }
    }
}

fn render_yaml_key(key: &Yaml) -> String {
    serde_yaml_ng::to_string(key)
        .map(|s| s.trim_end().to_owned())
        .unwrap_or_else(|_| key.describe().to_owned())
}
