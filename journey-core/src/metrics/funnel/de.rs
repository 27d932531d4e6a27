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

/// The value of a `"touchpoint"` key: a name or a list of names, not a step of its own.
fn touchpoint_value<'de, A: MapAccess<'de>>(
    map: &mut A,
    bad: impl Fn(String) -> A::Error,
) -> Result<FunnelStep, A::Error> {
    const WHAT: &str = "\"touchpoint\" must be a name or a list of names";
    let v = map
        .next_value::<FunnelStep>()
        .map_err(|e| bad(format!("{WHAT} ({e})")))?;
    if let FunnelStep::Spec(_) = v {
        return Err(bad(WHAT.into()));
    }
    Ok(v)
}

/// A visitor's `visit_str`, `visit_string` and `visit_seq`: a name is `$t::Touchpoint`, a list
/// of names (else an error saying `$what` was expected) `$t::AnyOf`.
macro_rules! names_visits {
    ($de:lifetime, $t:ident, $what:expr) => {
        fn visit_str<E: de::Error>(self, s: &str) -> Result<$t, E> {
            Ok($t::Touchpoint(s.to_string()))
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<$t, E> {
            Ok($t::Touchpoint(s))
        }
        fn visit_seq<A: SeqAccess<$de>>(self, seq: A) -> Result<$t, A::Error> {
            names(seq, $what).map($t::AnyOf)
        }
    };
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = FunnelStep;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a touchpoint name, a list of touchpoint names, or {touchpoint, optional}")
    }
    names_visits!('de, FunnelStep, STEP);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FunnelStep, A::Error> {
        let bad = |why: String| A::Error::custom(format!("expected {STEP_SPEC}; {why}"));
        let (mut touchpoint, mut optional) = (None::<FunnelStep>, None::<bool>);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "touchpoint" if touchpoint.is_none() => {
                    touchpoint = Some(touchpoint_value(&mut map, bad)?);
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
    names_visits!('de, Exclusion, EXCLUSION);
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Exclusion, A::Error> {
        let bad = |why: String| A::Error::custom(format!("expected {EXCLUSION}; {why}"));
        let (mut touchpoint, mut from_step, mut to_step) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "touchpoint" => {
                    if touchpoint.is_some() {
                        return Err(bad("\"touchpoint\" is given twice".into()));
                    }
                    touchpoint = Some(touchpoint_value(&mut map, bad)?);
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
