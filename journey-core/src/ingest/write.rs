//! Writers: the event log and surveys back to the CSV formats the readers take.

use std::io::Write;

use crate::error::Result;
use crate::model::{EventLog, Surveys, NO_ID, NO_SCORE};
use crate::time::format_us;

fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().from_writer(w)
}

fn flush<W: Write>(mut w: csv::Writer<W>) -> Result<()> {
    w.flush()?;
    Ok(())
}

fn map_csv(e: csv::Error) -> crate::error::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => crate::error::Error::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

impl EventLog {
    /// Writes the log as CSV (`customer_id,timestamp,touchpoint,channel,stage,value`, then the
    /// property columns), in log order: by customer id, then time.
    pub fn write_csv<W: Write>(&self, w: W) -> Result<()> {
        let mut out = csv_writer(w);
        let mut header = vec![
            "customer_id",
            "timestamp",
            "touchpoint",
            "channel",
            "stage",
            "value",
        ];
        header.extend(self.properties.iter().map(|p| p.name.as_str()));
        out.write_record(&header).map_err(map_csv)?;
        let mut rec: Vec<String> = Vec::with_capacity(header.len());
        for j in self.journeys() {
            for i in j.range() {
                rec.clear();
                rec.push(j.customer_id().to_string());
                rec.push(format_us(self.ts[i]));
                rec.push(self.touchpoint_name(self.touchpoint[i]).to_string());
                rec.push(self.channel_name(self.channel[i]).to_string());
                rec.push(self.stage_of(i).unwrap_or("").to_string());
                let v = self.value[i];
                rec.push(if v.is_nan() {
                    String::new()
                } else {
                    v.to_string()
                });
                for p in &self.properties {
                    let id = p.ids[i];
                    rec.push(if id == NO_ID {
                        String::new()
                    } else {
                        p.values.name(id).to_string()
                    });
                }
                out.write_record(&rec).map_err(map_csv)?;
            }
        }
        flush(out)
    }

    /// The log as CSV text.
    pub fn to_csv_string(&self) -> Result<String> {
        let mut buf = Vec::new();
        self.write_csv(&mut buf)?;
        Ok(String::from_utf8(buf).expect("the log holds UTF-8 only"))
    }
}

impl Surveys {
    /// Writes the responses as CSV (`customer_id,timestamp,touchpoint,nps,csat,ces`).
    pub fn write_csv<W: Write>(&self, w: W) -> Result<()> {
        let mut out = csv_writer(w);
        out.write_record([
            "customer_id",
            "timestamp",
            "touchpoint",
            "nps",
            "csat",
            "ces",
        ])
        .map_err(map_csv)?;
        let score = |v: u8| {
            if v == NO_SCORE {
                String::new()
            } else {
                v.to_string()
            }
        };
        for i in 0..self.len() {
            let tp = self.touchpoint[i];
            out.write_record([
                self.customers.name(self.customer[i]).to_string(),
                format_us(self.ts[i]),
                if tp == NO_ID {
                    String::new()
                } else {
                    self.touchpoints.name(tp).to_string()
                },
                score(self.nps[i]),
                score(self.csat[i]),
                score(self.ces[i]),
            ])
            .map_err(map_csv)?;
        }
        flush(out)
    }

    /// The responses as CSV text.
    pub fn to_csv_string(&self) -> Result<String> {
        let mut buf = Vec::new();
        self.write_csv(&mut buf)?;
        Ok(String::from_utf8(buf).expect("surveys hold UTF-8 only"))
    }
}
