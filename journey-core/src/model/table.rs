//! Tables of typed columns: how results with many rows (path tables, path variants, per
//! customer rows, graph edges, funnel steps with their dropped ids) leave, so that a binding
//! turns them into Arrow arrays, dataframes or rows of native objects by converting columns,
//! without a JSON value in between. The columns borrow the result's text.

use std::borrow::Cow;

/// One column of a [`Table`]; every column of a table has one entry per row.
#[derive(Debug, Clone, PartialEq)]
pub enum Column<'a> {
    /// Whole numbers (`None` = null).
    Int(Vec<Option<i64>>),
    /// Numbers (`None` = null: a rate of 0/0, a time that does not exist).
    Float(Vec<Option<f64>>),
    /// Booleans (`None` = null).
    Bool(Vec<Option<bool>>),
    /// Text (`None` = null).
    Text(Vec<Option<Cow<'a, str>>>),
    /// Lists of text (`None` = null).
    TextList(Vec<Option<Vec<Cow<'a, str>>>>),
    /// Text laid end to end, without nulls (the layout of an Arrow string array): row `i` is
    /// `text[offsets[i]..offsets[i + 1]]`; `offsets` has one entry more than there are rows.
    Joined {
        /// The texts, one after the other.
        text: String,
        /// Where each row's text starts, then where the last ends.
        offsets: Vec<i64>,
    },
    /// Lists of text laid end to end, without nulls (the layout of an Arrow list of strings):
    /// row `i` holds the items `items[i]..items[i + 1]`, item `j` being
    /// `text[offsets[j]..offsets[j + 1]]`.
    JoinedLists {
        /// The items' texts, one after the other.
        text: String,
        /// Where each item's text starts, then where the last ends.
        offsets: Vec<i64>,
        /// Where each row's items start, then where the last row's end.
        items: Vec<i64>,
    },
}

impl Column<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::Text(v) => v.len(),
            Column::TextList(v) => v.len(),
            Column::Joined { offsets, .. } => offsets.len().saturating_sub(1),
            Column::JoinedLists { items, .. } => items.len().saturating_sub(1),
        }
    }

    /// A [`Column::Joined`] column of these texts.
    ///
    /// ```
    /// use journey_core::model::Column;
    /// let c = Column::joined_from(["ad", "", "site"]);
    /// assert_eq!(c, Column::Joined { text: "adsite".into(), offsets: vec![0, 2, 2, 6] });
    /// ```
    pub fn joined_from<'s>(texts: impl IntoIterator<Item = &'s str>) -> Self {
        let texts = texts.into_iter();
        let mut text = String::new();
        let mut offsets = Vec::with_capacity(texts.size_hint().0 + 1);
        offsets.push(0);
        for t in texts {
            text.push_str(t);
            offsets.push(text.len() as i64);
        }
        Column::Joined { text, offsets }
    }

    /// A [`Column::JoinedLists`] column of these lists of texts.
    ///
    /// ```
    /// use journey_core::model::Column;
    /// let c = Column::joined_lists_from([vec!["ad", "site"], vec![]]);
    /// assert_eq!(Column::joined_list(&c, 0), Some(vec!["ad", "site"]));
    /// assert_eq!(Column::joined_list(&c, 1), Some(vec![]));
    /// ```
    pub fn joined_lists_from<'s, L: IntoIterator<Item = &'s str>>(
        lists: impl IntoIterator<Item = L>,
    ) -> Self {
        let lists = lists.into_iter();
        let mut text = String::new();
        let mut offsets = vec![0];
        let mut items = Vec::with_capacity(lists.size_hint().0 + 1);
        items.push(0);
        for list in lists {
            for t in list {
                text.push_str(t);
                offsets.push(text.len() as i64);
            }
            items.push(offsets.len() as i64 - 1);
        }
        Column::JoinedLists {
            text,
            offsets,
            items,
        }
    }

    /// Row `i`'s items in a [`Column::JoinedLists`] column (`None` for another column).
    pub fn joined_list(&self, i: usize) -> Option<Vec<&str>> {
        match self {
            Column::JoinedLists {
                text,
                offsets,
                items,
            } => Some(
                (items[i] as usize..items[i + 1] as usize)
                    .map(|j| Column::joined(text, offsets, j))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Row `i`'s text in a [`Column::Joined`] column.
    pub fn joined<'t>(text: &'t str, offsets: &[i64], i: usize) -> &'t str {
        &text[offsets[i] as usize..offsets[i + 1] as usize]
    }

    /// Whether the column has no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A result's table of rows as named, typed columns: the fields of the rows of its canonical
/// JSON shape, in name order (as the keys of its JSON objects), with the same values (a field
/// that JSON leaves out of some rows is null there).
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    /// Number of rows.
    pub rows: usize,
    /// `(name, column)`, in field order.
    pub columns: Vec<(Cow<'static, str>, Column<'a>)>,
}

impl<'a> Table<'a> {
    /// A table of `rows` rows and no column yet.
    pub fn new(rows: usize) -> Self {
        Table {
            rows,
            columns: Vec::new(),
        }
    }

    /// Adds a column (of `rows` entries).
    pub fn with(mut self, name: &'static str, column: Column<'a>) -> Self {
        debug_assert_eq!(column.len(), self.rows, "column {name}");
        self.columns.push((Cow::Borrowed(name), column));
        self
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column<'a>> {
        self.columns.iter().find(|c| c.0 == name).map(|c| &c.1)
    }
}

/// A result that has a table of rows (and maybe others).
pub trait Tabular: std::fmt::Debug + Send + Sync {
    /// The table of rows, as columns.
    fn table(&self) -> crate::Result<Table<'_>>;

    /// The names of the result's other tables of rows that it holds (fields of its JSON shape
    /// that are lists of flat rows, e.g. the `variants` of path statistics), for
    /// [`Tabular::table_named`].
    fn other_tables(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// The other table of rows named `name` (one of [`Tabular::other_tables`]) as columns, in
    /// the layout of [`Tabular::table`]; `None` when the result holds no such table.
    fn table_named(&self, name: &str) -> crate::Result<Option<Table<'_>>> {
        let _ = name;
        Ok(None)
    }
}

impl Table<'static> {
    /// The table of rows that serialise as flat objects (the rows of a result), built straight
    /// from their serde form, without a JSON value in between: a column per field, in name
    /// order, typed from the values (whole numbers, numbers, booleans, text, enums as their
    /// names, lists of text; null where a value is `None`, NaN, or a field is skipped). A row
    /// of another shape (nested objects, lists of numbers) is an error naming the field.
    ///
    /// ```
    /// use journey_core::model::{Column, Table};
    /// #[derive(serde::Serialize)]
    /// struct Row { name: &'static str, count: u64, rate: Option<f64> }
    /// let t = Table::from_rows(&[
    ///     Row { name: "ad", count: 3, rate: Some(0.5) },
    ///     Row { name: "site", count: 1, rate: None },
    /// ]).unwrap();
    /// assert_eq!(t.rows, 2);
    /// assert_eq!(t.column("count"), Some(&Column::Int(vec![Some(3), Some(1)])));
    /// assert_eq!(t.column("rate"), Some(&Column::Float(vec![Some(0.5), None])));
    /// ```
    pub fn from_rows<T: serde::Serialize>(rows: &[T]) -> crate::Result<Table<'static>> {
        let mut b = Builder {
            rows: 0,
            columns: Vec::new(),
            next: 0,
        };
        for r in rows {
            b.next = 0;
            r.serialize(RowSerializer(&mut b))
                .map_err(|e| crate::Error::argument("rows", e.0))?;
            b.rows += 1;
            for (_, c) in &mut b.columns {
                c.pad(b.rows);
            }
        }
        let mut columns: Vec<_> = b
            .columns
            .into_iter()
            .map(|(name, c)| (name, c.finish(b.rows)))
            .collect();
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Table {
            rows: b.rows,
            columns,
        })
    }
}

struct Builder {
    rows: usize,
    columns: Vec<(Cow<'static, str>, Cells)>,
    /// Where the next field of the row is expected (fields come in the same order per row).
    next: usize,
}

/// A column being built.
enum Cells {
    /// Only nulls so far (how many).
    Nulls(usize),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<Cow<'static, str>>>),
    TextList(Vec<Option<Vec<Cow<'static, str>>>>),
}

impl Cells {
    fn len(&self) -> usize {
        match self {
            Cells::Nulls(n) => *n,
            Cells::Int(v) => v.len(),
            Cells::Float(v) => v.len(),
            Cells::Bool(v) => v.len(),
            Cells::Text(v) => v.len(),
            Cells::TextList(v) => v.len(),
        }
    }

    /// Nulls up to `rows` entries.
    fn pad(&mut self, rows: usize) {
        while self.len() < rows {
            match self {
                Cells::Nulls(n) => *n += 1,
                Cells::Int(v) => v.push(None),
                Cells::Float(v) => v.push(None),
                Cells::Bool(v) => v.push(None),
                Cells::Text(v) => v.push(None),
                Cells::TextList(v) => v.push(None),
            }
        }
    }

    fn push(&mut self, cell: Cell, field: &str) -> Result<(), Unsupported> {
        if let Cells::Nulls(n) = *self {
            let nulls = n;
            *self = match &cell {
                Cell::Null => Cells::Nulls(nulls),
                Cell::Int(_) => Cells::Int(vec![None; nulls]),
                Cell::Float(_) => Cells::Float(vec![None; nulls]),
                Cell::Bool(_) => Cells::Bool(vec![None; nulls]),
                Cell::Text(_) => Cells::Text(vec![None; nulls]),
                Cell::TextList(_) => Cells::TextList(vec![None; nulls]),
            };
        }
        // Whole numbers in a column of numbers (or the reverse) are numbers.
        if let (Cells::Int(v), Cell::Float(_)) = (&*self, &cell) {
            *self = Cells::Float(v.iter().map(|x| x.map(|x| x as f64)).collect());
        }
        let cell = match (&*self, cell) {
            (Cells::Float(_), Cell::Int(i)) => Cell::Float(i as f64),
            (_, c) => c,
        };
        match (self, cell) {
            (Cells::Nulls(n), Cell::Null) => *n += 1,
            (Cells::Int(v), Cell::Int(x)) => v.push(Some(x)),
            (Cells::Float(v), Cell::Float(x)) => v.push(Some(x).filter(|x| x.is_finite())),
            (Cells::Bool(v), Cell::Bool(x)) => v.push(Some(x)),
            (Cells::Text(v), Cell::Text(x)) => v.push(Some(Cow::Owned(x))),
            (Cells::TextList(v), Cell::TextList(x)) => {
                v.push(Some(x.into_iter().map(Cow::Owned).collect()))
            }
            (c, Cell::Null) => c.pad(c.len() + 1),
            _ => return Err(Unsupported(format!("field {field:?} mixes types"))),
        }
        Ok(())
    }

    fn finish(self, rows: usize) -> Column<'static> {
        match self {
            // A column of nulls only: numbers (as in an Arrow table of a JSON null column).
            Cells::Nulls(_) => Column::Float(vec![None; rows]),
            Cells::Int(v) => Column::Int(v),
            Cells::Float(v) => Column::Float(v),
            Cells::Bool(v) => Column::Bool(v),
            Cells::Text(v) => Column::Text(v),
            Cells::TextList(v) => Column::TextList(v),
        }
    }
}

/// One field's value.
enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    TextList(Vec<String>),
}

#[derive(Debug)]
struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl serde::ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(format!(
        "a row holds {what}, not a flat object"
    )))
}

/// Serialises one row (a struct or a map of fields) into the builder.
struct RowSerializer<'b>(&'b mut Builder);

struct RowFields<'b> {
    b: &'b mut Builder,
    key: Option<String>,
}

impl RowFields<'_> {
    fn field<T: ?Sized + serde::Serialize>(
        &mut self,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Unsupported> {
        let cell = value.serialize(CellSerializer)?;
        let b = &mut *self.b;
        let k = if b.next < b.columns.len() && b.columns[b.next].0 == key {
            b.next
        } else if let Some(k) = b.columns.iter().position(|c| c.0 == key) {
            k
        } else {
            b.columns.push((key, Cells::Nulls(b.rows)));
            b.columns.len() - 1
        };
        b.next = k + 1;
        let (name, cells) = &mut b.columns[k];
        if cells.len() > b.rows {
            return Err(Unsupported(format!("field {name:?} twice in a row")));
        }
        cells.push(cell, name.as_ref())
    }
}

impl serde::ser::SerializeStruct for RowFields<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: ?Sized + serde::Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.field(Cow::Borrowed(key), value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

impl serde::ser::SerializeMap for RowFields<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: ?Sized + serde::Serialize>(&mut self, key: &T) -> Result<(), Unsupported> {
        match key.serialize(CellSerializer)? {
            Cell::Text(k) => {
                self.key = Some(k);
                Ok(())
            }
            _ => unsupported("a key that is not text"),
        }
    }
    fn serialize_value<T: ?Sized + serde::Serialize>(
        &mut self,
        value: &T,
    ) -> Result<(), Unsupported> {
        let key = self.key.take().unwrap_or_default();
        self.field(Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

/// Serialises one value into a [`Cell`].
struct CellSerializer;

/// The items of a list of text.
struct ListCells(Vec<String>);

impl serde::ser::SerializeSeq for ListCells {
    type Ok = Cell;
    type Error = Unsupported;
    fn serialize_element<T: ?Sized + serde::Serialize>(
        &mut self,
        value: &T,
    ) -> Result<(), Unsupported> {
        match value.serialize(CellSerializer)? {
            Cell::Text(s) => {
                self.0.push(s);
                Ok(())
            }
            _ => unsupported("a list of other things than text"),
        }
    }
    fn end(self) -> Result<Cell, Unsupported> {
        Ok(Cell::TextList(self.0))
    }
}

macro_rules! reject {
    ($($name:ident($($arg:ty),*) -> $ret:ty, $what:expr;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret, Unsupported> { unsupported($what) })*
    };
}

impl serde::Serializer for CellSerializer {
    type Ok = Cell;
    type Error = Unsupported;
    type SerializeSeq = ListCells;
    type SerializeTuple = serde::ser::Impossible<Cell, Unsupported>;
    type SerializeTupleStruct = serde::ser::Impossible<Cell, Unsupported>;
    type SerializeTupleVariant = serde::ser::Impossible<Cell, Unsupported>;
    type SerializeMap = serde::ser::Impossible<Cell, Unsupported>;
    type SerializeStruct = serde::ser::Impossible<Cell, Unsupported>;
    type SerializeStructVariant = serde::ser::Impossible<Cell, Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<Cell, Unsupported> {
        Ok(Cell::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Cell, Unsupported> {
        Ok(Cell::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Cell, Unsupported> {
        Ok(i64::try_from(v).map_or(Cell::Float(v as f64), Cell::Int))
    }
    fn serialize_f32(self, v: f32) -> Result<Cell, Unsupported> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Cell, Unsupported> {
        // NaN and infinities are null in the JSON shape.
        Ok(if v.is_finite() {
            Cell::Float(v)
        } else {
            Cell::Null
        })
    }
    fn serialize_char(self, v: char) -> Result<Cell, Unsupported> {
        Ok(Cell::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Cell, Unsupported> {
        Ok(Cell::Text(v.to_string()))
    }
    fn serialize_none(self) -> Result<Cell, Unsupported> {
        Ok(Cell::Null)
    }
    fn serialize_some<T: ?Sized + serde::Serialize>(self, v: &T) -> Result<Cell, Unsupported> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Cell, Unsupported> {
        Ok(Cell::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Cell, Unsupported> {
        Ok(Cell::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Cell, Unsupported> {
        Ok(Cell::Text(variant.to_string()))
    }
    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Cell, Unsupported> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Cell, Unsupported> {
        unsupported("an enum with data")
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ListCells, Unsupported> {
        Ok(ListCells(Vec::with_capacity(len.unwrap_or(0))))
    }
    reject! {
        serialize_bytes(&[u8]) -> Cell, "bytes";
        serialize_tuple(usize) -> Self::SerializeTuple, "a tuple";
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct, "a tuple";
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant, "a tuple";
        serialize_map(Option<usize>) -> Self::SerializeMap, "a nested object";
        serialize_struct(&'static str, usize) -> Self::SerializeStruct, "a nested object";
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant, "a nested object";
    }
}

impl<'b> serde::Serializer for RowSerializer<'b> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = serde::ser::Impossible<(), Unsupported>;
    type SerializeTuple = serde::ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = serde::ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = serde::ser::Impossible<(), Unsupported>;
    type SerializeMap = RowFields<'b>;
    type SerializeStruct = RowFields<'b>;
    type SerializeStructVariant = serde::ser::Impossible<(), Unsupported>;

    fn serialize_map(self, _: Option<usize>) -> Result<RowFields<'b>, Unsupported> {
        Ok(RowFields {
            b: self.0,
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<RowFields<'b>, Unsupported> {
        Ok(RowFields {
            b: self.0,
            key: None,
        })
    }
    fn serialize_newtype_struct<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_some<T: ?Sized + serde::Serialize>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + serde::Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        unsupported("an enum with data")
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unsupported> {
        unsupported("a name")
    }
    reject! {
        serialize_bool(bool) -> (), "a boolean";
        serialize_i8(i8) -> (), "a number";
        serialize_i16(i16) -> (), "a number";
        serialize_i32(i32) -> (), "a number";
        serialize_i64(i64) -> (), "a number";
        serialize_u8(u8) -> (), "a number";
        serialize_u16(u16) -> (), "a number";
        serialize_u32(u32) -> (), "a number";
        serialize_u64(u64) -> (), "a number";
        serialize_f32(f32) -> (), "a number";
        serialize_f64(f64) -> (), "a number";
        serialize_char(char) -> (), "text";
        serialize_str(&str) -> (), "text";
        serialize_bytes(&[u8]) -> (), "bytes";
        serialize_none() -> (), "null";
        serialize_unit() -> (), "null";
        serialize_unit_struct(&'static str) -> (), "null";
        serialize_seq(Option<usize>) -> Self::SerializeSeq, "a list";
        serialize_tuple(usize) -> Self::SerializeTuple, "a tuple";
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct, "a tuple";
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant, "a tuple";
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant, "a nested object";
    }
}

/// The type a column of JSON rows takes (see [`json_columns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// Only nulls.
    Null,
    /// Booleans (and nulls).
    Bool,
    /// Whole numbers that fit in 64 bits (and nulls).
    Int,
    /// Numbers, whole or not (and nulls).
    Float,
    /// Text (and nulls).
    Text,
    /// Lists of text; an empty list, or one of nulls, fits here too.
    TextList,
    /// Lists of whole numbers.
    IntList,
    /// Lists of numbers.
    FloatList,
    /// Mixed or nested values: each kept as its JSON text (null stays null).
    Json,
}

impl JsonType {
    fn of_scalar(v: &serde_json::Value) -> JsonType {
        use serde_json::Value;
        match v {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Bool,
            Value::Number(n) if n.is_i64() => JsonType::Int,
            Value::Number(_) => JsonType::Float,
            Value::String(_) => JsonType::Text,
            _ => JsonType::Json,
        }
    }

    /// The type of one cell.
    fn of(v: &serde_json::Value) -> JsonType {
        match v {
            serde_json::Value::Array(items) => {
                match items
                    .iter()
                    .map(JsonType::of_scalar)
                    .fold(JsonType::Null, JsonType::join)
                {
                    // An empty list (or one of nulls) fits any list type: text by default.
                    JsonType::Null | JsonType::Text => JsonType::TextList,
                    JsonType::Int => JsonType::IntList,
                    JsonType::Float => JsonType::FloatList,
                    _ => JsonType::Json,
                }
            }
            v => JsonType::of_scalar(v),
        }
    }

    /// The type of a column holding cells of both types: null gives way to anything, whole
    /// numbers to numbers, anything else mixed is JSON text.
    fn join(self, other: JsonType) -> JsonType {
        use JsonType::*;
        match (self, other) {
            (x, y) if x == y => x,
            (Null, x) | (x, Null) => x,
            (Int, Float) | (Float, Int) => Float,
            (IntList, FloatList) | (FloatList, IntList) => FloatList,
            _ => Json,
        }
    }
}

/// The columns of rows of JSON objects (a result's rows for which core has no [`Table`]): a
/// column per key, in the order keys are first seen (an object's keys in its order: by name),
/// typed from its cells by [`JsonType`] (a row without the key, or not an object, is null
/// there). The bindings build their Arrow columns by these types.
///
/// ```
/// use journey_core::model::table::{json_columns, JsonType};
/// let rows = serde_json::json!([
///     {"step": "view", "n": 3, "rate": 1, "ids": []},
///     {"step": "cart", "n": 2, "rate": 0.5, "ids": ["a"], "extra": {"x": 1}},
/// ]);
/// let cols = json_columns(rows.as_array().unwrap());
/// assert_eq!(cols, [
///     ("ids", JsonType::TextList), ("n", JsonType::Int), ("rate", JsonType::Float),
///     ("step", JsonType::Text), ("extra", JsonType::Json),
/// ]);
/// ```
pub fn json_columns(rows: &[serde_json::Value]) -> Vec<(&str, JsonType)> {
    let mut columns: Vec<(&str, JsonType)> = Vec::new();
    for r in rows {
        let Some(o) = r.as_object() else { continue };
        for k in o.keys() {
            if !columns.iter().any(|c| c.0 == k) {
                columns.push((k, JsonType::Null));
            }
        }
    }
    for (k, ty) in &mut columns {
        *ty = rows
            .iter()
            .filter_map(|r| r.get(*k))
            .map(JsonType::of)
            .fold(JsonType::Null, JsonType::join);
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::{Column, Table, Tabular};
    use crate::metrics::fixtures::{cells, paths_log, sessions_log};
    use crate::metrics::path_stats::{path_stats, PathStatsOptions};
    use crate::metrics::sessions::{sessions, SessionOptions};

    /// The typed variants table: the rows of `variants` as serde would give them, and the
    /// values worked out by hand (the log of the path statistics tests).
    #[test]
    fn path_stats_variants() {
        // Paths: a [ad site] converts; a [email]; b [site site]; c [ad site] converts; d []
        // converts.
        let log = paths_log();
        let s = path_stats(&log, &PathStatsOptions::default()).unwrap();
        assert_eq!(s.other_tables(), ["variants"]);
        assert_eq!(s.table_named("nope").unwrap(), None);
        let t = s.table_named("variants").unwrap().unwrap();
        assert_eq!(cells(&t), cells(&Table::from_rows(&s.variants).unwrap()));
        let names: Vec<&str> = t.columns.iter().map(|c| c.0.as_ref()).collect();
        assert_eq!(
            names,
            ["conversion_rate", "conversions", "count", "path", "share"]
        );
        let path = t.column("path").unwrap();
        let paths: Vec<Vec<&str>> = (0..t.rows).map(|i| path.joined_list(i).unwrap()).collect();
        assert_eq!(
            paths,
            [
                vec!["ad", "site"],
                vec![],
                vec!["email"],
                vec!["site", "site"]
            ]
        );
        assert_eq!(
            t.column("count"),
            Some(&Column::Int(vec![Some(2), Some(1), Some(1), Some(1)]))
        );
        assert_eq!(
            t.column("share"),
            Some(&Column::Float(vec![
                Some(0.4),
                Some(0.2),
                Some(0.2),
                Some(0.2)
            ]))
        );
        assert_eq!(
            t.column("conversion_rate"),
            Some(&Column::Float(vec![
                Some(1.0),
                Some(1.0),
                Some(0.0),
                Some(0.0)
            ]))
        );
    }

    /// The per-customer sessions table and the inactivity transitions (the log of the
    /// sessions tests).
    #[test]
    fn sessions_customers() {
        let log = sessions_log();
        let plain = sessions(&log, &SessionOptions::default()).unwrap();
        assert_eq!(plain.other_tables(), ["inactivity_transitions"]);
        assert_eq!(plain.table_named("customers").unwrap(), None);
        let opts = SessionOptions {
            per_customer: true,
            ..Default::default()
        };
        let s = sessions(&log, &opts).unwrap();
        assert_eq!(s.other_tables(), ["inactivity_transitions", "customers"]);
        let t = s.table_named("customers").unwrap().unwrap();
        let rows = s.customers.as_ref().unwrap();
        assert_eq!(cells(&t), cells(&Table::from_rows(rows).unwrap()));
        assert_eq!(t.rows, 2);
        assert_eq!(
            t.column("customer_id"),
            Some(&Column::joined_from(["a", "b"]))
        );
        assert_eq!(
            t.column("n_sessions"),
            Some(&Column::Int(vec![Some(3), Some(1)]))
        );
        // a: sessions of 2400, 0 and 60 s; b: one event, so no gap.
        assert_eq!(
            t.column("mean_session_duration_s"),
            Some(&Column::Float(vec![Some(820.0), Some(0.0)]))
        );
        assert_eq!(
            t.column("longest_gap_s"),
            Some(&Column::Float(vec![Some(691_200.0), None]))
        );
        let last = t.column("last_event").unwrap();
        assert_eq!(
            cells(&t)[0]
                .iter()
                .find(|c| c.0 == "first_event")
                .unwrap()
                .1,
            "1970-01-01T00:00:00Z"
        );
        assert!(matches!(last, Column::Joined { .. }));
        let tr = s.table_named("inactivity_transitions").unwrap().unwrap();
        assert_eq!(
            cells(&tr),
            [vec![
                ("after".to_string(), "purchase".to_string()),
                ("before".to_string(), "email".to_string()),
                ("count".to_string(), "1".to_string())
            ]]
        );
    }
}
