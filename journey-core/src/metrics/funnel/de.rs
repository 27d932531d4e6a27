//! Hand-written deserialisers: an untagged enum can only say that nothing matched, these say
//! what was expected and what was wrong.

use std::fmt;

use serde::de::{self, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Exclusion, ExclusionRange, FunnelStep};

const STEP: &str = "a touchpoint name or a list of touchpoint names";
const STEP_SPEC: &str = "{touchpoint: a name or a list of names, optional: true or false}";
const EXCLUSION: &str = "a touchpoint name, a list of names, or {touchpoint, from_step, to_step}";

/// A list of names; an element that is not a string is reported with its index.
fn names<'de, A: SeqAccess<'de>>(mut seq: A, what: &str) -> Result<Vec<String>, A::Error> {
    let mut v = Vec::new();
    while let Some(x) = seq.next_element::<serde_json::Value>()? {
        match x {
            serde_json::Value::String(s) => v.push(s),
            other => {
                return Err(A::Error::custom(format!(
                    "expected {what}; the list holds {other}, which is not a name"
                )))
            }
        }
    }
    Ok(v)
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = FunnelStep;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a touchpoint name, a list of touchpoint names, or {touchpoint, optional}")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<FunnelStep, E> {
        Ok(FunnelStep::Touchpoint(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<FunnelStep, E> {
        Ok(FunnelStep::Touchpoint(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<FunnelStep, A::Error> {
        names(seq, STEP).map(FunnelStep::AnyOf)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FunnelStep, A::Error> {
        let bad = |why: String| A::Error::custom(format!("expected {STEP_SPEC}; {why}"));
        let (mut touchpoint, mut optional) = (None::<FunnelStep>, None::<bool>);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "touchpoint" if touchpoint.is_none() => {
                    let v = map.next_value::<FunnelStep>().map_err(|e| {
                        bad(format!(
                            "\"touchpoint\" must be a name or a list of names ({e})"
                        ))
                    })?;
                    if let FunnelStep::Spec(_) = v {
                        return Err(bad(
                            "\"touchpoint\" must be a name or a list of names".into()
                        ));
                    }
                    touchpoint = Some(v);
                }
                "optional" if optional.is_none() => {
                    let v = map.next_value::<serde_json::Value>()?;
                    optional = Some(v.as_bool().ok_or_else(|| {
                        bad(format!("\"optional\" is {v}, expected true or false"))
                    })?);
                }
                "touchpoint" | "optional" => return Err(bad(format!("{key:?} is given twice"))),
                other => return Err(bad(format!("unknown key {other:?}"))),
            }
        }
        let touchpoint =
            touchpoint.ok_or_else(|| bad("the key \"touchpoint\" is missing".into()))?;
        Ok(FunnelStep::Spec(super::StepSpec {
            touchpoint: touchpoint.names().to_vec(),
            optional: optional.unwrap_or(false),
        }))
    }
}

impl<'de> Deserialize<'de> for FunnelStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StepVisitor)
    }
}

struct ExclusionVisitor;

impl<'de> Visitor<'de> for ExclusionVisitor {
    type Value = Exclusion;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXCLUSION)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Exclusion, E> {
        Ok(Exclusion::Touchpoint(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Exclusion, E> {
        Ok(Exclusion::Touchpoint(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Exclusion, A::Error> {
        names(seq, EXCLUSION).map(Exclusion::AnyOf)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Exclusion, A::Error> {
        let bad = |why: String| A::Error::custom(format!("expected {EXCLUSION}; {why}"));
        let (mut touchpoint, mut from_step, mut to_step) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "touchpoint" => {
                    if touchpoint.is_some() {
                        return Err(bad("\"touchpoint\" is given twice".into()));
                    }
                    let v = map.next_value::<FunnelStep>().map_err(|e| {
                        bad(format!(
                            "\"touchpoint\" must be a name or a list of names ({e})"
                        ))
                    })?;
                    if let FunnelStep::Spec(_) = v {
                        return Err(bad(
                            "\"touchpoint\" must be a name or a list of names".into()
                        ));
                    }
                    touchpoint = Some(v);
                    continue;
                }
                "from_step" | "fromStep" => &mut from_step,
                "to_step" | "toStep" => &mut to_step,
                other => return Err(bad(format!("unknown key {other:?}"))),
            };
            if slot.is_some() {
                return Err(bad(format!("{key:?} is given twice")));
            }
            let v = map.next_value::<serde_json::Value>()?;
            *slot = match &v {
                serde_json::Value::Null => None,
                serde_json::Value::Number(n) if n.as_u64().is_some() => {
                    Some(n.as_u64().unwrap_or_default() as usize)
                }
                _ => {
                    return Err(bad(format!(
                        "{key:?} is {v}, expected a 1-based step number"
                    )))
                }
            };
        }
        let touchpoint =
            touchpoint.ok_or_else(|| bad("the key \"touchpoint\" is missing".into()))?;
        Ok(Exclusion::Between(ExclusionRange {
            touchpoint,
            from_step,
            to_step,
        }))
    }
}

impl<'de> Deserialize<'de> for Exclusion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ExclusionVisitor)
    }
}

/// A list whose bad element is reported as `name[i]: ...` (0-based, as in Python and
/// JavaScript).
struct ListVisitor<T> {
    name: &'static str,
    what: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {}", self.what)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::new();
        loop {
            match seq.next_element::<T>() {
                Ok(Some(x)) => v.push(x),
                Ok(None) => return Ok(Some(v)),
                Err(e) => return Err(A::Error::custom(format!("{}[{}]: {e}", self.name, v.len()))),
            }
        }
    }
}

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
    name: &'static str,
    what: &'static str,
) -> Result<Option<Vec<T>>, D::Error> {
    d.deserialize_option(ListVisitor {
        name,
        what,
        _t: std::marker::PhantomData,
    })
    .map_err(|e| {
        let m = e.to_string();
        if m.starts_with(&format!("{name}[")) {
            e
        } else {
            D::Error::custom(format!("{name}: {m}"))
        }
    })
}

/// `steps`: a list of steps, each reported by its index when wrong.
pub(crate) fn steps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FunnelStep>, D::Error> {
    Ok(list(
        d,
        "steps",
        "steps (each a touchpoint name, a list of names, or {touchpoint, optional})",
    )?
    .unwrap_or_default())
}

/// `exclude`: null or a list of exclusions, each reported by its index when wrong.
pub(super) fn exclude<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Exclusion>>, D::Error> {
    list(d, "exclude", "exclusions")
}
