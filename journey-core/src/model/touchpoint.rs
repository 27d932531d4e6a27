use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a touchpoint is experienced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// On a screen: web, app, email, social.
    #[default]
    Digital,
    /// In the world: store, phone, mail.
    Physical,
}

/// A channel (a family of touchpoints): `social`, `email`, `web`, `store`, `support`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Channel(pub String);

impl Channel {
    /// The channel used when neither the row nor the catalog gives one.
    pub const UNKNOWN: &'static str = "unknown";
}

/// A point of contact between the customer and the business.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Touchpoint {
    /// Identifier as it appears in the event log, e.g. `checkout_shipping`.
    pub name: String,
    /// Channel it belongs to.
    pub channel: String,
    /// Stage it belongs to, if fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Digital or physical.
    #[serde(default)]
    pub kind: Kind,
}

/// What the catalog knows of one touchpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    /// Channel of the touchpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Stage of the touchpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Digital or physical.
    #[serde(default)]
    pub kind: Kind,
}

/// A touchpoint catalog: touchpoint name -> channel, stage, kind.
///
/// Rows of an event log without a `channel` (or `stage`) take it from here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Catalog {
    entries: BTreeMap<String, CatalogEntry>,
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a touchpoint.
    pub fn insert(
        &mut self,
        touchpoint: impl Into<String>,
        channel: Option<&str>,
        stage: Option<&str>,
        kind: Kind,
    ) -> &mut Self {
        self.entries.insert(
            touchpoint.into(),
            CatalogEntry {
                channel: channel.map(str::to_string),
                stage: stage.map(str::to_string),
                kind,
            },
        );
        self
    }

    /// The entry of a touchpoint.
    pub fn get(&self, touchpoint: &str) -> Option<&CatalogEntry> {
        self.entries.get(touchpoint)
    }

    /// Number of touchpoints.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All entries in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &CatalogEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_from_csv() {
        let csv =
            "touchpoint,channel,stage,kind\nstore_visit,store,purchase,physical\nig_ad,social,,\n";
        let c = Catalog::from_csv_reader(csv.as_bytes()).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("store_visit").unwrap().kind, Kind::Physical);
        assert_eq!(c.get("ig_ad").unwrap().stage, None);
        assert_eq!(c.get("ig_ad").unwrap().channel.as_deref(), Some("social"));
    }

    #[test]
    fn catalog_bad_kind_names_line() {
        let csv = "touchpoint,kind\na,digital\nb,holographic\n";
        let e = Catalog::from_csv_reader(csv.as_bytes()).unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(e.to_string().contains("holographic"));
    }
}
