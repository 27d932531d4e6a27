use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Who the journey is about: a representative customer type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persona {
    /// Display name, e.g. `Budget-conscious student`.
    pub name: String,
    /// One paragraph about them.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Free-form demographics: `age` -> `18-24`, `location` -> `urban`, ...
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub demographics: BTreeMap<String, String>,
    /// What they want to achieve.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<String>,
    /// Why they act.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub motivations: Vec<String>,
    /// What annoys them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub frustrations: Vec<String>,
    /// Channels they prefer, most preferred first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferred_channels: Vec<String>,
}

impl Persona {
    /// A persona with only a name.
    pub fn new(name: impl Into<String>) -> Self {
        Persona {
            name: name.into(),
            ..Default::default()
        }
    }
}
