//! The Excel workbook (rust_xlsxwriter): a sheet per section with real cell types (numbers
//! with currency, percent and thousands formats, dates as Excel dates, booleans), a bold
//! frozen header row, an autofilter and column widths; native line charts of the headline
//! series on the Summary sheet; a Metadata sheet (provenance and the configuration as
//! text); the explanation of the employer cost's change; and the full tables (the snapshot
//! and the events of a run) split across sheets at Excel's row limit, or left out above
//! `max_rows` with a note on the Metadata sheet.

use super::Export;
use crate::content::{Report, Section};
use crate::figures;
use crate::results::Results;
use crate::table::{cell, stream, Cell, Column, Kind};
use crate::ReportError;
use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use std::path::Path;

/// Rows of data per sheet: Excel's 1,048,576 less the header.
pub const SHEET_ROWS: u64 = 1_048_575;

/// The workbook's options.
#[derive(Debug, Clone)]
pub struct Xlsx {
    /// Leave out a full table (snapshot, events) with more rows than this, with a note.
    pub max_rows: Option<u64>,
    /// Data rows per sheet before a full table continues on the next (Excel's limit; smaller
    /// only to test the split).
    pub sheet_rows: u64,
}

impl Default for Xlsx {
    fn default() -> Self {
        Xlsx {
            max_rows: None,
            sheet_rows: SHEET_ROWS,
        }
    }
}

struct Formats {
    header: Format,
    money: Format,
    rate: Format,
    count: Format,
    number: Format,
    date: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            money: Format::new().set_num_format("$#,##0.00"),
            rate: Format::new().set_num_format("0.00%"),
            count: Format::new().set_num_format("#,##0"),
            number: Format::new().set_num_format("#,##0.00##"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }

    fn of(&self, kind: Kind) -> Option<&Format> {
        match kind {
            Kind::Money => Some(&self.money),
            Kind::Rate => Some(&self.rate),
            Kind::Count => Some(&self.count),
            Kind::Number => Some(&self.number),
            Kind::Date => Some(&self.date),
            _ => None,
        }
    }
}

fn xl(path: &Path) -> impl Fn(XlsxError) -> ReportError + '_ {
    move |e| ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Excel's serial day of a day since 1970-01-01.
fn serial(days: i32) -> f64 {
    days as f64 + 25_569.0
}

/// Writes one cell.
fn put(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    kind: Kind,
    v: &Cell,
) -> Result<(), XlsxError> {
    match v {
        Cell::Null => Ok(()),
        Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
        Cell::Bool(b) => ws.write_boolean(row, col, *b).map(|_| ()),
        Cell::Date(d) => ws
            .write_number_with_format(row, col, serial(*d), &f.date)
            .map(|_| ()),
        _ => {
            let x = v.number().unwrap_or(f64::NAN);
            if !x.is_finite() {
                return Ok(());
            }
            match f.of(kind) {
                Some(fmt) => ws.write_number_with_format(row, col, x, fmt).map(|_| ()),
                None => ws.write_number(row, col, x).map(|_| ()),
            }
        }
    }
}

/// The header row, frozen, and the column widths.
fn header(
    ws: &mut Worksheet,
    f: &Formats,
    columns: &[Column],
    widths: &[usize],
) -> Result<(), XlsxError> {
    for (j, c) in columns.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, &c.label, &f.header)?;
        let w = widths
            .get(j)
            .copied()
            .unwrap_or(10)
            .max(c.label.len().min(24))
            + 2;
        ws.set_column_width(j as u16, w.clamp(8, 60) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A cell's width as people read it (for the column widths).
fn width(c: &Column, v: &Cell) -> usize {
    match v {
        Cell::Text(s) => s.chars().count().min(60),
        Cell::Date(_) => 10,
        _ => {
            let x = v.number().unwrap_or(0.0);
            match c.kind {
                Kind::Money => figures::money(x).len() + 3,
                Kind::Rate => 8,
                _ => figures::thousands(x, 2).len(),
            }
        }
    }
}

/// The kind of each cell of a section's row (a bands row takes its metric's kind).
fn kinds(s: &Section, row: &[Cell]) -> Vec<Kind> {
    let metric = s
        .metric_column
        .as_ref()
        .and_then(|m| s.table.column(m))
        .and_then(|i| match &row[i] {
            Cell::Text(m) => Some(m.clone()),
            _ => None,
        });
    s.table
        .columns
        .iter()
        .map(|c| match (&metric, c.kind) {
            (Some(m), Kind::Number) => match figures::kind(m) {
                figures::Kind::Money => Kind::Money,
                figures::Kind::Rate => Kind::Rate,
                figures::Kind::Count => Kind::Number,
            },
            (_, k) => k,
        })
        .collect()
}

fn section(wb: &mut Workbook, f: &Formats, s: &Section) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(&s.sheet)?;
    let t = &s.table;
    let mut widths: Vec<usize> = vec![0; t.columns.len()];
    for row in t.rows.iter().take(200) {
        for (j, v) in row.iter().enumerate() {
            widths[j] = widths[j].max(width(&t.columns[j], v));
        }
    }
    header(ws, f, &t.columns, &widths)?;
    for (i, row) in t.rows.iter().enumerate() {
        let kinds = kinds(s, row);
        for (j, v) in row.iter().enumerate() {
            put(ws, f, i as u32 + 1, j as u16, kinds[j], v)?;
        }
    }
    if !t.rows.is_empty() && !t.columns.is_empty() {
        ws.autofilter(0, 0, t.rows.len() as u32, t.columns.len() as u16 - 1)?;
    }
    // Native line charts of the headline series, to the right of the table.
    let n = t.rows.len() as u32;
    for (k, c) in s.charts.iter().enumerate() {
        let (Some(x), Some(y)) = (t.column(&c.x), t.column(&c.y)) else {
            continue;
        };
        if n == 0 || c.group.is_some() {
            continue;
        }
        let mut chart = Chart::new(ChartType::Line);
        chart
            .add_series()
            .set_categories((s.sheet.as_str(), 1, x as u16, n, x as u16))
            .set_values((s.sheet.as_str(), 1, y as u16, n, y as u16))
            .set_name(c.title.as_str());
        chart.title().set_name(&c.title);
        chart.legend().set_hidden();
        let at_row = n + 3 + (k as u32 / 2) * 16;
        let at_col = (k as u16 % 2) * 8;
        ws.insert_chart(at_row, at_col, &chart)?;
    }
    Ok(())
}

impl Xlsx {
    /// Streams a full table into as many sheets as its rows need.
    fn detail(
        &self,
        wb: &mut Workbook,
        f: &Formats,
        r: &Results,
        d: &crate::content::Detail,
        notes: &mut Vec<(String, String)>,
        path: &Path,
    ) -> Result<(), ReportError> {
        let count = crate::table::query(&r.conn, &d.what, &d.count_sql)?
            .rows
            .first()
            .and_then(|row| row[0].number())
            .unwrap_or(0.0) as u64;
        if let Some(max) = self.max_rows {
            if count > max {
                notes.push((
                    d.sheet.clone(),
                    format!("left out: {count} rows, above --max-rows {max}"),
                ));
                return Ok(());
            }
        }
        let per = self.sheet_rows.max(1);
        let sheets = count.div_ceil(per).max(1);
        let name = |k: u64| {
            if sheets == 1 {
                d.sheet.clone()
            } else {
                format!("{} {}", d.sheet, k + 1)
            }
        };
        let first = wb.worksheets().len();
        let mut written = 0u64;
        let mut columns: Vec<Column> = Vec::new();
        let e = xl(path);
        stream(&r.conn, &d.what, &d.sql, &mut |cols, batch| {
            if columns.is_empty() {
                columns = cols.to_vec();
            }
            let rows = batch.first().map_or(0, |c| c.len());
            for i in 0..rows {
                let sheet = (written / per) as usize;
                let row = (written % per) as u32 + 1;
                if row == 1 {
                    // Rows are written in order: the sheet streams to a temporary file
                    // instead of holding every cell.
                    let ws = wb.add_worksheet_with_constant_memory().map_err(&e)?;
                    ws.set_name(name(sheet as u64)).map_err(&e)?;
                    header(ws, f, cols, &vec![12; cols.len()]).map_err(&e)?;
                }
                let ws = wb.worksheet_from_index(first + sheet).map_err(&e)?;
                for (j, a) in batch.iter().enumerate() {
                    put(ws, f, row, j as u16, cols[j].kind, &cell(a, i)).map_err(&e)?;
                }
                written += 1;
            }
            Ok(())
        })?;
        for k in 0..sheets as usize {
            let rows_here = (count - k as u64 * per).min(per) as u32;
            if let (Ok(ws), false) = (wb.worksheet_from_index(first + k), columns.is_empty()) {
                ws.autofilter(0, 0, rows_here, columns.len() as u16 - 1)
                    .map_err(&e)?;
            }
        }
        if sheets > 1 {
            notes.push((
                d.sheet.clone(),
                format!("{count} rows over {sheets} sheets of at most {per} rows"),
            ));
        }
        Ok(())
    }
}

impl Export for Xlsx {
    fn export(&self, r: &Results, report: &Report, path: &Path) -> Result<(), ReportError> {
        let f = Formats::new();
        let e = xl(path);
        let mut wb = Workbook::new();
        // The fastest deflate level: deflate was 40% of the default run's workbook; at level 1
        // it is written in 1.6 s instead of 3.0 s, 24.6 MB instead of 13.8 MB.
        wb.set_zip_compression_level(1);
        for s in &report.sections {
            section(&mut wb, &f, s).map_err(&e)?;
        }
        if let Some(x) = &report.explanation {
            let ws = wb.add_worksheet();
            ws.set_name("Explain").map_err(&e)?;
            let cols = ["driver", "amount", "share", "low", "high"].map(|n| Column {
                name: n.into(),
                label: figures::label(n),
                kind: Kind::Text,
            });
            header(ws, &f, &cols, &[28, 16, 10, 16, 16]).map_err(&e)?;
            let mut row = 1u32;
            let mut line = |ws: &mut Worksheet,
                            name: &str,
                            amount: f64,
                            share: Option<f64>,
                            band: Option<(f64, f64)>|
             -> Result<(), XlsxError> {
                ws.write_string(row, 0, name)?;
                ws.write_number_with_format(row, 1, amount, &f.money)?;
                if let Some(s) = share.filter(|s| s.is_finite()) {
                    ws.write_number_with_format(row, 2, s, &f.rate)?;
                }
                if let Some((lo, hi)) = band {
                    ws.write_number_with_format(row, 3, lo, &f.money)?;
                    ws.write_number_with_format(row, 4, hi, &f.money)?;
                }
                row += 1;
                Ok(())
            };
            line(
                ws,
                &format!("{} {}", figures::label(&x.metric), x.from),
                x.before,
                None,
                None,
            )
            .map_err(&e)?;
            for d in &x.drivers {
                line(ws, &d.name, d.amount, Some(d.share), Some((d.low, d.high))).map_err(&e)?;
            }
            line(ws, "residual", x.residual, None, None).map_err(&e)?;
            line(
                ws,
                &format!("{} {}", figures::label(&x.metric), x.to),
                x.after,
                None,
                None,
            )
            .map_err(&e)?;
            ws.write_string_with_format(row + 1, 0, x.method, &f.wrap)
                .map_err(&e)?;
        }
        let mut notes = Vec::new();
        for d in &report.details {
            self.detail(&mut wb, &f, r, d, &mut notes, path)?;
        }
        let ws = wb.add_worksheet();
        ws.set_name("Metadata").map_err(&e)?;
        ws.write_string_with_format(0, 0, "Field", &f.header)
            .map_err(&e)?;
        ws.write_string_with_format(0, 1, "Value", &f.header)
            .map_err(&e)?;
        ws.set_column_width(0, 28).map_err(&e)?;
        ws.set_column_width(1, 90).map_err(&e)?;
        let mut row = 1u32;
        let mut kv = |ws: &mut Worksheet, k: &str, v: &str| -> Result<(), XlsxError> {
            ws.write_string(row, 0, k)?;
            ws.write_string_with_format(row, 1, v, &f.wrap)?;
            row += 1;
            Ok(())
        };
        kv(ws, "Report", &report.title).map_err(&e)?;
        kv(ws, "Results", &r.path.display().to_string()).map_err(&e)?;
        kv(ws, "Written by", workforce_sim_store::BUILD).map_err(&e)?;
        for (k, v) in report.metadata.iter().chain(&notes) {
            kv(ws, k, v).map_err(&e)?;
        }
        if let Some(c) = &report.configuration {
            // A cell holds at most 32,767 characters.
            let text: String = c.chars().take(32_000).collect();
            kv(ws, "Configuration", &text).map_err(&e)?;
        }
        super::write_whole(path, |tmp| wb.save(tmp).map_err(xl(path)))
    }
}
