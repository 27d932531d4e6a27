//! Which column plays which part of an event (customer id, timestamp, touchpoint, channel,
//! stage, value, sequence) and which columns are properties, decided once from the column
//! names and the user's choices for every table read in columns: Arrow record batches and
//! Parquet files ([`super::map_columns`]), the Python dataframe loaders, JavaScript's
//! `EventLog.fromColumns`. The rules are in docs/formats.md ("Columns and their parts").
//!
//! The CSV and JSON readers find their columns by the same names (`row.rs`); a header cannot
//! hold a name twice there, so their only error of this kind is the duplicate header.

use serde_json::{Map, Value};

use super::LoadOptions;
use crate::error::{Error, Result};

/// A part that a column plays in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The customer id (required).
    CustomerId,
    /// When the event happened (required).
    Timestamp,
    /// What happened (required).
    Touchpoint,
    /// The channel of the touchpoint.
    Channel,
    /// The journey stage.
    Stage,
    /// A conversion value.
    Value,
    /// Integers breaking ties in time.
    Sequence,
}

impl Role {
    /// Every part, required ones first, in the order of a CSV header.
    pub const ALL: [Role; 7] = [
        Role::CustomerId,
        Role::Timestamp,
        Role::Touchpoint,
        Role::Channel,
        Role::Stage,
        Role::Value,
        Role::Sequence,
    ];

    /// The column name of the part (`customer_id`, `timestamp`, ...), as a CSV header writes
    /// it and as errors name it.
    pub fn column(self) -> &'static str {
        match self {
            Role::CustomerId => "customer_id",
            Role::Timestamp => "timestamp",
            Role::Touchpoint => "touchpoint",
            Role::Channel => "channel",
            Role::Stage => "stage",
            Role::Value => "value",
            Role::Sequence => "sequence",
        }
    }

    /// The column name as JavaScript objects spell it (`customerId`; the other names are one
    /// word and spelled alike).
    pub fn camel_column(self) -> &'static str {
        match self {
            Role::CustomerId => "customerId",
            r => r.column(),
        }
    }

    /// The key that names the part's source column in [`ColumnNames`] (Python's
    /// `EventLog.from_arrow(data, customer="user_id", ...)`).
    pub fn key(self) -> &'static str {
        match self {
            Role::CustomerId => "customer",
            r => r.column(),
        }
    }

    /// Whether every event table has this part (customer id, timestamp, touchpoint).
    pub fn required(self) -> bool {
        matches!(self, Role::CustomerId | Role::Timestamp | Role::Touchpoint)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The user's choices of columns: the source column of each part (`None` = the column named
/// after the part, after [`LoadOptions::rename`]) and which other columns become properties.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ColumnNames {
    /// The customer id column.
    pub customer: Option<String>,
    /// The timestamp column.
    pub timestamp: Option<String>,
    /// The touchpoint column.
    pub touchpoint: Option<String>,
    /// The channel column.
    pub channel: Option<String>,
    /// The stage column.
    pub stage: Option<String>,
    /// The value column.
    pub value: Option<String>,
    /// The `sequence` column (integers breaking ties in time).
    pub sequence: Option<String>,
    /// Which other columns become properties (`None` = all of them, unless
    /// [`LoadOptions::ignore_extra_columns`]).
    pub properties: Option<Vec<String>>,
    /// Also find a part's column by its camelCase name ([`Role::camel_column`], `customerId`),
    /// as JavaScript objects spell it.
    pub camel_case: bool,
}

impl ColumnNames {
    /// The source column chosen for `role`, if one is.
    pub fn get(&self, role: Role) -> Option<&str> {
        match role {
            Role::CustomerId => &self.customer,
            Role::Timestamp => &self.timestamp,
            Role::Touchpoint => &self.touchpoint,
            Role::Channel => &self.channel,
            Role::Stage => &self.stage,
            Role::Value => &self.value,
            Role::Sequence => &self.sequence,
        }
        .as_deref()
    }

    /// Takes the column choices out of a JSON object of keyword arguments (the keys of
    /// [`Role::key`] and `properties`; null = not given) and leaves the rest, the load options,
    /// in it: `{"customer": "user_id", "properties": ["plan"], "mode": "lenient"}`.
    pub fn take_from_json(args: &mut Map<String, Value>) -> Result<ColumnNames> {
        let mut take = |role: Role| match args.remove(role.key()) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(Error::argument(
                role.key(),
                format!(
                    "expected a column name (a string), got {}",
                    crate::args::json_kind(&other)
                ),
            )),
        };
        let mut names = ColumnNames {
            customer: take(Role::CustomerId)?,
            timestamp: take(Role::Timestamp)?,
            touchpoint: take(Role::Touchpoint)?,
            channel: take(Role::Channel)?,
            stage: take(Role::Stage)?,
            value: take(Role::Value)?,
            sequence: take(Role::Sequence)?,
            ..Default::default()
        };
        match args.remove("properties") {
            None | Some(Value::Null) => {}
            Some(Value::Array(a)) => {
                let list = a
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        other => Err(Error::argument(
                            "properties",
                            format!(
                                "expected a list of column names, got {} in it",
                                crate::args::json_kind(&other)
                            ),
                        )),
                    })
                    .collect::<Result<_>>()?;
                names.properties = Some(list);
            }
            Some(other) => {
                return Err(Error::argument(
                    "properties",
                    format!(
                        "expected a list of column names, got {}",
                        crate::args::json_kind(&other)
                    ),
                ))
            }
        }
        Ok(names)
    }
}

/// Which column (by its index in the table) plays which part, and which are properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRoles {
    parts: [Option<usize>; 7],
    /// The property columns in column order: `(index, property name)`, the name after
    /// [`LoadOptions::rename`].
    pub properties: Vec<(usize, String)>,
}

impl ColumnRoles {
    /// Decides the part of every column of a table with the column names `columns`:
    ///
    /// - a part whose column `names` chooses is that column (an error if there is none of
    ///   that name);
    /// - otherwise it is the column named after the part ([`Role::column`]) once renamed by
    ///   [`LoadOptions::rename`] (or spelled [`Role::camel_column`] with
    ///   [`ColumnNames::camel_case`]); two such columns are an [`Error::DuplicateColumn`], and
    ///   a required part without one is an [`Error::MissingColumn`];
    /// - the properties are the columns `names.properties` lists, or else every other column
    ///   (none with [`LoadOptions::ignore_extra_columns`]); pandas' index columns
    ///   (`__index_level_0__`) are never properties.
    ///
    /// ```
    /// use journey_core::ingest::{ColumnNames, ColumnRoles, Role};
    /// use journey_core::LoadOptions;
    /// let mut opts = LoadOptions::default();
    /// opts.rename.insert("ts".into(), "timestamp".into());
    /// let names = ColumnNames { customer: Some("user".into()), ..Default::default() };
    /// let r = ColumnRoles::resolve(&["user", "ts", "touchpoint", "plan"], &names, &opts).unwrap();
    /// assert_eq!((r.get(Role::CustomerId), r.get(Role::Timestamp)), (Some(0), Some(1)));
    /// assert_eq!(r.get(Role::Channel), None);
    /// assert_eq!(r.properties, vec![(3, "plan".to_string())]);
    /// ```
    pub fn resolve(columns: &[&str], names: &ColumnNames, opts: &LoadOptions) -> Result<Self> {
        let missing = |column: &str| Error::MissingColumn {
            column: column.to_string(),
            found: if columns.is_empty() {
                "(none)".to_string()
            } else {
                columns.join(", ")
            },
        };
        let find = |name: &str| columns.iter().position(|c| *c == name);
        let mut parts = [None; 7];
        for role in Role::ALL {
            parts[role.index()] = match names.get(role) {
                Some(name) => Some(find(name).ok_or_else(|| missing(name))?),
                None => {
                    let mut found = columns.iter().enumerate().filter(|(_, c)| {
                        let c = opts.canonical(c);
                        c == role.column() || (names.camel_case && c == role.camel_column())
                    });
                    let first = found.next();
                    if let (Some((_, a)), Some((_, b))) = (first, found.next()) {
                        return Err(Error::DuplicateColumn {
                            part: role.column().to_string(),
                            first: a.to_string(),
                            second: b.to_string(),
                        });
                    }
                    if first.is_none() && role.required() {
                        return Err(missing(role.column()));
                    }
                    first.map(|(i, _)| i)
                }
            };
        }
        let used = |i: usize| parts.contains(&Some(i));
        let property = |i: usize| (i, opts.canonical(columns[i]).to_string());
        let properties = match &names.properties {
            Some(list) => {
                let mut props = Vec::new();
                for name in list {
                    let i = find(name).ok_or_else(|| missing(name))?;
                    if !used(i) {
                        props.push(property(i));
                    }
                }
                props
            }
            None if opts.ignore_extra_columns => Vec::new(),
            None => (0..columns.len())
                .filter(|&i| !used(i) && !is_pandas_index(columns[i]))
                .map(property)
                .collect(),
        };
        Ok(ColumnRoles { parts, properties })
    }

    /// The column playing `role`, if there is one (always for the required parts).
    pub fn get(&self, role: Role) -> Option<usize> {
        self.parts[role.index()]
    }

    /// The column of a required part ([`Role::required`]).
    #[cfg_attr(not(feature = "arrow"), allow(dead_code))]
    pub(crate) fn required(&self, role: Role) -> usize {
        debug_assert!(role.required());
        // `resolve` fails without a column for every required part.
        self.parts[role.index()].unwrap_or_default()
    }
}

/// pandas writes its index as `__index_level_0__` columns: never event data.
fn is_pandas_index(name: &str) -> bool {
    name.starts_with("__index_level_") && name.ends_with("__")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(columns: &[&str], names: &ColumnNames, opts: &LoadOptions) -> Result<ColumnRoles> {
        ColumnRoles::resolve(columns, names, opts)
    }

    fn parts(r: &ColumnRoles) -> Vec<Option<usize>> {
        Role::ALL.iter().map(|&role| r.get(role)).collect()
    }

    #[test]
    fn parts_are_found_by_their_names_and_the_rest_are_properties() {
        let cols = [
            "plan",
            "touchpoint",
            "value",
            "customer_id",
            "timestamp",
            "region",
        ];
        let r = resolve(&cols, &ColumnNames::default(), &LoadOptions::default()).unwrap();
        // customer_id 3, timestamp 4, touchpoint 1, no channel/stage, value 2, no sequence.
        assert_eq!(
            parts(&r),
            [Some(3), Some(4), Some(1), None, None, Some(2), None]
        );
        assert_eq!(
            r.properties,
            vec![(0, "plan".to_string()), (5, "region".to_string())]
        );
    }

    #[test]
    fn chosen_names_and_renames_decide_and_properties_take_the_new_name() {
        let cols = ["uid", "when", "what", "customer_id", "via", "tier"];
        let mut opts = LoadOptions::default();
        opts.rename.insert("when".into(), "timestamp".into());
        opts.rename.insert("tier".into(), "plan".into());
        let names = ColumnNames {
            customer: Some("uid".into()),
            touchpoint: Some("what".into()),
            channel: Some("via".into()),
            ..Default::default()
        };
        let r = resolve(&cols, &names, &opts).unwrap();
        assert_eq!(
            parts(&r),
            [Some(0), Some(1), Some(2), Some(4), None, None, None]
        );
        // A chosen name wins: the column named customer_id is then a property.
        assert_eq!(
            r.properties,
            vec![(3, "customer_id".to_string()), (5, "plan".to_string())]
        );
    }

    #[test]
    fn a_listed_property_set_or_ignore_extra_columns_limits_the_properties() {
        let cols = [
            "customer_id",
            "timestamp",
            "touchpoint",
            "a",
            "b",
            "__index_level_0__",
        ];
        let listed = ColumnNames {
            // A part listed again is not a property twice.
            properties: Some(vec!["b".into(), "touchpoint".into()]),
            ..Default::default()
        };
        let r = resolve(&cols, &listed, &LoadOptions::default()).unwrap();
        assert_eq!(r.properties, vec![(4, "b".to_string())]);
        let all = resolve(&cols, &ColumnNames::default(), &LoadOptions::default()).unwrap();
        assert_eq!(
            all.properties,
            vec![(3, "a".to_string()), (4, "b".to_string())]
        );
        let opts = LoadOptions {
            ignore_extra_columns: true,
            ..Default::default()
        };
        let none = resolve(&cols, &ColumnNames::default(), &opts).unwrap();
        assert_eq!(none.properties, vec![]);
    }

    #[test]
    fn a_missing_part_names_the_part_and_the_columns_found() {
        let e = resolve(
            &["customer_id", "timestamp"],
            &ColumnNames::default(),
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "missing_column");
        assert_eq!(e.column(), Some("touchpoint"));
        assert_eq!(
            e.to_string(),
            "missing required column \"touchpoint\"; columns found: customer_id, timestamp"
        );
        // A chosen column or a listed property the table does not have.
        let part = ColumnNames {
            value: Some("amount".into()),
            ..Default::default()
        };
        let property = ColumnNames {
            properties: Some(vec!["plan".into()]),
            ..Default::default()
        };
        let three = ["customer_id", "timestamp", "touchpoint"];
        let e = resolve(&three, &part, &LoadOptions::default()).unwrap_err();
        assert_eq!((e.code(), e.column()), ("missing_column", Some("amount")));
        let e = resolve(&[], &ColumnNames::default(), &LoadOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing required column \"customer_id\"; columns found: (none)"
        );
        let e = resolve(&three, &property, &LoadOptions::default()).unwrap_err();
        assert_eq!((e.code(), e.column()), ("missing_column", Some("plan")));
    }

    #[test]
    fn two_columns_for_one_part_are_an_error_naming_both() {
        let mut opts = LoadOptions::default();
        opts.rename.insert("user".into(), "customer_id".into());
        let cols = ["customer_id", "timestamp", "touchpoint", "user"];
        let e = resolve(&cols, &ColumnNames::default(), &opts).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert_eq!(e.column(), Some("user"));
        assert_eq!(
            e.to_string(),
            "columns \"customer_id\" and \"user\" are both the customer_id column; keep one, \
             or choose one by name"
        );
        // Choosing one by name settles it.
        let names = ColumnNames {
            customer: Some("user".into()),
            ..Default::default()
        };
        let r = resolve(&cols, &names, &opts).unwrap();
        assert_eq!(r.get(Role::CustomerId), Some(3));
    }

    #[test]
    fn camel_case_names_count_only_when_asked_for() {
        let cols = ["touchpoint", "customerId", "timestamp"];
        let e = resolve(&cols, &ColumnNames::default(), &LoadOptions::default()).unwrap_err();
        assert_eq!(e.column(), Some("customer_id"));
        let camel = ColumnNames {
            camel_case: true,
            properties: Some(vec![]),
            ..Default::default()
        };
        let r = resolve(&cols, &camel, &LoadOptions::default()).unwrap();
        assert_eq!(
            parts(&r),
            [Some(1), Some(2), Some(0), None, None, None, None]
        );
        let both = ["customerId", "timestamp", "touchpoint", "customer_id"];
        let e = resolve(&both, &camel, &LoadOptions::default()).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e
            .to_string()
            .starts_with("columns \"customerId\" and \"customer_id\" are both"));
    }

    #[test]
    fn column_choices_come_out_of_keyword_arguments() {
        let mut args = serde_json::json!({
            "customer": "uid", "value": null, "properties": ["plan"], "mode": "lenient"
        })
        .as_object()
        .unwrap()
        .clone();
        let names = ColumnNames::take_from_json(&mut args).unwrap();
        assert_eq!(names.customer.as_deref(), Some("uid"));
        assert_eq!(names.value, None);
        assert_eq!(names.properties, Some(vec!["plan".to_string()]));
        // The load options stay.
        assert_eq!(args.keys().collect::<Vec<_>>(), ["mode"]);
        let bad = |v: serde_json::Value| {
            let e = ColumnNames::take_from_json(&mut v.as_object().unwrap().clone()).unwrap_err();
            e.to_string()
        };
        assert_eq!(
            bad(serde_json::json!({"timestamp": 3})),
            "invalid argument timestamp: expected a column name (a string), got a number"
        );
        assert_eq!(
            bad(serde_json::json!({"properties": "plan"})),
            "invalid argument properties: expected a list of column names, got a string"
        );
    }
}
