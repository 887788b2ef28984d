//! Go's `strconv.FormatFloat(f, fmt, prec, 64)` for the decimal formats `e E f g G`.
//!
//! Go lays out a list of decimal digits (trailing zeros trimmed) and a decimal-point position;
//! we obtain the same digits (ryu for shortest, Rust's exact formatting for a fixed precision,
//! both rounding half-to-even on the exact binary value as Go does) and copy Go's layout rules.

/// Decimal digits `0.d1d2d3… × 10^dp`, without trailing zeros; zero has no digits and `dp == 0`.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

impl Digits {
    fn nd(&self) -> i32 {
        self.d.len() as i32
    }

    fn at(&self, i: i32) -> u8 {
        if i >= 0 && i < self.nd() {
            self.d[i as usize]
        } else {
            b'0'
        }
    }

    /// Parses text of the form `[digits][.digits][e[-]digits]` as Rust and ryu print it.
    fn from_text(text: &str) -> Digits {
        let (mant, exp) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let mut d = Vec::with_capacity(mant.len());
        let mut point = None;
        for &c in mant.as_bytes() {
            if c == b'.' {
                point = Some(d.len() as i32);
            } else {
                d.push(c);
            }
        }
        let mut dp = point.unwrap_or(d.len() as i32) + exp;
        let lead = d.iter().take_while(|&&c| c == b'0').count();
        d.drain(..lead);
        dp -= lead as i32;
        while d.last() == Some(&b'0') {
            d.pop();
        }
        if d.is_empty() {
            dp = 0;
        }
        Digits { d, dp }
    }
}

/// `strconv.FormatFloat(f, fmt, prec, 64)`: `fmt` one of `e E f g G`, `prec` -1 for the
/// shortest text that reads back as `f`, otherwise digits after the point (`e f`) or
/// significant digits (`g`).
/// More digits than any double's exact decimal expansion has (at most 1074 after the point).
const EXACT_DIGITS: usize = 1100;

pub fn format_float_go(f: f64, fmt: u8, prec: i32) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f < 0.0 {
            "-Inf".into()
        } else {
            "+Inf".into()
        };
    }
    let neg = f.is_sign_negative();
    let a = f.abs();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let digs = if a == 0.0 {
            Digits {
                d: Vec::new(),
                dp: 0,
            }
        } else {
            Digits::from_text(ryu::Buffer::new().format_finite(a))
        };
        prec = match fmt {
            b'e' | b'E' => (digs.nd() - 1).max(0),
            b'f' => (digs.nd() - digs.dp).max(0),
            _ => digs.nd(),
        };
        digs
    } else if fmt == b'f' {
        // Rust's fixed-point text is exactly Go's here (both round half-to-even on the
        // exact value); only the sign of a negative zero is ours to add.
        // A double's exact decimal expansion ends within 1074 fractional digits; beyond that
        // Go prints zeros (and Rust's formatter refuses precisions over 65535).
        let exact = (prec as usize).min(EXACT_DIGITS);
        out.push_str(&format!("{:.*}", exact, a));
        out.extend(std::iter::repeat_n('0', prec as usize - exact));
        return out;
    } else {
        let digits = match fmt {
            b'e' | b'E' => prec + 1,
            b'g' | b'G' => {
                if prec == 0 {
                    prec = 1;
                }
                prec
            }
            _ => 1,
        };
        let wanted = (digits - 1).max(0) as usize;
        let mut text = format!("{:.*e}", wanted.min(EXACT_DIGITS), a);
        if wanted > EXACT_DIGITS {
            // Significant digits past the exact expansion are zeros.
            if let Some(e) = text.find('e') {
                text.insert_str(e, &"0".repeat(wanted - EXACT_DIGITS));
            }
        }
        Digits::from_text(&text)
    };
    match fmt {
        b'e' | b'E' => fmt_e(&mut out, &digs, prec, fmt),
        b'f' => fmt_f(&mut out, &digs, prec),
        b'g' | b'G' => {
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= digs.dp {
                eprec = digs.nd();
            }
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                fmt_e(&mut out, &digs, prec - 1, fmt + b'e' - b'g');
            } else {
                if prec > digs.dp {
                    prec = digs.nd();
                }
                fmt_f(&mut out, &digs, (prec - digs.dp).max(0));
            }
        }
        _ => {
            out.push('%');
            out.push(fmt as char);
        }
    }
    out
}

fn fmt_e(out: &mut String, d: &Digits, prec: i32, fmt: u8) {
    out.push(d.at(0) as char);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(d.at(i) as char);
        }
    }
    out.push(fmt as char);
    let mut exp = if d.nd() == 0 { 0 } else { d.dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
}

fn fmt_f(out: &mut String, d: &Digits, prec: i32) {
    if d.dp > 0 {
        for i in 0..d.dp {
            out.push(d.at(i) as char);
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.dp + i) as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_float_go;

    #[test]
    fn spot_checks() {
        assert_eq!(format_float_go(1e21, b'g', -1), "1e+21");
        assert_eq!(format_float_go(0.5, b'f', 0), "0");
        assert_eq!(format_float_go(2.5, b'f', 0), "2");
        assert_eq!(format_float_go(-0.0, b'g', -1), "-0");
        assert_eq!(format_float_go(100.0, b'g', -1), "100");
        assert_eq!(format_float_go(1.0, b'e', -1), "1e+00");
        assert_eq!(format_float_go(123456789.0, b'g', 3), "1.23e+08");
        assert_eq!(format_float_go(f64::NAN, b'g', -1), "NaN");
    }

    /// Golden vectors from Go: `bits fmt prec expected` per line.
    #[test]
    fn golden_vectors_match_go() {
        // STRCONV_GOLDEN may name a larger vector file generated by the same Go program.
        let big = std::env::var("STRCONV_GOLDEN")
            .ok()
            .and_then(|p| std::fs::read_to_string(p).ok());
        let text = big
            .as_deref()
            .unwrap_or(include_str!("../../testdata/yaml/strconv_golden.txt"));
        let mut n = 0;
        for line in text.lines().filter(|l| !l.is_empty()) {
            let mut parts = line.split(' ');
            let (Some(bits), Some(fmt), Some(prec), Some(want)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                panic!("bad golden line {line:?}");
            };
            let f = f64::from_bits(u64::from_str_radix(bits, 16).expect("hex bits"));
            let prec: i32 = prec.parse().expect("prec");
            let got = format_float_go(f, fmt.as_bytes()[0], prec);
            assert_eq!(got, want, "FormatFloat({f:e} bits {bits}, {fmt}, {prec})");
            n += 1;
        }
        assert!(n > 1000);
    }
}

#[cfg(test)]
mod fuzz_regressions {
    /// Found by the gotmpl_exec fuzz target (F6): precisions beyond Rust's formatter limit.
    #[test]
    fn huge_precisions_pad_with_zeros_as_go_does() {
        assert_eq!(super::format_float_go(1.5, b'f', 70_000).len(), 70_002);
        let e = super::format_float_go(1.5, b'e', 70_000);
        assert!(e.starts_with("1.5000") && e.ends_with("e+00") && e.len() == 70_006, "{}", &e[..20]);
    }
}
