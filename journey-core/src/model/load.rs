//! What a load was asked to do with ties, and what happened: the parts of loading that the
//! log itself keeps (a log remembers its [`LoadReport`] and sorts by its [`Ties`] rule).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a customer's events with equal timestamps (and equal `sequence`, if the log has that
/// column) are ordered. See docs/formats.md, "Ordering".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// By content (the default): touchpoint name, then channel name, then stage (in stage
    /// order, none last), then value (none last), then the property values in the order of the
    /// property column names (blank last). The order does not depend on the order of the rows.
    #[default]
    Content,
    /// In input order (a stable sort): the rule of earlier versions, for logs whose row order
    /// carries meaning. Results then depend on the order of the rows.
    Input,
}

impl std::str::FromStr for Ties {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "content" => Ok(Ties::Content),
            "input" => Ok(Ties::Input),
            _ => Err(Error::argument(
                "ties",
                format!("{s:?}: expected \"content\" or \"input\""),
            )),
        }
    }
}

/// What happened during a load.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows skipped as bad (lenient mode).
    pub rows_skipped: u64,
    /// The first errors, verbatim.
    pub errors: Vec<String>,
}
