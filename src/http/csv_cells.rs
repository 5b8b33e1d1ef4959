//! CSV made for spreadsheets. Excel and LibreOffice run a cell that begins
//! with `=`, `+`, `-` or `@` as a formula (and a leading tab or carriage
//! return can hide one), so text a user typed (an association named
//! `=HYPERLINK(…)`) would run on the reader's machine. OWASP's rule: such a
//! cell is written with a leading `'`, which spreadsheets show as text.
//! Every CSV the service writes goes through [`write_safe`].

use std::borrow::Cow;

/// The cell as a spreadsheet should see it: unchanged, unless it begins with
/// a formula character and is not a plain number (`-0.25` stays a number).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if starts_formula && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes the records of `csv` (as the csv crate wrote them, header first)
/// to `out` with every cell neutralised.
pub fn write_safe<W: std::io::Write>(csv: &[u8], out: W) -> Result<W, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv);
    let mut writer = csv::Writer::from_writer(out);
    for record in reader.records() {
        writer.write_record(record?.iter().map(neutralise).map(|c| c.into_owned()))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for formula in [
            "=1+1",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(neutralise(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["", "Trấn Yên", "-0.25", "+1", "12", "a=b", "0.261"] {
            assert_eq!(neutralise(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn every_cell_of_a_written_file_is_neutralised() {
        let raw = b"name,gap\n\"=HYPERLINK(\"\"http://e/\"\",\"\"a\"\")\",-0.089\nX,1\n";
        let safe = String::from_utf8(write_safe(raw, Vec::new()).unwrap()).unwrap();
        assert_eq!(
            safe,
            "name,gap\n\"'=HYPERLINK(\"\"http://e/\"\",\"\"a\"\")\",-0.089\nX,1\n"
        );
    }
}
