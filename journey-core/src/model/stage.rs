use serde::{Deserialize, Serialize};

/// The default stages, in journey order.
pub const DEFAULT_STAGES: [&str; 5] = [
    "awareness",
    "consideration",
    "purchase",
    "retention",
    "advocacy",
];

/// A stage of the journey (a column of the map).
///
/// The five [`DEFAULT_STAGES`] are known; any other name is a custom stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stage {
    /// Short identifier, e.g. `consideration`.
    pub name: String,
    /// Optional longer description shown on the map.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Stage {
    /// A stage with a name and no description.
    pub fn new(name: impl Into<String>) -> Self {
        Stage {
            name: name.into(),
            description: String::new(),
        }
    }

    /// The five default stages.
    pub fn defaults() -> Vec<Stage> {
        DEFAULT_STAGES.iter().map(|s| Stage::new(*s)).collect()
    }

    /// Position of a stage name among the defaults (`None` for custom stages).
    pub fn default_rank(name: &str) -> Option<usize> {
        DEFAULT_STAGES.iter().position(|s| *s == name)
    }
}

/// Orders stage names: the defaults first in journey order, then custom stages by name.
pub(crate) fn stage_order(a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |s: &str| Stage::default_rank(s).unwrap_or(DEFAULT_STAGES.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_first_in_journey_order() {
        let mut v = vec!["zeta", "retention", "alpha", "awareness"];
        v.sort_by(|a, b| stage_order(a, b));
        assert_eq!(v, vec!["awareness", "retention", "alpha", "zeta"]);
    }
}
