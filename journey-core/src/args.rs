//! Options given as JSON, as the Python and JavaScript bindings pass them: a binding converts its
//! keyword arguments to one JSON object and core deserialises it, so option names, defaults and
//! validation live here once.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::{LoadOptions, Mode, Ties};
use crate::model::Catalog;

/// What kind of JSON value `v` is, for error messages ("expected a list, got a number").
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Deserialises options from a JSON object; unknown keys and wrong types are argument errors
/// that name the offending key.
pub fn from_json<T: DeserializeOwned>(what: &str, v: &Value) -> Result<T> {
    let v = if v.is_null() {
        Value::Object(Default::default())
    } else {
        v.clone()
    };
    serde_json::from_value(v).map_err(|e| Error::argument(what, e.to_string()))
}

/// `Deserialize` and `Serialize` for options that take a shared group of options beside their
/// own keys (`#[serde(flatten)]`), derived with `#[serde(remote = "Self", ...)]`. serde's
/// `flatten` alone answers an unknown key with a bare "unknown field"; this names every key
/// there is (in name order), as the options without a shared group do.
macro_rules! flat_options {
    ($t:ty) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let map = <serde_json::Map<String, serde_json::Value> as serde::Deserialize>::deserialize(d)?;
                let keys = <$t>::serialize(&<$t>::default(), serde_json::value::Serializer)
                    .map_err(serde::de::Error::custom)?;
                $crate::args::check_keys(&map, &keys).map_err(serde::de::Error::custom)?;
                <$t>::deserialize(serde_json::Value::Object(map)).map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                <$t>::serialize(self, s)
            }
        }
    };
}
pub(crate) use flat_options;

/// The message serde gives for an unknown key, if `map` has a key that `accepted` (an object
/// of every key) does not.
pub(crate) fn check_keys(
    map: &serde_json::Map<String, Value>,
    accepted: &Value,
) -> std::result::Result<(), String> {
    let Some(accepted) = accepted.as_object() else {
        return Ok(());
    };
    match map.keys().find(|k| !accepted.contains_key(*k)) {
        None => Ok(()),
        Some(k) => Err(format!(
            "unknown field `{k}`, expected one of {}",
            accepted
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `#[serde(deserialize_with = "...")]` helpers that put the option's name in front of the
/// message about a bad value (serde's own messages do not say which key they are about), e.g.
/// `gap: "soon" is not a duration; expected e.g. "30m", "7d", "2w" or seconds`.
pub(crate) mod named {
    macro_rules! named {
        ($($f:ident),* $(,)?) => {$(
            pub(crate) fn $f<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
            where
                D: serde::Deserializer<'de>,
                T: serde::Deserialize<'de>,
            {
                T::deserialize(d).map_err(|e| {
                    <D::Error as serde::de::Error>::custom(format!(concat!(stringify!($f), ": {}"), e))
                })
            }
        )*};
    }
    named!(
        gap,
        inactivity,
        lookback,
        session_gap,
        window,
        level,
        mode,
        top,
        attribution_model
    );
}

/// The JSON form of [`LoadOptions`].
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LoadArgs {
    mode: Option<Mode>,
    conversions: Option<Vec<String>>,
    catalog: Option<Catalog>,
    ignore_extra_columns: bool,
    rename: std::collections::BTreeMap<String, String>,
    max_reported_errors: Option<usize>,
    ties: Option<Ties>,
}

impl LoadOptions {
    /// Load options from JSON: `{"mode": "lenient", "conversions": ["purchase"], "catalog":
    /// {"ig_ad": {"channel": "social", "stage": "awareness"}}, "ignore_extra_columns": false,
    /// "rename": {"user_id": "customer_id"}, "ties": "content"}`; every key optional.
    pub fn from_json(v: &Value) -> Result<Self> {
        let a: LoadArgs = from_json("load options", v)?;
        let d = LoadOptions::default();
        Ok(LoadOptions {
            mode: a.mode.unwrap_or(d.mode),
            conversions: a.conversions.unwrap_or(d.conversions),
            catalog: a.catalog,
            ignore_extra_columns: a.ignore_extra_columns,
            rename: a.rename,
            max_reported_errors: a.max_reported_errors.unwrap_or(d.max_reported_errors),
            ties: a.ties.unwrap_or(d.ties),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_options_from_json() {
        let v = serde_json::json!({"mode": "lenient", "conversions": ["signup"],
            "catalog": {"ig": {"channel": "social"}}});
        let o = LoadOptions::from_json(&v).unwrap();
        assert_eq!(o.mode, Mode::Lenient);
        assert_eq!(o.conversions, vec!["signup"]);
        assert_eq!(
            o.catalog.unwrap().get("ig").unwrap().channel.as_deref(),
            Some("social")
        );
        let e = LoadOptions::from_json(&serde_json::json!({"mood": "x"})).unwrap_err();
        assert!(e.to_string().contains("mood"), "{e}");
        assert_eq!(e.code(), "invalid_argument");
    }
}
