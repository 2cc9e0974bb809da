//! Kubernetes resource quantities (`500Gi`, `1.5Ti`, `500m`): parsing and byte formatting.
//!
//! Follows the grammar of `k8s.io/apimachinery/pkg/api/resource.Quantity`. Storage and memory
//! sizes are kept as whole bytes (u128, so that no sum of pools can overflow) and CPU as
//! millicores, rounding up as Kubernetes does.

use thiserror::Error;

/// Why a string is not a usable quantity.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    /// Not the Kubernetes quantity grammar.
    #[error("is not a Kubernetes quantity")]
    Syntax(String),
    /// Negative or zero where a size is needed.
    #[error("must be greater than zero")]
    NotPositive(String),
    /// Larger than any real disk or node.
    #[error("is too large")]
    TooLarge(String),
}

/// Parses a quantity into an exact rational `numerator / 10^scale` times its suffix multiplier,
/// returned as `(mantissa, decimal_places, multiplier_num, multiplier_den)`.
fn parse(text: &str) -> Result<(u128, u32, u128, u128), QuantityError> {
    let syntax = || QuantityError::Syntax(text.into());
    let body = text.strip_prefix('+').unwrap_or(text);
    if body.starts_with('-') {
        return Err(QuantityError::NotPositive(text.into()));
    }
    let number_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return Err(syntax());
    }
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.len() + frac.len() > 30 {
        return Err(QuantityError::TooLarge(text.into()));
    }
    let digits = format!("{whole}{frac}");
    let mantissa: u128 = digits.parse().map_err(|_| syntax())?;
    let places = u32::try_from(frac.len()).map_err(|_| syntax())?;
    let (num, den): (u128, u128) = match suffix {
        "" => (1, 1),
        "n" => (1, 1_000_000_000),
        "u" => (1, 1_000_000),
        "m" => (1, 1000),
        "k" => (1000, 1),
        "M" => (1000u128.pow(2), 1),
        "G" => (1000u128.pow(3), 1),
        "T" => (1000u128.pow(4), 1),
        "P" => (1000u128.pow(5), 1),
        "E" => (1000u128.pow(6), 1),
        "Ki" => (1 << 10, 1),
        "Mi" => (1 << 20, 1),
        "Gi" => (1 << 30, 1),
        "Ti" => (1 << 40, 1),
        "Pi" => (1 << 50, 1),
        "Ei" => (1 << 60, 1),
        _ => return Err(syntax()),
    };
    Ok((mantissa, places, num, den))
}

fn scaled(text: &str, unit: u128) -> Result<u128, QuantityError> {
    let (mantissa, places, num, den) = parse(text)?;
    let denominator = 10u128.pow(places) * den;
    let numerator = mantissa
        .checked_mul(num)
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| QuantityError::TooLarge(text.into()))?;
    let value = numerator.div_ceil(denominator);
    if value == 0 {
        return Err(QuantityError::NotPositive(text.into()));
    }
    Ok(value)
}

/// Bytes of a storage or memory quantity such as `500Gi`, rounded up to a whole byte.
pub fn bytes(text: &str) -> Result<u128, QuantityError> {
    let value = scaled(text, 1)?;
    // An exbibyte per volume is beyond any disk; the bound keeps totals far from overflow.
    if value > 1 << 60 {
        return Err(QuantityError::TooLarge(text.into()));
    }
    Ok(value)
}

/// Millicores of a CPU quantity such as `2` or `500m`.
pub fn millicores(text: &str) -> Result<u128, QuantityError> {
    let value = scaled(text, 1000)?;
    if value > 1_000_000_000 {
        return Err(QuantityError::TooLarge(text.into()));
    }
    Ok(value)
}

const UNITS: [(&str, u32); 6] = [
    ("Ei", 60),
    ("Pi", 50),
    ("Ti", 40),
    ("Gi", 30),
    ("Mi", 20),
    ("Ki", 10),
];

/// Formats bytes exactly, in the largest binary unit that divides them: `2Ti`, `4000Gi`. Exact
/// figures compare cleanly with the runbook, which writes 4 x 2 x 500Gi as `4Ti`.
#[must_use]
pub fn format_bytes(bytes: u128) -> String {
    for (suffix, shift) in UNITS {
        let unit = 1u128 << shift;
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    format!("{bytes}")
}

/// Formats bytes in the largest unit they reach, rounded to two decimals: `3.91Ti`.
#[must_use]
pub fn approx_bytes(bytes: u128) -> String {
    for (suffix, shift) in UNITS {
        let unit = 1u128 << shift;
        if bytes >= unit {
            let hundredths = (bytes * 100 + unit / 2) / unit;
            let (whole, frac) = (hundredths / 100, hundredths % 100);
            return match frac {
                0 => format!("{whole}{suffix}"),
                f if f % 10 == 0 => format!("{whole}.{}{suffix}", f / 10),
                f => format!("{whole}.{f:02}{suffix}"),
            };
        }
    }
    format!("{bytes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_storage_sizes() {
        assert_eq!(bytes("500Gi"), Ok(500 << 30));
        assert_eq!(bytes("1.5Ti"), Ok(3 << 39));
        assert_eq!(bytes("100G"), Ok(100_000_000_000));
        assert_eq!(bytes("1e3").ok(), None);
        assert_eq!(bytes("1024"), Ok(1024));
        assert!(matches!(bytes("-5Gi"), Err(QuantityError::NotPositive(_))));
        assert!(matches!(bytes("0"), Err(QuantityError::NotPositive(_))));
        assert!(matches!(bytes("5 Gi"), Err(QuantityError::Syntax(_))));
        assert!(matches!(bytes("5GB"), Err(QuantityError::Syntax(_))));
        assert!(matches!(
            bytes("99999999Ei"),
            Err(QuantityError::TooLarge(_))
        ));
    }

    #[test]
    fn parses_cpu() {
        assert_eq!(millicores("500m"), Ok(500));
        assert_eq!(millicores("2"), Ok(2000));
        assert_eq!(millicores("0.25"), Ok(250));
    }

    #[test]
    fn formats_bytes() {
        assert_eq!(format_bytes(800 << 30), "800Gi");
        assert_eq!(format_bytes(2 << 40), "2Ti");
        assert_eq!(format_bytes(3 << 39), "1536Gi");
        assert_eq!(format_bytes(4000 << 30), "4000Gi");
        assert_eq!(format_bytes(1000), "1000");
        assert_eq!(approx_bytes(4000 << 30), "3.91Ti");
        assert_eq!(approx_bytes(3 << 39), "1.5Ti");
        assert_eq!(approx_bytes(2 << 40), "2Ti");
    }
}
