use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Persona, Stage, Touchpoint};
use crate::error::{Error, Result};

/// The format tag written in every serialised map. Readers reject other major versions.
pub const MAP_FORMAT: &str = "journey-map/1";

/// A customer journey map: who (personas), when (stages), where (touchpoints), and what they do,
/// think and feel at each step, with the pain points and opportunities found there.
///
/// Serialises to the documented JSON format `journey-map/1` (see `docs/map-format.md`).
///
/// ```
/// use journey_core::{JourneyMap, Step};
/// let mut map = JourneyMap::new("Online shop");
/// map.steps.push(Step {
///     emotion: Some(-1.5),
///     pain_points: vec!["shipping costs appear late".into()],
///     ..Step::new("purchase", Some("checkout_shipping"))
/// });
/// map.touchpoints.push(journey_core::Touchpoint {
///     name: "checkout_shipping".into(),
///     channel: "web".into(),
///     stage: Some("purchase".into()),
///     kind: Default::default(),
/// });
/// let json = map.to_json().unwrap();
/// assert_eq!(JourneyMap::from_json(&json).unwrap(), map);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JourneyMap {
    /// Always [`MAP_FORMAT`].
    pub format: String,
    /// Title of the map.
    pub name: String,
    /// Optional longer description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The personas the map is about (at least one when drawn).
    #[serde(default)]
    pub personas: Vec<Persona>,
    /// Stages in journey order (the columns).
    #[serde(default = "Stage::defaults")]
    pub stages: Vec<Stage>,
    /// Touchpoints (the lanes).
    #[serde(default)]
    pub touchpoints: Vec<Touchpoint>,
    /// The cells: what happens at a stage / touchpoint.
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// One cell of the map: a stage, optionally a touchpoint and a persona, and what happens there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Stage name (must be one of the map's stages).
    pub stage: String,
    /// Touchpoint name (must be one of the map's touchpoints), if the step is at one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touchpoint: Option<String>,
    /// Persona name, if the step is specific to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persona: Option<String>,
    /// What the customer does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// What the customer thinks (quotes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thoughts: Vec<String>,
    /// How the customer feels, from -2 (very negative) to 2 (very positive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emotion: Option<f64>,
    /// What goes wrong for the customer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pain_points: Vec<String>,
    /// What the business could do better.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opportunities: Vec<String>,
    /// Figures measured from data (`reach`, `conversion_rate`, `csat`, ...), if the map was
    /// filled from data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
}

impl Step {
    /// An empty step at a stage and touchpoint.
    pub fn new(stage: impl Into<String>, touchpoint: Option<&str>) -> Self {
        Step {
            stage: stage.into(),
            touchpoint: touchpoint.map(str::to_string),
            persona: None,
            actions: Vec::new(),
            thoughts: Vec::new(),
            emotion: None,
            pain_points: Vec::new(),
            opportunities: Vec::new(),
            metrics: BTreeMap::new(),
        }
    }
}

impl JourneyMap {
    /// An empty map with the default stages.
    pub fn new(name: impl Into<String>) -> Self {
        JourneyMap {
            format: MAP_FORMAT.to_string(),
            name: name.into(),
            description: String::new(),
            personas: Vec::new(),
            stages: Stage::defaults(),
            touchpoints: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Reads and validates a map from its JSON form.
    pub fn from_json(s: &str) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_str(s).map_err(|e| Error::InvalidMap(e.to_string()))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(MAP_FORMAT) => {}
            Some(other) => {
                return Err(Error::InvalidMap(format!(
                    "unsupported format {other:?}, expected {MAP_FORMAT:?}"
                )))
            }
            None => {
                return Err(Error::InvalidMap(format!(
                    "missing \"format\": {MAP_FORMAT:?}"
                )))
            }
        }
        let map: JourneyMap =
            serde_json::from_value(value).map_err(|e| Error::InvalidMap(e.to_string()))?;
        map.validate()?;
        Ok(map)
    }

    /// The JSON form (pretty printed).
    pub fn to_json(&self) -> Result<String> {
        self.validate()?;
        serde_json::to_string_pretty(self).map_err(|e| Error::InvalidMap(e.to_string()))
    }

    /// Checks the invariants: unique stage, touchpoint and persona names; steps referring to
    /// known ones; emotions finite and within [-2, 2].
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidMap(m));
        if self.format != MAP_FORMAT {
            return bad(format!(
                "format is {:?}, expected {MAP_FORMAT:?}",
                self.format
            ));
        }
        let stages = unique("stage", self.stages.iter().map(|s| s.name.as_str()))?;
        let tps = unique(
            "touchpoint",
            self.touchpoints.iter().map(|t| t.name.as_str()),
        )?;
        let personas = unique("persona", self.personas.iter().map(|p| p.name.as_str()))?;
        for t in &self.touchpoints {
            if let Some(st) = &t.stage {
                if !stages.contains(st.as_str()) {
                    return bad(format!(
                        "touchpoint {:?} is in unknown stage {st:?}",
                        t.name
                    ));
                }
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            if !stages.contains(step.stage.as_str()) {
                return bad(format!("step {i} has unknown stage {:?}", step.stage));
            }
            if let Some(tp) = &step.touchpoint {
                if !tps.contains(tp.as_str()) {
                    return bad(format!("step {i} has unknown touchpoint {tp:?}"));
                }
            }
            if let Some(p) = &step.persona {
                if !personas.contains(p.as_str()) {
                    return bad(format!("step {i} has unknown persona {p:?}"));
                }
            }
            if let Some(e) = step.emotion {
                if !(e.is_finite() && (-2.0..=2.0).contains(&e)) {
                    return bad(format!(
                        "step {i} has emotion {e}, expected a number in [-2, 2]"
                    ));
                }
            }
        }
        Ok(())
    }
}

fn unique<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> Result<HashSet<&'a str>> {
    let mut seen = HashSet::new();
    for n in names {
        if n.is_empty() {
            return Err(Error::InvalidMap(format!("a {what} has an empty name")));
        }
        if !seen.insert(n) {
            return Err(Error::InvalidMap(format!("{what} {n:?} appears twice")));
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_wrong_format_and_bad_emotion() {
        let e = JourneyMap::from_json(r#"{"format":"journey-map/9","name":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("unsupported format"), "{e}");
        let e = JourneyMap::from_json(
            r#"{"format":"journey-map/1","name":"x","steps":[{"stage":"awareness","emotion":3}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("emotion 3"), "{e}");
        assert_eq!(e.code(), "invalid_map");
    }

    #[test]
    fn minimal_document_gets_default_stages() {
        let m = JourneyMap::from_json(r#"{"format":"journey-map/1","name":"x"}"#).unwrap();
        assert_eq!(m.stages.len(), 5);
        assert_eq!(m.stages[2].name, "purchase");
    }

    #[test]
    fn unknown_references_are_rejected() {
        let e = JourneyMap::from_json(
            r#"{"format":"journey-map/1","name":"x","steps":[{"stage":"awareness","touchpoint":"nope"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown touchpoint \"nope\""), "{e}");
    }
}
