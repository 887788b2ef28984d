//! One page of a LIST response read straight from its text: each item kept as compact JSON
//! text (what the engine's live state holds for a run), without `metadata.managedFields` (the
//! diff ignores them and they are often half of an object's size), with `apiVersion` and
//! `kind` filled in (the apiserver leaves them out of list items).

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    pub name: String,
    pub resource_version: String,
    /// The object as JSON text, `apiVersion` and `kind` first, `metadata.managedFields` left out.
    pub json: Box<str>,
}

/// The items of one page and the `continue` token of the next (`None` on the last page).
pub fn parse_page(text: &str, api_version: &str, kind: &str) -> Result<(Vec<ListedObject>, Option<String>), serde_json::Error> {
    let page: Page<'_> = serde_json::from_str(text)?;
    let token = page.metadata.and_then(|m| m.continue_).filter(|t| !t.is_empty());
    let mut out = Vec::with_capacity(page.items.as_ref().map_or(0, Vec::len));
    for item in page.items.unwrap_or_default() {
        out.push(compact(item, api_version, kind)?);
    }
    Ok((out, token))
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(default)]
    metadata: Option<PageMeta>,
    #[serde(borrow, default)]
    items: Option<Vec<Fields<'a>>>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

/// A JSON object's members, values left as text.
struct Fields<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Fields<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'a RawValue = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn compact(item: Fields<'_>, api_version: &str, kind: &str) -> Result<ListedObject, serde_json::Error> {
    let mut text = String::with_capacity(item.0.iter().map(|(k, v)| k.len() + v.get().len() + 4).sum::<usize>() + 64);
    text.push('{');
    push_member(&mut text, "apiVersion", &serde_json::to_string(api_version)?)?;
    push_member(&mut text, "kind", &serde_json::to_string(kind)?)?;
    let (mut name, mut resource_version) = (String::new(), String::new());
    for (key, value) in &item.0 {
        match key.as_str() {
            "apiVersion" | "kind" => {}
            "metadata" => {
                let meta: Fields<'_> = serde_json::from_str(value.get())?;
                let mut inner = String::with_capacity(value.get().len());
                inner.push('{');
                for (k, v) in &meta.0 {
                    match k.as_str() {
                        "managedFields" => continue,
                        "name" => name = serde_json::from_str(v.get())?,
                        "resourceVersion" => resource_version = serde_json::from_str(v.get())?,
                        _ => {}
                    }
                    push_member(&mut inner, k, v.get())?;
                }
                inner.push('}');
                push_member(&mut text, key, &inner)?;
            }
            _ => push_member(&mut text, key, value.get())?,
        }
    }
    text.push('}');
    Ok(ListedObject { name, resource_version, json: text.into_boxed_str() })
}

fn push_member(out: &mut String, key: &str, value: &str) -> Result<(), serde_json::Error> {
    if !out.ends_with('{') {
        out.push(',');
    }
    out.push_str(&serde_json::to_string(key)?);
    out.push(':');
    out.push_str(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"},"items":[
        {"metadata":{"name":"a","namespace":"ns","resourceVersion":"12","managedFields":[{"manager":"deployer","operation":"Apply"}],"labels":{"x":"y"}},
         "data":{"k":"v"},"spec":{"replicas":3,"ratio":0.5,"big":1e3,"one":1.0}},
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b\u00e9","resourceVersion":"13"}}]}"#;

    #[test]
    fn items_keep_their_fields_and_lose_managed_fields() {
        let (items, token) = parse_page(PAGE, "v1", "ConfigMap").unwrap();
        assert_eq!(token.as_deref(), Some("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"));
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].name.as_str(), items[0].resource_version.as_str()), ("a", "12"));
        assert_eq!(
            &*items[0].json,
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"12","labels":{"x":"y"}},"data":{"k":"v"},"spec":{"replicas":3,"ratio":0.5,"big":1e3,"one":1.0}}"#
        );
        // Type filled in once, even where the item has it; escaped names are read.
        assert_eq!(items[1].name, "bé");
        assert_eq!(&*items[1].json, r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b\u00e9","resourceVersion":"13"}}"#);
        // The text is JSON, equal to the item less managedFields.
        let full: serde_json::Value = serde_json::from_str(PAGE).unwrap();
        let mut first = full["items"][0].clone();
        first["metadata"].as_object_mut().unwrap().remove("managedFields");
        first["apiVersion"] = "v1".into();
        first["kind"] = "ConfigMap".into();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&items[0].json).unwrap(), first);
    }

    #[test]
    fn last_page_has_no_token() {
        for page in [r#"{"metadata":{"continue":""},"items":[]}"#, r#"{"metadata":{},"items":null}"#, r#"{"items":[]}"#] {
            let (items, token) = parse_page(page, "v1", "Secret").unwrap();
            assert!(items.is_empty() && token.is_none(), "{page}");
        }
    }

    #[test]
    fn malformed_pages_are_errors() {
        assert!(parse_page(r#"{"items":[1]}"#, "v1", "Secret").is_err());
        assert!(parse_page(r#"{"items":[{"metadata":[]}]}"#, "v1", "Secret").is_err());
        assert!(parse_page("not json", "v1", "Secret").is_err());
    }
}
