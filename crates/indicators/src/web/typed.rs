//! Numbers as a reader types them on the area's forms: spaces between thousands (as French
//! writes them) are skipped, and a decimal is read by the one reader of typed amounts
//! (`domain::delivery::parse_cost_amount`: `61,5` or `61.5`). An empty field is none.

use opencpd_domain::Problem;

/// A whole number; the sign is left for the store's checks to name.
pub(super) fn whole(raw: &str) -> Result<Option<i64>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    digits.parse::<i64>().map(Some).map_err(|_| Problem::new("bad-number").with_value(raw))
}

/// A decimal number, not negative.
pub(super) fn decimal(raw: &str) -> Result<Option<f64>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    opencpd_domain::delivery::parse_cost_amount(raw)
        .map(Some)
        .map_err(|p| if p.code == "bad-amount" { Problem::new("bad-number").with_value(raw) } else { p })
}

/// A number read, or none with its problem noted under `column`.
pub(super) fn noted<T>(read: Result<Option<T>, Problem>, column: &str, problems: &mut Vec<Problem>) -> Option<T> {
    read.unwrap_or_else(|p| {
        problems.push(p.in_column(column));
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_typed_in_either_language() {
        assert_eq!(whole("1 250").unwrap(), Some(1250));
        assert_eq!(whole("1\u{202f}250").unwrap(), Some(1250));
        assert_eq!(whole(" ").unwrap(), None);
        assert_eq!(whole("-3").unwrap(), Some(-3));
        assert_eq!(whole("12,5").unwrap_err().code, "bad-number");
        assert_eq!(decimal("61,5").unwrap(), Some(61.5));
        assert_eq!(decimal("61.25").unwrap(), Some(61.25));
        assert_eq!(decimal("1 250,5").unwrap(), Some(1250.5));
        assert_eq!(decimal("beaucoup").unwrap_err().code, "bad-number");
        assert_eq!(decimal("-4").unwrap_err().code, "negative");
        let mut problems = Vec::new();
        assert_eq!(noted(decimal("20.25"), "max_score", &mut problems), Some(20.25));
        assert!(problems.is_empty());
        assert_eq!(noted(decimal("vingt"), "max_score", &mut problems), None);
        assert_eq!(noted(whole("2,5"), "position", &mut problems), None);
        let named: Vec<(&str, Option<&str>)> = problems.iter().map(|p| (p.code, p.column.as_deref())).collect();
        assert_eq!(named, [("bad-number", Some("max_score")), ("bad-number", Some("position"))]);
    }
}
