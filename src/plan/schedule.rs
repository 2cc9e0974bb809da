//! How long a CronJob's schedule may leave between two runs: the bound the LI sync's freshness
//! alert allows.
//!
//! The schedule is read as the CronJob controller reads it, with robfig/cron v3's
//! `ParseStandard` (`parser.go` `getRange`, `spec.go` `dayMatches`, v3.0.1): `a-b`, `*`, `?`,
//! `/step` (`N/step` runs from `N` to the field's end), names of months and days, the `@`
//! macros, and day-of-month and day-of-week joined by "or" unless either starts with `*` or
//! `?` (which `/step` above 1 undoes). `check::names::cron` has validated it. Pure arithmetic on
//! civil time, no IO.

/// Minutes in a day.
const DAY: u32 = 24 * 60;

/// Days walked: 28 years, after which weekdays and leap years repeat (1901 to 2099).
const SPAN_DAYS: u32 = 28 * 365 + 7;

/// One field's allowed values as a bit set, and whether it counts as `*` for `dayMatches`.
struct Field {
    bits: u64,
    star: bool,
}

fn field(text: &str, lo: u32, hi: u32, names: &[&str]) -> Field {
    let value = |b: &str| -> u32 {
        names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(b))
            .map_or_else(
                || b.parse().unwrap_or(lo),
                |i| lo + u32::try_from(i).unwrap_or(0),
            )
    };
    let mut out = Field {
        bits: 0,
        star: false,
    };
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse().unwrap_or(1).max(1)),
            None => (part, 1),
        };
        let (start, end, star) = if range == "*" || range == "?" {
            (lo, hi, step == 1)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a), value(b), false)
        } else if step > 1 {
            (value(range), hi, false)
        } else {
            (value(range), value(range), false)
        };
        out.star |= star;
        let mut v = start;
        while v <= end.min(hi) {
            out.bits |= 1 << v;
            v += step;
        }
    }
    out
}

/// The five fields of `schedule`, macros expanded.
fn fields(schedule: &str) -> [String; 5] {
    let expanded = match schedule {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => other,
    };
    let mut out: [String; 5] = Default::default();
    for (slot, f) in out.iter_mut().zip(expanded.split_whitespace()) {
        *slot = f.to_string();
    }
    out
}

/// The longest time, in seconds, between two consecutive runs of `schedule`, in the civil time
/// of its time zone; `None` when it never runs (such as `0 0 30 2 *`).
#[must_use]
pub fn longest_gap_seconds(schedule: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let [minute, hour, dom, month, dow] = fields(schedule);
    let minutes = field(&minute, 0, 59, &[]);
    let hours = field(&hour, 0, 23, &[]);
    let dom = field(&dom, 1, 31, &[]);
    let months = field(&month, 1, 12, &MONTHS);
    let dow = field(&dow, 0, 6, &DAYS);
    let times: Vec<u32> = (0..DAY)
        .filter(|t| hours.bits & (1 << (t / 60)) != 0 && minutes.bits & (1 << (t % 60)) != 0)
        .collect();
    let (&first, &last) = (times.first()?, times.last()?);
    let within = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    // 2001-01-01 was a Monday; walk the civil calendar day by day.
    let (mut year, mut month_no, mut day, mut weekday) = (2001_u32, 1_u32, 1_u32, 1_u32);
    let mut run_days = Vec::new();
    for index in 0..SPAN_DAYS {
        let d = dom.bits & (1 << day) != 0;
        let w = dow.bits & (1 << weekday) != 0;
        let day_ok = if dom.star || dow.star { d && w } else { d || w };
        if day_ok && months.bits & (1 << month_no) != 0 {
            run_days.push(index);
        }
        weekday = (weekday + 1) % 7;
        day += 1;
        if day > days_in_month(year, month_no) {
            day = 1;
            month_no += 1;
            if month_no > 12 {
                month_no = 1;
                year += 1;
            }
        }
    }
    let (&first_day, &last_day) = (run_days.first()?, run_days.last()?);
    // The walk repeats after SPAN_DAYS, so the last run day is followed by the first one again.
    let wrap = first_day + SPAN_DAYS;
    let across = run_days
        .windows(2)
        .map(|w| (w[0], w[1]))
        .chain(std::iter::once((last_day, wrap)))
        .map(|(a, b)| (b - a) * DAY + first - last)
        .max()
        .unwrap_or(0);
    Some(u64::from(within.max(across)) * 60)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_follow_the_schedule() {
        let h = 3600;
        assert_eq!(longest_gap_seconds("*/15 * * * *"), Some(900));
        assert_eq!(longest_gap_seconds("* * * * *"), Some(60));
        assert_eq!(longest_gap_seconds("@hourly"), Some(h));
        assert_eq!(longest_gap_seconds("0 3 * * *"), Some(24 * h));
        // 22:00 to 06:00 the next day is the long gap.
        assert_eq!(longest_gap_seconds("0 6-22/4 * * *"), Some(8 * h));
        // Weekdays only: Friday 02:00 to Monday 02:00.
        assert_eq!(longest_gap_seconds("0 2 * * mon-fri"), Some(72 * h));
        // The 31st: from 31 August to 31 October, 61 days.
        assert_eq!(longest_gap_seconds("0 0 31 * *"), Some(61 * 24 * h));
        // Leap days only: eight years across 2100 is outside the walk; four years inside it.
        assert_eq!(longest_gap_seconds("0 0 29 2 *"), Some(1461 * 24 * h));
        // Day of month or day of week when neither is `*`: the 1st or any Sunday.
        assert!(longest_gap_seconds("0 0 1 * sun").is_some_and(|g| g <= 7 * 24 * h));
        // `*/1` keeps the star, `*/2` does not (robfig `getRange`).
        assert_eq!(longest_gap_seconds("0 0 */2 * mon"), Some(2 * 24 * h));
        assert_eq!(longest_gap_seconds("0 0 30 2 *"), None);
        assert_eq!(longest_gap_seconds("10/25 * * * *"), Some(35 * 60));
    }
}
